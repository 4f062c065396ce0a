"""The search box's language (deepViz §5.1): words that select images by class name or image id.

Tokens are separated by spaces or commas; the result is their union. A token is a class
name (case-insensitive, a trailing plural "s" allowed: "planes" finds the planes), an
image id of the data set (``#12`` or ``id:12``; a bare number when no class has that name),
or a range of ids (``#10-20``). A token that matches nothing is reported, not ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_ID = re.compile(r"^(?:#|id:)?(\d+)(?:-(\d+))?$")


@dataclass(frozen=True)
class SearchResult:
    """The images a query selects (a mask over the store's images) and what each token meant."""

    mask: np.ndarray
    matched: list[str]
    unmatched: list[str]


def search_images(query: str, class_names: list[str], labels: np.ndarray, image_ids: np.ndarray) -> SearchResult:
    """Evaluate ``query`` over a store's images (see the module docstring for the language)."""
    labels, image_ids = np.asarray(labels), np.asarray(image_ids)
    mask = np.zeros(len(labels), dtype=bool)
    by_name = {name.lower(): k for k, name in enumerate(class_names)}
    matched, unmatched = [], []
    for token in re.split(r"[,\s]+", query.strip()):
        if not token:
            continue
        word = token.lower()
        explicit_id = word.startswith(("#", "id:"))
        k = None if explicit_id else by_name.get(word, by_name.get(word[:-1]) if word.endswith("s") else None)
        if k is not None:
            hits = labels == k
            mask |= hits
            matched.append(f"class {class_names[k]} ({int(hits.sum())})")
            continue
        m = _ID.match(word)
        if m:
            lo = int(m.group(1))
            hi = int(m.group(2)) if m.group(2) else lo
            hits = (image_ids >= lo) & (image_ids <= hi)
            if hits.any():
                mask |= hits
                matched.append(f"id {lo}" + (f"-{hi}" if hi != lo else "") + f" ({int(hits.sum())})")
                continue
        unmatched.append(token)
    return SearchResult(mask, matched, unmatched)
