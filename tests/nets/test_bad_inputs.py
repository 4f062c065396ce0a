"""Every bad model or weights input gets one clear SeeinError naming the file and the problem."""

from __future__ import annotations

import os

import pytest
import torch

from seein.core.errors import SeeinError
from seein.nets import build_model, load_model, read_weights
from seein.nets.check import check_fits


def error_of(fn, *args, **kwargs) -> str:
    with pytest.raises(SeeinError) as info:
        fn(*args, **kwargs)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_missing_model_file(tmp_path):
    text = error_of(load_model, f"{tmp_path}/nope.py:Net")
    assert "nope.py" in text and "no such model file" in text
    assert "no such model file" in error_of(load_model, str(tmp_path / "missing.pt"))


def test_model_file_that_fails_to_import(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import torch\nraise ValueError('bad config value 42')\n")
    text = error_of(load_model, f"{path}:Net")
    assert str(path) in text and "failed to import" in text and "ValueError: bad config value 42" in text
    path.write_text("def f(:\n")
    assert "SyntaxError" in error_of(load_model, f"{path}:Net")


def test_missing_class_and_bad_constructor(resnet_file):
    text = error_of(load_model, f"{resnet_file}:ResNet50")
    assert "no class 'ResNet50'" in text and "TinyResNet" in text and "Block" in text
    assert "no arguments" in error_of(load_model, f"{resnet_file}:NeedsArgs")
    assert "not a torch.nn.Module" in error_of(load_model, f"{resnet_file}:F")


def test_not_torchscript(tmp_path):
    path = tmp_path / "state.pt"
    torch.save(build_model("lenet").state_dict(), path)
    text = error_of(load_model, str(path))
    assert "not a TorchScript model" in text and "--weights" in text


def test_missing_weights_file(resnet_file, tmp_path):
    text = error_of(load_model, f"{resnet_file}:TinyResNet", weights=str(tmp_path / "w.pt"))
    assert "no such weights file" in text and "w.pt" in text


def test_weights_that_do_not_match(resnet_file, tmp_path):
    spec = f"{resnet_file}:TinyResNet"
    lenet = tmp_path / "lenet.pt"
    torch.save(build_model("lenet").state_dict(), lenet)
    text = error_of(load_model, spec, weights=str(lenet))
    assert "missing keys: stem.weight" in text and "unexpected keys: conv1.weight" in text
    state = build_model(spec).state_dict()
    state["head.weight"] = torch.zeros(5, 8 * 14 * 14)
    wrong = tmp_path / "wrong.pt"
    torch.save(state, wrong)
    text = error_of(load_model, spec, weights=str(wrong))
    assert "head.weight has shape (5, 1568)" in text and "expects (10, 1568)" in text
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a torch file at all")
    assert "not a readable weights file" in error_of(load_model, spec, weights=str(garbage))
    listing = tmp_path / "list.pt"
    torch.save([1, 2, 3], listing)
    assert "not a state dict" in error_of(load_model, spec, weights=str(listing))


class Payload:
    """Unpickling this runs a command (it would create a file): weights_only must refuse it."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_never_runs(tmp_path, resnet_file):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": Payload(str(marker))}, path)
    text = error_of(load_model, f"{resnet_file}:TinyResNet", weights=str(path))
    assert "refused" in text and "--trust-weights" in text and "evil.pt" in text
    assert not marker.exists()


def test_trust_weights_reads_a_pickled_module(tmp_path):
    model = build_model("lenet", seed=9)
    path = tmp_path / "whole.pt"
    torch.save(model, path)
    with pytest.raises(SeeinError):
        read_weights(path)
    state = read_weights(path, trust_weights=True)
    assert torch.equal(state["conv1.weight"], model.conv1.weight)


def test_check_fits_names_both_shapes():
    lenet = build_model("lenet")
    text = error_of(check_fits, lenet, (3, 32, 32), 10, "cifar10:/data")
    assert text.startswith("model expects 1x28x28 input, data set 'cifar10:/data' gives 3x32x32 (conv1:")
    text = error_of(check_fits, lenet, (1, 32, 32), 10, "mnist:/m")
    assert "expects 1x28x28" in text and "gives 1x32x32" in text and "(fc1:" in text
    text = error_of(check_fits, lenet, (1, 28, 28), 3, "npz:x.npz")
    assert "model gives 10 outputs per image, data set 'npz:x.npz' has 3 classes" in text
    assert check_fits(lenet, (1, 28, 28), 10).shape == (2, 10)
    assert check_fits(build_model("siamese-lenet"), (1, 28, 28), 10).shape == (2, 2)  # embedding: no class check


def test_refusals_never_advise_weights_only_false(tmp_path, resnet_file):
    """A raw pickle (any protocol) is refused without passing on torch's advice to
    retry with weights_only=False; a file that is no pickle at all says so."""
    import pickle

    marker = tmp_path / "pwned4"
    raw = tmp_path / "raw4.pt"
    raw.write_bytes(pickle.dumps({"w": Payload(str(marker))}, protocol=4))
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a torch file at all")
    refused = error_of(load_model, f"{resnet_file}:TinyResNet", weights=str(raw))
    assert refused.startswith(f"{raw}: refused") and "--trust-weights" in refused
    not_weights = error_of(load_model, f"{resnet_file}:TinyResNet", weights=str(garbage))
    assert not_weights.startswith(f"{garbage}: not a readable weights file")
    for text in (refused, not_weights):
        assert "weights_only" not in text and "\n" not in text
    assert not marker.exists()
