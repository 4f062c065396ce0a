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


#: Deflate cannot shrink data more than about 1032:1; a gzip file declaring more is a bomb.
MAX_RATIO = 1100
#: No IDX file seein reads declares more than this many bytes of values.
MAX_BYTES = 16 * 2**30
_CHUNK = 1 << 20


def _open(path: str | os.PathLike):
    """The file as a binary stream, gunzipped on the fly if it starts with the gzip magic."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise SeeinError("file not found", path) from None
    except IsADirectoryError:
        raise SeeinError("is a folder, expected an IDX file", path) from None
    except OSError as exc:
        raise SeeinError(f"cannot read: {exc.strerror or exc}", path) from None
    gzipped = f.read(2) == GZIP_MAGIC
    f.seek(0)
    return (gzip.GzipFile(fileobj=f, mode="rb") if gzipped else f), f, gzipped


def _read(stream, n: int, path) -> bytes:
    try:
        return stream.read(n)
    except (OSError, EOFError, zlib.error) as exc:
        raise SeeinError(f"corrupt or truncated gzip data ({exc})", path) from None


def read_bytes(path: str | os.PathLike) -> bytes:
    """The file's content, gunzipped if it starts with the gzip magic (whatever its name)."""
    stream, raw, _ = _open(path)
    with raw, stream:
        return _read(stream, -1, path)


def _header(head: bytes, path) -> tuple[np.dtype, list[int], int]:
    if len(head) < 4:
        raise SeeinError(f"too short for an IDX file ({len(head)} bytes)", path)
    if head[0] != 0 or head[1] != 0:
        raise SeeinError(f"not an IDX file (magic {head[:4].hex()}, expected 0000xxnn)", path)
    code, ndim = head[2], head[3]
    if code not in IDX_DTYPES:
        raise SeeinError(f"unknown IDX dtype code 0x{code:02x}", path)
    if ndim == 0:
        raise SeeinError("IDX header has zero dimensions", path)
    return np.dtype(IDX_DTYPES[code]), [0] * ndim, 4 + 4 * ndim


def parse_idx(raw: bytes, path: str | os.PathLike) -> np.ndarray:
    """Parse IDX bytes into a native-endian numpy array; SeeinError on any inconsistency."""
    dtype, dims, header = _header(raw[:4], path)
    if len(raw) < header:
        raise SeeinError(f"truncated IDX header: {len(raw)} bytes, need {header} for {len(dims)} dims", path)
    dims = [int(d) for d in np.frombuffer(raw, ">u4", count=len(dims), offset=4)]
    expected = header + dtype.itemsize * int(np.prod(dims, dtype=object))
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise SeeinError(f"IDX file {what}: {len(raw)} bytes, header {tuple(dims)} needs {expected}", path)
    data = np.frombuffer(raw, dtype, offset=header).reshape(dims)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike, limit: int | None = None) -> np.ndarray:
    """Read an IDX file (plain or gzipped), only its first ``limit`` rows if given.

    Read as a stream: the declared size is checked against what the file can hold (its
    size, or the most deflate can expand it) before anything is allocated, and the rest
    of the file is only counted, never kept, to check its length.
    """
    stream, raw, gzipped = _open(path)
    with raw, stream:
        head = _read(stream, 4, path)
        dtype, dims, header = _header(head, path)
        more = _read(stream, header - 4, path)
        if len(more) < header - 4:
            raise SeeinError(f"truncated IDX header: {4 + len(more)} bytes, need {header} for "
                             f"{len(dims)} dims", path)
        dims = [int(d) for d in np.frombuffer(more, ">u4")]
        row = dtype.itemsize * int(np.prod(dims[1:], dtype=object))
        declared = row * dims[0]
        size = os.fstat(raw.fileno()).st_size
        can_hold = size * MAX_RATIO if gzipped else size - header
        if not gzipped and declared != can_hold and declared <= MAX_BYTES:
            what = "truncated" if declared > can_hold else "has trailing bytes"
            raise SeeinError(f"IDX file {what}: {size} bytes, header {tuple(dims)} needs "
                             f"{header + declared}", path)
        if declared > MAX_BYTES or (gzipped and declared > can_hold):
            raise SeeinError(f"the header declares {tuple(dims)} values ({declared:,} bytes), more than "
                             f"{'this file can hold' if declared <= MAX_BYTES else 'seein reads'}", path)
        rows = dims[0] if limit is None else max(0, min(int(limit), dims[0]))
        body = _read(stream, rows * row, path)
        got = header + len(body)
        if not gzipped:
            got = size if len(body) == rows * row else got
        while gzipped and len(body) == rows * row:  # count the rest: the file must hold exactly what it declares
            piece = _read(stream, _CHUNK, path)
            if not piece:
                break
            got += len(piece)
            if got > header + declared:
                break
        expected = header + declared
        if got < expected or len(body) < rows * row:
            raise SeeinError(f"IDX file truncated: {got} bytes, header {tuple(dims)} needs {expected}", path)
        if got > expected:
            raise SeeinError(f"IDX file has trailing bytes: header {tuple(dims)} needs {expected}", path)
    data = np.frombuffer(body, dtype).reshape([rows, *dims[1:]])
    return data.astype(dtype.newbyteorder("="))
