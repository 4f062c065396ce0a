"""Receptive fields composed along the autograd graph: exact and fast for residual and branching nets.

A plain chain of modules composes directly (see :mod:`seein.nets.receptive`).
A residual network does not form a chain, but its autograd graph from a layer's
output back to the input is a DAG of a few kinds of operations, each of which
says exactly which input positions it reads: convolutions and pools (a window
with kernel, stride, padding and dilation, all saved on the graph node) and
elementwise or channel-wise operations (add, ReLU, BatchNorm, channel
concatenation...: the same cell). Walking that DAG from the layer to the input,
per axis, with 0/1 "reads" matrices (combined by OR where branches meet) gives
every cell's box in one forward pass; adaptive pooling and spatial means are
windows too, and so are padding and spatial slicing (a shift). Any other
operation (attention, reshapes, upsampling, TorchScript's fused nodes) makes the walk give up,
and the caller falls back to the gradient support.
"""

from __future__ import annotations

import numpy as np
import torch

_ELEMENTWISE = {
    "AddBackward0", "AddBackward1", "SubBackward0", "SubBackward1", "MulBackward0", "MulBackward1",
    "DivBackward0", "DivBackward1", "NegBackward0", "ReluBackward0", "ThresholdBackward0",
    "LeakyReluBackward0", "LeakyReluBackward1", "HardtanhBackward0", "HardtanhBackward1",
    "SigmoidBackward0", "TanhBackward0", "GeluBackward0", "SiluBackward0", "MishBackward0",
    "EluBackward0", "EluBackward1", "SoftplusBackward0", "HardswishBackward0", "HardsigmoidBackward0",
    "NativeBatchNormBackward0", "CudnnBatchNormBackward0", "MiopenBatchNormBackward0",
    "ClampBackward0", "ClampBackward1", "ClampMinBackward0", "ClampMaxBackward0",
    "PreluKernelBackward0", "CloneBackward0", "AliasBackward0", "ExpBackward0", "PowBackward0",
    "PowBackward1", "SqrtBackward0", "AbsBackward0", "ToCopyBackward0",
}
_CHANNEL_DIM = {"SliceBackward0", "CatBackward0", "NarrowBackward0", "SplitBackward0",
                "SplitWithSizesBackward0", "UnsafeSplitBackward0"}
_WINDOW = {"ConvolutionBackward0", "MaxPool2DWithIndicesBackward0", "AvgPool2DBackward0",
           "AdaptiveAvgPool2DBackward0", "AdaptiveMaxPool2DBackward0", "MeanBackward1",
           "ConstantPadNdBackward0", "SliceBackward0"}
_ADAPTIVE = {"AdaptiveAvgPool2DBackward0", "AdaptiveMaxPool2DBackward0", "MeanBackward1"}
_SHIFT = {"ConstantPadNdBackward0", "SliceBackward0"}


def _postorder(root) -> tuple[list, dict]:
    """Nodes of the autograd DAG under ``root``, children before parents, and each node's children."""
    order, children, seen = [], {}, set()
    stack = [(root, False)]
    while stack:
        fn, done = stack.pop()
        if done:
            order.append(fn)
            continue
        if fn in seen:
            continue
        seen.add(fn)
        kids = [f for f, _ in fn.next_functions if f is not None]
        children[fn] = kids
        stack.append((fn, True))
        stack.extend((k, False) for k in kids if k not in seen)
    return order, children


def _window_taps(fn, axis: int, out_size: int) -> tuple[np.ndarray, int] | None:
    """(reads matrix (out_size, in_size), in_size) of a conv or pool node on one axis, or None."""
    name = type(fn).__name__
    if name == "ConvolutionBackward0":
        if fn._saved_transposed:
            return None
        k = int(fn._saved_weight.shape[2 + axis])
        in_size = int(fn._saved_input.shape[2 + axis])
        ceil = False
    else:
        k = int(fn._saved_kernel_size[axis])
        in_size = int(fn._saved_self.shape[2 + axis])
        ceil = bool(fn._saved_ceil_mode)
    stride = list(fn._saved_stride) or list(getattr(fn, "_saved_kernel_size", [k, k]))
    s, p = int(stride[axis]), int(fn._saved_padding[axis])
    d = int(fn._saved_dilation[axis]) if hasattr(fn, "_saved_dilation") else 1
    span = in_size + 2 * p - d * (k - 1) - 1
    n = (-(-span // s) if ceil else span // s) + 1
    if ceil and (n - 1) * s >= in_size + p:
        n -= 1
    if n != out_size:  # a broadcast or an operation we do not model: give up
        return None
    pos = np.arange(out_size)[:, None] * s - p + d * np.arange(k)[None, :]
    rows = np.broadcast_to(np.arange(out_size)[:, None], pos.shape)
    valid = (pos >= 0) & (pos < in_size)  # taps in the padding read nothing
    taps = np.zeros((out_size, in_size), dtype=bool)
    taps[rows[valid], pos[valid]] = True
    return taps, in_size


def _adaptive_taps(fn, axis: int, out_size: int) -> tuple[np.ndarray, int] | None:
    """Reads of adaptive pooling and spatial means: cell i reads [floor(i*n/m), ceil((i+1)*n/m))."""
    name = type(fn).__name__
    if name == "MeanBackward1":
        dims = {int(v) % 4 for v in fn._saved_dim}
        if dims != {2, 3} or not fn._saved_keepdim or out_size != 1:
            return None
        in_size = int(fn._saved_self_sym_sizes[2 + axis])
    else:
        in_size = int(fn._saved_self.shape[2 + axis])
    i = np.arange(out_size)
    lo, hi = (i * in_size) // out_size, -((-(i + 1) * in_size) // out_size)
    pos = np.arange(in_size)[None, :]
    return (pos >= lo[:, None]) & (pos < hi[:, None]), in_size


def _shift_taps(fn, axis: int, out_size: int) -> tuple[np.ndarray, int] | None:
    """Reads of padding and slicing: output position o reads input position start + o * step."""
    name = type(fn).__name__
    if name == "ConstantPadNdBackward0":
        pad = [int(v) for v in fn._saved_pad] + [0] * 4
        before, after = pad[2 * (1 - axis)], pad[2 * (1 - axis) + 1]
        start, step, in_size = -before, 1, out_size - before - after
    else:  # a slice along this axis (a slice along channels is channel-wise and never gets here)
        in_size = int(fn._saved_self_sym_sizes[2 + axis])
        if int(fn._saved_dim) % 4 != 2 + axis:
            return np.eye(out_size, dtype=bool) if out_size == in_size else None, in_size
        step = int(fn._saved_step)
        start = int(fn._saved_start or 0)
        start = max(0, min(in_size, start + in_size if start < 0 else start))
    pos = start + step * np.arange(out_size)
    taps = np.zeros((out_size, in_size), dtype=bool)
    valid = (pos >= 0) & (pos < in_size)
    taps[np.flatnonzero(valid), pos[valid]] = True
    return taps, in_size


def graph_boxes(y: torch.Tensor, x: torch.Tensor) -> np.ndarray | None:
    """Boxes int32 (H, W, 4) of every cell of ``y`` (N, C, H, W) in ``x`` (1, C, H, W), or None.

    ``y`` must come from ``x`` (with ``x.requires_grad``) through autograd.
    None means the graph holds an operation this walk does not model.
    """
    root = y.grad_fn
    if root is None or y.ndim != 4 or x.ndim != 4:
        return None
    order, children = _postorder(root)
    leads = set()  # nodes with a path down to x
    for fn in order:
        if getattr(fn, "variable", None) is x or any(k in leads for k in children[fn]):
            leads.add(fn)
    if root not in leads:
        return None
    h, w = int(y.shape[2]), int(y.shape[3])
    reach: dict = {root: (np.eye(h, dtype=bool), np.eye(w, dtype=bool))}
    at_input = None

    def add(node, r) -> bool:
        if node not in reach:
            reach[node] = r
            return True
        old = reach[node]
        if old[0].shape != r[0].shape or old[1].shape != r[1].shape:
            return False
        reach[node] = (old[0] | r[0], old[1] | r[1])
        return True

    for fn in reversed(order):  # parents before children
        if fn not in leads or fn not in reach:
            continue
        r = reach.pop(fn)
        name = type(fn).__name__
        kids = [k for k in children[fn] if k in leads]
        if getattr(fn, "variable", None) is x:
            at_input = r if at_input is None else (at_input[0] | r[0], at_input[1] | r[1])
        elif name in _CHANNEL_DIM and int(getattr(fn, "_saved_dim", 0)) % 4 == 1:
            for k in kids:
                if not add(k, r):
                    return None
        elif name in _WINDOW:
            data = fn.next_functions[0][0]
            if kids != [data]:
                return None  # weights computed from the input: not a fixed window
            new = []
            for axis in range(2):
                taps_of = (_adaptive_taps if name in _ADAPTIVE else _shift_taps if name in _SHIFT
                           else _window_taps)
                found = taps_of(fn, axis, r[axis].shape[1])
                if found is None:
                    return None
                new.append((r[axis].astype(np.int32) @ found[0].astype(np.int32)) > 0)
            if not add(data, tuple(new)):
                return None
        elif name in _ELEMENTWISE:
            for k in kids:
                if not add(k, r):
                    return None
        else:
            return None
    if at_input is None or at_input[0].shape[1] != x.shape[2] or at_input[1].shape[1] != x.shape[3]:
        return None
    out = np.empty((h, w, 4), dtype=np.int32)
    for axis, (lo_i, hi_i) in enumerate(((0, 2), (1, 3))):
        m = at_input[axis]
        size = m.shape[1]
        some = m.any(1)
        lo = np.where(some, m.argmax(1), 0)
        hi = np.where(some, size - m[:, ::-1].argmax(1), size)
        if axis == 0:
            out[..., lo_i], out[..., hi_i] = lo[:, None], hi[:, None]
        else:
            out[..., lo_i], out[..., hi_i] = lo[None, :], hi[None, :]
    return out
