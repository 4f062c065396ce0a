"""The extraction engine: run a model's snapshots over images and write a store, resumably.

:func:`seein.extract.extract` resolves model, run and data set specs into an
:class:`ExtractionPlan`; :func:`run_plan` does the work. The engine knows only torch
modules and arrays, so tests and the benchmark drive it with any ``nn.Module``.

Order: snapshot by snapshot, each over all images in batches. A snapshot's progress is
one number (images done), so resuming is "skip finished snapshots, continue the current
one from its last complete chunk", and each snapshot's weights are loaded once. A batch's
outputs are cast to float16 points right after its forward pass, with all torch threads,
and written on a background thread while the next batch runs; at most two batches wait
in memory.

Where the time went, and what this does about it (lenet on the digits, 2 cores):

- each batch's points land in one of a few reused :class:`~seein.extract.capture.BatchBuffer`
  blocks (pinned, filled by one non-blocking copy on CUDA) instead of fresh tensors;
- glibc handed the freed layer outputs back to the kernel and page-faulted them in again
  on the next batch (10,000 faults a run, 15 to 25 % on the forward pass): during a run
  freed memory is kept for reuse (:func:`seein.extract.batches.reuse_freed_memory`);
- the data is sent on to the disk by the writer thread as it goes (``sync_file_range`` every
  few MB, not waiting), so that finishing the store no longer waits for one big ``fsync``;
- the writes no longer take a core from the forward pass. A buffered ``pwrite`` copies the
  data into the page cache on the CPU; to hide that copy the writer thread used to take one
  of the 2 cores, which slowed the forward pass almost 2-fold (a bare pass is 43 ms on 2
  threads, 81 ms on 1). Now the points are staged in line with their file offsets
  (:meth:`~seein.extract.capture.BatchBuffer.stage`) and written by direct I/O
  (:mod:`seein.store.direct`): the disk reads them from memory and the writer thread only
  waits, so the forward pass keeps every core. Where direct I/O is refused, writes are
  buffered: in line between batches on a CPU of up to 3 cores, else on the writer thread
  with a core of its own (:func:`write_setup`);
- on the CPU the store is made before the first batch: h5py holds the GIL, and made beside
  the forward pass it stretched the first batch more than it took itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback, report
from ..store import LayerInfo, SnapshotInfo, StoreWriter
from .batches import BufferPool, WriterThread, reuse_freed_memory
from .capture import DTYPES, LayerCapture


@dataclass
class ExtractionPlan:
    """Everything one extraction needs, resolved: a model, its snapshots, the images, metadata.

    ``images`` are the float32 (N, C, H, W) network inputs of this extraction (already
    cut to the shard); ``source`` is the JSON-able description that a resume or a
    merge compares (model, data, layers, dtype, digests, ...).
    """

    model: torch.nn.Module
    snapshots: list[tuple[SnapshotInfo, Mapping[str, torch.Tensor] | None]]
    images: np.ndarray
    labels: np.ndarray
    image_ids: np.ndarray
    class_names: list[str]
    layers: list[LayerInfo]
    n_outputs: int
    embedding: bool = False
    display_images: np.ndarray | None = None
    receptive_fields: dict[str, np.ndarray] = field(default_factory=dict)
    curves: dict[str, np.ndarray] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    shard: tuple[int, int, int, int, int] | None = None  # (i, n, start, stop, total)
    dataset_spec: str = ""
    model_spec: str = ""


def default_device() -> torch.device:
    """The backend's device: ``SEEIN_DEVICE`` (cpu | cuda), else CUDA when torch sees a GPU.

    Decided by :func:`seein.core.backend.decide` without building the whole backend (which
    imports the projection libraries: seconds that extraction does not need).
    """
    try:
        from ..core.backend import DEVICE_ENV, decide
    except ImportError:
        return torch.device("cpu")
    name, _ = decide(os.environ.get(DEVICE_ENV), torch.cuda.is_available())
    return torch.device(name)


def probe_layers(model: torch.nn.Module, layer_names: Sequence[str], sample: np.ndarray,
                 what: str = "the model") -> tuple[list[LayerInfo], int]:
    """Run one image through ``model`` to learn each layer's kind and shape and the output size.

    A model that cannot take the images is a SeeinError naming the image shape.
    """
    x = torch.from_numpy(np.ascontiguousarray(sample[:1]))
    with LayerCapture(model, layer_names, torch.float32) as capture, torch.inference_mode():
        try:
            _, logits = capture(model, x)
        except SeeinError:
            raise
        except (Exception, SystemExit) as exc:  # the model's own code: any error, sys.exit too
            if isinstance(exc, SystemExit):
                first = f"it called sys.exit({exc.code!r})"
            else:
                text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                first = f"{type(exc).__name__}: {text}".rstrip(": ")
            raise SeeinError(f"{what} does not fit images of shape {tuple(sample.shape[1:])} "
                             f"(C, H, W): {first}") from None
        layers = capture.layer_infos()
    order = {info.name: info for info in layers}
    return [order[name] for name in capture.order], int(logits.shape[1])


def weights_digest(state_dicts: Sequence[Mapping[str, torch.Tensor]]) -> str:
    """A short SHA-1 of every tensor of every state dict: same digest, same weights."""
    import hashlib

    h = hashlib.sha1()
    for sd in state_dicts:
        for key in sorted(sd):
            value = sd[key]
            h.update(key.encode())
            if isinstance(value, torch.Tensor):
                h.update(value.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def data_digest(images: np.ndarray, labels: np.ndarray) -> str:
    """A short SHA-1 of the images and labels (all of them, not one shard's)."""
    import hashlib

    h = hashlib.sha1(np.ascontiguousarray(images).data)
    h.update(np.ascontiguousarray(labels).data)
    return h.hexdigest()[:16]


def check_settings(dtype: str, batch_size: int) -> None:
    """Refuse an unknown activation dtype or a batch size under 1, before any work."""
    if dtype not in DTYPES:
        raise SeeinError(f"unknown dtype {dtype!r}; use float16 or float32")
    if batch_size < 1:
        raise SeeinError(f"batch size must be at least 1, got {batch_size}")


def output_store(out: str | os.PathLike | None, inputs: Sequence[str | os.PathLike | None]) -> Path:
    """``-o``, checked before any slow loading: given, none of the command's ``inputs``
    (model, weights, run, data), not a folder, in a folder that can take a store file."""
    from ..core.outputs import check_output_folder, refuse_if_input

    if out is None or str(out) == "":
        raise SeeinError("no output store given (-o STORE.h5)")
    out = Path(out).expanduser()
    refuse_if_input(out, inputs, "the output store")
    if out.is_dir():
        raise SeeinError("is a folder, not a store file (give -o FOLDER/NAME.h5)", out)
    check_output_folder(out, "store file")
    return out


def check_out(out: Path, *, resume: bool, force: bool) -> None:
    """Refuse to lose work: an existing store needs --force, a leftover partial --resume or --force."""
    if out.is_dir():
        raise SeeinError("is a folder, not a store file (give -o FOLDER/NAME.h5)", out)
    blocker = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise SeeinError("is a file, not a folder: cannot write a store below it", blocker)
    partial = StoreWriter.partial_path_for(out)
    if resume:
        if not partial.exists():
            hint = (" (it is already complete; --force extracts again)" if out.exists() else "")
            raise SeeinError(f"nothing to resume: no partial file {partial.name}{hint}", out)
        return
    if partial.exists() and not force:
        raise SeeinError(f"an interrupted extraction left {partial.name}; add --resume to continue it "
                         "or --force to start again", out)
    if out.exists() and not force:
        raise SeeinError("already exists; add --force to overwrite it", out)


def _source_attrs(plan: ExtractionPlan) -> dict[str, Any]:
    attrs: dict[str, Any] = {"source": json.dumps(plan.source, sort_keys=True)}
    if plan.shard:
        i, n, start, stop, total = plan.shard
        attrs.update(shard=f"{i}/{n}", image_start=start, image_stop=stop, images_total=total)
    else:
        attrs.update(shard="", image_start=0, image_stop=len(plan.images), images_total=len(plan.images))
    return attrs


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


def _open_writer(plan: ExtractionPlan, out: Path, *, resume: bool, dtype: str,
                 weights: Mapping[int, Mapping[str, torch.Tensor]] | None = None,
                 direct_io: bool = True) -> StoreWriter:
    attrs = _source_attrs(plan)
    if resume:
        writer = StoreWriter.resume(out, direct_io=direct_io)
        old = {k: writer.attrs.get(k) for k in ("shard", "image_start", "image_stop", "images_total")}
        try:
            old_source = json.loads(str(writer.attrs.get("source", "{}")))
        except ValueError:
            old_source = {}
        new = {k: attrs[k] for k in old}
        diff = _differences(old_source, plan.source) + [
            k for k in old if str(old[k]) != str(new[k])]
        if diff:
            writer.close()
            raise SeeinError(f"the partial file was started with other settings ({', '.join(diff)} "
                             "differ); repeat the first command with --resume, or use --force to "
                             "start again", writer.partial_path)
        return writer
    try:
        StoreWriter.partial_path_for(out).unlink(missing_ok=True)
    except NotADirectoryError:
        pass  # StoreWriter.create says what is wrong with the folder
    display = plan.display_images
    if display is None:
        display = np.rint(np.clip(plan.images, 0, 1) * 255).astype(np.uint8).transpose(0, 2, 3, 1)
    return StoreWriter.create(
        out, images=display, labels=plan.labels, image_ids=plan.image_ids,
        class_names=plan.class_names, layers=plan.layers, snapshots=[s for s, _ in plan.snapshots],
        n_outputs=plan.n_outputs, input_shape=plan.images.shape[1:],
        receptive_fields={k: v for k, v in plan.receptive_fields.items()
                          if k in {layer.name for layer in plan.layers}},
        curves=plan.curves, dataset_spec=plan.dataset_spec, model_spec=plan.model_spec,
        dtype=np.dtype(dtype), extra_attrs=attrs,
        weights=snapshot_states(plan) if weights is None else weights,
        model_digest=model_digest(plan.model_spec), direct_io=direct_io)


def snapshot_states(plan: ExtractionPlan) -> dict[int, Mapping[str, torch.Tensor]]:
    """Each snapshot's state dict (the model's own when a snapshot brings none): what the store keeps."""
    own = plan.model.state_dict()
    return {snap.index: (state if state is not None else own) for snap, state in plan.snapshots}


def _kept_states(plan: ExtractionPlan) -> dict[int, Mapping[str, torch.Tensor]]:
    """:func:`snapshot_states` safe to write while the model runs: the model's own weights are
    copied when a later snapshot's load would change them in place before they are written."""
    states = snapshot_states(plan)
    if any(state is None for _, state in plan.snapshots) and any(
            state is not None for _, state in plan.snapshots):
        own = {k: v.detach().clone() if isinstance(v, torch.Tensor) else v
               for k, v in plan.model.state_dict().items()}
        states = {snap.index: (state if state is not None else own) for snap, state in plan.snapshots}
    return states


def model_digest(model_spec: str) -> str:
    """sha256 of a user model file (``file.py`` of ``file.py:Class``, an exported program); "" if bundled."""
    from ..nets.loading import spec_file
    from ..nets.trust import file_digest

    path = spec_file(model_spec)
    return file_digest(path) if path is not None and path.is_file() else ""


def run_plan(plan: ExtractionPlan, out: str | os.PathLike, *, resume: bool = False, force: bool = False,
             dtype: str = "float16", batch_size: int = 256, progress: ProgressCallback | None = None,
             device: torch.device | None = None, threaded_writes: bool = True,
             channels_last: bool = True, direct_io: bool | None = None) -> Path:
    """Extract ``plan`` into the store ``out`` (via ``out.partial``); return the store's path.

    ``channels_last=False`` keeps the model in its usual layout (see :mod:`seein.extract.capture`).
    ``direct_io=False`` (or ``SEEIN_DIRECT_IO=0``) writes through the page cache only
    (see :mod:`seein.store.direct`; for file systems where direct I/O is slow).
    """
    out = Path(out)
    check_settings(dtype, batch_size)
    check_out(out, resume=resume, force=force)
    if direct_io is None:
        direct_io = os.environ.get(DIRECT_IO_ENV, "1").strip().lower() not in ("0", "no", "false", "off")
    device = device or default_device()
    n = len(plan.images)
    total = n * len(plan.snapshots)
    if resume:  # where each snapshot goes on from is needed now
        opened: StoreWriter | Callable[[], StoreWriter] = _open_writer(plan, out, resume=True, dtype=dtype,
                                                                       direct_io=direct_io)
    else:
        weights = _kept_states(plan)
        opened = lambda: _open_writer(plan, out, resume=False, dtype=dtype, weights=weights,  # noqa: E731
                                      direct_io=direct_io)
        if not _create_beside_forward(device):
            opened = opened()
    threads = torch.get_num_threads()
    direct = opened.direct.direct if isinstance(opened, StoreWriter) else None
    threaded_writes, forward_threads = write_setup(direct, device, threaded_writes)
    capture: LayerCapture | None = None
    try:
        model = plan.model.to(device).eval()
        images = torch.from_numpy(np.ascontiguousarray(plan.images))
        # one block filling, one queued, one being written (a single one when writing in line)
        pool = BufferPool(plan.layers, len(plan.images), plan.n_outputs, batch_size, DTYPES[dtype], device,
                          3 if threaded_writes else 1)
        capture = LayerCapture(model, [layer.name for layer in plan.layers], DTYPES[dtype])
        background = WriterThread(opened, DTYPES[dtype], threaded_writes, pool)
    except BaseException:
        if capture is not None:
            capture.close()
        if isinstance(opened, StoreWriter):
            opened.close()
            if not resume:  # made just now and nothing in it: no partial file to trip over
                opened.partial_path.unlink(missing_ok=True)
        raise
    staging = device.type == "cpu"  # points cast on this thread, in line with the file (BatchBuffer.stage)
    torch.set_num_threads(forward_threads)
    try:
        with capture, reuse_freed_memory():
            capture.calibrate(model, images[:2].to(device), channels_last)
            with torch.inference_mode():
                for k, (snap, state) in enumerate(plan.snapshots):
                    start = background.images_done(snap.index)
                    if start >= n:
                        continue
                    if state is not None:
                        _load_state(model, state, snap)
                    predictions = np.full(batch_size, -1, np.int64) if plan.embedding else None
                    for first in range(start, n, batch_size):
                        report(progress, k * n + first, total, f"snapshot {k + 1}/{len(plan.snapshots)}")
                        batch = images[first:first + batch_size].to(device, non_blocking=True)
                        buffer = pool.take()
                        try:
                            buffer.hold(*capture.forward(model, batch, buffer.targets(len(batch))))
                            spans = background.spans(snap.index, first, len(batch)) if staging else None
                            if spans is not None:
                                buffer.stage(spans)
                        except BaseException:
                            pool.give(buffer)
                            raise
                        background.put(snap.index, first, buffer, None,
                                       None if predictions is None else predictions[:len(batch)])
            background.close()
        report(progress, total, total, "done")
    except BaseException:
        try:
            background.close()
        finally:
            if background.writer is not None:
                background.writer.close()
        raise
    finally:
        capture.restore(model)
        torch.set_num_threads(threads)
    assert background.writer is not None
    return background.writer.finish(out)


DIRECT_IO_ENV = "SEEIN_DIRECT_IO"


def _create_beside_forward(device: torch.device) -> bool:
    """Whether a new store is made on the writer thread while the first batches run: on CUDA,
    where the forward pass leaves the CPU free. On the CPU it is made first: h5py holds the
    GIL throughout, and the forward pass on every core waited for it (lenet on the digits,
    2 cores: the first batch 6.5 -> 14 ms, longer than making the store, 5 ms)."""
    return device.type == "cuda"


FEW_CORES = 3  # up to this many torch threads, buffered writes go in line (see write_setup)


def write_setup(direct: bool | None, device: torch.device, threaded: bool = True) -> tuple[bool, int]:
    """Whether writes run on the writer thread, and the forward pass's torch threads, given
    whether the store's file takes direct I/O (None: not known yet, the store being made later).

    Direct I/O (the store open, its file system allowing it) costs the CPU little: a writer
    thread beside a forward pass on every core. Buffered writes copy every byte on the CPU:
    on few cores they go in line, between batches, with every core for the forward pass
    (lenet on the digits, 2 cores: 87-91 ms, against 125 ms on a writer thread beside one
    torch thread, the old way, and 82-84 ms direct); on more, the writer thread gets a core.
    """
    threads = torch.get_num_threads()
    if not threaded or device.type != "cpu" or direct is None or direct:
        return threaded, threads
    if threads <= FEW_CORES:
        return False, threads
    return True, threads - 1


def _load_state(model: torch.nn.Module, state: Mapping[str, torch.Tensor], snap: SnapshotInfo) -> None:
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise SeeinError(f"the weights of snapshot {snap.index} do not fit the model: {first}") from None


def shard_range(n_images: int, shard: str | tuple[int, int] | None) -> tuple[int, int, int, int] | None:
    """Parse ``"i/n"`` (0 <= i < n) into (i, n, start, stop): the i-th of n contiguous ranges."""
    if shard is None or shard == "":
        return None
    if isinstance(shard, str):
        try:
            i, count = (int(v) for v in shard.split("/"))
            align: list[int] = []
        except ValueError:
            raise SeeinError(f"--shard takes i/n with 0 <= i < n (e.g. 0/4), got {shard!r}") from None
    else:
        i, count, *align = (int(v) for v in shard)  # (i, n[, a]): cuts at multiples of a when n*a fit
    if not (count >= 1 and 0 <= i < count):
        raise SeeinError(f"--shard takes i/n with 0 <= i < n (e.g. 0/4), got {i}/{count}")
    if count > n_images:
        raise SeeinError(f"cannot cut {n_images} images into {count} shards")
    if align and align[0] > 1 and n_images >= count * align[0]:  # whole batches: shards == one run
        cut = [0] + [round(k * n_images / count / align[0]) * align[0] for k in range(1, count)] + [n_images]
        return i, count, cut[i], cut[i + 1]
    return i, count, i * n_images // count, (i + 1) * n_images // count
