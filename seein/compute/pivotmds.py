"""PivotMDS (Brandes & Pich, 2006): classical MDS through k pivot points, in torch.

Classical MDS needs the n x n matrix of squared distances; PivotMDS keeps only its
n x k columns for k pivots (Deepling projects each layer this way):

1. pick k pivots by max-min (farthest-point) selection from a seeded first pivot;
   the distances to each new pivot are the columns of ``D`` (n x k), so the
   selection costs nothing extra;
2. double-centre the squared distances: ``C = -1/2 (D² - row means - column means
   + grand mean)``;
3. find the top ``dims`` eigenvectors ``v`` of the small matrix ``C^T C`` (k x k) by
   power (subspace) iteration;
4. coordinates from ``U = C v / σ`` (the left singular vectors of C), sized from the
   pivots themselves: C = X (X_p - mean_p)^T, so with X = U A the small Gram matrix
   ``G = A A^T`` solves ``Σ V^T = G (U_p - mean_p)^T`` (least squares, d x d); with
   ``G = W Λ W^T`` the map is ``X = U W Λ^½`` (principal axes, true size: on points
   that lie in a ``dims``-D subspace it reproduces their distances exactly). With k = n
   this is classical MDS, which for Euclidean distances equals the PCA scores.

Memory is O(n·k) (the distance columns); time O(n·k·dims_in). Axes have a
deterministic sign (largest-magnitude coordinate positive), like :mod:`.pca`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import get_backend
from ..progress import ProgressCallback, report

DEFAULT_PIVOTS = 50


def first_pivot(n: int, seed: int = 0) -> int:
    """The seeded first pivot (shared with the NumPy reference so both pick the same pivots)."""
    return int(np.random.default_rng(int(seed)).integers(n))


def select_pivots(x: Any, k: int, seed: int = 0, progress: ProgressCallback | None = None) -> tuple[Any, Any]:
    """Max-min pivots of ``x`` (n, D) tensor: (pivot indices (k,), squared distances (n, k))."""
    import torch

    n = x.shape[0]
    k = min(k, n)
    first = first_pivot(n, seed)
    pivots = torch.empty(k, dtype=torch.long)
    d2 = torch.empty((n, k), dtype=x.dtype, device=x.device)
    sq = (x * x).sum(dim=1)
    nearest = torch.full((n,), float("inf"), dtype=x.dtype, device=x.device)
    p = first
    for j in range(k):
        pivots[j] = p
        col = (sq - 2 * (x @ x[p]) + sq[p]).clamp_(min=0)
        col[p] = 0
        d2[:, j] = col
        nearest = torch.minimum(nearest, col)
        p = int(torch.argmax(nearest))
        report(progress, j + 1, k + 1, "PivotMDS pivots")
    return pivots, d2


def double_centre(d2: Any, inplace: bool = False) -> Any:
    """``-1/2 (D² - row means - column means + grand mean)`` of an (n, k) matrix.

    ``inplace`` overwrites ``d2`` (saves one n x k matrix on a million-point layer).
    """
    rows, cols, grand = d2.mean(dim=1, keepdim=True), d2.mean(dim=0, keepdim=True), d2.mean()
    out = d2 if inplace else d2.clone()
    return out.sub_(rows).sub_(cols).add_(grand).mul_(-0.5)


def top_eigenvectors(m: Any, dims: int, iters: int = 500, tol: float = 1e-12, seed: int = 0) -> tuple[Any, Any]:
    """Top ``dims`` eigenpairs of a symmetric PSD matrix by subspace (power) iteration.

    The subspace is oversampled by a few vectors and rotated by Rayleigh-Ritz each step
    (a small ``eigh``), so convergence goes as (λ_{dims+p+1} / λ_i)^iterations. Stops when
    every wanted pair's residual ``|m v - λ v|`` is below ``tol * λ_max``.
    """
    import torch

    k = m.shape[0]
    q = min(k, dims + 6)
    gen = torch.Generator().manual_seed(int(seed))
    v = torch.randn((k, q), generator=gen, dtype=torch.float64).to(device=m.device, dtype=m.dtype)
    v, _ = torch.linalg.qr(v)
    for _ in range(iters):
        v, _ = torch.linalg.qr(m @ v)
        evals, rot = torch.linalg.eigh(v.T @ m @ v)  # Rayleigh-Ritz in the subspace
        v = v @ rot.flip(1)
        evals = evals.flip(0)
        resid = torch.linalg.vector_norm(m @ v[:, :dims] - v[:, :dims] * evals[:dims], dim=0)
        if bool((resid <= tol * evals[0].abs().clamp(min=1e-300)).all()):
            break
    return evals[:dims], v[:, :dims]


def pivot_mds(data: Any, dims: int = 2, n_pivots: int = DEFAULT_PIVOTS, seed: int = 0,
              progress: ProgressCallback | None = None) -> np.ndarray:
    """Embed points (n, D) into ``dims`` dimensions by PivotMDS; float32 (n, dims)."""
    import torch

    backend = get_backend()
    x = backend.tensor(data, dtype=torch.float64)
    x = x - x.mean(dim=0)
    n = x.shape[0]
    pivots, d2 = select_pivots(x, n_pivots, seed, progress)
    k = d2.shape[1]
    c = double_centre(d2, inplace=True)
    q = min(dims, k)
    evals, v = top_eigenvectors(c.T @ c, q, seed=seed)
    sigma = evals.clamp(min=0).sqrt()
    keep = sigma > 1e-12 * sigma.max().clamp(min=1e-300)
    u = (c @ v) / torch.where(keep, sigma, torch.ones_like(sigma)) * keep
    # Size: C = X (X_p - mean_p)^T, so with X = U A the Gram G = A A^T solves
    # Σ V^T = G (U_p - mean_p)^T in least squares; X = U W Λ^½ for G = W Λ W^T.
    up = u[pivots.to(u.device)]
    up = up - up.mean(dim=0)
    g = torch.linalg.lstsq(up, (v * sigma).contiguous()).solution.T
    lam, w = torch.linalg.eigh((g + g.T) / 2)
    lam, w = lam.flip(0).clamp(min=0), w.flip(1)
    y = (u @ w) * lam.sqrt()
    idx = y.abs().argmax(dim=0)
    signs = torch.sign(y[idx, torch.arange(q, device=y.device)])
    signs[signs == 0] = 1
    y = y * signs
    report(progress, k + 1, k + 1, "PivotMDS")
    out = backend.to_numpy(y).astype(np.float32)
    if q < dims:
        out = np.hstack([out, np.zeros((n, dims - q), np.float32)])
    return out


def pivot_mds_numpy(data: np.ndarray, dims: int = 2, n_pivots: int = DEFAULT_PIVOTS, seed: int = 0) -> np.ndarray:
    """Reference PivotMDS in NumPy/SciPy (for tests and the benchmark): same pivots, exact eigh.

    Written independently of :func:`pivot_mds`: SciPy's ``cdist`` for distances, a dense
    symmetric eigensolver instead of power iteration.
    """
    from scipy.spatial.distance import cdist

    x = np.asarray(data, dtype=np.float64)
    x = x - x.mean(0)
    n = len(x)
    k = min(n_pivots, n)
    pivots = [first_pivot(n, seed)]
    nearest = np.full(n, np.inf)
    for _ in range(k - 1):
        nearest = np.minimum(nearest, cdist(x, x[pivots[-1]][None], "sqeuclidean")[:, 0])
        pivots.append(int(np.argmax(nearest)))
    d2 = cdist(x, x[pivots], "sqeuclidean")
    c = -0.5 * (d2 - d2.mean(1, keepdims=True) - d2.mean(0, keepdims=True) + d2.mean())
    u_svd, sig, vt = np.linalg.svd(c, full_matrices=False)
    q = min(dims, k)
    keep = sig[:q] > 1e-12 * max(sig[0], 1e-300)
    u = u_svd[:, :q] * keep
    up = u[pivots] - u[pivots].mean(0)
    g = np.linalg.lstsq(up, (vt[:q].T * sig[:q]), rcond=None)[0].T
    lam, w = np.linalg.eigh((g + g.T) / 2)
    lam, w = np.clip(lam[::-1], 0, None), w[:, ::-1]
    y = (u @ w) * np.sqrt(lam)
    signs = np.sign(y[np.abs(y).argmax(0), np.arange(q)])
    signs[signs == 0] = 1
    y = y * signs
    if q < dims:
        y = np.hstack([y, np.zeros((n, dims - q))])
    return y.astype(np.float32)
