"""The search box's language: class names (plural too), image ids and ranges, reported misses."""

from __future__ import annotations

import numpy as np

from seein.state.search import search_images

NAMES = ["plane", "car", "bird", "3"]
LABELS = np.array([0, 1, 2, 3, 0, 1, 3, 2])
IDS = np.array([10, 11, 12, 13, 3, 15, 16, 17])


def test_class_names_case_and_plural():
    r = search_images("Planes", NAMES, LABELS, IDS)
    assert r.mask.tolist() == (LABELS == 0).tolist() and r.unmatched == []
    r = search_images("car, bird", NAMES, LABELS, IDS)
    assert r.mask.tolist() == np.isin(LABELS, [1, 2]).tolist()


def test_numbers_are_class_names_first_then_ids_and_ranges():
    assert search_images("3", NAMES, LABELS, IDS).mask.tolist() == (LABELS == 3).tolist()  # the class "3"
    assert search_images("#3", NAMES, LABELS, IDS).mask.tolist() == (IDS == 3).tolist()  # image id 3
    assert search_images("15", NAMES, LABELS, IDS).mask.tolist() == (IDS == 15).tolist()
    assert search_images("id:10-12", NAMES, LABELS, IDS).mask.sum() == 3


def test_misses_are_reported():
    r = search_images("horse #99 plane", NAMES, LABELS, IDS)
    assert r.unmatched == ["horse", "#99"] and r.mask.sum() == 2 and r.matched == ["class plane (2)"]
