"""The activation store: the contract between the offline half (extract) and the interactive half.

``schema`` owns the on-disk layout and its version; ``reader`` opens a store
(``Store.open``); ``writer`` fills one; ``rows`` places rows in allocated chunks;
``cache`` keeps computed results beside it; ``summary`` is what ``seein info`` shows.
"""

from ..core.snapshots import SnapshotInfo
from .reader import Store
from .rows import chunk_images
from .schema import FLAT, FORMAT_NAME, SCHEMA_VERSION, STRUCTURED, LayerInfo, layer_kind, to_points
from .writer import StoreWriter

__all__ = ["FLAT", "FORMAT_NAME", "SCHEMA_VERSION", "STRUCTURED", "LayerInfo", "SnapshotInfo", "Store",
           "StoreWriter", "chunk_images", "layer_kind", "to_points"]
