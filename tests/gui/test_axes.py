"""The embedding view reads like a scientific plot in the window: axes with values and titles,
histogram diagonals, and axis ranges fitted to the snapshot on demand (issue 10)."""

from __future__ import annotations

import numpy as np
import pytest

from seein.state import AxisRange
from seein.testing.qt import wait_idle

pytestmark = pytest.mark.gui


def _ink_extent(frame, plot):
    """(width, height) in px of the coloured (point) pixels inside the plot area."""
    x, y, w, h = (int(v) for v in plot)
    rgb = frame[y:y + h, x:x + w, :3].astype(int)
    coloured = (rgb.max(axis=-1) - rgb.min(axis=-1)) > 60  # class colours, not the grey grid or text
    ys, xs = np.nonzero(coloured)
    return (int(xs.max() - xs.min()), int(ys.max() - ys.min())) if len(xs) else (0, 0)


def test_axes_and_fit_to_this_snapshot_in_the_window(make_window, demo_store, qtbot):
    from seein.compute.stats import feature_ranges

    w = make_window(demo_store, layer="fc2")
    state, scene, controls = w.embedding.state, w.embedding.scene, w.embedding.controls
    state.set_mode("scatter", source="test")
    state.set_dims(0, 1, source="test")  # dim 0 across, dim 1 up
    state.set_snapshot(0)  # untrained: fc2's values are a hundred times smaller than later
    wait_idle(qtbot, w)
    frame = scene.render()
    plot = scene.plot_rect
    # axes: ticks with values and both titles, and their text on screen in the margins
    drawn = scene.axes.drawn
    assert [t for t, _, _ in drawn.title_x] == ["fc2 · class 0"] and [t for t, _, _ in drawn.title_y] == ["fc2 · class 1"]
    values = [float(label) for label, _, _ in drawn.tick_x]
    assert len(values) >= 3 and min(values) < -5 and max(values) > 5  # the range of all snapshots
    dark = frame[..., :3].max(axis=-1) < 170  # text ink (anti-aliased)
    x0, y0, pw, ph = (int(v) for v in plot)
    for _, x, y in drawn.tick_x:  # text hangs below its anchor
        assert dark[int(y):int(y) + 12, int(x) - 8:int(x) + 9].sum() > 5, (x, y)
    for _, x, y in drawn.title_x:
        assert dark[int(y):int(y) + 14, int(x) - 30:int(x) + 31].sum() > 30, (x, y)
    for _, x, y in drawn.tick_y:  # right-aligned left of the tick
        assert dark[int(y) - 5:int(y) + 6, int(x) - 20:int(x) + 1].sum() > 5, (x, y)
    same = _ink_extent(frame, plot)
    assert max(same) < 0.1 * min(pw, ph), same  # the untrained map: a dot on the common axes
    # the toolbar's range control: fit to this snapshot
    button, actions = controls.range_button, controls.range_actions
    assert button.isEnabled() and actions[AxisRange.ALL_SNAPSHOTS].isChecked()
    assert [a.text() for a in button.menu().actions()] == ["Same over all snapshots", "Fit to this snapshot"]
    actions[AxisRange.SNAPSHOT].trigger()  # as a click on the menu's entry
    assert state.axis_range is AxisRange.SNAPSHOT and actions[AxisRange.SNAPSHOT].isChecked()
    wait_idle(qtbot, w)
    assert np.allclose(scene.ranges, feature_ranges(state.store, "fc2", 0))
    fitted_frame = scene.render()
    fitted = _ink_extent(fitted_frame, plot)
    assert min(fitted) > 0.5 * min(pw, ph) and fitted[0] > 5 * same[0], (same, fitted)
    values = [float(label) for label, _, _ in scene.axes.drawn.tick_x]
    assert max(abs(v) for v in values) < 1  # the ticks read the snapshot's own small values
    state.set_mode("projection", "pca", source="test")  # a projection's axes are its own
    assert not button.isEnabled()
    state.set_mode("scatter", source="test")
    wait_idle(qtbot, w)
    # the timeline keeps fitting: the last snapshot gets its own ranges
    state.set_snapshot(5)
    wait_idle(qtbot, w)
    assert np.allclose(scene.ranges, feature_ranges(state.store, "fc2", 5))
    # and back: the same axes over all snapshots (state -> control without a loop)
    state.set_axis_range(AxisRange.ALL_SNAPSHOTS)
    assert actions[AxisRange.ALL_SNAPSHOTS].isChecked() and not actions[AxisRange.SNAPSHOT].isChecked()
    assert np.allclose(scene.ranges, state.layer_ranges("fc2"))


def test_matrix_in_the_window_has_histogram_diagonals_and_named_rows(make_window, demo_store, qtbot):
    w = make_window(demo_store, layer="fc2", select="class=3")
    state, scene = w.embedding.state, w.embedding.scene
    assert state.mode == "splom"
    state.set_dims(0, 0, source="test")  # zoom on the first diagonal panel... then its 2 x 2 block
    scene.view_rect = (-0.04, 10 - 2 - 0.04, 2.08, 2.08)
    wait_idle(qtbot, w)
    frame = scene.render()
    assert sorted(scene.histograms.drawn)[:2] == [0, 1]
    titles = [t for t, _, _ in scene.axes.drawn.title_x]
    assert titles[:2] == ["fc2 · class 0", "fc2 · class 1"] and len(scene.axes.drawn.tick_x) >= 4
    # the diagonal's selection outline (dark) and class lines (class colours) are drawn
    tr = scene.view.scene.node_transform(scene.canvas.scene)
    (ax, ay), (bx, by) = tr.map(np.array([[0.1, 9.1], [0.9, 9.9]]))[:, :2]
    cell = frame[int(min(ay, by)):int(max(ay, by)), int(ax):int(bx), :3].astype(int)
    assert (cell.max(axis=-1) < 60).sum() > 50
    from seein.state import class_palette

    pal = (class_palette(10) * 255).round().astype(int)
    faded = 0.45 * pal[3, :3] + 0.55 * 255  # class lines fade while a selection is shown
    assert (np.abs(cell - faded).max(axis=-1) <= 12).sum() > 20  # class 3's line
    # a pointer over the histogram picks no point
    cx, cy = (ax + bx) / 2, (ay + by) / 2
    assert scene.pick(cx, cy) is None
