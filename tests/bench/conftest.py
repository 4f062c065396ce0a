"""Fixtures of the benchmark tests: ``make_window`` for the interaction benchmark (seein.testing.qt)."""

from __future__ import annotations

from seein.testing.qt import make_window, private_settings  # noqa: F401  (fixtures of this area)
