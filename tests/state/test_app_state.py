"""AppState with no Qt: values, events on the bus, selection undo/redo, hover, feature maps, files."""

import numpy as np
import pytest

from seein.core.errors import SeeinError
from seein.state import (
    AppState,
    SelectMode,
    load_selection,
    parse_select,
    save_selection,
)
from seein.state.bus import EventBus


@pytest.fixture
def state(synthetic_store):
    s = AppState()
    s.open_store(synthetic_store)
    yield s
    s.close()


def test_open_store_emits_and_picks_first_layer(synthetic_store):
    bus = EventBus()
    seen = []
    bus.store_changed.connect(lambda store: seen.append("store"))
    bus.layer_changed.connect(lambda e: seen.append(("layer", e.layer, e.previous)))
    s = AppState(bus)
    s.open_store(synthetic_store)
    assert seen == ["store", ("layer", "conv", None)]
    assert s.snapshot == 1 and s.mode == "splom" and s.selection.shape == (60,)
    s.set_layer("out")
    assert s.mode == "scatter" and seen[-1] == ("layer", "out", "conv")
    s.set_layer("out")  # unchanged: no event
    assert len(seen) == 3
    s.close()


def test_selection_undo_redo_and_events(state):
    events = []
    state.bus.selection_changed.connect(events.append)
    state.select_class(1)
    assert state.selection.sum() == 20 and events[-1].source == "legend"
    state.select_class(2, SelectMode.ADD)
    assert state.selection.sum() == 40
    state.select_images([1, 2, 4], SelectMode.SUBTRACT)  # 1 is class 1, 2 is class 2, 4 is class 1
    assert state.selection.sum() == 37 and not state.selection[[1, 2, 4]].any()
    state.invert_selection()
    assert state.selection.sum() == 23
    assert state.undo() and state.selection.sum() == 37
    assert state.undo() and state.selection.sum() == 40
    assert state.redo() and state.selection.sum() == 37
    state.clear_selection()
    assert not state.selection.any() and events[-1].source == "clear"
    assert not state.redo()  # a new change drops the redo branch
    while state.undo():
        pass
    assert not state.selection.any()


def test_lasso_points_select_owning_images(state):
    pm = np.zeros(state.store.n_points("conv"), bool)
    pm[[0, 3, 25 * 7 + 2]] = True
    state.select_points(pm)
    assert np.flatnonzero(state.selection).tolist() == [0, 7]
    assert state.point_mask is pm or np.array_equal(state.point_mask, pm)
    state.select_point(26, SelectMode.ADD)
    assert np.flatnonzero(state.selection).tolist() == [0, 1, 7]
    assert state.point_mask is None  # an add drops the exact points: they no longer match


def test_hover_and_details(state):
    hovers = []
    state.bus.hover_changed.connect(hovers.append)
    state.set_hover_point(25 * 3 + 5 * 2 + 4)
    assert hovers[-1].image == 3 and hovers[-1].cell == (2, 4)
    assert state.receptive_box("conv", (2, 4)) == (2, 4, 5, 7)
    state.set_hover_point(25 * 3 + 5 * 2 + 4)  # same: no event
    assert len(hovers) == 1
    d = state.describe_image(3)
    assert d["label"] == 0 and d["label_name"] == "class 0"


def test_focus_feature_goes_to_diagonal(state):
    cells = []
    state.bus.cell_focused.connect(cells.append)
    state.set_layer("out")
    state.focus_feature("fc", 4, image=5)
    assert state.layer == "fc" and state.dims == (4, 4) and state.mode == "splom"
    assert cells[-1].channel == 4 and cells[-1].image == 5


def test_feature_maps_one_and_many(state):
    assert state.feature_maps() == []
    state.select_images([3])
    maps = dict(state.feature_maps())
    assert list(maps) == ["input", "conv", "fc", "out"]
    assert maps["conv"].shape == (4, 5, 5) and maps["fc"].shape == (6,)
    assert maps["conv"].min() == 0 and maps["conv"].max() == 1
    state.select_class(0)
    many = dict(state.feature_maps())
    assert many["input"].shape == (1, 12, 12) and not np.allclose(many["conv"], maps["conv"])


def test_snapshot_and_layer_steps(state):
    snaps = []
    state.bus.snapshot_changed.connect(snaps.append)
    assert state.step_snapshot() == 0 and snaps == [0]
    state.step_layer(1)
    assert state.layer == "fc"
    state.step_layer(-2)
    assert state.layer == "out"
    with pytest.raises(SeeinError):
        state.set_snapshot(5)


def test_parse_select_and_selection_files(state, tmp_path):
    store = state.store
    assert parse_select("class=1", store).sum() == 20
    assert parse_select("class=class 2", store).sum() == 20
    assert np.flatnonzero(parse_select("images=0,5", store)).tolist() == [0, 5]
    for bad in ("class=9", "images=x", "colour=red", "images=99"):
        with pytest.raises(SeeinError):
            parse_select(bad, store)
    mask = parse_select("class=2", store)
    for name in ("sel.csv", "sel.npy"):
        save_selection(tmp_path / name, mask, store.image_ids)
        assert np.array_equal(load_selection(tmp_path / name, store.image_ids), mask)
    (tmp_path / "bad.csv").write_text("image_id\n1000\n")
    with pytest.raises(SeeinError, match="bad.csv"):
        load_selection(tmp_path / "bad.csv", store.image_ids)


def test_class_counts_and_selected_image(state):
    labels = state.store.labels
    assert state.class_counts().tolist() == [int((labels == k).sum()) for k in range(state.store.n_classes)]
    state.select_images([0, 1, 2])
    assert state.n_selected == 3 and state.selected_image() is None
    assert state.class_counts(state.selection).tolist() == \
        [int((labels[:3] == k).sum()) for k in range(state.store.n_classes)]
    state.select_images([5])
    assert state.selected_image() == 5 and state.n_selected == 1
    state.clear_selection()
    assert state.selected_image() is None and state.class_counts(state.selection).sum() == 0


def test_modes_methods_and_sources_are_enums(state):
    from seein.state import Method, Source, Style, StyleEvent, ViewMode

    modes, styles = [], []
    state.bus.mode_changed.connect(modes.append)
    state.bus.style_changed.connect(styles.append)
    state.set_mode("projection", "umap", source="test")
    assert state.mode is ViewMode.PROJECTION and state.method is Method.UMAP
    assert modes[-1].source is Source.TEST and modes[-1].method is Method.UMAP
    with pytest.raises(SeeinError, match="unknown view mode"):
        state.set_mode("pairs")
    with pytest.raises(ValueError):
        state.set_layer("fc", source="a free string")
    state.set_fade(0.4)
    assert styles[-1] == StyleEvent(Style.FADE, 0.4)


def test_start_layer_is_the_class_output_layer(state, tmp_path):
    from seein.state import class_output_layer, start_layer
    from seein.testing import make_store

    assert state.layer == "conv" and class_output_layer(state.store) is None  # "out" has 2 units, 3 classes
    path = make_store(tmp_path / "logits.h5", layers={"conv": (4, 5, 5), "fc": (6,), "logits": (3,)})
    s = AppState()
    s.open_store(path)
    assert start_layer(s.store) == "logits" and s.layer == "logits" and s.mode == "splom"
    s.close()


def test_dims_are_x_then_y(state):
    seen = []
    state.bus.dims_changed.connect(seen.append)
    state.set_layer("fc")
    state.set_dims(4, 1)
    assert state.dims == (4, 1) and (seen[-1].x, seen[-1].y) == (4, 1)
