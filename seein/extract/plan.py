"""Extraction: run a network (every snapshot of a run, or one set of weights) over a data set
and write every chosen layer's activations into an activation store.

>>> from seein.extract import extract
>>> extract("lenet", "digits", "lenet-digits.h5", run="lenet.run.pt")  # every snapshot of a run
>>> extract("my_net.py:Net", "mnist:~/mnist", "net.h5", weights="net.pt", layers=["conv1", "fc"])

The work happens in :mod:`seein.extract.engine`; this module turns spec strings into an
:class:`~seein.extract.engine.ExtractionPlan` (model, snapshots, data, layers, receptive
fields, curves) and checks them before anything is written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback
from ..store import STRUCTURED, SnapshotInfo, StoreWriter
from .engine import (
    ExtractionPlan,
    check_out,
    check_settings,
    data_digest,
    output_store,
    probe_layers,
    run_plan,
    shard_range,
    weights_digest,
)

DEMO_MODELS = ("lenet", "siamese-lenet")


def _model_file_digest(spec: str) -> str:
    """SHA-256 of the user model file a spec names ('' for a bundled model), so a later
    reader runs that file again only if it is unchanged (seein.nets.trust)."""
    from ..nets.trust import file_digest, model_file

    path = model_file(spec)
    return file_digest(path) if path is not None and path.is_file() else ""


def extract(model: str | None, dataset: str | None, out: str | os.PathLike, *,
            run: str | os.PathLike | None = None, weights: str | os.PathLike | None = None,
            layers: Sequence[str] | None = None, split: str = "test", limit: int | None = None,
            shard: str | tuple[int, int] | None = None, resume: bool = False, force: bool = False,
            dtype: str = "float16", batch_size: int = 256, trust_weights: bool = False,
            progress: ProgressCallback | None = None) -> Path:
    """Extract activations into the store ``out``; return its path.

    Parameters
    ----------
    model : str or None
        ``lenet``, ``siamese-lenet``, ``file.py:Class`` or a TorchScript file; None takes
        the run's model. With neither ``run`` nor ``weights`` a bundled or Python-file model
        keeps its constructor's (untrained) weights, with a warning; the trained demo run is
        :func:`seein.demo.runs.demo_run` (what ``seein extract --model lenet`` uses).
    dataset : str or None
        A data set spec (``digits``, ``mnist:DIR``, ...); None takes the run's, else digits.
    out : path
        The store to write. Work goes to ``out + '.partial'``, renamed when complete.
    run, weights : path, optional
        A training run (every snapshot) or one weights file.
    layers : list of str, optional
        Layer names; default: the model's default layers.
    split, limit : data set split (train | test | all) and a cap on the number of images.
    shard : ``"i/n"``, optional
        Extract only the i-th of n contiguous image ranges (join with :func:`seein.extract.merge.merge`).
    resume, force : continue an interrupted extraction / overwrite an existing store or partial.
    dtype : ``float16`` (default) or ``float32`` for the activations.
    batch_size : images per forward pass, and per recorded chunk of progress.
    progress : ``callback(done, total, message) -> bool`` (True cancels, leaving the partial file).
    """
    from ..core.outputs import input_files, output_lock

    out = output_store(out, input_files(model, weights, run, dataset))
    check_settings(dtype, batch_size)
    with output_lock(out):  # a second extraction into the same file is refused, not interleaved
        check_out(out, resume=resume, force=force)  # before any slow loading
        plan = build_plan(model, dataset, run=run, weights=weights, layers=layers, split=split,
                          limit=limit, shard=shard, dtype=dtype, trust_weights=trust_weights)
        return run_plan(plan, out, resume=resume, force=force, dtype=dtype, batch_size=batch_size,
                        progress=progress)


def build_plan(model: str | None, dataset: str | None, *, run=None, weights=None,
               layers: Sequence[str] | None = None, split: str = "test", limit: int | None = None,
               shard: str | tuple[int, int] | None = None, dtype: str = "float16",
               trust_weights: bool = False) -> ExtractionPlan:
    """Resolve specs into a checked :class:`ExtractionPlan` (loads the model, run and data)."""
    from ..data import load_dataset
    from ..nets import load_model
    from ..nets.layers import resolve_layers
    from ..nets.loading import build_model

    curves: dict[str, np.ndarray] = {}
    if run is not None:
        if weights is not None:
            raise SeeinError("give --run or --weights, not both")
        from ..nets.runs import load_run

        loaded = load_run(run)
        if model is not None and model != loaded.model_spec:
            raise SeeinError(f"the run was trained with model {loaded.model_spec!r}, not {model!r}", run)
        model_spec = loaded.model_spec
        dataset = dataset or loaded.dataset_spec
        net = build_model(model_spec)
        snapshots = [(info, state) for info, state in loaded.snapshots]
        curves = {k: np.asarray(v, dtype=np.float64) for k, v in loaded.curves.items()}
        if not snapshots:
            raise SeeinError("the run holds no snapshots", run)
    else:
        if model is None:
            raise SeeinError("no model given (--model lenet | siamese-lenet | file.py:Class | model.pt)")
        model_spec = model
        net = load_model(model_spec, None if weights is None else str(weights), trust_weights=trust_weights)
        snapshots = [(SnapshotInfo(index=0), None)]
    net.eval()
    from ..nets.check import preferred_input

    channels, size = preferred_input(net)
    data = load_dataset(dataset or "digits", split=split, limit=limit, size=size, channels=channels)
    if len(data) == 0:
        raise SeeinError(f"the data set {data.spec!r} ({split}) holds no images")
    input_shape = tuple(int(v) for v in data.images.shape[1:])
    _check_fits(net, input_shape, data, model_spec)
    names = [spec.name for spec in resolve_layers(net, input_shape, list(layers) if layers else None)]
    if not names:
        raise SeeinError(f"the model {model_spec!r} has no layers to extract; name some with --layers")
    infos, n_outputs = probe_layers(net, names, data.images, f"the model {model_spec!r}")
    rfs = _receptive_fields(net, input_shape, [i.name for i in infos if i.kind == STRUCTURED])
    cut = shard_range(len(data), shard)
    start, stop = (cut[2], cut[3]) if cut else (0, len(data))
    states = [state if state is not None else net.state_dict() for _, state in snapshots]
    source = {
        "model": model_spec, "dataset": data.spec, "split": split, "limit": limit,
        "layers": [i.name for i in infos], "dtype": dtype, "images_total": len(data),
        "snapshots": [[s.index, s.step] for s, _ in snapshots],
        "weights_digest": weights_digest(states),
        "data_digest": data_digest(data.images, data.labels),
        "run": "" if run is None else str(run), "weights": "" if weights is None else str(weights),
        "model_digest": _model_file_digest(model_spec),
    }
    display = data.display_images()
    if run is None and weights is None and (".py:" in model_spec or model_spec in DEMO_MODELS):
        import warnings

        warnings.warn(f"{model_spec}: no --weights or --run given, so the activations are those of "
                      "the weights its constructor makes (untrained, unless it loads some)", stacklevel=2)
    return ExtractionPlan(
        model=net, snapshots=snapshots, images=data.images[start:stop],
        labels=data.labels[start:stop], image_ids=data.image_ids[start:stop],
        class_names=list(data.class_names), layers=infos, n_outputs=n_outputs,
        embedding=_is_embedding(net, n_outputs, len(data.class_names)),
        display_images=display[start:stop], receptive_fields=rfs, curves=curves, source=source,
        shard=(cut[0], cut[1], start, stop, len(data)) if cut else None,
        dataset_spec=data.spec, model_spec=model_spec)


def _check_fits(net, input_shape, data, model_spec: str) -> None:
    from ..nets.check import check_fits
    from ..nets.loading import spec_file

    check_fits(net, input_shape, len(data.class_names), data_name=data.spec,
               model_path=spec_file(model_spec))


def _is_embedding(net, n_outputs: int, n_classes: int) -> bool:
    try:
        from ..nets.models import is_embedding
    except ImportError:
        return bool(getattr(net, "seein_embedding", False)) or n_outputs != n_classes
    return bool(is_embedding(net))


def _receptive_fields(net, input_shape, names: list[str]) -> dict[str, np.ndarray]:
    if not names:
        return {}
    from ..nets.receptive import receptive_fields

    return {k: np.asarray(v, dtype=np.int32) for k, v in receptive_fields(net, input_shape, names).items()}


def partial_path(out: str | os.PathLike) -> Path:
    """Where an extraction into ``out`` keeps its work until it is complete."""
    return StoreWriter.partial_path_for(out)
