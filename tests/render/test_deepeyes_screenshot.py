"""`seein screenshot STORE --view NAME` draws each DeepEyes view with no display."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from seein.cli import main


@pytest.mark.parametrize("view", ["curves", "perplexity", "heatmap", "filtermap", "inputmap"])
def test_screenshot_view(synthetic_store, tmp_path, capsys, view):
    out = tmp_path / f"{view}.png"
    assert main(["screenshot", str(synthetic_store), "--view", view, "--layer", "conv", "--size", "320x240",
                 "-o", str(out)]) == 0
    assert f"view {view}" in capsys.readouterr().out
    rgba = np.asarray(Image.open(out))
    assert rgba.shape[:2] == (240, 320)
    assert (rgba[..., :3] < 200).any(-1).sum() > 300  # drawn, not blank


def test_screenshot_view_errors(synthetic_store, tmp_path, capsys):
    assert main(["screenshot", str(synthetic_store), "--view", "heatmap", "--layer", "nope",
                 "-o", str(tmp_path / "x.png")]) == 2
    assert "no layer 'nope'" in capsys.readouterr().err
    assert main(["screenshot", str(synthetic_store), "-o", str(tmp_path / "x.png")]) == 2
    assert "--layer is required" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
