"""seein bench compute: the registry, interleaved measurement, ratios in the JSON."""

from __future__ import annotations

import json

import numpy as np

from seein.bench import measure as bench_measure
from seein.bench.compute import bench_data, run_benchmarks
from seein.bench.measure import BENCHMARKS, BenchData, measure, register
from seein.cli import main


def test_measure_interleaves_and_takes_medians():
    order = []
    res = measure({"a": lambda: order.append("a"), "b": lambda: order.append("b")}, repeats=3)
    assert order == ["a", "b", "b", "a", "a", "b"]
    assert set(res) == {"a", "b"} and len(res["a"]["times_s"]) == 3
    assert res["a"]["median_s"] == sorted(res["a"]["times_s"])[1]


def test_peak_memory_sees_a_big_allocation():
    res = measure({"big": lambda: np.ones(40_000_000, np.uint8).sum(), "small": lambda: 1}, repeats=1)
    assert res["big"]["peak_mb"] > 20 and res["small"]["peak_mb"] < 20


def test_registry_takes_new_entries(monkeypatch):
    monkeypatch.setattr(bench_measure, "BENCHMARKS", dict(BENCHMARKS))

    @register("double")
    def double(data):
        return {"results": {"x": {"median_s": 2.0}}, "ratios": {"x_vs_y": 2.0}}

    assert bench_measure.BENCHMARKS["double"] is double
    data = BenchData(np.zeros((10, 2), np.float32), np.zeros(10, np.int64), "zeros")
    out = run_benchmarks(data, only=["double"], log=lambda m: None)
    assert out["ratios"] == {"x_vs_y": 2.0} and out["config"]["n_points"] == 10


def test_bench_data_from_a_store(synthetic_store):
    data = bench_data(synthetic_store, n=500)
    assert data.layer == "conv" and data.points.shape == (500, 4)  # the only conv layer
    assert data.labels.shape == (500,) and "500 of 1500 points" in data.source
    synth = bench_data(synthetic=True, n=300)
    assert synth.points.shape == (300, 16) and synth.store is None


def test_cli_bench_compute_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "compute", "--synthetic", "--n", "150", "--repeats", "1", "--repeats-cheap", "2",
                 "--jobs", "1", "--only", "tsne,pca,pivotmds", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "tsne_vs_opentsne" in text and "pca_vs_sklearn" in text and f"wrote {out}" in text
    result = json.loads(out.read_text())
    assert set(result["ratios"]) == {"tsne_vs_opentsne", "tsne_vs_opentsne_cpu", "pca_vs_sklearn",
                                     "pivotmds_vs_numpy"}
    assert all(v > 0 for v in result["ratios"].values())
    for name in ("tsne_seein", "tsne_opentsne", "pca_seein", "pca_sklearn", "pivotmds_seein", "pivotmds_numpy"):
        assert result["results"][name]["median_s"] > 0 and "peak_mb" in result["results"][name]
        assert result["results"][name]["median_cpu_s"] > 0
    assert result["config"]["n_points"] == 150 and result["config"]["n_jobs"] == 1


def test_cli_bench_compute_tsne_big(tmp_path, capsys, synthetic_store):
    """tsne_big_vs_fit from one run: a big layer's total over its sample fit (quick: --big-points)."""
    out = tmp_path / "big.json"
    assert main(["bench", "compute", str(synthetic_store), "--n", "100", "--big-points", "1200", "--jobs", "1",
                 "--only", "tsne_big", "--json", str(out)]) == 0
    assert "tsne_big_vs_fit" in capsys.readouterr().out
    result = json.loads(out.read_text())
    r = result["results"]
    assert r["tsne_big_total"]["n_points"] == 1200 and r["tsne_big_total"]["fitted"] == 50  # 1200 // 50, at least 50
    assert r["tsne_big_total"]["source"].startswith("conv")  # the store's layer with the most points
    fit, total = r["tsne_big_fit"]["median_s"], r["tsne_big_total"]["median_s"]
    assert 0 < fit <= total and r["tsne_big_place"]["median_s"] > 0
    assert result["ratios"]["tsne_big_vs_fit"] == total / fit
    assert main(["bench", "compute", "--synthetic", "--big-points", "10"]) == 2  # one-line error
