"""The Filter Map's arithmetic against references: weighted Jaccard vs a loop, classical MDS, class association."""

from __future__ import annotations

import numpy as np
import pytest

from seein.compute.filtermap import (
    class_association,
    classical_mds,
    weighted_jaccard,
    weighted_jaccard_naive,
)


def test_weighted_jaccard_matches_the_naive_loop():
    rng = np.random.default_rng(0)
    x = rng.exponential(size=(1000, 12)) * (rng.random((1000, 12)) < 0.6)  # sparse, non-negative
    x[:, 3] = 0.0  # a dead filter
    x[:, 7] = 0.0  # and another: two dead filters count as identical
    x[:, 5] = 2 * x[:, 4]
    fast = weighted_jaccard(x, block=97)  # many blocks, one partial
    ref = weighted_jaccard_naive(x)
    np.testing.assert_allclose(fast, ref, atol=1e-9)
    assert fast[3, 7] == 1.0 and fast[3, 0] == 0.0 and np.allclose(np.diag(fast), 1.0)
    assert fast[4, 5] == pytest.approx(0.5)  # sum min / sum max = x / 2x
    signed = rng.normal(size=(300, 5))
    np.testing.assert_allclose(weighted_jaccard(signed, block=64), weighted_jaccard_naive(signed), atol=1e-9)


def test_classical_mds_and_class_association():
    pts = np.array([[0, 0], [3, 0], [0, 4], [3, 4]], float)
    d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    emb = classical_mds(d)
    np.testing.assert_allclose(np.sqrt(((emb[:, None] - emb[None]) ** 2).sum(-1)), d, atol=1e-4)
    vals = np.array([[1.0, 0.0], [2.0, -1.0], [0.0, 5.0]])
    t = class_association(vals, np.array([0, 0, 1]), 3)
    np.testing.assert_allclose(t, [[3, 0, 0], [0, 5, 0]])
