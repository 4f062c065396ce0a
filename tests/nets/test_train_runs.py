"""Deterministic training with snapshots, and run files that round-trip and refuse foreign input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seein.core.errors import Cancelled, SeeinError
from seein.nets import load_model
from seein.nets.runs import Run, load_run, save_run
from seein.nets.training import snapshot_steps, train


def test_snapshot_steps_are_even_and_include_both_ends():
    assert snapshot_steps(100, 5) == [0, 25, 50, 75, 100]
    assert snapshot_steps(10, 2) == [0, 10]
    assert snapshot_steps(3, 10) == [0, 1, 2, 3]
    assert snapshot_steps(7, 1) == [7]
    with pytest.raises(SeeinError):
        snapshot_steps(7, 0)


def test_tiny_run_round_trip(tiny_run):
    run = load_run(tiny_run)
    assert isinstance(run, Run)
    assert run.model_spec == "lenet" and run.dataset_spec == "digits" and not run.embedding
    assert run.input_shape == (1, 28, 28) and run.class_names == [str(d) for d in range(10)]
    steps = [info.step for info, _ in run.snapshots]
    assert steps == [0, 4, 8]  # 128 images / 32 per batch * 2 epochs; first (untrained) and last kept
    assert [info.index for info, _ in run.snapshots] == [0, 1, 2]
    assert [info.epoch for info, _ in run.snapshots] == [0.0, 1.0, 2.0]
    for info, state in run.snapshots:
        assert set(info.metrics) == {"train_loss", "train_acc", "test_loss", "test_acc"}
        assert set(state) == set(load_model("lenet", weights=str(tiny_run)).state_dict())
    assert not torch.equal(run.snapshots[0][1]["conv1.weight"], run.snapshots[-1][1]["conv1.weight"])
    assert run.snapshots[-1][0].metrics["train_loss"] < run.snapshots[0][0].metrics["train_loss"]
    assert run.curves["train_loss"].shape == (8, 2) and run.curves["train_loss"][:, 0].tolist() == list(range(1, 9))
    assert run.curves["test_acc"][:, 0].tolist() == [0, 4, 8]
    # the whole file reads with weights_only=True (no code), and --weights accepts it (last snapshot)
    raw = torch.load(tiny_run, weights_only=True)
    assert raw["format"] == "seein-run"
    model = load_model("lenet", weights=str(tiny_run))
    assert torch.equal(model.fc2.weight, run.snapshots[-1][1]["fc2.weight"])
    assert torch.equal(run.model(0).conv1.weight, run.snapshots[0][1]["conv1.weight"])


def test_same_seed_same_weights_other_seed_other_weights(tmp_path, tiny_run):
    again = train("lenet", "digits", tmp_path / "again.pt", epochs=2, snapshots=3, seed=1, batch_size=32, limit=128)
    other = train("lenet", "digits", tmp_path / "other.pt", epochs=1, snapshots=2, seed=2, batch_size=32, limit=64)
    a, b, c = load_run(tiny_run), load_run(again), load_run(other)
    for (ia, sa), (ib, sb) in zip(a.snapshots, b.snapshots):
        assert ia.metrics == ib.metrics
        assert all(torch.equal(sa[k], sb[k]) for k in sa)
    np.testing.assert_array_equal(a.curves["train_loss"], b.curves["train_loss"])
    assert not torch.equal(a.snapshots[0][1]["conv1.weight"], c.snapshots[0][1]["conv1.weight"])


def test_siamese_training_uses_contrastive_loss_and_embedding_accuracy(tmp_path):
    path = train("siamese-lenet", "digits", tmp_path / "siamese.pt", epochs=1, snapshots=2, seed=0,
                 batch_size=32, limit=96)
    run = load_run(path)
    assert run.embedding and "train_acc" not in run.curves
    first, last = run.snapshots[0][0].metrics, run.snapshots[-1][0].metrics
    assert set(last) == {"train_loss", "train_acc", "test_loss", "test_acc"}
    assert 0 <= last["test_acc"] <= 1 and last["train_loss"] < first["train_loss"]


def test_cancel_and_interrupt_leave_no_file(tmp_path):
    out = tmp_path / "cancelled.pt"
    with pytest.raises(Cancelled):
        train("lenet", "digits", out, epochs=1, snapshots=2, limit=64, batch_size=16,
              progress=lambda done, total, msg: done >= 2)

    def interrupt(done, total, msg):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train("lenet", "digits", out, epochs=1, snapshots=2, limit=64, batch_size=16, progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_training_refuses_misfits_and_bad_settings(tmp_path, resnet_file):
    with pytest.raises(SeeinError, match="--epochs"):
        train("lenet", "digits", tmp_path / "x.pt", epochs=0)
    bad = tmp_path / "three.py"
    bad.write_text("import torch.nn as nn\nclass Net(nn.Sequential):\n"
                   "    def __init__(self):\n        super().__init__(nn.Flatten(), nn.Linear(784, 3))\n")
    with pytest.raises(SeeinError, match="model gives 3 outputs per image, data set 'digits' has 10 classes"):
        train(f"{bad}:Net", "digits", tmp_path / "x.pt", epochs=1, limit=32)
    assert not (tmp_path / "x.pt").exists()


def test_load_run_refuses_foreign_files(tmp_path):
    with pytest.raises(SeeinError, match="no such run file"):
        load_run(tmp_path / "nope.pt")
    weights = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(2)}, weights)
    with pytest.raises(SeeinError, match="not a Seein' In run file"):
        load_run(weights)
    junk = tmp_path / "junk.pt"
    junk.write_text("hello")
    with pytest.raises(SeeinError, match="junk.pt: not a Seein' In run file"):
        load_run(junk)
    broken = save_run(tmp_path / "broken.pt", {"snapshots": [{"index": 0}]})
    with pytest.raises(SeeinError, match="damaged run file"):
        load_run(broken)


def test_a_user_residual_model_trains_and_reloads(tmp_path, resnet_file):
    # 33 images in batches of 16: the lone 33rd would break BatchNorm, so it is dropped
    path = train(f"{resnet_file}:TinyResNet", "digits", tmp_path / "user.pt", epochs=1, snapshots=2,
                 batch_size=16, limit=33, optimizer="sgd")
    run = load_run(path)
    assert run.model_spec == f"{resnet_file.resolve()}:TinyResNet" and run.meta["steps"] == 2
    model = run.model()
    assert torch.equal(model.block.bn2.running_var, run.snapshots[-1][1]["block.bn2.running_var"])
    assert not torch.equal(run.snapshots[0][1]["block.bn2.running_var"], run.snapshots[1][1]["block.bn2.running_var"])


def test_training_settings_do_not_leak_to_the_caller():
    from seein.nets.training import deterministic

    threads = torch.get_num_threads()
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    with deterministic(123):
        assert torch.are_deterministic_algorithms_enabled() and torch.get_num_threads() == 1
        torch.rand(100)
    assert not torch.are_deterministic_algorithms_enabled() and torch.get_num_threads() == threads
    assert torch.equal(torch.rand(2), expected)
