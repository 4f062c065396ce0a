"""Writing output files safely: never onto an input, never half-written.

Every command that writes a file (extract, merge, train, embed --out, screenshot,
view --screenshot, selection export) goes through :func:`refuse_if_input` before any work
and :func:`atomic_output` for the write: the data goes to a temporary name in the target's
folder, is fsynced and renamed into place, so a failure (a full disk, an error, a kill)
leaves the old file or nothing, never a truncated one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from .errors import SeeinError


def _resolved(path: str | os.PathLike) -> Path:
    return Path(path).expanduser().resolve(strict=False)


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether ``a`` and ``b`` are one file (after links; hard links too when both exist)."""
    pa, pb = Path(a).expanduser(), Path(b).expanduser()
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return _resolved(pa) == _resolved(pb)


def refuse_if_input(output: str | os.PathLike, inputs: Iterable[str | os.PathLike | None],
                    what: str = "the output") -> None:
    """A SeeinError when ``output`` is one of ``inputs`` (None and spec words are skipped).

    Checked before any work, whatever ``--force`` says: a command never overwrites its own input.
    """
    for item in inputs:
        if item is None or str(item) == "":
            continue
        if same_file(output, item):
            raise SeeinError(f"{what} is also an input of this command ({item}); "
                             "write to another file", output)


def input_files(*specs: str | os.PathLike | None) -> list[str]:
    """The file parts of model / data set specs (``net.py:Net`` -> ``net.py``, ``npz:F`` -> ``F``)."""
    found: list[str] = []
    for spec in specs:
        if spec is None:
            continue
        text = os.fspath(spec)
        candidates = [text]
        if ":" in text:
            head, _, tail = text.partition(":")
            candidates += [head, tail]
            candidates.append(text.rsplit(":", 1)[0])
        found += [c for c in candidates if c and Path(c).expanduser().is_file()]
    return found


def check_output_folder(path: str | os.PathLike, what: str = "file") -> Path:
    """The output's folder must exist, be a folder and be writable (said before any work)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise SeeinError(f"is a folder, not a {what} (give -o FOLDER/NAME{path.suffix or '.EXT'})", path)
    parent = path.parent if str(path.parent) else Path(".")
    blocker = next((p for p in [parent, *parent.parents] if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise SeeinError("is a file, not a folder: cannot write below it", blocker)
    if not parent.is_dir():
        raise SeeinError("the output folder does not exist", parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SeeinError("the output folder is not writable", parent)
    return path


def fsync_path(path: str | os.PathLike) -> None:
    """Flush a file's (or a folder's) data to the disk; a folder that cannot be opened is skipped."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if Path(path).is_dir() else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success fsync it and rename it to ``path``.

    On any error the temporary file is removed and an OSError (a full disk, a read-only
    folder) becomes a one-line SeeinError naming ``path``.
    """
    path = check_output_folder(path)
    suffix = path.suffix if suffix is None else suffix
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{suffix}")
    except OSError as exc:
        raise SeeinError(f"cannot write here ({exc.strerror or exc})", path) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise SeeinError("nothing was written (an empty output is not kept)", path)
        fsync_path(tmp)
        os.replace(tmp, path)
        fsync_path(path.parent)
    except OSError as exc:
        raise SeeinError(f"writing failed ({exc.strerror or str(exc).splitlines()[0]}); "
                         "nothing was written", path) from None
    finally:
        with contextlib.suppress(OSError):
            if tmp.exists():
                tmp.unlink()


@contextlib.contextmanager
def output_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold ``.NAME.lock`` beside ``path`` while writing it: a second writer is refused at once."""
    from filelock import FileLock, Timeout

    path = Path(path).expanduser()
    lock_path = path.with_name(f".{path.name}.lock")
    lock = FileLock(str(lock_path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise SeeinError("another seein is writing this file; wait for it to finish", path) from None
    except OSError as exc:
        raise SeeinError(f"cannot write here ({exc.strerror or exc})", path) from None
    try:
        yield
    finally:
        lock.release()
        with contextlib.suppress(OSError):
            lock_path.unlink()
