"""Forward hooks that catch the chosen layers' outputs as store-ready points.

Extraction and its benchmark share this: one forward pass per batch, every chosen
layer's output converted on the spot (in torch, which is multi-threaded and releases
the GIL) to the store's point layout and dtype, so nothing downstream copies again.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from .errors import SeeinError
from .store import LayerInfo, layer_kind

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
        self.module_types = {name: type(modules[name]).__name__ for name in self.names}
        # TorchScript modules refuse hooks: their layer outputs come from seein.nets.probe.trace
        self.script = isinstance(model, torch.jit.ScriptModule)
        self._handles = [] if self.script else [
            modules[name].register_forward_hook(self._hook(name)) for name in self.names]

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
        self.outputs[name] = as_points(output, self.dtype)

    def _forward(self, model: torch.nn.Module, batch: torch.Tensor) -> Any:
        if not self.script:
            return model(batch)
        from .nets.probe import trace

        out, calls = trace(model, batch)
        for call in calls:
            if call.name in self.names:
                self._keep(call.name, call.module, call.output)
        return out

    def __call__(self, model: torch.nn.Module, batch: torch.Tensor) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Run one batch; return ({layer: points}, logits float32 (n, outputs)) as numpy."""
        self.outputs = {}
        out = self._forward(model, batch)
        if isinstance(out, (tuple, list)):
            out = out[0]
        if not isinstance(out, torch.Tensor):
            raise SeeinError(f"the model returns {type(out).__name__}, not a tensor of outputs")
        logits = out.detach().reshape(out.shape[0], -1).float().cpu().numpy()
        missing = [name for name in self.names if name not in self.outputs]
        if missing:
            raise SeeinError(f"layer(s) {', '.join(missing)} never ran in the forward pass; "
                             "choose other layers with --layers")
        return {name: self.outputs[name].cpu().numpy() for name in self.names}, logits

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
