"""UMAP: a fourth projection method, validated, cached, sampled-and-placed on big layers, accurate on the demo."""

from __future__ import annotations

import numpy as np
import pytest

from seein.compute.projection import METHODS, project, projection_params
from seein.compute.umap import umap_embed
from seein.core.errors import Cancelled, SeeinError
from seein.store import Store

from .test_projection_quality import knn_accuracy


def _blobs(n_per: int = 60, classes: int = 3, dim: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(classes), n_per)
    return (rng.normal(size=(len(labels), dim)) + labels[:, None] * 6.0).astype(np.float32), labels


def test_umap_is_a_projection_method_with_its_parameters():
    assert "umap" in METHODS
    full = projection_params("umap", 2)
    assert (full["n_neighbors"], full["min_dist"], full["metric"], full["seed"]) == (15, 0.1, "euclidean", 0)
    with pytest.raises(SeeinError, match="metric"):
        projection_params("umap", 2, metric="hamming-ish")
    with pytest.raises(SeeinError, match="perplexity"):
        projection_params("umap", 2, perplexity=5.0)


def test_umap_separates_blobs_and_places_the_unsampled_points():
    x, labels = _blobs()
    res = umap_embed(x, 2, limit=120)
    assert res.embedding.shape == (180, 2) and np.isfinite(res.embedding).all()
    assert len(res.sample) == 120 and res.engine.endswith("+knn")
    placed = np.setdiff1d(np.arange(180), res.sample)
    assert knn_accuracy(res.embedding, labels) >= 0.95
    assert knn_accuracy(res.embedding[placed], labels[placed], k=5) >= 0.95


def test_umap_progress_cancel_stops_it():
    x, _ = _blobs()
    calls = []

    def cancel(done, total, message):
        calls.append(message)
        return True

    with pytest.raises(Cancelled):
        umap_embed(x, 2, progress=cancel)
    assert len(calls) == 1 and "UMAP" in calls[0]


def test_umap_projection_is_cached(synthetic_store):
    with Store.open(synthetic_store) as store:
        first = project(store, "fc", "umap", n_neighbors=5)
        again = project(store, "fc", "umap", n_neighbors=5)
    assert not first.cached and again.cached
    np.testing.assert_array_equal(first.embedding, again.embedding)


def test_umap_of_demo_fc1_separates_digits(demo_store):
    with Store.open(demo_store) as store:
        emb = project(store, "fc1", "umap", cache=False).embedding
        labels = store.labels
    acc = knn_accuracy(emb, labels)
    print(f"fc1 UMAP: 10-NN accuracy {acc:.4f}")
    assert acc >= 0.95, acc


def test_seein_embed_umap_writes_the_map(synthetic_store, tmp_path):
    from seein.cli import main

    out = tmp_path / "umap.npz"
    assert main(["embed", str(synthetic_store), "--layer", "fc", "--method", "umap", "--n-neighbors", "5",
                 "--out", str(out)]) == 0
    assert np.load(out)["embedding"].shape == (60, 2)
    assert main(["embed", str(synthetic_store), "--layer", "fc", "--method", "umap", "--pivots", "3"]) == 2
