"""A store extracted from a user model file whose import leaves a marker file: the way the
tests see whether that file's code ran (it must not, without the user's consent)."""

from __future__ import annotations

import textwrap
from pathlib import Path

MODEL = """
import pathlib
import torch
from torch import nn

pathlib.Path({marker!r}).write_text("ran")  # the side effect that shows this file was executed


class Net(nn.Module):
    input_shape = (1, 28, 28)

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 5)
        self.fc = nn.Linear(3 * 24 * 24, 10)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))
"""


def make_user_model_store(folder: Path, n_images: int = 12) -> tuple[Path, Path, Path]:
    """(store, model file, marker): the store names ``model.py:Net``; the marker is removed after
    extraction (which ran the file: the user named it), so it reappears only if the file runs again."""
    import torch

    from ..extract import extract
    from ..nets.loading import build_model

    marker = folder / "marker.txt"
    model = folder / "net.py"
    model.write_text(textwrap.dedent(MODEL.format(marker=str(marker))))
    weights = folder / "net.pt"
    torch.save(build_model(f"{model}:Net", seed=1).state_dict(), weights)
    out = extract(f"{model}:Net", "digits", folder / "user.h5", weights=weights, limit=n_images)
    assert marker.exists()
    marker.unlink()
    return Path(out), model, marker
