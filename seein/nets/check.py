"""Does a network fit a data set? One forward pass, and an error that names both shapes.

A mismatch in channels or image size fails inside some module; we name that
module, the shape the model would accept (found by trying nearby sizes) and the
shape the data gives. A classifier whose output count differs from the data's
classes is refused too; embedding networks (``seein_embedding``) are not.
"""

from __future__ import annotations

import time
from typing import Sequence

import torch
from torch import nn

from ..core.errors import SeeinError
from .models import is_embedding
from .probe import is_script, model_device

#: Bounds on one input image: beyond them a probe would allocate gigabytes.
MAX_CHANNELS = 64
MAX_SIDE = 8192
MAX_INPUT_VALUES = 3 * 4096 * 4096


def check_input_shape(shape: Sequence[int], what: str = "input shape") -> tuple[int, ...]:
    """A C x H x W image shape within seein's bounds, or a SeeinError that says which."""
    shape = tuple(int(v) for v in shape)
    if len(shape) == 3:
        c, h, w = shape
        if not (1 <= c <= MAX_CHANNELS and 1 <= h <= MAX_SIDE and 1 <= w <= MAX_SIDE) \
                or c * h * w > MAX_INPUT_VALUES:
            raise SeeinError(f"{what} {_fmt(shape)} is out of bounds: at most {MAX_CHANNELS} channels, "
                             f"{MAX_SIDE} pixels a side and {MAX_INPUT_VALUES:,} values per image")
    return shape


def default_input_shape(model: nn.Module) -> tuple[int, ...]:
    """The shape to probe a model with when no data set says: its declared ``input_shape``,
    else its first convolution's channels at 28x28, else a nearby size it runs on."""
    declared = tuple(int(v) for v in (getattr(model, "input_shape", None) or ()))
    if len(declared) == 3:
        return declared
    channels = _first_in_channels(model) or 1
    return guess_input_shape(model, (channels, 28, 28)) or (channels, 28, 28)


def _fmt(shape: Sequence[int]) -> str:
    return "x".join(str(int(v)) for v in shape)


def _runs(model: nn.Module, shape: Sequence[int]) -> bool:
    try:
        with torch.no_grad():
            model(torch.zeros((1, *shape), device=model_device(model)))
        return True
    except (Exception, SystemExit):
        return False


def _first_in_channels(model: nn.Module) -> int | None:
    for _, module in model.named_modules():
        channels = getattr(module, "in_channels", None)
        if isinstance(channels, int):
            return channels
    return None


def preferred_input(model: nn.Module) -> tuple[int | None, tuple[int, int] | None]:
    """(channels, (H, W)) that images should be made into for ``model``, where it says.

    From a declared ``input_shape`` (the bundled models), else channels from the first
    convolution and no size. Used for image folders, whose photos come in any size and
    colour: they are converted to what the model takes, not refused.
    """
    shape = tuple(int(v) for v in (getattr(model, "input_shape", None) or ()))
    if len(shape) == 3:
        return shape[0], (shape[1], shape[2])
    channels = _first_in_channels(model)
    return (channels if channels in (1, 3) else None), None


def guess_input_shape(model: nn.Module, given: Sequence[int], budget_s: float = 2.0) -> tuple[int, ...] | None:
    """A C x H x W input the model runs on, near ``given``: channels from its first conv, sizes tried outward."""
    if len(given) != 3:
        return None
    channels = _first_in_channels(model) or int(given[0])
    h, w = int(given[1]), int(given[2])
    if _runs(model, (channels, h, w)):
        return (channels, h, w)
    start = time.perf_counter()
    for delta in range(1, 257):
        for sign in (-1, 1):
            size = h + sign * delta
            if size >= 1 and _runs(model, (channels, size, w + sign * delta)):
                # report the smallest size of the run of sizes that work (LeNet: 28 of 28..31)
                low = size
                while low > 1 and _runs(model, (channels, low - 1, w + (low - 1 - h))):
                    low -= 1
                return (channels, low, w + (low - h))
        if time.perf_counter() - start > budget_s:
            break
    return None


def _failing_module(model: nn.Module, x: torch.Tensor) -> str | None:
    """Name of the innermost module that was running when the forward pass failed."""
    if is_script(model):
        return None
    stack: list[str] = []
    handles = []

    def leave(module: nn.Module, args: tuple, output: object) -> None:
        if stack:
            stack.pop()  # a hook that returned a value would replace the module's output

    for name, module in model.named_modules():
        if not name:
            continue
        handles.append(module.register_forward_pre_hook(lambda m, a, n=name: stack.append(n)))
        handles.append(module.register_forward_hook(leave))
    try:
        with torch.no_grad():
            model(x)
    except (Exception, SystemExit):
        return stack[-1] if stack else None
    finally:
        for h in handles:
            h.remove()
    return None


def describe_failure(model: nn.Module, input_shape: Sequence[int], exc: BaseException,
                     data_name: str | None = None) -> str:
    """One line: what input the model expects, what the data gives, and where it failed."""
    shape = tuple(int(v) for v in input_shape)
    where = _failing_module(model, torch.zeros((2, *shape), device=model_device(model)))
    if isinstance(exc, SystemExit):
        detail = f"it called sys.exit({exc.code!r})"
    else:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        detail = f"{type(exc).__name__}: {text}".rstrip(": ")
    detail = f"{where}: {detail}" if where else detail
    source = f"data set {data_name!r} gives" if data_name else "the input is"
    expected = guess_input_shape(model, shape)
    if expected is not None:
        return f"model expects {_fmt(expected)} input, {source} {_fmt(shape)} ({detail})"
    return f"model does not run on {_fmt(shape)} input ({source} {_fmt(shape)}; {detail})"


def check_fits(model: nn.Module, input_shape: Sequence[int], n_classes: int | None = None,
               data_name: str | None = None, model_path=None) -> torch.Tensor:
    """Run the model on blank images of ``input_shape``; raise SeeinError if it does not fit.

    Returns the output of that pass (batch of 2). ``n_classes`` (the data set's
    class count) is checked against a classifier's output size; embedding
    models skip that check.
    """
    shape = check_input_shape(input_shape)
    x = torch.zeros((2, *shape), device=model_device(model))
    try:
        with torch.no_grad():
            out = model(x)
    except (Exception, SystemExit) as exc:
        raise SeeinError(describe_failure(model, shape, exc, data_name), model_path) from None
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        out = out[0]
    if not isinstance(out, torch.Tensor):
        raise SeeinError(f"model returns {type(out).__name__}, not a tensor of scores or an embedding",
                         model_path)
    if out.ndim != 2:
        raise SeeinError(f"model output per image has shape {_fmt(out.shape[1:])}; "
                         "expected a vector (class scores or an embedding)")
    if n_classes is not None and not is_embedding(model) and out.shape[1] != n_classes:
        source = f"data set {data_name!r} has" if data_name else "the data has"
        raise SeeinError(f"model gives {out.shape[1]} outputs per image, {source} {n_classes} classes "
                         "(for an embedding network set seein_embedding = True on the class)")
    return out
