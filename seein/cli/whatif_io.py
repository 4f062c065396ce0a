"""Options and outputs shared by the commands that run a store's network and draw a figure
(``seein adversarial``, ``seein maximize``, ``seein screenshot --view adversarial|maximize``).

The output checks and atomic writes themselves are :mod:`seein.core.outputs`'s; this module
only says them once for these commands.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from ..core.errors import SeeinError


def add_network_options(p: argparse.ArgumentParser) -> None:
    """--snapshot and --model: which weights to run, and consent to run a user's model file."""
    p.add_argument("--snapshot", type=int, default=-1, metavar="S", help="snapshot (default: the last)")
    p.add_argument("--model", metavar="SPEC",
                   help="the network to run (file.py:Class, model.pt); naming it here is consent to run it")


def add_figure_outputs(p: argparse.ArgumentParser, size_help: str, json_help: str,
                       default_size: str | None = None) -> None:
    """--size, -o PNG and --json FILE."""
    p.add_argument("--size", default=default_size, metavar="WxH", help=size_help)
    p.add_argument("-o", "--output", required=True, help="PNG file to write")
    p.add_argument("--json", metavar="FILE", help=json_help)


def parse_size(text: str) -> tuple[int, int]:
    """``WxH`` -> (W, H), positive."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SeeinError(f"--size must be WxH in pixels (got {text!r})") from None
    if w < 100 or h < 100:
        raise SeeinError(f"--size must be at least 100x100 (got {text!r})")
    return w, h


def check_outputs(inputs: list, *paths: str | None) -> None:
    """Every output's folder is writable and no output is an input (checked before the work, not after)."""
    from ..core.outputs import check_output_folder, refuse_if_input, same_file

    given = [p for p in paths if p]
    for p in given:
        check_output_folder(p)
        refuse_if_input(p, inputs, "the output")
    if len(given) == 2 and same_file(given[0], given[1]):
        raise SeeinError("the PNG and the JSON output are the same file", given[0])


def write_png(rgba: Any, path: str | os.PathLike) -> Path:
    from ..render.screenshot import save_png

    return save_png(rgba, path)


def write_json(data: Any, path: str | os.PathLike) -> Path:
    """Write JSON atomically (fsynced temporary file, then renamed)."""
    from ..core.outputs import atomic_output

    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1) + "\n")
    return Path(path)
