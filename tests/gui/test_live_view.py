"""The window follows a store that a real `seein train --live` process is writing."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np

ARGS = ["train", "--model", "lenet", "--dataset", "digits", "--limit", "256", "--batch-size", "16",
        "--epochs", "6", "--every", "2", "--sample", "40", "--quiet"]  # 96 steps, 49 snapshots


def test_the_window_follows_a_training_process(tmp_path, make_window, qtbot):
    out = tmp_path / "live.h5"
    proc = subprocess.Popen([sys.executable, "-m", "seein", *ARGS, "--live", str(out)],
                            env=dict(os.environ, PYTHONUNBUFFERED="1"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not out.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        window = make_window(out)
        state, timeline = window.state, window.timeline
        box = window.live_follow.follow_box
        assert box.isVisible() and box.isChecked()
        window.docks["deepeyes_perplexity"].show()  # the histograms gain a column per snapshot
        perp = window.deepeyes["perplexity"]
        qtbot.waitUntil(lambda: perp.drawn is not None, timeout=60000)
        steps_before, pixels_before = len(perp._data["steps"]), perp.drawn.rgba
        first = len(state.store.snapshots)
        latencies = []  # from the index's write to the timeline showing it
        state.bus.snapshots_added.connect(lambda n: latencies.append(time.time() - out.stat().st_mtime))
        before = timeline.grab().toImage()
        # new snapshots reach the timeline without a reload, and the view jumps to the newest
        qtbot.waitUntil(lambda: len(state.store.snapshots) >= first + 2, timeout=120000)
        n = len(state.store.snapshots)
        assert timeline.slider.maximum() == n - 1 and state.snapshot == n - 1
        assert f"snapshot {n}/{n}" in timeline.label.text()
        after = timeline.grab().toImage()
        qtbot.waitUntil(lambda: len(perp._data["steps"]) > steps_before, timeout=60000)
        assert not np.array_equal(perp.drawn.rgba, pixels_before)  # a newer column is drawn
        assert before.size() == after.size() and before != after  # the label was redrawn
        # "Follow latest" off: the user's snapshot stays put while the store keeps growing
        box.setChecked(False)
        state.set_snapshot(0)
        grown = len(state.store.snapshots)
        qtbot.waitUntil(lambda: len(state.store.snapshots) > grown, timeout=120000)
        assert state.snapshot == 0 and timeline.slider.maximum() == len(state.store.snapshots) - 1
        # on again: straight to the newest
        box.setChecked(True)
        assert state.snapshot == len(state.store.snapshots) - 1
        assert np.isfinite(state.store.read_activations("conv1", -1)).all()
        assert latencies and max(latencies) < 5.0, latencies  # "within a few seconds"
        proc.kill()
        proc.wait()
        # let the views' workers finish the last snapshot before the window closes
        qtbot.waitUntil(lambda: not window.busy and not perp.busy, timeout=60000)
        qtbot.wait(300)
        print(f"write -> timeline latency: median {np.median(latencies):.3f} s, max {max(latencies):.3f} s")
    finally:
        proc.kill()
        proc.wait()
