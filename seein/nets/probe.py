"""Run a network once and see every layer's output: forward hooks, or graph outputs for TorchScript.

Python modules are watched with forward hooks on every sub-module. TorchScript
modules refuse hooks, so their forward graph is copied, inlined, and the output
of every module (named by the module hierarchy TorchScript records on each
node) is added to the returned tuple.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Callable, Iterable

import torch
from torch import nn

from ..core.errors import SeeinError


@dataclass
class Call:
    """One call of one module during a forward pass."""

    name: str
    type: str
    module: nn.Module
    output: torch.Tensor  # a copy taken when the module returned (later in-place ops leave it alone)
    input: torch.Tensor | None = None  # first positional input (hooks only)
    input_version: int = -1  # the input's in-place version counter when the module saw it
    output_version: int = -1
    tensor: torch.Tensor | None = None  # the output object itself (hooks only), to follow a chain


def is_script(model: nn.Module) -> bool:
    """True for TorchScript modules (no Python hooks; layers come from the graph)."""
    return isinstance(model, torch.jit.ScriptModule)


def model_device(model: nn.Module) -> torch.device:
    """Where the model's parameters live (CPU for a model without any), so probes run beside them."""
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def module_type(module: nn.Module) -> str:
    """The module's class name (``Conv2d``), also for scripted modules."""
    return str(getattr(module, "original_name", None) or type(module).__name__)


def _submodules(model: nn.Module) -> Iterable[tuple[str, nn.Module]]:
    """Every named module but the model itself: leaves and containers (a residual block's output)."""
    for name, module in model.named_modules():
        if name:
            yield name, module


def _trace_hooks(model: nn.Module, x: torch.Tensor) -> tuple[object, list[Call]]:
    calls: list[Call] = []

    def make_hook(name: str) -> Callable:
        def hook(module: nn.Module, args: tuple, output: object) -> None:
            if not isinstance(output, torch.Tensor):
                return
            inp = args[0] if args and isinstance(args[0], torch.Tensor) else None
            calls.append(Call(name, module_type(module), module, output.clone(), inp,
                              inp._version if inp is not None else -1, output._version, output))
        return hook

    handles = [m.register_forward_hook(make_hook(n)) for n, m in _submodules(model)]
    try:
        out = model(x)
    finally:
        for h in handles:
            h.remove()
    return out, calls


def _swap_max_pools(graph: torch._C.Graph) -> None:
    """Inline every call and replace max pooling by average pooling (every window pixel gets gradient)."""
    torch._C._jit_pass_inline(graph)  # a no-op if already inlined
    for node in list(graph.nodes()):
        if node.kind() != "aten::max_pool2d":
            continue
        x, kernel, stride, padding, _dilation, ceil_mode = list(node.inputs())
        with graph.insert_point_guard(node):
            include_pad, no_divisor = graph.insertConstant(True), graph.insertConstant(None)
        avg = graph.create("aten::avg_pool2d", [x, kernel, stride, padding, ceil_mode, include_pad, no_divisor])
        avg.insertBefore(node)
        avg.output().setType(node.output().type())
        node.output().replaceAllUsesWith(avg.output())
        node.destroy()


_HIERARCHY_ITEM = re.compile(r"([^.()]+)\(([^()]*)\)")
_NOT_LAYERS = {"prim::Constant", "prim::GetAttr", "prim::ListConstruct", "prim::TupleConstruct"}


def _module_path(node) -> list[str]:
    """``seq(Sequential).1(B).c(Conv2d).SELF(Conv2d)`` -> ["seq", "1", "c"]."""
    return [name for name, _ in _HIERARCHY_ITEM.findall(node.getModuleHierarchy())
            if name not in ("SELF", "UNKNOWN_INSTANCE")]


def _outputs_by_hierarchy(graph: torch._C.Graph) -> tuple[list, list[str]]:
    """Inline every call, then take each module's output: the last tensor its scope computes."""
    torch._C._jit_pass_inline(graph)
    found: dict[str, object] = {}
    for node in graph.nodes():
        if node.kind() in _NOT_LAYERS or node.outputsSize() != 1:
            continue
        if node.output().type().kind() != "TensorType":
            continue
        path = _module_path(node)
        for i in range(1, len(path) + 1):
            name = ".".join(path[:i])
            found.pop(name, None)  # re-insert: dict order becomes the order of last computation
            found[name] = node.output()
    return list(found.values()), list(found)


def _outputs_by_calls(graph: torch._C.Graph) -> tuple[list, list[str]]:
    """The outputs of the sub-module calls the top-level forward makes (no inlining)."""
    self_value = next(iter(graph.inputs()))
    names: dict[object, str] = {self_value: ""}
    extra, extra_names = [], []
    for node in graph.nodes():
        if node.kind() == "prim::GetAttr":
            owner = node.input()
            if owner in names:
                prefix = names[owner]
                names[node.output()] = f"{prefix}.{node.s('name')}" if prefix else node.s("name")
        elif node.kind() == "prim::CallMethod" and node.s("name") == "forward":
            target = next(iter(node.inputs()))
            out = node.output() if node.outputsSize() == 1 else None
            if target in names and names[target] and out is not None and out.type().kind() == "TensorType":
                extra.append(out)
                extra_names.append(names[target])
    return extra, extra_names


def _clone_after(graph: torch._C.Graph, value):
    """A copy of ``value`` taken right where it is computed."""
    node = value.node()
    with graph.insert_point_guard(node):
        no_format = graph.insertConstant(None)
    clone = graph.create("aten::clone", [value, no_format])
    clone.insertAfter(node)
    clone.output().setType(value.type())
    return clone.output()


def _script_probe(model: torch.jit.ScriptModule, sum_pool: bool = False) -> tuple[Callable, list[str]]:
    """A function returning (outputs..., sub-module outputs...) and those sub-modules' names.

    The forward graph is inlined and every node's module hierarchy (kept by
    TorchScript for debugging) names the module it belongs to, so nested
    modules have outputs too; if that metadata is missing, only the modules the
    top-level forward calls are seen. ``sum_pool`` also swaps max pooling for
    average pooling (for gradient probes).
    """
    graph = model.forward.graph.copy()
    try:
        extra, extra_names = _outputs_by_hierarchy(graph)
    except (RuntimeError, AttributeError):
        extra, extra_names = [], []
    if not extra:
        graph = model.forward.graph.copy()
        extra, extra_names = _outputs_by_calls(graph)
    extra = [_clone_after(graph, v) for v in extra]  # keep each value as computed, before any in-place op
    ret = graph.return_node()
    outputs = list(ret.inputs())
    values = outputs + extra
    tup = graph.create("prim::TupleConstruct", values)
    tup.insertBefore(ret)
    tup.output().setType(torch._C.TupleType([v.type() for v in values]))
    ret.removeAllInputs()
    ret.addInput(tup.output())
    if sum_pool:
        _swap_max_pools(graph)  # after picking outputs: replaced nodes keep feeding them
    fn = torch._C._create_function_from_graph("seein_probe", graph)
    n_out = len(outputs)

    def run(x: torch.Tensor) -> tuple[object, list[torch.Tensor]]:
        result = fn(model._c, x)
        out = result[0] if n_out == 1 else tuple(result[:n_out])
        return out, list(result[n_out:])

    return run, extra_names


_PROBES: "weakref.WeakKeyDictionary[nn.Module, dict]" = weakref.WeakKeyDictionary()


def _cached_probe(model: torch.jit.ScriptModule, sum_pool: bool) -> tuple[Callable, list[str]]:
    """The graph probe of a scripted model, built once per model (extraction calls it per batch)."""
    probes = _PROBES.setdefault(model, {})
    if sum_pool not in probes:
        probes[sum_pool] = _script_probe(model, sum_pool)
    return probes[sum_pool]


def trace(model: nn.Module, x: torch.Tensor, sum_pool: bool = False) -> tuple[object, list[Call]]:
    """Run ``model(x)`` once; return its output and every module call with its output tensor.

    ``sum_pool`` (TorchScript only) runs a copy of the graph whose max pooling is
    average pooling; Python modules get that from a patched ``F.max_pool2d``.
    """
    if not is_script(model):
        return _trace_hooks(model, x)
    try:
        run, names = _cached_probe(model, sum_pool)
    except Exception:  # an unusual graph: fall back to a plain call with no layers
        return model(x), []
    out, tensors = run(x)
    modules = dict(model.named_modules())
    return out, [Call(n, module_type(modules[n]), modules[n], t) for n, t in zip(names, tensors)
                 if n in modules]


def capture(model: nn.Module, x: torch.Tensor, names: Iterable[str]) -> tuple[object, dict[str, torch.Tensor]]:
    """Run ``model(x)``; return its output and the outputs of the named layers (last call wins).

    Works for Python and TorchScript modules alike. An unknown name is a SeeinError.
    """
    wanted = list(names)
    out, calls = trace(model, x)
    got = {c.name: c.output for c in calls if c.name in wanted}
    missing = [n for n in wanted if n not in got]
    if missing:
        known = ", ".join(dict.fromkeys(c.name for c in calls)) or "none"
        raise SeeinError(f"no layer output for {', '.join(missing)} (layers with outputs: {known})")
    return out, got
