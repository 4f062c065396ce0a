"""Two stores side by side: one selection linked by image id, drawn in both halves."""

from __future__ import annotations

import numpy as np
import pytest
from qtpy import QtWidgets

from seein.core.errors import SeeinError


def _pixels(widget) -> np.ndarray:
    from seein.gui.grab import grab_window

    image = grab_window(widget)
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes() if hasattr(image, "sizeInBytes") else image.byteCount())
    return np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)[..., :3].copy()


@pytest.fixture
def linked(qtbot, demo_store):
    from seein.demo import demo_store as build
    from seein.gui.app import build_linked_window, wait_until_drawn

    window = build_linked_window(demo_store, build("siamese-lenet"), layer="fc2,fc3", size=(1800, 800))
    qtbot.waitExposed(window)
    wait_until_drawn(window)
    yield window
    window.close()
    window.deleteLater()
    QtWidgets.QApplication.processEvents()


def test_selecting_in_a_changes_b(linked, qtbot):
    from seein.gui.app import wait_until_drawn

    a, b = linked.halves
    assert b.state.layer == "fc3" and a.state.layer == "fc2"
    before = _pixels(b.embedding)
    a.state.select_class(3)
    wait_until_drawn(linked)
    qtbot.wait(200)
    after = _pixels(b.embedding)
    np.testing.assert_array_equal(b.state.selection, a.state.selection)
    assert b.state.selection.sum() == (b.state.store.labels == 3).sum()
    changed = np.abs(after.astype(int) - before.astype(int)).sum(2) > 30
    assert changed.sum() > 500  # B's scatter redrew: the 3s grew, the rest faded
    b.state.select_images([0, 1, 2], source="test")
    assert sorted(np.flatnonzero(a.state.selection)) == [0, 1, 2]


def test_other_data_is_refused_in_one_line(demo_store, tmp_path, capsys):
    from seein.cli import main
    from seein.testing import make_store

    other = make_store(tmp_path / "other.h5")
    assert main(["view", str(demo_store), str(other), "--screenshot", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not hold the same data set" in err
    assert not (tmp_path / "x.png").exists()
    from seein.gui.app import build_linked_window

    with pytest.raises(SeeinError, match="same data set"):
        build_linked_window(demo_store, other)
    assert not [w for w in QtWidgets.QApplication.topLevelWidgets() if w.isVisible()]


def test_open_second_store_from_the_file_menu(make_window, demo_store, qtbot):
    from seein.demo import demo_store as build
    from seein.gui.app import wait_until_drawn

    window = make_window(demo_store)
    file_menu = window.menuBar().actions()[0].menu()
    assert window.second_store_action in file_menu.actions()
    window.state.select_class(7)
    linked = window.open_linked(build("siamese-lenet"))
    try:
        qtbot.waitExposed(linked)
        wait_until_drawn(linked)
        a, b = linked.halves
        assert a.state.selection.sum() == b.state.selection.sum() == (window.state.store.labels == 7).sum()
        assert b.state.store.model_spec == "siamese-lenet"
    finally:
        linked.close()
        linked.deleteLater()
