"""A Dask cluster to run on: ``--cluster ADDRESS | local[:N] | local-cuda[:N]`` (seein extract, compute).

``ADDRESS`` is a running scheduler's (``dask scheduler`` prints it: ``tcp://HOST:8786``);
``local:N`` starts a :class:`distributed.LocalCluster` of N worker processes with one thread
each (default: one per core); ``local-cuda:N`` a ``dask_cuda.LocalCUDACluster`` (one worker
per GPU) when dask-cuda is installed. Every failure to get one is a one-line SeeinError.
The work itself never lives here: extraction and compute submit their own tasks.
"""

from __future__ import annotations

import enum
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from .errors import SeeinError

USAGE = "--cluster takes a scheduler address (tcp://HOST:PORT), local, local:N or local-cuda:N"
_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss", "inproc")


class ClusterKind(enum.Enum):
    """Where the workers come from."""

    ADDRESS = "address"  # a running scheduler
    LOCAL = "local"  # worker processes on this machine
    LOCAL_CUDA = "local-cuda"  # one worker per GPU on this machine (dask-cuda)


@dataclass(frozen=True)
class ClusterSpec:
    """A parsed ``--cluster`` value."""

    kind: ClusterKind
    address: str = ""
    workers: int | None = None  # local kinds: how many (None: one per core / GPU)

    @property
    def local(self) -> bool:
        return self.kind is not ClusterKind.ADDRESS


def parse_cluster(text: str) -> ClusterSpec:
    """``local``, ``local:N``, ``local-cuda[:N]`` or a scheduler address; a SeeinError otherwise."""
    text = (text or "").strip()
    for kind in (ClusterKind.LOCAL_CUDA, ClusterKind.LOCAL):
        name = kind.value
        if text == name or text.startswith(name + ":"):
            count = text[len(name) + 1:]
            if not count:
                return ClusterSpec(kind)
            if not count.isdigit() or int(count) < 1:
                raise SeeinError(f"{USAGE}; {count!r} is not a number of workers (1 or more)")
            return ClusterSpec(kind, workers=int(count))
    match = re.fullmatch(r"(?:([a-z]+)://)?(\[[0-9a-fA-F:]+\]|[^\s/:]+)(?::(\d+))?", text)
    if not text or match is None or (match.group(1) is None and match.group(3) is None):
        raise SeeinError(f"{USAGE}, not {text!r}")
    if match.group(1) is not None and match.group(1) not in _SCHEMES:
        raise SeeinError(f"{USAGE}; {match.group(1)!r} is not a Dask protocol ({', '.join(_SCHEMES)})")
    return ClusterSpec(ClusterKind.ADDRESS, address=text if match.group(1) else "tcp://" + text)


def _local_cluster(spec: ClusterSpec) -> Any:
    """Start the LocalCluster (or LocalCUDACluster) a local spec asks for."""
    if spec.kind is ClusterKind.LOCAL_CUDA:
        try:
            from dask_cuda import LocalCUDACluster
        except ImportError:
            raise SeeinError("--cluster local-cuda needs dask-cuda, which is not installed "
                             "(pip install dask-cuda)") from None
        kwargs = {} if spec.workers is None else {"n_workers": spec.workers}
        return LocalCUDACluster(dashboard_address=None, silence_logs=40, **kwargs)
    from distributed import LocalCluster

    return LocalCluster(n_workers=spec.workers or os.cpu_count() or 1, threads_per_worker=1,
                        processes=True, dashboard_address=None, silence_logs=40)


@contextmanager
def open_client(cluster: str | ClusterSpec) -> Iterator[Any]:
    """A ``distributed.Client`` on the cluster ``cluster`` names, closed (with a local cluster) at exit.

    Connecting waits Dask's ``distributed.comm.timeouts.connect`` (30 s unless configured,
    e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``).
    """
    spec = cluster if isinstance(cluster, ClusterSpec) else parse_cluster(cluster)
    from distributed import Client

    local = _local_cluster(spec) if spec.local else None
    try:
        try:
            client = Client(local if local is not None else spec.address)
        except (OSError, TimeoutError, ValueError) as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise SeeinError(f"cannot reach the Dask scheduler at {spec.address} ({reason})") from None
        try:
            if not client.scheduler_info().get("workers"):
                client.wait_for_workers(1, timeout=_connect_timeout())
            yield client
        except TimeoutError:
            raise SeeinError(f"the Dask scheduler at {spec.address or 'local'} has no workers "
                             "(start some with: dask worker ADDRESS)") from None
        finally:
            client.close()
    finally:
        if local is not None:
            local.close()


def _connect_timeout() -> float:
    import dask
    from dask.utils import parse_timedelta

    return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect")))


def workers(client: Any) -> dict[str, Mapping[str, Any]]:
    """{worker address: its info (host, nthreads, ...)} of the cluster now."""
    return dict(client.scheduler_info(n_workers=-1)["workers"]) if _takes_n_workers(client) \
        else dict(client.scheduler_info()["workers"])


def _takes_n_workers(client: Any) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def total_threads(client: Any) -> int:
    """Worker threads in the cluster (every one runs a task at a time)."""
    return sum(int(info.get("nthreads", 1)) for info in workers(client).values()) or 1


def threads_by_host(client: Any) -> dict[str, int]:
    """{host: worker threads on it}, so a task can take its share of its machine's cores."""
    out: dict[str, int] = {}
    for info in workers(client).values():
        host = str(info.get("host", ""))
        out[host] = out.get(host, 0) + int(info.get("nthreads", 1))
    return out


def task_threads(hosts: Mapping[str, int], requested: int | None = None) -> int:
    """CPU threads one task should use here (in a worker): ``requested``, else this machine's
    cores divided among the worker threads on it (at least 1)."""
    if requested:
        return int(requested)
    from distributed import get_worker

    try:
        host = get_worker().address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
    except ValueError:  # not in a worker
        host = ""
    share = hosts.get(host) or 1
    return max(1, (os.cpu_count() or 1) // share)
