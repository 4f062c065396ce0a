"""How the compute benchmarks measure: interleaved contenders, medians, peak resident memory.

Contenders run interleaved in alternating order (A B, B A, ...), each repetition timed with
``perf_counter`` (wall) and ``process_time`` (CPU of all the process's threads); peak memory
is the largest resident-set growth, sampled from ``/proc/self/statm`` every 2 ms.
"""

from __future__ import annotations

import ctypes
import gc
import os
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

BENCHMARKS: dict[str, Callable[["BenchData"], dict]] = {}


def register(name: str) -> Callable:
    """Decorator adding a benchmark ``fn(data) -> {"results", "ratios"}`` to the registry."""
    def wrap(fn: Callable[["BenchData"], dict]) -> Callable[["BenchData"], dict]:
        BENCHMARKS[name] = fn
        return fn
    return wrap


@dataclass
class BenchData:
    """What every benchmark runs on: ``points`` float32 (n, C), ``labels`` (n,), settings."""

    points: np.ndarray
    labels: np.ndarray
    source: str
    store: Any = None  # the store's path when the points came from one
    layer: str = ""
    repeats: int = 3  # for the expensive contenders (t-SNE)
    repeats_cheap: int = 7
    n_jobs: int = 1
    big_points: int | None = None  # tsne_big: points of the big layer (None: all of the store's biggest)


class _PeakRSS:
    """Samples this process's resident set size in a thread; ``peak`` bytes above the start."""

    def __init__(self, interval: float = 0.002):
        self.interval = interval
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.peak = 0

    def _rss(self) -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * self.page

    def __enter__(self) -> "_PeakRSS":
        self.base = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss() - self.base)
            time.sleep(self.interval)

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss() - self.base)


def release_memory() -> None:
    """Collect garbage and hand freed heap back to the OS, so peak-memory baselines are honest."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def measure(contenders: dict[str, Callable[[], Any]], repeats: int) -> dict[str, dict[str, Any]]:
    """Run contenders interleaved ``repeats`` times; per contender median time and peak memory."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    peaks: dict[str, list[int]] = {name: [] for name in contenders}
    names = list(contenders)
    for rep in range(repeats):
        # A B, then B A, ...: when other people's load rises or falls during the run, going
        # first is not always the same contender's luck
        for name in (names if rep % 2 == 0 else names[::-1]):
            fn = contenders[name]
            release_memory()
            with _PeakRSS() as mem:
                c0, t0 = time.process_time(), time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(time.process_time() - c0)
            peaks[name].append(mem.peak)
    return {name: {"median_s": statistics.median(times[name]), "times_s": times[name],
                   "median_cpu_s": statistics.median(cpu[name]), "cpu_s": cpu[name],
                   "peak_mb": max(peaks[name]) / 1e6} for name in contenders}


def ratio(results: dict, ours: str, ref: str, key: str = "median_s") -> float:
    """Our median over the reference's (below 1: ours is faster)."""
    return results[ours][key] / results[ref][key]
