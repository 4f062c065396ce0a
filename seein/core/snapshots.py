"""A training snapshot's identity, shared by training runs (seein.nets.runs) and stores (seein.store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot: the network at one training step, and its metrics then."""

    index: int
    step: int = 0
    epoch: float = 0.0
    metrics: Mapping[str, float] = field(default_factory=dict)
