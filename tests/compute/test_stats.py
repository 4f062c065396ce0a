"""Statistics on a hand-made store whose every activation is chosen, so each result is checked by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pytest

from seein.compute import clustering, deepeyes, stats
from seein.core.errors import SeeinError
from seein.store import LayerInfo, SnapshotInfo, Store, StoreWriter, layer_kind


def tiny_store(path: Path, outputs: Sequence[Mapping[str, np.ndarray]], labels: Sequence[int],
               logits: Sequence[np.ndarray], steps: Sequence[int] | None = None) -> Path:
    """Write a store whose snapshot k holds ``outputs[k]`` (layer -> (N, C, H, W) or (N, D))."""
    labels = np.asarray(labels)
    n = len(labels)
    n_classes = int(np.asarray(logits[0]).shape[1])
    infos = [LayerInfo(name, layer_kind(a.shape[1:]), tuple(a.shape[1:]), "Hand", order)
             for order, (name, a) in enumerate(outputs[0].items())]
    rfs = {}
    for info in infos:
        if info.kind == "structured":
            h, w = info.cells
            yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
            rfs[info.name] = np.stack([yy, xx, yy + 2, xx + 2], -1).astype(np.int32)
    steps = list(steps) if steps is not None else [10 * k for k in range(len(outputs))]
    snaps = [SnapshotInfo(index=k, step=steps[k]) for k in range(len(outputs))]
    images = np.broadcast_to((np.arange(n) * 10)[:, None, None, None], (n, 4, 4, 1)).astype(np.uint8)
    writer = StoreWriter.create(path, images=images, labels=labels, image_ids=np.arange(n),
                                class_names=[f"c{c}" for c in range(max(n_classes, int(labels.max()) + 1))],
                                layers=infos,
                                snapshots=snaps, n_outputs=n_classes, input_shape=(1, 4, 4),
                                receptive_fields=rfs, dtype=np.float32)
    for snap, out, lg in zip(snaps, outputs, logits):
        writer.write_chunk(snap.index, 0, {k: np.asarray(v, np.float32) for k, v in out.items()},
                           np.asarray(lg, np.float32))
    return writer.finish(path)


LABELS = [0, 1, 0, 1]
FC = [  # (images, filters) per snapshot: filter 0 "dies" after snapshot 0
    np.array([[4, 0, 1], [0, 2, 1], [3, 0, 1], [1, 1, 1]]),
    np.array([[0.5, 0, 1], [0, 3, 1], [0.5, 0, 1], [0, 1, 1]]),
    np.array([[0.5, 0, 0.9], [0, 2.5, 0.9], [0.5, 0, 0.9], [0, 1, 0.9]]),
]
CONV = np.arange(4 * 2 * 2 * 2, dtype=np.float32).reshape(4, 2, 2, 2)
PREDICT = [[0, 1, 1, 1], [0, 1, 0, 1], [0, 1, 0, 1]]


@pytest.fixture
def tiny(tmp_path):
    outputs = [{"conv": CONV * (k + 1), "fc": FC[k]} for k in range(3)]
    logits = [np.eye(2)[p] * 5 for p in PREDICT]
    path = tiny_store(tmp_path / "tiny.h5", outputs, LABELS, logits)
    with Store.open(path) as store:
        yield store


def test_confusion_and_prediction_histogram(tiny):
    np.testing.assert_array_equal(stats.confusion_matrix(tiny, 0), [[1, 1], [0, 2]])
    np.testing.assert_array_equal(stats.confusion_matrix(tiny, -1), [[2, 0], [0, 2]])
    np.testing.assert_array_equal(stats.confusion_matrix(tiny, 0, np.array([1, 0, 1, 0], bool)), [[1, 1], [0, 0]])
    hist = stats.prediction_histogram(tiny, 0, bins=4)
    np.testing.assert_array_equal(hist["counts"], [1, 3])
    top = np.exp(5) / (np.exp(5) + 1)  # softmax of (5, 0): in the last quarter
    assert top > 0.75 and hist["confidence"].tolist() == [0, 0, 0, 4]
    assert {r["kind"] for r in tiny.results()} >= {"stats/confusion", "stats/predictions"}


def test_mean_activation_image_and_ranges(tiny):
    mask = np.array([True, False, True, False])
    np.testing.assert_allclose(stats.mean_activation(tiny, "conv", mask, snapshot=1), (CONV[0] + CONV[2]))
    np.testing.assert_allclose(stats.mean_activation(tiny, "fc", mask, snapshot=0), [3.5, 0, 1])
    np.testing.assert_allclose(stats.mean_image(tiny, mask), np.full((4, 4, 1), 10.0))
    np.testing.assert_allclose(stats.feature_ranges(tiny, "fc", 0), [[0, 4], [0, 2], [1, 1]])
    with pytest.raises(SeeinError, match="no image selected"):
        stats.mean_activation(tiny, "fc", np.zeros(4, bool))
    with pytest.raises(SeeinError, match="mask has shape"):
        stats.mean_activation(tiny, "fc", np.ones(3, bool))


def test_activation_heatmap_by_hand(tiny):
    h = deepeyes.activation_heatmap(tiny, "fc", snapshot=2)
    np.testing.assert_allclose(h["max"], [4, 3, 1])  # running maximum over snapshots 0..2
    np.testing.assert_allclose(h["max_by_class"], [[4, 1], [0, 3], [1, 1]])
    assert float(h["threshold"]) == pytest.approx(2.0)  # beta * max over filters
    np.testing.assert_allclose(h["frequency"], [0, 0.25, 0])  # only 2.5 > 2 at snapshot 2
    np.testing.assert_allclose(h["frequency_by_class"], [[0, 0], [0, 0.5], [0, 0]])
    # filter 0 last reached 0.8 * 4 at snapshot 0; the others at snapshot 2 (2.5 >= 2.4, 0.9 >= 0.8)
    assert h["last_reached"].tolist() == [0, 2, 2]
    assert h["staleness"].tolist() == [2, 0, 0] and h["staleness_steps"].tolist() == [20, 0, 0]
    fresh = deepeyes.activation_heatmap(tiny, "fc", snapshot=2, since=1)  # "reinitialise the maximum"
    np.testing.assert_allclose(fresh["max"], [0.5, 3, 1])
    assert fresh["staleness"].tolist() == [0, 0, 0]
    assert deepeyes.activation_heatmap(tiny, "fc", snapshot=0)["frequency"].tolist() == [0.5, 0, 0]


def test_perplexity_histogram_by_hand(tiny):
    p = FC[0] / FC[0].sum(1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        expect = 2 ** -np.nansum(np.where(p > 0, p * np.log2(p), 0), axis=1)
    hist = deepeyes.perplexity_histogram(tiny, "fc", 0, bins=4)
    np.testing.assert_allclose(hist["edges"], [1, 1.5, 2, 2.5, 3])
    np.testing.assert_array_equal(hist["counts"], np.histogram(expect, bins=hist["edges"])[0])
    assert float(hist["mean"]) == pytest.approx(expect.mean(), rel=1e-5)
    many = deepeyes.perplexity_histograms(tiny, "fc", bins=4)
    assert many["counts"].shape == (3, 4) and many["counts"].sum(1).tolist() == [4, 4, 4]
    np.testing.assert_array_equal(many["diff"][1], many["counts"][1] - many["counts"][0])
    assert not many["diff"][0].any()


def test_clusters_and_nearest_images(tiny):
    res = clustering.cluster_images(tiny, "fc", k=2, n_nearest=3, snapshot=0)
    groups = {tuple(sorted(np.flatnonzero(res["labels"] == c))) for c in range(2)}
    assert groups == {(0, 2), (1, 3)}
    for c in range(2):
        assert set(res["nearest"][c, :2]) == set(np.flatnonzero(res["labels"] == c))
        assert res["nearest"][c, 2] == -1 and np.isnan(res["nearest_distance"][c, 2])
    assert clustering.last_flat_layer(tiny) == "fc"
    with pytest.raises(SeeinError, match="structured"):
        clustering.cluster_images(tiny, "conv")


def test_nan_activations_name_layer_and_snapshot(tmp_path):
    bad = FC[1].astype(float).copy()
    bad[2, 1] = np.nan
    outputs = [{"fc": FC[0]}, {"fc": bad}]
    path = tiny_store(tmp_path / "nan.h5", outputs, LABELS, [np.eye(2)[PREDICT[0]]] * 2)
    with Store.open(path) as store:
        assert stats.feature_ranges(store, "fc", 0).shape == (3, 2)
        for call in (lambda: stats.feature_ranges(store, "fc", 1),
                     lambda: deepeyes.perplexity_histogram(store, "fc", 1),
                     lambda: stats.mean_activation(store, "fc", None, 1)):
            with pytest.raises(SeeinError, match=r"layer 'fc' at snapshot 1 holds NaN or Inf.*image 2"):
                call()


def test_one_point_and_one_class(tmp_path):
    one = tiny_store(tmp_path / "one.h5", [{"fc": np.array([[1.0, 2.0, 0.0]])}], [0], [np.array([[1.0, 0.0]])])
    with Store.open(one) as store:
        with pytest.raises(SeeinError, match="at least 2 points"):
            clustering.cluster_images(store, "fc")
        np.testing.assert_array_equal(stats.confusion_matrix(store), [[1, 0], [0, 0]])
        from seein.compute.filtermap import filter_map

        fm = filter_map(store, "fc")
        assert fm["embedding"].shape == (3, 2) and (fm["color_class"] == 0).all()
        assert np.allclose(fm["size"][:2], 1.0)  # all from one class: perplexity 1 over classes
        assert fm["size"][2] == pytest.approx(0.5)  # a dead filter: uniform over the 2 classes


def test_embedding_network_has_no_predictions_and_compute_skips_them(tmp_path):
    from seein.compute import pipeline

    path = tiny_store(tmp_path / "emb.h5", [{"fc": FC[0]}], LABELS, [np.zeros((4, 1))])  # one output: -1
    with Store.open(path) as store:
        with pytest.raises(SeeinError, match="no class outputs"):
            stats.confusion_matrix(store)
        kinds = {task.kind for task in pipeline.plan(store, methods=[])}
        assert "stats/confusion" not in kinds and {"clusters/kmeans", "deepeyes/heatmap"} <= kinds
