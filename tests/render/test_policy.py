"""Render policy: a big matrix's first view and the thinning while the camera moves."""

import numpy as np
import pytest

from seein.render.policy import home_rect, moving_sample, panel_rect


def test_moving_sample():
    assert moving_sample(1_035_072, 1_035_072, 2_000_000) is None  # within budget: every point
    assert moving_sample(1_035_072, 6 * 1_035_072, 2_000_000) == 1_035_072 // 4  # 6 panels: a quarter
    assert moving_sample(10, 10 ** 9, 1) == 1 and moving_sample(0, 5, 1) is None


def test_home_rect_spends_spare_room_on_the_matrix():
    n_points = 60  # a 6-D layer of 60 points: a 4 x 4 corner of 60-point panels
    x, y, w, h = home_rect(6, n_points)
    assert np.allclose((w, h), (4.1, 4.1)) and np.isclose(x, -0.05) and np.isclose(y, 6 - 4 - 0.05)
    x, y, w, h = home_rect(6, n_points, canvas_size=(900, 600))  # wide: further columns fill the spare width
    assert np.isclose(w / h, 1.5) and np.isclose(h, 4.1) and np.isclose(y, 1.95)
    assert np.isclose(x, -0.075) and np.isclose(x + w, 6.075)  # all 6 columns, centred: no empty band
    x, y, w, h = home_rect(6, n_points, canvas_size=(400, 800))  # tall: the rows below fill the spare height
    assert np.isclose(h / w, 2) and np.isclose(x, -0.05) and np.isclose(y, -1.1)  # all 6 rows, centred
    x, y, w, h = home_rect(6, n_points, canvas_size=(700, 600))  # a little wider: a 5th column, left-aligned
    assert np.isclose(x, -0.05) and 4.05 < x + w < 6
    # when the further panels would not fit the budget, the spare room lies off the matrix as before
    x, y, w, h = home_rect(6, n_points, points_budget=60 * 4, canvas_size=(900, 600))
    assert w == pytest.approx(2.08 * 1.5) and np.isclose(x + w, 2.04)


def test_panel_rect_is_dim_x_across_and_dim_y_up():
    x, y, w, h = panel_rect(6, 4, 1, margin=0.0)  # column 4, row 1
    assert (x, y, w, h) == (4.0, 4.0, 1.0, 1.0)


def test_block_rect_shows_no_sliver_of_the_next_row_or_column():
    from seein.render.policy import block_rect

    for plot in ((740, 750), (750, 740), (500, 800), (800, 500)):
        x, y, w, h = block_rect(50, 0, 4, plot, margin=0.08)  # the top-left 4 x 4 of a 50 x 50 matrix
        assert np.isclose(w / h, plot[0] / plot[1])
        assert x + w <= 4.08 + 1e-9 and y >= 50 - 4 - 0.08 - 1e-9  # nothing of column 4 or row 4
        assert x <= -0.08 + 1e-9 and y + h >= 50 + 0.08 - 1e-9  # the block and its frame are in view
    x, y, w, h = block_rect(6, 0, 6, (900, 600), margin=0.1)  # the whole matrix: the spare lies right
    assert np.isclose(x, -0.1) and np.isclose(y + h, 6.1)
