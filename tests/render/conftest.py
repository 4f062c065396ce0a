"""Render tests run their EGL cases (tests/render/cases.py) in a fresh subprocess.

EGL and Qt's GL cannot share a process (see seein.render), and the whole suite runs in
one pytest process with the Qt tests; a subprocess keeps them apart. All cases run in
one subprocess per session (EGL start-up and imports are most of the time on llvmpipe).
"""

from __future__ import annotations

from pathlib import Path

import pytest

CASES = Path(__file__).with_name("cases.py")


@pytest.fixture(scope="session")
def _cases():
    from seein.render.offscreen import run_isolated

    return run_isolated(f"{CASES}:every_case", timeout=300)


@pytest.fixture
def case(_cases):
    """``case(name)``: the result of ``cases.<name>`` rendered through EGL."""

    def get(name: str):
        result = _cases[name]
        if "__error__" in result:
            pytest.fail(f"render case {name} failed:\n{result['__error__']}")
        return result

    return get
