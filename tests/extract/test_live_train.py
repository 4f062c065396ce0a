"""`seein train --live`: a real training process writes snapshots while a reader follows it;
kill -9 leaves every listed snapshot whole, and --resume ends where an uninterrupted run ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

from seein.cli import main
from seein.store import Store
from seein.store.live import IndexWatch

ARGS = ["train", "--model", "lenet", "--dataset", "digits", "--limit", "128", "--batch-size", "16",
        "--epochs", "3", "--every", "1", "--sample", "40", "--quiet"]  # 24 steps, 25 snapshots


def _check_whole(path):
    """Open the store as a reader would and read every snapshot fully; return its steps."""
    with Store.open(path) as store:
        for k in range(len(store.snapshots)):
            for layer in store.layers:
                values = store.read_activations(layer.name, k)
                assert values.shape == (store.n_points(layer.name), layer.dims)
                assert np.isfinite(values).all()
            assert store.logits(k).shape == (40, 10)
        return [s.step for s in store.snapshots]


def _final_weights(path):
    with h5py.File(path, "r") as f:
        last = sorted(f["snapshots"])[-1]
        return {k: v[...] for k, v in f["snapshots"][last]["weights"].items()}


def test_a_reader_follows_a_training_process_and_a_killed_run_resumes(tmp_path):
    out = tmp_path / "live.h5"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "seein", *ARGS, "--live", str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while not out.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        watch = IndexWatch(out)
        seen.append(len(_check_whole(out)))
        while seen[-1] < 4:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no snapshots within three minutes"
            if watch.changed():
                seen.append(len(_check_whole(out)))  # every version of the index is whole
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert seen == sorted(seen) and seen[-1] >= 4
    steps = _check_whole(out)  # after kill -9: every listed snapshot is valid
    assert steps == list(range(len(steps))) and len(steps) < 25, steps

    # an existing live store is not replaced by accident
    assert main([*ARGS, "--live", str(out)]) == 2
    assert main([*ARGS, "--live", str(out), "--resume"]) == 0
    assert _check_whole(out) == list(range(25))
    with h5py.File(out, "r") as f:
        assert not f.attrs["live"]
    # the resumed run took the same steps as one never stopped
    clean = tmp_path / "clean.h5"
    assert main([*ARGS, "--live", str(clean)]) == 0
    resumed, whole = _final_weights(out), _final_weights(clean)
    assert resumed.keys() == whole.keys()
    for key in whole:
        np.testing.assert_array_equal(resumed[key], whole[key], err_msg=key)
    with Store.open(out) as a, Store.open(clean) as b:
        np.testing.assert_array_equal(a.curves["train_loss"], b.curves["train_loss"])
    # the DeepEyes statistics of every snapshot are in the cache, for the views
    with Store.open(clean) as store:
        kinds = {(e["kind"], e["snapshot"]) for e in store.results()}
    assert {("deepeyes/perplexity", k) for k in range(25)} <= kinds


def test_live_needs_a_sensible_every(tmp_path, capsys):
    assert main(["train", "--live", str(tmp_path / "x.h5"), "--every", "0", "--quiet"]) == 2
    assert "--every must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "x.h5").exists()
    assert main(["train", "--quiet"]) == 2
    assert "-o RUN.pt, or --live" in capsys.readouterr().err


class _Payload:
    """A pickle that would create a file when unpickled by a trusting reader."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_resume_state_is_read_without_running_code(tmp_path, capsys):
    import pickle

    from seein.extract.live import live_folder

    out = tmp_path / "live.h5"
    small = ["train", "--model", "lenet", "--dataset", "digits", "--limit", "32", "--batch-size", "16",
             "--epochs", "1", "--every", "4", "--sample", "8", "--quiet"]
    assert main([*small, "--live", str(out)]) == 0
    states = sorted(live_folder(out).glob("state-*.pt"))
    assert len(states) == 1
    marker = tmp_path / "ran"
    states[0].write_bytes(pickle.dumps({"model": _Payload(marker)}))
    assert main([*small, "--live", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "not a readable resume state" in err and states[0].name in err and "Traceback" not in err
    assert not marker.exists()
