"""Progress and cancellation for long work, shaped like openTSNE's callbacks.

A progress callback is called as ``callback(done, total, message)`` and returns
True to ask the work to stop. The CLI passes a tqdm bar, the GUI a function that
emits a signal and reads a cancel flag.

Work in several phases (read a layer, find neighbours, optimise, place points) reports
through :class:`Phases`: one overall ``done`` of a fixed ``total`` that only grows and
stays below ``total`` until :meth:`Phases.finish`, with the phase's own words as the
message ("t-SNE 250/750", "placing 1,015,072 points"), so a bar never shows 100 % while
work goes on and never restarts.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from .errors import Cancelled

ProgressCallback = Callable[[int, int, str], Optional[bool]]


def report(callback: ProgressCallback | None, done: int, total: int, message: str = "") -> None:
    """Call ``callback`` if there is one; raise :class:`Cancelled` if it asks to stop."""
    if callback is not None and callback(done, total, message):
        raise Cancelled(message or "cancelled")


class Phases:
    """One monotone overall progress over named phases of given relative cost.

    ``Phases(callback, [("read", 1.0), ("fit", 8.0)])``; ``phases.phase("fit")`` is a
    progress callback for that phase's own ``(done, total, message)``, mapped into the
    phase's share of :data:`TOTAL`. Every call is forwarded (so a cancel is seen at once),
    the overall value never goes down and stays at most ``TOTAL - 1`` until
    :meth:`finish`. A phase can itself be split (``Phases(phases.phase("fit"), ...)``).
    """

    TOTAL = 10_000

    def __init__(self, callback: ProgressCallback | None, weights: Sequence[tuple[str, float]]):
        self.callback = callback
        total = float(sum(max(0.0, w) for _, w in weights)) or 1.0
        self._span: dict[str, tuple[float, float]] = {}
        start = 0.0
        for name, w in weights:
            share = max(0.0, w) / total
            self._span[name] = (start, share)
            start += share
        self._best = 0

    def phase(self, name: str) -> ProgressCallback:
        """The progress callback of phase ``name`` (one of the weights' names)."""
        start, share = self._span[name]

        def callback(done: int, total: int, message: str = "") -> Optional[bool]:
            frac = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
            return self._send(int((start + share * frac) * self.TOTAL), message)

        return callback

    def _send(self, value: int, message: str) -> Optional[bool]:
        self._best = max(self._best, min(value, self.TOTAL - 1))
        if self.callback is None:
            return False
        return self.callback(self._best, self.TOTAL, message)

    def finish(self, message: str = "done") -> None:
        """Report the whole work done (``TOTAL`` of ``TOTAL``); raises Cancelled if asked to stop."""
        self._best = self.TOTAL
        report(self.callback, self.TOTAL, self.TOTAL, message)


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
