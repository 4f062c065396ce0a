"""A projection's progress tells the truth: named phases, one monotone figure, a cancel seen at once."""

from __future__ import annotations

import numpy as np
import pytest

from seein.compute import sampling
from seein.compute import tsne as tsne_mod
from seein.compute.projection import project
from seein.compute.tsne import tsne
from seein.core.errors import Cancelled
from seein.core.progress import Phases

FAST = dict(n_iter=120, early_exaggeration_iter=60, limit=300)
PHASES = ("reading conv", "t-SNE: neighbours of 300 points", "t-SNE 1/180", "placing 1,200 points")


def _record(stop_at: str | None = None):
    calls: list[tuple[int, int, str]] = []
    asked: list[int] = []

    def progress(done: int, total: int, message: str) -> bool:
        calls.append((done, total, message))
        if stop_at is not None and message.startswith(stop_at):
            asked.append(len(calls))
            return True
        return False

    return calls, asked, progress


def test_one_monotone_figure_below_the_end_over_named_phases(synthetic_store):
    calls, _, progress = _record()
    proj = project(synthetic_store, "conv", "tsne", progress=progress, cache=False, **FAST)
    assert proj.embedding.shape == (1500, 2)
    fractions = [d / t for d, t, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and max(fractions[:-1]) < 1.0
    assert {t for _, t, _ in calls} == {Phases.TOTAL}
    first = [next(i for i, (_, _, m) in enumerate(calls) if m.startswith(p)) for p in PHASES]
    assert first == sorted(first)  # every phase named, in the order they run
    assert calls[-1][2] == "done"


@pytest.mark.parametrize("phase", PHASES)
def test_cancel_in_each_phase_is_seen_at_that_call(synthetic_store, phase):
    calls, asked, progress = _record(stop_at=phase)
    with pytest.raises(Cancelled):
        project(synthetic_store, "conv", "tsne", progress=progress, cache=False, **FAST)
    assert asked == [len(calls)]  # no more work reported after the cancel: it took effect at once


def test_work_between_progress_calls_is_bounded(monkeypatch):
    """Each phase calls back after a bounded amount of work, whatever the layer's size or the load.

    The optimisation reports by the clock (every REPORT_EVERY s): a stand-in clock that moves
    30 ms a reading (a slow iteration) must get a report every 4 iterations, none skipped.
    """
    monkeypatch.setattr(sampling, "QUERY_BLOCK", 1000)
    clock = iter(np.arange(0, 10_000, 0.03))
    monkeypatch.setattr(tsne_mod, "_clock", lambda: float(next(clock)))
    x = np.random.default_rng(0).normal(size=(12_000, 4)).astype(np.float32)
    calls, _, progress = _record()
    tsne(x, 2, n_jobs=1, progress=progress, **FAST)
    steps = [int(m.split()[1].split("/")[0]) for _, _, m in calls if m.startswith("t-SNE ") and "/" in m]
    assert steps[0] == 1 and max(np.diff(steps)) <= 4 and steps[-1] >= 177
    neighbours = [m for _, _, m in calls if m.startswith("t-SNE: neighbours")]
    placing = [m for _, _, m in calls if m.startswith("placing")]
    assert len(neighbours) >= 1 and len(placing) >= (12_000 - 300) // 1000  # a call per block of 1000
