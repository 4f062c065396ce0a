"""The layering of DESIGN.md, checked by import-linter; and the CLI lists and documents every command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ("demo", "train", "layers", "extract", "merge", "info", "bench")


def test_import_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is not installed (pip install -e .[dev])"
    proc = subprocess.run([exe, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: " in proc.stdout and " broken" in proc.stdout and "0 broken" in proc.stdout


def test_ruff_finds_no_unused_name_and_imports_are_sorted():
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert exe, "ruff is not installed (pip install -e .[dev])"
    proc = subprocess.run([exe, "check", "--no-cache", "seein", "tests"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _import_cycles(package: str = "seein") -> list[list[str]]:
    """Strongly connected groups of modules in ``package``'s import graph (imports inside
    functions and under ``if TYPE_CHECKING`` included), largest first."""
    import grimp

    graph = grimp.build_graph(package)
    edges = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i.startswith(package))
             for m in graph.modules}
    # a package importing its own sub-modules (an ``__init__`` re-export) is not a cycle of the design
    for m in edges:
        edges[m] = [i for i in edges[m] if not i.startswith(m + ".")]
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    import sys
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sorted(groups, key=len, reverse=True)


def test_the_import_graph_has_no_cycle():
    cycles = _import_cycles()
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_check_finds_a_cycle(tmp_path, monkeypatch):
    pkg = tmp_path / "cyclic_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from . import b\n")  # inside a function: still counted
    (pkg / "b.py").write_text("from . import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _import_cycles("cyclic_pkg") == [["cyclic_pkg.a", "cyclic_pkg.b"]]


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
                                  "compute", "screenshot", "view", "bench"])
def test_each_subcommand_has_help(name, capsys):
    from seein.cli import main

    _, present = _subcommands()
    if name not in present and name not in REQUIRED:  # later issues' commands, while in progress
        pytest.skip(f"seein {name} is not part of this build yet")
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
