"""Fixtures for the nets tests: a user's residual model file, its weights, a tiny trained run."""

from __future__ import annotations

import textwrap

import pytest

RESNET_SOURCE = textwrap.dedent('''
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class Block(nn.Module):
        def __init__(self, c: int):
            super().__init__()
            self.conv1 = nn.Conv2d(c, c, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(c)
            self.conv2 = nn.Conv2d(c, c, 3, padding=1)
            self.bn2 = nn.BatchNorm2d(c)

        def forward(self, x):
            y = F.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return F.relu(y + x)          # residual addition, functional relu


    class TinyResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(1, 8, 3, padding=1)
            self.relu = nn.ReLU()
            self.block = Block(8)
            self.pool = nn.MaxPool2d(2)
            self.head = nn.Linear(8 * 14 * 14, 10)

        def forward(self, x):
            x = self.block(self.relu(self.stem(x)))
            return self.head(torch.flatten(self.pool(x), 1))


    class NeedsArgs(nn.Module):
        def __init__(self, width):
            super().__init__()
''')


@pytest.fixture
def resnet_file(tmp_path):
    """A user's model file with a residual block, BatchNorm and functional calls."""
    path = tmp_path / "usernet.py"
    path.write_text(RESNET_SOURCE)
    return path


@pytest.fixture
def resnet_weights(resnet_file, tmp_path):
    """A state dict for TinyResNet with non-default values, saved the usual way."""
    import torch

    from seein.nets import build_model

    model = build_model(f"{resnet_file}:TinyResNet", seed=3)
    with torch.no_grad():
        model.block.bn1.running_mean.fill_(0.25)
    path = tmp_path / "usernet.pt"
    torch.save(model.state_dict(), path)
    return path


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """A two-epoch LeNet run on 128 digits with 3 snapshots (about a second of training)."""
    from seein.nets.training import train

    return train("lenet", "digits", tmp_path_factory.mktemp("run") / "tiny.run.pt", epochs=2,
                 snapshots=3, seed=1, batch_size=32, limit=128)
