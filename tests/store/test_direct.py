"""seein.store.direct: rows staged in line with the file, their whole pages written by direct I/O."""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest

from seein.store import direct
from seein.store.direct import PAGE, DirectFile, StagingArena, takes_direct_io


@pytest.fixture
def target(tmp_path):
    path = tmp_path / "rows.bin"
    path.write_bytes(b"\0" * (64 * PAGE))
    fd = os.open(path, os.O_WRONLY)
    yield path, fd
    os.close(fd)


# (offset, length): inside one page, across one boundary, aligned, whole pages, odd ends
SPANS = [(5, 100), (PAGE - 7, 20), (PAGE * 2, PAGE * 3), (PAGE * 6 + 11, PAGE * 4 + 5),
         (PAGE * 11 + 5, PAGE * 4 - 5), (PAGE * 15, PAGE * 2 + 1), (PAGE * 20 + 3, PAGE * 9)]


def test_spans_staged_in_line_reach_the_file_byte_for_byte(tmp_path, target, monkeypatch):
    monkeypatch.setattr(direct, "DIRECT_MIN", 0)
    path, fd = target
    rng = np.random.default_rng(0)
    arena = StagingArena()
    arena.reserve(StagingArena.need(SPANS))
    file = DirectFile(path, fd)
    want = bytearray(64 * PAGE)
    for offset, length in SPANS:
        memory = arena.place(offset, length)
        assert memory.ctypes.data % PAGE == offset % PAGE
        memory[:] = rng.integers(0, 256, length, np.uint8)
        file.write_span(offset, memory)
        want[offset:offset + length] = memory.tobytes()
    went_direct = file.direct
    file.close_direct()
    assert path.read_bytes() == bytes(want)
    assert file.buffered_bytes + file.direct_bytes == sum(length for _, length in SPANS)
    if takes_direct_io(tmp_path):
        assert went_direct and file.direct_bytes == PAGE * 19  # every whole page went direct
        assert file.direct_bytes % PAGE == 0


def test_memory_out_of_line_and_small_spans_go_through_the_cache(tmp_path, target):
    path, fd = target
    file = DirectFile(path, fd)
    data = np.arange(PAGE * 3, dtype=np.uint8)[1:]  # an address one past whatever the offset needs
    offset = PAGE if data.ctypes.data % PAGE != 0 else PAGE + 1
    file.write_span(offset, data)
    file.write_span(7, np.full(10, 9, np.uint8))
    file.close_direct()
    content = path.read_bytes()
    assert content[offset:offset + len(data)] == data.tobytes() and content[7:17] == b"\x09" * 10
    assert file.direct_bytes == 0 and file.buffered_bytes == len(data) + 10


def test_a_refused_direct_write_falls_back_to_the_cache_for_good(tmp_path, target, monkeypatch):
    monkeypatch.setattr(direct, "DIRECT_MIN", 0)
    path, fd = target
    file = DirectFile(path, fd)
    if not file.direct:
        pytest.skip("no direct I/O on this file system")
    real = direct.pwrite_all

    def refusing(to, data, offset):
        if to != fd:
            raise OSError(errno.EINVAL, "Invalid argument")
        real(to, data, offset)

    monkeypatch.setattr(direct, "pwrite_all", refusing)
    arena = StagingArena(StagingArena.need([(PAGE, PAGE * 4)]))
    memory = arena.place(PAGE, PAGE * 4)
    memory[:] = 7
    file.write_span(PAGE, memory)
    assert not file.direct and file.direct_bytes == 0
    assert path.read_bytes()[PAGE:PAGE * 5] == b"\x07" * (PAGE * 4)


def test_other_write_errors_are_raised(tmp_path, target, monkeypatch):
    path, fd = target
    file = DirectFile(path, fd)

    def full(to, data, offset):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(direct, "pwrite_all", full)
    with pytest.raises(OSError, match="No space left"):
        file.write_span(0, np.zeros(PAGE * 3, np.uint8))
    file.close_direct()


def test_without_o_direct_every_write_is_buffered(tmp_path, target, monkeypatch):
    monkeypatch.delattr(os, "O_DIRECT", raising=False)
    path, fd = target
    file = DirectFile(path, fd)
    assert not file.direct
    assert not DirectFile(path, fd, enabled=False).direct


def test_the_arena_grows_between_batches_and_refuses_to_overflow():
    arena = StagingArena(100)
    with pytest.raises(RuntimeError, match="too small"):
        arena.place(0, 10 * PAGE)
    arena.reset()
    arena.reserve(StagingArena.need([(3, 10 * PAGE)]))
    first = arena.place(3, 10 * PAGE)
    assert first.ctypes.data % PAGE == 3
    with pytest.raises(RuntimeError, match="cannot grow"):
        arena.reserve(100 * PAGE)
    arena.reset()
    arena.reserve(100 * PAGE)
    assert arena.place(PAGE * 5, 50 * PAGE).ctypes.data % PAGE == 0
