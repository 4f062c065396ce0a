"""A strict reader for IDX files (the MNIST format), plain or gzipped.

Layout: two zero bytes, a dtype code, the number of dimensions n, then n big-endian
uint32 sizes, then the values in big-endian order. The file must hold exactly as many
bytes as the header promises: a truncated download or trailing junk is an error, not
a silently short or padded array.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from ..core.errors import SeeinError

#: IDX dtype codes and their big-endian numpy types.
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: str | os.PathLike) -> bytes:
    """The file's content, gunzipped if it starts with the gzip magic (whatever its name)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise SeeinError("file not found", path) from None
    except IsADirectoryError:
        raise SeeinError("is a folder, expected an IDX file", path) from None
    except OSError as exc:
        raise SeeinError(f"cannot read: {exc.strerror or exc}", path) from None
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise SeeinError(f"corrupt or truncated gzip data ({exc})", path) from None
    return raw


def parse_idx(raw: bytes, path: str | os.PathLike) -> np.ndarray:
    """Parse IDX bytes into a native-endian numpy array; SeeinError on any inconsistency."""
    if len(raw) < 4:
        raise SeeinError(f"too short for an IDX file ({len(raw)} bytes)", path)
    if raw[0] != 0 or raw[1] != 0:
        raise SeeinError(f"not an IDX file (magic {raw[:4].hex()}, expected 0000xxnn)", path)
    code, ndim = raw[2], raw[3]
    if code not in IDX_DTYPES:
        raise SeeinError(f"unknown IDX dtype code 0x{code:02x}", path)
    if ndim == 0:
        raise SeeinError("IDX header has zero dimensions", path)
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise SeeinError(f"truncated IDX header: {len(raw)} bytes, need {header} for {ndim} dims", path)
    dims = [int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4)]
    dtype = np.dtype(IDX_DTYPES[code])
    expected = header + dtype.itemsize * int(np.prod(dims, dtype=object))
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise SeeinError(f"IDX file {what}: {len(raw)} bytes, header {tuple(dims)} needs {expected}", path)
    data = np.frombuffer(raw, dtype, offset=header).reshape(dims)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (plain or gzipped) into a numpy array."""
    return parse_idx(read_bytes(path), path)
