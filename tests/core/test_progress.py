"""Phases: one monotone overall progress over named phases, below the total until finished."""

import pytest

from seein.core.errors import Cancelled
from seein.core.progress import Phases, report


def test_phases_map_each_phase_into_one_growing_figure():
    seen = []
    phases = Phases(lambda d, t, m: seen.append((d, t, m)) and False, [("read", 1.0), ("fit", 3.0)])
    read, fit = phases.phase("read"), phases.phase("fit")
    for i in range(5):
        read(i, 4, "reading")  # a phase's own 100 % (4 of 4) is not the whole work's
    fit(0, 10, "t-SNE 0/10")
    fit(5, 10, "t-SNE 5/10")
    fit(3, 10, "t-SNE 3/10")  # a phase that steps back never moves the bar back
    fit(10, 10, "t-SNE 10/10")
    assert [d for d, _, _ in seen] == [0, 625, 1250, 1875, 2500, 2500, 6250, 6250, Phases.TOTAL - 1]
    assert all(t == Phases.TOTAL for _, t, _ in seen) and seen[-1][2] == "t-SNE 10/10"
    phases.finish("done")
    assert seen[-1] == (Phases.TOTAL, Phases.TOTAL, "done")


def test_nested_phases_and_cancel_pass_through():
    seen = []
    outer = Phases(lambda d, t, m: seen.append(d) or m == "stop", [("a", 1.0), ("b", 1.0)])
    inner = Phases(outer.phase("b"), [("x", 1.0), ("y", 1.0)])
    inner.phase("y")(1, 2, "go")
    assert seen == [int(Phases.TOTAL * 0.875)]
    inner.finish("inner done")  # the inner work's end is not the outer's
    assert seen[-1] == Phases.TOTAL - 1
    with pytest.raises(Cancelled):
        report(inner.phase("y"), 2, 2, "stop")
    assert Phases(None, [("a", 1.0)]).phase("a")(1, 1, "") is False
