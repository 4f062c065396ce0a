"""The scatter-plot matrix layout's arithmetic (no GL): cells, visible panels, inverse."""

from __future__ import annotations

import numpy as np
import pytest

from seein.render.layout import PAD, Layout, jitter


def test_layout_cells_visible_panels_and_inverse():
    ranges = np.array([[0.0, 10.0], [-1.0, 1.0], [5.0, 5.0]])
    lay = Layout(ranges, "splom")
    assert lay.grid == 3 and lay.ranges[2].tolist() == [5.0, 6.0]  # a flat dim gets a unit range
    p = lay.panel(0, 1)
    assert (p.dx, p.dy, p.x0, p.y0) == (1, 0, 1.0, 2.0)  # row 0 on top; column c plots dim c on x
    assert lay.cell_at(1.5, 2.5) == (0, 1) and lay.cell_at(3.1, 0) is None
    mx, my = lay.to_matrix(p, np.array([-1.0, 1.0]), np.array([0.0, 10.0]))
    assert np.allclose(mx, [1 + PAD, 2 - PAD]) and np.allclose(my, [2 + PAD, 3 - PAD])
    vx, vy = lay.to_data(p, mx, my)
    assert np.allclose(vx, [-1, 1]) and np.allclose(vy, [0, 10])
    assert [(q.row, q.col) for q in lay.visible_panels((0.5, 1.5, 1.0, 0.2))] == [(1, 0), (1, 1)]
    assert len(lay.visible_panels((-5, -5, 20, 20))) == 9
    # a sliver of a neighbouring cell no deeper than its (empty) padding is not drawn
    assert [(q.row, q.col) for q in lay.visible_panels((0.0, 0.0, 1.0 + PAD / 2, 1.0))] == [(2, 0)]
    assert [(q.row, q.col) for q in lay.visible_panels((0.0, 0.0, 1.0 + 2 * PAD, 1.0))] == [(2, 0), (2, 1)]
    scatter = Layout(ranges, "scatter", (2, 0))
    assert scatter.grid == 1 and (scatter.panel(0, 0).dx, scatter.panel(0, 0).dy) == (2, 0)
    with pytest.raises(ValueError):
        Layout(ranges, "scatter", (0, 3))
    j = jitter(np.arange(5000))
    assert j.min() >= 0 and j.max() < 1 and len(np.unique(j)) >= 1000
