"""The demo: LeNet and siamese LeNet trained on the bundled digits (``runs``), and their stores (``store``)."""

from .store import demo_built, demo_store, demo_store_path

__all__ = ["demo_built", "demo_store", "demo_store_path"]
