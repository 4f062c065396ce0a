"""Receptive fields: composed boxes equal gradient-support boxes; residual nets take the gradient path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seein.core.errors import SeeinError
from seein.nets import build_model, load_model
from seein.nets.receptive import receptive_fields

STRUCTURED = ["conv1", "pool1", "conv2", "pool2"]


def expected_boxes(h, w, size, box_of):
    out = np.zeros((h, w, 4), np.int32)
    for y in range(h):
        for x in range(w):
            y0, y1 = box_of(y)
            x0, x1 = box_of(x)
            out[y, x] = (max(y0, 0), max(x0, 0), min(y1, size), min(x1, size))
    return out


def test_lenet_composed_equals_gradient_and_known_sizes():
    model = build_model("lenet")
    composed = receptive_fields(model, (1, 28, 28), STRUCTURED + ["fc1"], method="composed")
    gradient = receptive_fields(model, (1, 28, 28), STRUCTURED, method="gradient")
    assert list(composed) == STRUCTURED  # flat layers have no boxes
    for name in STRUCTURED:
        assert composed[name].dtype == np.int32
        np.testing.assert_array_equal(composed[name], gradient[name], err_msg=name)
    # conv1: 5x5 windows; pool2 cell (i, j): 16x16 boxes at stride 4
    np.testing.assert_array_equal(composed["conv1"], expected_boxes(24, 24, 28, lambda i: (i, i + 5)))
    np.testing.assert_array_equal(composed["pool2"], expected_boxes(4, 4, 28, lambda i: (4 * i, 4 * i + 16)))


def test_residual_net_gradient_and_graph_agree_and_composed_where_it_applies(resnet_file):
    model = load_model(f"{resnet_file}:TinyResNet")
    names = ["stem", "relu", "block.conv1", "block.conv2", "block", "pool"]
    auto = receptive_fields(model, (1, 28, 28), names)
    graph = receptive_fields(model, (1, 28, 28), names, method="graph")
    gradient = receptive_fields(model, (1, 28, 28), names, method="gradient")
    for name in names:
        np.testing.assert_array_equal(auto[name], gradient[name], err_msg=name)
        np.testing.assert_array_equal(graph[name], gradient[name], err_msg=name)
    # the plain chain stem -> relu -> block.conv1 composes, and agrees with the gradient
    composed = receptive_fields(model, (1, 28, 28), ["stem", "block.conv1"], method="composed")
    for name in composed:
        np.testing.assert_array_equal(composed[name], gradient[name], err_msg=name)
    np.testing.assert_array_equal(gradient["block.conv1"], expected_boxes(28, 28, 28, lambda i: (i - 2, i + 3)))
    # past the functional relu and the residual add, only the gradient method applies
    for name in ("block.conv2", "pool"):
        with pytest.raises(SeeinError, match="not on a plain chain"):
            receptive_fields(model, (1, 28, 28), [name], method="composed")
    np.testing.assert_array_equal(gradient["block.conv2"], expected_boxes(28, 28, 28, lambda i: (i - 3, i + 4)))
    # pool: union of the 7x7 residual path and the 3x3 skip path, then 2x2 windows
    np.testing.assert_array_equal(gradient["pool"], expected_boxes(14, 14, 28, lambda i: (2 * i - 3, 2 * i + 5)))


def test_inplace_residual_is_not_mistaken_for_a_chain(tmp_path):
    path = tmp_path / "inplace.py"
    path.write_text("import torch.nn as nn\n"
                    "class Net(nn.Module):\n"
                    "    def __init__(self):\n"
                    "        super().__init__()\n"
                    "        self.a = nn.Conv2d(1, 2, 3, padding=1)\n"
                    "        self.b = nn.Conv2d(2, 2, 5, padding=2)\n"
                    "        self.c = nn.ReLU(inplace=True)\n"
                    "    def forward(self, x):\n"
                    "        y = self.a(x)\n"
                    "        z = self.b(y)\n"
                    "        z += nn.functional.pad(x, (0, 0, 0, 0, 0, 1))[:, :2]  # in-place skip from the input\n"
                    "        return self.c(z)\n")
    model = load_model(f"{path}:Net")
    auto = receptive_fields(model, (1, 12, 12), ["a", "b", "c"])
    gradient = receptive_fields(model, (1, 12, 12), ["a", "b", "c"], method="gradient")
    for name in auto:
        np.testing.assert_array_equal(auto[name], gradient[name], err_msg=name)
    with pytest.raises(SeeinError):
        receptive_fields(model, (1, 12, 12), ["c"], method="composed")
    graph = receptive_fields(model, (1, 12, 12), ["c"], method="graph")  # pad and slice along channels
    np.testing.assert_array_equal(graph["c"], gradient["c"])


def test_torchscript_max_pool_gets_full_windows(tmp_path, resnet_file):
    resnet = tmp_path / "resnet.pt"
    torch.jit.script(load_model(f"{resnet_file}:TinyResNet")).save(str(resnet))
    scripted = load_model(str(resnet))
    names = ["block.conv1", "block", "pool"]
    for method in ("gradient", "auto"):  # the graph's max pools become sum pools; auto walks the graph
        boxes = receptive_fields(scripted, (1, 28, 28), names, method=method)
        np.testing.assert_array_equal(boxes["block.conv1"], expected_boxes(28, 28, 28, lambda i: (i - 2, i + 3)))
        np.testing.assert_array_equal(boxes["block"], expected_boxes(28, 28, 28, lambda i: (i - 3, i + 4)))
        np.testing.assert_array_equal(boxes["pool"], expected_boxes(14, 14, 28, lambda i: (2 * i - 3, 2 * i + 5)))
    lenet = build_model("lenet")
    path = tmp_path / "lenet.pt"
    torch.jit.script(lenet).save(str(path))
    scripted = receptive_fields(load_model(str(path)), (1, 28, 28), STRUCTURED, method="gradient")
    composed = receptive_fields(lenet, (1, 28, 28), STRUCTURED, method="composed")
    for name in STRUCTURED:
        np.testing.assert_array_equal(scripted[name], composed[name], err_msg=name)


def test_strided_dilated_padded_chain_matches_gradient(tmp_path):
    path = tmp_path / "odd.py"
    path.write_text("import torch.nn as nn\n"
                    "class Net(nn.Module):\n"
                    "    def __init__(self):\n"
                    "        super().__init__()\n"
                    "        self.seq = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.ReLU(),\n"
                    "            nn.MaxPool2d(3, 2, padding=1, ceil_mode=True), nn.Conv2d(4, 4, 3, dilation=2, padding='same'),\n"
                    "            nn.AvgPool2d(2), nn.Conv2d(4, 4, (3, 1)))\n"
                    "    def forward(self, x):\n"
                    "        return self.seq(x)\n")
    model = load_model(f"{path}:Net")
    names = [f"seq.{i}" for i in range(6)]
    composed = receptive_fields(model, (3, 33, 30), names, method="composed")
    graph = receptive_fields(model, (3, 33, 30), names, method="graph")
    gradient = receptive_fields(model, (3, 33, 30), names, method="gradient")
    for name in names:
        np.testing.assert_array_equal(composed[name], gradient[name], err_msg=name)
        np.testing.assert_array_equal(graph[name], gradient[name], err_msg=name)


def test_row_and_column_probe_equals_probing_every_cell(resnet_file):
    from seein.nets.receptive import _gradient_boxes, _positive_copy, _support_boxes

    probe = _positive_copy(load_model(f"{resnet_file}:TinyResNet"))
    for name, hw in (("pool", (14, 14)),):  # past the residual add
        fast = _gradient_boxes(probe, (1, 28, 28), name, hw)
        full = _support_boxes(probe, (1, 28, 28), name, hw[1], np.arange(hw[0] * hw[1])).reshape(*hw, 4)
        np.testing.assert_array_equal(fast, full, err_msg=name)


BRANCHY = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Down(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 8, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=2, dilation=2)
        self.short = nn.Conv2d(4, 8, 1, stride=2)

    def forward(self, x):
        return F.relu(self.conv2(F.relu(self.conv1(x))) + self.short(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 5, padding=2)
        self.down = Down()
        self.wide = nn.Conv2d(8, 4, (1, 3))
        self.mix = nn.Conv2d(12, 6, 1)
        self.gap = nn.AdaptiveAvgPool2d((2, 3))
        self.cropped = nn.Conv2d(6, 6, 3, stride=2)
        self.crop = nn.Conv2d(6, 6, 1)

    def forward(self, x):
        d = self.down(F.max_pool2d(self.stem(x), 2))
        m = self.mix(torch.cat([F.pad(self.wide(d), (1, 1)), d], 1))   # channel concat
        g = self.gap(m)
        c = self.crop(F.interpolate(self.cropped(m[:, :, 1:, :-2]), scale_factor=2))  # slice; then upsampling
        return g.flatten(1) + c.mean((2, 3)).sum(1, keepdim=True)
"""


def test_branching_net_graph_equals_gradient_and_unknown_ops_fall_back(tmp_path):
    path = tmp_path / "branchy.py"
    path.write_text(BRANCHY)
    model = load_model(f"{path}:Net")
    names = ["stem", "down.conv1", "down.conv2", "down.short", "mix", "gap", "cropped"]
    graph = receptive_fields(model, (3, 23, 26), names, method="graph")
    gradient = receptive_fields(model, (3, 23, 26), names + ["crop"], method="gradient")
    for name in names:
        np.testing.assert_array_equal(graph[name], gradient[name], err_msg=name)
    with pytest.raises(SeeinError, match="autograd graph"):
        receptive_fields(model, (3, 23, 26), ["crop"], method="graph")
    auto = receptive_fields(model, (3, 23, 26), ["crop"])
    np.testing.assert_array_equal(auto["crop"], gradient["crop"])


def test_sum_pooling_probe_stays_in_its_thread():
    import threading

    import torch.nn.functional as F

    from seein.nets.receptive import _SumPooling

    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    other = []
    with _SumPooling():
        assert float(F.max_pool2d(x, 2)[0, 0, 0, 0]) == 0 + 1 + 4 + 5  # summed here
        thread = threading.Thread(target=lambda: other.append(float(F.max_pool2d(x, 2)[0, 0, 0, 0])))
        thread.start()
        thread.join()
    assert other == [5.0]  # a real max pool in another thread
    assert float(F.max_pool2d(x, 2)[0, 0, 0, 0]) == 5.0
