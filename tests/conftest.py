"""Fixtures shared by every test area. Each area (tests/<area>/) may add its own conftest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Offscreen GL without a display server (Mesa's surfaceless EGL); harmless where a GPU exists.
os.environ.setdefault("EGL_PLATFORM", "surfaceless")

# The suite's own SEEIN_HOME (demo runs and stores), never the user's: the checkout's .venv/seein-home
# (what scripts/test uses), or .seein-home beside tests/ when there is no .venv; both are git-ignored.
_ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("SEEIN_HOME", str(_ROOT / ".venv" / "seein-home" if (_ROOT / ".venv").is_dir()
                                        else _ROOT / ".seein-home"))


@pytest.fixture
def synthetic_store(tmp_path):
    """A small complete store (60 images, 3 classes, layers conv 4x5x5, fc 6, out 2, 2 snapshots)."""
    from seein.testing import make_store

    return make_store(tmp_path / "synthetic.h5")


@pytest.fixture(scope="session")
def demo_store():
    """The demo store (LeNet on all 1,797 digits, every snapshot), built once into SEEIN_HOME."""
    from seein.demo import demo_store as build

    return build()
