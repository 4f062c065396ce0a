"""Deepling's adversarial strips: a targeted iterative attack (projected gradient steps in an L∞ ball).

For one image and a target class, ``steps`` signed-gradient steps that lower the target's
cross-entropy, each projected back into ``[x0 - eps, x0 + eps]`` and the valid pixel range
[0, 1]; every step's input is recorded, with its predicted class and target probability.
Device-agnostic torch: the input moves to the network's device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ..core.progress import ProgressCallback, report

DEFAULT_STEPS = 8
DEFAULT_EPSILON = 0.15


@dataclass
class Strip:
    """An attack's record: ``images[0]`` is the original, ``images[k]`` the input after step k."""

    images: np.ndarray            # (K+1, C, H, W) float32 in [0, 1]
    predicted: np.ndarray         # (K+1,) predicted class per recorded input
    target_prob: np.ndarray       # (K+1,) softmax probability of the target class
    target: int
    source_class: int
    epsilon: float
    step_size: float
    image: int = -1
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def reached(self) -> bool:
        """True if the last step's prediction is the target class."""
        return int(self.predicted[-1]) == self.target

    def to_json(self) -> dict[str, Any]:
        return {"image": self.image, "target": self.target, "original_class": self.source_class,
                "epsilon": self.epsilon, "step_size": self.step_size, "reached": self.reached,
                "steps": [{"step": k, "predicted": int(p), "target_probability": float(t)}
                          for k, (p, t) in enumerate(zip(self.predicted, self.target_prob))]}


def runner_up(logits: torch.Tensor) -> int:
    """The class with the second-highest score (the default target)."""
    return int(torch.topk(logits.flatten(), 2).indices[1])


def _device(net: nn.Module) -> torch.device:
    p = next(net.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def targeted_pgd(net: nn.Module, x: torch.Tensor, target: int | None = None, *,
                 steps: int = DEFAULT_STEPS, epsilon: float = DEFAULT_EPSILON,
                 step_size: float | None = None, progress: ProgressCallback | None = None) -> Strip:
    """Attack one image ``x`` (C,H,W or 1,C,H,W in [0, 1]) towards ``target`` (default: runner-up).

    The step size defaults to 2.5·eps/steps (Madry et al.), so the walk can reach the ball's
    surface and move along it. No random start: the strip begins at the original image.
    """
    device = _device(net)
    x0 = x.reshape(1, *x.shape[-3:]).to(device=device, dtype=torch.float32)
    alpha = float(step_size) if step_size is not None else 2.5 * epsilon / max(steps, 1)
    with torch.no_grad():
        logits0 = net(x0)
    n_classes = logits0.shape[1]
    tgt = runner_up(logits0) if target is None else int(target)
    if not 0 <= tgt < n_classes:
        from ..core.errors import SeeinError
        raise SeeinError(f"no class {tgt} (the network has {n_classes}: 0..{n_classes - 1})")
    lo, hi = (x0 - epsilon).clamp(min=0.0), (x0 + epsilon).clamp(max=1.0)
    label = torch.tensor([tgt], device=device)
    xs, preds, probs = [x0], [int(logits0.argmax(1))], [float(logits0.softmax(1)[0, tgt])]
    xk = x0.clone()
    for k in range(steps):
        report(progress, k, steps, "adversarial steps")
        xk.requires_grad_(True)
        loss = nn.functional.cross_entropy(net(xk), label)
        (grad,) = torch.autograd.grad(loss, xk)
        with torch.no_grad():
            xk = torch.minimum(torch.maximum(xk - alpha * grad.sign(), lo), hi).detach()
            out = net(xk)
        xs.append(xk)
        preds.append(int(out.argmax(1)))
        probs.append(float(out.softmax(1)[0, tgt]))
    report(progress, steps, steps, "adversarial steps")
    return Strip(images=torch.cat(xs).detach().cpu().numpy(), predicted=np.array(preds, dtype=np.int64),
                 target_prob=np.array(probs, dtype=np.float64), target=tgt, source_class=preds[0],
                 epsilon=float(epsilon), step_size=alpha)


def attack_store_image(store: Any, image: int, target: int | None = None, *, snapshot: int = -1,
                       steps: int = DEFAULT_STEPS, epsilon: float = DEFAULT_EPSILON,
                       model: str | None = None, ask: Any = None,
                       progress: ProgressCallback | None = None) -> Strip:
    """:func:`targeted_pgd` on the store's image ``image`` with its network at ``snapshot``."""
    from .network import store_inputs, store_network

    net = store_network(store, snapshot, model=model, ask=ask)
    strip = targeted_pgd(net, store_inputs(store, [image])[0], target, steps=steps, epsilon=epsilon,
                         progress=progress)
    strip.image = int(image)
    return strip


def strip_activations(net: nn.Module, strip: Strip, layer: str) -> np.ndarray:
    """Layer ``layer``'s output for every image of the strip, flattened per image: (K+1, features)."""
    module = dict(net.named_modules()).get(layer)
    if module is None:
        from ..core.errors import SeeinError
        raise SeeinError(f"the network has no layer {layer!r}")
    captured: list[torch.Tensor] = []
    handle = module.register_forward_hook(lambda m, a, out: captured.append(out.detach()))
    try:
        with torch.no_grad():
            net(torch.from_numpy(strip.images).to(_device(net)))
    finally:
        handle.remove()
    return captured[0].float().cpu().numpy()


__all__ = ["Strip", "targeted_pgd", "attack_store_image", "runner_up", "strip_activations",
           "DEFAULT_STEPS", "DEFAULT_EPSILON"]
