"""Extraction: run a network over a data set and write its layers' activations into a store.

``plan`` turns spec strings into an extraction plan and checks it; ``engine`` runs a plan
(batches, the writer thread, resume); ``capture`` hooks the layers; ``merge`` joins shards.
"""

from .plan import DEMO_MODELS, build_plan, extract, partial_path

__all__ = ["DEMO_MODELS", "build_plan", "extract", "partial_path"]
