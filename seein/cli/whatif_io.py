"""Output checks and atomic writers shared by ``seein adversarial`` and ``seein maximize``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..core.errors import SeeinError


def parse_size(text: str) -> tuple[int, int]:
    """``WxH`` -> (W, H), positive."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SeeinError(f"--size must be WxH in pixels (got {text!r})") from None
    if w < 100 or h < 100:
        raise SeeinError(f"--size must be at least 100x100 (got {text!r})")
    return w, h


def check_outputs(inputs: list, *paths: str | None) -> None:
    """Every output's folder exists and no output is an input (checked before the work, not after)."""
    from ..core.outputs import refuse_if_input

    for p in paths:
        if p and not Path(p).parent.is_dir():
            raise SeeinError("the output folder does not exist", Path(p).parent)
        if p:
            refuse_if_input(p, inputs, "the output")
    if len([p for p in paths if p]) == 2 and Path(paths[0]).resolve() == Path(paths[1]).resolve():
        raise SeeinError("the PNG and the JSON output are the same file", paths[0])


def write_png(rgba: Any, path: str | os.PathLike) -> Path:
    from ..render.screenshot import save_png

    return save_png(rgba, path)


def write_json(data: Any, path: str | os.PathLike) -> Path:
    """Write JSON atomically (temporary name, then renamed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
