"""Projections in a real window: the timeline plays each snapshot's own (aligned) map, computed
ahead and waited for; a layer's map is aligned onto the one on screen and animated from it."""

import re
import threading

import numpy as np
import pytest
from qtpy import QtWidgets

from seein.compute.procrustes import procrustes
from seein.core.errors import Cancelled
from seein.testing import make_store
from seein.testing.qt import wait_idle

pytestmark = pytest.mark.gui


def _hold(monkeypatch, held):
    """Projections for which ``held(layer, snapshot)`` is true wait until the returned gate is set."""
    import seein.compute.projection as projection

    real, gate = projection.project, threading.Event()

    def project(store, layer, method, *, snapshot=None, progress=None, **kw):
        while held(layer, snapshot) and not gate.is_set():
            if progress is not None and progress(0, 1, "held by the test"):
                raise Cancelled()
            gate.wait(0.02)
        return real(store, layer, method, snapshot=snapshot, progress=progress, **kw)

    monkeypatch.setattr(projection, "project", project)
    return gate


def _label_snapshot(w) -> int:
    """The snapshot (0-based) the timeline's label names."""
    return int(re.match(r"snapshot (\d+)/", w.timeline.label.text()).group(1)) - 1


def _which_map(w, n_snapshots: int) -> int:
    """The snapshot whose map the scene draws: the one a similarity transform fits exactly."""
    drawn = np.asarray(w.embedding.scene._points, np.float64)
    spread = float(np.sqrt(((drawn - drawn.mean(0)) ** 2).sum(1).mean()))
    fits = {k: procrustes(w.state.maps.raw(("fc", "pca", k)), drawn).residual / spread
            for k in range(n_snapshots) if w.state.maps.ready(("fc", "pca", k))}
    best = min(fits, key=fits.get)
    assert fits[best] < 1e-3, fits  # one snapshot's map, moved rigidly
    assert all(v > 0.05 for k, v in fits.items() if k != best), fits  # and no other's
    return best


def _coloured(frame: np.ndarray) -> np.ndarray:
    rgb = frame[..., :3].astype(int)
    return (rgb.max(axis=2) - rgb.min(axis=2)) > 60


@pytest.fixture
def four_snapshots(tmp_path):
    return make_store(tmp_path / "four.h5", n_snapshots=4)


def test_play_in_projection_mode_shows_each_snapshots_aligned_map_and_waits_for_it(
        make_window, four_snapshots, qtbot, monkeypatch):
    gate = _hold(monkeypatch, lambda layer, snapshot: snapshot == 2)
    w = make_window(four_snapshots, layer="fc")
    w.state.set_snapshot(0)
    w.state.set_mode("projection", "pca")
    qtbot.waitUntil(lambda: w.state.maps.ready(("fc", "pca", 1)), timeout=20000)  # computed ahead
    wait_idle(qtbot, w)
    assert _which_map(w, 4) == 0 and _label_snapshot(w) == 0
    frames = {0: w.embedding.scene.render()}
    drawn = {0: np.array(w.embedding.scene._points)}
    w.timeline.play_button.click()
    seen = set()

    def check() -> None:  # whenever the label names snapshot k, the scene draws k's map
        QtWidgets.QApplication.processEvents()
        k = _label_snapshot(w)
        assert w.state.snapshot == k
        if not w.embedding.blank:
            assert _which_map(w, 4) == k
            seen.add(k)
            if k not in drawn:
                drawn[k] = np.array(w.embedding.scene._points)

    qtbot.waitUntil(lambda: (check(), w.state.snapshot == 1)[1], timeout=10000)
    for _ in range(60):  # 1.2 s: the timer ticks but snapshot 3's map is held, so the play head waits
        check()
        qtbot.wait(20)
    assert w.state.snapshot == 1 and w.timeline.play_button.isChecked()
    assert "waiting for snapshot 3's PCA" in w.timeline.label.text()
    wait_idle(qtbot, w)
    frames[1] = w.embedding.scene.render()
    gate.set()
    qtbot.waitUntil(lambda: (check(), w.state.snapshot == 3)[1], timeout=20000)
    w.timeline.play_button.click()  # pause
    wait_idle(qtbot, w)
    check()
    frames[3] = w.embedding.scene.render()
    assert seen == {0, 1, 2, 3}
    # each map aligned onto its neighbour's as drawn: the rigid fit of raw k onto drawn k-1 is what is drawn
    for k in (1, 2, 3):
        raw = w.state.maps.raw(("fc", "pca", k))
        assert np.allclose(procrustes(raw, drawn[k - 1]).apply(raw), drawn[k], atol=1e-3)
    assert (_coloured(frames[0]) != _coloured(frames[1])).sum() > 100  # the points moved on screen
    assert (_coloured(frames[1]) != _coloured(frames[3])).sum() > 100


def test_cancel_stops_the_play_and_a_step_onto_a_missing_map_says_so(make_window, four_snapshots, qtbot,
                                                                    monkeypatch):
    gate = _hold(monkeypatch, lambda layer, snapshot: snapshot == 2)
    w = make_window(four_snapshots, layer="fc")
    w.state.set_snapshot(1)
    w.state.set_mode("projection", "pca")
    qtbot.waitUntil(lambda: w.embedding.tasks.projecting == ("fc", "pca", 2), timeout=20000)
    wait_idle(qtbot, w)
    w.timeline.play_button.click()
    qtbot.waitUntil(lambda: "waiting for snapshot 3" in w.timeline.label.text(), timeout=5000)
    assert w.status.cancel_button.isVisible()  # the map computed ahead shows its progress, with Cancel
    w.status.cancel_button.click()
    qtbot.waitUntil(lambda: not w.timeline.play_button.isChecked(), timeout=3000)
    assert w.state.snapshot == 1 and _which_map(w, 2) == 1 and "waiting" not in w.timeline.label.text()
    w.timeline.slider.setValue(2)  # step onto the cancelled map: computed again, and said so meanwhile
    QtWidgets.QApplication.processEvents()
    assert "snapshot 3/4 · computing PCA…" in w.timeline.label.text()
    assert w.embedding.blank and not _coloured(w.embedding.scene.render()).any()
    gate.set()
    qtbot.waitUntil(lambda: w.state.maps.ready(("fc", "pca", 2)), timeout=20000)
    wait_idle(qtbot, w)
    assert not w.embedding.blank and "computing" not in w.timeline.label.text()
    assert _which_map(w, 3) == 2


def _class_centre(frame: np.ndarray, colour) -> np.ndarray:
    """Mean pixel (x, y) of the points drawn in a class's colour (selected: drawn at full strength)."""
    rgb = frame[..., :3].astype(int)
    near = (np.abs(rgb - np.asarray(colour) * 255).sum(axis=2) < 60)
    ys, xs = np.nonzero(near)
    assert len(xs) > 20
    return np.array([xs.mean(), ys.mean()])


def test_layer_switch_keeps_the_selected_cluster_where_it_was_on_screen(make_window, synthetic_store, qtbot,
                                                                       monkeypatch):
    """conv's map comes out mirrored and turned (as a t-SNE may): drawn aligned onto fc's map on
    screen, class 0 stays where it was, and the animation starts from the frame on screen."""
    import seein.compute.projection as projection

    real = projection.project
    a = np.radians(140)
    turn = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * [[1], [-1]]

    def project(store, layer, method, *, snapshot=None, progress=None, **kw):
        if layer != "conv":
            return real(store, layer, method, snapshot=snapshot, progress=progress, **kw)
        fc = real(store, "fc", method, snapshot=snapshot, progress=progress, **kw)
        rng = np.random.default_rng(0)
        emb = np.repeat(fc.embedding[:, :2] @ turn * 3 + 50, 25, axis=0)
        emb = emb + rng.normal(scale=0.05 * emb.std(), size=emb.shape)
        return projection.Projection(emb.astype(np.float32), method, fc.params, False, layer, snapshot)

    monkeypatch.setattr(projection, "project", project)
    w = make_window(synthetic_store, layer="fc")
    w.state.set_mode("projection", "pca")
    qtbot.waitUntil(lambda: w.state.projection("fc") is not None, timeout=20000)
    w.state.set_fade(0.0)  # only the selected class is drawn
    w.state.select_class(0)
    wait_idle(qtbot, w)
    scene = w.embedding.scene
    colour = scene._palette[0][:3]
    tasks, first_frames = w.embedding.tasks, []
    animate = tasks.animate

    def spy(start, *args):  # the first frame of every transition, as it is drawn
        animate(start, *args)
        first_frames.append(scene.render())

    monkeypatch.setattr(tasks, "animate", spy)
    before = _class_centre(scene.render(), colour)
    w.state.set_layer("conv")
    qtbot.waitUntil(lambda: len(first_frames) == 1, timeout=20000)
    first = _class_centre(first_frames[0], colour)
    wait_idle(qtbot, w)
    after = _class_centre(scene.render(), colour)
    size = min(scene.canvas.size)
    assert np.linalg.norm(first - before) < 0.03 * size  # the animation starts from the frame on screen
    assert np.linalg.norm(after - before) < 0.08 * size  # and ends with the cluster where it was
    raw = w.state.maps.raw(("conv", "pca", w.state.snapshot))
    assert not np.allclose(raw, scene._points)  # drawn aligned, not as computed (mirrored)
    assert w.state.projection_frame().reflected
    # a method switch animates from the map on screen too
    w.state.set_mode("projection", "pivotmds")
    qtbot.waitUntil(lambda: len(first_frames) == 2, timeout=20000)
    assert np.linalg.norm(_class_centre(first_frames[1], colour) - after) < 0.03 * size
    wait_idle(qtbot, w)
