"""Rebuilding a store's network: bundled models silently, a user model file only with consent."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seein.compute.network import clear_network_cache, store_inputs, store_network
from seein.core.errors import SeeinError
from seein.store import Store


@pytest.fixture
def user_store(tmp_path, monkeypatch):
    """A store extracted from a user model file that leaves a marker file when it is imported."""
    from seein.testing.user_model import make_user_model_store

    monkeypatch.setenv("SEEIN_HOME", str(tmp_path / "home"))
    made = make_user_model_store(tmp_path)
    clear_network_cache()
    return made


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
