"""Siamese training pieces: image pairs, Hadsell et al.'s contrastive loss, and an embedding accuracy.

The paper's network (Caffe's siamese example) learns a 2-D embedding in which
images of the same digit land near each other. It is trained on pairs: the
loss pulls a same-class pair together (d^2) and pushes a different-class pair
apart until they are ``margin`` away (max(margin - d, 0)^2), halved and averaged
as in Caffe's ContrastiveLossLayer.
"""

from __future__ import annotations

import numpy as np
import torch

MARGIN = 1.0


def contrastive_loss(a: torch.Tensor, b: torch.Tensor, same: torch.Tensor, margin: float = MARGIN) -> torch.Tensor:
    """Mean contrastive loss of embedding pairs (a[i], b[i]); ``same[i]`` is 1 for a same-class pair."""
    d = torch.linalg.vector_norm(a - b, dim=1)
    same = same.to(a.dtype)
    return 0.5 * (same * d.pow(2) + (1 - same) * torch.clamp(margin - d, min=0).pow(2)).mean()


def pair_partners(labels: np.ndarray, anchors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A partner for each anchor: half of them (at random) of the same class, the rest drawn at random.

    Balancing matters: with ten classes, random pairs are 90% dissimilar and the
    embedding would only learn to push apart.
    """
    by_class = {c: np.flatnonzero(labels == c) for c in np.unique(labels)}
    partners = rng.integers(0, len(labels), size=len(anchors))
    want_same = rng.random(len(anchors)) < 0.5
    picks = rng.random(len(anchors))
    for i in np.flatnonzero(want_same):
        pool = by_class[labels[anchors[i]]]
        partners[i] = pool[int(picks[i] * len(pool))]
    return partners


def centroid_accuracy(train_emb: np.ndarray, train_labels: np.ndarray,
                      emb: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of ``emb`` whose nearest class centroid (from the training embedding) is their class."""
    classes = np.unique(train_labels)
    centroids = np.stack([train_emb[train_labels == c].mean(0) for c in classes])
    d = ((emb[:, None, :] - centroids[None]) ** 2).sum(-1)
    return float((classes[d.argmin(1)] == labels).mean())
