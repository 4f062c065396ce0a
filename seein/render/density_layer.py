"""The zoomed-out matrix: one image of every panel's class-coloured density instead of its points.

A matrix zoomed out over hundreds of panels would draw every point hundreds of times; the
densities (computed once per layer and mode, right before they are first drawn, not on
every camera change) cost one quad. A layer upload homes the camera on the way to the
caller's view, and a million-point matrix's densities cost a second on the CPU, so they
are made lazily.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
from vispy import scene


class _LazyImage(scene.visuals.Image):
    """An image node that asks ``prepare`` for its data right before each draw."""

    def __init__(self, prepare: Callable[[], None], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.unfreeze()
        self._prepare = prepare
        self.freeze()

    def draw(self) -> None:
        if self.visible:
            self._prepare()
        super().draw()


class DensityLayer:
    """The density image under a view; ``source()`` gives (key, (points, image_index, labels,
    ranges, palette, pairs, grid)) and the image is recomputed only when the key changes."""

    def __init__(self, parent: Any, source: Callable[[], tuple]):
        self._source = source
        self._key: Optional[tuple] = None
        self.image = _LazyImage(self._ensure, np.full((1, 1, 4), 255, np.uint8), parent=parent,
                                interpolation="nearest")
        self.image.visible = False
        self.image.order = -1

    def forget(self) -> None:
        """The ranges changed: recompute before the next draw."""
        self._key = None

    def _ensure(self) -> None:
        key, (points, image_index, labels, ranges, palette, pairs, grid) = self._source()
        if key == self._key or not len(points):
            return
        from vispy.visuals.transforms import STTransform

        from .overview import class_densities, density_image

        bins = 64 if grid <= 16 else max(8, 1024 // grid)
        dens = class_densities(points, image_index, labels, bins, ranges, pairs=pairs)
        img, cell = density_image(dens, palette=palette)
        self.image.set_data(img)
        self.image.transform = STTransform(scale=(1.0 / cell, 1.0 / cell))
        self._key = key
