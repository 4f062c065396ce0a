"""Receptive fields: the input-pixel box [y0, x0, y1, x1) behind each cell of a structured layer.

Three ways, which agree where they apply (tests check it):

* **composed**: when a layer's input reaches it through a plain chain of modules
  (each module's input is exactly the previous module's output, as recorded by
  forward hooks and tensor version counters), the box is the composition of
  the kernel/stride/padding/dilation of the conv and pool modules on that
  chain (taps in the padding read nothing). Cheap and exact.
* **graph**: the same composition along the autograd graph, for residual and
  branching networks (:mod:`seein.nets.rf_graph`). Exact, one forward pass.
* **gradient support**: for anything else (operations the graph walk does not
  model) the box is the bounding box of the input pixels
  that get a nonzero gradient from the cell. The probe is a float32 copy with
  every weight positive (1/fan-in, so values stay near 1) and max pooling
  replaced by sum pooling (a thread-local torch-function mode), run on an
  input of ones, so no contribution cancels or is routed away; one backward pass
  serves a whole batch of cells (one copy of the input per cell), and only the
  middle row and column of cells (plus the corners, as a check) need probing.
"""

from __future__ import annotations

import copy
import math
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from ..core.errors import SeeinError
from .layers import _ACTIVATIONS
from .probe import Call, is_script, model_device, trace

# Modules that map each cell to the same cell (in eval mode).
_POINTWISE = _ACTIVATIONS - {"Softmax", "LogSoftmax", "Softmax2d", "GLU"} | {
    "BatchNorm2d", "Dropout", "Dropout2d", "AlphaDropout", "Identity"}
_WINDOWED = {"Conv2d", "MaxPool2d", "AvgPool2d"}
_CELLS_PER_PASS = 256


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _window(module: nn.Module) -> tuple[tuple[int, int], ...]:
    """(kernel, stride, padding, dilation) per axis of a conv or pool module."""
    k = _pair(module.kernel_size)
    s = _pair(module.stride if module.stride is not None else module.kernel_size)
    d = _pair(getattr(module, "dilation", 1))
    p = module.padding
    if p == "valid":
        p = (0, 0)
    elif p == "same":
        p = tuple(d[i] * (k[i] - 1) // 2 for i in range(2))
    p = _pair(p)
    return tuple((k[i], s[i], p[i], d[i]) for i in range(2))


def _chain(calls: list[Call], x: torch.Tensor, index: int) -> list[Call] | None:
    """The modules from the input to call ``index``, if they form a plain recorded chain."""
    producer: dict[tuple[int, int], int] = {}
    for j, c in enumerate(calls[:index + 1]):
        c.producer = producer.get((id(c.input), c.input_version)) if c.input is not None else None
        if not any(True for _ in c.module.children()):  # a container passes on its last child's output
            producer[(id(c.tensor), c.output_version)] = j
    chain, j = [], index
    while True:
        c = calls[j]
        if c.type not in _POINTWISE and c.type not in _WINDOWED:
            return None
        chain.append(c)
        if c.input is x and c.input_version == x._version:
            return chain
        if c.producer is None:
            return None
        j = c.producer


def _taps(k: int, s: int, p: int, d: int, in_size: int, out_size: int) -> np.ndarray:
    """Boolean (out_size, in_size): which input positions each output position reads on one axis."""
    m = np.zeros((out_size, in_size), dtype=bool)
    pos = np.arange(out_size)[:, None] * s - p + d * np.arange(k)[None, :]
    rows = np.broadcast_to(np.arange(out_size)[:, None], pos.shape)
    valid = (pos >= 0) & (pos < in_size)  # taps in the padding read nothing
    m[rows[valid], pos[valid]] = True
    return m


def _compose(chain: list[Call], hw: tuple[int, int], input_hw: tuple[int, int]) -> np.ndarray:
    """Boxes for every cell of the last call's output, composing the chain's windows back to the input.

    Per axis, the positions a cell depends on are a product of 0/1 "reads" matrices,
    one per windowed module; the box spans the first to the last of them. Exact also
    where dilation and padding leave gaps (a bounding box of end points would not be).
    """
    bounds = []
    for axis in range(2):
        reach = np.eye(hw[axis], dtype=bool)
        for c in chain:
            if c.type in _WINDOWED:
                k, s, p, d = _window(c.module)[axis]
                taps = _taps(k, s, p, d, int(c.input.shape[2 + axis]), int(c.output.shape[2 + axis]))
                reach = (reach.astype(np.int64) @ taps.astype(np.int64)) > 0
        any_ = reach.any(1)
        lo = np.where(any_, reach.argmax(1), 0)
        hi = np.where(any_, reach.shape[1] - reach[:, ::-1].argmax(1), input_hw[axis])
        bounds.append((lo, hi))
    (y0, y1), (x0, x1) = bounds
    out = np.empty((hw[0], hw[1], 4), dtype=np.int32)
    out[..., 0], out[..., 2] = y0[:, None], y1[:, None]
    out[..., 1], out[..., 3] = x0[None, :], x1[None, :]
    return out


def _sum_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
    """Max pooling's window, but every pixel in it gets gradient (depthwise conv with ones)."""
    k, s, p, d = (_pair(kernel_size), _pair(stride or kernel_size), _pair(padding), _pair(dilation))
    extra = []
    for i in range(2):
        size = x.shape[-2 + i] + 2 * p[i] - d[i] * (k[i] - 1) - 1
        n = (math.ceil(size / s[i]) if ceil_mode else size // s[i]) + 1
        if ceil_mode and (n - 1) * s[i] >= x.shape[-2 + i] + p[i]:
            n -= 1
        extra.append(max(0, (n - 1) * s[i] - size))
    x = F.pad(x, (p[1], p[1] + extra[1], p[0], p[0] + extra[0]))
    c = x.shape[1]
    out = F.conv2d(x, x.new_ones((c, 1, *k)), stride=s, dilation=d, groups=c)
    return (out, torch.zeros_like(out, dtype=torch.long)) if return_indices else out


class _SumPooling(TorchFunctionMode):
    """Within the block, in this thread only, max pooling (module, functional or torch.*) is sum pooling.

    A torch-function mode is thread-local, so other threads (an extraction
    running beside the app) keep their real max pooling.
    """

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in ("max_pool2d", "max_pool2d_with_indices"):
            if name == "max_pool2d_with_indices":
                kwargs["return_indices"] = True
            return _sum_pool2d(*args, **kwargs)
        if name in ("adaptive_max_pool2d", "adaptive_max_pool2d_with_indices"):
            out = F.adaptive_avg_pool2d(args[0], args[1] if len(args) > 1 else kwargs["output_size"])
            return (out, torch.zeros_like(out, dtype=torch.long)) if name.endswith("indices") else out
        return func(*args, **kwargs)


def _positive_copy(model: nn.Module) -> nn.Module:
    probe = copy.deepcopy(model).eval()
    if any(p.dtype != torch.float32 for p in probe.parameters()):
        probe = probe.float()
    with torch.no_grad():
        for p in probe.parameters():
            p.fill_(1.0 / max(1, p.numel() // p.shape[0]) if p.ndim >= 2 else 1.0)
        for name, b in probe.named_buffers():
            if name.endswith("running_mean"):
                b.zero_()
            elif name.endswith("running_var"):
                b.fill_(1.0)
    return probe


class _Reached(Exception):
    """Raised by a hook to stop the forward pass once the wanted layer has run."""


def _layer_output(model: nn.Module, x: torch.Tensor, name: str) -> torch.Tensor:
    """The output of layer ``name`` (its last call), running no further than needed when possible."""
    if is_script(model):
        _, calls = trace(model, x, sum_pool=True)
        return [c.output for c in calls if c.name == name][-1]
    module = dict(model.named_modules())[name]
    seen: list[torch.Tensor] = []

    def hook(m: nn.Module, args: tuple, output: torch.Tensor) -> None:
        seen.append(output)
        if m._seein_calls_left == 1:
            raise _Reached
        m._seein_calls_left -= 1

    module._seein_calls_left = sum(1 for c in trace(model, x[:1].detach())[1] if c.name == name)
    handle = module.register_forward_hook(hook)
    try:
        model(x)
    except _Reached:
        pass
    finally:
        del module._seein_calls_left
        handle.remove()
    return seen[-1]


def _support_boxes(probe: nn.Module, input_shape: Sequence[int], name: str, w: int,
                   cells: np.ndarray) -> np.ndarray:
    """Bounding boxes (n, 4) of the input pixels with nonzero gradient from each flat cell index."""
    boxes = np.empty((len(cells), 4), dtype=np.int32)
    for start in range(0, len(cells), _CELLS_PER_PASS):
        chunk = cells[start:start + _CELLS_PER_PASS]
        x = torch.ones((len(chunk), *input_shape), device=model_device(probe), requires_grad=True)
        with torch.enable_grad(), _SumPooling():
            y = _layer_output(probe, x, name)
            grad_out = torch.zeros_like(y)
            ys, xs = np.divmod(chunk, w)
            grad_out[np.arange(len(chunk)), :, ys, xs] = 1.0  # one cell per copy, all channels
            (g,) = torch.autograd.grad(y, x, grad_out)
        support = (g != 0).any(1).cpu()  # (n, H, W)
        rows, cols = support.any(2).numpy(), support.any(1).numpy()
        for i in range(len(chunk)):
            r, c = np.flatnonzero(rows[i]), np.flatnonzero(cols[i])
            if len(r) == 0:  # no path from the input: say the whole image
                boxes[start + i] = (0, 0, input_shape[1], input_shape[2])
            else:
                boxes[start + i] = (r[0], c[0], r[-1] + 1, c[-1] + 1)
    return boxes


def _gradient_boxes(probe: nn.Module, input_shape: Sequence[int], name: str,
                    hw: tuple[int, int]) -> np.ndarray:
    """Boxes of every cell from gradient supports.

    Conv, pool and pointwise modules (and sums of their paths) act on rows and
    columns separately, so a cell's row extent depends on its row only: the
    middle column's cells give every row extent and the middle row's cells every
    column extent (H + W probes instead of H * W). The four corner cells are
    probed too; if any disagrees with that prediction, every cell is probed.
    """
    h, w = hw
    column = np.arange(h) * w + w // 2
    row = (h // 2) * w + np.arange(w)
    corners = np.array([0, w - 1, (h - 1) * w, h * w - 1])
    boxes = _support_boxes(probe, input_shape, name, w, np.concatenate([column, row, corners]))
    out = np.empty((h, w, 4), dtype=np.int32)
    out[..., 0], out[..., 2] = boxes[:h, 0][:, None], boxes[:h, 2][:, None]
    out[..., 1], out[..., 3] = boxes[h:h + w, 1][None, :], boxes[h:h + w, 3][None, :]
    predicted = out.reshape(-1, 4)[corners]
    if not np.array_equal(predicted, boxes[h + w:]):
        out = _support_boxes(probe, input_shape, name, w, np.arange(h * w)).reshape(h, w, 4)
    return out


def _graph_outputs(model: nn.Module, shape: tuple[int, ...]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One grad-enabled forward pass (batch of 1) whose autograd graph the graph walk reads."""
    x = torch.zeros((1, *shape), device=model_device(model), requires_grad=True)
    with torch.enable_grad():
        _, calls = trace(model, x)
    return x, {c.name: c.output for c in calls}


def receptive_fields(model: nn.Module, input_shape: Sequence[int], layer_names: Sequence[str],
                     method: str = "auto") -> dict[str, np.ndarray]:
    """Boxes int32 (H, W, 4) = [y0, x0, y1, x1) in input pixels for each structured layer named.

    ``method``: "auto" composes along a plain chain of modules where there is
    one (Python modules), else along the autograd graph (residual adds,
    concatenations; TorchScript too), else uses the gradient support.
    "composed", "graph" or "gradient" force one; the first two raise SeeinError
    where they do not apply. Flat layers are left out.
    """
    from .rf_graph import graph_boxes

    if method not in ("auto", "composed", "graph", "gradient"):
        raise SeeinError(f"unknown receptive-field method {method!r} (auto, composed, graph, gradient)")
    shape = tuple(int(v) for v in input_shape)
    x = torch.zeros((1, *shape), device=model_device(model))
    with torch.no_grad():
        _, calls = trace(model, x)
    last = {c.name: i for i, c in enumerate(calls)}
    unknown = [n for n in layer_names if n not in last]
    if unknown:
        raise SeeinError(f"no layer output for {', '.join(unknown)} (layers: {', '.join(last)})")
    result: dict[str, np.ndarray] = {}
    probe = graph = None
    for name in layer_names:
        out = calls[last[name]].output
        if out.ndim != 4:
            continue
        hw = (int(out.shape[2]), int(out.shape[3]))
        if method in ("auto", "composed") and not is_script(model):
            chain = _chain(calls, x, last[name])
            if chain is not None:
                result[name] = _compose(chain, hw, shape[1:])
                continue
            if method == "composed":
                raise SeeinError(f"layer {name!r} is not on a plain chain of conv/pool modules; "
                                 "use the graph or gradient method")
        if method in ("auto", "graph"):
            graph = graph if graph is not None else _graph_outputs(model, shape)
            boxes = graph_boxes(graph[1][name], graph[0])
            if boxes is not None:
                result[name] = boxes
                continue
            if method == "graph":
                raise SeeinError(f"layer {name!r}: its autograd graph holds operations other than "
                                 "conv, pool and elementwise ones; use the gradient method")
        probe = probe if probe is not None else _positive_copy(model)
        result[name] = _gradient_boxes(probe, shape, name, hw)
    return result
