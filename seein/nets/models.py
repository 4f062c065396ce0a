"""The bundled networks: the paper's LeNet and Caffe's siamese LeNet, with the layer names it uses.

Both take 1x28x28 images in [0, 1]. Module names are part of the interface: the
store, the app and the docs refer to layers as ``conv1``, ``pool2``, ``fc1``...
"""

from __future__ import annotations

import torch
from torch import nn

# Bundled model names, each with the per-image input shape it was built for.
BUNDLED = ("lenet", "siamese-lenet")
BUNDLED_INPUT_SHAPE = (1, 28, 28)


class LeNet(nn.Module):
    """Caffe's MNIST LeNet (the Seein' In case study's trunk), a 10-way classifier.

    conv1 (20, 5x5) -> pool1 (max 2) -> conv2 (50, 5x5) -> pool2 (max 2) -> fc1 (500)
    -> relu1 -> fc2 (10). Like Caffe's, it has one non-linearity, after fc1.
    """

    input_shape = BUNDLED_INPUT_SHAPE
    seein_embedding = False

    def __init__(self, n_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(800, 500)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(500, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool2(self.conv2(self.pool1(self.conv1(x))))
        return self.fc2(self.relu1(self.fc1(torch.flatten(x, 1))))


class SiameseLeNet(LeNet):
    """The network of the paper's §4: Caffe's siamese example trunk with a 2-D output ``fc3``.

    Trained with a contrastive loss on image pairs (Hadsell et al.), so ``fc3``
    is an embedding to plot, not class scores (``seein_embedding = True``).
    """

    seein_embedding = True

    def __init__(self):
        super().__init__(n_classes=10)
        self.fc3 = nn.Linear(10, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # written out (no helper method) so a scripted copy still shows every layer
        x = self.pool2(self.conv2(self.pool1(self.conv1(x))))
        return self.fc3(self.fc2(self.relu1(self.fc1(torch.flatten(x, 1)))))


def build_bundled(name: str, seed: int = 0) -> nn.Module:
    """A freshly initialised bundled network; the same ``seed`` gives the same weights.

    Initialisation draws from a private generator state, so the caller's global
    random state is left as it was.
    """
    classes = {"lenet": LeNet, "siamese-lenet": SiameseLeNet}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = classes[name]()
    return model.eval()


def is_embedding(model: nn.Module) -> bool:
    """True for networks whose output is an embedding (no classes, no predictions).

    A user's model says so with a class attribute ``seein_embedding = True``.
    """
    return bool(getattr(model, "seein_embedding", False))
