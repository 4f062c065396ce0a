"""``seein upgrade``: add the network's weights to a version-1 store (schema 2) without re-extracting.

The weights come from the run (or the weights file) the store was extracted from; when the
store recorded a digest of its weights, the given ones must match it, so a store never
keeps weights other than those its activations came from. The upgraded file is written
beside the store and renamed over it when complete: an interruption leaves the old store.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Mapping

import h5py
import torch

from ..core.errors import SeeinError
from ..core.outputs import atomic_output, output_lock
from ..store import SCHEMA_VERSION, Store
from ..store.schema import snapshot_key, write_weights
from .engine import model_digest, weights_digest


def upgrade(store_path: str | os.PathLike, *, run: str | os.PathLike | None = None,
            weights: str | os.PathLike | None = None) -> Path:
    """Write snapshot weights into ``store_path`` (from ``run`` or ``weights``); return its path."""
    path = Path(store_path)
    if (run is None) == (weights is None):
        raise SeeinError("give --run RUN or --weights FILE (the weights the store was extracted with)", path)
    with Store.open(path) as store:
        if store.has_weights:
            raise SeeinError(f"already keeps its weights (schema {store.schema_version}); nothing to do", path)
        states = _states_for(store, run, weights)
        recorded = str(store.source.get("weights_digest", ""))
        given = weights_digest([states[s.index] for s in store.snapshots])
        if recorded and recorded != given:
            raise SeeinError(f"these are not the weights its activations came from (digest {given}, "
                             f"the store records {recorded})", run or weights)
        digest = model_digest(store.model_spec)
        snapshots = list(store.snapshots)
    with output_lock(path), atomic_output(path) as tmp:
        shutil.copyfile(path, tmp)
        with h5py.File(tmp, "r+") as f:
            for snap in snapshots:
                write_weights(f["snapshots"][snapshot_key(snap.index)], states[snap.index])
            f.attrs["schema_version"] = SCHEMA_VERSION
            f.attrs["model_digest"] = digest
    return path


def _states_for(store: Store, run, weights) -> Mapping[int, Mapping[str, torch.Tensor]]:
    """Each snapshot's state dict, by snapshot index, from a run or a single weights file."""
    if weights is not None:
        from ..nets.loading import read_weights

        if len(store.snapshots) != 1:
            raise SeeinError(f"the store holds {len(store.snapshots)} snapshots; one weights file gives "
                             "one: use --run", weights)
        return {store.snapshots[0].index: read_weights(weights)}
    from ..nets.runs import load_run

    loaded = load_run(run)
    by_index = {info.index: (info, state) for info, state in loaded.snapshots}
    states = {}
    for snap in store.snapshots:
        if snap.index not in by_index or by_index[snap.index][0].step != snap.step:
            raise SeeinError(f"the run has no snapshot {snap.index} at step {snap.step}: not the run "
                             "this store was extracted from", run)
        states[snap.index] = by_index[snap.index][1]
    return states
