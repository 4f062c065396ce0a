"""The torch network behind a store, for one snapshot: what the what-if views run.

Rebuilt from the store's model spec and that snapshot's weights: the weights the store
keeps itself when it has them, else the run or weights file it was extracted from (both
read with ``weights_only=True``). A bundled model loads silently; a user model file runs
only with consent (:mod:`seein.nets.trust`). Nothing stored inside the store is executed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..core.backend import get_backend
from ..core.errors import SeeinError
from ..nets.loading import apply_weights, build_model, read_weights
from ..nets.trust import AskConsent, check_model_file

_CACHE: dict[tuple, nn.Module] = {}


def _snapshot_state(store: Any, snapshot: int) -> dict[str, torch.Tensor]:
    """Snapshot ``snapshot``'s state dict: from the store if it keeps weights, else its source files."""
    if getattr(store, "has_weights", False):  # schema 2: the store's own copy
        return {k: torch.as_tensor(v) for k, v in store.snapshot_weights(snapshot).items()}
    source = store.source
    index = store.snapshots[snapshot].index
    if source.get("run"):
        from ..nets.runs import load_run

        run = load_run(source["run"])
        for info, state in run.snapshots:
            if info.index == index:
                return state
        raise SeeinError(f"the run file {source['run']} has no snapshot {index}", store.path)
    if source.get("weights"):
        return read_weights(source["weights"])
    raise SeeinError("the store keeps no weights and names no run or weights file; add them with "
                     "`seein upgrade STORE --run RUN` or re-extract it", store.path)


def store_network(store: Any, snapshot: int = -1, *, model: str | None = None,
                  ask: AskConsent | None = None, device: Any = None) -> nn.Module:
    """The network of ``store`` at ``snapshot`` in eval mode on ``device`` (default: the backend's).

    ``model``: a spec the user gave explicitly (CLI ``--model``), which is consent to run it.
    ``ask(path, digest)``: how the GUI asks for consent to run the store's own user model file.
    Networks are cached per (store, snapshot, model spec, device); their parameters need no grad.
    """
    n = len(store.snapshots)
    if not -n <= snapshot < n:
        raise SeeinError(f"no snapshot {snapshot} in the store (it holds {n}: 0..{n - 1})", store.path)
    snapshot %= n
    spec = model or store.model_spec
    device = device if device is not None else get_backend().device
    check_model_file(spec, "" if model else (getattr(store, "model_digest", "") or str(store.source.get("model_digest", ""))),
                     explicit=model is not None, ask=ask, source=store.path)
    key = (str(Path(store.path).resolve()), snapshot, spec, str(device))
    net = _CACHE.get(key)
    if net is None:
        net = build_model(spec)
        apply_weights(net, _snapshot_state(store, snapshot), store.path)
        net = net.eval().to(device)
        for p in net.parameters():
            p.requires_grad_(False)
        if len(_CACHE) > 8:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = net
    return net


def clear_network_cache() -> None:
    """Forget every rebuilt network (the next call rebuilds, asking for consent as needed)."""
    _CACHE.clear()


def store_inputs(store: Any, images: Any) -> torch.Tensor:
    """The network inputs (float32 N,C,H,W in [0, 1], on the CPU) of the store's images at ``images``."""

    idx = np.atleast_1d(np.asarray(images, dtype=np.int64))
    if idx.size and (idx.min() < 0 or idx.max() >= store.n_images):
        raise SeeinError(f"no image {int(idx.max() if idx.max() >= store.n_images else idx.min())} "
                         f"in the store (it holds {store.n_images}: 0..{store.n_images - 1})", store.path)
    uniq, inverse = np.unique(idx, return_inverse=True)
    raw = np.asarray(store.images[uniq.tolist()])[inverse]
    x = torch.from_numpy(raw.astype(np.float32) / 255.0).permute(0, 3, 1, 2).contiguous()
    return x


__all__ = ["store_network", "store_inputs", "clear_network_cache"]
