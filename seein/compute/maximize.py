"""Projection back to input space: activation maximisation of one unit, and of a selection's pattern.

Gradient ascent on an input image from noise, the image kept in [0, 1] through a sigmoid
parameterisation, with the standard regularisers (Olah et al., "Feature Visualization"):
random jitter (the image rolled by a few pixels each step), L2 decay towards grey, total
variation, and an optional blur every few steps. A conv channel is maximised at the centre
cell of its map, a flat layer's unit directly. Device-agnostic torch; progress and cancel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn

from ..core.errors import SeeinError
from ..core.progress import ProgressCallback, report

DEFAULT_STEPS = 256


@dataclass(frozen=True)
class Regularisers:
    """Weights of the regularisers and the jitter/blur settings."""

    jitter: int = 2          # max roll in pixels per step
    l2: float = 1e-3         # weight of the mean squared distance from grey
    tv: float = 1e-2         # weight of the total variation
    blur_every: int = 0      # blur the image every this many steps (0: never)
    lr: float = 0.05


@dataclass
class Maximised:
    """A synthesized input and the activation it reaches."""

    image: np.ndarray        # (C, H, W) float32 in [0, 1]
    activation: float        # the unit's activation on ``image`` (max over cells for a conv channel)
    history: np.ndarray      # objective per step


def _device(net: nn.Module) -> torch.device:
    p = next(net.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def layer_output(net: nn.Module, layer: str, x: torch.Tensor) -> torch.Tensor:
    """The output of module ``layer`` for input ``x`` (with grad if ``x`` has it)."""
    module = dict(net.named_modules()).get(layer)
    if module is None or layer == "":
        raise SeeinError(f"the network has no layer {layer!r}")
    out: list[torch.Tensor] = []
    handle = module.register_forward_hook(lambda m, a, o: out.append(o))
    try:
        net(x)
    finally:
        handle.remove()
    return out[0]


def unit_value(out: torch.Tensor, unit: int, *, centre: bool) -> torch.Tensor:
    """Per image: unit ``unit`` of a layer output, at the centre cell (``centre``) or its max over cells."""
    if out.dim() == 2:
        return out[:, unit]
    channel = out[:, unit]
    if centre:
        return channel[:, channel.shape[1] // 2, channel.shape[2] // 2]
    return channel.flatten(1).amax(1)


def _tv(x: torch.Tensor) -> torch.Tensor:
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., :, 1:] - x[..., :, :-1]).abs().mean()


def _blur(x: torch.Tensor) -> torch.Tensor:
    k = torch.tensor([1.0, 2.0, 1.0], device=x.device)
    k = (k[:, None] * k[None, :] / 16).expand(x.shape[1], 1, 3, 3)
    return nn.functional.conv2d(nn.functional.pad(x, (1, 1, 1, 1), mode="replicate"), k, groups=x.shape[1])


def ascend(net: nn.Module, objective, input_shape: Sequence[int], *, steps: int = DEFAULT_STEPS,
           reg: Regularisers = Regularisers(), seed: int = 0,
           progress: ProgressCallback | None = None) -> tuple[torch.Tensor, np.ndarray]:
    """Gradient ascent of ``objective(image batch) -> scalar`` from noise; the final image and history."""
    device = _device(net)
    gen = torch.Generator().manual_seed(seed)
    param = (0.1 * torch.randn(1, *input_shape, generator=gen)).to(device).requires_grad_(True)
    opt = torch.optim.Adam([param], lr=reg.lr)
    history = np.zeros(steps)
    for k in range(steps):
        if k % 8 == 0:
            report(progress, k, steps, "maximising")
        img = torch.sigmoid(param)
        if reg.jitter:
            dy, dx = (int(v) for v in torch.randint(-reg.jitter, reg.jitter + 1, (2,), generator=gen))
            img = torch.roll(img, shifts=(dy, dx), dims=(2, 3))
        value = objective(img)
        loss = -value + reg.l2 * ((img - 0.5) ** 2).mean() + reg.tv * _tv(img)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history[k] = float(value.detach())
        if reg.blur_every and (k + 1) % reg.blur_every == 0 and k + 1 < steps:
            with torch.no_grad():
                param.copy_(torch.logit(_blur(torch.sigmoid(param)).clamp(1e-4, 1 - 1e-4)))
    report(progress, steps, steps, "maximising")
    return torch.sigmoid(param).detach(), history


def maximise_unit(net: nn.Module, layer: str, unit: int, input_shape: Sequence[int], *,
                  steps: int = DEFAULT_STEPS, reg: Regularisers = Regularisers(), seed: int = 0,
                  progress: ProgressCallback | None = None) -> Maximised:
    """The input that maximises unit ``unit`` of ``layer`` (a conv channel at its centre cell)."""
    with torch.no_grad():
        probe = layer_output(net, layer, torch.zeros(1, *input_shape, device=_device(net)))
    units = probe.shape[1]
    if not 0 <= unit < units:
        raise SeeinError(f"layer {layer!r} has no unit {unit} (it has {units}: 0..{units - 1})")

    def objective(img: torch.Tensor) -> torch.Tensor:
        return unit_value(layer_output(net, layer, img), unit, centre=True).mean()

    image, history = ascend(net, objective, input_shape, steps=steps, reg=reg, seed=seed, progress=progress)
    with torch.no_grad():
        reached = float(unit_value(layer_output(net, layer, image), unit, centre=False)[0])
    return Maximised(image=image[0].cpu().numpy(), activation=reached, history=history)


def maximise_pattern(net: nn.Module, layer: str, pattern: np.ndarray, input_shape: Sequence[int], *,
                     steps: int = DEFAULT_STEPS, reg: Regularisers = Regularisers(), seed: int = 0,
                     progress: ProgressCallback | None = None) -> Maximised:
    """The input whose ``layer`` output points most along ``pattern`` (a selection's mean output,
    flattened); ``activation`` is the cosine similarity reached."""
    target = torch.as_tensor(np.asarray(pattern, dtype=np.float32).ravel(), device=_device(net))

    def cosine(img: torch.Tensor) -> torch.Tensor:
        out = layer_output(net, layer, img).flatten(1)
        if out.shape[1] != target.numel():
            raise SeeinError(f"the pattern has {target.numel()} values; layer {layer!r} gives {out.shape[1]}")
        return nn.functional.cosine_similarity(out, target[None], dim=1).mean()

    image, history = ascend(net, cosine, input_shape, steps=steps, reg=reg, seed=seed, progress=progress)
    with torch.no_grad():
        reached = float(cosine(image))
    return Maximised(image=image[0].cpu().numpy(), activation=reached, history=history)




def unit_weights(net: nn.Module, layer: str, unit: int) -> np.ndarray | None:
    """The weights into unit ``unit`` of ``layer`` (a conv filter (C, kh, kw), a linear row (D,)),
    or None for a layer with no weights of its own (pooling, activations)."""
    module = dict(net.named_modules()).get(layer)
    weight = getattr(module, "weight", None)
    if not isinstance(weight, torch.Tensor) or weight.dim() < 2 or not 0 <= unit < weight.shape[0]:
        return None
    return weight[unit].detach().float().cpu().numpy()


__all__ = ["Regularisers", "Maximised", "layer_output", "unit_value", "ascend", "maximise_unit",
           "maximise_pattern", "unit_weights", "DEFAULT_STEPS"]
