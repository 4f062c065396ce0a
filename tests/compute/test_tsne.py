"""t-SNE: openTSNE path, perplexity clamping, sampling + placement of big layers, progress and cancel."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from seein.compute import tsne as tsne_mod
from seein.compute.sampling import knn_place, sample_indices
from seein.compute.tsne import clamp_perplexity, tsne
from seein.core.backend import Backend
from seein.core.errors import Cancelled, SeeinError

FAST = dict(n_iter=120, early_exaggeration_iter=60)


def _blobs(n=240, d=10, k=4, seed=0, spread=8.0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(k, d))
    labels = np.arange(n) % k
    return (centres[labels] + rng.normal(size=(n, d))).astype(np.float32), labels


def _knn_accuracy(emb, labels, k=10):
    d = ((emb[:, None, :] - emb[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nn = np.argsort(d, axis=1)[:, :k]
    votes = np.array([np.bincount(labels[row], minlength=labels.max() + 1).argmax() for row in nn])
    return float((votes == labels).mean())


def test_tsne_separates_clusters():
    x, labels = _blobs()
    res = tsne(x, 2, n_jobs=1, **FAST)
    assert res.embedding.shape == (240, 2) and res.embedding.dtype == np.float32
    assert res.engine == "openTSNE" and len(res.sample) == 240 and not res.notes
    assert _knn_accuracy(res.embedding, labels) > 0.95
    again = tsne(x, 2, n_jobs=1, **FAST)  # seeded: the same map again
    np.testing.assert_allclose(again.embedding, res.embedding, atol=1e-4)


def test_three_d():
    x, labels = _blobs(120)
    res = tsne(x, 3, n_jobs=1, **FAST)
    assert res.embedding.shape == (120, 3) and np.isfinite(res.embedding).all()
    assert _knn_accuracy(res.embedding, labels) > 0.9


def test_perplexity_clamped_with_a_warning():
    x, _ = _blobs(40)
    with pytest.warns(UserWarning, match=r"perplexity 30 is too large for 40 points; using 13"):
        res = tsne(x, 2, n_jobs=1, **FAST)
    assert res.perplexity == pytest.approx(13.0)
    assert "too large" in res.notes[0]
    assert clamp_perplexity(5, 100) == (5.0, None)
    with pytest.raises(SeeinError, match="at least 4 points"):
        clamp_perplexity(30, 3)
    with pytest.raises(SeeinError, match="positive"):
        clamp_perplexity(0, 100)


def test_bad_parameters():
    x, _ = _blobs(40)
    with pytest.raises(SeeinError, match="unknown t-SNE parameter"):
        tsne(x, 2, perplex=3)
    with pytest.raises(SeeinError, match="2-D or 3-D"):
        tsne(x, 4)
    with pytest.raises(SeeinError, match="placement"):
        tsne(x, 2, place="magic", n_jobs=1, **FAST)


def test_sample_indices_seeded_sorted_unique():
    a = sample_indices(1000, 100, seed=3)
    assert len(a) == 100 and np.all(np.diff(a) > 0)
    np.testing.assert_array_equal(a, sample_indices(1000, 100, seed=3))
    assert not np.array_equal(a, sample_indices(1000, 100, seed=4))
    np.testing.assert_array_equal(sample_indices(50, 100), np.arange(50))


def _placed_near_neighbours(x, res, k=5):
    """Each placed point vs the mean map position of its k nearest *fitted* points (input space)."""
    fitted = np.zeros(len(x), bool)
    fitted[res.sample] = True
    placed = np.flatnonzero(~fitted)
    fx, fy = x[fitted], res.embedding[fitted]
    d = ((x[placed][:, None, :] - fx[None]) ** 2).sum(-1)
    nn = np.argsort(d, axis=1)[:, :k]
    centre = fy[nn].mean(1)
    err = np.linalg.norm(res.embedding[placed] - centre, axis=1)
    spread = np.linalg.norm(fy - fy.mean(0), axis=1).mean()
    return placed, err, spread


@pytest.mark.parametrize("place", ["knn", "transform"])
def test_big_layer_fitted_on_a_sample_rest_placed_near_neighbours(place):
    x, labels = _blobs(400, seed=1)
    res = tsne(x, 2, n_jobs=1, limit=150, place=place, **FAST)
    assert len(res.sample) == 150 and res.engine == f"openTSNE+{place}"
    assert any("random sample of 150 of 400" in n for n in res.notes)
    placed, err, spread = _placed_near_neighbours(x, res)
    assert len(placed) == 250 and np.isfinite(res.embedding).all()
    assert np.median(err) < 0.15 * spread  # placed among their input-space neighbours
    assert _knn_accuracy(res.embedding, labels) > 0.95  # and in their class's cluster


def test_knn_place_is_a_weighted_neighbour_mean():
    ref = torch.tensor([[0.0], [1.0], [10.0]])
    ref_emb = torch.tensor([[0.0, 0.0], [2.0, 0.0], [50.0, 50.0]])
    out = knn_place(ref, ref_emb, torch.tensor([[0.0], [0.5], [10.0]]), k=2)
    np.testing.assert_allclose(out[0].numpy(), [0, 0], atol=1e-4)  # on a reference point: its place
    np.testing.assert_allclose(out[1].numpy(), [1, 0], atol=1e-4)  # halfway: the mean
    np.testing.assert_allclose(out[2].numpy(), [50, 50], atol=1e-3)


def test_progress_reports_both_phases_and_cancel_stops(monkeypatch):
    monkeypatch.setattr(tsne_mod, "REPORT_EVERY", 0.0)  # every iteration
    x, _ = _blobs(120)
    seen = []
    tsne(x, 2, n_jobs=1, progress=lambda d, t, m: seen.append((d, t, m)) and False, n_iter=100,
         early_exaggeration_iter=50)
    steps = [m for _, _, m in seen if m.startswith("t-SNE ") and "/" in m]
    assert steps == [f"t-SNE {i}/150" for i in range(1, 151)]  # both phases, one count
    assert seen[0][2] == "t-SNE: neighbours of 120 points" and seen[-1][:2] == (10_000, 10_000)
    assert all(t == 10_000 for _, t, _ in seen) and all(d < 10_000 for d, _, _ in seen[:-1])
    with pytest.raises(Cancelled):
        tsne(x, 2, n_jobs=1, progress=lambda d, t, m: True, **FAST)


def test_no_callbacks_without_progress(monkeypatch):
    from openTSNE import TSNE

    got = {}
    real = TSNE.__init__

    def spy(self, *a, **kw):
        got.update(kw)
        real(self, *a, **kw)

    monkeypatch.setattr(TSNE, "__init__", spy)
    tsne(_blobs(100)[0], 2, n_jobs=1, **FAST)
    assert got.get("callbacks") is None and got["perplexity"] == 30.0 and got["n_jobs"] == 1
    tsne(_blobs(100)[0], 2, n_jobs=1, progress=lambda *a: False, **FAST)
    # progress comes from the wrapped gradient, never from openTSNE's (KL-evaluating) callbacks
    assert got.get("callbacks") is None and isinstance(got["negative_gradient_method"], tsne_mod._Progress)


def test_cuda_backend_asks_opentsne_for_3d_and_says_so(monkeypatch):
    pretend = Backend(name="cuda", device=torch.device("cpu"), xp=np, has_cupy=True, has_cuml=True, threads=1)
    calls = []
    monkeypatch.setattr(tsne_mod, "_cuml", lambda *a: calls.append("cuml"))
    x, _ = _blobs(80)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = tsne(x, 3, backend=pretend, **FAST)
    assert res.engine == "openTSNE" and calls == []
    assert any("2-D only" in str(w.message) for w in caught)
    assert any("2-D only" in n for n in res.notes)


def test_cuda_backend_dispatches_2d_to_cuml_and_places_by_knn(monkeypatch):
    """The CUDA path's control flow, run on the CPU with a stand-in for cuML."""
    pretend = Backend(name="cuda", device=torch.device("cpu"), xp=np, has_cupy=True, has_cuml=True, threads=1)
    seen = {}

    def fake_cuml(x, p):
        seen.update(p, n=len(x))
        return (x[:, :2] * 3).astype(np.float32)  # any map that keeps neighbours together

    monkeypatch.setattr(tsne_mod, "_cuml", fake_cuml)
    monkeypatch.setattr(tsne_mod, "_opentsne", lambda *a: pytest.fail("openTSNE must not run"))
    x, labels = _blobs(300, seed=2)
    progress = []
    res = tsne(x, 2, backend=pretend, limit=100, perplexity=20, progress=lambda *a: progress.append(a) and False)
    assert seen["n"] == 100 and seen["perplexity"] == 20 and seen["early_exaggeration"] == 12
    assert res.engine == "cuml+knn" and len(res.sample) == 100
    np.testing.assert_allclose(res.embedding[res.sample], x[res.sample, :2] * 3, rtol=1e-6)
    placed, err, spread = _placed_near_neighbours(x, res)
    assert np.median(err) < 0.25 * spread
    assert progress and progress[-1][0] == progress[-1][1]


def test_auto_placement_is_knn():
    x, _ = _blobs(200, seed=3)
    res = tsne(x, 2, n_jobs=1, limit=120, **FAST)
    assert res.engine == "openTSNE+knn"


def test_knn_placement_of_a_big_layer_streams():
    """Placing the points of a big layer never copies it: memory grows with n by the output alone.

    Peak growth at n and 2n points; per extra point the former version also held x[rest]
    (80 bytes a point here) besides the output, the indices to place and a mask (17 bytes).
    """
    from seein.bench.measure import measure

    x = np.random.default_rng(4).normal(size=(2_000_000, 20)).astype(np.float32)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a shared machine: one thread is steadier
    try:
        tsne(x[:100_000], 2, n_jobs=1, limit=300, place="knn", **FAST)  # load libraries, size blocks
        peaks = []
        for n in (1_000_000, 2_000_000):  # a million points apart: the allocator's noise is ~20 MB
            out = {}
            res = measure({"tsne": lambda: out.setdefault("r", tsne(x[:n], 2, n_jobs=1, limit=300,
                                                                    place="knn", **FAST))}, repeats=1)
            r = out["r"]
            assert r.embedding.shape == (n, 2) and np.isfinite(r.embedding).all()
            assert r.engine == "openTSNE+knn"
            peaks.append(res["tsne"]["peak_mb"] * 2**20)
    finally:
        torch.set_num_threads(threads)
    per_point = (peaks[1] - peaks[0]) / 1_000_000
    assert per_point < 48, per_point  # measured 16-18; x[rest] would add 80 B


@pytest.mark.parametrize("signature", ["new", "old"])
def test_cuml_gets_opentsne_settings(stand_in_cuml, signature):
    """_cuml's argument mapping, against a stand-in ``cuml.manifold.TSNE`` (no GPU here):
    a recent cuML (max_iter, init) and an older one (n_iter, no init)."""

    seen = {}

    if signature == "new":
        class FakeTSNE:
            def __init__(self, n_components=2, perplexity=30.0, early_exaggeration=12.0,
                         late_exaggeration=1.0, exaggeration_iter=250, n_neighbors=90, random_state=None,
                         method="fft", output_type=None, max_iter=1000, learning_rate=200.0,
                         learning_rate_method="adaptive", init="random"):
                seen.update({k: v for k, v in locals().items() if k != "self"})

            def fit_transform(self, x):
                return np.asarray(x)[:, :2] * 2
    else:
        class FakeTSNE:
            def __init__(self, n_components=2, perplexity=30.0, early_exaggeration=12.0,
                         late_exaggeration=1.0, exaggeration_iter=250, n_neighbors=90, random_state=None,
                         method="fft", output_type=None, n_iter=1000, learning_rate=200.0,
                         learning_rate_method="adaptive"):
                seen.update({k: v for k, v in locals().items() if k != "self"})

            def fit_transform(self, x):
                return np.asarray(x)[:, :2] * 2

    stand_in_cuml("manifold", "TSNE", FakeTSNE)
    x = np.random.default_rng(0).normal(size=(500, 5)).astype(np.float32)
    p = dict(tsne_mod.DEFAULTS, perplexity=20.0, seed=3)
    out = tsne_mod._cuml(x, p)
    np.testing.assert_array_equal(out, x[:, :2] * 2)
    assert seen["n_components"] == 2 and seen["perplexity"] == 20.0 and seen["random_state"] == 3
    assert seen["early_exaggeration"] == 12.0 and seen["exaggeration_iter"] == 250
    assert seen["late_exaggeration"] == 1.0 and seen["n_neighbors"] == 60
    assert seen["learning_rate_method"] == "adaptive" and seen["output_type"] == "cupy"
    assert seen["max_iter" if signature == "new" else "n_iter"] == 750
    if signature == "new":
        assert seen["init"] == "pca"
    tsne_mod._cuml(x, dict(p, learning_rate=150.0))
    assert seen["learning_rate"] == 150.0 and seen["learning_rate_method"] == "none"


def test_three_d_with_many_points_uses_barnes_hut(monkeypatch):
    """openTSNE switches to its 2-D-only FFT gradients from 10,000 points (and in every
    transform): a 3-D map of that many points used to fail deep inside openTSNE."""
    x, _ = _blobs(10_500, d=5, seed=5)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        res = tsne(x, 3, n_jobs=1, limit=10_000, place="transform", n_iter=3, early_exaggeration_iter=3)
    finally:
        torch.set_num_threads(threads)
    assert res.embedding.shape == (10_500, 3) and np.isfinite(res.embedding).all()
    assert res.engine == "openTSNE+transform"


def test_constant_layer_is_one_point_not_nan():
    """A dead layer (every activation equal) made openTSNE return NaN, which would be cached."""
    x = np.full((300, 5), 0.5, np.float32)
    with pytest.warns(UserWarning, match="every point is the same"):
        res = tsne(x, 2, n_jobs=1, limit=100, **FAST)
    assert res.embedding.shape == (300, 2) and not res.embedding.any()
    assert "constant layer" in res.notes[-1] and res.engine == "none"
