"""Procrustes alignment of one projection onto another, with the mirroring test.

Deepling animates between the projections of consecutive layers; for the animation to
show what changes, each layer's layout is first moved as close as possible onto the
previous one by a similarity transform: translation, rotation, uniform scale and, when
it fits better ("test for mirroring"), a reflection. The best rotation comes from the
SVD of the cross-covariance ``S^T T = U Σ V^T``: ``R = U V^T``. That R may include a
reflection (det -1); the best proper rotation flips the last singular pair instead.
:func:`procrustes` computes both and keeps the one with the smaller residual, unless
reflections are switched off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import SeeinError


@dataclass
class Alignment:
    """``aligned = scale * (x - source_mean) @ rotation + target_mean``."""

    rotation: np.ndarray  # (d, d), orthogonal
    scale: float
    source_mean: np.ndarray  # (d,)
    target_mean: np.ndarray  # (d,)
    reflected: bool  # det(rotation) < 0: the mirror image fitted better
    residual: float  # root-mean-square distance after alignment

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Move any points of the source's space (e.g. all points of a layer) the same way."""
        x = np.asarray(x, dtype=np.float64)
        out = self.scale * (x - self.source_mean) @ self.rotation + self.target_mean
        return out.astype(np.float32)


def procrustes(source: np.ndarray, target: np.ndarray, *, allow_reflection: bool = True,
               allow_scale: bool = True) -> Alignment:
    """The similarity transform moving ``source`` (n, d) closest to ``target`` (n, d).

    Rows correspond (row i of both is the same image). Least squares over translation,
    rotation, uniform scale; a reflection is taken when it fits better and is allowed.
    """
    s = np.asarray(source, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    if s.ndim != 2 or s.shape != t.shape:
        raise SeeinError(f"Procrustes needs two (n, d) arrays of the same shape, got {s.shape} and {t.shape}")
    if not (np.isfinite(s).all() and np.isfinite(t).all()):
        raise SeeinError("Procrustes input holds NaN/Inf")
    sm, tm = s.mean(0), t.mean(0)
    s0, t0 = s - sm, t - tm
    norm_s = float((s0 ** 2).sum())
    u, sig, vt = np.linalg.svd(s0.T @ t0)
    candidates = []
    proper = np.ones(len(sig))
    if np.linalg.det(u @ vt) < 0:
        proper[-1] = -1  # the closest rotation without a reflection
    for flips in ({tuple(proper)} | ({tuple(np.ones(len(sig)))} if allow_reflection else set())):
        f = np.asarray(flips)
        rot = (u * f) @ vt
        trace = float((sig * f).sum())
        scale = trace / norm_s if (allow_scale and norm_s > 0) else 1.0
        resid = float(((scale * s0 @ rot - t0) ** 2).sum())
        candidates.append((resid, rot, scale))
    resid, rot, scale = min(candidates, key=lambda c: c[0])
    return Alignment(rotation=rot, scale=float(scale), source_mean=sm, target_mean=tm,
                     reflected=bool(np.linalg.det(rot) < 0), residual=float(np.sqrt(resid / len(s))))


def align(source: np.ndarray, target: np.ndarray, *, allow_reflection: bool = True,
          allow_scale: bool = True) -> np.ndarray:
    """``source`` moved onto ``target`` by the best similarity transform (see :func:`procrustes`)."""
    return procrustes(source, target, allow_reflection=allow_reflection, allow_scale=allow_scale).apply(source)


def image_means(embedding: np.ndarray, points_per_image: int) -> np.ndarray:
    """Mean position of each image's points (n_images, d): one anchor per image in any layer.

    Structured layers of different sizes have different point counts; their images are
    the correspondence, so consecutive layers are aligned on per-image means.
    """
    e = np.asarray(embedding, dtype=np.float64)
    return e.reshape(-1, points_per_image, e.shape[1]).mean(axis=1)

