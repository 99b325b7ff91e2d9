"""What a held import shows its steward before anything is published: the first rows of the file as
they will be stored (decoded, reprojected to WGS 84), the layer's geometry type and the style it
would be published with."""

import json
from typing import Any

import shapely
from pyproj import CRS

from layers.imports import geometry, sources, vector
from layers.imports.problems import ImportProblem
from layers.models import Layer
from layers.styles import effective_style, new_layer_style

ROWS = 10  # rows in the preview's table
FEATURES = 200  # features on its small map
PRECISION = 1e-6  # degrees, about 0.1 m: enough for a preview, and a small report


def first_rows(*, source: sources.Source, inspection: vector.Inspection, source_crs: CRS, encoding: str | None,
               layer: Layer) -> dict[str, Any]:
    """{"fields", "rows", "features" (GeoJSON, EPSG:4326), "bbox", "total", "geometry_type", "style"}.
    `layer` is the target: an existing layer's style, or a new layer's default, is the one proposed."""
    batch = next(vector.batches(source, inspection, encoding=encoding, size=FEATURES), None)
    if batch is None:
        raise ImportProblem("no_features")
    checked = geometry.check(batch.wkb, source_crs, repair=True)
    properties = [json.loads(text) for text in batch.properties.to_pylist()]
    kept = [props for props, keep in zip(properties, checked.keep.tolist()) if keep]
    geoms = shapely.set_precision(checked.geoms, PRECISION)
    features = [{"type": "Feature", "geometry": json.loads(shape), "properties": props}
                for shape, props in zip(shapely.to_geojson(geoms).tolist(), kept)]
    geometry_type, _warning = geometry.unified_type(geometry.type_names(checked.geoms) or {"Geometry"})
    if layer.pk is None or not layer.style:
        layer.geometry_type = geometry_type
        style = new_layer_style(layer)
    else:
        style = effective_style(layer)
    bbox = shapely.total_bounds(checked.geoms).tolist() if len(checked.geoms) else None
    return {
        "fields": list(properties[0]) if properties else [],
        "rows": properties[:ROWS],
        "features": {"type": "FeatureCollection", "features": features},
        "bbox": bbox,
        "total": inspection.features,
        "geometry_type": geometry_type,
        "style": style,
    }
