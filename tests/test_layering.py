"""The layering (CONTRIBUTING.md): import-linter's contracts, no import cycle, ruff clean, Qt-free tests of Qt-free layers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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


#: Test areas of the layers that never import Qt or VisPy: their tests must run without a display or pytest-qt.
QT_FREE_AREAS = ("core", "data", "nets", "store", "extract", "demo", "compute", "state")
QT_MODULES = ("qtpy", "PyQt5", "PyQt6", "PySide6", "superqt", "pytestqt", "vispy", "seein.gui", "seein.render",
              "seein.testing.qt")


def _qt_imports(path: Path) -> list[str]:
    """Qt-side modules ``path`` imports anywhere (inside functions too), and any ``qtbot`` it asks for."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = ["pytestqt (qtbot)"] if any(a.arg == "qtbot" for a in node.args.args) else []
        found += [n for n in names if n.split(" ")[0].startswith(QT_MODULES)]
    return found


def test_tests_of_the_qt_free_layers_import_no_qt():
    files = [f for area in QT_FREE_AREAS for f in sorted((ROOT / "tests" / area).glob("*.py"))]
    assert any(f.parent.name == "state" for f in files), "tests/state/ holds no tests"
    bad = {str(f.relative_to(ROOT)): names for f in files if (names := _qt_imports(f))}
    assert not bad, f"tests of Qt-free layers import Qt: {bad}"


def test_the_qt_check_finds_a_qt_import(tmp_path):
    test = tmp_path / "test_x.py"
    test.write_text("def test_a(qtbot):\n    from qtpy import QtCore\n")
    assert sorted(_qt_imports(test)) == ["pytestqt (qtbot)", "qtpy", "qtpy.QtCore"]
