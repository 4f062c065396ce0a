"""Quality on the demo (LeNet on digits): t-SNE of fc1 separates the classes as openTSNE does."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.manifold import trustworthiness

from seein.compute.projection import project
from seein.store import Store


def knn_accuracy(embedding: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Leave-one-out k-NN class accuracy in the map (each point's k nearest *others* vote)."""
    from scipy.spatial.distance import cdist

    d = cdist(embedding, embedding)
    np.fill_diagonal(d, np.inf)  # the point itself never votes, even where points coincide
    votes = labels[np.argsort(d, axis=1)[:, :k]]
    pred = np.array([np.bincount(v, minlength=labels.max() + 1).argmax() for v in votes])
    return float((pred == labels).mean())


def test_knn_accuracy_tells_mixed_classes_from_separated_ones():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 50)
    separated = rng.normal(size=(150, 2)) + labels[:, None] * 20.0
    assert knn_accuracy(separated, labels) == 1.0
    assert knn_accuracy(rng.normal(size=(150, 2)), labels) < 0.6  # no structure: about chance


@pytest.mark.slow
def test_tsne_of_fc1_separates_digits_as_well_as_opentsne(demo_store, monkeypatch):
    import torch
    from openTSNE import TSNE

    from seein.core.backend import get_backend

    threads = torch.get_num_threads()
    monkeypatch.setenv("SEEIN_THREADS", "1")
    get_backend.cache_clear()
    with Store.open(demo_store) as store:
        x = store.read_activations("fc1")
        labels = store.labels
        ours = project(store, "fc1", "tsne", cache=False).embedding
    get_backend.cache_clear()
    torch.set_num_threads(threads)
    reference = np.asarray(TSNE(random_state=0).fit(x))  # openTSNE with its own defaults
    acc = knn_accuracy(ours, labels)
    t_ours = trustworthiness(x, ours, n_neighbors=10)
    t_ref = trustworthiness(x, reference, n_neighbors=10)
    print(f"fc1 t-SNE: 10-NN accuracy {acc:.4f}, trustworthiness {t_ours:.4f} (openTSNE defaults {t_ref:.4f})")
    assert acc >= 0.95, acc
    assert abs(t_ours - t_ref) <= 0.01, (t_ours, t_ref)  # within 0.01 of openTSNE's own defaults
