"""DeepEyes' charts read back as pixels: curves, perplexity histograms, activation heatmap."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from seein.render.deepeyes.curves import curves_data, draw_curves
from seein.render.deepeyes.heatmap import draw_heatmap, heatmap_data
from seein.render.deepeyes.perplexity import columns, draw_perplexity, perplexity_data
from seein.store import Store
from seein.testing import make_store

ORANGE = np.array([255, 127, 14])
RED = np.array([214, 39, 40])


def _near(rgba, colour, tol=30):
    return np.abs(rgba[..., :3].astype(int) - colour).sum(-1) < tol


def _cell(drawn, layer, snapshot):
    """The pixels of one histogram cell, found through its axes."""
    fig = drawn.figure
    for ax in fig.axes:
        box = ax.bbox
        centre = ((box.x0 + box.x1) / 2, fig.bbox.height - (box.y0 + box.y1) / 2)
        if drawn.pick(*centre) == (layer, snapshot):
            h = fig.bbox.height
            return drawn.rgba[int(h - box.y1) + 3:int(h - box.y0) - 3, int(box.x0) + 3:int(box.x1) - 3]
    raise AssertionError(f"no cell for {layer} at {snapshot}")


def _grey_centroid(cell):
    grey = np.abs(cell[..., :3].astype(int) - 140).max(-1) < 8  # the histogram's #8c8c8c bars
    cols = grey.sum(0)
    assert cols.sum() > 20, "no histogram bars drawn"
    return float((cols * np.arange(len(cols))).sum() / cols.sum())


def test_conv1_histogram_shifts_left_between_the_first_and_last_snapshot(demo_store):
    with Store.open(demo_store) as store:
        last = len(store.snapshots) - 1
        drawn = draw_perplexity(perplexity_data(store, ["conv1", "conv2"]), last)
    first, final = _cell(drawn, "conv1", 0), _cell(drawn, "conv1", last)
    assert _grey_centroid(final) < _grey_centroid(first) - 1  # lower perplexity: more specific
    # the change bars (red / green) are drawn from the second snapshot on, not on the first
    assert not _near(first, RED).any() and _near(_cell(drawn, "conv1", 1), RED).any()
    # the current snapshot's column is framed in orange, the others are not
    assert _near(drawn.rgba[:, :, :], ORANGE).sum() > 0
    assert drawn.pick(0, 0) is None


def test_selected_images_are_drawn_in_their_bins(demo_store):
    with Store.open(demo_store) as store:
        last = len(store.snapshots) - 1
        plain = draw_perplexity(perplexity_data(store, ["conv1"]), last)
        chosen = draw_perplexity(perplexity_data(store, ["conv1"], store.labels == 1, last), last)
    inside = _near(_cell(chosen, "conv1", last), ORANGE).sum() - _near(_cell(plain, "conv1", last), ORANGE).sum()
    assert inside > 20


def test_columns_keep_the_first_last_and_current():
    assert columns(5, 2) == [0, 1, 2, 3, 4]
    cols = columns(40, 17)
    assert cols[0] == 0 and cols[-1] == 39 and 17 in cols and len(cols) <= 9


def test_curves_mark_the_snapshot_and_a_click_picks_the_nearest(synthetic_store):
    with Store.open(synthetic_store) as store:
        data = curves_data(store)
    a, b = draw_curves(data, 0), draw_curves(data, 1)
    col_a = np.flatnonzero(_near(a.rgba, ORANGE).sum(0) > 50)
    col_b = np.flatnonzero(_near(b.rgba, ORANGE).sum(0) > 50)
    assert len(col_a) and len(col_b) and col_b.mean() > col_a.mean()  # the marker moved right
    ax = a.figure.axes[0]
    h = a.figure.bbox.height
    y = h - (ax.bbox.y0 + ax.bbox.y1) / 2
    assert a.pick(ax.bbox.x0 + 2, y) == 0 and a.pick(ax.bbox.x1 - 2, y) == 1
    assert a.pick(1, 1) is None


@pytest.fixture
def killed(tmp_path):
    """A synthetic store in which filter 2 of the fc layer is dead (its weights zeroed)."""
    path = make_store(tmp_path / "k.h5", layers={"fc": (6,)}, n_snapshots=1)
    with h5py.File(path, "r+") as f:
        ds = f["snapshots/0000/layers/fc"]
        values = ds[...]
        values[:, 2] = 0
        ds[...] = values
    return path


def test_the_heatmap_flags_the_killed_filter(killed, tmp_path):
    with Store.open(killed) as store:
        data = heatmap_data(store, "fc", 0)
    assert data["flags"]["dead"].tolist() == [f == 2 for f in range(6)]
    drawn = draw_heatmap(data, size=(300, 300), focused=2)
    ax = drawn.figure.axes[0]
    h = drawn.figure.bbox.height
    red = _near(drawn.rgba, RED)
    rows_red = np.flatnonzero(red[:, int(ax.bbox.x1):].sum(1) > 3)
    assert len(rows_red), "no dead flag drawn"
    # the flag sits on filter 2's row (rows top down 0..5), and a click there picks filter 2
    row_y = rows_red.mean()
    assert drawn.pick((ax.bbox.x0 + ax.bbox.x1) / 2, row_y) == 2
    top, bottom = h - ax.bbox.y1, h - ax.bbox.y0
    assert 2 <= (row_y - top) / (bottom - top) * 6 < 3
    drawn.figure.savefig(tmp_path / "heat.svg")  # exports as vector too
    assert (tmp_path / "heat.svg").stat().st_size > 1000
