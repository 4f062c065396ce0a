"""Rebuilding a store's network: bundled models silently, a user model file only with consent."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import torch

from seein.compute.network import clear_network_cache, store_inputs, store_network
from seein.core.errors import SeeinError
from seein.store import Store

MODEL = """
import pathlib
import torch
from torch import nn

pathlib.Path({marker!r}).write_text("ran")  # the side effect that shows this file was executed


class Net(nn.Module):
    input_shape = (1, 28, 28)

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 5)
        self.fc = nn.Linear(3 * 24 * 24, 10)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))
"""


@pytest.fixture
def user_store(tmp_path, monkeypatch):
    """A store extracted from a user model file that leaves a marker file when it is imported."""
    from seein.extract import extract

    monkeypatch.setenv("SEEIN_HOME", str(tmp_path / "home"))
    marker = tmp_path / "marker.txt"
    model = tmp_path / "net.py"
    model.write_text(textwrap.dedent(MODEL.format(marker=str(marker))))
    torch.manual_seed(1)
    from seein.nets.loading import build_model

    weights = tmp_path / "net.pt"
    torch.save(build_model(f"{model}:Net").state_dict(), weights)
    out = extract(f"{model}:Net", "digits", tmp_path / "user.h5", weights=weights, limit=12)
    assert marker.exists()  # extraction ran it: the user named it
    marker.unlink()
    clear_network_cache()
    return out, model, marker


def test_user_model_not_run_without_consent(user_store):
    path, model, marker = user_store
    with Store.open(path) as store:
        with pytest.raises(SeeinError, match=f"user model file {model}.*--model"):
            store_network(store)
        with pytest.raises(SeeinError, match="user model file"):
            store_network(store, ask=lambda p, d: False)
        assert not marker.exists()


def test_consent_runs_it_and_is_remembered(user_store):
    path, model, marker = user_store
    asked = []
    with Store.open(path) as store:
        net = store_network(store, ask=lambda p, d: asked.append((p, d)) or True)
        assert marker.exists() and asked and asked[0][0] == model
        marker.unlink()
        logits = net(store_inputs(store, range(store.n_images)).to(next(net.parameters()).device))
        np.testing.assert_allclose(logits.cpu().numpy(), store.logits(), atol=2e-2)
        clear_network_cache()
        store_network(store, 0, ask=lambda p, d: pytest.fail("asked again"))  # remembered
        assert marker.exists()


def test_changed_model_file_is_refused(user_store):
    path, model, marker = user_store
    model.write_text(model.read_text() + "\n# edited\n")
    with Store.open(path) as store:
        with pytest.raises(SeeinError, match="changed since the store was made"):
            store_network(store, ask=lambda p, d: True)
        assert not marker.exists()
        store_network(store, model=f"{model}:Net")  # named on the command line: the user's call
        assert marker.exists()


def test_missing_model_file_says_so(user_store):
    path, model, marker = user_store
    model.unlink()
    with Store.open(path) as store, pytest.raises(SeeinError, match="does not exist"):
        store_network(store, ask=lambda p, d: True)


def test_bundled_demo_network_matches_the_store(demo_store):
    with Store.open(demo_store) as store:
        for k in (0, -1):
            net = store_network(store, k)
            x = store_inputs(store, [0, 7, 7, 100]).to(next(net.parameters()).device)
            with torch.no_grad():
                got = net(x).cpu().numpy()
            np.testing.assert_allclose(got, store.logits(k)[[0, 7, 7, 100]], atol=2e-2)
        with pytest.raises(SeeinError, match="no snapshot 9"):
            store_network(store, 9)
        with pytest.raises(SeeinError, match="no image 5000"):
            store_inputs(store, [5000])
