"""Extraction and `seein compute` on a real Dask LocalCluster of 2 worker processes: equal to one process.

One cluster for the module (its scheduler address is what the CLI is given, as a real
cluster's would be); small data (--limit), shards of whole batches so that the cluster's
store equals the single-process one bit for bit.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path
from unittest import mock

import h5py
import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

from seein.cli import main
from seein.core.errors import SeeinError
from seein.store import Store, StoreWriter
from seein.testing import assert_same_stores

distributed = pytest.importorskip("distributed")

LIMIT, BATCH = 40, 5  # 4 shards of 10 images: two whole batches each
EXTRACT = ["extract", "--model", "lenet", "--limit", str(LIMIT), "--batch-size", str(BATCH), "--quiet"]


def seein(*argv) -> None:
    code = main([str(a) for a in argv])
    assert code == 0, f"seein {' '.join(map(str, argv))} exited {code}"


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 worker processes (1 thread each) and a client on it."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as local, \
            distributed.Client(local) as client:
        yield local, client


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """The single-process extraction every cluster run must equal: on as many torch threads as
    each worker uses (SEEIN_THREADS=1; a matmul's last bits depend on the thread count)."""
    out = tmp_path_factory.mktemp("single") / "single.h5"
    threads = torch.get_num_threads()
    try:  # (threadpool_limits restores the BLAS pools' limits on the way out)
        with mock.patch.dict(os.environ, {"SEEIN_THREADS": "1"}), threadpool_limits(limits=None):
            seein(*EXTRACT, "-o", out)
    finally:
        torch.set_num_threads(threads)
    return out


def _workers(client) -> dict[str, int]:
    return client.run(os.getpid)


def test_four_shards_on_two_workers_equal_one_process(cluster, single, tmp_path, capsys):
    local, client = cluster
    out = tmp_path / "c.h5"
    seein(*EXTRACT, "--cluster", local.scheduler_address, "--shards", 4, "-o", out)
    assert "4 shards on 2 worker threads, virtual over c.h5.shards" in capsys.readouterr().out
    shards = sorted((tmp_path / "c.h5.shards").glob("*.h5"))
    assert [p.name for p in shards] == [f"shard-{i:04d}-of-0004.h5" for i in range(4)]
    with h5py.File(out, "r") as f:  # a virtual store: metadata over the shard files
        assert f["snapshots/0000/layers/conv1"].is_virtual and f["images"].is_virtual
    assert_same_stores(single, out)  # every dataset, bit for bit, and every attribute
    with Store.open(out) as store:
        assert store.shard_files == [out.parent / "c.h5.shards" / p.name for p in shards]

    # the store and its shard folder move together (shards named relative to the store)
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.move(str(out), moved / "c.h5")
    shutil.move(str(tmp_path / "c.h5.shards"), moved / "c.h5.shards")
    assert_same_stores(single, moved / "c.h5")
    # a missing shard is refused at open (HDF5 alone would read zeros)
    (moved / "c.h5.shards" / shards[2].name).rename(moved / "elsewhere.h5")
    with pytest.raises(SeeinError, match=r"c\.h5: its rows are in the shard file c\.h5\.shards/"
                                         r"shard-0002-of-0004\.h5, which is missing"):
        Store.open(moved / "c.h5")

    # seein merge --virtual joins shards made by hand
    (moved / "elsewhere.h5").rename(moved / "c.h5.shards" / shards[2].name)
    joined = tmp_path / "joined.h5"
    seein("merge", "--virtual", *reversed(sorted((moved / "c.h5.shards").glob("*.h5"))), "-o", joined)
    assert_same_stores(single, joined)


def _images_done(partial: Path) -> int:
    try:
        with h5py.File(partial, "r", locking=False) as f:
            return sum(int(g.attrs["images_done"]) for g in f["snapshots"].values())
    except (OSError, KeyError, ValueError, RuntimeError):
        return 0


def _holder(pids, path: Path) -> int | None:
    """The process among ``pids`` that has ``path`` open (Linux /proc)."""
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                    return pid
            except OSError:
                continue
    return None


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="finds the worker through /proc")
def test_a_worker_killed_mid_shard_still_gives_an_equal_store(cluster, single, tmp_path):
    from seein.demo.runs import demo_run
    from seein.extract.cluster import extract_on_cluster

    local, client = cluster
    out = tmp_path / "k.h5"
    folder = tmp_path / "k.h5.shards"
    pids = list(_workers(client).values())
    result, failure = {}, []

    def run():
        try:  # fresh shards sleep 0.2 s after each chunk, so one can be caught half done
            result["done"] = extract_on_cluster(client, "lenet", None, out, run=demo_run("lenet"),
                                                limit=LIMIT, batch_size=BATCH, shards=4, copy=True,
                                                pause=0.2)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        for partial in folder.glob("*.h5.partial"):
            done = _images_done(partial)
            if BATCH <= done < 6 * 10:  # at least one chunk written, the shard not finished
                pid = _holder(pids, partial)
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)  # a real kill -9 of the worker process
                    killed = (pid, partial, done)
                    break
        time.sleep(0.02)
    thread.join(120)
    assert killed is not None, "no shard was caught half done"
    assert not failure, failure
    pid, partial, done = killed
    assert pid not in _workers(client).values(), "the killed worker is gone (its nanny started another)"
    assert result["done"].shards and not folder.exists()  # --copy: the shard folder is removed
    with h5py.File(out, "r") as f:
        assert not f["snapshots/0000/layers/conv1"].is_virtual
    assert_same_stores(single, out)


def _entries(store_path: Path) -> dict:
    with Store.open(store_path) as store:
        found = {}
        for entry in store.results():
            key = (entry["kind"], entry["layer"], entry["snapshot"], repr(sorted(entry["params"].items())))
            with np.load(entry["file"]) as npz:
                found[key] = {k: npz[k] for k in npz.files if k != "__params__"}
        return found


COMPUTE = ["--layers", "fc1,fc2", "--methods", "pca,tsne", "--analyses", "predictions,ranges,kmeans,perplexity",
           "--snapshots", "last", "--instances", "300", "--quiet"]


def test_compute_on_the_cluster_writes_the_cache_a_local_run_writes(cluster, single, tmp_path, monkeypatch,
                                                                     capsys):
    from threadpoolctl import threadpool_limits

    from seein.core.backend import get_backend

    local, client = cluster
    here, there = tmp_path / "here.h5", tmp_path / "there.h5"
    shutil.copy(single, here)
    shutil.copy(single, there)
    monkeypatch.setenv("SEEIN_THREADS", "1")  # the workers' one thread per task, as the local run's
    get_backend.cache_clear()
    threads = torch.get_num_threads()
    try:  # SEEIN_THREADS also sets torch's and BLAS's threads: give the rest of the suite its threads back
        with threadpool_limits(None):
            seein("compute", here, *COMPUTE)
    finally:
        torch.set_num_threads(threads)
    get_backend.cache_clear()
    seein("compute", there, *COMPUTE, "--cluster", local.scheduler_address, "--threads", 1)
    first = capsys.readouterr().out
    a, b = _entries(here), _entries(there)
    assert a.keys() == b.keys() and len(a) == 11
    kinds = {key[0] for key in a}
    assert {"projection/tsne", "projection/pca", "clusters/kmeans", "deepeyes/perplexity"} <= kinds
    for key in a:
        assert a[key].keys() == b[key].keys(), key
        for name in a[key]:
            np.testing.assert_array_equal(a[key][name], b[key][name], err_msg=f"{key} {name}")
    assert " 0 already cached" in first
    seein("compute", there, *COMPUTE, "--cluster", local.scheduler_address, "--threads", 1)
    assert " 0 computed," in capsys.readouterr().out  # the workers found every result cached


@pytest.mark.parametrize("value, message", [
    ("nonsense", r"--cluster takes a scheduler address \(tcp://HOST:PORT\), local, local:N or local-cuda:N, "
                 r"not 'nonsense'"),
    ("local:0", r"'0' is not a number of workers"),
    ("http://host:1", r"'http' is not a Dask protocol"),
])
def test_bad_cluster_values_are_one_line_errors(value, message, tmp_path, capsys):
    assert main([*EXTRACT, "--cluster", value, "-o", str(tmp_path / "x.h5")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    import re

    assert re.search(message, err), err
    assert not list(tmp_path.iterdir())


def test_unreachable_scheduler_and_misused_options(tmp_path, capsys):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert main([*EXTRACT, "--cluster", "tcp://127.0.0.1:9", "-o", str(tmp_path / "x.h5")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert main([*EXTRACT, "--shards", "4", "-o", str(tmp_path / "x.h5")]) == 2
    assert "--shards goes with --cluster" in capsys.readouterr().err
    assert main([*EXTRACT, "--cluster", "local:1", "--shard", "0/2", "-o", str(tmp_path / "x.h5")]) == 2
    assert "give --shard or --cluster, not both" in capsys.readouterr().err
    try:
        import dask_cuda  # noqa: F401
    except ImportError:
        assert main([*EXTRACT, "--cluster", "local-cuda", "-o", str(tmp_path / "x.h5")]) == 2
        assert "--cluster local-cuda needs dask-cuda, which is not installed" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_leftover_shards_need_resume_or_force(cluster, tmp_path, capsys):
    local, _ = cluster
    out = tmp_path / "r.h5"
    folder = tmp_path / "r.h5.shards"
    folder.mkdir()
    (folder / "shard-0000-of-0003.h5.partial").write_bytes(b"")
    assert main([*EXTRACT, "--cluster", local.scheduler_address, "-o", str(out)]) == 2
    assert "left its shards here; add --resume to continue it or --force" in capsys.readouterr().err
    assert main([*EXTRACT, "--cluster", local.scheduler_address, "--resume", "--shards", "4",
                 "-o", str(out)]) == 2
    assert "the shards here were cut otherwise (shard-0000-of-0003.h5.partial)" in capsys.readouterr().err
    assert StoreWriter.partial_path_for(folder / "shard-0000-of-0003.h5").exists()


def test_cluster_shards_are_whole_batches_when_they_can_be():
    from seein.extract.engine import shard_range

    cuts = [shard_range(1797, (i, 4, 256))[2:] for i in range(4)]
    assert cuts == [(0, 512), (512, 1024), (1024, 1280), (1280, 1797)]  # every batch as one process's
    assert [shard_range(30, (i, 4, 256))[2:] for i in range(4)] == \
        [shard_range(30, (i, 4))[2:] for i in range(4)]  # too few images: the even cut
