"""`seein screenshot STORE --view NAME` draws each deepViz view with no display."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from seein.cli import main


@pytest.mark.parametrize("view", ["confusion", "filters", "prediction", "network", "clusters", "compare"])
def test_screenshot_deepviz_view(demo_store, tmp_path, capsys, view):
    out = tmp_path / f"{view}.png"
    assert main(["screenshot", str(demo_store), "--view", view, "--select", "class=3", "--size", "400x300",
                 "-o", str(out)]) == 0
    assert f"view {view}" in capsys.readouterr().out
    rgba = np.asarray(Image.open(out))
    assert rgba.shape[:2] == (300, 400)
    assert (rgba[..., :3] < 160).any(-1).sum() > 500  # drawn, not blank


def test_filters_say_what_is_missing_on_a_store_without_weights(synthetic_store, tmp_path, capsys):
    out = tmp_path / "f.png"
    code = main(["screenshot", str(synthetic_store), "--view", "filters", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "weights" in err or "kernels" in err
    assert not out.exists()


def test_filters_scale_globally_over_snapshots(demo_store):
    from seein.render.deepviz.filters import FilterScale, draw_filters, filters_data
    from seein.store import Store

    with Store.open(demo_store) as store:
        first, last = filters_data(store, "conv2", 0), filters_data(store, "conv2", -1)
    assert first["global_max"] == last["global_max"] >= np.abs(first["kernels"]).max()
    g = draw_filters(first, (300, 300)).figure.axes[0].images[0].get_array()
    s = draw_filters(first, (300, 300), FilterScale.SNAPSHOT).figure.axes[0].images[0].get_array()
    assert np.nanmax(np.abs(s)) == pytest.approx(1.0) and np.nanmax(np.abs(g)) <= 1.0
