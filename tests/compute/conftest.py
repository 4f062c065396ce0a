"""Fixtures of the compute tests."""

from __future__ import annotations

import sys
import types

import pytest


@pytest.fixture
def stand_in_cuml(monkeypatch):
    """``stand_in_cuml("cluster", "KMeans", cls)``: make ``cuml.<sub>.<name>`` importable as
    ``cls`` for this test (no GPU here: the cuML branches run against stand-ins)."""

    def install(sub: str, name: str, cls: type) -> None:
        cuml = types.ModuleType("cuml")
        module = types.ModuleType(f"cuml.{sub}")
        setattr(module, name, cls)
        setattr(cuml, sub, module)
        monkeypatch.setitem(sys.modules, "cuml", cuml)
        monkeypatch.setitem(sys.modules, f"cuml.{sub}", module)

    return install
