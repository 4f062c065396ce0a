"""Aligned projection maps (Deepling) and the timeline's maps computed ahead (no Qt)."""

import numpy as np
import pytest

from seein.state import AppState
from seein.state.bus import EventBus, MapStatus
from seein.state.projection_timeline import (
    MapFrame,
    ProjectionMaps,
    align_map,
    cell_map,
    display_ranges,
    eased,
    prefetch_order,
    start_positions,
)


def _matrix(positions, ranges):
    """Where a map's points sit in its cell, as the scene places them (0..1 over the ranges)."""
    ranges = np.asarray(ranges, np.float64)
    return (np.asarray(positions, np.float64) - ranges[:, 0]) / (ranges[:, 1] - ranges[:, 0])


def _clusters(rng, n_images=90, n_classes=3):
    labels = np.arange(n_images) % n_classes
    centres = np.array([[-4.0, 0.0], [3.0, 2.0], [2.0, -3.0]])[:n_classes]
    return (centres[labels] + rng.normal(scale=0.5, size=(n_images, 2))).astype(np.float32), labels


def _mirrored_rotated(x, degrees=130.0, scale=7.0, shift=(40.0, -12.0)):
    a = np.radians(degrees)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return ((x * [1.0, -1.0]) @ rot * scale + shift).astype(np.float32)


def test_aligned_target_keeps_a_selected_cluster_where_it_was():
    """A structured layer's new map (25 points per image), mirrored and turned as t-SNE may
    return it: aligned onto the map on screen, the selected class stays put; unaligned it leaps."""
    rng = np.random.default_rng(0)
    shown_pos, labels = _clusters(rng)
    shown = MapFrame(("fc", "tsne", 1), shown_pos, display_ranges(shown_pos), (1, 1))
    per = 25
    new_raw = np.repeat(_mirrored_rotated(shown_pos), per, axis=0) + rng.normal(scale=0.8, size=(len(shown_pos) * per, 2))
    target, mirrored = align_map(new_raw, (5, 5), shown)
    assert mirrored
    selected = np.repeat(labels == 0, per)
    before = _matrix(shown_pos[labels == 0], shown.ranges).mean(0)
    aligned = _matrix(target[selected], display_ranges(target)).mean(0)
    unaligned = _matrix(new_raw[selected], display_ranges(new_raw)).mean(0)
    assert np.linalg.norm(aligned - before) < 0.05  # within 5 % of the map's extent
    assert np.linalg.norm(unaligned - before) > 0.3  # the cluster leapt across the map
    # every class, not just the selected one
    for c in range(3):
        m = np.repeat(labels == c, per)
        assert np.linalg.norm(_matrix(target[m], display_ranges(target)).mean(0)
                              - _matrix(shown_pos[labels == c], shown.ranges).mean(0)) < 0.05


def test_align_map_needs_the_same_images():
    shown = MapFrame(("a", "pca", 0), np.zeros((10, 2), np.float32), display_ranges(np.eye(2)), (1, 1))
    raw = np.arange(24, dtype=np.float32).reshape(12, 2)
    out, mirrored = align_map(raw, (1, 1), shown)  # another store's map: left as it is
    assert out is raw or np.array_equal(out, raw)
    assert not mirrored
    assert align_map(raw, (1, 1), None)[0] is raw


def test_cell_map_pairs_cells_over_the_same_input_region():
    assert cell_map((1, 1), (3, 3)).tolist() == [0] * 9  # every cell after a flat layer: its point
    assert cell_map((5, 5), (1, 1)).tolist() == [12]  # a flat layer after a 5x5 one: the centre cell
    assert cell_map((4, 4), (2, 2)).tolist() == [5, 7, 13, 15]
    assert cell_map((2, 2), (4, 4)).tolist() == [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3]


def test_start_positions_are_where_the_points_are_on_screen():
    rng = np.random.default_rng(1)
    n_images = 7
    shown_pos = rng.normal(size=(n_images * 4, 2)).astype(np.float32)  # 2 x 2 cells per image
    shown = MapFrame(("conv", "pca", 0), shown_pos, display_ranges(shown_pos), (2, 2))
    new_ranges = np.array([[10.0, 30.0], [-5.0, 15.0]])
    start = start_positions(shown, (1, 1), new_ranges)  # to a flat layer, drawn over other ranges
    assert start.shape == (n_images, 2)
    on_screen = _matrix(shown_pos, shown.ranges).reshape(n_images, 4, 2)[:, 3]  # cell (1, 1): nearest the centre
    assert np.allclose(_matrix(start, new_ranges), on_screen, atol=1e-5)
    again = start_positions(shown, (2, 2), shown.ranges)  # the same cells: exactly the points on screen
    assert np.allclose(again, shown_pos, atol=1e-5)


def test_display_ranges_are_square_and_eased_matches_the_shader():
    r = display_ranges(np.array([[0.0, 0.0], [4.0, 1.0]]))
    assert np.allclose(r, [[0.0, 4.0], [-1.5, 2.5]])
    a, b = np.zeros((2, 2)), np.ones((2, 2))
    assert np.allclose(eased(a, b, 0.0), 0) and np.allclose(eased(a, b, 1.0), 1)
    assert np.allclose(eased(a, b, 0.5), 0.5) and np.allclose(eased(a, b, 0.25), 0.15625)


def test_prefetch_order_runs_ahead_of_the_play_head():
    ready = {2}.__contains__
    assert prefetch_order(4, 6, ready, 1000) == [4, 5, 0, 1, 3]  # everything, from the play head on
    assert prefetch_order(0, 6, ready, 1_000_000, budget=2_000_000) == [0, 1]  # two maps' worth ahead (2 is ready)
    assert prefetch_order(3, 6, ready, 5_000_000, budget=2_000_000) == [3, 4]  # a huge layer: one ahead
    assert prefetch_order(0, 1, ready, 10) == [0]


def test_maps_status_on_the_bus_and_the_frame_on_screen():
    bus = EventBus()
    seen = []
    bus.map_status.connect(seen.append)
    maps = ProjectionMaps(bus)
    key = ("fc", "tsne", 0)
    assert maps.status(key) is MapStatus.MISSING and maps.frame(key, (1, 1)) is None
    maps.set_status(key, MapStatus.COMPUTING)
    maps.set_status(key, MapStatus.COMPUTING)  # unchanged: said once
    rng = np.random.default_rng(2)
    raw = rng.normal(size=(30, 2)).astype(np.float32)
    maps.put(key, raw)
    assert [e.status for e in seen] == [MapStatus.COMPUTING, MapStatus.READY]
    maps.set_status(key, MapStatus.CANCELLED)  # a late cancel does not undo a computed map
    assert maps.status(key) is MapStatus.READY
    first = maps.frame(key, (1, 1))
    assert np.array_equal(first.positions, raw) and maps.frame(key, (1, 1)) is first
    nxt = ("fc", "tsne", 1)
    maps.put(nxt, _mirrored_rotated(raw))
    second = maps.frame(nxt, (1, 1))
    assert second.reflected and np.allclose(second.positions, raw, atol=1e-3)  # onto snapshot 0's map
    assert maps.shown is second
    maps.clear()
    assert maps.shown is None and maps.status(key) is MapStatus.MISSING


@pytest.fixture
def state(synthetic_store):
    s = AppState()
    s.open_store(synthetic_store)
    s.set_layer("fc")
    yield s
    s.close()


def test_a_method_switch_aligns_onto_the_map_on_screen_not_the_last_computed(state):
    rng = np.random.default_rng(3)
    n = state.store.n_points("fc")
    tsne = rng.normal(size=(n, 2)).astype(np.float32)
    state.set_mode("projection", "tsne")
    state.set_projection("fc", "tsne", state.snapshot, tsne)
    on_screen = state.projection_frame()
    assert np.array_equal(state.projection(), tsne)  # the first map is drawn as computed
    # a map computed but never shown (another method), then the one switched to
    state.set_projection("fc", "pivotmds", state.snapshot, rng.normal(size=(n, 2)).astype(np.float32))
    state.set_projection("fc", "umap", state.snapshot, _mirrored_rotated(tsne))
    state.set_mode("projection", "umap")
    frame = state.projection_frame()
    assert frame.key == ("fc", "umap", state.snapshot) and frame.reflected
    assert np.allclose(frame.positions, on_screen.positions, atol=1e-3)
    arrays = state.layer_arrays()
    assert np.array_equal(arrays["points"], frame.positions) and np.array_equal(arrays["ranges"], frame.ranges)


def test_a_layer_switch_aligns_per_image(state):
    rng = np.random.default_rng(4)
    fc = rng.normal(size=(state.store.n_points("fc"), 2)).astype(np.float32)
    state.set_mode("projection", "pca")
    state.set_projection("fc", "pca", state.snapshot, fc)
    state.projection_frame()
    conv = np.repeat(_mirrored_rotated(fc), 25, axis=0)  # conv: 5 x 5 cells per image
    state.set_projection("conv", "pca", state.snapshot, conv)
    state.set_layer("conv")
    frame = state.projection_frame()
    assert frame.cells == (5, 5) and frame.reflected
    assert np.allclose(frame.positions.reshape(-1, 25, 2).mean(1), fc, atol=1e-3)
    assert state.projection("fc") is not None  # another layer's map: as computed
