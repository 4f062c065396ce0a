"""The private Xvfb of ``seein view --screenshot`` on a machine with no display (no Qt needed)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from seein.core.errors import SeeinError
from seein.gui.xvfb import virtual_display


@pytest.fixture
def no_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
def test_a_private_server_is_started_on_the_display_it_chose_and_stopped(no_display):
    with virtual_display(320, 200) as display:
        assert display.startswith(":") and os.environ["DISPLAY"] == display
        socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
        assert socket.exists()  # reported only once it accepts connections
    assert "DISPLAY" not in os.environ
    deadline = time.monotonic() + 5
    while socket.exists():  # terminated on the way out (no Qt client of it here): its socket goes
        assert time.monotonic() < deadline, f"Xvfb still serves {display} after the context ended"
        time.sleep(0.05)


def test_an_existing_display_is_used_as_it_is(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":4242")
    with virtual_display() as display:
        assert display == ":4242"
    assert os.environ["DISPLAY"] == ":4242"


def test_no_xvfb_and_a_failing_xvfb_are_one_line_errors(no_display, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SeeinError, match="no display and no Xvfb"):
        with virtual_display():
            pass
    broken = tmp_path / "Xvfb"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(SeeinError, match=r"Xvfb exited \(code 3\) before it was ready"):
        with virtual_display():
            pass
