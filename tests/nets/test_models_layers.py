"""Bundled networks, user models from .py files, TorchScript, and their layer listings."""

from __future__ import annotations

import torch

from seein.nets import build_model, is_embedding, load_model
from seein.nets.layers import LayerSpec, default_layers, list_layers
from seein.nets.probe import capture

LENET = [("conv1", "Conv2d", (20, 24, 24)), ("pool1", "MaxPool2d", (20, 12, 12)),
         ("conv2", "Conv2d", (50, 8, 8)), ("pool2", "MaxPool2d", (50, 4, 4)),
         ("fc1", "Linear", (500,)), ("relu1", "ReLU", (500,)), ("fc2", "Linear", (10,))]


def test_lenet_layers_and_defaults():
    model = build_model("lenet")
    specs = list_layers(model, (1, 28, 28))
    assert [(s.name, s.type, s.output_shape) for s in specs] == LENET
    assert specs[0].structured and specs[0].points_per_image == 576
    assert default_layers(model, (1, 28, 28)) == [n for n, _, _ in LENET]
    assert not is_embedding(model)


def test_siamese_layers_end_in_a_2d_embedding():
    model = build_model("siamese-lenet")
    specs = list_layers(model, (1, 28, 28))
    assert [(s.name, s.type, s.output_shape) for s in specs] == LENET + [("fc3", "Linear", (2,))]
    assert is_embedding(model)
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 2)


def test_bundled_init_is_deterministic_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a, b, c = build_model("lenet", seed=5), build_model("lenet", seed=5), build_model("lenet", seed=6)
    assert torch.equal(torch.rand(3), expected)
    assert torch.equal(a.conv1.weight, b.conv1.weight)
    assert not torch.equal(a.conv1.weight, c.conv1.weight)


def test_user_residual_model_with_weights(resnet_file, resnet_weights):
    model = load_model(f"{resnet_file}:TinyResNet", weights=str(resnet_weights))
    assert not model.training
    assert float(model.block.bn1.running_mean[0]) == 0.25  # the weights were applied
    specs = {s.name: s for s in list_layers(model, (1, 28, 28))}
    assert list(specs) == ["stem", "relu", "block.conv1", "block.bn1", "block.conv2", "block.bn2",
                           "block", "pool", "head"]
    assert specs["block"] == LayerSpec("block", "Block", (8, 28, 28))  # after the residual add and relu
    assert specs["pool"] == LayerSpec("pool", "MaxPool2d", (8, 14, 14))
    assert specs["head"].output_shape == (10,)
    assert default_layers(model, (1, 28, 28)) == ["stem", "relu", "block.conv1", "block.conv2", "pool", "head"]


def test_shared_module_is_counted_and_not_a_default(tmp_path):
    path = tmp_path / "shared.py"
    path.write_text("import torch.nn as nn\n"
                    "class Net(nn.Module):\n"
                    "    def __init__(self):\n"
                    "        super().__init__()\n"
                    "        self.a = nn.Conv2d(1, 2, 3)\n"
                    "        self.b = nn.Conv2d(2, 2, 3)\n"
                    "        self.act = nn.ReLU()\n"
                    "    def forward(self, x):\n"
                    "        return self.act(self.b(self.act(self.a(x))))\n")
    model = load_model(f"{path}:Net")
    specs = {s.name: s for s in list_layers(model, (1, 10, 10))}
    assert specs["act"].calls == 2 and specs["act"].output_shape == (2, 6, 6)  # its last call
    assert default_layers(model, (1, 10, 10)) == ["a", "b"]


def test_torchscript_models_list_their_layers(tmp_path, resnet_file):
    lenet = build_model("lenet")
    scripted, traced = tmp_path / "scripted.pt", tmp_path / "traced.pt"
    torch.jit.script(lenet).save(str(scripted))
    torch.jit.trace(lenet, torch.zeros(1, 1, 28, 28)).save(str(traced))
    x = torch.rand(2, 1, 28, 28)
    for path in (scripted, traced):
        model = load_model(str(path))
        specs = list_layers(model, (1, 28, 28))
        assert [(s.name, s.type, s.output_shape) for s in specs] == LENET
        out, got = capture(model, x, ["conv2", "fc2"])
        assert torch.allclose(got["conv2"], lenet.conv2(lenet.pool1(lenet.conv1(x))), atol=1e-5)
        assert torch.allclose(out, lenet(x), atol=1e-5)
    resnet = build_model(f"{resnet_file}:TinyResNet")
    path = tmp_path / "resnet.pt"
    torch.jit.script(resnet).save(str(path))
    model = load_model(str(path))
    # nested modules have outputs too (named from TorchScript's module hierarchy); containers are listed
    assert [s.name for s in list_layers(model, (1, 28, 28))] == [
        "stem", "relu", "block.conv1", "block.bn1", "block.conv2", "block.bn2", "block", "pool", "head"]
    assert default_layers(model, (1, 28, 28)) == default_layers(resnet, (1, 28, 28))
    out, got = capture(model, torch.ones(2, 1, 28, 28), ["block.conv2", "block"])
    y = resnet.block.conv2(torch.relu(resnet.block.bn1(resnet.block.conv1(resnet.relu(resnet.stem(torch.ones(2, 1, 28, 28)))))))
    assert torch.allclose(got["block.conv2"], y, atol=1e-5)


def test_captured_outputs_are_kept_before_later_in_place_ops():
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(inplace=True), nn.Flatten()).eval()
    x = torch.randn(1, 1, 6, 6)
    expected = model[0](x)
    assert (expected < 0).any()
    for net in (model, torch.jit.script(model)):
        _, got = capture(net, x, ["0", "1"])
        assert torch.allclose(got["0"], expected) and torch.allclose(got["1"], expected.clamp(min=0))


def test_a_model_file_imports_its_neighbours(tmp_path):
    """``from blocks import Block`` in the user's net.py finds blocks.py beside it, as when
    Python runs the file; afterwards that folder shadows no other module."""
    import sys

    from seein.nets.layers import list_layers
    from seein.nets.loading import build_model

    project = tmp_path / "project"
    project.mkdir()
    (project / "blocks_for_seein_test.py").write_text(
        "import torch.nn as nn\n"
        "class Block(nn.Module):\n"
        "    def __init__(self, c):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(c, c, 3, padding=1)\n"
        "    def forward(self, x):\n"
        "        return x + self.conv(x)\n")
    (project / "net.py").write_text(
        "import torch.nn as nn\n"
        "from blocks_for_seein_test import Block\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.stem = nn.Conv2d(1, 4, 3)\n"
        "        self.block = Block(4)\n"
        "        self.fc = nn.Linear(4 * 26 * 26, 10)\n"
        "    def forward(self, x):\n"
        "        return self.fc(self.block(self.stem(x)).flatten(1))\n")
    model = build_model(f"{project / 'net.py'}:Net")
    assert [s.name for s in list_layers(model, (1, 28, 28))] == ["stem", "block.conv", "block", "fc"]
    assert sys.path[0] != str(project) and str(project) in sys.path
