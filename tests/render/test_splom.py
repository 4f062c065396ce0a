"""Scatter-plot matrix panels land in their cells; only visible panels are drawn; the overview."""

from __future__ import annotations

import numpy as np
import pytest

from seein.core.palette import class_palette

PALETTE = (class_palette(3)[:, :3] * 255).round().astype(int)  # the colours of classes 0, 1, 2

pytestmark = pytest.mark.render


def test_splom_panels_land_in_their_cells(case):
    res = case("splom")
    frame = res["frame"]
    off = [(r, c) for r in range(3) for c in range(3) if r != c]
    assert res["mode"] == "splom" and sorted(res["drawn"]) == off  # the diagonals draw no points
    assert sorted(res["histograms"]) == [0, 1, 2]  # but each its dim's histogram
    blue = PALETTE[0]
    is_blue = np.all(np.abs(frame[..., :3].astype(int) - blue) <= 3, axis=-1)
    for r, c in off:
        x, y = res["expect"][(r, c)]
        patch = is_blue[int(round(y)) - 1:int(round(y)) + 2, int(round(x)) - 1:int(round(x)) + 2]
        assert patch.any(), f"panel ({r}, {c}) has no point at {x:.1f}, {y:.1f}"
    # each off-diagonal cell holds exactly one blob of the point
    cell = frame.shape[0] / 3
    for r, c in off:
        block = is_blue[int(r * cell) + 2:int((r + 1) * cell) - 2, int(c * cell) + 2:int((c + 1) * cell) - 2]
        assert block.sum() > 10, (r, c)
    # the diagonal is the distribution of its dim on the column's shared x axis: the selected
    # image's histogram (its dark outline) rises at the value, where the points above sit
    dark = frame[..., :3].max(axis=-1) < 60
    for k in range(3):
        x, _ = res["expect"][(k, k)]
        c0 = int(k * cell) + 2
        block = dark[int(k * cell) + 2:int((k + 1) * cell) - 2, c0:int((k + 1) * cell) - 2]
        rows = np.nonzero(block)[0]
        xs = np.nonzero(block[rows.min()])[0] + c0  # the top of the outline: the value's bin
        assert block.sum() > 20 and abs(xs.mean() + 0.5 - x) < 0.6 * cell / 40 + 2, (k, xs.mean(), x)
        assert block.any(axis=1).sum() > cell * 0.6  # a step from the baseline to near the top


def test_points_never_leave_their_panel_cell(case):
    """Fixed ranges smaller than the data (the point visual has no fragment clipper):
    a point beyond its panel's range, or a hovered one grown at a cell's edge, must not
    draw into a neighbouring panel; every coloured pixel belongs to a point of its cell."""
    res = case("splom_clipped")
    frame = res["frame"]
    pal = PALETTE[:3]
    cells = [c[0] for c in res["cells_px"]]  # cell edges in px (x; y is the same, flipped)
    ycells = [c[1] for c in res["cells_px"]]
    for k in range(3):
        ink = np.all(np.abs(frame[..., :3].astype(int) - pal[k]) <= 3, axis=-1)
        ys, xs = np.nonzero(ink)
        mine = [(x, y, cell) for j, (x, y), cell in res["kept"] if j == k]
        assert len(ys) > 0 and mine, k
        for px, py in zip(xs + 0.5, ys + 0.5):
            col = int(np.searchsorted(cells, px)) - 1
            yb = sum(1 for e in ycells[1:] if e > py)  # the cell's matrix y: row 2 - yb
            if col == 2 - yb:  # a diagonal cell: the class's histogram line, no point
                continue
            near = [cell for x, y, cell in mine if (px - x) ** 2 + (py - y) ** 2 <= (12 / 2 + 1.5) ** 2]
            assert near, f"class {k} ink at ({px}, {py}) is no point of its cell"
            # and inside that cell
            r, c = near[0]
            assert cells[c] - 0.5 <= px <= cells[c + 1] + 0.5
        for x, y, _ in mine:  # each kept point is drawn
            assert ink[int(y) - 1:int(y) + 2, int(x) - 1:int(x) + 2].any(), (k, x, y)
    assert len(res["scissors"]) == 6 and all(w > 0 and h > 0 for _, _, w, h in res["scissors"])


def test_points_stay_inside_their_view_box(case):
    res = case("viewbox_clipped")
    frame = res["frame"]
    ink = ~np.all(frame[..., :3] >= 250, axis=-1)
    (lx, lw), (rx, _rw) = res["left_px"], res["right_px"]
    assert ink[:, int(lx) + 2:int(lx + lw) - 2].mean() > 0.3  # the zoomed-in points fill the left box
    assert not ink[:, int(np.ceil(rx)):].any()  # and nothing reaches the right one


def test_only_visible_panels_are_drawn(case):
    res = case("splom_zoomed")
    # view (1, 3, 2, 2) in a 6 x 6 grid: columns 1-2, matrix y 3-5 -> rows 1-2; the diagonal
    # panels (1, 1) and (2, 2) are histograms
    assert res["drawn"] == [(1, 2), (2, 1)]


def test_visible_panels_are_what_a_wide_canvas_draws(case):
    """On a 4:3 canvas a 2 x 2 request shows 2.67 x 2 cells: the scene's visible panels
    (the GUI's point budget, the density switch) are the panels really drawn."""
    res = case("splom_zoomed")
    assert np.allclose(res["wide_shown"], (1.0 - 1 / 3, 3.0, 2 + 2 / 3, 2.0))
    assert res["wide_visible"] == [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1), (2, 2), (2, 3)]
    assert res["wide_drawn"] == [p for p in res["wide_visible"] if p[0] != p[1]]  # diagonals: histograms


def test_view_changes_are_announced(case):
    res = case("splom_zoomed")
    assert np.allclose(res["emitted"][0], (1.0, 3.0, 2.0, 2.0))
    assert np.allclose(res["emitted"][-1], res["rect"]) and np.isclose(res["rect"][0], 2.0)


def test_overview_shows_viewport_box_then_crosshair(case):
    res = case("overview")
    assert res["crosshair"] == (False, True)
    red = lambda f: (f[..., 0] > 180) & (f[..., 1] < 80) & (f[..., 2] < 80)  # noqa: E731
    box, cross = red(res["box"]), red(res["cross"])
    (x0, y1), (x1, y0) = res["box_px"]  # (1, 1) is bottom-left, (3, 3) top-right
    x0, x1, y0, y1 = (int(round(v)) for v in (x0, x1, y0, y1))
    assert box[y0 - 1:y0 + 2, x0 + 5:x1 - 5].any(axis=0).all()  # top edge
    assert box[y1 - 1:y1 + 2, x0 + 5:x1 - 5].any(axis=0).all()  # bottom edge
    assert box[y0 + 5:y1 - 5, x0 - 1:x0 + 2].any(axis=1).all()  # left edge
    assert not box[y0 + 5:y1 - 5, x0 + 5:x1 - 5].any()  # hollow
    cx, cy = (int(round(v)) for v in res["centre_px"])
    h, w = cross.shape
    assert cross[cy - 1:cy + 2, int(0.1 * w):int(0.9 * w)].any(axis=0).all()  # horizontal line
    assert cross[int(0.1 * h):int(0.9 * h), cx - 1:cx + 2].any(axis=1).all()  # vertical line
    assert cross.sum() < 6 * (h + w)  # lines, no box
    # density ink inside cells; clicks map back to a main-view rect centred there
    dens = res["box"][..., 2].astype(int) - res["box"][..., 0].astype(int)
    assert (dens > 40).sum() > 500
    x, y, w_, h_ = res["navigate"]
    assert abs(x + w_ / 2 - 3.0) < 0.05 and abs(y + h_ / 2 - 1.0) < 0.05 and abs(w_ - 0.01) < 1e-9


def test_zoomed_out_matrix_shows_densities_instead_of_points(case):
    res = case("dense_splom")
    assert res["far_state"] == (True, 0)  # 144 panels: no point drawn, density images instead
    assert res["near_state"] == (False, 2)  # the top-left 2 x 2: two scatters, two histograms
    ink = lambda f: (f[..., 2].astype(int) - f[..., 0].astype(int)) > 30  # noqa: E731  blue-ish
    far = ink(res["far"])
    h, w = far.shape
    cell = w / 12
    filled = [far[int(r * cell):int((r + 1) * cell), int(c * cell):int((c + 1) * cell)].any()
              for r in range(12) for c in range(12)]
    assert sum(filled) >= 140  # every cell (up to rounding at the border) has its density
    assert ink(res["near"]).sum() > 50


def test_zoomed_out_matrix_hides_grid_lines_and_names(case):
    res = case("decorations")
    assert res["far_state"] == (False, False, True)  # 2 px cells: lines and names would be all there is
    grey = lambda f: np.all(np.abs(f[..., :3].astype(int) - 158) <= 3, axis=-1)  # noqa: E731  grid colour
    assert grey(res["far"]).sum() < 20
    assert res["near_state"] == (True, True, False)
    assert grey(res["near"]).sum() > 100
