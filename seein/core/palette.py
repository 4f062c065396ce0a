"""The class palette: one colour per class, the same in every view, window and figure.

Okabe-Ito's colour-blind-safe qualitative colours, then Tableau's, then evenly spaced hues.
"""

from __future__ import annotations

import colorsys

import numpy as np

BASE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
                "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22", "#9467BD")


def class_palette(n_classes: int) -> np.ndarray:
    """float32 (max(n_classes, 1), 4) RGBA in [0, 1], one colour per class; one colour when unlabelled."""
    n = max(int(n_classes), 1)
    rgb = []
    for k in range(n):
        if k < len(BASE_COLOURS):
            h = BASE_COLOURS[k].lstrip("#")
            rgb.append([int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)])
        else:  # evenly spaced hues past the base set (golden-ratio steps)
            rgb.append(list(colorsys.hsv_to_rgb((k * 0.618034) % 1.0, 0.65, 0.9)))
    out = np.ones((n, 4), dtype=np.float32)
    out[:, :3] = rgb
    return out
