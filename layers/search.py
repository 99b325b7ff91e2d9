"""Search over the layers a caller may see: places and features by name (with or without Vietnamese
diacritics), and the administrative units at a coordinate.

Names are folded by `layers_fold` (unaccent + lower, see migration 0002) on both sides, and matched
with the trigram index on `layers_search_text(properties)`.
"""

from dataclasses import dataclass


from layers.access import Caller, visible_layers
from layers.models import Domain, Kind
from layers.replicas import reading_connection

SEARCH_LIMIT = 20
# Administrative prefixes a name may carry: "tan an" should rank "Thành phố Tân An" as an exact match.
_ADMIN_PREFIXES = r"^(thanh pho|thi xa|thi tran|huyen|xa|phuong|tinh) "


@dataclass(frozen=True)
class Hit:
    kind: str  # "place" (an administrative unit) or "feature"
    layer: str
    layer_title_vi: str
    layer_title_en: str
    feature_id: int
    name: str
    context: str  # the administrative units around it, smallest first
    center: tuple[float, float]  # a point on the feature, lon/lat
    bbox: tuple[float, float, float, float]


def _visible_vector_ids(user: Caller) -> list[int]:
    return list(visible_layers(user).filter(kind=Kind.VECTOR).values_list("id", flat=True))


def _visible_admin_ids(user: Caller) -> list[int]:
    return list(visible_layers(user).filter(kind=Kind.VECTOR, domain=Domain.ADMIN).values_list("id", flat=True))


def _like_pattern(text: str) -> str:
    """`text` with LIKE's wildcards escaped and runs of spaces collapsed."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return " ".join(escaped.split())


# The columns of a Hit after kind/layer: shared by both queries. `context` names the visible admin
# units around the feature: polygons holding a point of it and clearly larger than it (so a district is
# not "inside" the commune its point falls in), smallest first, at most two.
_HIT_COLUMNS = """
       f.id,
       coalesce(f.properties ->> 'name', f.properties ->> 'ref', f.properties ->> 'code', f.source_id),
       coalesce((SELECT string_agg(a.name, ', ' ORDER BY a.area)
                   FROM (SELECT u.properties ->> 'name' AS name, ST_Area(u.geom) AS area
                           FROM layers_feature AS u
                          WHERE u.layer_id = ANY(%(admin)s) AND u.id <> f.id
                            AND u.geom && ST_PointOnSurface(f.geom)
                            AND ST_Intersects(u.geom, ST_PointOnSurface(f.geom))
                            AND ST_Area(u.geom) > 2 * ST_Area(f.geom)
                          ORDER BY ST_Area(u.geom)
                          LIMIT 2) AS a), ''),
       ST_X(ST_PointOnSurface(f.geom)), ST_Y(ST_PointOnSurface(f.geom)),
       ST_XMin(f.geom), ST_YMin(f.geom), ST_XMax(f.geom), ST_YMax(f.geom)
"""


def search_names(user: Caller, text: str, *, limit: int = SEARCH_LIMIT) -> list[Hit]:
    """Features of visible vector layers whose name, ref or code contains `text`, accents ignored.

    Ranked: the name itself (without an administrative prefix) before a name that starts a word
    before any other match; places (the admin domain) before other features; bigger units first.
    """
    pattern = _like_pattern(text)
    if not pattern:
        return []
    sql = """
        WITH q AS (SELECT layers_fold(%(text)s) AS t)
        SELECT l.domain = %(admin_domain)s, l.slug, l.title_vi, l.title_en, """ + _HIT_COLUMNS + """
          FROM q, layers_feature AS f
          JOIN layers_layer AS l ON l.id = f.layer_id
         WHERE f.layer_id = ANY(%(layers)s)
           AND layers_search_text(f.properties) LIKE '%%' || q.t || '%%'
         ORDER BY
           CASE WHEN regexp_replace(layers_fold(f.properties ->> 'name'), %(prefixes)s, '') = q.t
                  OR layers_fold(f.properties ->> 'ref') = q.t
                  OR layers_fold(f.properties ->> 'code') = q.t THEN 0
                WHEN ' ' || layers_fold(f.properties ->> 'name') LIKE '%%' || ' ' || q.t || '%%' THEN 1
                ELSE 2 END,
           l.domain <> %(admin_domain)s,
           ST_Area(f.geom) DESC,
           f.id
         LIMIT %(limit)s
    """
    params = {
        "text": pattern, "layers": _visible_vector_ids(user), "admin": _visible_admin_ids(user),
        "admin_domain": Domain.ADMIN.value, "prefixes": _ADMIN_PREFIXES, "limit": limit,
    }
    with reading_connection().cursor() as cur:
        cur.execute(sql, params)
        return [_hit(row) for row in cur.fetchall()]


def places_at(user: Caller, lon: float, lat: float) -> list[Hit]:
    """The visible administrative units containing the point (lon/lat, SRID 4326), smallest first."""
    sql = """
        WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g)
        SELECT true, l.slug, l.title_vi, l.title_en, """ + _HIT_COLUMNS + """
          FROM p, layers_feature AS f
          JOIN layers_layer AS l ON l.id = f.layer_id
         WHERE f.layer_id = ANY(%(admin)s) AND f.geom && p.g AND ST_Intersects(f.geom, p.g)
         ORDER BY ST_Area(f.geom), f.id
    """
    with reading_connection().cursor() as cur:
        cur.execute(sql, {"lon": lon, "lat": lat, "admin": _visible_admin_ids(user)})
        return [_hit(row) for row in cur.fetchall()]


def _hit(row: tuple) -> Hit:
    is_place, slug, title_vi, title_en, fid, name, context, cx, cy, *bbox = row
    return Hit(
        kind="place" if is_place else "feature", layer=slug, layer_title_vi=title_vi, layer_title_en=title_en,
        feature_id=fid, name=name, context=context, center=(cx, cy), bbox=tuple(bbox),
    )
