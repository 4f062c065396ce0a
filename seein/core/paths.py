"""Where Seein' In keeps what it builds for the user: the demo run and store, settings."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import SeeinError


def _folder(path: Path) -> Path:
    """``path`` as an existing folder (made if missing), or a one-line SeeinError naming it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SeeinError("is a file, not a folder (set SEEIN_HOME to a folder Seein' In may "
                         "write in)", path) from None
    except OSError as exc:
        raise SeeinError(f"cannot create this folder ({exc.strerror or exc}); set SEEIN_HOME to a "
                         "folder Seein' In may write in", path) from None
    return path


def seein_home() -> Path:
    """``$SEEIN_HOME``, else ``~/.cache/seein``; created on first use."""
    return _folder(Path(os.environ.get("SEEIN_HOME") or Path.home() / ".cache" / "seein").expanduser())


def demo_dir() -> Path:
    """Folder of the demo's trained runs and stores."""
    return _folder(seein_home() / "demo")
