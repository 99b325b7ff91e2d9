"""How every part of the platform asks the feature store: which features of which layer(s), in which
area and time window, with which property conditions. The one place that names `layers_feature`
outside the storage and import code; GeoJSON, tiles (features and clusters), counts, summaries, the
wall's numbers and the coming indicator, alert, analysis and OGC API (CQL2) code all ask here.

A question becomes `Sql` pieces that carry their own bound parameters (`%s` placeholders, as Django's
cursor and tiles.mvt's `_named_parameters` take them), composed with `+`, `Sql.join` and `where`:

    conditions = [query.in_layer(layer.pk), query.in_bbox(bbox), query.during(start, end),
                  query.having({"level": "thcs", "pupils": {"gte": 500}})]
    statement = query.select(Sql("count(*)"), query.where(conditions))
    cursor.execute(statement.text, statement.params)

Features are aliased `f`. Geometry is stored in EPSG:4326; an area in another CRS is transformed
(the envelope or geometry, never the column), so `f.geom && area` uses the partition's GiST index.
Property equalities become one JSONB containment `f.properties @> %s::jsonb`, which the GIN index
(jsonb_path_ops) answers.

The time-window rule, for every channel: a window is closed, [start, end], and either end may be open
(None), as OGC API - Features and RFC 3339 intervals are. A feature's time is the closed interval
[time_start, coalesce(time_end, time_start)]: an instant is [t, t], and a missing end makes it an
instant at its start. A feature matches when the two intersect. Features without time never match a
window; callers leave the window out for layers without time.
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

STORAGE_SRID = 4326


@dataclass(frozen=True)
class Sql:
    """A piece of SQL and the values its `%s` placeholders bind, in order. Literal percent signs are
    written `%%`, as for any statement with parameters."""

    text: str
    params: tuple = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", tuple(self.params))
        placeholders = len(_PLACEHOLDER.findall(self.text))
        if placeholders != len(self.params):
            raise ValueError(f"{placeholders} placeholders for {len(self.params)} parameters")

    def __add__(self, other: "Sql | str") -> "Sql":
        other = Sql(other) if isinstance(other, str) else other
        # Both pieces were counted: their sum holds as many placeholders as parameters. Counting
        # again made composing a statement quadratic in its length (monitoring's value statements:
        # 2,500 additions, 60 ms per read of 49 indicators).
        joined = object.__new__(Sql)
        object.__setattr__(joined, "text", self.text + other.text)
        object.__setattr__(joined, "params", self.params + other.params)
        return joined

    def __radd__(self, other: str) -> "Sql":
        return Sql(other) + self

    def join(self, parts: Iterable["Sql"]) -> "Sql":
        """The parts with this piece between them (`Sql(" AND ").join(conditions)`)."""
        joined = None
        for part in parts:
            joined = part if joined is None else joined + self + part
        return joined if joined is not None else Sql("")

    def named(self, prefix: str) -> tuple[str, dict]:
        """The text with `%(prefix_i)s` placeholders and their values by name, for a statement whose
        other parameters are named (pyformat)."""
        values = iter(self.params)
        bound: dict[str, Any] = {}

        def name(_match: re.Match) -> str:
            key = f"{prefix}_{len(bound)}"
            bound[key] = next(values)
            return f"%({key})s"

        return _PLACEHOLDER.sub(name, self.text), bound


_PLACEHOLDER = re.compile(r"(?<!%)%s")

# The feature table, aliased `f` (a LIST-partitioned table: a condition on f.layer_id prunes it to
# the layer's own partition and its indexes, see layers.storage).
FEATURES = Sql("layers_feature AS f")
TRUE = Sql("true")
_ALIAS = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def features_as(alias: str) -> Sql:
    """The feature table under another alias, for a question about two sets of features (proximity:
    `f` near `b`; units: `u` holding `f`; an alert rule's areas: the planners' zones beside `f`). Only
    `f` has the expressions below; the alias is a plain lower-case name, never a value."""
    if not _ALIAS.match(alias) or alias == "f":
        raise ValueError(alias)
    return Sql(f"layers_feature AS {alias}")


def where(conditions: Iterable[Sql]) -> Sql:
    """All of the conditions (each one self-contained), or `true` when there is none."""
    conditions = [c for c in conditions if c.text]
    return Sql(" AND ").join(conditions) if conditions else TRUE


def select(columns: Sql | str, condition: Sql) -> Sql:
    """`SELECT columns FROM layers_feature AS f WHERE condition`."""
    columns = Sql(columns) if isinstance(columns, str) else columns
    return "SELECT " + columns + " FROM " + FEATURES + " WHERE " + condition


# -- which layers ---------------------------------------------------------------------------------


def in_layer(layer_id: int) -> Sql:
    """Prunes to the layer's partition (layers.storage): every question starts with it."""
    return Sql("f.layer_id = %s", [int(layer_id)])


def in_layers(layer_ids: Iterable[int]) -> Sql:
    return Sql("f.layer_id = ANY(%s)", [[int(i) for i in layer_ids]])


# -- where ----------------------------------------------------------------------------------------


def envelope(bbox: tuple[float, float, float, float], srid: int = STORAGE_SRID) -> Sql:
    """The box minx, miny, maxx, maxy (in `srid` units) as a geometry in the storage SRID."""
    box = Sql("ST_MakeEnvelope(%s, %s, %s, %s, %s)", [*bbox, int(srid)])
    return box if srid == STORAGE_SRID else "ST_Transform(" + box + f", {STORAGE_SRID})"


def overlaps_bbox(bbox: tuple[float, float, float, float], srid: int = STORAGE_SRID) -> Sql:
    """Features whose bounding box meets the box: the GiST index alone (tiles, which clip anyway)."""
    return "f.geom && " + envelope(bbox, srid)


def in_bbox(bbox: tuple[float, float, float, float], srid: int = STORAGE_SRID) -> Sql:
    """Features that meet the box: the index test first, then the exact one."""
    box = envelope(bbox, srid)
    return "f.geom && " + box + " AND ST_Intersects(f.geom, " + box + ")"


def in_geometry(wkb: bytes, srid: int = STORAGE_SRID) -> Sql:
    """Features that meet a geometry given as WKB in `srid`."""
    geometry = Sql("ST_GeomFromWKB(%s, %s)", [wkb, int(srid)])
    if srid != STORAGE_SRID:
        geometry = "ST_Transform(" + geometry + f", {STORAGE_SRID})"
    return "f.geom && " + geometry + " AND ST_Intersects(f.geom, " + geometry + ")"


def _grown(other: Sql, metres: float) -> Sql:
    """The box of `other` grown by `metres` in degrees: longitude degrees shrink with latitude, so they
    are taken at the box's latitude farthest from the equator."""
    m = Sql("%s", [float(metres)])
    return ("ST_Expand(" + other + ", " + m + " / (111320.0 * cos(radians(least(85.0, greatest(abs(ST_YMin("
            + other + ")), abs(ST_YMax(" + other + "))) + 0.01)))), " + m + " / 110000.0)")


def within_metres(other: Sql | str, metres: float, *, alias: str = "f") -> Sql:
    """Features (`alias`) within `metres` of the geometry `other` (EPSG:4326), on the spheroid: the
    index test on the other's grown box, then the exact test on geography."""
    other = Sql(other) if isinstance(other, str) else other
    if not _ALIAS.match(alias):
        raise ValueError(alias)
    return (f"{alias}.geom && " + _grown(other, metres) + f" AND ST_DWithin({alias}.geom::geography, ("
            + other + ")::geography, " + Sql("%s", [float(metres)]) + ")")


def pair_within_metres(a: str, b: str, metres: float) -> Sql:
    """Two aliased sets of features within `metres` of each other, on the spheroid. The box test is
    written both ways so that either side's GiST index can drive the join."""
    if not (_ALIAS.match(a) and _ALIAS.match(b)):
        raise ValueError((a, b))
    return (f"{b}.geom && " + _grown(Sql(f"{a}.geom"), metres) + " AND "
            + within_metres(Sql(f"{b}.geom"), metres, alias=a))


def metres_to(other: Sql | str, *, alias: str = "f") -> Sql:
    """A feature's distance in metres to the geometry `other` (EPSG:4326), on the spheroid."""
    other = Sql(other) if isinstance(other, str) else other
    if not _ALIAS.match(alias):
        raise ValueError(alias)
    return f"ST_Distance({alias}.geom::geography, (" + other + ")::geography)"


# -- when -----------------------------------------------------------------------------------------


def instants_since(start: datetime) -> Sql:
    """For a layer of instants only (time_end is time_start or NULL): the lower end of a window as a
    test the (layer_id, time_start) index can walk, beside `during`'s. On an interval layer it would
    drop intervals begun before `start` and still running: never use it there."""
    return Sql("f.time_start >= %s", [start])


def during(start: datetime | None, end: datetime | None) -> Sql:
    """Features whose time [time_start, coalesce(time_end, time_start)] meets the closed window
    [start, end]; None leaves that end open. The upper test walks the (layer_id, time_start) index."""
    conditions = []
    if start is not None:
        conditions.append(Sql("coalesce(f.time_end, f.time_start) >= %s", [start]))
    if end is not None:
        conditions.append(Sql("f.time_start <= %s", [end]))
    return where(conditions) if conditions else Sql("")


# -- what -----------------------------------------------------------------------------------------

Scalar = str | int | float | bool
COMPARISONS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def text(prop: str) -> Sql:
    """A property's value as text (NULL when absent)."""
    return Sql("f.properties ->> %s", [prop])


def number(prop: str, *, cast: str = "numeric") -> Sql:
    """A property's value as a number, NULL when it is not a JSON number. `cast`: numeric (exact, the
    wall's sums) or float8 (tiles, clusters)."""
    if cast not in ("numeric", "float8"):
        raise ValueError(cast)
    return Sql(
        f"CASE WHEN jsonb_typeof(f.properties -> %s) = 'number' THEN (f.properties ->> %s)::{cast} END", [prop, prop]
    )


def containing(values: Mapping[str, Any]) -> Sql:
    """Features whose properties hold every one of these JSON values (one GIN lookup)."""
    return Sql("f.properties @> %s::jsonb", [json.dumps(dict(values), ensure_ascii=False)])


def having(conditions: Mapping[str, Scalar | list[Scalar] | Mapping[str, float]]) -> Sql:
    """Property conditions, all of which must hold: a value (equality), a list (one of them), or
    comparisons of a number {"gt"|"gte"|"lt"|"lte": bound} (a value that is not a JSON number fails)."""
    equal = {name: wanted for name, wanted in conditions.items() if not isinstance(wanted, (list, Mapping))}
    parts = [containing(equal)] if equal else []
    for name, wanted in conditions.items():
        if isinstance(wanted, list):
            parts.append(Sql("f.properties @> ANY(%s::jsonb[])",
                             [[json.dumps({name: value}, ensure_ascii=False) for value in wanted]]))
        elif isinstance(wanted, Mapping):
            for op, bound in wanted.items():
                parts.append(number(name) + f" {COMPARISONS[op]} " + Sql("%s", [bound]))
    return where(parts) if parts else Sql("")


# -- the API's feature query ----------------------------------------------------------------------


def matching(layer_id: int, query: Any, *, exact: bool = True) -> Sql:
    """The conditions of a parsed API query (layers.filters.FeatureQuery) on one layer: its bbox
    (WGS 84; `exact=False` keeps only the index test, for tiles), time window, property equalities and
    any condition a channel compiled from its own language (`query.condition`, an Sql)."""
    conditions = [in_layer(layer_id)]
    if query.bbox is not None:
        conditions.append(in_bbox(query.bbox) if exact else overlaps_bbox(query.bbox))
    conditions.append(during(query.start, query.end))
    if query.equals:
        conditions.append(containing(query.equals))
    if getattr(query, "condition", None) is not None:
        conditions.append(query.condition)
    return where(conditions)


def sort_key(ordering: Any) -> Sql:
    """The value a layer's features are ordered by (layers.filters.Ordering): the property in its
    schema type, so numbers sort as numbers and dates as dates; NULL when absent or mistyped."""
    return typed(ordering.name, ordering.prop_type)


def order_direction(ordering: Any) -> str:
    """Missing values come last either way, so the first page of either order shows values."""
    return "DESC NULLS LAST" if ordering.descending else "ASC NULLS LAST"


# -- typed comparisons (OGC API CQL2) -------------------------------------------------------------
# A property's value in the type its schema declares, NULL when the stored JSON is not of that type
# (so a comparison with a mistyped value is simply not true, never an error). Dates and date-times are
# stored as ISO 8601 text: a date compares as text (ISO dates sort as text), a date-time is cast only
# when it looks like one.

ORDERINGS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_DATETIME_TEXT = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}"


def typed(prop: str, prop_type: str) -> Sql:
    """The property `prop` as a SQL value of its schema type (string, integer, number, boolean, date,
    datetime); NULL when absent or stored with another JSON type."""
    if prop_type in ("integer", "number"):
        return number(prop)
    if prop_type == "boolean":
        return Sql("CASE WHEN jsonb_typeof(f.properties -> %s) = 'boolean' THEN (f.properties ->> %s)::boolean END",
                   [prop, prop])
    if prop_type == "datetime":
        return Sql(f"CASE WHEN (f.properties ->> %s) ~ '{_DATETIME_TEXT}' THEN (f.properties ->> %s)::timestamptz END",
                   [prop, prop])
    return Sql("CASE WHEN jsonb_typeof(f.properties -> %s) = 'string' THEN f.properties ->> %s END", [prop, prop])


def value(bound: Any, prop_type: str) -> Sql:
    """A bound value cast to the SQL type `typed` gives a property of `prop_type`."""
    cast = {"integer": "numeric", "number": "numeric", "boolean": "boolean", "datetime": "timestamptz"}.get(
        prop_type, "text")
    return Sql(f"%s::{cast}", [bound])


def compare(left: Sql, op: str, right: Sql) -> Sql:
    """`left op right`, op one of = <> < <= > >= (NULL on either side: not true)."""
    return "(" + left + f" {ORDERINGS[op]} " + right + ")"


def between(subject: Sql, low: Sql, high: Sql) -> Sql:
    return "(" + subject + " BETWEEN " + low + " AND " + high + ")"


def like(subject: Sql, pattern: str, *, case_insensitive: bool = False) -> Sql:
    """SQL LIKE with CQL2's wildcards (% and _, backslash escapes), the pattern bound."""
    return "(" + subject + (" ILIKE " if case_insensitive else " LIKE ") + Sql("%s", [pattern]) + ")"


def one_of(subject: Sql, values: list[Sql]) -> Sql:
    return "(" + subject + " IN (" + Sql(", ").join(values) + "))"


def is_null(subject: Sql) -> Sql:
    return "(" + subject + " IS NULL)"


def negated(condition: Sql) -> Sql:
    """NOT. A comparison with a missing value is unknown (NULL) and so is its negation: WHERE drops
    the feature either way, as CQL2 wants for a property that is not there."""
    return "(NOT " + condition + ")"


def any_of(conditions: list[Sql]) -> Sql:
    return "(" + Sql(" OR ").join(conditions) + ")"


def all_of(conditions: list[Sql]) -> Sql:
    return "(" + Sql(" AND ").join(conditions) + ")"


# -- spatial and temporal predicates (OGC API CQL2) ------------------------------------------------

SPATIAL = {"S_INTERSECTS": "ST_Intersects", "S_DISJOINT": "ST_Disjoint", "S_CONTAINS": "ST_Contains",
           "S_WITHIN": "ST_Within", "S_TOUCHES": "ST_Touches", "S_CROSSES": "ST_Crosses",
           "S_OVERLAPS": "ST_Overlaps", "S_EQUALS": "ST_Equals"}
# Predicates that imply the two bounding boxes meet, so the GiST index test may come first.
_BOX_IMPLIED = {"S_INTERSECTS", "S_CONTAINS", "S_WITHIN", "S_TOUCHES", "S_CROSSES", "S_OVERLAPS", "S_EQUALS"}


def spatial(op: str, wkb: bytes) -> Sql:
    """`op(feature geometry, geometry)` for a CQL2 spatial function, the geometry given as WKB in the
    storage SRID (a caller's CRS is transformed before, by layers.crs, the one transformation path)."""
    geometry = Sql("ST_GeomFromWKB(%s, %s)", [wkb, STORAGE_SRID])
    exact = Sql(f"{SPATIAL[op]}(f.geom, ") + geometry + ")"
    return "(" + ("f.geom && " + geometry + " AND " if op in _BOX_IMPLIED else Sql("")) + exact + ")"


TEMPORAL = ("T_AFTER", "T_BEFORE", "T_CONTAINS", "T_DISJOINT", "T_DURING", "T_EQUALS", "T_FINISHEDBY",
            "T_FINISHES", "T_INTERSECTS", "T_MEETS", "T_METBY", "T_OVERLAPPEDBY", "T_OVERLAPS",
            "T_STARTEDBY", "T_STARTS")


def temporal(op: str, start: datetime | None, end: datetime | None) -> Sql:
    """A CQL2 temporal function of the feature's time [a, b] = [time_start, coalesce(time_end,
    time_start)] (the time-window rule above) and the value [c, d] (an instant: c = d; None: open end).
    Allen's relations as CQL2 defines them. A feature without time matches none of them, T_DISJOINT
    included: it is neither inside nor outside a window."""
    if op == "T_INTERSECTS":
        return all_of([c for c in (Sql("f.time_start IS NOT NULL"), during(start, end)) if c.text])
    a, b = Sql("f.time_start"), Sql("coalesce(f.time_end, f.time_start)")
    c = Sql("%s::timestamptz", [start]) if start is not None else Sql("'-infinity'::timestamptz")
    d = Sql("%s::timestamptz", [end]) if end is not None else Sql("'infinity'::timestamptz")
    relation = {
        "T_AFTER": [a + " > " + d],
        "T_BEFORE": [b + " < " + c],
        "T_CONTAINS": [a + " < " + c, b + " > " + d],
        "T_DISJOINT": [any_of([b + " < " + c, a + " > " + d])],
        "T_DURING": [a + " > " + c, b + " < " + d],
        "T_EQUALS": [a + " = " + c, b + " = " + d],
        "T_FINISHEDBY": [a + " < " + c, b + " = " + d],
        "T_FINISHES": [a + " > " + c, b + " = " + d],
        "T_MEETS": [b + " = " + c],
        "T_METBY": [a + " = " + d],
        "T_OVERLAPPEDBY": [a + " > " + c, a + " < " + d, b + " > " + d],
        "T_OVERLAPS": [a + " < " + c, b + " > " + c, b + " < " + d],
        "T_STARTEDBY": [a + " = " + c, b + " > " + d],
        "T_STARTS": [a + " = " + c, b + " < " + d],
    }[op]
    return all_of([Sql("f.time_start IS NOT NULL"), *relation])
