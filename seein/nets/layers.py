"""What layers a network has: names, module types and per-image output shapes, from one forward pass.

A layer is a named module whose output the store can hold: a C x H x W map (a
*structured* layer, H*W points per image) or a D vector (*flat*, one point).
The default layers are the leaf conv, pool, linear and activation modules,
the ones a user of Seein' In looks at; BatchNorm, Dropout and containers are
listed but not chosen by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from ..core.errors import SeeinError
from .probe import is_script, model_device, trace

_ACTIVATIONS = {
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
    "Sigmoid", "Tanh", "Softplus", "Softsign", "Hardtanh", "Hardswish", "Hardsigmoid", "LogSigmoid",
    "Tanhshrink", "Softshrink", "Hardshrink", "Threshold", "GLU", "Softmax", "LogSoftmax", "Softmax2d",
}


@dataclass(frozen=True)
class LayerSpec:
    """One layer: its module name, type name and output shape per image.

    ``calls`` counts how often the module ran in one forward pass; a module
    called more than once (a shared ReLU) is reported with its last output.
    """

    name: str
    type: str
    output_shape: tuple[int, ...]
    calls: int = 1

    @property
    def structured(self) -> bool:
        """True for C x H x W outputs (H*W points per image)."""
        return len(self.output_shape) == 3

    @property
    def points_per_image(self) -> int:
        return self.output_shape[1] * self.output_shape[2] if self.structured else 1


def _is_default_type(type_name: str, module: nn.Module) -> bool:
    if isinstance(module, (nn.modules.conv._ConvNd, nn.Linear)):
        return True
    if is_script(module) and any(True for _ in module.children()):
        return not type_name.startswith(("BatchNorm", "Dropout"))  # a container standing for its insides
    base = type_name.removeprefix("Lazy")
    return (base.startswith("Conv") or base in ("Linear", "Bilinear") or "Pool" in base
            or base in _ACTIVATIONS)


def dummy_batch(input_shape: Sequence[int], n: int = 2, device: torch.device | str = "cpu") -> torch.Tensor:
    """A batch of ``n`` blank images of shape ``input_shape`` (C, H, W)."""
    return torch.zeros((n, *[int(v) for v in input_shape]), device=device)


def run_dummy(model: nn.Module, input_shape: Sequence[int]):
    """One no-grad forward pass on blank images; a failure is a SeeinError naming the input shape."""
    from .check import describe_failure

    x = dummy_batch(input_shape, device=model_device(model))
    try:
        with torch.no_grad():
            return trace(model, x)
    except Exception as exc:
        raise SeeinError(describe_failure(model, input_shape, exc)) from None


def list_layers(model: nn.Module, input_shape: Sequence[int]) -> list[LayerSpec]:
    """Every module with a tensor output, in the order of their (last) call, with per-image shapes."""
    _, calls = run_dummy(model, input_shape)
    count: dict[str, int] = {}
    last = {}
    for c in calls:
        count[c.name] = count.get(c.name, 0) + 1
        last[c.name] = c
    order = sorted(last, key=lambda n: max(i for i, c in enumerate(calls) if c.name == n))
    return [LayerSpec(n, last[n].type, tuple(int(v) for v in last[n].output.shape[1:]), count[n])
            for n in order]


def default_layers(model: nn.Module, input_shape: Sequence[int]) -> list[str]:
    """Names of the layers extraction takes when the user does not pick: leaf conv/pool/linear/activations.

    Left out: BatchNorm, Dropout, containers, modules called more than once,
    and outputs that are neither C x H x W nor flat vectors. Should a TorchScript
    model show only its top-level calls (no module hierarchy recorded), a
    container whose insides have no outputs counts as a layer.
    """
    modules = dict(model.named_modules())
    specs = list_layers(model, input_shape)
    listed = {s.name for s in specs}
    script = is_script(model)
    names = []
    for spec in specs:
        module = modules[spec.name]
        kids = [f"{spec.name}.{n}" for n, _ in module.named_children()]
        leaf = not kids or (script and not any(k in listed for k in kids))
        if (leaf and spec.calls == 1 and len(spec.output_shape) in (1, 3)
                and _is_default_type(spec.type, module)):
            names.append(spec.name)
    return names


def resolve_layers(model: nn.Module, input_shape: Sequence[int], names: Sequence[str] | None) -> list[LayerSpec]:
    """The LayerSpecs for ``names`` (default layers when None); an unknown name is a SeeinError."""
    specs = {s.name: s for s in list_layers(model, input_shape)}
    if names is None:
        names = default_layers(model, input_shape)
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise SeeinError(f"unknown layer(s) {', '.join(unknown)} (layers: {', '.join(specs)})")
    bad = [n for n in names if len(specs[n].output_shape) not in (1, 3)]
    if bad:
        raise SeeinError(f"layer(s) {', '.join(bad)} give outputs that are neither CxHxW nor flat "
                         f"({', '.join(str(specs[n].output_shape) for n in bad)})")
    return [specs[n] for n in names]


__all__ = ["LayerSpec", "list_layers", "default_layers", "resolve_layers", "is_script", "dummy_batch"]
