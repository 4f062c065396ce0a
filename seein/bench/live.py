"""Benchmark of progressive training: steps/s of ``seein train --live`` with and without a follower.

The trainer runs in its own process, as a user runs it; the follower is another process
doing what a viewer does on each new snapshot (notice the index changed, reopen the
store, read every layer of the newest snapshot and its cached statistics). Training
speed is steps between the first and the last snapshot over the time between their
files' writes (snapshot writing included, process start-up excluded); runs alternate
without / with a follower, and medians are reported. Latency is from the index's
replacement (its mtime) to the follower having read the new snapshot.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from ..store.live import snapshot_file

FOLLOWER = r"""
import json, sys, time
from pathlib import Path
from seein.store import Store
from seein.store.live import IndexWatch, is_live
path, out = Path(sys.argv[1]), sys.argv[2]
while not path.exists():
    time.sleep(0.01)
watch, latencies = IndexWatch(path), []
while True:
    if watch.changed():
        written = path.stat().st_mtime
        with Store.open(path) as store:
            for layer in store.layers:
                store.read_activations(layer.name, -1)
            store.results()
            store.curves
        latencies.append(time.time() - written)
        if not is_live(path):
            break
    time.sleep(0.05)
Path(out).write_text(json.dumps(latencies))
"""


def _rate(path: Path, steps: list[int]) -> float:
    times = [snapshot_file(path, k).stat().st_mtime for k in range(len(steps))]
    return (steps[-1] - steps[0]) / max(times[-1] - times[0], 1e-9)


def _one(train_args: Sequence[str], folder: Path, follow: bool) -> dict:
    from ..store import Store

    out = folder / ("followed.h5" if follow else "alone.h5")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    lat_file = folder / "latency.json"
    follower = subprocess.Popen([sys.executable, "-c", FOLLOWER, str(out), str(lat_file)], env=env) \
        if follow else None
    try:
        subprocess.run([sys.executable, "-m", "seein", "train", *train_args, "--live", str(out), "--force",
                        "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL)
        if follower is not None:
            follower.wait(timeout=60)
    finally:
        if follower is not None and follower.poll() is None:
            follower.kill()
    with Store.open(out) as store:
        steps = [s.step for s in store.snapshots]
    result = {"steps_per_s": _rate(out, steps), "snapshots": len(steps)}
    if follow and lat_file.exists():
        result["latency_s"] = json.loads(lat_file.read_text())
    return result


def bench_live(train_args: Sequence[str], repeats: int = 2,
               log: Callable[[str], None] = lambda m: None) -> dict:
    """Alternate runs without and with a follower; return medians and every run."""
    runs: dict[str, list[dict]] = {"alone": [], "followed": []}
    with tempfile.TemporaryDirectory(prefix="seein-bench-live-") as tmp:
        folder = Path(tmp)
        for r in range(repeats):
            for follow in ((False, True) if r % 2 == 0 else (True, False)):
                result = _one(train_args, folder, follow)
                runs["followed" if follow else "alone"].append(result)
                log(f"{'followed' if follow else 'alone'}: {result['steps_per_s']:.1f} steps/s")
    alone = statistics.median(r["steps_per_s"] for r in runs["alone"])
    followed = statistics.median(r["steps_per_s"] for r in runs["followed"])
    latencies = [v for r in runs["followed"] for v in r.get("latency_s", [])]
    return {"config": {"train_args": list(train_args), "repeats": repeats, "load_avg": os.getloadavg()},
            "runs": runs, "steps_per_s_alone": alone, "steps_per_s_followed": followed,
            "ratio_followed_vs_alone": followed / alone,
            "latency_median_s": statistics.median(latencies) if latencies else None,
            "latency_max_s": max(latencies) if latencies else None}

