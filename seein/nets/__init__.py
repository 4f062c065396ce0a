"""Networks for Seein' In: bundled and user models, their layers, receptive fields, runs and the demo.

The entry point is :func:`load_model`; the rest lives in sub-modules
(``layers``, ``check``, ``receptive``, ``runs``, ``demo``). Nothing here imports
Qt, VisPy or the rendering code.
"""

from .loading import build_model, load_model, read_weights
from .models import BUNDLED, is_embedding

__all__ = ["load_model", "build_model", "read_weights", "is_embedding", "BUNDLED"]
