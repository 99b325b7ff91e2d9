"""OGC API - Features Part 3: a `filter` in CQL2 (text or JSON) compiled to bound SQL on the feature
store. The `cql2` library (PyPI) parses and validates both encodings and gives the standard CQL2-JSON
tree; this module only walks that tree into layers.query's pieces, checking every property against
the collection's queryables (ogc.collections.queryables), so no name or value reaches SQL unbound.

Operands are typed by the queryable's schema type: a literal is cast to the property's SQL type, and
a literal of another JSON type is refused (400) rather than compared as text.
"""

from datetime import datetime
from typing import Any

import cql2
import shapely
from django.utils.translation import gettext as _
from shapely.geometry import shape

from layers import query
from layers.errors import InvalidDatetime, InvalidParameter
from layers.filters import parse_datetime_interval
from layers.models import Layer, TimeKind
from layers.query import Sql
from ogc.crs import OgcCrs, OutsideCrs

# "cql-text" is the name the drafts of Part 3 gave the text encoding; GDAL's OAPIF driver up to 3.6
# sends it (comparisons, LIKE, AND/OR/NOT, IS NULL: a subset CQL2 text reads the same way).
LANGUAGES = ("cql2-text", "cql2-json", "cql-text")
GEOMETRY = "geometry"  # the primary geometry queryable
DATETIME = "datetime"  # the primary temporal queryable: the feature's instant or interval
_DEEPEST = 40  # nesting levels; deeper filters are refused before recursion gets expensive
_LITERAL_TYPES = {str: "string", bool: "boolean", int: "number", float: "number"}
_COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")
# A spatial or temporal function with its arguments swapped (literal first) is its converse.
_SPATIAL_CONVERSE = {"S_CONTAINS": "S_WITHIN", "S_WITHIN": "S_CONTAINS"}
_TEMPORAL_CONVERSE = {"T_AFTER": "T_BEFORE", "T_BEFORE": "T_AFTER", "T_CONTAINS": "T_DURING",
                      "T_DURING": "T_CONTAINS", "T_FINISHEDBY": "T_FINISHES", "T_FINISHES": "T_FINISHEDBY",
                      "T_MEETS": "T_METBY", "T_METBY": "T_MEETS", "T_OVERLAPPEDBY": "T_OVERLAPS",
                      "T_OVERLAPS": "T_OVERLAPPEDBY", "T_STARTEDBY": "T_STARTS", "T_STARTS": "T_STARTEDBY"}


class InvalidFilter(InvalidParameter):
    code = "invalid_filter"


def _refuse(message: str) -> InvalidFilter:
    return InvalidFilter(message, fields={"filter": [message]})


def compile_filter(layer: Layer, *, text: str, language: str, crs: OgcCrs) -> Sql:
    """The condition a CQL2 filter states on `layer`'s features; literal geometries are in `crs`."""
    if language not in LANGUAGES:
        raise InvalidFilter(_("filter-lang must be cql2-text or cql2-json."),
                            fields={"filter-lang": [", ".join(LANGUAGES)]})
    try:
        expression = cql2.parse_json(text) if language == "cql2-json" else cql2.parse_text(text)
        expression.validate()
        tree = expression.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as error:
        first_line = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise _refuse(_("The filter is not valid %(language)s: %(error)s") % {"language": language,
                                                                             "error": first_line}) from None
    return _Compiler(layer, crs).condition(tree, 0)


class _Compiler:
    def __init__(self, layer: Layer, crs: OgcCrs):
        self.layer, self.crs = layer, crs
        self.types = {p["name"]: p["type"] for p in layer.property_schema if p.get("type") != "json"}

    # -- conditions -------------------------------------------------------------------------------

    def condition(self, node: Any, depth: int) -> Sql:
        if depth > _DEEPEST:
            raise _refuse(_("The filter is nested too deeply."))
        if isinstance(node, bool):
            return Sql("true" if node else "false")
        if not isinstance(node, dict) or "op" not in node:
            raise _refuse(_("A condition was expected, not a value."))
        op, args = str(node["op"]), node.get("args", [])
        upper = op.upper()
        if op in ("and", "or"):
            parts = [self.condition(arg, depth + 1) for arg in args]
            return query.all_of(parts) if op == "and" else query.any_of(parts)
        if op == "not":
            return query.negated(self.condition(args[0], depth + 1))
        if op in _COMPARISONS:
            left, right = self.pair(args, depth)
            return query.compare(left, op, right)
        if op == "like":
            subject, kind = self.operand(args[0], depth)
            pattern, pattern_kind = self.operand(args[1], depth)
            if kind != "string" or pattern_kind != "string":
                raise _refuse(_("LIKE compares text properties with a text pattern."))
            return "(" + subject + " LIKE " + pattern + ")"
        if op == "between":
            subject, kind = self.operand(args[0], depth)
            low, high = (self.literal(arg, kind) for arg in args[1:3])
            return query.between(subject, low, high)
        if op == "in":
            subject, kind = self.operand(args[0], depth)
            if not isinstance(args[1], list) or not args[1]:
                raise _refuse(_("IN needs a list of values."))
            return query.one_of(subject, [self.literal(arg, kind) for arg in args[1]])
        if op == "isNull":
            subject, _kind = self.operand(args[0], depth)
            return query.is_null(subject)
        if upper in query.SPATIAL:
            return self.spatial(upper, args)
        if upper in query.TEMPORAL:
            return self.temporal(upper, args)
        raise _refuse(_("The operator %(op)s is not offered here.") % {"op": op[:40]})

    def spatial(self, op: str, args: list) -> Sql:
        first, second = args
        if self.is_property(second, GEOMETRY) and not self.is_property(first, GEOMETRY):
            first, second, op = second, first, _SPATIAL_CONVERSE.get(op, op)
        if not self.is_property(first, GEOMETRY):
            raise _refuse(_("Spatial functions compare the property 'geometry' with a geometry."))
        return query.spatial(op, shapely.to_wkb(self.geometry(second)))

    def geometry(self, node: Any):
        try:
            if isinstance(node, dict) and "bbox" in node:
                box = node["bbox"]
                west, south, east, north = (box[0], box[1], box[3], box[4]) if len(box) == 6 else box
                found = shapely.box(west, south, east, north)
            elif isinstance(node, dict) and "type" in node:
                found = shape(node)
            else:
                raise ValueError
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
            raise _refuse(_("A geometry literal (WKT, GeoJSON or BBOX) was expected.")) from None
        # An invalid polygon (a bow-tie) would make GEOS fail inside the statement: refused here.
        if found.is_empty or not found.is_valid:
            raise _refuse(_("The geometry literal is empty or not valid."))
        try:
            stored = self.crs.to_storage(found)
        except OutsideCrs:
            raise _refuse(_("The geometry literal lies outside the CRS's area (check filter-crs).")) from None
        west, south, east, north = stored.bounds
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise _refuse(_("The geometry literal lies outside the CRS's area (check filter-crs)."))
        return stored

    def temporal(self, op: str, args: list) -> Sql:
        first, second = args
        if self.is_property(second, DATETIME) and not self.is_property(first, DATETIME):
            first, second, op = second, first, _TEMPORAL_CONVERSE.get(op, op)
        if not self.is_property(first, DATETIME) or self.layer.time_kind == TimeKind.NONE:
            raise _refuse(_("Temporal functions compare the property 'datetime' (a collection with time) "
                            "with an instant or an interval."))
        start, end = self.window(second)
        return query.temporal(op, start, end)

    def window(self, node: Any) -> tuple[datetime | None, datetime | None]:
        try:
            if isinstance(node, dict) and "interval" in node and len(node["interval"]) == 2:
                first, second = (self.moment_text(v) for v in node["interval"])
                if first == ".." and second == "..":
                    return None, None
                return parse_datetime_interval(f"{first}/{second}")
            return parse_datetime_interval(self.moment_text(node))
        except InvalidDatetime as error:
            raise _refuse(str(error.detail)) from None

    @staticmethod
    def moment_text(node: Any) -> str:
        if isinstance(node, dict) and ("timestamp" in node or "date" in node):
            return str(node.get("timestamp", node.get("date")))
        if isinstance(node, str):
            return node
        raise _refuse(_("An instant (TIMESTAMP, DATE) or an INTERVAL was expected."))

    # -- operands ---------------------------------------------------------------------------------

    def is_property(self, node: Any, name: str) -> bool:
        return isinstance(node, dict) and node.get("property") == name

    def pair(self, args: list, depth: int) -> tuple[Sql, Sql]:
        """Two operands of a comparison; a literal takes the other side's type."""
        first, second = args
        if self.is_literal(first) and not self.is_literal(second):
            right, kind = self.operand(second, depth)
            return self.literal(first, kind), right
        left, kind = self.operand(first, depth)
        return left, self.literal(second, kind) if self.is_literal(second) else self.operand(second, depth)[0]

    @staticmethod
    def is_literal(node: Any) -> bool:
        return not isinstance(node, dict) or "timestamp" in node or "date" in node

    def operand(self, node: Any, depth: int) -> tuple[Sql, str]:
        """A value in SQL and its schema type."""
        if depth > _DEEPEST:
            raise _refuse(_("The filter is nested too deeply."))
        if isinstance(node, dict) and "property" in node:
            name = str(node["property"])
            if name == DATETIME and self.layer.time_kind != TimeKind.NONE:
                return Sql("f.time_start"), "datetime"
            if name not in self.types:
                raise InvalidFilter(
                    _("%(name)s is not a queryable of this collection (see its queryables).") % {"name": name[:60]},
                    fields={"filter": [_("Unknown property: %(name)s") % {"name": name[:60]}]},
                )
            return query.typed(name, self.types[name]), self.types[name]
        if isinstance(node, dict) and node.get("op") == "casei" and len(node.get("args", [])) == 1:
            inner, kind = self.operand(node["args"][0], depth + 1)
            if kind != "string":
                raise _refuse(_("CASEI takes text."))
            return "lower(" + inner + ")", "string"
        if self.is_literal(node):
            kind = self.literal_kind(node)
            return self.literal(node, kind), kind
        raise _refuse(_("Arithmetic and functions other than CASEI are not offered here."))

    @staticmethod
    def literal_kind(node: Any) -> str:
        if isinstance(node, dict):
            return "datetime" if "timestamp" in node else "date"
        kind = _LITERAL_TYPES.get(type(node))
        if kind is None:
            raise _refuse(_("A value (text, number, boolean, TIMESTAMP or DATE) was expected."))
        return kind

    def literal(self, node: Any, kind: str) -> Sql:
        """A literal bound and cast to `kind`'s SQL type; one of another type is refused."""
        given = self.literal_kind(node)
        compatible = {"integer": ("number",), "number": ("number",), "date": ("date", "string"),
                      "datetime": ("datetime", "date", "string")}.get(kind, (kind,))
        if given not in compatible:
            raise _refuse(_("A %(given)s cannot be compared with a %(kind)s.") % {"given": given, "kind": kind})
        if kind == "datetime":
            return query.value(self.window(node)[0], "datetime")
        if isinstance(node, dict):
            return query.value(str(node.get("date")), "string")
        return query.value(node, kind)

