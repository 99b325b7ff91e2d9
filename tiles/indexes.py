"""The spatial index a layer's tile statements use: the GiST of the layer's own partition.

The feature store is partitioned by layer (layers.storage), so `layer_id = ? AND geom && envelope`
prunes to the layer's partition and walks its GiST alone: the per-layer partial indexes this module
used to create on the shared table are not needed any more (migration layers/0003 dropped them).
"""

from layers import storage
from layers.models import Layer


def index_name(layer_id: int) -> str | None:
    """The name of the layer's spatial index, None when the layer has no partition."""
    return storage.geometry_index(layer_id)


def ensure_layer_index(layer: Layer) -> bool:
    """Kept for callers from before the partitions: every layer has its index from its creation, so
    there is never one to create (False)."""
    return False


def drop_orphan_indexes() -> list[str]:
    """Kept for callers from before the partitions: a layer's index goes with its partition when the
    layer is deleted, so none is ever left behind."""
    return []
