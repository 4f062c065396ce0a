"""Fixtures for the data loader tests: real files in every format, written per test."""

from __future__ import annotations

import pytest

from seein.data import samples


@pytest.fixture
def mnist_dir(tmp_path):
    """A gzipped MNIST-format folder: 30 train and 20 test 28x28 images, 10 classes."""
    return samples.write_mnist_dir(tmp_path / "mnist", n_train=30, n_test=20, compress=True)


@pytest.fixture
def cifar_dir(tmp_path):
    """A CIFAR-10 python-version folder: 5 train batches and a test batch of 10 images each."""
    return samples.write_cifar10_dir(tmp_path / "cifar", per_batch=10)


@pytest.fixture
def image_folder(tmp_path):
    """Three classes of 20x24 RGB PNGs, 3 per class."""
    return samples.write_image_folder(tmp_path / "images", per_class=3, size=(20, 24))
