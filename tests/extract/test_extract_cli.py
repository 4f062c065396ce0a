"""`seein extract`, `merge` and `info` on the bundled LeNet and the digits, through the real CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from seein.cli import main
from seein.core.errors import SeeinError
from seein.store import Store
from seein.testing import assert_same_stores

LIMIT = "60"
# Batches of 10 cut 60 images and two shards of 30 alike: a matmul's last bits can depend on
# how many rows it gets, so equal batches are what makes "shards == full run" exact.
BATCH = "10"


def seein(*argv):
    code = main([str(a) for a in argv])
    assert code == 0, f"seein {' '.join(map(str, argv))} exited {code}"


@pytest.fixture(scope="module")
def lenet_store(tmp_path_factory):
    """Every snapshot of the demo LeNet run on the first 60 test digits."""
    out = tmp_path_factory.mktemp("lenet") / "lenet.h5"
    seein("extract", "--model", "lenet", "--limit", LIMIT, "--batch-size", BATCH, "--quiet", "-o", out)
    return out


def test_extract_writes_what_the_network_computes(lenet_store):
    from seein.data import load_dataset
    from seein.demo.runs import demo_run
    from seein.nets.runs import load_run

    run = load_run(demo_run("lenet"))
    data = load_dataset("digits", split="test", limit=60)
    with Store.open(lenet_store) as store:
        assert store.n_images == 60 and len(store.snapshots) == len(run.snapshots) > 1
        assert [layer.name for layer in store.layers] == ["conv1", "pool1", "conv2", "pool2", "fc1",
                                                           "relu1", "fc2"]
        assert store.layer("conv1").shape == (20, 24, 24) and store.n_points("conv1") == 60 * 576
        assert store.class_names == [str(d) for d in range(10)]
        np.testing.assert_array_equal(store.labels, data.labels)
        np.testing.assert_array_equal(store.images[...], data.display_images())
        assert [s.step for s in store.snapshots] == [info.step for info, _ in run.snapshots]
        assert set(store.curves) >= {"train_loss"}
        for k in (0, -1):
            net = run.model(k)
            outs = {}
            net.conv2.register_forward_hook(lambda m, i, o: outs.__setitem__("conv2", o))
            with torch.no_grad():
                logits = net(torch.from_numpy(data.images)).numpy()
            np.testing.assert_allclose(store.logits(k), logits, rtol=1e-4, atol=1e-4)
            assert store.predictions(k).tolist() == logits.argmax(1).tolist()
            np.testing.assert_allclose(store.feature_maps("conv2", 7, k), outs["conv2"][7].numpy(),
                                       rtol=2e-3, atol=2e-3)  # float16
        assert (store.predictions(-1) == store.labels).mean() > 0.8  # the trained snapshot
        # receptive fields of LeNet: conv1 cell (y, x) sees the 5x5 window at (y, x)
        assert store.receptive_field("conv1", 3, 4) == (3, 4, 8, 9)
        assert store.receptive_field("pool2", 0, 0) == (0, 0, 16, 16)


def test_info_text_and_json(lenet_store, capsys):
    seein("info", lenet_store)
    text = capsys.readouterr().out
    for needle in ("digits (split test): 60 images", "conv1", "34,560 points of 20 dims", "schema v2",
                   "snapshots 6", "test_acc", "computed  0"):
        assert needle in text
    seein("info", lenet_store, "--json")
    info = json.loads(capsys.readouterr().out)
    assert info["n_images"] == 60 and info["schema_version"] == 2 and info["file_size"] > 0
    assert {layer["name"]: layer["points"] for layer in info["layers"]}["pool1"] == 60 * 144
    assert info["snapshots"][-1]["step"] > 0 and "train_loss" in info["curves"]
    assert info["results"] == [] and info["dtype"] == "float16"


def test_info_lists_computed_results(tmp_path, synthetic_store, capsys):
    with Store.open(synthetic_store) as store:
        store.save_result("pca", "fc", -1, {"dims": 2}, {"embedding": np.zeros((60, 2))})
        store.save_result("pca", "conv", 0, {"dims": 3}, {"embedding": np.zeros((60, 3))})
        store.save_result("ranges", "fc", None, {}, {"ranges": np.zeros((6, 2))})
    seein("info", synthetic_store)
    text = capsys.readouterr().out
    assert "computed  3 (by kind; --verbose lists each)" in text
    assert "  pca        2 result(s)  layers conv, fc  snapshots 0, 1" in text
    assert "  ranges     1 result(s)  layers fc  snapshots all" in text
    assert "layer fc  snapshot 1  dims=2" not in text
    seein("info", synthetic_store, "--verbose")
    assert "pca  layer fc  snapshot 1  dims=2" in capsys.readouterr().out


def test_two_shards_merge_into_the_full_extraction(lenet_store, tmp_path, capsys):
    parts = [tmp_path / f"part{i}.h5" for i in range(2)]
    for i, part in enumerate(parts):
        seein("extract", "--model", "lenet", "--limit", LIMIT, "--batch-size", BATCH, "--quiet",
              "--shard", f"{i}/2", "-o", part)
    with Store.open(parts[1]) as shard:
        assert shard.n_images == 30 and shard.shard == (30, 60, 60, 2)
        assert shard.image_ids.tolist() == Store.open(lenet_store).image_ids[30:].tolist()
    merged = tmp_path / "merged.h5"
    seein("merge", "--quiet", parts[1], parts[0], "-o", merged)  # any order
    assert_same_stores(lenet_store, merged)


def test_merge_refuses_gaps_and_strangers(tmp_path):
    from seein.extract.merge import merge

    parts = {}
    for name, shard, layers in (("a", "0/3", "conv1,fc2"), ("c", "2/3", "conv1,fc2"), ("x", "1/3", "fc2")):
        parts[name] = tmp_path / f"{name}.h5"
        seein("extract", "--model", "lenet", "--limit", 30, "--quiet", "--layers", layers,
              "--shard", shard, "-o", parts[name])
    with pytest.raises(SeeinError, match=r"images 10\.\.19 are in none of the shards"):
        merge([parts["a"], parts["c"]], tmp_path / "m.h5")
    with pytest.raises(SeeinError, match=r"x\.h5: not a shard of the same extraction as a\.h5 \(layers differ\)"):
        merge([parts["a"], parts["x"], parts["c"]], tmp_path / "m.h5")
    with pytest.raises(SeeinError, match=r"overlaps the previous shard"):
        merge([parts["a"], parts["a"]], tmp_path / "m.h5")
    assert not list(tmp_path.glob("m.h5*"))


def test_float32_and_layer_choice(tmp_path):
    out = tmp_path / "f32.h5"
    seein("extract", "--model", "siamese-lenet", "--limit", 20, "--layers", "pool2,fc3", "--dtype", "float32",
          "--quiet", "-o", out)
    with Store.open(out) as store:
        assert store.dtype == np.float32 and [layer.name for layer in store.layers] == ["pool2", "fc3"]
        assert store.logits().shape == (20, 2) and set(store.predictions().tolist()) == {-1}  # an embedding


RESNET = """
import torch
from torch import nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class ResNet(nn.Module):
    channels = 1

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(self.channels, 8, 3, stride=2, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.block = Block(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.block(self.relu(self.stem(x)))), 1))


class ResNetRGB(ResNet):
    channels = 3
"""


@pytest.mark.parametrize("fmt, cls", [("mnist", "ResNet"), ("cifar10", "ResNetRGB")])
def test_a_users_residual_net_on_mnist_and_cifar_files(tmp_path, fmt, cls):
    import importlib.util

    from seein.data.samples import write_cifar10_dir, write_mnist_dir

    (tmp_path / "resnet.py").write_text(RESNET)
    (write_mnist_dir if fmt == "mnist" else write_cifar10_dir)(tmp_path / fmt)
    spec = importlib.util.spec_from_file_location("user_resnet", tmp_path / "resnet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(3)
    net = getattr(module, cls)()
    torch.save(net.state_dict(), tmp_path / "w.pt")
    out = tmp_path / "user.h5"
    seein("extract", "--model", f"{tmp_path / 'resnet.py'}:{cls}", "--weights", tmp_path / "w.pt",
          "--dataset", f"{fmt}:{tmp_path / fmt}", "--quiet", "-o", out)
    with Store.open(out) as store:
        assert [layer.name for layer in store.layers] == ["stem", "relu", "block.conv1", "block.conv2", "pool", "fc"]
        assert store.input_shape == ((1, 28, 28) if fmt == "mnist" else (3, 32, 32))
        assert store.read_activations("stem").min() < 0  # caught before the in-place ReLU changed it
        assert store.read_activations("relu").min() >= 0
        assert store.receptive_field("block.conv2", 5, 5) == (5, 5, 16, 16)  # stride 2, three 3x3 convs
        net.eval()
        with torch.no_grad():
            from seein.data import load_dataset

            logits = net(torch.from_numpy(load_dataset(f"{fmt}:{tmp_path / fmt}").images)).numpy()
        np.testing.assert_allclose(store.logits(), logits, rtol=1e-4, atol=1e-5)


def test_a_folder_of_colour_photos_is_made_into_what_lenet_takes(tmp_path):
    """Photos of any size and colour are resized and greyed to LeNet's 1x28x28, for
    `layers`, `train` and `extract` alike (not refused for having three channels)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for k, name in enumerate("abcdefghij"):
        (tmp_path / "photos" / name).mkdir(parents=True)
        Image.fromarray(rng.integers(0, 256, (20 + k, 30, 3), dtype=np.uint8)).save(
            tmp_path / "photos" / name / "1.jpg")
    data = f"folder:{tmp_path / 'photos'}"
    seein("layers", "--model", "lenet", "--dataset", data)
    run = tmp_path / "photos.run.pt"
    seein("train", "--model", "lenet", "--dataset", data, "--epochs", "1", "--snapshots", "2",
          "--quiet", "-o", run)
    out = tmp_path / "photos.h5"
    seein("extract", "--run", run, "--split", "all", "--quiet", "-o", out)
    with Store.open(out) as store:
        assert store.input_shape == (1, 28, 28) and store.n_images == 10
        assert store.images.shape == (10, 28, 28, 1)


@pytest.mark.parametrize("how", ["script", "trace"])
def test_a_torchscript_file_extracts_like_its_eager_model(tmp_path, how):
    from seein.nets import build_model

    net = build_model("lenet", seed=4)
    weights = tmp_path / "w.pt"
    torch.save(net.state_dict(), weights)
    ts = tmp_path / f"lenet.{how}.pt"
    scripted = torch.jit.script(net) if how == "script" else torch.jit.trace(net, torch.zeros(1, 1, 28, 28))
    scripted.save(str(ts))
    eager, script = tmp_path / "eager.h5", tmp_path / "ts.h5"
    common = ("--limit", "20", "--dtype", "float32", "--quiet")
    seein("extract", "--model", "lenet", "--weights", weights, *common, "-o", eager)
    seein("extract", "--model", ts, *common, "-o", script)
    with Store.open(eager) as a, Store.open(script) as b:
        assert [(l.name, l.kind, l.shape, l.module) for l in a.layers] == \
            [(l.name, l.kind, l.shape, l.module) for l in b.layers]
        assert b.layer("conv1").module == "Conv2d"
        for layer in a.layers:
            np.testing.assert_allclose(b.read_activations(layer.name), a.read_activations(layer.name),
                                       rtol=1e-5, atol=1e-5, err_msg=layer.name)
            if layer.kind == "structured":
                np.testing.assert_array_equal(b.receptive_fields(layer.name), a.receptive_fields(layer.name))
        np.testing.assert_array_equal(b.predictions(), a.predictions())
