"""GUI fixtures: a real MainWindow under Xvfb (pytest-xvfb), private settings, no leaked windows."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from seein.testing.qt import make_window, private_settings  # noqa: E402, F401  (fixtures of this area)


@pytest.fixture(autouse=True)
def _private_settings(request):
    """Every GUI test keeps QSettings out of the user's own settings, window or not."""
    return request.getfixturevalue("private_settings")
