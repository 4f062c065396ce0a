"""``seein compute`` while another process has the store open for reading: both go on safely.

The reader is a real second process: it opens the store (HDF5, read-only), keeps it open
and, until told to stop, reads activations and loads every cached result it can see.
Results are written beside the store, each to a temporary name then renamed, so the
reader must never meet a half-written file, and the store's own bytes never change.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap

from seein.cli import main
from seein.store import Store

READER = textwrap.dedent("""
    import json, sys
    from pathlib import Path

    import numpy as np
    from seein.store import Store

    stop = Path(sys.argv[2])
    loaded, errors, rounds = set(), [], 0
    with Store.open(sys.argv[1]) as store:
        print("ready", flush=True)
        while True:
            last = stop.exists()  # the round after the stop file appears is the last
            rounds += 1
            store.read_activations("conv", -1)
            for meta in store.results():  # every result listed must open in full
                try:
                    with np.load(meta["file"], allow_pickle=False) as npz:
                        for key in npz.files:
                            npz[key]
                    loaded.add(meta["file"])
                except Exception as exc:  # noqa: BLE001 - reported to the test
                    errors.append(f"{meta['file']}: {exc!r}")
            if last:
                break
    print(json.dumps({"loaded": len(loaded), "errors": errors, "rounds": rounds}), flush=True)
""")


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_compute_while_another_process_reads_the_store(synthetic_store, tmp_path, capsys):
    before = _digest(synthetic_store)
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(synthetic_store), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready", reader.stderr.read()
        assert main(["compute", str(synthetic_store), "--methods", "pca", "--map-instances", "20",
                     "--quiet"]) == 0  # while the reader reads, round after round
        first = capsys.readouterr().out
        assert "0 already cached" in first
        stop.touch()
        out, err = reader.communicate(timeout=120)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, err
    report = json.loads(out.strip().splitlines()[-1])
    with Store.open(synthetic_store) as store:
        n_results = len(store.results())
    assert report["errors"] == [] and report["rounds"] >= 2, report
    assert report["loaded"] == n_results > 0  # the open reader sees every new result, whole
    assert _digest(synthetic_store) == before  # the store itself is only ever read
    assert main(["compute", str(synthetic_store), "--methods", "pca", "--map-instances", "20",
                 "--quiet"]) == 0
    n_tasks = int(first.split(": ")[1].split()[0])
    assert f"0 computed, {n_tasks} already cached" in capsys.readouterr().out
