"""Join shard stores into one store of HDF5 virtual datasets (``seein merge --virtual``).

The same checks as :func:`seein.extract.merge.merge` (one extraction, every image once),
then :func:`seein.store.virtual.write_virtual`: metadata only, so joining a hundred GB of
shards takes a second and no space; the shard files must stay beside the store (they
are named relative to its folder). ``seein merge`` without ``--virtual`` copies instead.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path
from typing import Sequence

from ..core.errors import SeeinError
from ..store import Store
from ..store.virtual import write_virtual
from .engine import check_out, output_store
from .merge import _check_shards


def join_virtual(shards: Sequence[str | os.PathLike], out: str | os.PathLike, *,
                 force: bool = False) -> Path:
    """Write the virtual store ``out`` over the shard stores ``shards`` (any order); return its path."""
    if not shards:
        raise SeeinError("no shard stores given")
    from ..core.outputs import output_lock

    out = output_store(out, shards)
    with output_lock(out):
        check_out(out, resume=False, force=force)
        with ExitStack() as stack:
            stores = [stack.enter_context(Store.open(path)) for path in shards]
            for store in stores:
                if store.shard_files:
                    raise SeeinError("is itself a virtual store; join the shard files it reads",
                                     store.path)
            ordered = [s.path for s in _check_shards(stores)]
            total = stores[0].shard[2]
        attrs = {"shard": "", "image_start": 0, "image_stop": total, "images_total": total}
        return write_virtual(out, ordered, attrs)
