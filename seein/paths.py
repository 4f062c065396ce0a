"""Where Seein' In keeps what it builds for the user: the demo run and store, settings."""

from __future__ import annotations

import os
from pathlib import Path


def seein_home() -> Path:
    """``$SEEIN_HOME``, else ``~/.cache/seein``; created on first use."""
    home = Path(os.environ.get("SEEIN_HOME") or Path.home() / ".cache" / "seein")
    home.mkdir(parents=True, exist_ok=True)
    return home


def demo_dir() -> Path:
    """Folder of the demo's trained runs and stores."""
    path = seein_home() / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path
