"""The demo's trained runs: LeNet and siamese LeNet on the bundled digits, built in seconds when missing.

Each is trained deterministically (fixed seed and settings) into
``seein.core.paths.demo_dir()``. Concurrent callers (two processes opening the demo
at once) are serialised by an exclusive lock on a side file (filelock, so on any platform),
and the run file itself only ever appears complete (written and renamed by
:func:`seein.nets.training.train`).
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock

from ..core.errors import SeeinError
from ..core.paths import demo_dir
from ..core.progress import ProgressCallback
from ..nets.models import BUNDLED

#: Per model, bumped whenever its recipe or network changes, so an old demo run is rebuilt.
DEMO_VERSIONS = {"lenet": 1, "siamese-lenet": 2}
DEMO_VERSION = DEMO_VERSIONS["lenet"]

#: How each demo run is trained (data set digits, training split).
RECIPES = {
    "lenet": dict(epochs=4, snapshots=6, seed=0, batch_size=64, optimizer="adam"),
    "siamese-lenet": dict(epochs=10, snapshots=6, seed=0, batch_size=64, optimizer="adam"),
}


def demo_run_path(model: str = "lenet") -> Path:
    """Where the demo run of ``model`` lives (it may not exist yet)."""
    return demo_dir() / f"{model}-digits-v{DEMO_VERSIONS.get(model, 1)}.run.pt"


def _is_valid(path: Path, model: str) -> bool:
    from ..nets.runs import load_run

    try:
        return load_run(path).meta.get("extra", {}).get("demo_version") == DEMO_VERSIONS[model]
    except SeeinError:
        return False


def demo_run(model: str = "lenet", progress: ProgressCallback | None = None) -> Path:
    """Path of the trained demo run of ``model`` (``lenet`` or ``siamese-lenet``), training it if missing.

    LeNet: 4 epochs on the digits training split, 6 snapshots, about 97% test
    accuracy. Siamese LeNet: 10 epochs of contrastive training, 6 snapshots,
    about 94% nearest-centroid test accuracy in its 2-D embedding.
    """
    if model not in BUNDLED:
        raise SeeinError(f"no demo run for {model!r} (demo models: {', '.join(BUNDLED)})")
    path = demo_run_path(model)
    if path.exists() and _is_valid(path, model):
        return path
    with FileLock(path.with_name(path.name + ".lock")):
        if path.exists() and _is_valid(path, model):  # another process built it while we waited
            return path
        from ..nets.training import train

        return train(model, "digits", path, progress=progress, split="train",
                     extra={"demo_version": DEMO_VERSIONS[model]}, **RECIPES[model])


__all__ = ["demo_run", "demo_run_path", "RECIPES", "DEMO_VERSIONS"]


def demo_model(model: str = "lenet", progress: ProgressCallback | None = None):
    """The demo network with its trained weights (the last snapshot of :func:`demo_run`), eval mode."""
    from ..nets.loading import apply_weights, build_bundled
    from ..nets.runs import load_run

    run = load_run(demo_run(model, progress))
    net = build_bundled(model)
    apply_weights(net, run.snapshots[-1][1], run.path)
    return net.eval()
