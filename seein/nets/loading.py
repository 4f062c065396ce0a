"""Turn a ``--model`` spec (and ``--weights``) into a ready ``nn.Module`` in eval mode.

Specs: a bundled name (``lenet``, ``siamese-lenet``), a Python file and class
(``path/to/file.py:ClassName``, instantiated with no arguments), or a TorchScript
file (``model.pt``). Weights load with ``torch.load(weights_only=True)`` so a
weights file can never run code; ``trust_weights=True`` is the explicit opt-in
for full pickles. Every failure is a one-line :class:`~seein.core.errors.SeeinError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import pickle
import sys
import warnings
from pathlib import Path
from typing import Any, Iterator, Mapping

import torch
from torch import nn

from ..core.errors import SeeinError
from .models import BUNDLED, build_bundled

#: Said when a model file from outside the bundled set is loaded (and in the help and README).
TRUST_NOTE = "model files are programs: only use ones you trust"

#: What user code may raise; SystemExit too (a model file calling sys.exit must not end seein silently).
USER_CODE_ERRORS = (Exception, SystemExit)


def spec_file(spec: str | None) -> Path | None:
    """The file of a ``--model`` spec (``net.py`` of ``net.py:Net``, ``model.pt``); None if bundled."""
    if not spec or spec in BUNDLED:
        return None
    file_spec = _split_file_spec(spec)
    return file_spec[0] if file_spec is not None else Path(spec)


def _warn_untrusted(path: Path) -> None:
    warnings.warn(f"{path}: {TRUST_NOTE}", UserWarning, stacklevel=3)


def _split_file_spec(spec: str) -> tuple[Path, str] | None:
    """``file.py:Class`` -> (path, class name); None for any other spec."""
    path, sep, cls = spec.rpartition(":")
    if sep and path.endswith(".py") and cls:
        return Path(path), cls
    return None


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


@contextlib.contextmanager
def _folder_on_path(folder: Path) -> Iterator[None]:
    """The model file's folder first on ``sys.path`` while it imports (as when Python runs
    it as a script), so ``from blocks import Block`` finds the user's ``blocks.py``; then
    last, so imports made later (inside ``forward``) still work but shadow nothing."""
    entry = str(folder)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        sys.path.remove(entry)
        if entry not in sys.path:
            sys.path.append(entry)


def _import_class(path: Path, class_name: str) -> type:
    """Import ``path`` as a fresh module and return its ``class_name``."""
    if not path.is_file():
        raise SeeinError("no such model file", path)
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    module_name = f"seein_user_model_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SeeinError("cannot import this file as Python", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look modules up by name
    try:
        with _folder_on_path(path.resolve().parent):
            spec.loader.exec_module(module)
    except USER_CODE_ERRORS as exc:  # any error in user code is the user's file's problem
        sys.modules.pop(module_name, None)
        raise SeeinError(f"the model file failed to import ({_one_line(exc)})", path) from None
    cls = getattr(module, class_name, None)
    if cls is None:
        known = sorted(n for n, v in vars(module).items()
                       if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == module_name)
        raise SeeinError(f"no class {class_name!r} in the file (nn.Module classes there: "
                         f"{', '.join(known) or 'none'})", path)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise SeeinError(f"{class_name!r} is not a torch.nn.Module class", path)
    return cls


def _instantiate(path: Path, cls: type, seed: int) -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        try:
            return cls()
        except USER_CODE_ERRORS as exc:
            raise SeeinError(f"{cls.__name__}() failed ({_one_line(exc)}); the class must be "
                             "constructible with no arguments", path) from None


def _is_exported_program(path: Path) -> bool:
    """A ``torch.export.save`` archive (``.pt2``): a zip holding an exported program."""
    import zipfile

    if path.suffix == ".pt2":
        return True
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n == "archive_format" or n.endswith("/archive_format") for n in zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


class ExportedModel(nn.Module):
    """A ``torch.export`` program as a module: its graph module inside, already in inference
    form (an exported module refuses ``train()``/``eval()``, so the wrapper's are no-ops)."""

    def __init__(self, graph: nn.Module):
        super().__init__()
        self.graph = graph

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.graph(x)

    def train(self, mode: bool = True) -> "ExportedModel":
        return self


def _load_exported(path: Path) -> nn.Module:
    """An exported program as a module (``torch.export.load(...).module()``)."""
    try:
        program = torch.export.load(str(path))
        module = program.module()
    except USER_CODE_ERRORS as exc:
        raise SeeinError(f"not a torch.export program ({_one_line(exc)})", path) from None
    return ExportedModel(module)


def _load_torchscript(path: Path) -> nn.Module:
    if not path.is_file():
        raise SeeinError("no such model file (expected a bundled name "
                         f"({', '.join(BUNDLED)}), file.py:ClassName, a TorchScript file or a "
                         "torch.export .pt2 file)", path)
    if _is_exported_program(path):
        return _load_exported(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch 2.x deprecates TorchScript
            return torch.jit.load(str(path), map_location="cpu")
    except USER_CODE_ERRORS as exc:
        raise SeeinError(f"not a TorchScript model ({_one_line(exc)}); for a state dict, give the "
                         "model as file.py:ClassName and this file as --weights", path) from None


def build_model(spec: str, seed: int = 0) -> nn.Module:
    """The network named by ``spec`` with its initial (untrained) weights, in eval mode.

    Bundled and Python-file models are initialised under ``seed``; a TorchScript
    file comes with its own weights.
    """
    if spec in BUNDLED:
        return build_bundled(spec, seed)
    file_spec = _split_file_spec(spec)
    if file_spec is not None:
        path, class_name = file_spec
        if path.is_file():
            _warn_untrusted(path)
        return _instantiate(path, _import_class(path, class_name), seed).eval()
    if Path(spec).is_file():
        _warn_untrusted(Path(spec))
    return _load_torchscript(Path(spec)).eval()


def canonical_spec(spec: str) -> str:
    """The spec with file paths made absolute, so a run file works from any folder."""
    if spec in BUNDLED:
        return spec
    file_spec = _split_file_spec(spec)
    if file_spec is not None:
        return f"{file_spec[0].resolve()}:{file_spec[1]}"
    return str(Path(spec).resolve())


def read_weights(path: str | os.PathLike, *, trust_weights: bool = False) -> dict[str, torch.Tensor]:
    """A state dict from a weights file (a state dict, a checkpoint holding one, or a run file).

    A run file gives its last snapshot's weights. Without ``trust_weights`` the
    file is read with ``weights_only=True``, so a pickle that would run code is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise SeeinError("no such weights file", path)
    try:
        with warnings.catch_warnings():
            # torch warns about pickle protocols it did not write; our error says what matters
            warnings.simplefilter("ignore", UserWarning)
            obj = torch.load(path, map_location="cpu", weights_only=not trust_weights)
    except pickle.UnpicklingError as exc:
        if trust_weights:
            raise SeeinError(f"not a readable weights file ({_one_line(exc)})", path) from None
        raise SeeinError(_refusal(exc, path), path) from None
    except Exception as exc:
        raise SeeinError(f"not a readable weights file ({_one_line(exc)})", path) from None
    return _state_dict_of(obj, path)


def _weights_only_reason(exc: BaseException) -> str:
    """The line of torch's weights_only error that says what it refused (its advice to
    retry with ``weights_only=False`` is exactly what we must not print)."""
    boilerplate = ("Weights only load failed", "Please file an issue", "Check the documentation")
    for line in str(exc).splitlines():
        line = line.replace("WeightsUnpickler error:", "").strip()
        if line and not line.startswith(boilerplate):
            return line.rstrip(".")
    return type(exc).__name__


def _refusal(exc: BaseException, path: Path) -> str:
    """One line for a file that ``torch.load(weights_only=True)`` would not read."""
    reason = _weights_only_reason(exc)
    with open(path, "rb") as fh:
        head = fh.read(2)
    if head != b"PK" and not head.startswith(b"\x80"):  # neither torch.save's zip nor a pickle
        return f"not a readable weights file ({reason}); expected a state dict saved with torch.save"
    return (f"refused: the file holds Python objects beyond tensors ({reason}; a full pickle can "
            "run code); save a state_dict, or pass --trust-weights if you trust this file")


def _state_dict_of(obj: Any, path: Path) -> dict[str, torch.Tensor]:
    if isinstance(obj, nn.Module):
        return obj.state_dict()
    if isinstance(obj, Mapping):
        if obj.get("format") == "seein-run":
            snaps = obj.get("snapshots") or []
            if not snaps:
                raise SeeinError("the run file holds no snapshots", path)
            return dict(snaps[-1]["state_dict"])
        for key in ("state_dict", "model_state_dict", "model"):
            inner = obj.get(key)
            if isinstance(inner, Mapping) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
                return dict(inner)
        if obj and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()):
            return dict(obj)
    raise SeeinError(f"not a state dict (found {type(obj).__name__}); save model.state_dict()", path)


def apply_weights(model: nn.Module, state: Mapping[str, torch.Tensor], source: str | os.PathLike) -> None:
    """Load ``state`` into ``model``; a mismatch names the missing/unexpected keys or the first bad shape."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]

    def names(keys: list[str]) -> str:
        return ", ".join(keys[:5]) + (f" (+{len(keys) - 5} more)" if len(keys) > 5 else "")

    problems = []
    if missing:
        problems.append(f"missing keys: {names(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {names(unexpected)}")
    if problems:
        raise SeeinError("weights do not match the model; " + "; ".join(problems), source)
    for key, value in own.items():
        if isinstance(state[key], torch.Tensor) and state[key].is_complex() and not value.is_complex():
            raise SeeinError(f"weights do not match the model: {key} holds complex numbers, the "
                             "model real ones (refused rather than dropping the imaginary part)", source)
        if tuple(state[key].shape) != tuple(value.shape):
            raise SeeinError(f"weights do not match the model: {key} has shape "
                             f"{tuple(state[key].shape)} in the file, the model expects {tuple(value.shape)}",
                             source)
    with torch.no_grad():
        model.load_state_dict(dict(state), strict=True)


def load_model(spec: str, weights: str | os.PathLike | None = None, *,
               trust_weights: bool = False) -> nn.Module:
    """The network for ``spec`` with ``weights`` applied, in eval mode on the CPU.

    With no weights, a bundled or Python-file model keeps its constructor's
    initialisation and a TorchScript file its own weights. Loading never trains:
    the demo's trained weights come from :func:`seein.demo.runs.demo_model`.
    """
    model = build_model(spec)
    if weights is not None:
        apply_weights(model, read_weights(weights, trust_weights=trust_weights), weights)
    return model.eval()
