"""The GUI asks before running a store's user model file, names it, and remembers a Yes."""

from __future__ import annotations

from qtpy import QtCore, QtWidgets

from seein.compute.network import clear_network_cache, store_network
from seein.store import Store


def _answer(button, seen):
    def click():
        for w in QtWidgets.QApplication.topLevelWidgets():
            if w.objectName() == "seein_model_consent" and w.isVisible():
                seen.append(w.text())
                w.button(button).click()
                return
        QtCore.QTimer.singleShot(50, click)
    QtCore.QTimer.singleShot(50, click)


def test_dialog_no_then_yes_remembered(qtbot, tmp_path, monkeypatch):
    import pytest

    from seein.core.errors import SeeinError
    from seein.gui.consent import consent_asker
    from seein.testing.user_model import make_user_model_store

    monkeypatch.setenv("SEEIN_HOME", str(tmp_path / "home"))
    path, model, marker = make_user_model_store(tmp_path)
    clear_network_cache()
    seen = []
    with Store.open(path) as store:
        _answer(QtWidgets.QMessageBox.No, seen)
        with pytest.raises(SeeinError, match="user model file"):
            store_network(store, ask=consent_asker())
        assert not marker.exists() and str(model) in seen[0]
        _answer(QtWidgets.QMessageBox.Yes, seen)
        store_network(store, ask=consent_asker())
        assert marker.exists() and len(seen) == 2
        clear_network_cache()
        store_network(store, ask=lambda p, d: pytest.fail("asked again"))  # remembered: no dialog
    assert len(seen) == 2
