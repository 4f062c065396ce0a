"""The what-if figures (matplotlib Agg) and ``seein screenshot --view adversarial|maximize``: real pixels."""

from __future__ import annotations

import numpy as np
from PIL import Image

from seein.cli import main


def _ink(path) -> np.ndarray:
    px = np.asarray(Image.open(path).convert("RGB")).astype(int)
    return np.abs(px - 255).sum(2) > 60


def test_screenshot_adversarial_view(demo_store, tmp_path):
    out = tmp_path / "adv.png"
    assert main(["screenshot", str(demo_store), "--view", "adversarial", "--layer", "fc2",
                 "--select", "images=5", "-o", str(out)]) == 0
    ink = _ink(out)
    assert ink.shape == (700, 1000)
    assert ink[:300].mean() > 0.1 and ink[450:].mean() > 0.02  # strip on top, trail below


def test_screenshot_maximize_view_unit_and_selection(demo_store, tmp_path):
    unit, sel = tmp_path / "u.png", tmp_path / "s.png"
    assert main(["screenshot", str(demo_store), "--view", "maximize", "--layer", "conv1", "--unit", "2",
                 "-o", str(unit)]) == 0
    assert main(["screenshot", str(demo_store), "--view", "maximize", "--layer", "fc1", "--select", "class=3",
                 "-o", str(sel)]) == 0
    a, b = _ink(unit), _ink(sel)
    assert a.mean() > 0.1 and b.mean() > 0.1 and (a != b).mean() > 0.05


def test_strip_figure_marks_reached_steps():
    from seein.render.whatif import figure_rgba, strip_figure

    images = np.zeros((3, 1, 8, 8), np.float32)
    images[1:, 0, 2:6, 2:6] = 0.5
    rgba = figure_rgba(strip_figure(images, [0, 0, 2], [0.1, 0.4, 0.9], 2, ["a", "b", "c"], size=(600, 300)))
    assert rgba.shape == (300, 600, 4)
    green = (rgba[..., 1].astype(int) - rgba[..., 0] > 60) & (rgba[..., 1] > 100)  # the reached title
    assert green[:, 400:].sum() > 10 and green[:, :200].sum() == 0
