"""Issue 11, item 16: a headless QT_QPA_PLATFORM cannot draw VisPy's canvases, so ``seein view``
overrides it for --screenshot (which brings its own X server) and refuses it in one line otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np


def test_item16_offscreen_platform_is_overridden_for_a_screenshot_and_refused_for_a_window(
        synthetic_store, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    out = tmp_path / "shot.png"
    run = subprocess.run([sys.executable, "-m", "seein", "view", str(synthetic_store), "--screenshot", str(out),
                          "--layer", "out", "--size", "900x600"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    from PIL import Image

    img = np.asarray(Image.open(out).convert("RGB"))
    assert img.shape == (600, 900, 3) and img.std() > 10
    window = subprocess.run([sys.executable, "-m", "seein", "view", str(synthetic_store)],
                            capture_output=True, text=True, timeout=60, env=env)
    lines = window.stderr.strip().splitlines()
    assert window.returncode == 2 and len(lines) == 1, window.stderr
    assert "QT_QPA_PLATFORM=offscreen cannot draw the OpenGL views" in lines[0]
