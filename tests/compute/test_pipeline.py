"""``seein compute`` on a synthetic store: everything cached once, a second run instant, bad input one line."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from seein.cli import main
from seein.compute import pipeline
from seein.core.errors import Cancelled
from seein.store import Store

# Everything but t-SNE projections (slow on a shared CPU); the Input Map's t-SNE runs on 20 points.
FAST = ["--methods", "pca", "--map-instances", "20"]


def test_compute_twice_second_run_is_cached(synthetic_store, capsys):
    assert main(["compute", str(synthetic_store), *FAST]) == 0
    out = capsys.readouterr().out
    with Store.open(synthetic_store) as store:
        results = store.results()
        kinds = {r["kind"] for r in results}
        n_snap = len(store.snapshots)
    assert {"projection/pca", "stats/confusion", "stats/predictions", "stats/ranges", "clusters/kmeans",
            "deepeyes/perplexity", "deepeyes/heatmap", "deepeyes/filtermap", "deepeyes/inputmap"} <= kinds
    # 3 layers: pca + inputmap at the last snapshot; per snapshot 2 + kmeans + 4 per layer
    n_tasks = 3 * 2 + n_snap * (3 + 4 * 3)
    assert f"{n_tasks} computed, 0 already cached" in out
    heatmap_row = next(line for line in out.splitlines() if line.startswith("deepeyes/heatmap"))
    assert heatmap_row.split()[1:5] == ["3", str(n_snap), str(3 * n_snap), "0"]  # layers snaps computed cached
    assert main(["compute", str(synthetic_store), *FAST, "--quiet"]) == 0
    again = capsys.readouterr().out
    assert f"0 computed, {n_tasks} already cached" in again
    with Store.open(synthetic_store) as store:
        assert len(store.results()) == len(results)
        assert not list(store.cache_dir.rglob("*.tmp*"))


def test_compute_selects_layers_snapshots_and_analyses(synthetic_store, capsys):
    args = ["compute", str(synthetic_store), "--layers", "fc", "--snapshots", "0", "--methods", "none",
            "--analyses", "ranges,kmeans", "--verbose"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in lines[:2]] == [["computed", "clusters/kmeans", "out"],
                                                        ["computed", "stats/ranges", "fc"]]
    assert "2 computed, 0 already cached" in lines[-1]


@pytest.mark.parametrize("extra, message", [
    (["--layers", "nope"], "no layer 'nope'"),
    (["--methods", "isomap"], "unknown projection method(s) isomap"),
    (["--analyses", "magic"], "unknown analysis magic"),
    (["--snapshots", "7"], "no snapshot 7"),
    (["--snapshots", "x"], "bad snapshot 'x'"),
    (["--instances", "0"], "--instances must be at least 1"),
])
def test_bad_arguments_are_one_line_errors(synthetic_store, capsys, extra, message):
    assert main(["compute", str(synthetic_store), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_layer_with_one_point_fails_before_any_work(tmp_path, capsys):
    from seein.testing import make_store

    path = make_store(tmp_path / "one.h5", n_images=1, n_classes=1, layers={"fc": (3,)}, n_snapshots=1)
    assert main(["compute", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "layer 'fc' has 1 point(s); t-SNE needs at least 4" in err and len(err.splitlines()) == 1
    assert not path.with_name(path.name + ".cache").exists()  # nothing started
    assert main(["compute", str(path), "--methods", "none", "--quiet"]) == 0  # the statistics still work
    with Store.open(path) as store:
        assert {"stats/ranges", "deepeyes/heatmap"} <= {r["kind"] for r in store.results()}


def test_unwritable_cache_is_a_one_line_error(synthetic_store, capsys):
    cache = synthetic_store.with_name(synthetic_store.name + ".cache")
    cache.write_text("a file where the cache folder should be")
    assert main(["compute", str(synthetic_store), *FAST]) == 2
    err = capsys.readouterr().err.strip()
    assert "cannot write computed results" in err and len(err.splitlines()) == 1
    with Store.open(synthetic_store) as store:
        assert store.n_images == 60


def test_nan_activations_stop_with_layer_and_snapshot(synthetic_store, capsys):
    with h5py.File(synthetic_store, "r+") as f:
        ds = f["snapshots/0000/layers/fc"]
        row = ds[5]
        row[2] = np.inf
        ds[5] = row
    assert main(["compute", str(synthetic_store), "--methods", "none", "--analyses", "ranges"]) == 2
    err = capsys.readouterr().err.strip()
    assert "layer 'fc' at snapshot 0 holds NaN or Inf" in err and "image 5" in err
    assert "--dtype float32" in err and len(err.splitlines()) == 1  # float16 overflow is the likely cause


def test_cancelled_run_keeps_finished_results_and_a_valid_store(synthetic_store):
    with Store.open(synthetic_store) as store:
        tasks = pipeline.plan(store, methods=["pca"], analyses=["ranges", "perplexity"])
        calls = []

        def progress(done, total, message=""):
            calls.append(done)
            return done >= 3  # "Ctrl-C" once three tasks are done

        with pytest.raises(Cancelled):
            pipeline.run(tasks, progress)
        kept = store.results()
        assert len(kept) == 3 and not list(store.cache_dir.rglob("*.tmp*"))
    with Store.open(synthetic_store) as store:  # still valid; the rest computes and the three are reused
        done = pipeline.run(pipeline.plan(store, methods=["pca"], analyses=["ranges", "perplexity"]))
        assert sum(t.cached for t in done) == 3 and len(done) == len(tasks)


def test_cli_lists_the_same_analyses_as_the_pipeline():
    from seein.cli import compute as cli_compute

    assert cli_compute.ANALYSES == pipeline.ANALYSES
