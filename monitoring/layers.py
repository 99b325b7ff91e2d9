"""Every indicator is a layer (domain `monitoring`): the catalog, GeoJSON, vector tiles, exports and
the access rule reach its values through the layer machinery, not a path of their own.

A feature is one admin unit in one period of its own boundary set (the 2022 communes until 2025-06,
the 2025 ones after): the unit's polygon with {code, name, value, band, period, …}; its time is the
period as an interval, so `datetime=` and the time slider walk periods. The style colours the bands.
"""

from django.db import connection, transaction
from psycopg import sql

from layers.catalog import bump_version, replace_features
from layers.models import Access, Domain, GeometryType, Layer, TimeKind
from layers.query import Sql
from monitoring.bands import BANDS, band_sql
from monitoring.models import Indicator

# Periods are local dates; a feature's time is [start, end) in Việt Nam time, stored as a closed
# interval ending a microsecond before the next period starts (layers.query's window rule).
LOCAL_ZONE = "Asia/Ho_Chi_Minh"


def layer_slug(indicator: Indicator) -> str:
    return f"indicator-{indicator.slug}"[:80]


def property_schema(indicator: Indicator) -> list[dict]:
    unit = indicator.unit
    return [
        {"name": "code", "type": "string", "label_vi": "Mã đơn vị", "label_en": "Unit code"},
        {"name": "name", "type": "string", "label_vi": "Đơn vị hành chính", "label_en": "Administrative unit"},
        {"name": "value", "type": "number", "unit": unit, "label_vi": indicator.title_vi,
         "label_en": indicator.title_en},
        {"name": "band", "type": "string", "label_vi": "Mức", "label_en": "Band",
         "choices": [{"value": b, "label_vi": vi, "label_en": en} for b, _c, vi, en in BANDS]},
        {"name": "period", "type": "string", "label_vi": "Kỳ", "label_en": "Period"},
        {"name": "period_start", "type": "date", "label_vi": "Từ ngày", "label_en": "From"},
        {"name": "period_end", "type": "date", "label_vi": "Đến ngày (không gồm)", "label_en": "Until (excluded)"},
        {"name": "boundary", "type": "string", "label_vi": "Bộ ranh giới", "label_en": "Boundary set"},
    ]


def style(indicator: Indicator) -> dict:
    return {
        "type": "fill",
        "color": "#bdbdbd",
        "opacity": 0.75,
        "outline_color": "#ffffff",
        "width": 0.5,
        "categories": {
            "property": "band",
            "stops": [{"value": b, "color": c, "label_vi": vi, "label_en": en} for b, c, vi, en in BANDS],
        },
        "label": {"property": "name", "min_zoom": 11},
    }


@transaction.atomic
def sync_layer(indicator: Indicator) -> Layer:
    """Create or update the indicator's layer from the indicator: titles, access, groups, owner (the
    service's department), schema, style. Bumps the version when a reader would see a change."""
    service = indicator.service
    values = {
        "title_vi": indicator.title_vi,
        "title_en": indicator.title_en,
        "description": indicator.description,
        "domain": Domain.MONITORING,
        "geometry_type": GeometryType.MULTIPOLYGON,
        "property_schema": property_schema(indicator),
        "style": style(indicator),
        "source_department": service.department.name_vi,
        "access": indicator.access,
        "owner": service.department,
        "time_kind": TimeKind.INTERVAL,
        "license": "CC BY 4.0" if indicator.access == Access.PUBLIC else "",
    }
    layer = indicator.layer
    if layer is None:
        layer = Layer.objects.filter(slug=layer_slug(indicator)).first() or Layer(slug=layer_slug(indicator))
        changed = True
    else:
        changed = any(getattr(layer, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(layer, name, value)
    layer.save()
    groups = list(indicator.groups.all()) if indicator.pk else []
    if {g.pk for g in layer.groups.all()} != {g.pk for g in groups}:
        layer.groups.set(groups)
        changed = True
    if indicator.layer_id != layer.pk:
        Indicator.objects.filter(pk=indicator.pk).update(layer=layer)
        indicator.layer = layer
    return bump_version(layer) if changed else layer


def refresh_features(indicator: Indicator) -> Layer:
    """Rewrite the indicator's layer from its values on their own boundary set, in one transaction
    (layers.catalog.replace_features: readers see the old features or the new ones)."""
    layer = indicator.layer or sync_layer(indicator)
    return replace_features(layer, rows=feature_rows(indicator), prepare=_index_period_ends)


def _index_period_ends(table: str) -> None:
    """Give the layer's next version an index on the end of each feature's time, and statistics.

    An indicator's layer holds every unit in every period (188 units × 42 months…), so a tile's
    bounding box meets 40–60 features per unit drawn; the store's (layer_id, time_start) index only
    bounds a `datetime=` window from above, which keeps all the periods before it. The window's
    other side, `coalesce(time_end, time_start) >= start` (layers.query's time rule), walks this
    one: a tile of one month reads that month's and the later ones' rows, not every period's (pm25,
    z9 tile: 940 index entries instead of 6,018 heap rows, in each of the tile's three scans). The
    store's indexes are copied to every version (layers.storage), this one is made for each; it
    stays the partition's own when the table is attached. ANALYZE gives the planner the new rows'
    figures (the bounding boxes' spread above all), without which it keeps to the GiST index."""
    name = sql.Identifier(table)
    with connection.cursor() as cur:
        cur.execute(sql.SQL("CREATE INDEX ON {} (layer_id, (coalesce(time_end, time_start)))").format(name)
                    .as_string(cur.connection))
        # A sample of 3,000 rows (not 30,000) tells the planner as much here, at a third of the cost.
        cur.execute("SET LOCAL default_statistics_target = 10")
        cur.execute(sql.SQL("ANALYZE {}").format(name).as_string(cur.connection))
        cur.execute("RESET default_statistics_target")


def feature_rows(indicator: Indicator) -> Sql:
    """(source_id, geom, properties, time_start, time_end) of each value of the indicator on a unit
    of the boundary set valid at the period's start, period after period: the rows a tile of one
    period reads lie in few pages."""
    band = band_sql(indicator, Sql("v.value"))
    return (
        Sql("""
        SELECT u.code || '/' || v.period_start::text,
               u.geom,
               jsonb_build_object(
                   'code', u.code, 'name', u.name, 'value', round(v.value::numeric, %s)::float8,
                   'band', """, [indicator.decimals])
        + band
        + Sql(""",
                   'period', v.period_start::text, 'period_start', v.period_start, 'period_end', v.period_end,
                   'boundary', b.code),
               v.period_start::timestamp AT TIME ZONE %s,
               (v.period_end::timestamp AT TIME ZONE %s) - interval '1 microsecond'
          FROM monitoring_value AS v
          JOIN monitoring_adminunit AS u ON u.id = v.unit_id
          JOIN monitoring_boundaryversion AS b ON b.id = u.version_id
         WHERE v.indicator_id = %s
           AND b.valid_from <= v.period_start AND (b.valid_to IS NULL OR v.period_start < b.valid_to)
         ORDER BY v.period_start, u.code
        """, [LOCAL_ZONE, LOCAL_ZONE, indicator.pk])
    )
