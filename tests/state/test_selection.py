"""Selections with no Qt: how a new selection combines with the current one (replace, add, subtract, intersect)."""

import numpy as np
import pytest

from seein.state import combine


@pytest.mark.parametrize("mode,expected", [("replace", [0, 0, 1, 1]), ("add", [1, 0, 1, 1]),
                                           ("subtract", [1, 0, 0, 0]), ("intersect", [0, 0, 1, 0])])
def test_combine_modes(mode, expected):
    cur = np.array([1, 0, 1, 0], bool)
    new = np.array([0, 0, 1, 1], bool)
    assert combine(cur, new, mode).astype(int).tolist() == expected
