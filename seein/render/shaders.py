"""Load the project's GLSL shaders by name from the top-level ``glsl/`` folder.

The shaders ship as package data of ``seein._glsl`` (setup.cfg maps that package to
``glsl/``). An editable install only maps ``seein`` itself, so when ``seein._glsl`` is
not importable the loader reads the source tree's ``glsl/`` beside the package.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..core.errors import SeeinError

_SUFFIXES = (".vert", ".frag", ".glsl")


def _shader_dir():
    """A Traversable (installed package data) or Path (source tree) holding the shaders."""
    try:
        from importlib.resources import files

        return files("seein._glsl")
    except ModuleNotFoundError:
        pass
    source = Path(__file__).resolve().parents[2] / "glsl"
    if source.is_dir():
        return source
    raise SeeinError("the GLSL shaders are missing: neither package seein._glsl nor the source "
                     "tree's glsl/ folder exists (reinstall seein)", source)


@functools.lru_cache(maxsize=None)
def load_shader(name: str) -> str:
    """The source of shader ``name`` (e.g. ``"points.vert"``), read once and cached."""
    if not name.endswith(_SUFFIXES) or "/" in name or "\\" in name:
        raise SeeinError(f"not a shader file name: {name!r} (expected NAME.vert|.frag|.glsl)")
    path = _shader_dir() / name
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        raise SeeinError("no such shader", str(path)) from None


def shader_names() -> list[str]:
    """Every shader file shipped, sorted."""
    return sorted(p.name for p in _shader_dir().iterdir() if p.name.endswith(_SUFFIXES))
