"""Where a store's rows lie in its file, and writing them there directly.

The writer half of :mod:`seein.store` (which owns the schema) leans on this: datasets
allocated in full at creation, activations chunked by whole images, and rows put
straight into their allocated extents with ``os.pwrite`` (no HDF5 metadata changes, so
a killed writer leaves a file that resumes from its last complete chunk).
"""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np

from . import direct


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


def row_spans(extents: tuple[int, list[int]], first_row: int, n_rows: int,
              row_bytes: int) -> list[tuple[int, int, int]]:
    """Where rows ``first_row`` .. ``first_row + n_rows`` go: (first of them, how many, byte
    offset in the file) for each extent they touch, in order."""
    rows_per, offsets = extents
    spans, done = [], 0
    while done < n_rows:
        extent, within = divmod(first_row + done, rows_per)
        take = min(n_rows - done, rows_per - within)
        spans.append((done, take, offsets[extent] + within * row_bytes))
        done += take
    return spans


def write_rows(file: direct.DirectFile, extents: tuple[int, list[int]], data: np.ndarray, first_row: int) -> None:
    """Write ``data``'s rows from row ``first_row`` on, straight into their extents (each span
    through :meth:`~seein.store.direct.DirectFile.write_span`, which counts what it writes)."""
    row_bytes = data.dtype.itemsize * int(np.prod(data.shape[1:], dtype=np.int64))
    for done, take, offset in row_spans(extents, first_row, len(data), row_bytes):
        file.write_span(offset, data[done:done + take])
