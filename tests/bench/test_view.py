"""``seein bench view``: the interaction benchmark drives a real window and reports every action."""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytestmark = pytest.mark.gui


def test_bench_view_measures_every_action(make_window, synthetic_store):
    from seein.bench.view import bench_view, format_table

    w = make_window(synthetic_store)
    result = bench_view(w)
    assert result["layer"] == "conv" and result["points"] == 1500  # the layer with the most values
    names = [r["action"] for r in result["actions"]]
    for name in ("layer switch to conv", "class click (legend)", "lasso", "hover", "timeline step",
                 "matrix -> scatter", "overview drag", "point-size slider"):
        assert name in names
    assert {r["mode"] for r in result["actions"]} == {"splom", "scatter"}
    shown = {r["view"] for r in result["actions"] if "view" in r}
    assert {"confusion", "filters", "curves", "perplexity"} <= shown  # each analysis view on a timeline step
    for r in result["actions"]:
        assert r["longest_gap_ms"] > 0 and np.isfinite(r["stall_frames"])
    assert all(r["frames_ms"] for r in result["actions"] if r["action"] != "hover")  # they redrew
    assert result["pan"]["every_point"]["frames_ms"] and result["pan"]["sampled"]["frames_ms"]
    table = format_table(result)
    assert "ratio longest_stall_in_frames" in table and "ratio pan_frame_every_point_vs_thinned" in table
    assert "ratio analysis_view_extra_stall_in_frames" in table


def test_bench_view_bad_layer(synthetic_store):
    run = subprocess.run([sys.executable, "-m", "seein", "bench", "view", str(synthetic_store), "--layer", "nope"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "no layer 'nope'" in run.stderr and "Traceback" not in run.stderr
