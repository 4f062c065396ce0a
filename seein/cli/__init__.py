"""The ``seein`` command: one sub-module per subcommand, each with ``add_parser(subparsers)``.

Every subcommand module sets ``func`` on its parser; ``func(args)`` returns an exit
code (or None for 0). A :class:`~seein.core.errors.SeeinError` becomes one line on
stderr and exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from typing import Sequence

from .. import __version__
from ..core.errors import Cancelled, SeeinError

# Sub-modules of seein.cli, in the order --help lists them.
SUBCOMMANDS = (
    "demo", "train", "layers", "extract", "merge", "upgrade", "info",
    "backend", "embed", "compute", "screenshot", "view", "bench",
    "adversarial", "maximize",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="seein",
        description="Seein' In: look inside trained convolutional networks.",
    )
    parser.add_argument("--version", action="version", version=f"seein {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # that subcommand is not part of this build
            raise
        module.add_parser(subparsers)
    return parser


def _one_line_warning(command: str):
    """A ``warnings.showwarning`` that prints ``seein CMD: warning: ...`` on one line.

    Python's default shows the source file and line of the warning call, which
    means nothing to a user of the command (``--debug`` keeps the default).
    """
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        lines = str(message).strip().splitlines()
        print(f"seein {command}: warning: {lines[0] if lines else category.__name__}",
              file=file or sys.stderr)
    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``seein`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("SEEIN_DEBUG") == "1"
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():  # restores the usual display when main() returns
            if not debug:
                warnings.showwarning = _one_line_warning(args.command)
            code = args.func(args)
    except SeeinError as exc:
        if debug:
            raise
        print(f"seein {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Cancelled):
        if debug:
            raise
        print(f"seein {args.command}: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except SystemExit as exc:  # user code (a model file) called sys.exit: said, not silent
        if debug:
            raise
        print(f"seein {args.command}: error: code run by this command called sys.exit({exc.code!r}) "
              "(a model file?)", file=sys.stderr)
        return 2
    except Exception as exc:  # an internal error: still one line unless --debug
        if debug:
            raise
        print(f"seein {args.command}: internal error: {type(exc).__name__}: {exc} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return 1
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def write_json(path: str, payload: dict) -> None:
    """Write a benchmark's or command's JSON output atomically (no half-written file)."""
    import json
    import os
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(payload, fh, indent=2, default=float)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
