"""Shared helpers for the test suite and examples: real files and real windows, nothing faked.

- :mod:`seein.testing.stores`: small synthetic stores (``make_store``) and store comparison.
- :mod:`seein.testing.extraction`: a tiny network and extraction plan that drive the engine.
- :mod:`seein.testing.qt`: synthetic mouse input and window fixtures (imports Qt; import it
  only from GUI tests). Everything else here stays free of Qt.
"""

from .stores import assert_same_stores, make_store

__all__ = ["make_store", "assert_same_stores"]
