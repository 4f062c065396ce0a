"""The embedding view in a real window: drawing, hover, click, lasso, uploads, projections."""

import numpy as np
import pytest

from seein.state import AppState
from seein.testing.qt import drag
from seein.testing.scene import point_px

pytestmark = pytest.mark.gui


@pytest.fixture
def view(qtbot, synthetic_store):
    from seein.gui.app import qt_application
    from seein.gui.embedding_view import EmbeddingView

    qt_application()
    state = AppState()
    v = EmbeddingView(state)
    qtbot.addWidget(v)
    v.resize(500, 460)
    v.show()
    qtbot.waitExposed(v)
    state.open_store(synthetic_store)
    yield v
    v.shutdown()
    state.close()


def _frame(view):
    return view.scene.render()[..., :3].copy()


def _point_px(view, point):
    """Canvas pixel of ``point`` of the active layer in the current panel (via the scene's own maps)."""
    return point_px(view.scene, point)


def test_draws_layer_and_follows_state(qtbot, view):
    state = view.state
    state.set_layer("out")
    assert view.scene.mode == "scatter" and view.scene.n_dims == 2
    before = _frame(view)
    state.select_class(1)
    after = _frame(view)
    assert (before != after).any()
    state.set_snapshot(0)
    assert (after != _frame(view)).any()


def test_rapid_selection_uploads_only_selection_bytes(qtbot, view):
    state = view.state
    state.set_layer("conv")
    view.scene.render()
    uploads = view.scene.uploads
    for k in range(200):
        state.select_class(k % 3, "add" if k % 2 else "replace")
    qtbot.wait(50)
    view.scene.render()
    after = view.scene.uploads
    assert after["points"] == uploads["points"] and after["point_bytes"] == uploads["point_bytes"]
    assert after["state"] - uploads["state"] == 200
    assert after["state_bytes"] - uploads["state_bytes"] <= 200 * 64


def test_lasso_selects_images_inside(qtbot, view):
    state = view.state
    state.set_layer("out")
    view.set_lasso(True)
    native = view.canvas.native
    w, h = native.width(), native.height()
    poly = [(2, 2), (w // 2, 2), (w // 2, h - 2), (2, h - 2)]
    drag(native, poly + [poly[0]])
    px = np.array([_point_px(view, p) for p in range(state.store.n_points("out"))])
    expected = px[:, 0] < w // 2
    assert 0 < state.selection.sum() < 60
    assert np.array_equal(state.selection, expected)


def test_densities_only_for_views_that_are_drawn(qtbot, view, monkeypatch):
    """A layer upload homes the camera on its way to the kept view: no density work for that
    passing view (a million-point matrix's densities cost a second of the GUI thread)."""
    import threading

    import seein.render.overview as density

    calls = []
    original = density.panel_class_densities

    def counting(*args, **kwargs):
        if threading.current_thread() is threading.main_thread():
            calls.append(args[0].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(density, "panel_class_densities", counting)
    state, scene = view.state, view.scene
    state.set_layer("fc")  # 6-D matrix
    state.set_dims(2, 2)  # zoomed onto one panel (and the edges of its neighbours)
    scene.point_budget = 60 * len(scene.visible_panels())  # any more panels: densities
    scene.render()
    assert not scene.showing_densities and calls == []
    state.set_snapshot(0)  # re-uploads fc; set_layer homes over 16 panels, then the view is kept
    frame = scene.render()
    assert not scene.showing_densities and calls == []
    assert (frame[..., :3] < 200).any()  # the points of the one panel are drawn
    view.reset_view()  # now the view itself shows many panels
    scene.render()
    assert scene.showing_densities and calls == [(60, 6)]
    scene.render()
    assert len(calls) == 1  # computed once per layer and mode


def test_scatter_matrix_switch_uploads_no_points(qtbot, view):
    state, scene = view.state, view.scene
    state.set_layer("fc")
    matrix = _frame(view)
    before = scene.uploads
    state.set_dims(4, 1)
    state.set_mode("scatter")
    qtbot.wait(50)  # the dims boxes appear above the canvas
    scatter = _frame(view)
    assert scene.mode == "scatter" and scene.dims == (4, 1)
    h, w = min(scatter.shape[0], matrix.shape[0]), min(scatter.shape[1], matrix.shape[1])
    assert (scatter[:h, :w] != matrix[:h, :w]).mean() > 0.01
    state.set_mode("splom")
    qtbot.wait(50)
    assert scene.mode == "splom" and np.array_equal(_frame(view), matrix)
    assert scene.uploads["points"] == before["points"]  # the same buffers, other uniforms


def test_home_draws_only_the_corner_panels(qtbot, view, monkeypatch):
    state, scene = view.state, view.scene
    state.set_layer("fc")  # 6-D matrix: home is its 4 x 4 corner
    view.reset_view()
    width, height = scene.canvas.size
    assert width > 1.2 * height  # a wide canvas shows more than 4 columns' worth
    assert len(scene.visible_panels()) == 4 * 6  # the 4 rows of every column: 60-point panels fit the budget
    frame = _frame(view)
    left = scene.canvas_to_matrix(np.array([[scene.plot_rect[0] + 2.0, height / 2]]))[0, 0]  # beside the axes
    assert -0.2 < left < 0 and (frame[:, : int(width * 0.1)] < 200).any()  # no empty band left of the matrix
    import seein.gui.embedding_adapter as adapter
    from seein.render.policy import home_rect

    monkeypatch.setattr(adapter, "home_rect", lambda *a, **kw: home_rect(*a, points_budget=60 * 16, **kw))
    view.reset_view()  # on a budget of 16 panels, the room to spare lies left of the matrix
    assert len(scene.visible_panels()) == 16
    frame = _frame(view)
    left = scene.canvas_to_matrix(np.array([[scene.plot_rect[0] + 2.0, height / 2]]))[0, 0]  # beside the axes
    assert left < -0.5 and (frame[:, : int(width * 0.1)] > 245).all()  # nothing drawn there


def test_first_view_follows_resizes_until_the_user_moves(qtbot, view):
    state, scene = view.state, view.scene
    state.set_layer("fc")
    view.resize(800, 420)  # the window is laid out after the layer is up
    qtbot.waitUntil(lambda: np.allclose(scene.view_rect, view.adapter.home_rect()),
                    timeout=3000)
    assert len(scene.visible_panels()) == 4 * 6  # the first 4 rows, every column
    native = view.canvas.native
    drag(native, [(200, 200), (230, 210), (260, 220)])  # a pan: the view is the user's now
    moved = scene.view_rect
    view.resize(600, 500)
    qtbot.wait(100)
    x, y, w, h = scene.view_rect
    mx, my, mw, mh = moved
    assert abs((x + w / 2) - (mx + mw / 2)) < 1e-6 and abs((y + h / 2) - (my + mh / 2)) < 1e-6  # kept centre
