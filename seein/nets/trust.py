"""Consent to run a user's model file: digests and the remembered "yes, run this file" answers.

A store may name a Python or TorchScript model file. That file is a program, so it is
run only when it still has the digest the store recorded *and* the user agreed: in the
GUI through a dialog (the answer is remembered per file and digest in
``seein_home()/trusted-models.json``), on the CLI by naming it with ``--model``.
Bundled models need no consent. Nothing here imports or executes the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Callable

from ..core.errors import SeeinError
from ..core.paths import seein_home
from .models import BUNDLED

#: asked as ``ask(path, digest)`` -> True when the user agrees to run that file.
AskConsent = Callable[[Path, str], bool]

TRUST_FILE = "trusted-models.json"


def model_file(spec: str) -> Path | None:
    """The file a model spec names (``file.py:Class`` or a TorchScript file); None for a bundled model."""
    if spec in BUNDLED or not spec:
        return None
    path, sep, cls = spec.rpartition(":")
    if sep and path.endswith(".py") and cls:
        return Path(path)
    return Path(spec)


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (hex), read without importing it."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _trust_path() -> Path:
    return seein_home() / TRUST_FILE


def _read_trusted() -> dict[str, str]:
    try:
        data = json.loads(_trust_path().read_text())
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def is_trusted(path: Path, digest: str) -> bool:
    """True if the user agreed earlier to run ``path`` with exactly this ``digest``."""
    return _read_trusted().get(str(Path(path).resolve())) == digest


def remember_trust(path: Path, digest: str) -> None:
    """Record that the user agreed to run ``path`` at ``digest`` (written atomically)."""
    trusted = _read_trusted()
    trusted[str(Path(path).resolve())] = digest
    target = _trust_path()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        json.dump(trusted, fh, indent=1)
    os.replace(tmp, target)


def check_model_file(spec: str, recorded_digest: str, *, explicit: bool = False,
                     ask: AskConsent | None = None, source: str | os.PathLike = "") -> None:
    """Raise a one-line SeeinError unless the model file of ``spec`` may be run.

    ``explicit``: the user named this spec themselves (CLI ``--model``): that is consent,
    and a digest mismatch with the store only matters when the store recorded one.
    Otherwise the file must exist with ``recorded_digest`` and be trusted already or
    accepted by ``ask`` (remembered when accepted).
    """
    path = model_file(spec)
    if path is None:
        return
    if not path.is_file():
        raise SeeinError(f"the store's network is the model file {path}, which does not exist; "
                         "pass --model FILE to use another copy", source)
    digest = file_digest(path)
    if recorded_digest and digest != recorded_digest:
        raise SeeinError(f"the model file {path} changed since the store was made (digest "
                         f"{digest[:12]}, recorded {recorded_digest[:12]}); not running it", source)
    if explicit or is_trusted(path, digest):
        return
    if ask is not None and ask(path, digest):
        remember_trust(path, digest)
        return
    raise SeeinError(f"the store's network is the user model file {path}, a program: run it only "
                     f"if you trust it, by passing --model {spec}", source)


__all__ = ["AskConsent", "model_file", "file_digest", "is_trusted", "remember_trust", "check_model_file"]
