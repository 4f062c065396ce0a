"""Unpickling that cannot run code: only plain containers, strings, numbers and numpy arrays.

A pickle names the callables it wants called (``os.system`` is as easy to name as
``numpy.ndarray``), so ``pickle.load`` on a downloaded file runs whatever the file says.
:class:`RestrictedUnpickler` resolves a global only if it is on a short allow-list of
what numpy arrays and Python 2/3 byte strings need; anything else stops the load with a
SeeinError naming the file and the refused global, before it is ever called.
"""

from __future__ import annotations

import io
import os
import pickle
from typing import Any

from ..core.errors import SeeinError


def _latin1_encode(text: str, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """Stand-in for ``_codecs.encode`` as protocol-2 pickles of bytes use it (latin1 only)."""
    if not isinstance(text, str) or encoding.replace("-", "").lower() not in ("latin1", "utf8"):
        raise pickle.UnpicklingError(f"_codecs.encode called with {type(text).__name__}, {encoding!r}")
    return text.encode(encoding, errors)


class _NdarrayType:
    """What a pickle gets for ``numpy.ndarray``: usable only as _reconstruct's first argument.

    Real array pickles never call ``numpy.ndarray`` themselves; letting a pickle call it
    would let the file ask for an array of any size (a memory bomb), so we hand out this
    token and swap the real type in inside :func:`_reconstruct`.
    """

    def __repr__(self) -> str:
        return "numpy.ndarray"


_NDARRAY = _NdarrayType()


def _size_free(kind: type) -> Any:
    """``kind`` (bytes or bytearray) as a pickle may call it: from content, never from a size."""
    def make(*args: Any) -> Any:
        if args and isinstance(args[0], int):
            raise pickle.UnpicklingError(f"{kind.__name__}(<size>) is not allowed")
        return kind(*args)
    return make


def _allowed() -> dict[tuple[str, str], Any]:
    """The globals a pickle of dicts/lists/str/bytes/ints and numpy arrays may reference."""
    import numpy as np

    multiarray_reconstruct = np.ndarray.__reduce__(np.zeros(1))[0]   # numpy's own _reconstruct
    scalar = np.int64(0).__reduce__()[0]
    try:
        from numpy._core.numeric import _frombuffer  # numpy >= 2 (protocol-5 arrays)
    except ImportError:                                   # pragma: no cover - numpy 1.x
        from numpy.core.numeric import _frombuffer

    def _reconstruct(subtype: Any, shape: Any, dtype_code: Any) -> np.ndarray:
        # numpy pickles an array as _reconstruct(ndarray, (0,), b"b") then fills it from the
        # file's bytes with __setstate__, so the size is bounded by the file; refuse the rest.
        if subtype is not _NDARRAY:
            raise pickle.UnpicklingError(f"_reconstruct of {subtype!r} is not allowed")
        if not isinstance(shape, tuple) or len(shape) != 1 or shape[0] not in (0, 1):
            raise pickle.UnpicklingError(f"_reconstruct with shape {shape!r} is not allowed")
        return multiarray_reconstruct(np.ndarray, shape, dtype_code)

    allowed: dict[tuple[str, str], Any] = {
        ("numpy", "ndarray"): _NDARRAY,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): _latin1_encode,
    }
    # Python 2 names its builtins module __builtin__ (our find_class replaces the one that
    # would translate it), and protocol 0-2 pickles of b"" call bytes().
    for module in ("builtins", "__builtin__"):
        allowed[(module, "bytes")] = _size_free(bytes)
        allowed[(module, "bytearray")] = _size_free(bytearray)
    # Pickles written by numpy 1.x name numpy.core, by numpy 2.x numpy._core: accept both.
    for package in ("numpy.core", "numpy._core"):
        allowed[(f"{package}.multiarray", "_reconstruct")] = _reconstruct
        allowed[(f"{package}.multiarray", "scalar")] = scalar
        allowed[(f"{package}.numeric", "_frombuffer")] = _frombuffer
    return allowed


class RestrictedUnpickler(pickle.Unpickler):
    """A pickle.Unpickler whose find_class admits only the allow-list of :func:`_allowed`."""

    def __init__(self, file: io.BufferedIOBase, path: str | os.PathLike, **kwargs: Any):
        super().__init__(file, **kwargs)
        self._path = path
        self._allowed = _allowed()

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise SeeinError(f"refused to unpickle global {module}.{name}: data files may hold only "
                             f"dicts, lists, strings, numbers and numpy arrays", self._path) from None

    def persistent_load(self, pid: Any) -> Any:
        raise SeeinError("refused to unpickle a persistent id: data files may not reference "
                         "external objects", self._path)


def safe_load(path: str | os.PathLike, encoding: str = "bytes") -> Any:
    """Unpickle ``path`` through :class:`RestrictedUnpickler`.

    ``encoding="bytes"`` keeps Python 2 strings as bytes, which is how the CIFAR batches
    (pickled by Python 2) must be read so their numpy buffers survive.
    """
    try:
        with open(path, "rb") as f:
            return RestrictedUnpickler(f, path, encoding=encoding).load()
    except SeeinError:
        raise
    except FileNotFoundError:
        raise SeeinError("file not found", path) from None
    except IsADirectoryError:
        raise SeeinError("is a folder, expected a pickle file", path) from None
    except RecursionError:
        raise SeeinError("not a valid pickle (nested too deeply)", path) from None
    except Exception as exc:  # a malformed pickle can fail in many ways; all mean the same
        raise SeeinError(f"not a valid pickle ({type(exc).__name__}: {exc})", path) from None
