"""Fixtures of the extraction tests: a tiny plan (seein.testing.extraction) over random images."""

from __future__ import annotations

import pytest

from seein.testing.extraction import tiny_plan


@pytest.fixture
def plan():
    return tiny_plan()
