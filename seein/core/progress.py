"""Progress and cancellation for long work, shaped like openTSNE's callbacks.

A progress callback is called as ``callback(done, total, message)`` and returns
True to ask the work to stop. The CLI passes a tqdm bar, the GUI a function that
emits a signal and reads a cancel flag.
"""

from __future__ import annotations

from typing import Callable, Optional

from .errors import Cancelled

ProgressCallback = Callable[[int, int, str], Optional[bool]]


def report(callback: ProgressCallback | None, done: int, total: int, message: str = "") -> None:
    """Call ``callback`` if there is one; raise :class:`Cancelled` if it asks to stop."""
    if callback is not None and callback(done, total, message):
        raise Cancelled(message or "cancelled")


class TqdmProgress:
    """A progress callback that draws a tqdm bar on stderr (the CLI's progress display)."""

    def __init__(self, desc: str = "", unit: str = "it", disable: bool | None = None):
        from tqdm.auto import tqdm

        self._bar = tqdm(desc=desc, unit=unit, disable=disable, leave=False, dynamic_ncols=True)

    def __call__(self, done: int, total: int, message: str = "") -> bool:
        if self._bar.total != total:
            self._bar.total = total
        if message:
            self._bar.set_description(message, refresh=False)
        self._bar.n = done
        self._bar.refresh()
        return False

    def close(self) -> None:
        self._bar.close()

    def __enter__(self) -> "TqdmProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
