"""The extraction benchmark behind ``seein bench extract`` (no CLI, usable from Python).

The bare forward pass is the model as loaded, run batch by batch under inference mode
with torch's default threads: what a user's own loop costs. Extraction runs the network
channels-last on the CPU when it can (see :mod:`seein.extract.capture`), with the torch
threads :func:`seein.extract.engine.write_setup` gives it (all of them when the folder
takes direct I/O); so a bare pass set up the same way is timed too
(``forward_same_setup``), and ``ratios`` holds both quotients, the second being what
hooks, conversion and writing alone cost. The headline ``extract_vs_forward`` divides by
the faster of the two bare passes (``extract_vs_forward_default`` by the first).

``write_vs_disk`` sets extraction's write rate (store bytes over its wall time) against the
disk's own sequential write rate, measured in the same run on the same folder: a file of
the store's size written in 8 MB blocks and fsynced. Near 1, writing is what limits
extraction there, and no change to the forward pass or the hooks would make it faster.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from ..extract.engine import ExtractionPlan, default_device, probe_layers, run_plan, write_setup
from ..store import SnapshotInfo
from ..store.direct import takes_direct_io


def _plan(model: str, dataset: str, split: str, limit: int | None,
          layers: Sequence[str] | None) -> ExtractionPlan:
    from ..data import load_dataset
    from ..nets.layers import resolve_layers
    from ..nets.loading import build_model

    net = build_model(model)  # initial weights: speed does not depend on them
    from ..nets.check import preferred_input

    channels, size = preferred_input(net)
    data = load_dataset(dataset, split=split, limit=limit, size=size, channels=channels)
    input_shape = data.images.shape[1:]
    names = [s.name for s in resolve_layers(net, input_shape, list(layers) if layers else None)]
    infos, n_outputs = probe_layers(net, names, data.images)
    return ExtractionPlan(model=net, snapshots=[(SnapshotInfo(0), None)], images=data.images,
                          labels=data.labels, image_ids=data.image_ids, class_names=data.class_names,
                          layers=infos, n_outputs=n_outputs, display_images=data.display_images(),
                          dataset_spec=data.spec, model_spec=model, source={"model": model})


def _bare_model(model: torch.nn.Module, images: torch.Tensor, device: torch.device) -> tuple[torch.nn.Module, bool]:
    """A copy of ``model`` in the layout extraction would use, and whether that is channels-last."""
    import copy

    from ..extract.capture import wants_channels_last

    bare = copy.deepcopy(model).to(device).eval()
    sample = images[:2].to(device)
    if wants_channels_last(bare, sample):
        bare.to(memory_format=torch.channels_last)
        try:
            with torch.inference_mode():
                bare(sample.contiguous(memory_format=torch.channels_last))
            return bare, True
        except Exception:
            bare.to(memory_format=torch.contiguous_format)
    return bare, False


def _forward(model: torch.nn.Module, images: torch.Tensor, batch_size: int,
             device: torch.device, channels_last: bool = False) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    with torch.inference_mode():
        for first in range(0, len(images), batch_size):
            out = model(images[first:first + batch_size].to(device).contiguous(memory_format=fmt))
        if device.type == "cuda":
            torch.cuda.synchronize()
    del out
    return time.perf_counter() - t0, time.process_time() - c0


def _extract(plan: ExtractionPlan, folder: Path, batch_size: int, dtype: str,
             threaded: bool) -> tuple[float, float, int]:
    path = folder / "bench.h5"
    c0, t0 = time.process_time(), time.perf_counter()
    run_plan(plan, path, force=True, batch_size=batch_size, dtype=dtype, threaded_writes=threaded)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    size = path.stat().st_size
    path.unlink()
    return elapsed, cpu, size


DISK_BLOCK = 8 << 20  # the disk probe's write size


def _disk_write(folder: Path, size: int) -> float:
    """Seconds to write ``size`` bytes sequentially into a new file in ``folder`` and fsync it."""
    block = np.random.default_rng(0).integers(0, 256, min(DISK_BLOCK, max(1, size)), np.uint8).data
    path = folder / "disk-probe.bin"
    t0 = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        left = size
        while left > 0:
            left -= os.write(fd, block[:min(left, len(block))])
        os.fsync(fd)
    finally:
        os.close(fd)
    elapsed = time.perf_counter() - t0
    path.unlink()
    return elapsed


def bench_extract(model: str = "lenet", dataset: str = "digits", split: str = "all",
                  limit: int | None = None, layers: Sequence[str] | None = None, batch_size: int = 256,
                  dtype: str = "float16", repeats: int = 5, sync_writes: bool = False) -> dict[str, Any]:
    """Time extraction and a bare forward pass, interleaved; return the figures and their ratio."""
    repeats = max(3, int(repeats))
    plan = _plan(model, dataset, split, limit, layers)
    device = default_device()
    net = plan.model.to(device).eval()
    images = torch.from_numpy(np.ascontiguousarray(plan.images))
    n = len(images)
    bare, channels_last = _bare_model(net, images, device)
    threads = torch.get_num_threads()
    times: dict[str, list[float]] = {"forward": [], "extract": [], "forward_same_setup": []}
    if sync_writes:
        times["extract_sync_writes"] = []
    cpu: dict[str, list[float]] = {k: [] for k in times}
    size = 0
    with tempfile.TemporaryDirectory(prefix="seein-bench-") as tmp:
        folder = Path(tmp)
        direct = takes_direct_io(folder)
        threaded, same_threads = write_setup(direct, device)
        _forward(bare, images, batch_size, device, channels_last)  # warm-up: allocator, kernels
        size = _extract(plan, folder, batch_size, dtype, True)[2]
        _disk_write(folder, size)
        disk: list[float] = []
        for _ in range(repeats):
            elapsed, used = _forward(net, images, batch_size, device)
            times["forward"].append(elapsed)
            cpu["forward"].append(used)
            torch.set_num_threads(same_threads)
            try:
                elapsed, used = _forward(bare, images, batch_size, device, channels_last)
            finally:
                torch.set_num_threads(threads)
            times["forward_same_setup"].append(elapsed)
            cpu["forward_same_setup"].append(used)
            elapsed, used, size = _extract(plan, folder, batch_size, dtype, True)
            times["extract"].append(elapsed)
            cpu["extract"].append(used)
            disk.append(_disk_write(folder, size))
            if sync_writes:
                elapsed, used, _ = _extract(plan, folder, batch_size, dtype, False)
                times["extract_sync_writes"].append(elapsed)
                cpu["extract_sync_writes"].append(used)
    results = {}
    for name, values in times.items():
        median = statistics.median(values)
        results[name] = {"seconds_median": median, "seconds": values, "images_per_s": n / median,
                         "cpu_seconds_median": statistics.median(cpu[name])}
    results["extract"].update(bytes=size, mb_per_s=size / 1e6 / statistics.median(times["extract"]))
    results["disk_write"] = {"seconds_median": statistics.median(disk), "seconds": disk, "bytes": size,
                             "mb_per_s": size / 1e6 / statistics.median(disk)}
    return {
        "benchmark": "extract",
        "config": {"model": model, "dataset": plan.dataset_spec, "split": split, "images": n,
                   "layers": [layer.name for layer in plan.layers], "batch_size": batch_size, "dtype": dtype,
                   "repeats": repeats, "device": str(device), "threads": torch.get_num_threads(),
                   "channels_last": channels_last, "extract_torch_threads": same_threads,
                   "direct_io": direct, "writes": "writer thread" if threaded else "in line"},
        "results": results,
        "ratios": {
            # the headline: against the faster of the two bare passes, so no setup flatters it
            "extract_vs_forward": results["extract"]["images_per_s"]
            / max(results["forward"]["images_per_s"], results["forward_same_setup"]["images_per_s"]),
            "extract_vs_forward_default": results["extract"]["images_per_s"]
            / results["forward"]["images_per_s"],
            # the same in CPU seconds (all threads): steadier than wall time on a busy machine
            "extract_vs_forward_cpu": results["forward"]["cpu_seconds_median"]
            / results["extract"]["cpu_seconds_median"],
            "extract_vs_forward_same_setup": results["extract"]["images_per_s"]
            / results["forward_same_setup"]["images_per_s"],
            # extraction's write rate over the disk's: near 1, writing is the limit
            "write_vs_disk": results["extract"]["mb_per_s"] / results["disk_write"]["mb_per_s"],
        },
    }
