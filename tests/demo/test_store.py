"""The demo store (`seein demo`): every digit and snapshot, built once, summarised without a window."""

from __future__ import annotations

import json

from seein.cli import main
from seein.store import Store


def test_demo_store_holds_every_digit_and_snapshot(demo_store):
    from seein.demo.runs import demo_run
    from seein.nets.runs import load_run

    run = load_run(demo_run("lenet"))
    with Store.open(demo_store) as store:
        assert store.n_images == 1797 and store.n_classes == 10
        assert store.image_ids.tolist() == list(range(1797))
        assert [s.step for s in store.snapshots] == [info.step for info, _ in run.snapshots]
        assert [layer.name for layer in store.layers] == ["conv1", "pool1", "conv2", "pool2", "fc1", "relu1", "fc2"]
        assert (store.predictions(-1) == store.labels).mean() > 0.9
        assert (store.predictions(0) == store.labels).mean() < 0.5  # untrained start


def test_demo_store_is_built_once(demo_store):
    from seein.demo import demo_store as again

    mtime = demo_store.stat().st_mtime_ns
    assert again() == demo_store and demo_store.stat().st_mtime_ns == mtime


def test_demo_no_gui_prints_info(demo_store, capsys):
    assert main(["demo", "--no-gui"]) == 0
    out = capsys.readouterr().out
    assert f"store     {demo_store}" in out and "1797 images" in out
    assert main(["demo", "--no-gui", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_images"] == 1797
