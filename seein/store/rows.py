"""Where a store's rows lie in its file, and writing them there directly.

The writer half of :mod:`seein.store` (which owns the schema) leans on this: datasets
allocated in full at creation, activations chunked by whole images, and rows put
straight into their allocated extents with ``os.pwrite`` (no HDF5 metadata changes, so
a killed writer leaves a file that resumes from its last complete chunk).
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Protocol, runtime_checkable

import h5py
import numpy as np


def allocated(group: h5py.Group, name: str, shape: tuple[int, ...], dtype: Any,
               chunk_rows: int | None = None) -> h5py.Dataset:
    """A dataset allocated in full now (see the module docstring): chunked by rows, or
    contiguous when ``chunk_rows`` is None."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    chunks = None
    if chunk_rows is not None:
        rows = max(1, int(shape[0]))
        chunks = (max(1, min(rows, int(chunk_rows))),) + tuple(shape[1:])
    return group.create_dataset(name, shape=shape, dtype=dtype, chunks=chunks, dcpl=dcpl,
                                fill_time="never")


CHUNK_BYTES = 8 << 20  # an activation chunk: whole images, about this many bytes at most
MAX_CHUNK_IMAGES = 256


def chunk_images(bytes_per_image: int, n_images: int | None = None) -> int:
    """Images per HDF5 chunk of a layer: as many as fit ``CHUNK_BYTES``, from 1 to 256,
    evened out over ``n_images`` so that the last chunk is not mostly empty space."""
    limit = max(1, min(MAX_CHUNK_IMAGES, CHUNK_BYTES // max(1, int(bytes_per_image))))
    if not n_images:
        return limit
    n_chunks = -(-int(n_images) // limit)
    return -(-int(n_images) // n_chunks)


def _pwrite_all(fd: int, data: memoryview, offset: int) -> None:
    while len(data):
        written = os.pwrite(fd, data, offset)
        data, offset = data[written:], offset + written


def row_extents(ds: h5py.Dataset) -> tuple[int, list[int]] | None:
    """Where a dataset's rows lie in the file: (rows per extent, byte offset of each extent),
    one extent for a contiguous dataset, one per chunk for one chunked by rows; None when
    HDF5 itself must write (filtered or unallocated storage, chunks that split a row)."""
    if ds.shape[0] == 0:
        return None
    if ds.chunks is None:
        offset = ds.id.get_offset()
        return None if offset is None else (int(ds.shape[0]), [int(offset)])
    if ds.chunks[1:] != ds.shape[1:] or ds.compression or ds.shuffle or ds.fletcher32 or ds.scaleoffset:
        return None
    rows = int(ds.chunks[0])
    offsets = []
    for first in range(0, ds.shape[0], rows):
        info = ds.id.get_chunk_info_by_coord((first,) + (0,) * (ds.ndim - 1))
        if info.byte_offset is None:
            return None
        offsets.append(int(info.byte_offset))
    return rows, offsets


@runtime_checkable
class RowPieces(Protocol):
    """Rows made piece by piece as they are written (a layer output cast into a small reused
    buffer, say): ``pieces()`` yields (first row, rows) in order, each valid until the next."""

    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int

    def pieces(self) -> Iterator[tuple[int, np.ndarray]]: ...

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray: ...


def write_row_pieces(fd: int, extents: tuple[int, list[int]], rows: RowPieces, first_row: int) -> None:
    """:func:`write_rows` for rows that come in pieces: each is written while it is in the cache."""
    for offset, piece in rows.pieces():
        write_rows(fd, extents, piece, first_row + offset)


def write_rows(fd: int, extents: tuple[int, list[int]], data: np.ndarray, first_row: int) -> None:
    """Write ``data``'s rows from row ``first_row`` on, straight into their extents."""
    rows_per, offsets = extents
    row_bytes = data.dtype.itemsize * int(np.prod(data.shape[1:], dtype=np.int64))
    buf = memoryview(data).cast("B")
    done, total = 0, len(data)
    while done < total:
        extent, within = divmod(first_row + done, rows_per)
        take = min(total - done, rows_per - within)
        _pwrite_all(fd, buf[done * row_bytes:(done + take) * row_bytes], offsets[extent] + within * row_bytes)
        done += take
