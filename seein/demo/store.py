"""The demo store: every snapshot of the demo LeNet run over all 1,797 digits, built once.

``demo_store()`` returns the path of a complete store in :func:`seein.core.paths.demo_dir`,
building it in seconds when it is missing or unreadable (an older schema, say).
Building is atomic (extraction writes a partial file and renames it) and guarded by
a file lock (filelock, so on any platform): two processes asking at once build it once.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock

from ..core.errors import SeeinError
from ..core.paths import demo_dir
from ..core.progress import ProgressCallback

DEMO_DATASET = "digits"
DEMO_SPLIT = "all"


def demo_store_path(model: str = "lenet") -> Path:
    """Where the demo store of ``model`` lives (it may not exist yet).

    The name carries the schema version, so an older seein's demo store (and its cache) never
    stands in for this one's, and two installed versions do not rebuild each other's.
    """
    from ..store import SCHEMA_VERSION

    return demo_dir() / f"{model}-digits-all-v{SCHEMA_VERSION}.h5"


def _readable(path: Path) -> bool:
    from ..store import Store

    if not path.exists():
        return False
    try:
        with Store.open(path) as store:
            return store.has_weights
    except SeeinError:
        return False


def demo_store(model: str = "lenet", progress: ProgressCallback | None = None) -> Path:
    """The demo store of ``model`` (``lenet`` or ``siamese-lenet``), built if missing.

    All 1,797 digits (split ``all``), every snapshot of ``seein.demo.runs.demo_run(model)``,
    the default layers, float16.
    """
    from ..extract import DEMO_MODELS, extract

    if model not in DEMO_MODELS:
        raise SeeinError(f"no demo for model {model!r}; use one of {', '.join(DEMO_MODELS)}")
    path = demo_store_path(model)
    if _readable(path):
        return path
    with FileLock(path.with_name(path.name + ".lock")):
        if _readable(path):  # another process built it while we waited
            return path
        from .runs import demo_run

        extract(model, DEMO_DATASET, path, run=demo_run(model), split=DEMO_SPLIT, force=True,
                progress=progress)
    return path


def demo_built(model: str = "lenet") -> bool:
    """True if the demo store of ``model`` exists and opens."""
    return _readable(demo_store_path(model))


__all__ = ["demo_store", "demo_store_path", "demo_built", "DEMO_DATASET", "DEMO_SPLIT"]
