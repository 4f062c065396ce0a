"""The batch pipeline under :func:`seein.extract.engine.run_plan`: reused blocks, the writer thread, the heap.

Each batch's points land in one of a few reused :class:`~seein.extract.capture.BatchBuffer`
blocks (:class:`BufferPool`), staged on the CPU in line with the file; :class:`WriterThread`
writes them (by direct I/O where it can, :mod:`seein.store.direct`) while the next batch
runs forward, and starts what goes through the page cache on its way to the disk as it
goes (every few MB, :func:`start_writeback`). During a run glibc keeps freed memory for reuse (:func:`reuse_freed_memory`): handing
the freed layer outputs back to the kernel made every batch page-fault them in again
(10,000 faults a run, 15 to 25 % on the forward pass, lenet on the digits, 2 cores).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import sys
import threading
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import torch

from ..core.errors import SeeinError
from ..store import LayerInfo, StoreWriter
from .capture import BatchBuffer

SYNC_BYTES = 4 << 20  # the writer thread flushes the data to the disk every this many bytes


class BufferPool:
    """A few :class:`BatchBuffer` blocks handed round between the main and the writer thread.

    ``take`` waits while all are in use, so the pool also bounds the batches in memory.
    """

    def __init__(self, layers: Sequence[LayerInfo], n_images: int, n_outputs: int, capacity: int,
                 dtype: torch.dtype, device: torch.device, count: int):
        self._args = (layers, min(capacity, max(1, n_images)), dtype, n_outputs, device)
        self._device_block = None
        if device.type == "cuda":
            with torch.inference_mode(False):
                self._device_block = BatchBuffer.device_block(*self._args)
        self._free: queue.Queue = queue.Queue()
        self._left = count  # made on first use: a one-batch extraction needs one

    def take(self) -> BatchBuffer:
        if self._left and self._free.empty():
            self._left -= 1
            with torch.inference_mode(False):  # normal tensors: the writer thread fills them too
                return BatchBuffer(*self._args, device_block=self._device_block)
        return self._free.get()

    def give(self, buffer: BatchBuffer) -> None:
        self._free.put(buffer)


class WriterThread:
    """Runs ``StoreWriter.write_chunk`` / ``write_staged`` calls in order on one background thread.

    The queue is short, so at most two batches wait in memory; an error in the thread
    is raised in the caller at the next ``put`` or at ``close``. Every :data:`SYNC_BYTES`
    written through the page cache it also starts that data on its way to the disk
    (:func:`start_writeback`, no waiting), so that :meth:`StoreWriter.finish`'s ``fsync``
    finds little left to do; rows written by direct I/O are on the disk already.
    """

    def __init__(self, writer: StoreWriter | Callable[[], StoreWriter], dtype: torch.dtype,
                 threaded: bool = True, pool: BufferPool | None = None):
        self.writer: StoreWriter | None = None
        self.dtype = dtype
        self.pool = pool
        self.error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._unsynced = 0
        self._sync_fd: int | None = None
        self._make = writer
        self._opened = threading.Event()  # set once the store exists (or failed to)
        self._thread = threading.Thread(target=self._loop, name="seein-store-writer", daemon=True) \
            if threaded else None
        if self._thread:
            self._thread.start()
        else:
            self._open()
            self._opened.set()

    def _open(self) -> None:
        """The store: given, or made now (on the thread, beside the first forward passes)."""
        writer = self._make if isinstance(self._make, StoreWriter) else self._make()
        self.writer = writer
        try:
            self._sync_fd = os.open(writer.partial_path, os.O_RDONLY)
        except OSError:
            self._sync_fd = None

    def spans(self, snapshot_index: int, first: int, n: int) -> dict[str, Any] | None:
        """:meth:`StoreWriter.spans` of a batch; None while the store is still being made (that
        batch then goes as it is, cast and written on the writer thread) or could not be."""
        if not self._opened.is_set() or self.writer is None:
            return None
        return self.writer.spans(snapshot_index, first, n)

    def images_done(self, snapshot_index: int) -> int:
        """Images of a snapshot already in the store: 0 in one still being made."""
        return self._make.images_done(snapshot_index) if isinstance(self._make, StoreWriter) else 0

    def _loop(self) -> None:
        try:
            self._open()
        except BaseException as exc:  # handed to the caller's thread
            self.error = exc
        finally:
            self._opened.set()
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self.error is None:
                try:
                    self._write(*item)
                except BaseException as exc:  # handed to the caller's thread
                    self.error = exc
            else:
                self._release(item[2])

    def _release(self, batch: Any) -> None:
        if isinstance(batch, BatchBuffer):
            batch.outputs = {}
            if self.pool is not None:
                self.pool.give(batch)

    def _write(self, snapshot: int, first: int, batch: BatchBuffer | Mapping[str, Any],
               logits: np.ndarray | None, predictions: np.ndarray | None) -> None:
        try:
            staged: Mapping[str, Any] = {}
            if isinstance(batch, BatchBuffer):
                staged, points, logits = batch.ready()
            else:  # {layer: points or output}, as write_chunk takes them
                points = dict(batch)
            assert self.writer is not None and logits is not None
            self.writer.write_staged(snapshot, first, staged, logits, predictions, points)
            buffered = self.writer.direct.buffered_bytes
            if self._sync_fd is not None and buffered - self._unsynced >= SYNC_BYTES:
                start_writeback(self._sync_fd)
                self._unsynced = buffered
        except OSError as exc:  # a full disk, say: the chunks before this one are kept
            reason = exc.strerror or str(exc).splitlines()[0]
            raise SeeinError(f"writing failed ({reason}); fix that and run the same command with "
                             "--resume", self.writer.partial_path if self.writer else "") from None
        finally:
            self._release(batch)

    def put(self, snapshot: int, first: int, batch: BatchBuffer | Mapping[str, Any],
            logits: np.ndarray | None = None, predictions: np.ndarray | None = None) -> None:
        """Queue one batch: a filled :class:`BatchBuffer` (given back to the pool once written),
        or ``{layer: points}`` with its ``logits``."""
        if self._thread is None:
            self._write(snapshot, first, batch, logits, predictions)
            return
        if self.error is not None:
            self._release(batch)
            raise self.error
        self._queue.put((snapshot, first, batch, logits, predictions))

    def close(self) -> None:
        """Wait until every queued chunk is written (also on the way out of an error)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._sync_fd is not None:
            os.close(self._sync_fd)
            self._sync_fd = None
        if self.error is not None:
            raise self.error


_SYNC_FILE_RANGE_WRITE = 2  # linux/fs.h: start writing the dirty pages out, wait for nothing
_sync_file_range: Any = False  # looked up on first use; None where there is none


def start_writeback(fd: int) -> None:
    """Start writing a file's dirty pages to the disk without waiting (Linux's
    ``sync_file_range``); elsewhere ``fdatasync``. The store's final ``fsync`` still waits
    for all of it; this only keeps that wait short, and no longer holds the writer thread
    (the last batches' writes then overlap the flush of the ones before them)."""
    global _sync_file_range
    if _sync_file_range is False:
        _sync_file_range = None
        if sys.platform.startswith("linux"):
            try:
                func = ctypes.CDLL(None, use_errno=True).sync_file_range
                func.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
                func.restype = ctypes.c_int
                _sync_file_range = func
            except (AttributeError, OSError):
                pass
    if _sync_file_range is None or _sync_file_range(fd, 0, 0, _SYNC_FILE_RANGE_WRITE) != 0:
        os.fdatasync(fd)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (glibc's malloc.h)
_MMAP_MAX = 32 << 20  # glibc's own upper bound of its sliding mmap threshold (64-bit)
_KEEP = (1 << 31) - 1  # the trim threshold while extracting: the largest a C int holds


def glibc_mallopt() -> Any:
    """glibc's ``mallopt``, or None under another C library."""
    try:
        if not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"):
            return None
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        return mallopt
    except (AttributeError, ValueError, OSError):
        return None


@contextlib.contextmanager
def reuse_freed_memory() -> Iterator[None]:
    """Keep memory that torch frees inside the process while extracting (glibc only).

    The hooks keep each batch's layer outputs until the writer thread has cast them, so
    the allocator cannot hand the same blocks to the next batch as it does in a bare
    forward pass; glibc then trims them back to the kernel, and every new batch
    page-faults them in afresh (on lenet a quarter of the forward pass's time). Raising
    the trim threshold for the run stops that; afterwards the thresholds are left where
    glibc's own sliding ones end up (32 MB mmap, 64 MB trim), so the next run reuses the rest.
    """
    mallopt = glibc_mallopt()
    if mallopt is None:
        yield
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_MAX)
    mallopt(_M_TRIM_THRESHOLD, _KEEP)
    try:
        yield
    finally:
        mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_MAX)
