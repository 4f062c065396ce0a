"""Offscreen rendering through VisPy's EGL backend, in this process or in a clean subprocess.

:func:`egl_app` gives the EGL ``Application`` (Mesa's surfaceless platform when there is
no display: ``EGL_PLATFORM=surfaceless``), or a one-line :class:`SeeinError` when EGL is
missing. EGL and a Qt (GLX) canvas cannot share a process (see :mod:`seein.render`), so
:func:`run_isolated` runs a function in a fresh ``python -m seein.render.offscreen``
process and returns its (picklable) result; :func:`needs_isolation` says when that is
needed (Qt is loaded here). Used by screenshots and the render tests.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pickle
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable

from ..core.errors import SeeinError

_APP = None


def egl_app():
    """VisPy's EGL ``Application`` (created once), with GL2; SeeinError when EGL is unavailable."""
    global _APP
    if _APP is not None:
        return _APP
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    try:
        import vispy
        from vispy import app

        vispy.use(gl="gl2")
        _APP = app.Application("egl")
    except Exception as exc:  # a missing libEGL or a driver without it: say so in one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SeeinError("offscreen rendering needs EGL (install libegl1 and libgl1-mesa-dri, or an "
                         f"NVIDIA driver; set EGL_PLATFORM=surfaceless without a display): {first}") from None
    return _APP


def needs_isolation() -> bool:
    """True when a Qt binding is loaded here, so EGL must run in another process."""
    return any(name in sys.modules for name in ("PyQt5.QtWidgets", "PyQt6.QtWidgets", "PySide6.QtWidgets"))


def _resolve(target: str) -> Callable[..., Any]:
    """``"package.module:function"`` or ``"path/to/file.py:function"`` -> the function."""
    where, _, name = target.rpartition(":")
    if not where or not name:
        raise ValueError(f"target must be 'module:function' or 'file.py:function', not {target!r}")
    if where.endswith(".py"):
        spec = importlib.util.spec_from_file_location(f"_seein_offscreen_{Path(where).stem}", where)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    return getattr(module, name)


def run_isolated(target: str, *args: Any, timeout: float = 300.0, **kwargs: Any) -> Any:
    """Call ``target(*args, **kwargs)`` in a fresh Python process and return its result.

    The child uses EGL and nothing of this process's GL state. A :class:`SeeinError` in
    the child is raised here as the same one-line error; any other failure is a
    RuntimeError carrying the child's traceback.
    """
    with tempfile.TemporaryDirectory(prefix="seein-offscreen-") as tmp:
        request, reply = Path(tmp) / "request.pkl", Path(tmp) / "reply.pkl"
        request.write_bytes(pickle.dumps((target, args, kwargs)))
        env = dict(os.environ)
        env.setdefault("EGL_PLATFORM", "surfaceless")
        proc = subprocess.run([sys.executable, "-m", "seein.render.offscreen", str(request), str(reply)],
                              env=env, capture_output=True, text=True, timeout=timeout)
        if not reply.exists():
            raise RuntimeError(f"offscreen renderer exited with code {proc.returncode}: "
                               f"{proc.stderr.strip()[-2000:]}")
        ok, value = pickle.loads(reply.read_bytes())
    if ok:
        return value
    kind, message = value
    if kind == "SeeinError":
        raise SeeinError(message)
    raise RuntimeError(f"offscreen renderer failed:\n{message}")


def call(target: str, *args: Any, isolate: bool | None = None, **kwargs: Any) -> Any:
    """Run ``target`` here, or in a subprocess when ``isolate`` (default: when Qt is loaded)."""
    if isolate is None:
        isolate = needs_isolation()
    if isolate:
        return run_isolated(target, *args, **kwargs)
    return _resolve(target)(*args, **kwargs)


def _main(argv: list[str]) -> int:
    request, reply = Path(argv[0]), Path(argv[1])
    target, args, kwargs = pickle.loads(request.read_bytes())
    try:
        result = (True, _resolve(target)(*args, **kwargs))
    except SeeinError as exc:
        result = (False, ("SeeinError", str(exc)))
    except Exception:
        result = (False, ("Exception", traceback.format_exc()))
    reply.write_bytes(pickle.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
