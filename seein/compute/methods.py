"""The projection methods, by name: what the app, ``seein embed`` and ``seein compute`` choose from."""

from __future__ import annotations

from ..core.enums import Choice


class Method(Choice):
    """A projection method; its value is the name users type and the cache records."""

    PCA = "pca"
    TSNE = "tsne"
    PIVOTMDS = "pivotmds"
    UMAP = "umap"

    @property
    def label(self) -> str:
        """The name shown in menus and axis titles."""
        return {"pca": "PCA", "tsne": "t-SNE", "pivotmds": "PivotMDS", "umap": "UMAP"}[self.value]


METHODS = tuple(m.value for m in Method)
