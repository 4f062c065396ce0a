"""The dialog that asks before running a user's model file named by a store (seein.nets.trust).

``consent_asker(parent)`` returns the ``ask(path, digest)`` callback that
:func:`seein.compute.network.store_network` takes: a Yes/No question naming the file and
its digest; a Yes is remembered per file and digest, so the user is asked once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from qtpy import QtWidgets


def consent_question(path: Path, digest: str) -> str:
    return (f"This store's network is defined by the Python/TorchScript file\n\n{path}\n\n"
            f"(SHA-256 {digest[:16]}…, unchanged since the store was made). Loading it runs that "
            "file as a program with your permissions. Run it only if you trust it.\n\nRun this file?")


def consent_asker(parent: Optional[QtWidgets.QWidget] = None) -> Callable[[Path, str], bool]:
    """An ``ask(path, digest) -> bool`` that shows a modal question (default answer: No)."""
    def ask(path: Path, digest: str) -> bool:
        box = QtWidgets.QMessageBox(parent)
        box.setObjectName("seein_model_consent")
        box.setIcon(QtWidgets.QMessageBox.Warning)
        box.setWindowTitle("Run a model file?")
        box.setText(consent_question(path, digest))
        box.setStandardButtons(QtWidgets.QMessageBox.Yes | QtWidgets.QMessageBox.No)
        box.setDefaultButton(QtWidgets.QMessageBox.No)
        return box.exec() == QtWidgets.QMessageBox.Yes
    return ask


__all__ = ["consent_asker", "consent_question"]
