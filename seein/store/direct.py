"""Direct I/O for a store's rows: the disk reads them from our memory, no CPU copy on the way.

A buffered ``pwrite`` copies every byte into the page cache, and that copy runs on a
core the forward pass needs (on 2 cores it cost extraction a third of its speed). With
``O_DIRECT`` the device reads the rows straight from the staging memory, and the thread
that waits for it holds no core. Direct I/O wants whole aligned pages: file offset,
length and memory address. So rows are staged at addresses that share their file
offset's place within a page (:class:`StagingArena`); a span's whole pages then go
direct and only its partial first and last pages go through the cache
(:func:`write_span`), never a page that the other way also writes.

Where ``O_DIRECT`` is missing or refused (another OS, tmpfs, some network file systems),
:class:`DirectFile` falls back to buffered writes once, for the rest of the file; the
bytes on disk are the same either way.
"""

from __future__ import annotations

import errno
import mmap
import os

import numpy as np

PAGE = max(4096, mmap.PAGESIZE)  # direct writes cover whole pages of this size, at such offsets
DIRECT_MIN = 256 << 10  # smaller spans are copied through the cache: one direct write costs more


def pwrite_all(fd: int, data: memoryview, offset: int) -> None:
    """``os.pwrite`` until all of ``data`` is written at ``offset``."""
    while len(data):
        written = os.pwrite(fd, data, offset)
        data, offset = data[written:], offset + written


class DirectFile:
    """A second descriptor of a file, opened for direct I/O, beside its buffered one.

    ``fd`` is the buffered descriptor (owned by the caller). :attr:`direct` is False when
    the system or the file system refuses direct I/O; then every write is buffered.
    """

    def __init__(self, path: str | os.PathLike, fd: int, enabled: bool = True):
        self.fd = fd
        self._direct_fd: int | None = None
        flag = getattr(os, "O_DIRECT", 0)
        if enabled and flag:
            try:
                self._direct_fd = os.open(path, os.O_WRONLY | flag)
            except OSError:
                self._direct_fd = None
        self.buffered_bytes = 0  # written through the page cache (for the caller's write-back pacing)
        self.direct_bytes = 0  # written by direct I/O

    @property
    def direct(self) -> bool:
        return self._direct_fd is not None

    def write_span(self, offset: int, data: np.ndarray) -> None:
        """Write ``data``'s bytes at ``offset``: its whole pages direct when its memory lines
        up with the file (see :class:`StagingArena`), the partial pages at its ends buffered."""
        data = np.ascontiguousarray(data)
        buf = memoryview(data).cast("B")
        if self._direct_fd is None or len(buf) < max(PAGE, DIRECT_MIN):
            self._buffered(buf, offset)
            return
        address = data.ctypes.data
        head = -offset % PAGE
        body = (len(buf) - head) // PAGE * PAGE
        if (address + head) % PAGE or body == 0:  # not staged in line with the file
            self._buffered(buf, offset)
            return
        if head:
            self._buffered(buf[:head], offset)
        try:
            pwrite_all(self._direct_fd, buf[head:head + body], offset + head)
            self.direct_bytes += body
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
                raise
            self.close_direct()  # refused after all: the rest of the file goes through the cache
            self._buffered(buf[head:head + body], offset + head)
        if head + body < len(buf):
            self._buffered(buf[head + body:], offset + head + body)

    def _buffered(self, buf: memoryview, offset: int) -> None:
        pwrite_all(self.fd, buf, offset)
        self.buffered_bytes += len(buf)

    def close_direct(self) -> None:
        if self._direct_fd is not None:
            os.close(self._direct_fd)
            self._direct_fd = None


def takes_direct_io(folder: str | os.PathLike) -> bool:
    """Whether a file made in ``folder`` can be written by direct I/O here (a probe file, removed)."""
    path = os.path.join(folder, f".seein-direct-probe-{os.getpid()}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        probe = DirectFile(path, fd)
        direct = probe.direct
        probe.close_direct()
        return direct
    finally:
        os.close(fd)
        os.unlink(path)


class StagingArena:
    """Reused memory where a batch's rows are placed in line with their file offsets.

    :meth:`place` hands out a view whose address has the same remainder modulo
    :data:`PAGE` as the file offset it is bound for (at most a page of slack per span),
    so :meth:`DirectFile.write_span` can send its whole pages direct. :meth:`reset` starts
    the next batch at the front; the arena grows when a batch needs more.
    """

    def __init__(self, nbytes: int = 0):
        self._buf = np.empty(0, np.uint8)
        self._used = 0
        self.reserve(nbytes)

    def reserve(self, nbytes: int) -> None:
        """Make room for at least ``nbytes`` (call before placing; placed views stay valid)."""
        if nbytes > len(self._buf) - self._used:
            if self._used:
                raise RuntimeError("a staging arena cannot grow while a batch is placed in it")
            self._buf = np.empty(int(nbytes) + PAGE, np.uint8)

    @staticmethod
    def need(spans: list[tuple[int, int]]) -> int:
        """Bytes that spans of (file offset, byte length) take, slack included."""
        return sum(length + PAGE for _, length in spans)

    def reset(self) -> None:
        self._used = 0

    def place(self, offset: int, nbytes: int) -> np.ndarray:
        """``nbytes`` of uint8 whose address lines up with file ``offset`` (modulo :data:`PAGE`)."""
        base = self._buf.ctypes.data + self._used
        start = self._used + (offset - base) % PAGE
        if start + nbytes > len(self._buf):
            raise RuntimeError("the staging arena is too small for this batch (reserve first)")
        self._used = start + nbytes
        return self._buf[start:start + nbytes]
