"""The `seein` command itself: fast --help, version, errors as one line with exit code 2."""

from __future__ import annotations

import subprocess
import sys

from seein import __version__
from seein.cli import main

HEAVY = ("torch", "vispy", "qtpy", "PyQt5", "sklearn", "h5py", "openTSNE")


def test_help_imports_nothing_heavy():
    code = ("import sys; from seein.cli import build_parser; build_parser().format_help(); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"seein --help imports {proc.stdout.strip()} (import inside run())"


def test_version_and_no_command(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.strip() == f"seein {__version__}"
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys):
    try:
        main(["extract"])  # -o is required
    except SystemExit as exc:
        assert exc.code == 2
    assert "required: -o/--out" in capsys.readouterr().err


def test_internal_errors_are_one_line_unless_debug(tmp_path, monkeypatch, capsys):
    from seein.cli import build_parser

    def boom(args):
        raise RuntimeError("unexpected")

    monkeypatch.setattr("seein.cli.build_parser", lambda: _with(build_parser(), "info", boom))
    assert main(["info", "x.h5"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["seein info: internal error: RuntimeError: unexpected (rerun with --debug for the traceback)"]


def _with(parser, name, func):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            action.choices[name].set_defaults(func=func)
    return parser


def test_warnings_are_one_line_naming_the_command(tmp_path, monkeypatch, capsys):
    import warnings

    from seein.cli import build_parser

    def warns(args):
        warnings.warn("photos: skipped 1 file(s) that are not images in class folders: a/notes.txt")

    monkeypatch.setattr("seein.cli.build_parser", lambda: _with(build_parser(), "info", warns))
    before = warnings.showwarning
    assert main(["info", "x.h5"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["seein info: warning: photos: skipped 1 file(s) that are not images in class "
                   "folders: a/notes.txt"]
    assert warnings.showwarning is before  # the one-line display ends with the command


def test_a_seein_home_that_cannot_be_a_folder_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("")
    for home, problem in ((blocker, "is a file, not a folder"),
                          (blocker / "below", "cannot create this folder (Not a directory)")):
        monkeypatch.setenv("SEEIN_HOME", str(home))
        assert main(["extract", "--model", "lenet", "-o", str(tmp_path / "o.h5")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"seein extract: error: {home}: {problem}") and "\n" not in err
        assert "SEEIN_HOME" in err
    assert not (tmp_path / "o.h5").exists()
