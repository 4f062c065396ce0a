"""Forward hooks that catch the chosen layers' outputs as store-ready points.

Extraction and its benchmark share this: one forward pass per batch, every chosen
layer's output turned into the store's point layout and dtype in one strided pass.

On the CPU that pass is deferred: the hook keeps a reference to the output, and
:func:`to_points` converts it later on the writer thread (torch casts release the GIL),
overlapping the next batch's forward pass. An output that a later module changes in
place (``ReLU(inplace=True)`` after a conv) cannot wait: the capture notices from the
tensor's version counter (in a first pass outside inference mode,
:meth:`LayerCapture.calibrate`) and copies that layer in its hook from then on.

On the CPU a network with 2-D convolutions runs in channels-last layout when it can
(the calibration pass tries it and falls back on any error): oneDNN's convolutions are
cheaper that way, and a C x H x W output is then already in the store's point order,
so turning it into points is a plain float16 cast instead of a transposing copy.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from ..core.errors import SeeinError
from ..store import LayerInfo, layer_kind

DTYPES = {"float16": torch.float16, "float32": torch.float32}


def as_points(output: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """One batch of a layer's output as points in ``dtype``, always a fresh tensor.

    (n, C, H, W) -> (n*H*W, C) (channels last, cell-major as the store lays them out);
    (n, D) -> (n, D); other ranks are flattened per image. A fresh copy matters: an
    in-place activation later in the net would otherwise change what was caught.
    """
    t = output.detach()
    if t.dim() == 4:
        # one strided pass that transposes and converts (twice as fast as permute, then convert)
        n, c, h, w = t.shape
        points = torch.empty((n, h, w, c), dtype=dtype, device=t.device)
        return points.copy_(t.permute(0, 2, 3, 1)).view(n * h * w, c)
    if t.dim() != 2:
        t = t.reshape(t.shape[0], -1)
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
            self.outputs[name] = as_points(output, self.dtype)

    def _forward(self, model: torch.nn.Module, batch: torch.Tensor) -> Any:
        if not self.script:
            return model(batch)
        from ..nets.probe import trace

        out, calls = trace(model, batch)
        for call in calls:
            if call.name in self.names:
                self._keep(call.name, call.module, call.output)
        return out

    def __call__(self, model: torch.nn.Module, batch: torch.Tensor) -> tuple[dict[str, Any], np.ndarray]:
        """Run one batch; return ({layer: output}, logits float32 (n, outputs) as numpy).

        Each output is points as numpy, or a CPU tensor still to pass through :func:`to_points`.
        """
        self.outputs = {}
        self._versions = {}
        if self.channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        out = self._forward(model, batch)
        changed = [name for name, version in self._versions.items()
                   if version >= 0 and self.outputs[name]._version != version]
        if changed:  # modified in place after its hook: copy those in the hook, run again
            self.eager.update(changed)
            return self(model, batch)
        if isinstance(out, (tuple, list)):
            out = out[0]
        if not isinstance(out, torch.Tensor):
            raise SeeinError(f"the model returns {type(out).__name__}, not a tensor of outputs")
        logits = out.detach().reshape(out.shape[0], -1).float().cpu().numpy()
        missing = [name for name in self.names if name not in self.outputs]
        if missing:
            raise SeeinError(f"layer(s) {', '.join(missing)} never ran in the forward pass; "
                             "choose other layers with --layers")
        return {name: self.outputs[name] if name in self._versions else self.outputs[name].cpu().numpy()
                for name in self.names}, logits

    def calibrate(self, model: torch.nn.Module, sample: torch.Tensor, channels_last: bool = True) -> None:
        """One pass outside inference mode (whose tensors keep no version counters) to find the
        layers that later modules change in place (copied in their hooks from then on), and
        to try channels-last layout (see the module docstring). Undo with :meth:`restore`."""
        if channels_last and wants_channels_last(model, sample):
            model.to(memory_format=torch.channels_last)
            self.channels_last = True
            try:
                with torch.no_grad():
                    self(model, sample)
                return
            except Exception:  # a .view() that needs contiguous memory, say: run as it was
                self.restore(model)
        with torch.no_grad():
            self(model, sample)

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
