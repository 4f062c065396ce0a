"""``seein bench render`` runs end to end on a tiny case and writes every figure it reports.

Figures are not judged here (speed goals are the benchmark's own printout); this checks
that the run is complete and well formed: interleaved samples, medians with their spread,
the GL renderer, bytes per point and the ratios, bigger is better.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from seein.cli import main


def _bench(*args):
    return subprocess.run([sys.executable, "-m", "seein", "bench", "render", *args], capture_output=True,
                          text=True, timeout=240, env={**os.environ, "EGL_PLATFORM": "surfaceless"})


@pytest.mark.render
def test_bench_render_writes_every_figure(tmp_path):
    out = tmp_path / "render.json"
    res = _bench("--points", "3000,6000", "--size", "96x64", "--json", str(out))
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text())
    assert data["gl_renderer"] and data["size"] == [96, 64] and data["repeats"] == 7
    assert data["bytes_per_point"]["ours"] == 12.0 and data["bytes_per_point"]["markers"] > 40
    assert set(data["ratios"]) == {"vs_markers", "vs_gl_points", "selection_vs_markers",
                                   "selection_frame_vs_markers"}
    assert all(v > 0 for v in data["ratios"].values())
    assert set(data["ratios_by_points"]) == {"3000", "6000"}
    run = data["runs"][0]
    figures = [*run["frame"].values(), *run["selection"].values(), run["hit_test"]["lasso"],
               run["hit_test"]["box"], run["splom"], run["overview"]]
    assert {"ours", "markers", "gl_points", "ours_discs", "ours_selected"} <= set(run["frame"])
    for fig in figures:
        assert len(fig["samples_ms"]) == 7 and fig["min_ms"] <= fig["median_ms"] <= fig["max_ms"]
    med = lambda group, key: run[group][key]["median_ms"]  # noqa: E731
    assert run["ratios"]["vs_markers"] == pytest.approx(med("frame", "markers") / med("frame", "ours"))
    assert run["ratios"]["selection_vs_markers"] == pytest.approx(
        med("selection", "markers_update") / med("selection", "ours_update"))
    # 4 panels in view; the 2 diagonals are histograms, so the point visual draws the other 2
    assert run["splom"]["visible_panels"] == 4 and run["splom"]["drawn_panels"] == 2
    assert run["hit_test"]["lasso"]["points_hit"] > 0
    for row in ("(a) ours", "(b) vispy Markers", "(c) bare GL_POINTS", "selection -> frame (b)",
                "lasso, 200 vertices", "20x20 SPLOM", "ratio vs_gl_points"):
        assert row in res.stdout


def test_bench_render_needs_seven_repeats(capsys):
    assert main(["bench", "render", "--repeats", "3"]) == 2
    assert "at least 7" in capsys.readouterr().err
