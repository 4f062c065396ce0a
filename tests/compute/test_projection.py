"""project(): caching with parameters, bad input (clear one-line errors, store left valid), seein embed."""

from __future__ import annotations

import os
import stat

import h5py
import numpy as np
import pytest

from seein.cli import main
from seein.compute import tsne as tsne_mod
from seein.compute.projection import ALGORITHM_VERSION, Projection, project, projection_params
from seein.core.errors import Cancelled, SeeinError
from seein.store import Store
from seein.testing import make_store

FAST = dict(n_iter=60, early_exaggeration_iter=30)


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    """One CPU thread (SEEIN_THREADS=1): on a shared, busy machine OpenMP threads spin-wait."""
    import torch

    from seein.core.backend import get_backend

    threads = torch.get_num_threads()
    monkeypatch.setenv("SEEIN_THREADS", "1")
    get_backend.cache_clear()
    yield
    get_backend.cache_clear()
    torch.set_num_threads(threads)


@pytest.fixture
def opentsne_calls(monkeypatch):
    """Count the calls into openTSNE (the expensive part) without changing what they do."""
    calls = []
    real = tsne_mod._opentsne

    def counting(*args, **kwargs):
        calls.append(args[0].shape)
        return real(*args, **kwargs)

    monkeypatch.setattr(tsne_mod, "_opentsne", counting)
    return calls


def test_second_call_with_same_parameters_is_cached(synthetic_store, opentsne_calls):
    with Store.open(synthetic_store) as store:
        first = project(store, "fc", "tsne", perplexity=10, **FAST)
        assert isinstance(first, Projection) and not first.cached and len(opentsne_calls) == 1
        second = project(store, "fc", "tsne", perplexity=10, **FAST)
        assert second.cached and len(opentsne_calls) == 1  # openTSNE not called again
        np.testing.assert_array_equal(second.embedding, first.embedding)
        assert second.params == first.params and second.params["perplexity"] == 10
        np.testing.assert_array_equal(second.extra["sample"], np.arange(60))
        third = project(store, "fc", "tsne", perplexity=12, **FAST)  # another parameter: computed
        assert not third.cached and len(opentsne_calls) == 2
        assert not project(store, "fc", "tsne", snapshot=0, perplexity=10, **FAST).cached  # another snapshot
        assert not project(store, "fc", "tsne", perplexity=10, cache=False, **FAST).cached
        kinds = {(r["kind"], r["layer"], r["snapshot"]) for r in store.results()}
    assert ("projection/tsne", "fc", 1) in kinds and ("projection/tsne", "fc", 0) in kinds


def test_every_method_and_dims(synthetic_store):
    with Store.open(synthetic_store) as store:
        for method, params in (("pca", {}), ("pivotmds", {"n_pivots": 20}),
                               ("tsne", dict(FAST, limit=200, place="knn"))):
            for dims in (2, 3):
                proj = project(store, "conv", method, dims, **params)
                assert proj.embedding.shape == (60 * 25, dims) and proj.embedding.dtype == np.float32
                assert proj.method == method and proj.layer == "conv" and proj.snapshot == 1
                assert np.isfinite(proj.embedding).all()
                assert project(store, "conv", method, dims, **params).cached
    assert project(synthetic_store, "fc", "pca").cached is False  # a path works too
    assert project(synthetic_store, "fc", "pca").cached is True


def test_full_parameters_are_the_cache_key():
    p = projection_params("tsne", 2, perplexity=5)
    assert p["perplexity"] == 5 and p["n_iter"] == 500 and p["method"] == "tsne" and p["dims"] == 2
    assert projection_params("tsne", 2) == projection_params("tsne", 2, perplexity=None)
    assert projection_params("pca", 3) == {"method": "pca", "dims": 3, "version": ALGORITHM_VERSION}


@pytest.mark.parametrize("call, message", [
    (lambda s: project(s, "nope", "pca"), r"no layer 'nope' in the store \(layers: conv, fc, out\)"),
    (lambda s: project(s, "fc", "isomap"), r"unknown projection method 'isomap' \(methods: pca, tsne, pivotmds, umap\)"),
    (lambda s: project(s, "fc", "pca", dims=4), "2-D or 3-D"),
    (lambda s: project(s, "fc", "pca", perplexity=5), r"pca takes no parameter\(s\) perplexity"),
    (lambda s: project(s, "fc", "pca", snapshot=7), "no snapshot 7"),
    (lambda s: project(s, "fc", "pivotmds", n_pivots=0), r"PivotMDS n_pivots must be an integer >= 1, got 0"),
    (lambda s: project(s, "fc", "pivotmds", seed=-2), r"PivotMDS seed must be an integer >= 0"),
    (lambda s: project(s, "fc", "tsne", seed=-1), r"t-SNE seed must be an integer >= 0, got -1"),
    (lambda s: project(s, "fc", "tsne", limit=0), r"t-SNE limit must be an integer >= 4, got 0"),
    (lambda s: project(s, "fc", "tsne", perplexity=float("nan")), r"t-SNE perplexity must be a number > 0"),
    (lambda s: project(s, "fc", "tsne", n_iter=2.5), r"t-SNE n_iter must be an integer >= 0"),
    (lambda s: project(s, "fc", "tsne", learning_rate=-5), r"t-SNE learning_rate must be a number > 0"),
    (lambda s: project(s, "fc", "tsne", learning_rate="fast"), r"t-SNE learning_rate must be a number > 0"),
    (lambda s: project(s, "fc", "tsne", initialization="magic"), r"unknown t-SNE initialization 'magic'"),
    (lambda s: project(s, "fc", "tsne", place="magic"), r"unknown placement 'magic'"),
])
def test_bad_input_is_one_clear_line(synthetic_store, call, message):
    with Store.open(synthetic_store) as store:
        with pytest.raises(SeeinError, match=message) as info:
            call(store)
    assert "\n" not in str(info.value)


def test_layer_with_one_point(tmp_path):
    path = make_store(tmp_path / "one.h5", n_images=1, n_classes=1, layers={"fc": (3,)}, n_snapshots=1)
    for method in ("pca", "tsne", "pivotmds"):
        with pytest.raises(SeeinError, match="layer 'fc' has 1 point"):
            project(path, "fc", method)


@pytest.mark.parametrize("method", ["pca", "tsne", "pivotmds"])
def test_nan_names_layer_and_snapshot_and_leaves_the_store_valid(synthetic_store, method):
    with h5py.File(synthetic_store, "r+") as f:
        f["snapshots/0000/layers/fc"][5, 0] = np.nan
    with Store.open(synthetic_store) as store:
        with pytest.raises(SeeinError, match=r"layer 'fc' at snapshot 0 holds NaN or Inf activations \(first at point 5, image 5\)"):
            project(store, "fc", method, snapshot=0, **(FAST if method == "tsne" else {}))
        assert store.results() == []  # nothing cached
        assert project(store, "fc", "pca", snapshot=1).embedding.shape == (60, 2)
    with Store.open(synthetic_store) as store:  # still a readable store
        assert store.n_images == 60


def test_too_large_perplexity_is_clamped_and_said(synthetic_store):
    with pytest.warns(UserWarning, match="perplexity 500 is too large for 60 points"):
        proj = project(synthetic_store, "fc", "tsne", perplexity=500, **FAST)
    assert proj.notes and "using 19.67" in proj.notes[0]
    again = project(synthetic_store, "fc", "tsne", perplexity=500, **FAST)
    assert again.cached and again.notes == proj.notes  # the note is kept with the cached result


def test_cancel_leaves_nothing_behind(synthetic_store):
    with Store.open(synthetic_store) as store:
        with pytest.raises(Cancelled):
            project(store, "fc", "tsne", progress=lambda d, t, m: True, **FAST)
        assert store.results() == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_cache_folder_warns_and_still_returns(synthetic_store):
    cache = synthetic_store.with_name(synthetic_store.name + ".cache")
    cache.mkdir()
    cache.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.warns(UserWarning, match="could not cache"):
            proj = project(synthetic_store, "fc", "pca")
        assert proj.embedding.shape == (60, 2) and not proj.cached
    finally:
        cache.chmod(stat.S_IRWXU)


def test_unwritable_cache_warns_and_still_returns(synthetic_store, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Store, "save_result", refuse)
    with pytest.warns(UserWarning, match="could not cache the pca projection of 'fc' .Permission denied"):
        proj = project(synthetic_store, "fc", "pca")
    assert proj.embedding.shape == (60, 2) and not proj.cached


def test_cli_embed_writes_npz(synthetic_store, tmp_path, capsys):
    out = tmp_path / "conv.npz"
    assert main(["embed", str(synthetic_store), "--layer", "conv", "--method", "pivotmds",
                 "--dims", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "pivotmds of conv (snapshot 1): 1,500 points -> 3-D" in text and f"wrote {out}" in text
    with np.load(out) as npz:
        assert set(npz.files) == {"embedding", "labels", "image_index"}
        assert npz["embedding"].shape == (1500, 3)
        np.testing.assert_array_equal(npz["image_index"], np.repeat(np.arange(60), 25))
        np.testing.assert_array_equal(npz["labels"], np.repeat(np.arange(60) % 3, 25))
    assert main(["embed", str(synthetic_store), "--layer", "conv", "--method", "pivotmds", "--dims", "3"]) == 0
    assert "from the cache" in capsys.readouterr().out


def test_cli_embed_tsne_snapshot_and_perplexity(synthetic_store, tmp_path, capsys):
    out = tmp_path / "fc"
    assert main(["embed", str(synthetic_store), "--layer", "fc", "--method", "tsne", "--snapshot", "0",
                 "--perplexity", "100", "--n-iter", "50", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "warning: perplexity 100 is too large for 60 points" in text and "snapshot 0" in text
    with np.load(str(out) + ".npz") as npz:
        assert npz["embedding"].shape == (60, 2)
        np.testing.assert_array_equal(npz["image_index"], np.arange(60))


@pytest.mark.parametrize("argv, message", [
    (["--layer", "nope"], "no layer 'nope'"),
    (["--layer", "fc", "--method", "isomap"], "unknown method 'isomap'"),
    (["--layer", "fc", "--perplexity", "5"], "--perplexity does not apply to --method pca"),
    (["--layer", "fc", "--out", "/no/such/folder/x.npz"], "the output folder does not exist"),
    (["--layer", "fc", "--method", "pivotmds", "--pivots", "0"], "PivotMDS n_pivots must be an integer >= 1"),
    (["--layer", "fc", "--method", "tsne", "--limit", "0"], "t-SNE limit must be an integer >= 4"),
    (["--layer", "fc", "--method", "tsne", "--seed", "-1"], "t-SNE seed must be an integer >= 0"),
])
def test_cli_embed_errors(synthetic_store, capsys, argv, message):
    assert main(["embed", str(synthetic_store)] + argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("seein embed: error:") and message in err and "\n" not in err


def test_cli_embed_missing_store(tmp_path, capsys):
    assert main(["embed", str(tmp_path / "none.h5"), "--layer", "fc"]) == 2
    assert "no such store" in capsys.readouterr().err
