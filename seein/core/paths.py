"""Where Seein' In keeps what it builds for the user: the demo runs and stores.

``$SEEIN_HOME`` when set, else the platform's user cache folder (platformdirs:
``~/.cache/seein`` on Linux, ``~/Library/Caches/seein`` on macOS,
``%LOCALAPPDATA%\\seein\\Cache`` on Windows). Everything there can be rebuilt.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

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


def default_home() -> Path:
    """The user cache folder of Seein' In on this platform (where ``SEEIN_HOME`` is unset)."""
    return Path(platformdirs.user_cache_dir("seein", appauthor=False))


def seein_home() -> Path:
    """``$SEEIN_HOME``, else :func:`default_home`; created on first use."""
    return _folder(Path(os.environ.get("SEEIN_HOME") or default_home()).expanduser())


def demo_dir() -> Path:
    """Folder of the demo's trained runs and stores."""
    return _folder(seein_home() / "demo")
