"""The activation store's on-disk schema: names, versions, and what a layer and a snapshot are.

A store is an HDF5 file written once by extraction and read by everything else
(compute, render, the app). Its layout, version ``SCHEMA_VERSION``::

    /                      attrs: format="seein-activations", schema_version, seein_version,
                                  created, dataset, model, n_images, input_shape, complete,
                                  and from extraction: source (JSON: model, dataset, split,
                                  limit, layers, dtype, digests), shard ("i/n" or ""),
                                  image_start, image_stop, images_total (the shard's range)
    /images                uint8 (N, H, W, C)   the input images for display (C = 1 or 3)
    /labels                int64 (N,)           class index, -1 where unlabelled
    /image_ids             int64 (N,)           index of each image in its source data set
    /class_names           str   (K,)
    /layers/<name>         group, attrs: kind ("structured" | "flat"), shape, module, order
    /layers/<name>/rf      int32 (H, W, 4)      receptive field [y0, x0, y1, x1) of each cell,
                                                in input pixels, clipped (structured only)
    /snapshots/<kkkk>      group, attrs: index, step, epoch, images_done, metrics...
        /logits            float32 (N, n_outputs)
        /predictions       int64 (N,)           argmax of logits (-1 for embedding nets)
        /layers/<name>     float16 (n_points, C) activations (rows = points), chunked by
                                                images: a chunk holds the points of whole images
        /weights/<param>   float32 (or the buffer's integer dtype): every parameter and
                                                buffer of the network's state dict at this
                                                snapshot (schema 2; HDF5 datasets, never pickles)
    /curves/<metric>       float64 (n_steps, 2)  training curves: (step, value)

Schema 2 adds the network itself: the per-snapshot weights above and, in the root attrs,
``model`` (the spec: a bundled name, ``file.py:Class`` or an exported-program path),
``model_digest`` (sha256 of that file, "" for a bundled model) and ``input_shape``. A
version-1 store still opens (``READABLE_VERSIONS``); what needs weights says how to add
them (``seein upgrade``).

Activation, logit and prediction datasets are allocated in full when the file is created,
so writing a chunk changes no HDF5 metadata except the ``images_done`` counter, written
after the chunk's data is flushed: a process killed at any moment leaves a partial file
that opens and resumes from its last complete chunk. Activations are chunked by images
(``chunk_images``: up to 256 images, about 8 MB at most) and unfiltered, so each chunk's
place in the file is known once allocated, and the writer puts rows straight there
(``os.pwrite``, which releases the GIL and skips HDF5's copies: extraction's biggest cost
after the forward pass). Logits and predictions are small and contiguous.

Points: a structured layer (C x H x W) gives H*W points per image in C dims; point
``p`` belongs to image ``p // (H*W)`` at cell ``(y, x) = divmod(p % (H*W), W)``. A flat
layer (D) gives one point per image. So selection, a set of images, maps to points
by index arithmetic alone.

Computed results (projections, statistics) are cached beside the file, in the folder
``<store>.cache/``, one ``.npz`` per result written to a temporary name and renamed:
HDF5 cannot safely add objects to a file another process (or this process's own
reader) holds open, and a renamed file is never seen half-written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import h5py
import numpy as np

from ..core.errors import SeeinError

SCHEMA_VERSION = 2
#: Versions this seein opens: 1 lacks the weights (``seein upgrade`` adds them).
READABLE_VERSIONS = (1, 2)
WEIGHTS = "weights"
FORMAT_NAME = "seein-activations"
STRUCTURED = "structured"
FLAT = "flat"
STR_DTYPE = h5py.string_dtype("utf-8")


@dataclass(frozen=True)
class LayerInfo:
    """What the store knows of one layer: its name, kind and output shape per image."""

    name: str
    kind: str  # STRUCTURED or FLAT
    shape: tuple[int, ...]  # (C, H, W) or (D,)
    module: str = ""  # the module's type name, e.g. "Conv2d"
    order: int = 0  # position in the forward pass

    @property
    def dims(self) -> int:
        """Dimensions of each point: C for a structured layer, D for a flat one."""
        return int(self.shape[0])

    @property
    def cells(self) -> tuple[int, int]:
        """(H, W) of the feature map; (1, 1) for a flat layer."""
        return (int(self.shape[1]), int(self.shape[2])) if self.kind == STRUCTURED else (1, 1)

    @property
    def points_per_image(self) -> int:
        """H*W for a structured layer, 1 for a flat one."""
        h, w = self.cells
        return h * w

    def n_points(self, n_images: int) -> int:
        """Number of points this layer holds for ``n_images`` images."""
        return n_images * self.points_per_image

    # -- point <-> image arithmetic (the schema's row order; see the module docstring) ----
    def point_image(self, points: np.ndarray | int) -> np.ndarray:
        """Image index of each point."""
        return np.asarray(points) // self.points_per_image

    def point_cell(self, points: np.ndarray | int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(image, y, x) of each point."""
        image, cell = np.divmod(np.asarray(points), self.points_per_image)
        y, x = np.divmod(cell, self.cells[1])
        return image, y, x

    def image_points(self, images: np.ndarray | Sequence[int] | int) -> np.ndarray:
        """Indices of every point of the given images, in image order."""
        per = self.points_per_image
        images = np.atleast_1d(np.asarray(images, dtype=np.int64))
        return (images[:, None] * per + np.arange(per)[None, :]).ravel()

    def image_mask_to_point_mask(self, image_mask: np.ndarray) -> np.ndarray:
        """Expand a boolean mask over images to one over the layer's points."""
        return np.repeat(np.asarray(image_mask, dtype=bool), self.points_per_image)

    def point_image_index(self, n_images: int) -> np.ndarray:
        """int32 (n_points,): the image of every point, for ``n_images`` images."""
        return np.repeat(np.arange(n_images, dtype=np.int32), self.points_per_image)


def layer_kind(shape: Sequence[int]) -> str:
    """The kind of a layer from its per-image output shape."""
    return STRUCTURED if len(shape) == 3 else FLAT


def to_points(activations: np.ndarray) -> np.ndarray:
    """Turn a batch of layer outputs into points: (n, C, H, W) -> (n*H*W, C); (n, D) -> (n, D)."""
    a = np.asarray(activations)
    if a.ndim == 4:
        return a.transpose(0, 2, 3, 1).reshape(-1, a.shape[1])
    if a.ndim == 2:
        return a
    return a.reshape(a.shape[0], -1)


def snapshot_key(index: int) -> str:
    """The group name of snapshot ``index`` under /snapshots (zero-padded, so names sort)."""
    return f"{index:04d}"


def open_h5(path: Path, mode: str) -> h5py.File:
    """Open an HDF5 file, turning every failure into a one-line SeeinError naming the file."""
    if mode == "r" and not path.exists():
        raise SeeinError("no such store", path)
    try:
        return h5py.File(path, mode)
    except FileNotFoundError:
        raise SeeinError("no such store", path) from None
    except (OSError, ValueError) as exc:
        text = str(exc)
        if "unable to lock" in text.lower() or "file locking" in text.lower():
            raise SeeinError("the store is open for writing in another process", path) from None
        raise SeeinError(f"not a readable HDF5 store (truncated or corrupt): {text.splitlines()[0]}",
                         path) from None


def weights_array(value) -> np.ndarray:
    """A state-dict entry as stored: floating tensors as float32, integer buffers as they are."""
    a = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
    if np.iscomplexobj(a):
        raise SeeinError("complex-valued weights cannot be stored")
    return a.astype(np.float32) if a.dtype.kind == "f" else a


def write_weights(group: h5py.Group, state) -> None:
    """Write a state dict under ``group/weights`` (one dataset per entry, names as in the dict)."""
    wg = group.require_group(WEIGHTS)
    for name, value in state.items():
        if name in wg:
            del wg[name]
        wg.create_dataset(name, data=weights_array(value))


def write_image_tables(f: h5py.Group, *, images: np.ndarray, labels: np.ndarray, image_ids: np.ndarray,
                       class_names: Sequence[str], layers: Sequence["LayerInfo"],
                       receptive_fields: Mapping[str, np.ndarray] | None = None) -> None:
    """Write what every store holds once, whatever its snapshots: the images, labels, image ids,
    class names and the layer table (kind, shape, module, order, receptive fields)."""
    img = np.asarray(images)
    if img.ndim == 3:
        img = img[..., None]
    n = len(img)
    # uncompressed: small beside the activations, and gzip would cost more than the writes
    f.create_dataset("images", data=img.astype(np.uint8), chunks=(max(1, min(n, 256)),) + img.shape[1:])
    f.create_dataset("labels", data=np.asarray(labels, dtype=np.int64))
    f.create_dataset("image_ids", data=np.asarray(image_ids, dtype=np.int64))
    f.create_dataset("class_names", data=np.array(list(class_names), dtype=object), dtype=STR_DTYPE)
    lg = f.create_group("layers")
    for layer in layers:
        g = lg.create_group(layer.name)
        g.attrs["kind"] = layer.kind
        g.attrs["shape"] = np.asarray(layer.shape, dtype=np.int64)
        g.attrs["module"] = layer.module
        g.attrs["order"] = layer.order
        rf = (receptive_fields or {}).get(layer.name)
        if rf is not None:
            g.create_dataset("rf", data=np.asarray(rf, dtype=np.int32))

