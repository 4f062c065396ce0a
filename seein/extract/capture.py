"""Forward hooks that catch the chosen layers' outputs as store-ready points.

Extraction and its benchmark share this: one forward pass per batch, every chosen
layer's output turned into the store's point layout and dtype in one strided pass.

On the CPU that pass is deferred to the end of the batch's forward pass: the hook keeps
a reference to the output, and :meth:`BatchBuffer.stage` casts it, with all torch threads,
into memory laid out in line with its place in the file, which the writer thread then
hands to the disk by direct I/O (:mod:`seein.store.direct`) while the next batch runs.
An output that a later module changes in place (``ReLU(inplace=True)`` after a conv) cannot wait: the capture notices from the
tensor's version counter (in a first pass outside inference mode,
:meth:`LayerCapture.calibrate`) and copies that layer in its hook from then on.

On the CPU a network with 2-D convolutions runs in channels-last layout when it can
(the calibration pass tries it and falls back on any error): oneDNN's convolutions are
cheaper that way, and a C x H x W output is then already in the store's point order,
so turning it into points is a plain float16 cast instead of a transposing copy.

The engine gives the capture a :class:`BatchBuffer`: every layer's points of one batch in
one contiguous block, reused batch after batch (no fresh allocation, so no page faults).
Points made in a hook (all of them on CUDA, the in-place-changed layers on the CPU) are
cast straight into its device block; on CUDA one non-blocking copy then brings the whole
block into pinned host memory, on the CPU the device block is the host block.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import torch

from ..core.errors import SeeinError
from ..store import LayerInfo, layer_kind
from ..store.direct import StagingArena

DTYPES = {"float16": torch.float16, "float32": torch.float32}


def as_points(output: torch.Tensor, dtype: torch.dtype, out: torch.Tensor | None = None) -> torch.Tensor:
    """One batch of a layer's output as points in ``dtype``, always a fresh tensor (or ``out``).

    (n, C, H, W) -> (n*H*W, C) (channels last, cell-major as the store lays them out);
    (n, D) -> (n, D); other ranks are flattened per image. A fresh copy matters: an
    in-place activation later in the net would otherwise change what was caught.
    ``out``, points-shaped, receives them instead of a new tensor (one pass either way).
    """
    t = output.detach()
    if out is not None and out.data_ptr() == t.data_ptr():
        return out  # already there (a hook wrote them)
    if t.dim() == 4:
        # one strided pass that transposes and converts (twice as fast as permute, then convert)
        n, c, h, w = t.shape
        if out is not None:
            if out.shape != (n * h * w, c):
                raise SeeinError(f"a layer's output {tuple(t.shape)} does not fit its points {tuple(out.shape)}")
            out.view(n, h, w, c).copy_(t.permute(0, 2, 3, 1))
            return out
        points = torch.empty((n, h, w, c), dtype=dtype, device=t.device)
        return points.copy_(t.permute(0, 2, 3, 1)).view(n * h * w, c)
    if t.dim() != 2:
        t = t.reshape(t.shape[0], -1)
    if out is not None:
        if out.shape != t.shape:
            raise SeeinError(f"a layer's output {tuple(t.shape)} does not fit its points {tuple(out.shape)}")
        return out.copy_(t)
    converted = t.to(dtype)
    if converted.data_ptr() == output.data_ptr():
        converted = converted.clone()
    return converted


def to_points(output: Any, dtype: torch.dtype) -> np.ndarray:
    """Finish an output of :class:`LayerCapture`: numpy points in ``dtype``, one pass.

    The cast runs in torch (vectorised float16 conversion, about 2.7 times NumPy's on
    one core; the GIL is released), into a fresh tensor whose memory NumPy then shares.
    """
    if isinstance(output, np.ndarray):
        return output
    return as_points(output, dtype).numpy()


class BatchBuffer:
    """Every chosen layer's points of one batch in one contiguous block, and its logits; reused.

    ``device``/``device_logits`` are what the hooks write (on CUDA a device block that the
    whole pool shares: stream order keeps one batch's copy ahead of the next one's casts);
    ``host``/``host_logits`` (pinned on CUDA) are what the writer reads, after
    :meth:`ready`. On the CPU host and device are the same memory.
    """

    def __init__(self, layers: Sequence[LayerInfo], capacity: int, dtype: torch.dtype, n_outputs: int,
                 device: torch.device, device_block: tuple[torch.Tensor, torch.Tensor] | None = None):
        self.capacity = int(capacity)
        self.dtype = dtype
        self.sizes = [(layer.name, layer.points_per_image, layer.dims) for layer in layers]
        total = self.capacity * sum(p * d for _, p, d in self.sizes)
        cuda = device.type == "cuda"
        self.host = torch.empty(total, dtype=dtype, pin_memory=cuda)
        self.host_logits = torch.empty((self.capacity, int(n_outputs)), dtype=torch.float32, pin_memory=cuda)
        if cuda or device_block is not None:  # (a CPU device block: the copying path, testable here)
            self.device, self.device_logits = device_block or self.device_block(
                layers, capacity, dtype, n_outputs, device)
        else:
            self.device, self.device_logits = self.host, self.host_logits
        self.event: Any = None
        self.n = 0
        self.outputs: dict[str, torch.Tensor] = {}
        self.staged: dict[str, list[tuple[int, np.ndarray]]] = {}  # by stage(): {layer: [(offset, bytes)]}
        self._arena: StagingArena | None = None

    @staticmethod
    def device_block(layers: Sequence[LayerInfo], capacity: int, dtype: torch.dtype, n_outputs: int,
                     device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """The device-side block (and logits) that several CUDA buffers can share."""
        total = int(capacity) * sum(layer.points_per_image * layer.dims for layer in layers)
        return (torch.empty(total, dtype=dtype, device=device),
                torch.empty((int(capacity), int(n_outputs)), dtype=torch.float32, device=device))

    def _views(self, block: torch.Tensor, n: int) -> dict[str, torch.Tensor]:
        views, offset = {}, 0
        for name, per, dims in self.sizes:
            views[name] = block[offset:offset + n * per * dims].view(n * per, dims)
            offset += self.capacity * per * dims
        return views

    def targets(self, n: int) -> dict[str, torch.Tensor]:
        """Where the hooks put the points of a batch of ``n`` images (on the model's device)."""
        return self._views(self.device, n)

    def hold(self, outputs: dict[str, torch.Tensor], logits: torch.Tensor) -> None:
        """Take one batch from :meth:`LayerCapture.forward`; on CUDA start its copy to the host."""
        n = int(logits.shape[0])
        flat = logits.detach().reshape(n, -1)
        if flat.shape[1] != self.host_logits.shape[1] or n > self.capacity:
            raise SeeinError(f"the model gave {tuple(flat.shape)} outputs for {n} images, "
                             f"not ({n}, {self.host_logits.shape[1]}) as in the first pass")
        self.n, self.outputs = n, outputs
        self.device_logits[:n].copy_(flat)
        if self.device is not self.host:
            targets = self.targets(n)
            for name, output in outputs.items():  # cast in the hooks already: no-ops but for odd models
                as_points(output, self.dtype, out=targets[name])
            used = self.capacity * sum(p * d for _, p, d in self.sizes)
            self.host[:used].copy_(self.device[:used], non_blocking=True)
            self.host_logits[:n].copy_(self.device_logits[:n], non_blocking=True)
            self.outputs = {}  # every layer is in the device block now; nothing is deferred
            if self.device.is_cuda:
                self.event = torch.cuda.Event()
                self.event.record()

    def stage(self, spans: Mapping[str, Sequence[tuple[int, int, int]] | None]) -> None:
        """Cast this batch's points into staging memory in line with where they go in the file
        (``spans`` from :meth:`seein.store.StoreWriter.spans`), ready for direct I/O.

        Runs on the caller's thread with all torch threads, right after the forward pass:
        the one pass over the points there is, with the outputs still warm in the cache.
        Layers without spans (storage HDF5 writes itself) stay for :meth:`ready`.
        """
        itemsize = torch.empty(0, dtype=self.dtype).element_size()
        sizes = {name: (per, dims) for name, per, dims in self.sizes}
        wanted = {name: list(found) for name, found in spans.items() if found is not None and name in sizes}
        if self._arena is None:
            self._arena = StagingArena()
        arena = self._arena
        arena.reset()
        arena.reserve(StagingArena.need([(off, rows * sizes[name][1] * itemsize)
                                         for name, found in wanted.items() for _, rows, off in found]))
        staged: dict[str, list[tuple[int, np.ndarray]]] = {}
        blocks = self._views(self.host, self.n)
        for name, found in wanted.items():
            per, dims = sizes[name]
            raw, block = self.outputs.pop(name, None), blocks[name]
            cast = raw is None or raw.data_ptr() == block.data_ptr()  # in a hook, into the block
            pieces = []
            for row, rows, offset in found:
                memory = arena.place(offset, rows * dims * itemsize)
                part = block[row:row + rows] if cast else raw[row // per:(row + rows) // per]
                as_points(part, self.dtype, out=torch.from_numpy(memory).view(self.dtype).view(rows, dims))
                pieces.append((offset, memory))
            staged[name] = pieces
        self.staged = staged

    def ready(self) -> tuple[dict[str, list[tuple[int, np.ndarray]]], dict[str, Any], np.ndarray]:
        """The batch for the writer: (staged pieces from :meth:`stage`, {layer: numpy points}
        for the other layers, logits). Waits for the copy to the host (CUDA); casts what was
        neither staged nor cast in a hook (off the main thread, GIL released) into the block."""
        if self.event is not None:
            self.event.synchronize()
            self.event = None
        staged, self.staged = self.staged, {}
        blocks = self._views(self.host, self.n)
        for name, output in self.outputs.items():
            as_points(output, self.dtype, out=blocks[name])
        self.outputs = {}  # the layer outputs go back to the allocator once written
        views = {name: v.numpy() for name, v in blocks.items() if name not in staged}
        return staged, views, self.host_logits[:self.n].numpy()


def wants_channels_last(model: torch.nn.Module, sample: torch.Tensor) -> bool:
    """A Python (not TorchScript) CPU network with 2-D convolutions and image batches."""
    return (sample.dim() == 4 and sample.device.type == "cpu"
            and not isinstance(model, torch.jit.ScriptModule)
            and any(isinstance(m, torch.nn.Conv2d) for m in model.modules()))


class LayerCapture:
    """Forward hooks on named sub-modules of ``model``; use as a context manager.

    A module called more than once per forward pass (a shared ReLU, say) keeps the
    output of its last call.
    """

    def __init__(self, model: torch.nn.Module, layer_names: Sequence[str], dtype: torch.dtype = torch.float16):
        modules = dict(model.named_modules())
        missing = [name for name in layer_names if name not in modules or not name]
        if missing:
            known = ", ".join(n for n in modules if n) or "none"
            raise SeeinError(f"no layer {', '.join(map(repr, missing))} in the model (layers: {known})")
        self.names = list(layer_names)
        self.dtype = dtype
        self.outputs: dict[str, torch.Tensor] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.order: list[str] = []
        # the class name (Conv2d), also for scripted modules (RecursiveScriptModule otherwise)
        self.module_types = {name: str(getattr(modules[name], "original_name", None)
                                       or type(modules[name]).__name__) for name in self.names}
        # TorchScript modules refuse hooks: their layer outputs come from seein.nets.probe.trace
        self.script = isinstance(model, torch.jit.ScriptModule)
        self._handles = [] if self.script else [
            modules[name].register_forward_hook(self._hook(name)) for name in self.names]
        self.defer = True  # convert CPU outputs later, in to_points (see the module docstring)
        self.channels_last = False  # decided by calibrate()
        self.eager: set[str] = set()  # layers changed in place later in the pass: copy at once
        self._versions: dict[str, int] = {}
        self.into: dict[str, torch.Tensor] = {}  # where hooks write their points (BatchBuffer.targets)

    def _hook(self, name: str):
        def hook(module: torch.nn.Module, inputs: Any, output: Any) -> None:
            self._keep(name, module, output)
        return hook

    def _keep(self, name: str, module: torch.nn.Module, output: Any) -> None:
        if not isinstance(output, torch.Tensor):
            raise SeeinError(f"layer {name!r} ({type(module).__name__}) returns "
                             f"{type(output).__name__}, not a tensor; choose other layers with --layers")
        self.shapes[name] = tuple(int(v) for v in output.shape[1:])
        if name not in self.order:
            self.order.append(name)
        if self.defer and name not in self.eager and output.device.type == "cpu":
            self.outputs[name] = output.detach()
            self._versions[name] = -1 if output.is_inference() else output._version
        else:
            self.outputs[name] = as_points(output, self.dtype, self.into.get(name))

    def _forward(self, model: torch.nn.Module, batch: torch.Tensor) -> Any:
        if not self.script:
            return model(batch)
        from ..nets.probe import trace

        out, calls = trace(model, batch)
        for call in calls:
            if call.name in self.names:
                self._keep(call.name, call.module, call.output)
        return out

    def forward(self, model: torch.nn.Module, batch: torch.Tensor,
                into: dict[str, torch.Tensor] | None = None) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Run one batch; return ({layer: tensor}, the model's output tensor), both still on the device.

        A layer's tensor is its points (in ``into[layer]`` when given), or, deferred, its CPU
        output still to pass through :func:`as_points`; :meth:`deferred` tells which.
        """
        self.into = into or {}
        try:
            return self._run(model, batch)
        finally:
            self.into = {}

    def _run(self, model: torch.nn.Module, batch: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        self.outputs = {}
        self._versions = {}
        if self.channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        out = self._forward(model, batch)
        changed = [name for name, version in self._versions.items()
                   if version >= 0 and self.outputs[name]._version != version]
        if changed:  # modified in place after its hook: copy those in the hook, run again
            self.eager.update(changed)
            return self._run(model, batch)
        if isinstance(out, (tuple, list)):
            out = out[0]
        if not isinstance(out, torch.Tensor):
            raise SeeinError(f"the model returns {type(out).__name__}, not a tensor of outputs")
        missing = [name for name in self.names if name not in self.outputs]
        if missing:
            raise SeeinError(f"layer(s) {', '.join(missing)} never ran in the forward pass; "
                             "choose other layers with --layers")
        return {name: self.outputs[name] for name in self.names}, out.detach()

    def deferred(self, name: str) -> bool:
        """Whether the last pass left ``name`` as a raw CPU output (not yet points)."""
        return name in self._versions

    def __call__(self, model: torch.nn.Module, batch: torch.Tensor) -> tuple[dict[str, Any], np.ndarray]:
        """Run one batch; return ({layer: output}, logits float32 (n, outputs) as numpy).

        Each output is points as numpy, or a CPU tensor still to pass through :func:`to_points`.
        """
        outputs, out = self.forward(model, batch)
        logits = out.reshape(out.shape[0], -1).float().cpu().numpy()
        return {name: t if self.deferred(name) else t.cpu().numpy() for name, t in outputs.items()}, logits

    def calibrate(self, model: torch.nn.Module, sample: torch.Tensor, channels_last: bool = True) -> None:
        """One pass outside inference mode (whose tensors keep no version counters) to find the
        layers that later modules change in place (copied in their hooks from then on), and
        to try channels-last layout (see the module docstring). Undo with :meth:`restore`."""
        if channels_last and wants_channels_last(model, sample):
            model.to(memory_format=torch.channels_last)
            self.channels_last = True
            try:
                with torch.no_grad():
                    self.forward(model, sample)
                return
            except Exception:  # a .view() that needs contiguous memory, say: run as it was
                self.restore(model)
        with torch.no_grad():
            self.forward(model, sample)

    def restore(self, model: torch.nn.Module) -> None:
        """Put the model's parameters back in their usual layout if calibrate changed it."""
        if self.channels_last:
            model.to(memory_format=torch.contiguous_format)
            self.channels_last = False

    def layer_infos(self) -> list[LayerInfo]:
        """LayerInfo of each caught layer, in forward order (after at least one call)."""
        infos = []
        for order, name in enumerate(self.order):
            shape = self.shapes[name]
            if len(shape) != 3:
                shape = (int(np.prod(shape)),)
            infos.append(LayerInfo(name, layer_kind(shape), shape, self.module_types[name], order))
        return infos

    def close(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> "LayerCapture":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
