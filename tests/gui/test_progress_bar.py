"""The status bar's progress while a projection is computed: it names the phase, and Cancel answers at once."""

import numpy as np
import pytest
from qtpy import QtCore

pytestmark = pytest.mark.gui


def _dark_pixels(widget) -> int:
    """Pixels of ``widget`` as drawn on screen that are text-dark (the bar's label)."""
    img = widget.grab().toImage().convertToFormat(4)  # QImage.Format_RGB32
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes()) if hasattr(ptr, "setsize") else None
    a = np.frombuffer(ptr, np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)[:, :img.width(), :3]
    return int((a.max(axis=2) < 90).sum())


def test_bar_names_the_phase_and_cancel_answers_at_once(make_window, synthetic_store, qtbot):
    w = make_window(synthetic_store, layer="conv")
    events = []
    w.state.bus.progress.connect(events.append)
    w.state.set_mode("projection", "tsne")
    qtbot.waitUntil(lambda: any(e.message.startswith("t-SNE ") and "/" in e.message for e in events),
                    timeout=60000)
    bar = w.status.progress_bar
    text = bar.text()
    assert text.startswith("t-SNE of conv at snapshot ") and " · t-SNE " in text and "/750" in text and text.endswith("%"), text
    last = next(e for e in reversed(events) if not e.finished)
    assert last.done < last.total  # never 100 % while the work goes on
    fractions = [e.done / e.total for e in events if not e.finished and e.total > 0]
    assert fractions == sorted(fractions)  # one figure over every phase, never restarting
    assert _dark_pixels(bar) > 50  # the label is drawn, not only set
    before = len(events)
    qtbot.mouseClick(w.status.cancel_button, QtCore.Qt.LeftButton)
    assert bar.text().endswith("cancelling…") and not w.status.cancel_button.isEnabled()  # before any event
    qtbot.waitUntil(lambda: events[-1].finished, timeout=20000)
    assert events[-1].message == "cancelled" and w.state.projection("conv") is None
    # the work saw the cancel at its next progress call: at most one more report came (already queued)
    assert sum(1 for e in events[before:] if not e.finished) <= 2
    assert not bar.isVisible() and w.status.cancel_button.isEnabled()
