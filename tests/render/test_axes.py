"""Axes beside the embedding view (ticks, values, titles) and the diagonal panels' histograms."""

from __future__ import annotations

import numpy as np
import pytest

from seein.render.axes import axis_titles, format_ticks, nice_ticks

pytestmark = pytest.mark.render


def _dark(frame, level=140):
    return frame[..., :3].max(axis=-1) < level


def test_scatter_has_ticks_with_values_and_titles_in_its_margins(case):
    res = case("axes")
    frame, (px, py, pw, ph) = res["frame"], res["plot"]
    assert px > 40 and ph < frame.shape[0] - 30  # margins left of and below the plot
    xs = [float(label) for label, _, _ in res["tick_x"]]
    ys = [float(label) for label, _, _ in res["tick_y"]]
    assert len(xs) >= 3 and min(xs) <= 2 and max(xs) >= 8 and all(0 <= v <= 10 for v in xs)
    assert len(ys) >= 3 and all(0 <= v <= 1 for v in ys)
    # each tick sits where its value is drawn (the data's own mapping, not a guess)
    for label, x, _ in res["tick_x"]:
        assert abs(x - res["expect_x"][label]) < 1.0, (label, x, res["expect_x"][label])
    for label, _, y in res["tick_y"]:
        assert abs(y - res["expect_y"][label]) < 1.0, (label, y, res["expect_y"][label])
    assert [t for t, _, _ in res["title_x"]] == ["fc · dim 0"] and [t for t, _, _ in res["title_y"]] == ["fc · dim 1"]
    # and real text pixels: under each x tick its label, left of each y tick its label, the titles
    dark = _dark(frame)
    h = frame.shape[0]
    for _, x, y in res["tick_x"]:
        assert dark[int(y):int(y) + 12, int(x) - 6:int(x) + 7].sum() > 6, (x, y)
    for _, x, y in res["tick_y"]:
        assert dark[int(y) - 5:int(y) + 6, max(int(x) - 24, 0):int(x) + 1].sum() > 6, (x, y)
    assert dark[int(py + ph) + 20:h, int(px + pw / 2) - 30:int(px + pw / 2) + 30].sum() > 30  # x title
    (_, tx, ty), = res["title_y"]
    assert tx < min(x for _, x, _ in res["tick_y"]) - 16  # the rotated y title left of the tick labels
    assert dark[int(ty) - 30:int(ty) + 30, int(tx):int(tx) + 14].sum() > 30


def test_matrix_names_its_rows_and_columns_and_one_zoomed_panel_reads_its_dims_and_values(case):
    res = case("axes")
    assert [t for t, _, _ in res["zoom_title_x"]] == ["conv2 · dim 2"]
    assert [t for t, _, _ in res["zoom_title_y"]] == ["conv2 · dim 3"]
    assert res["zoom_ticks"] >= 3
    # the whole 4 x 4 matrix (cells of ~60 px): every column and row named, in order
    cols = sorted(res["whole_title_x"], key=lambda t: t[1])
    rows = sorted(res["whole_title_y"], key=lambda t: t[2])
    assert len(cols) == 4 and [t for t, _, _ in cols] == [t for t, _, _ in rows]
    assert all("2" in t for t, _, _ in cols[2:3])
    frame, (px, py, _, ph) = res["whole"], res["whole_plot"]
    dark = _dark(frame)
    assert dark[int(py + ph) + 2:, int(px):].sum() > 60 and dark[:, :int(px) - 2].sum() > 60


def test_a_small_canvas_has_no_axes(case):
    (x, y, w, h), n = case("axes")["small"]
    assert (x, y, w, h) == (0.0, 0.0, 120.0, 120.0) and n == 0


def test_diagonal_panels_are_class_coloured_histograms_on_the_columns_axis(case):
    res = case("diagonal_histograms")
    pal = res["palette"][:, :3].astype(int)
    frame, (px, py, pw, _) = res["frame"], res["plot"]
    assert res["computed"] == 3  # each visible diagonal's dim binned once

    def cell(f, k, n=3):
        size = pw / n  # the whole matrix fills the plot's width (square cells)
        y0, x0 = int(py + k * size) + 3, int(px + k * size) + 3
        return f[y0:int(py + (k + 1) * size) - 3, x0:int(px + (k + 1) * size) - 3], x0

    block, x0 = cell(frame, 0)
    centres = []
    for k in range(3):
        ink = np.all(np.abs(block[..., :3].astype(int) - pal[k]) <= 3, axis=-1)
        assert ink.sum() > 40, f"class {k} has no histogram line in dim 0's diagonal"
        centres.append(np.nonzero(ink)[1].mean())
    assert centres[0] < centres[1] < centres[2]  # classes at 0.2, 0.5, 0.8 of dim 0's axis
    size = pw / 3
    for k, v in enumerate((0.2, 0.5, 0.8)):
        assert abs(centres[k] + 3 - (0.06 + v * 0.88) * size) < 0.08 * size
    # off the diagonal no line: points only; before a selection nothing is dark in a diagonal
    assert not _dark(cell(frame, 1)[0], 60).any()
    sel, _ = cell(res["selected"], 0)
    dark = _dark(sel, 60)
    assert dark.sum() > 30 and abs(np.nonzero(dark)[1].mean() - centres[2]) < 0.1 * size  # class 2's outline
    assert res["drawn"] == [0]  # zoomed on dim 0's diagonal: only its histogram is drawn


def test_tick_values_and_titles():
    values, step = nice_ticks(-0.93, 0.07, 4)
    assert step == 0.25 and np.allclose(values, [-0.75, -0.5, -0.25, 0.0])
    assert format_ticks(values, step) == ["-0.75", "-0.50", "-0.25", "0"]
    values, step = nice_ticks(-13.2, 14.1, 6)
    assert step == 5 and format_ticks(values, step) == ["-10", "-5", "0", "5", "10"]
    assert axis_titles("conv2", 2) == ["conv2 · dim 0", "conv2 · dim 1"]
    assert axis_titles("fc2", 2, class_names=["cat", "dog"]) == ["fc2 · class cat", "fc2 · class dog"]
    assert axis_titles("fc1", 2, "tsne") == ["t-SNE 1", "t-SNE 2"]
