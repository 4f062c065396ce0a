"""Schema 2: each snapshot keeps the network's weights; version-1 stores still open and upgrade."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from seein.cli import main
from seein.core.errors import SeeinError
from seein.extract import extract
from seein.nets.runs import load_run
from seein.store import SCHEMA_VERSION, Store


@pytest.fixture(scope="module")
def run_path():
    from seein.demo.runs import demo_run

    return demo_run("lenet")


@pytest.fixture(scope="module")
def small_store(tmp_path_factory, run_path):
    out = tmp_path_factory.mktemp("weights") / "small.h5"
    extract("lenet", "digits", out, run=run_path, split="all", limit=40, layers=["conv1", "fc2"])
    return out


def _downgrade(src, dst):
    """A version-1 copy of ``src``: what an older seein wrote (no weights, no model digest)."""
    import shutil

    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        for g in f["snapshots"].values():
            del g["weights"]
        f.attrs["schema_version"] = 1
        del f.attrs["model_digest"]
    return dst


def test_every_snapshot_keeps_its_weights_exactly(small_store, run_path):
    run = load_run(run_path)
    with Store.open(small_store) as store:
        assert store.schema_version == SCHEMA_VERSION == 2 and store.has_weights
        assert len(store.snapshots) == len(run.snapshots) > 1
        for k, (info, state) in enumerate(run.snapshots):
            kept = store.snapshot_weights(k)
            assert sorted(kept) == sorted(state)
            for name, tensor in state.items():
                expected = tensor.detach().cpu().numpy()
                expected = expected.astype(np.float32) if expected.dtype.kind == "f" else expected
                np.testing.assert_array_equal(kept[name], expected)
        # the weights rebuild the network: its logits are the stored ones
        from seein.nets.loading import apply_weights, build_model

        net = build_model(store.model_spec)
        apply_weights(net, {k: torch.from_numpy(v) for k, v in store.snapshot_weights(-1).items()}, "store")
        images = torch.from_numpy(np.asarray(store.images[:8], np.float32).transpose(0, 3, 1, 2) / 255)
        with torch.no_grad():
            logits = net.eval()(images).numpy()
        np.testing.assert_allclose(logits, store.logits(-1)[:8], atol=0.05)
        params, nbytes = store.weights_summary(0)
        assert params == sum(v.numel() for v in run.snapshots[0][1].values()) and nbytes >= 4 * params - 64


def test_a_version_1_store_opens_says_what_is_missing_and_upgrades(small_store, run_path, tmp_path, capsys):
    old = _downgrade(small_store, tmp_path / "old.h5")
    with Store.open(old) as store:
        assert store.schema_version == 1 and not store.has_weights
        store.read_activations("fc2", -1)  # everything else still reads
        with pytest.raises(SeeinError, match="seein upgrade"):
            store.snapshot_weights(0)
    assert main(["info", str(old)]) == 0
    assert "no weights (seein upgrade adds them)" in capsys.readouterr().out
    assert main(["upgrade", str(old), "--run", str(run_path)]) == 0
    assert "weights added" in capsys.readouterr().out
    with Store.open(old) as store, Store.open(small_store) as new:
        assert store.schema_version == 2 and store.has_weights
        for k in range(len(new.snapshots)):
            for name, value in new.snapshot_weights(k).items():
                np.testing.assert_array_equal(store.snapshot_weights(k)[name], value)
    assert main(["info", str(old), "--json"]) == 0
    import json

    info = json.loads(capsys.readouterr().out)
    assert all(s["weights"]["parameters"] > 0 for s in info["snapshots"])


def test_upgrade_refuses_weights_the_activations_did_not_come_from(small_store, tmp_path, capsys):
    old = _downgrade(small_store, tmp_path / "old.h5")
    before = old.read_bytes()
    other = tmp_path / "other.pt"
    from seein.nets.loading import build_model

    torch.save(build_model("lenet", seed=7).state_dict(), other)
    assert main(["upgrade", str(old), "--weights", str(other)]) == 2
    err = capsys.readouterr().err
    assert "snapshots" in err or "not the weights" in err
    assert old.read_bytes() == before  # nothing changed
    assert main(["upgrade", str(small_store), "--weights", str(other)]) == 2
    assert "already keeps its weights" in capsys.readouterr().err
