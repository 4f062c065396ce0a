"""Run files: a training run's snapshots (weights, step, metrics) and curves, in one file.

A run file is a plain dict of tensors and primitives written with ``torch.save``
and read with ``torch.load(weights_only=True)``, so reading one never runs code::

    format="seein-run", version, model_spec, dataset_spec, split, seed, epochs,
    batch_size, lr, optimizer, steps, input_shape, class_names, embedding,
    snapshots=[{index, step, epoch, metrics: {name: float}, state_dict}],
    curves={name: float64 tensor (n, 2) of (step, value)}, extra={...}

It is written to a temporary file in the same folder and renamed, so a run
file is either complete or absent (Ctrl-C while saving leaves nothing).
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..core.errors import SeeinError
from ..core.snapshots import SnapshotInfo

RUN_FORMAT = "seein-run"
RUN_VERSION = 1


@dataclass
class Run:
    """A loaded run: the model and data it was trained on, its snapshots and curves."""

    path: Path
    model_spec: str
    dataset_spec: str
    snapshots: list[tuple[SnapshotInfo, dict[str, torch.Tensor]]]
    curves: dict[str, np.ndarray]
    input_shape: tuple[int, ...] = ()
    class_names: list[str] = field(default_factory=list)
    embedding: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def model(self, k: int = -1) -> nn.Module:
        """The network with snapshot ``k``'s weights (default: the last), in eval mode."""
        from .loading import apply_weights, build_model

        n = len(self.snapshots)
        if not -n <= k < n:
            raise SeeinError(f"no snapshot {k} in the run (it holds {n}: 0..{n - 1})", self.path)
        model = build_model(self.model_spec)
        apply_weights(model, self.snapshots[k][1], self.path)
        return model.eval()


def save_run(path: str | os.PathLike, payload: dict[str, Any]) -> Path:
    """Write a run dict atomically (temporary file + rename); return the path."""
    from ..core.outputs import atomic_output

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path, ".tmp") as tmp:
        torch.save({"format": RUN_FORMAT, "version": RUN_VERSION, **payload}, tmp)
    return path


def load_run(path: str | os.PathLike) -> Run:
    """Read a run file; a missing, foreign or damaged file is a SeeinError naming it."""
    path = Path(path)
    if not path.is_file():
        raise SeeinError("no such run file", path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise SeeinError("not a Seein' In run file (it holds Python objects beyond tensors)", path) from None
    except Exception as exc:
        raise SeeinError(f"not a Seein' In run file ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''})", path) from None
    if not isinstance(data, dict) or data.get("format") != RUN_FORMAT:
        raise SeeinError("not a Seein' In run file (no 'format': 'seein-run'); "
                         "for plain weights use --weights", path)
    if int(data.get("version", -1)) != RUN_VERSION:
        raise SeeinError(f"run file version {data.get('version')}; this seein reads version {RUN_VERSION}", path)
    try:
        snaps = [(SnapshotInfo(index=int(s["index"]), step=int(s["step"]), epoch=float(s["epoch"]),
                               metrics={k: float(v) for k, v in s["metrics"].items()}),
                  dict(s["state_dict"])) for s in data["snapshots"]]
        curves = {k: np.asarray(v, dtype=np.float64).reshape(-1, 2) for k, v in data.get("curves", {}).items()}
        run = Run(path=path, model_spec=str(data["model_spec"]), dataset_spec=str(data["dataset_spec"]),
                  snapshots=snaps, curves=curves,
                  input_shape=tuple(int(v) for v in data.get("input_shape", ())),
                  class_names=[str(c) for c in data.get("class_names", [])],
                  embedding=bool(data.get("embedding", False)),
                  meta={k: v for k, v in data.items() if k not in ("snapshots", "curves")})
    except (KeyError, TypeError, ValueError) as exc:
        raise SeeinError(f"damaged run file ({type(exc).__name__}: {exc})", path) from None
    if not snaps:
        raise SeeinError("the run file holds no snapshots", path)
    return run
