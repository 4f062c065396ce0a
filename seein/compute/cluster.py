"""``seein compute STORE --cluster ...``: the pipeline's tasks as Dask tasks, one writer of the cache.

Every task of :func:`seein.compute.pipeline.plan` (one kind of result of one layer at one
snapshot: a projection, a statistic, a DeepEyes map) is independent of the others, so
each becomes one Dask task. A worker opens the store itself (every worker must reach it:
a shared file system), rebuilds the same plan, runs its task through the same cached
functions as a local run, but with the store's cache *held* (:meth:`seein.store.Store.hold_results`):
the results come back to the client, which alone writes them to ``STORE.h5.cache/``, so the
cache never sees two writers. A result already cached is read by the worker and not sent.

Same results as a local run: every computation is seeded (t-SNE, k-means, PCA, PivotMDS,
the DeepEyes samples), so each task computes what it computes locally, except where a
library's result depends on its thread count: openTSNE sums its gradient in per-thread
parts, so a t-SNE equals a local one run on as many threads (``SEEIN_THREADS``; a task
uses ``threads``, default its machine's cores shared among the worker threads there).
Results that two tasks share (the DeepEyes instance sample, say) are computed by each,
equally, and written once.
"""

from __future__ import annotations

import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..core.errors import Cancelled, SeeinError
from ..core.progress import ProgressCallback, report
from ..store import Store
from .pipeline import Task

_CANCEL_EVERY = 0.5  # seconds between a task's looks at the client's cancel Event


def run_piece(store_path: str, plan_kwargs: Mapping[str, Any], index: int, label: str,
              hosts: Mapping[str, int], threads: int | None, cancel: str) -> dict[str, Any]:
    """Run task ``index`` of the plan on a worker; its results held, not written (see the module doc)."""
    from ..core.backend import limit_threads
    from ..core.cluster import task_threads
    from . import pipeline

    used = limit_threads(task_threads(hosts, threads))
    try:
        with Store.open(store_path) as store:
            held = store.hold_results()
            tasks = pipeline.plan(store, **plan_kwargs)
            if index >= len(tasks) or tasks[index].label != label:
                return {"error": ("the store changed since the client planned the work; run again",
                                  store_path)}
            task = tasks[index]
            stop = _Stop(cancel)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                t0 = time.perf_counter()
                cached = pipeline._execute(task, stop)
                seconds = time.perf_counter() - t0
    except SeeinError as exc:
        return {"error": (exc.problem, exc.path)}
    except Cancelled:
        return {"cancelled": True}
    return {"cached": cached, "seconds": seconds, "results": held.held, "threads": used,
            "warnings": [(str(w.message), w.category.__name__) for w in caught]}


class _Stop:
    """A task's progress callback on a worker: True (stop) once the client's cancel Event is set."""

    def __init__(self, name: str):
        from distributed import Event

        self.event = Event(name) if name else None
        self.last = time.monotonic()

    def __call__(self, done: int, total: int, message: str = "") -> bool:
        now = time.monotonic()
        if self.event is None or now - self.last < _CANCEL_EVERY:
            return False
        self.last = now
        return bool(self.event.is_set())


def run_on_cluster(client: Any, store: Store, tasks: Sequence[Task], plan_kwargs: Mapping[str, Any], *,
                   threads: int | None = None, progress: ProgressCallback | None = None) -> list[Task]:
    """Run ``tasks`` (``pipeline.plan(store, **plan_kwargs)``) on the Dask ``client``'s workers and
    write their results to ``store``'s cache here; each task records ``cached`` and ``seconds``."""
    from distributed import Event, as_completed

    from ..core.cluster import threads_by_host

    token = uuid.uuid4().hex[:12]
    cancel = Event(f"seein-cancel-{token}", client=client)
    hosts = threads_by_host(client)
    path = str(Path(store.path).absolute())
    futures = {client.submit(run_piece, path, dict(plan_kwargs), i, task.label, hosts, threads, cancel.name,
                             key=f"seein-compute-{i}-{token}", pure=False, retries=1): i
               for i, task in enumerate(tasks)}
    total = len(tasks)
    report(progress, 0, total, "on the cluster")
    written: set[Path] = set()
    done = 0
    try:
        for future in as_completed(futures):
            i = futures[future]
            task = tasks[i]
            out = future.result()
            if "error" in out:
                problem, where = out["error"]
                raise SeeinError(problem, where)
            if out.get("cancelled"):
                raise Cancelled("a task was cancelled")
            for kind, layer, snapshot, params, arrays in out["results"]:
                target = store.cache.path_for(kind, layer, snapshot, params)
                if target in written:
                    continue
                try:
                    store.save_result(kind, layer, snapshot, params, arrays)
                    written.add(target)
                except OSError as exc:
                    warnings.warn(f"{store.cache_dir}: cannot cache {kind} ({exc.strerror or exc}); "
                                  "the result is not kept", RuntimeWarning, stacklevel=2)
            for message, category in out["warnings"]:
                warnings.warn(message, RuntimeWarning if category == "RuntimeWarning" else UserWarning,
                              stacklevel=2)
            task.cached, task.seconds = bool(out["cached"]), float(out["seconds"])
            done += 1
            report(progress, done, total, task.label)
    except BaseException:
        cancel.set()  # running tasks stop at their next progress report
        client.cancel(list(futures))
        raise
    report(progress, total, total, "done")
    return list(tasks)
