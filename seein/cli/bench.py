"""``seein bench extract|compute|render|view``: benchmarks that print ratios measured in one run.

Each target lives in its own module ``seein.cli.bench_<target>`` with ``add_parser(subparsers)``.
"""

from __future__ import annotations

import argparse
import importlib

TARGETS = ("extract", "compute", "render", "view", "live")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("bench", help="benchmarks (ratios measured in one run, JSON too)",
                                   description=__doc__)
    targets = parser.add_subparsers(dest="target", metavar="TARGET")
    for name in TARGETS:
        try:
            module = importlib.import_module(f"{__package__}.bench_{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__package__}.bench_{name}":
                continue
            raise
        module.add_parser(targets)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)
