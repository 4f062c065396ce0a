"""Progressive training (DeepEyes): train a network and append a snapshot to a live store every N steps.

Each snapshot holds the network's weights and the activations, logits and predictions
of a fixed sample of images (:mod:`seein.store.live` says how it is written so readers
follow safely). After each snapshot, ``after_snapshot(store_path, position)`` runs (the
CLI computes DeepEyes' statistics for it there; this layer does not import compute).
Training is the same as :func:`seein.nets.training.train`'s (seeded, deterministic);
``resume=True`` continues from the last snapshot the index lists, with the optimizer's
and the shuffling's state, so a resumed run takes the same steps an uninterrupted one would.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback, report
from ..core.snapshots import SnapshotInfo
from ..store.live import LiveStoreWriter, live_folder, state_file
from .capture import LayerCapture, to_points
from .plan import build_plan

SAMPLE_BATCH = 512


def _sample_outputs(model: torch.nn.Module, names: list[str], images: np.ndarray,
                    embedding: bool) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Points of every layer, logits and predictions of the sample, in eval mode."""
    was_training = model.training
    model.eval()
    parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
    logits = []
    with LayerCapture(model, names, torch.float16) as capture, torch.no_grad():
        for start in range(0, len(images), SAMPLE_BATCH):
            outs, lg = capture(model, torch.from_numpy(images[start:start + SAMPLE_BATCH]))
            for name in names:
                parts[name].append(to_points(outs[name], torch.float16))
            logits.append(lg)
    model.train(was_training)
    lg = np.concatenate(logits)
    pred = np.full(len(lg), -1, np.int64) if embedding or lg.shape[1] < 2 else lg.argmax(1).astype(np.int64)
    return {name: np.concatenate(p) for name, p in parts.items()}, lg, pred


def _save_state(path: Path, state: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def train_live(model_spec: str, dataset_spec: str, out: str | os.PathLike, *, every: int = 50,
               sample: int | None = None, epochs: int = 4, seed: int = 0, batch_size: int = 64,
               lr: float | None = None, optimizer: str = "adam", split: str = "train",
               limit: int | None = None, resume: bool = False, force: bool = False,
               progress: ProgressCallback | None = None,
               after_snapshot: Callable[[Path, int], None] | None = None) -> Path:
    """Train ``model_spec`` and write a snapshot to the live store ``out`` every ``every`` steps.

    Snapshots are taken at step 0, every ``every`` steps, and at the last step. ``sample``
    images of the data set (split ``all``; default all of them) are the fixed sample whose
    activations each snapshot holds. Returns ``out``.
    """
    from ..nets.check import check_fits, preferred_input
    from ..nets.loading import build_model, canonical_spec
    from ..nets.models import is_embedding
    from ..nets.siamese import contrastive_loss, pair_partners
    from ..nets.training import _Evaluator, _make_optimizer, deterministic

    out = Path(out).expanduser()
    if every < 1:
        raise SeeinError(f"--every must be at least 1 (got {every})")
    if epochs < 1:
        raise SeeinError(f"--epochs must be at least 1 (got {epochs})")
    if out.is_dir():
        raise SeeinError("is a folder, not a store file", out)
    if not resume and (out.exists() or live_folder(out).exists()) and not force:
        raise SeeinError("already exists; add --force to replace it or --resume to continue it", out)
    from ..data import load_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "untrained weights": the sample's plan needs shapes only
        plan = build_plan(model_spec, dataset_spec, split="all", limit=sample)
    names = [layer.name for layer in plan.layers]
    with deterministic(seed):
        model = build_model(model_spec, seed)
        channels, size = preferred_input(model)
        train_ds = load_dataset(dataset_spec, split=split, limit=limit, size=size, channels=channels)
        test_ds = None if split == "all" else load_dataset(
            dataset_spec, split="test" if split == "train" else "train", size=size, channels=channels)
        embedding = is_embedding(model)
        check_fits(model, train_ds.images.shape[1:], None if embedding else len(train_ds.class_names),
                   dataset_spec)
        evaluate = _Evaluator(train_ds, test_ds, embedding, seed)
        opt = _make_optimizer(optimizer, [p for p in model.parameters() if p.requires_grad], lr)
        steps_per_epoch = max(1, len(train_ds) // batch_size if len(train_ds) % batch_size == 1
                              and len(train_ds) > 1 else math.ceil(len(train_ds) / batch_size))
        total = epochs * steps_per_epoch
        rng = np.random.default_rng(seed)
        curves: dict[str, list] = {"train_loss": [], "test_loss": [], "test_acc": []}
        if not embedding:
            curves["train_acc"] = []
        step, order = 0, None
        if resume:
            writer = LiveStoreWriter.reopen(out)
            if not writer.snapshots:
                raise SeeinError("nothing to resume: the live store lists no snapshot", out)
            last = writer.snapshots[-1]
            sf = state_file(out, last.index)
            if not sf.exists():
                raise SeeinError(f"cannot resume: {sf.name} is missing", sf)
            try:  # tensors and plain values only: reading a resume file never runs code
                state = torch.load(sf, map_location="cpu", weights_only=True)
            except Exception as exc:
                raise SeeinError(f"cannot resume: not a readable resume state ({type(exc).__name__})", sf) from exc
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            rng.bit_generator.state = state["rng"]
            torch.set_rng_state(state["torch_rng"])
            step = int(state["step"])
            order = None if state["order"] is None else state["order"].numpy()
            curves = {k: list(map(tuple, v.tolist())) for k, v in state["curves"].items()}
        else:
            writer = LiveStoreWriter.create(
                out, images=plan.display_images, labels=plan.labels, image_ids=plan.image_ids,
                class_names=plan.class_names, layers=plan.layers, input_shape=plan.images.shape[1:],
                receptive_fields=plan.receptive_fields, dataset_spec=plan.dataset_spec,
                model_spec=canonical_spec(model_spec),
                extra_attrs={"source": "", "shard": "", "image_start": 0,
                             "image_stop": len(plan.images), "images_total": len(plan.images),
                             "train_every": int(every), "train_steps": int(total)})

        def curve_arrays() -> dict[str, np.ndarray]:
            return {k: np.asarray(v, dtype=np.float64).reshape(-1, 2) for k, v in curves.items()}

        def snapshot(step: int) -> None:
            metrics = evaluate(model)
            for key in ("test_loss", "test_acc"):
                if key in metrics:
                    curves[key].append((step, metrics[key]))
            info = SnapshotInfo(index=len(writer.snapshots), step=step, epoch=step / steps_per_epoch,
                                metrics=metrics)
            points, logits, pred = _sample_outputs(model, names, plan.images, embedding)
            weights = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
            resume_state = {"model": model.state_dict(), "optimizer": opt.state_dict(),
                            "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                            "step": step, "order": None if order is None else torch.from_numpy(order),
                            "curves": {k: torch.from_numpy(v) for k, v in curve_arrays().items()}}
            writer.add_snapshot(info, outputs=points, logits=logits, predictions=pred, weights=weights,
                                curves=curve_arrays(), live=step < total,
                                before_index=lambda: _save_state(state_file(out, info.index), resume_state))
            for old in live_folder(out).glob("state-*.pt"):  # only the last is needed to resume
                if old != state_file(out, info.index):
                    old.unlink(missing_ok=True)
            if after_snapshot is not None:
                after_snapshot(out, len(writer.snapshots) - 1)

        images, labels = torch.from_numpy(train_ds.images), torch.from_numpy(train_ds.labels)
        if not resume:
            snapshot(0)
        model.train()
        while step < total:
            within = step % steps_per_epoch
            if within == 0:
                order = rng.permutation(len(train_ds))
            idx = order[within * batch_size:(within + 1) * batch_size]
            x, y = images[idx], labels[idx]
            if embedding:
                partner = pair_partners(train_ds.labels, idx, rng)
                emb = model(torch.cat([x, images[partner]]))
                loss = contrastive_loss(emb[:len(idx)], emb[len(idx):], y == labels[partner])
            else:
                logits = model(x)
                loss = F.cross_entropy(logits, y)
                curves["train_acc"].append((step + 1, float((logits.argmax(1) == y).double().mean())))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            curves["train_loss"].append((step, float(loss.detach())))
            if step % every == 0 or step == total:
                snapshot(step)
            report(progress, step, total, f"epoch {step // steps_per_epoch + 1}/{epochs} "
                                          f"loss {float(loss.detach()):.3f}")
    return out
