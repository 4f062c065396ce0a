"""The demo runs: built deterministically on first use, accurate, shared safely between callers."""

from __future__ import annotations

import threading

import pytest
import torch

import seein.nets.training
from seein.core.errors import SeeinError
from seein.demo import runs as demo_module
from seein.demo.runs import demo_model, demo_run, demo_run_path
from seein.nets import load_model
from seein.nets.runs import load_run


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SEEIN_HOME", str(tmp_path))
    return tmp_path


def test_lenet_demo_is_trained_accurate_and_load_model_never_trains(home):
    path = demo_run()
    assert path == demo_run_path("lenet") and path.is_relative_to(home)
    run = load_run(path)
    steps = [info.step for info, _ in run.snapshots]
    assert len(steps) == 6 and steps[0] == 0 and steps[-1] == run.meta["steps"]
    assert run.snapshots[0][0].metrics["test_acc"] < 0.3  # step 0 is the untrained network
    assert run.snapshots[-1][0].metrics["test_acc"] >= 0.95
    model = demo_model("lenet")  # the demo's trained network: its last snapshot
    assert torch.equal(model.conv2.weight, run.snapshots[-1][1]["conv2.weight"])
    untrained = load_model("lenet")  # loading never trains: no weights, the constructor's
    assert not torch.equal(untrained.conv2.weight, model.conv2.weight)
    mtime = path.stat().st_mtime_ns
    assert demo_run() == path and path.stat().st_mtime_ns == mtime  # built once, then reused


def test_concurrent_callers_build_once(home, monkeypatch):
    monkeypatch.setitem(demo_module.RECIPES, "lenet", dict(epochs=1, snapshots=2, seed=0, batch_size=64,
                                                           optimizer="adam", limit=64))
    calls = []
    real_train = seein.nets.training.train

    def counting_train(*args, **kwargs):
        calls.append(1)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(seein.nets.training, "train", counting_train)
    results = []
    threads = [threading.Thread(target=lambda: results.append(demo_run("lenet"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(set(results)) == 1 and load_run(results[0]).snapshots
    # a damaged or stale demo file is rebuilt, not trusted
    results[0].write_bytes(b"truncated")
    assert load_run(demo_run("lenet")).meta["extra"]["demo_version"] == demo_module.DEMO_VERSIONS["lenet"]
    assert len(calls) == 2


def test_unknown_demo_model(home):
    with pytest.raises(SeeinError, match="no demo run for 'resnet'"):
        demo_run("resnet")
