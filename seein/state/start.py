"""Which layer the app opens on, and which layer's units are the classes.

The first screen should read at once: a million-point conv1 matrix at 1–3 fps does not,
the class-output layer's matrix (one point per image, one unit per class) does.
"""

from __future__ import annotations

from typing import Optional

from ..store import FLAT, Store


def class_output_layer(store: Store) -> Optional[str]:
    """The store's last layer when it is flat with one unit per class (logits), else None."""
    if not store.layers or store.n_classes < 2:
        return None
    last = max(store.layers, key=lambda info: info.order)
    return last.name if last.kind == FLAT and last.dims == store.n_classes else None


def unit_classes(store: Store, layer: str) -> Optional[list[str]]:
    """The class each unit of ``layer`` stands for when it is the class-output layer, else None
    (its axes read ``fc2 · class 7``, not ``dim 7``)."""
    return list(store.class_names) if class_output_layer(store) == layer else None


def start_layer(store: Store) -> str:
    """The layer a store opens on: its class-output layer when it has one, else its first layer."""
    return class_output_layer(store) or store.layers[0].name
