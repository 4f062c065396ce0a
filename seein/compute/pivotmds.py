"""PivotMDS (Brandes & Pich, 2006): classical MDS through k pivot points, in torch.

Classical MDS needs the n x n matrix of squared distances; PivotMDS keeps only its
n x k columns for k pivots (Deepling projects each layer this way):

1. pick k pivots by max-min (farthest-point) selection from a seeded first pivot;
   the squared distances to the pivots are the columns of ``D²`` (n x k);
2. double-centre the squared distances: ``C = -1/2 (D² - row means - column means
   + grand mean)``;
3. find the top ``dims`` eigenvectors ``v`` of the small matrix ``C^T C`` (k x k) with a
   dense symmetric eigensolver (``torch.linalg.eigh``);
4. coordinates from ``U = C v / σ`` (the left singular vectors of C), sized from the
   pivots themselves: C = X (X_p - mean_p)^T, so with X = U A the small Gram matrix
   ``G = A A^T`` solves ``Σ V^T = G (U_p - mean_p)^T`` (least squares, d x d); with
   ``G = W Λ W^T`` the map is ``X = U W Λ^½`` (principal axes, true size: on points
   that lie in a ``dims``-D subspace it reproduces their distances exactly). With k = n
   this is classical MDS, which for Euclidean distances equals the PCA scores.

Streaming: ``D²`` and ``C`` are never stored whole. Their rows are recomputed in
blocks from the k pivots in each pass (column means, ``C^T C``, coordinates), so a
million-point layer is held once (as given, float32) plus O(n) and one block; time
O(n·k·dims_in) per pass. Axes have a deterministic sign (largest-magnitude coordinate
positive), like :mod:`.pca`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.backend import get_backend
from ..core.errors import SeeinError
from ..core.progress import ProgressCallback, report

DEFAULT_PIVOTS = 50
SMALL_BYTES = 32 << 20  # layers up to this size in float64 are converted once; larger ones stream
CHUNK = 16384  # rows per block of distances (16384 x 50 pivots x 8 bytes = 6.5 MB: stays in cache)


def check_params(n_pivots: Any, seed: Any) -> None:
    """A one-line SeeinError unless there is at least one pivot and the seed is a natural number."""
    for name, value in (("n_pivots", n_pivots), ("seed", seed)):
        low = 1 if name == "n_pivots" else 0
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low
        if not ok:
            raise SeeinError(f"PivotMDS {name} must be an integer >= {low}, got {value!r}")


def first_pivot(n: int, seed: int = 0) -> int:
    """The seeded first pivot (shared with the NumPy reference so both pick the same pivots)."""
    return int(np.random.default_rng(int(seed)).integers(n))


def _rows(n: int, chunk: int) -> range:
    return range(0, n, chunk)


def _sq_dist(block: Any, pivots: Any) -> Any:
    """Squared distances (m, k) in float64 from a block of points (m, D) to the pivots (k, D)."""
    import torch

    b = block.to(torch.float64)
    return torch.cdist(b, pivots, compute_mode="donot_use_mm_for_euclid_dist").square_()


def select_pivots(x: Any, k: int, seed: int = 0, progress: ProgressCallback | None = None,
                  chunk: int = CHUNK) -> Any:
    """Max-min pivots of the points ``x`` (n, D) tensor: their indices, a (k,) long tensor.

    The first is seeded; each next one is the point farthest from all pivots so far. Only
    the running nearest-pivot distance (n,) float64 is kept; distances are exact
    differences in float64, computed ``chunk`` rows at a time.
    """
    import torch

    n = x.shape[0]
    k = min(k, n)
    pivots = torch.empty(k, dtype=torch.long)
    nearest = torch.full((n,), float("inf"), dtype=torch.float64, device=x.device)
    p = first_pivot(n, seed)
    for j in range(k):
        pivots[j] = p
        if j == k - 1:
            break
        target = x[p].to(torch.float64)
        for s in _rows(n, chunk):
            d2 = (x[s:s + chunk].to(torch.float64) - target).square_().sum(dim=1)
            torch.minimum(nearest[s:s + chunk], d2, out=nearest[s:s + chunk])
        nearest[pivots[:j + 1].to(x.device)] = 0  # a pivot never again (ties among duplicates)
        p = int(torch.argmax(nearest))
        report(progress, j + 1, k + 3, "PivotMDS pivots")
    return pivots


def double_centre(d2: Any, inplace: bool = False, col_means: Any = None, grand: Any = None) -> Any:
    """``-1/2 (D² - row means - column means + grand mean)`` of an (n, k) matrix.

    ``inplace`` overwrites ``d2``. For a block of rows of a larger matrix, pass that
    matrix's ``col_means`` (k,) and ``grand`` mean (:func:`pivot_mds` gathers them in a
    first pass); by default they are ``d2``'s own.
    """
    rows = d2.mean(dim=1, keepdim=True)
    cols = d2.mean(dim=0) if col_means is None else col_means
    grand = cols.mean() if grand is None else grand
    out = d2 if inplace else d2.clone()
    return out.sub_(rows).sub_(cols).add_(grand).mul_(-0.5)


def top_eigenvectors(m: Any, dims: int) -> tuple[Any, Any]:
    """Top ``dims`` eigenpairs of a symmetric matrix, largest first: ``(values (dims,), vectors (k, dims))``.

    ``m`` is the small k x k matrix ``C^T C`` (k pivots, ~50), so a dense ``torch.linalg.eigh``
    on its device (CPU or GPU) costs well under a millisecond and is exact.
    """
    import torch

    evals, evecs = torch.linalg.eigh(m)  # ascending
    return evals.flip(0)[:dims], evecs.flip(1)[:, :dims]


def pivot_mds(data: Any, dims: int = 2, n_pivots: int = DEFAULT_PIVOTS, seed: int = 0,
              progress: ProgressCallback | None = None, chunk: int = CHUNK) -> np.ndarray:
    """Embed points (n, D) into ``dims`` dimensions by PivotMDS; float32 (n, dims).

    The points stay as given (a float32 layer is held once, on the device; one of at
    most ``SMALL_BYTES`` in float64 is converted once); the n x k
    centred distance matrix ``C`` is never stored: its blocks of ``chunk`` rows are
    recomputed from the k pivots in each of three passes (column means, ``C^T C``, the
    coordinates), in float64. Memory beyond the input: O(n) plus O(chunk * k).
    """
    import torch

    check_params(n_pivots, seed)
    backend = get_backend()
    x = backend.tensor(data)
    if not x.is_floating_point() or x.numel() * 8 <= SMALL_BYTES:
        x = x.to(torch.float64)  # a small layer is converted once, not block by block in every pass
    n = x.shape[0]
    pivots = select_pivots(x, n_pivots, seed, progress, chunk)
    k = len(pivots)
    piv = x[pivots.to(x.device)].to(torch.float64)
    total = k + 3
    col_sum = torch.zeros(k, dtype=torch.float64, device=x.device)
    for s in _rows(n, chunk):
        col_sum += _sq_dist(x[s:s + chunk], piv).sum(dim=0)
    col_mean = col_sum / n
    grand = col_mean.mean()
    report(progress, k, total, "PivotMDS")

    def centred(block: Any) -> Any:  # rows of C, the double-centred squared distances
        return double_centre(_sq_dist(block, piv), inplace=True, col_means=col_mean, grand=grand)

    ctc = torch.zeros((k, k), dtype=torch.float64, device=x.device)
    for s in _rows(n, chunk):
        c = centred(x[s:s + chunk])
        ctc += c.T @ c
    report(progress, k + 1, total, "PivotMDS")
    q = min(dims, k)
    evals, v = top_eigenvectors(ctc, q)
    sigma = evals.clamp(min=0).sqrt()
    keep = sigma > 1e-12 * sigma.max().clamp(min=1e-300)
    scale = keep / torch.where(keep, sigma, torch.ones_like(sigma))  # U = C v / σ (0 where σ ~ 0)
    # Size: C = X (X_p - mean_p)^T, so with X = U A the Gram G = A A^T solves
    # Σ V^T = G (U_p - mean_p)^T in least squares; X = U W Λ^½ for G = W Λ W^T.
    up = (centred(piv) @ v) * scale
    up = up - up.mean(dim=0)
    g = torch.linalg.lstsq(up, (v * sigma).contiguous()).solution.T
    lam, w = torch.linalg.eigh((g + g.T) / 2)
    lam, w = lam.flip(0).clamp(min=0), w.flip(1)
    proj = v * scale @ w * lam.sqrt()  # (k, q): a row of C times this is a point's coordinates
    out = np.zeros((n, dims), dtype=np.float32)
    for s in _rows(n, chunk):
        out[s:s + chunk, :q] = backend.to_numpy(centred(x[s:s + chunk]) @ proj)
    report(progress, k + 2, total, "PivotMDS")
    idx = np.abs(out[:, :q]).argmax(axis=0)  # deterministic signs: largest |coordinate| positive
    signs = np.sign(out[idx, np.arange(q)])
    signs[signs == 0] = 1
    out[:, :q] *= signs
    report(progress, total, total, "PivotMDS")
    return out


def pivot_mds_numpy(data: np.ndarray, dims: int = 2, n_pivots: int = DEFAULT_PIVOTS, seed: int = 0) -> np.ndarray:
    """Reference PivotMDS in NumPy/SciPy (for tests and the benchmark): same pivots, an exact SVD.

    Written independently of :func:`pivot_mds`: SciPy's ``cdist`` for distances, one SVD of
    the whole n x k matrix ``C`` instead of streamed blocks and the eigenpairs of ``C^T C``.
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
