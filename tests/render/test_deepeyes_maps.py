"""Filter Map and Input Map figures: picks and lassos, colour modes, selection, patches."""

from __future__ import annotations

import numpy as np

from seein.compute.inputmap import input_map
from seein.render.deepeyes.filtermap import draw_filtermap, filtermap_data
from seein.render.deepeyes.inputmap import ColourBy, patch_grid, render_inputmap, scene_arrays
from seein.store import Store


def test_filter_map_click_and_lasso_pick_filters(synthetic_store):
    with Store.open(synthetic_store) as store:
        data = filtermap_data(store, "conv", 1, n_instances=500)
    drawn = draw_filtermap(data, size=(300, 300))
    fig = drawn.figure
    ax = fig.axes[0]
    screen = ax.transData.transform(np.asarray(data["embedding"], float))
    screen[:, 1] = fig.bbox.height - screen[:, 1]
    for k, (x, y) in enumerate(screen):
        assert drawn.pick(x, y) == k
        # the pixel under the filter has its class's colour (not the white background)
        assert drawn.rgba[int(y), int(x), :3].astype(int).sum() < 700
    assert drawn.pick(2, 2) is None
    x0, y0 = screen.min(0) - 5
    x1, y1 = screen.max(0) + 5
    assert drawn.brush([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]).all()
    k = 0
    around = [(screen[k, 0] - 4, screen[k, 1] - 4), (screen[k, 0] + 4, screen[k, 1] - 4),
              (screen[k, 0] + 4, screen[k, 1] + 4), (screen[k, 0] - 4, screen[k, 1] + 4)]
    caught = drawn.brush(around)
    assert caught[k] and caught.sum() <= 2
    ringed = draw_filtermap(data, size=(300, 300), brushed=caught, focused=1)
    assert not np.array_equal(ringed.rgba, drawn.rgba)


def test_input_map_arrays_per_colour_mode(synthetic_store):
    with Store.open(synthetic_store) as store:
        data = input_map(store, "conv", 1, n_instances=300)
        labels = store.labels
    sel = np.zeros(len(labels), bool)
    sel[:5] = True
    by_label = scene_arrays(data, labels, ColourBy.LABEL, selection=sel)
    assert np.array_equal(by_label["image_index"], data["images"]) and by_label["n_images"] == len(labels)
    by_max = scene_arrays(data, labels, "max", selection=sel)
    assert by_max["n_images"] == len(data["images"]) and by_max["labels"].max() == 15
    assert by_max["labels"][np.argmax(data["max_activation"])] == 15
    assert np.array_equal(by_max["mask"], sel[data["images"]])
    one = scene_arrays(data, labels, "filter", feature=2)
    assert one["labels"][np.argmax(np.maximum(data["activations"][:, 2], 0))] == 15


def test_input_map_renders_and_shows_the_selection(synthetic_store):
    with Store.open(synthetic_store) as store:
        input_map(store, "conv", 1, n_instances=300)  # computed once, cached for the renders
        sel = store.labels == 0
    plain = render_inputmap(synthetic_store, "conv", 1, size=(200, 200), n_instances=300)
    chosen = render_inputmap(synthetic_store, "conv", 1, selection=sel, size=(200, 200), n_instances=300)
    by_max = render_inputmap(synthetic_store, "conv", 1, colour_by="max", size=(200, 200), n_instances=300)
    assert plain.shape == (200, 200, 4)
    assert (plain[..., :3] < 250).any(axis=-1).sum() > 200  # points drawn
    assert not np.array_equal(plain, chosen) and not np.array_equal(plain, by_max)


def test_patch_grid_cuts_receptive_fields(synthetic_store):
    with Store.open(synthetic_store) as store:
        data = input_map(store, "conv", 1, n_instances=300)
        grid = patch_grid(store, data["images"][:10], data["boxes"][:10], columns=4, cell=16)
        first = store.image(int(data["images"][0]))
    assert grid.shape == (3 * 18 + 2, 4 * 18 + 2, 3)
    y0, x0, y1, x1 = data["boxes"][0]
    assert grid[2, 2, 0] == first[y0, x0, 0]  # the patch's top-left pixel, scaled up
