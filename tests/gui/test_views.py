"""The views that read only the store, each in a real widget: layer list, legend, timeline,
details, feature maps, status bar, help dialog."""

import numpy as np
import pytest
from qtpy import QtCore, QtWidgets

from seein.gui.details import DetailsView
from seein.gui.feature_maps import FeatureMapView
from seein.gui.help_dialog import HelpDialog, shortcut_rows
from seein.gui.layer_list import LayerList
from seein.gui.legend import Legend
from seein.gui.status import StatusBar
from seein.gui.timeline import Timeline
from seein.state import AppState

pytestmark = pytest.mark.gui


@pytest.fixture
def state(synthetic_store):
    s = AppState()
    s.open_store(synthetic_store)
    yield s
    s.close()


def _show(qtbot, widget, size=(300, 300)):
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_layer_list_click_activates(qtbot, state):
    view = _show(qtbot, LayerList(state))
    assert view.count() == 3 and view.currentRow() == 0
    qtbot.mouseClick(view.viewport(), QtCore.Qt.LeftButton, pos=view.row_rect("fc").center())
    assert state.layer == "fc"
    state.set_layer("out")
    assert view.currentItem().data(QtCore.Qt.UserRole) == "out"
    view.shutdown()


def test_legend_click_selects_class_with_modifiers(qtbot, state):
    view = _show(qtbot, Legend(state))
    qtbot.mouseClick(view.viewport(), QtCore.Qt.LeftButton, pos=view.row_rect(1).center())
    assert np.array_equal(state.selection, state.store.labels == 1)
    qtbot.mouseClick(view.viewport(), QtCore.Qt.LeftButton, QtCore.Qt.ControlModifier, view.row_rect(2).center())
    assert np.array_equal(state.selection, state.store.labels >= 1)
    qtbot.mouseClick(view.viewport(), QtCore.Qt.LeftButton, QtCore.Qt.AltModifier, view.row_rect(1).center())
    assert np.array_equal(state.selection, state.store.labels == 2)
    assert "(20/20)" in view.item(2).text() and view.item(2).font().bold()
    view.shutdown()


def test_timeline_slider_and_play(qtbot, state):
    view = _show(qtbot, Timeline(state, interval_ms=20), (500, 60))
    assert view.slider.maximum() == 1 and view.slider.value() == 1
    view.slider.setValue(0)
    assert state.snapshot == 0 and "snapshot 1/2" in view.label.text()
    seen = []
    state.bus.snapshot_changed.connect(seen.append)
    view.toggle_play()
    qtbot.waitUntil(lambda: len(seen) >= 3, timeout=3000)
    view.toggle_play()
    assert not view.timer.isActive() and seen[:3] == [1, 0, 1]
    view.shutdown()


def test_details_show_image_box_and_prediction(qtbot, state):
    view = _show(qtbot, DetailsView(state), (200, 240))
    state.set_hover_point(25 * 4 + 5 * 1 + 2)  # image 4, cell (1, 2)
    assert view.shown_image == 4 and view.picture.box == (1, 2, 4, 5)
    assert "label class 1" in view.caption.text() and "cell (1, 2)" in view.caption.text()
    img = view.picture.grab().toImage()
    target = view.picture.target_rect()
    scale = target.width() / 12
    edge = img.pixelColor(int(target.x() + 2 * scale), int(target.y() + 2.5 * scale))  # the box's left edge
    assert (edge.red(), edge.green()) == (255, 40)
    state.set_layer("fc")
    state.set_hover_point(7)
    assert view.shown_image == 7 and view.picture.box is None
    view.shutdown()


def test_feature_maps_show_selection_and_navigate(qtbot, state):
    view = _show(qtbot, FeatureMapView(state), (320, 500))
    state.select_images([3])
    qtbot.waitUntil(lambda: not view.busy, timeout=5000)
    canvas = view.canvas
    assert [name for _, name in canvas.headers] == ["input", "conv", "fc", "out"]
    assert sum(t.layer == "conv" for t in canvas.tiles) == 4 and sum(t.layer == "fc" for t in canvas.tiles) == 6
    one = canvas.grab().toImage()
    state.select_class(0)
    qtbot.waitUntil(lambda: not view.busy, timeout=5000)
    assert canvas.grab().toImage() != one  # the average of class 0 differs from image 3
    header = next(rect for rect, name in canvas.headers if name == "fc")
    qtbot.mouseClick(canvas, QtCore.Qt.LeftButton, pos=header.center().toPoint())
    assert state.layer == "fc"
    cells = []
    state.bus.cell_focused.connect(cells.append)
    tile = next(t for t in canvas.tiles if t.layer == "conv" and t.channel == 2)
    r = tile.rect
    qtbot.mouseClick(canvas, QtCore.Qt.LeftButton,
                     pos=QtCore.QPoint(int(r.x() + r.width() * 0.5), int(r.y() + r.height() * 0.1)))
    assert state.layer == "conv" and state.dims == (2, 2) and state.mode == "splom"
    assert (cells[-1].channel, cells[-1].y, cells[-1].x) == (2, 0, 2)
    view.shutdown()


def test_status_bar_counts(qtbot, state):
    bar = _show(qtbot, StatusBar(state), (600, 30))
    state.set_layer("fc")
    assert "60 points" in bar.points_label.text()
    state.select_class(2)
    assert bar.selection_label.text().startswith("20 / 60")
    bar.set_fps(42.0)
    assert "42.0 fps" in bar.fps_label.text()
    bar.shutdown()


def test_help_lists_shortcuts(qtbot):
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    a = QtWidgets.QAction("&Clear selection", parent)
    a.setShortcut("Esc")
    rows = shortcut_rows([a])
    assert rows == [("Clear selection", "Esc")]
    dialog = HelpDialog([a], parent)
    assert dialog.table.item(0, 1).text() == "Esc"
    dialog.close()
