"""The CLI lists and documents every subcommand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ("demo", "train", "layers", "extract", "merge", "info", "bench")


def _subcommands():
    from seein.cli import SUBCOMMANDS, build_parser

    parser = build_parser()
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    present = list(actions[0].choices)
    return SUBCOMMANDS, present


def test_help_lists_every_subcommand():
    proc = subprocess.run([sys.executable, "-m", "seein", "--help"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    wanted, present = _subcommands()
    for name in REQUIRED:
        assert name in present, f"seein {name} is missing"
    for name in present:
        assert f"    {name} " in proc.stdout or f"    {name}\n" in proc.stdout, name
    assert set(present) <= set(wanted)


@pytest.mark.parametrize("name", ["demo", "train", "layers", "extract", "merge", "info", "backend", "embed",
                                  "compute", "screenshot", "view", "bench", "adversarial", "maximize"])
def test_each_subcommand_has_help(name, capsys):
    from seein.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: seein") and name in out.splitlines()[0]


def test_bench_extract_has_help(capsys):
    from seein.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "extract", "--help"])
    assert exit_info.value.code == 0 and "--json" in capsys.readouterr().out
