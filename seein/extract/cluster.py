"""Extraction on a Dask cluster: ``seein extract ... --cluster ADDRESS|local[:N] [--shards K] -o STORE.h5``.

The images are cut into K contiguous shards (``--shard i/K``, default K: one per worker
thread). Each shard is one Dask task that runs the ordinary single-process extraction
(:func:`seein.extract.extract`, its partial file and resume included) into
``STORE.h5.shards/shard-i-of-K.h5``, a folder beside the output that every worker must
reach (a shared file system). A task whose worker dies (``kill -9``, a lost machine) or
that fails is run again (Dask's ``retries`` and the scheduler's ``allowed-failures``) and
resumes from its shard's last complete chunk. The client then joins the shards: a store of
HDF5 virtual datasets over them (:mod:`seein.store.virtual`), or a copy (``copy=True``,
:func:`seein.extract.merge.merge`, after which the shard folder is removed).

The joined store equals a single-process extraction bit for bit: a matmul's last bits can
depend on how many rows it is given, so the shards are cut at multiples of ``batch_size``
(shards of whole batches, the same batches as one process runs; they may differ in size by
a batch). With fewer than ``K * batch_size`` images that cannot be, and the cut is even:
then a shard's batches differ from one process's, and so may the last bit of a float.

Progress: every shard reports (throttled) through a Dask event topic; the client draws
one bar over all shards. Ctrl-C (or a progress callback returning True) asks every running
shard to stop at its next chunk (a Dask ``Event``), keeping the shard files for ``resume``.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..core.errors import Cancelled, SeeinError
from ..core.progress import ProgressCallback, report

#: Default retries of a failed shard task (a killed worker's task is also rescheduled by the
#: scheduler, up to its ``distributed.scheduler.allowed-failures``).
RETRIES = 2
_REPORT_EVERY = 0.25  # seconds between a shard's progress events (and cancel checks)


@dataclass(frozen=True)
class ShardJob:
    """Everything a worker needs to extract one shard (plain values: it is pickled to workers)."""

    model: str | None
    dataset: str | None
    run: str | None
    weights: str | None
    layers: tuple[str, ...] | None
    split: str
    limit: int | None
    dtype: str
    batch_size: int
    trust_weights: bool
    count: int
    folder: str
    hosts: dict[str, int] = field(default_factory=dict)
    threads: int | None = None
    topic: str = ""
    cancel: str = ""
    pause: float = 0.0  # seconds slept after each chunk of a shard started afresh (tests kill it mid-way)


@dataclass
class ClusterExtraction:
    """What a cluster extraction did: the store, its shards and how long it took."""

    path: Path
    shards: list[Path]
    workers: int
    seconds: float
    virtual: bool


def shard_folder(out: str | os.PathLike) -> Path:
    """The folder beside ``out`` that holds its shards while (and, for a virtual store, after) joining."""
    out = Path(out)
    return out.with_name(out.name + ".shards")


def shard_path(folder: str | os.PathLike, i: int, count: int) -> Path:
    """Where shard ``i`` of ``count`` lives in the shard folder."""
    return Path(folder) / f"shard-{i:04d}-of-{count:04d}.h5"


def run_shard(job: ShardJob, i: int) -> tuple[str, str, str | None]:
    """Extract shard ``i`` of ``job.count`` (runs on a worker): ("done" | "cancelled" | "error",
    message, path). A user error is returned, not raised, so that Dask does not retry it."""
    from ..core.backend import limit_threads
    from ..core.cluster import task_threads
    from ..store import Store, StoreWriter
    from .plan import extract

    limit_threads(task_threads(job.hosts, job.threads))
    out = shard_path(job.folder, i, job.count)
    if out.exists():  # finished by an earlier attempt (or an earlier, resumed run)
        try:
            with Store.open(out) as store:
                if store.shard is not None and store.shard[3] == job.count:
                    return "done", "", str(out)
        except SeeinError:
            pass
        return "error", "is not a finished shard of this extraction; start again with --force", str(out)
    resume = StoreWriter.partial_path_for(out).exists()
    events = _Events(job, i, pause=0.0 if resume else job.pause)
    try:
        extract(job.model, job.dataset, out, run=job.run, weights=job.weights,
                layers=list(job.layers) if job.layers else None, split=job.split, limit=job.limit,
                shard=(i, job.count, job.batch_size), resume=resume, force=not resume, dtype=job.dtype,
                batch_size=job.batch_size, trust_weights=job.trust_weights, progress=events)
    except SeeinError as exc:
        return "error", exc.problem, exc.path
    except Cancelled:
        return "cancelled", "", str(out)
    events(events.total, events.total, force=True)
    return "done", "", str(out)


class _Events:
    """A shard's progress callback on the worker: reports to the client's topic, heeds its cancel Event."""

    def __init__(self, job: ShardJob, i: int, pause: float):
        from distributed import Event, get_worker

        self.worker = get_worker()
        self.cancel = Event(job.cancel) if job.cancel else None
        self.job, self.i, self.pause = job, i, pause
        self.last = 0.0
        self.total = 0

    def __call__(self, done: int, total: int, message: str = "", force: bool = False) -> bool:
        self.total = total
        if self.pause and done > 0 and done < total:
            time.sleep(self.pause)
        now = time.monotonic()
        if not force and now - self.last < _REPORT_EVERY:
            return False
        self.last = now
        if self.job.topic:
            self.worker.log_event(self.job.topic, {"shard": self.i, "done": int(done), "total": int(total),
                                                   "pid": os.getpid()})
        return bool(self.cancel is not None and self.cancel.is_set())


def extract_on_cluster(cluster: Any, model: str | None, dataset: str | None, out: str | os.PathLike, *,
                       run: str | os.PathLike | None = None, weights: str | os.PathLike | None = None,
                       layers: Sequence[str] | None = None, split: str = "test", limit: int | None = None,
                       shards: int | None = None, copy: bool = False, resume: bool = False,
                       force: bool = False, dtype: str = "float16", batch_size: int = 256,
                       trust_weights: bool = False, retries: int = RETRIES, threads: int | None = None,
                       progress: ProgressCallback | None = None, pause: float = 0.0) -> ClusterExtraction:
    """Extract into ``out`` by shards on a Dask cluster; return what was done.

    ``cluster`` is a ``--cluster`` string (``local:N``, a scheduler address), its
    :class:`~seein.core.cluster.ClusterSpec`, or a ``distributed.Client``. The other parameters are :func:`seein.extract.extract`'s, plus
    ``shards`` (default: one per worker thread), ``copy`` (copy the shards into one file
    instead of a virtual store), ``retries`` and ``threads`` (CPU threads per shard;
    default its machine's cores shared among the worker threads there). ``resume``
    continues an interrupted cluster extraction (finished shards are kept).
    """
    from ..core.outputs import input_files, output_lock
    from .engine import check_settings, output_store

    out = output_store(out, input_files(model, weights, run, dataset)).absolute()  # workers elsewhere
    check_settings(dtype, batch_size)
    if shards is not None and shards < 1:
        raise SeeinError(f"--shards must be at least 1, not {shards}")
    folder = shard_folder(out)
    with output_lock(folder):
        if out.exists() and not force:
            raise SeeinError("already exists; add --force to overwrite it", out)
        leftover = folder.is_dir() and any(folder.iterdir())
        if resume and not leftover:
            raise SeeinError("nothing to resume: no shards from an earlier run", folder)
        if leftover and not resume:
            if not force:
                raise SeeinError("an interrupted cluster extraction left its shards here; add --resume "
                                 "to continue it or --force to start again", folder)
            shutil.rmtree(folder)
        settings = dict(model=model, dataset=dataset, run=None if run is None else str(run),
                        weights=None if weights is None else str(weights),
                        layers=tuple(layers) if layers else None, split=split, limit=limit, dtype=dtype,
                        batch_size=int(batch_size), trust_weights=bool(trust_weights))
        args = (settings, out, folder, shards, copy, resume, retries, threads, progress, pause)
        if not hasattr(cluster, "submit"):  # a --cluster string or ClusterSpec, not a Client
            from ..core.cluster import open_client

            with open_client(cluster or "local") as client:
                return _extract(client, *args)
        return _extract(cluster, *args)


def _extract(client: Any, settings: dict, out: Path, folder: Path, shards: int | None, copy: bool,
             resume: bool, retries: int, threads: int | None, progress: ProgressCallback | None,
             pause: float) -> ClusterExtraction:
    from distributed import Event

    from ..core.cluster import threads_by_host, total_threads

    t0 = time.perf_counter()
    n_workers = total_threads(client)
    count = int(shards or n_workers)
    folder.mkdir(parents=True, exist_ok=True)
    others = sorted(p.name for p in folder.glob("shard-*-of-*.h5*")
                    if not p.name.endswith(f"-of-{count:04d}.h5")
                    and not p.name.endswith(f"-of-{count:04d}.h5.partial"))
    if resume and others:
        raise SeeinError(f"the shards here were cut otherwise ({others[0]}); resume with the "
                         "first run's --shards, or use --force to start again", folder)
    token = uuid.uuid4().hex[:12]
    job = ShardJob(**settings, count=count, folder=str(folder), hosts=threads_by_host(client),
                   threads=threads, topic=f"seein-extract-{token}", cancel=f"seein-cancel-{token}",
                   pause=float(pause))
    cancel = Event(job.cancel, client=client)
    state = _Progress(count)
    client.subscribe_topic(job.topic, state.event)
    futures = [client.submit(run_shard, job, i, key=f"seein-shard-{i}-of-{count}-{token}",
                             retries=retries, pure=False) for i in range(count)]
    try:
        paths = _wait(client, futures, state, progress, retries, folder)
    except BaseException:
        cancel.set()  # running shards stop at their next chunk, keeping their partial files
        _settle(futures)
        client.cancel(futures)
        raise
    finally:
        client.unsubscribe_topic(job.topic)
    report(progress, state.total_done(), state.total_done(), "joining the shards")
    if copy:
        from .merge import merge

        path = merge(paths, out, force=True, progress=None)
        shutil.rmtree(folder)
    else:
        from .virtual import join_virtual

        path = join_virtual(paths, out, force=True)
    return ClusterExtraction(path=path, shards=paths, workers=n_workers,
                             seconds=time.perf_counter() - t0, virtual=not copy)


class _Progress:
    """Per-shard (done, total) from the workers' events (set on the client's event-loop thread)."""

    def __init__(self, count: int):
        self.lock = threading.Lock()
        self.done = [0] * count
        self.totals: list[int | None] = [None] * count

    def event(self, event: Any) -> None:
        msg = event[1] if isinstance(event, tuple) and len(event) == 2 else event
        try:
            i = int(msg["shard"])
            with self.lock:
                self.done[i], self.totals[i] = int(msg["done"]), int(msg["total"])
        except (KeyError, TypeError, ValueError, IndexError):
            pass

    def total_done(self) -> int:
        with self.lock:
            return sum(self.done)

    def fraction(self) -> tuple[int, int]:
        """(done, total) over all shards; a shard not heard from yet counts as the mean of the others."""
        with self.lock:
            known = [t for t in self.totals if t]
            mean = sum(known) // len(known) if known else 0
            return sum(self.done), sum(t if t else mean for t in self.totals)


def _wait(client: Any, futures: list, state: _Progress, progress: ProgressCallback | None,
          retries: int, folder: Path) -> list[Path]:
    """Wait for every shard, drawing progress; the shard paths in order, or a SeeinError."""
    from distributed import wait

    count = len(futures)
    while True:
        try:
            wait(futures, timeout=0.25)
        except TimeoutError:
            pass
        done, total = state.fraction()
        finished = sum(f.done() for f in futures)
        report(progress, min(done, total), total, f"{finished}/{count} shards")
        for i, f in enumerate(futures):
            if f.status == "error":
                exc = f.exception()
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
                raise SeeinError(f"shard {i}/{count} failed on the cluster after {retries} retries "
                                 f"({type(exc).__name__}: {first}); run the same command with --resume",
                                 folder)
            if f.status == "finished":
                status, message, path = f.result()
                if status == "error":
                    raise SeeinError(message, path)
                if status == "cancelled":
                    raise Cancelled("a shard was cancelled")
        if finished == count:
            return [Path(f.result()[2]) for f in futures]


def _settle(futures: list, timeout: float = 5.0) -> None:
    """Give cancelled shards a moment to stop at their next chunk (their partial files stay)."""
    from distributed import wait

    try:
        wait(futures, timeout=timeout)
    except Exception:  # noqa: BLE001 - best effort on the way out
        pass
