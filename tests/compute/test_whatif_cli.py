"""``seein adversarial`` and ``seein maximize`` on the demo store: PNG and JSON, one-line errors."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from seein.cli import main


def test_adversarial_writes_strip_and_json(demo_store, tmp_path, capsys):
    out, js = tmp_path / "strip.png", tmp_path / "strip.json"
    assert main(["adversarial", str(demo_store), "--image", "3", "--steps", "6", "-o", str(out),
                 "--json", str(js)]) == 0
    data = json.loads(js.read_text())
    assert len(data["steps"]) == 7 and data["image"] == 3
    assert data["steps"][0]["predicted"] == data["original_class"] != data["target"]
    assert data["steps"][-1]["target_probability"] > data["steps"][0]["target_probability"]
    pixels = np.asarray(Image.open(out).convert("RGB"))
    assert pixels.shape == (360, 1200, 3)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # images, not a blank figure
    assert "target" in capsys.readouterr().out


def test_adversarial_explicit_target(demo_store, tmp_path):
    js = tmp_path / "s.json"
    assert main(["adversarial", str(demo_store), "--image", "0", "--target", "8", "-o",
                 str(tmp_path / "s.png"), "--json", str(js)]) == 0
    assert json.loads(js.read_text())["target"] == 8


def test_maximize_reaches_data_max(demo_store, tmp_path):
    out, js = tmp_path / "m.png", tmp_path / "m.json"
    assert main(["maximize", str(demo_store), "--layer", "conv2", "--unit", "3", "--steps", "160",
                 "-o", str(out), "--json", str(js)]) == 0
    data = json.loads(js.read_text())
    assert data["activation"] >= data["dataset_max"] > 0 and len(data["top_images"]) == 9
    assert Image.open(out).size == (1000, 420)


def test_one_line_errors(demo_store, tmp_path, capsys):
    cases = [
        (["adversarial", str(demo_store), "--image", "99999", "-o", str(tmp_path / "a.png")], "no image 99999"),
        (["adversarial", str(demo_store), "--image", "0", "--target", "12", "-o", str(tmp_path / "a.png")],
         "no class 12"),
        (["maximize", str(demo_store), "--layer", "nope", "--unit", "0", "-o", str(tmp_path / "a.png")], "nope"),
        (["maximize", str(demo_store), "--layer", "fc2", "--unit", "10", "-o", str(tmp_path / "a.png")],
         "no unit 10"),
        (["maximize", str(demo_store), "--layer", "fc2", "--unit", "1", "-o", str(tmp_path / "no" / "a.png")],
         "output folder"),
    ]
    for argv, text in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and text in err, err
    assert not list(tmp_path.iterdir())


def test_screenshot_of_two_linked_stores(demo_store, tmp_path, capsys):
    from seein.demo import demo_store as build

    out = tmp_path / "cmp.png"
    assert main(["screenshot", str(demo_store), str(build("siamese-lenet")), "--layer", "fc2,fc3",
                 "--projection", "pca", "--select", "class=3", "--size", "600x600", "-o", str(out)]) == 0
    pixels = np.asarray(Image.open(out).convert("RGB"))
    assert pixels.shape == (600, 600, 3)
    black = (pixels.max(2) < 40).sum()  # the selected images' joining lines are black
    assert black > 500
    assert "fc3 of siamese" in capsys.readouterr().out


def test_screenshot_refuses_stores_of_other_data(demo_store, tmp_path, capsys):
    from seein.testing import make_store

    other = make_store(tmp_path / "other.h5")
    out = tmp_path / "cmp.png"
    assert main(["screenshot", str(demo_store), str(other), "--layer", "fc2,fc", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not hold the same data set" in err, err
    assert not out.exists()


def test_outputs_never_overwrite_the_store(synthetic_store, capsys):
    before = synthetic_store.read_bytes()
    for argv in (["adversarial", str(synthetic_store), "--image", "0", "-o", str(synthetic_store)],
                 ["maximize", str(synthetic_store), "--layer", "fc", "--unit", "0", "-o", "x.png",
                  "--json", str(synthetic_store)]):
        assert main(argv) == 2
        assert "also an input" in capsys.readouterr().err
    assert synthetic_store.read_bytes() == before
