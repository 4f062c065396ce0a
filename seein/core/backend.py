"""Where arrays live: the one decision between the CUDA path and the CPU path.

:func:`get_backend` decides once per process (the answer is cached):

- ``SEEIN_DEVICE=cpu`` forces the CPU; ``SEEIN_DEVICE=cuda`` demands a GPU and is a
  clear :class:`~seein.core.errors.SeeinError` when torch sees none.
- otherwise CUDA when ``torch.cuda.is_available()``, else the CPU.

On CUDA, CuPy (the ``xp`` array module) and cuML (t-SNE, k-means) are used when they
import; on the CPU, ``xp`` is NumPy and the libraries are openTSNE and scikit-learn.
Compute code is written once against device-agnostic torch (``backend.device``) or
against ``backend.xp``; :meth:`Backend.to_xp` and :meth:`Backend.to_torch` move an
array between torch and ``xp`` through DLPack (zero-copy, no host round trip).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

import numpy as np

from .errors import SeeinError

DEVICE_ENV = "SEEIN_DEVICE"
THREADS_ENV = "SEEIN_THREADS"
CHOICES = ("cpu", "cuda")


@dataclass(frozen=True)
class Backend:
    """The chosen device and the libraries available on it.

    Attributes
    ----------
    name : str
        ``"cuda"`` or ``"cpu"``.
    device : torch.device
        Where torch tensors of compute code are allocated.
    xp : module
        ``cupy`` on CUDA (when importable), else ``numpy``.
    has_cupy, has_cuml : bool
        Whether CuPy / cuML are importable *and* used (only on CUDA).
    versions : dict
        Library versions found, for ``seein backend`` and bug reports.
    reason : str
        Why this device was chosen (the override, or what torch reported).
    """

    name: str
    device: Any
    xp: ModuleType
    has_cupy: bool = False
    has_cuml: bool = False
    versions: dict = field(default_factory=dict)
    reason: str = ""
    gpu_name: str = ""
    threads: int = 1
    installed: dict = field(default_factory=dict)  # optional GPU libraries found (used or not)

    @property
    def is_cuda(self) -> bool:
        return self.name == "cuda"

    def describe(self) -> str:
        """A few lines saying what is available and what is used (``seein backend``)."""
        lines = [f"device: {self.name}" + (f" ({self.gpu_name})" if self.gpu_name else "")
                 + f"  [{self.reason}]",
                 f"arrays: {self.xp.__name__}; CPU threads: {self.threads}"]
        tsne = "cuML (2-D), openTSNE (3-D)" if self.has_cuml else "openTSNE"
        kmeans = "cuML" if self.has_cuml else f"torch on {self.name}"
        lines.append(f"t-SNE: {tsne}; PCA, PivotMDS: torch on {self.name}; k-means: {kmeans}")
        found = ", ".join(f"{k} {v}" for k, v in sorted(self.versions.items()))
        lines.append(f"libraries: {found}")
        if self.installed:
            gpu = ", ".join(f"{k} {'installed' if ok else 'not installed'}"
                            + (" (used)" if getattr(self, f"has_{k}", False) else
                               " (not used on the CPU)" if ok and not self.is_cuda else "")
                            for k, ok in sorted(self.installed.items()))
            lines.append(f"GPU libraries: {gpu}")
        return "\n".join(lines)

    # -- moving arrays ----------------------------------------------------------
    def tensor(self, array: Any, dtype: Any = None) -> Any:
        """Any array (NumPy, CuPy, torch) as a torch tensor on this backend's device."""
        import torch

        if isinstance(array, torch.Tensor):
            t = array
        elif isinstance(array, np.ndarray):
            t = torch.from_numpy(np.ascontiguousarray(array))
        else:  # CuPy and other DLPack producers stay on their device
            t = torch.from_dlpack(array)
        return t.to(device=self.device, dtype=dtype)

    def to_xp(self, tensor: Any) -> Any:
        """A torch tensor as an ``xp`` array (CuPy via DLPack on CUDA, NumPy on the CPU)."""
        if self.xp is np:
            return tensor.detach().cpu().numpy()
        return self.xp.from_dlpack(tensor.detach())  # CUDA only: zero-copy, stays on the GPU

    def to_torch(self, array: Any) -> Any:
        """An ``xp`` (or NumPy) array as a torch tensor, zero-copy where the device matches."""
        import torch

        if isinstance(array, np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(array)).to(self.device)
        return torch.from_dlpack(array)

    @staticmethod
    def to_numpy(array: Any) -> np.ndarray:
        """Any array (torch, CuPy, NumPy) copied to host memory as NumPy."""
        if isinstance(array, np.ndarray):
            return array
        if hasattr(array, "detach"):
            return array.detach().cpu().numpy()
        if hasattr(array, "get"):  # CuPy
            return array.get()
        return np.asarray(array)


def _version(module: str) -> str | None:
    try:
        mod = importlib.import_module(module)
    except Exception:  # noqa: BLE001 - a broken optional install counts as absent
        return None
    return str(getattr(mod, "__version__", "?"))


def _installed(module: str) -> bool:
    """Whether ``module`` could be imported, found without importing it (CuPy's import is slow)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a module already imported without a spec
        return module in sys.modules


def decide(requested: str | None, cuda_available: bool) -> tuple[str, str]:
    """The device name and the reason, from the override (or None) and what torch reports.

    Pure, so the rule is testable without a GPU.
    """
    req = (requested or "").strip().lower()
    if req and req not in CHOICES:
        raise SeeinError(f"{DEVICE_ENV}={requested!r} is not one of: {', '.join(CHOICES)}")
    if req == "cuda":
        if not cuda_available:
            raise SeeinError(f"{DEVICE_ENV}=cuda but torch sees no CUDA GPU "
                             f"(unset {DEVICE_ENV} or set it to cpu)")
        return "cuda", f"{DEVICE_ENV}=cuda"
    if req == "cpu":
        return "cpu", f"{DEVICE_ENV}=cpu"
    if cuda_available:
        return "cuda", "torch sees a CUDA GPU"
    return "cpu", "no CUDA GPU visible to torch"


def build_backend(requested: str | None = None,
                  cuda_available: Callable[[], bool] | None = None) -> Backend:
    """Build a fresh :class:`Backend` (not cached); see :func:`get_backend`."""
    import torch

    available = (cuda_available or torch.cuda.is_available)()
    name, reason = decide(requested, available)
    versions = {"torch": torch.__version__, "numpy": np.__version__}
    for mod in ("openTSNE", "sklearn", "cupy", "cuml"):
        v = _version(mod) if (name == "cuda" or mod in ("openTSNE", "sklearn")) else None
        if v:
            versions[mod] = v
    xp: ModuleType = np
    has_cupy = has_cuml = False
    gpu_name = ""
    if name == "cuda":  # the CUDA-only lines: libraries that exist only there
        has_cupy = "cupy" in versions
        has_cuml = "cuml" in versions
        if has_cupy:
            xp = importlib.import_module("cupy")
        try:
            gpu_name = torch.cuda.get_device_name(0)
        except Exception:  # noqa: BLE001 - a name is cosmetic
            gpu_name = ""
    installed = {mod: _installed(mod) for mod in ("cupy", "cuml")}
    return Backend(name=name, device=torch.device(name), xp=xp, has_cupy=has_cupy,
                   has_cuml=has_cuml, versions=versions, reason=reason, gpu_name=gpu_name,
                   threads=_threads(os.environ.get(THREADS_ENV)), installed=installed)


def _threads(requested: str | None) -> int:
    """CPU threads for torch and openTSNE: ``SEEIN_THREADS`` when set (and applied to torch and,
    through threadpoolctl, to the BLAS/OpenMP pools: a t-SNE's PCA start depends on them).

    Unset, torch's own default stands. On a machine shared with other busy processes,
    fewer threads than cores is much faster: OpenMP threads spin-wait for each other.
    """
    import torch

    if not requested:
        return int(torch.get_num_threads())
    try:
        n = int(requested)
    except ValueError:
        n = 0
    if n < 1:
        raise SeeinError(f"{THREADS_ENV}={requested!r} is not a positive number of threads")
    _apply_threads(n)
    return n


def _apply_threads(n: int) -> None:
    """``n`` threads for torch and for the BLAS/OpenMP pools (threadpoolctl)."""
    import torch
    from threadpoolctl import threadpool_limits

    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    threadpool_limits(n)


def env_threads() -> int:
    """Apply ``SEEIN_THREADS`` when set (torch, BLAS/OpenMP pools) without building the whole
    backend, as ``seein extract`` does: a matmul's last bits depend on the thread count."""
    return _threads(os.environ.get(THREADS_ENV))


@functools.lru_cache(maxsize=1)
def get_backend() -> Backend:
    """The process's backend, decided once from ``SEEIN_DEVICE`` and torch (cached).

    ``SEEIN_THREADS=N`` also sets the CPU threads of torch and openTSNE.

    ``get_backend.cache_clear()`` forgets the decision (tests, or after changing the
    environment variable).
    """
    return build_backend(os.environ.get(DEVICE_ENV))


def limit_threads(n: int) -> int:
    """Use ``n`` CPU threads in this process from now on: torch, the BLAS and OpenMP pools
    (threadpoolctl) and openTSNE (``SEEIN_THREADS``); a Dask worker's share of its machine,
    so that workers side by side do not oversubscribe its cores. Returns ``n``."""
    n = max(1, int(n))
    os.environ[THREADS_ENV] = str(n)
    _apply_threads(n)
    if get_backend.cache_info().currsize and get_backend().threads != n:
        get_backend.cache_clear()  # the next get_backend() reads SEEIN_THREADS again
    return n
