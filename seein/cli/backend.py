"""``seein backend``: which device compute runs on, what is available, and why."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "backend", help="show the compute device (CUDA or CPU) and the libraries used",
        description="Print what seein found (torch's CUDA, CuPy, cuML, openTSNE, scikit-learn) and "
                    "what it uses. SEEIN_DEVICE=cpu|cuda overrides the automatic choice.")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    import torch

    from ..core.backend import get_backend
    from ..core.errors import SeeinError

    available = {
        "cuda": bool(torch.cuda.is_available()),
        "torch_cuda_build": torch.version.cuda,
        "gpus": torch.cuda.device_count() if torch.cuda.is_available() else 0,
    }
    cuda = ("yes, " + str(available["gpus"]) + " GPU(s)") if available["cuda"] else (
        "no (torch built without CUDA)" if available["torch_cuda_build"] is None else "no GPU visible")
    try:
        backend = get_backend()
    except SeeinError:  # e.g. SEEIN_DEVICE=cuda without a GPU: say what there is, then the error
        if not args.json:
            print(f"CUDA available: {cuda}")
        raise
    if args.json:
        print(json.dumps({"used": backend.name, "reason": backend.reason, "xp": backend.xp.__name__,
                          "has_cupy": backend.has_cupy, "has_cuml": backend.has_cuml,
                          "installed": backend.installed, "threads": backend.threads,
                          "versions": backend.versions, "available": available}, indent=2))
        return 0
    print(f"CUDA available: {cuda}")
    print(backend.describe())
    if not backend.is_cuda:
        print("GPU path: install a CUDA build of torch and `pip install seein[gpu]` (CuPy, cuML)")
    return 0
