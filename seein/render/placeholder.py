"""A marked placeholder over an embedding scene: no points, one centred line of text.

While the view has no points of the layer, snapshot and method the state names (a
projection being computed or cancelled, a big layer being read), it must not keep the
previous map on screen: the scene's view is hidden and this message says what is coming.
"""

from __future__ import annotations

from typing import Any

from vispy import scene as vscene

TEXT_COLOR = (0.35, 0.35, 0.35, 1.0)


class Placeholder:
    """Hides ``scene``'s points and shows ``text`` in the middle of its canvas until :meth:`hide`."""

    def __init__(self, scene: Any):
        self.scene = scene
        self.text = vscene.visuals.Text("", color=TEXT_COLOR, font_size=11, anchor_x="center",
                                        anchor_y="center", parent=scene.canvas.scene)
        self.text.visible = False
        scene.canvas.events.resize.connect(self._place)
        self._place()

    @property
    def active(self) -> bool:
        """True while the placeholder stands in for the points (nothing to hover or click)."""
        return bool(self.text.visible)

    @property
    def message(self) -> str:
        return str(self.text.text) if self.active else ""

    def show(self, text: str) -> None:
        self.text.text = text
        self.text.visible = True
        self.scene.set_plot_visible(False)  # points, grid, labels, densities and axes of what was there
        self._place()
        self.scene.canvas.update()

    def hide(self) -> None:
        if self.active:
            self.text.visible = False
            self.scene.set_plot_visible(True)
            self.scene.canvas.update()

    def _place(self, event: Any = None) -> None:
        w, h = self.scene.canvas.size
        self.text.pos = (w / 2.0, h / 2.0)
