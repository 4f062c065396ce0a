"""Two AppStates on stores of the same images share one selection; other data is refused."""

from __future__ import annotations

import numpy as np
import pytest

from seein.core.errors import SeeinError
from seein.state import AppState
from seein.state.link import SelectionLink
from seein.testing import make_store


def test_selection_follows_both_ways(tmp_path):
    a, b = AppState(), AppState()
    a.open_store(make_store(tmp_path / "a.h5"))
    b.open_store(make_store(tmp_path / "b.h5", layers={"emb": (2,)}))
    link = SelectionLink(a, b)
    events = []
    b.bus.selection_changed.connect(lambda e: events.append(e.source))
    a.select_class(1)
    np.testing.assert_array_equal(b.selection, a.selection)
    assert b.selection.sum() == 20 and events == ["linked"]
    b.select_images([0, 3], source="test")
    assert sorted(np.flatnonzero(a.selection)) == [0, 3]
    link.disconnect()
    a.clear_selection()
    assert b.selection.any()  # no longer linked


def test_other_data_is_refused(tmp_path):
    a, b = AppState(), AppState()
    a.open_store(make_store(tmp_path / "a.h5"))
    b.open_store(make_store(tmp_path / "b.h5", seed=3))
    with pytest.raises(SeeinError, match="not hold the same data set"):
        SelectionLink(a, b)
