"""What a scene layout may contain: a JSON schema for its shape, then the rules a schema cannot say
(panels inside the grid, no overlaps, no panel straddling a screen bezel, properties of a query that
only make sense together)."""

from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wall.timeframe import duration

_WINDOW = {"type": "string", "pattern": "^[1-9][0-9]{0,3}[hd]$"}
_SCALAR = {"type": ["string", "number", "boolean"]}
_FILTER = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [
            _SCALAR,
            {"type": "array", "items": _SCALAR, "minItems": 1},
            {
                "type": "object",
                "properties": {op: {"type": "number"} for op in ("gt", "gte", "lt", "lte")},
                "additionalProperties": False,
                "minProperties": 1,
            },
        ]
    },
}
_NAME = {"type": "string", "minLength": 1, "maxLength": 100}
_AGGREGATE = {"enum": ["count", "count_distinct", "sum", "avg", "max"]}
_MEASURE = {
    "layer": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
    "filter": _FILTER,
    "window": _WINDOW,
    "aggregate": _AGGREGATE,
    "property": _NAME,
    "decimals": {"type": "integer", "minimum": 0, "maximum": 3},
    "unit_vi": {"type": "string", "maxLength": 30},
    "unit_en": {"type": "string", "maxLength": 30},
}
_QUERIES = {
    "kpi": {"type": "object", "required": ["layer"], "additionalProperties": False,
            # `better`: which way of the change is good news ("down" for incidents, "up" for reports
            # resolved); the change is then coloured by meaning, worse in red whatever its direction.
            # `bands`: thresholds coloured as an indicator's (monitoring.bands), the way `better` says is
            # worse: with better "down", at or above `watch_at` is watch; with "up", below it.
            "properties": _MEASURE | {"compare": {"type": "boolean"}, "better": {"enum": ["up", "down"]},
                                      "bands": {"type": "object", "additionalProperties": False,
                                                "properties": {"watch_at": {"type": "number"},
                                                               "critical_at": {"type": "number"}}}}},
    "chart": {"type": "object", "required": ["layer", "window", "bucket"], "additionalProperties": False,
              "properties": _MEASURE | {"bucket": {"type": "string", "pattern": "^[1-9][0-9]{0,2}[hd]$"}}},
    "table": {"type": "object", "required": ["layer", "group_by"], "additionalProperties": False,
              "properties": _MEASURE | {
                  "group_by": _NAME,
                  "limit": {"type": "integer", "minimum": 1, "maximum": 30},
                  "names": {"type": "object", "required": ["layer", "key", "label"], "additionalProperties": False,
                            "properties": {"layer": _MEASURE["layer"], "key": _NAME, "label": _NAME}},
              }},
    "ticker": {"type": "object", "required": ["layer", "text"], "additionalProperties": False,
               "properties": {k: _MEASURE[k] for k in ("layer", "filter", "window", "decimals", "unit_vi",
                                                        "unit_en")} | {
                   "limit": {"type": "integer", "minimum": 1, "maximum": 30},
                   "text": {"type": "array", "items": _NAME, "minItems": 1},
                   "labels": {"type": "object", "additionalProperties": {"type": "string"}},
               }},
    "map": {"type": "object", "required": ["layers"], "additionalProperties": False, "properties": {
        "layers": {"type": "array", "minItems": 1, "maxItems": 8, "items": {
            "type": "object", "required": ["layer"], "additionalProperties": False,
            "properties": {k: _MEASURE[k] for k in ("layer", "filter", "window")} | {
                "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                # An indicator's layer shown for its latest period with values (wall.indicators).
                "period": {"enum": ["latest"]}}}},
        "bbox": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
    }},
    "clock": {"type": "object", "additionalProperties": False, "properties": {}},
    # Panels over a monitoring indicator (its layer, so it is seen exactly as the layer is): the
    # province's latest value coloured by its band, its trend over periods, the best and worst units.
    "indicator_kpi": {"type": "object", "required": ["layer"], "additionalProperties": False,
                      "properties": {"layer": _MEASURE["layer"]}},
    "indicator_chart": {"type": "object", "required": ["layer"], "additionalProperties": False,
                        "properties": {"layer": _MEASURE["layer"],
                                       "periods": {"type": "integer", "minimum": 2, "maximum": 120}}},
    "indicator_table": {"type": "object", "required": ["layer"], "additionalProperties": False,
                        "properties": {"layer": _MEASURE["layer"],
                                       "limit": {"type": "integer", "minimum": 1, "maximum": 15}}},
    # The firing alerts of the rules the reader may see (wall.alerts): a list, and a ticker entry.
    "alerts": {"type": "object", "additionalProperties": False, "properties": {
        "limit": {"type": "integer", "minimum": 1, "maximum": 30},
        "severity": {"type": "array", "minItems": 1, "items": {"enum": ["critical", "warning", "info"]}}}},
    "alert_ticker": {"type": "object", "additionalProperties": False, "properties": {
        "limit": {"type": "integer", "minimum": 1, "maximum": 30},
        "severity": {"type": "array", "minItems": 1, "items": {"enum": ["critical", "warning", "info"]}}}},
    # When the data of these indicators is due and whether it came: fresh, late or stale.
    "freshness": {"type": "object", "required": ["layers"], "additionalProperties": False, "properties": {
        "layers": {"type": "array", "minItems": 1, "maxItems": 12, "items": {
            "type": "object", "required": ["layer"], "additionalProperties": False,
            "properties": {"layer": _MEASURE["layer"]}}}}},
}
_CELLS = {"type": "integer", "minimum": 1, "maximum": 60}

LAYOUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["grid", "panels"],
    "additionalProperties": False,
    "properties": {
        "grid": {"type": "object", "required": ["rows", "cols"], "additionalProperties": False,
                 "properties": {"rows": _CELLS, "cols": _CELLS}},
        # The physical screens of the wall; defaults to one screen per grid cell.
        "screens": {"type": "object", "required": ["rows", "cols"], "additionalProperties": False,
                    "properties": {"rows": _CELLS, "cols": _CELLS}},
        "panels": {"type": "array", "minItems": 1, "maxItems": 100, "items": {
            "type": "object",
            "required": ["id", "kind", "row", "col"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[-a-z0-9_]{1,40}$"},
                "kind": {"enum": sorted(_QUERIES)},
                "title_vi": {"type": "string", "maxLength": 120},
                "title_en": {"type": "string", "maxLength": 120},
                "row": {"type": "integer", "minimum": 0}, "col": {"type": "integer", "minimum": 0},
                "rows": _CELLS, "cols": _CELLS,
                "query": {"type": "object"},
            },
        }},
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(LAYOUT_SCHEMA)
_QUERY_VALIDATORS = {kind: jsonschema.Draft202012Validator(schema) for kind, schema in _QUERIES.items()}
NEEDS_PROPERTY = {"count_distinct", "sum", "avg", "max"}
MAX_BARS = 400  # wall.metrics.series refuses more buckets


def validate_layout(layout: Any) -> None:
    """Raise ValidationError listing every problem of `layout`, or return None."""
    problems = [_schema_problem(error) for error in _VALIDATOR.iter_errors(layout)]
    if problems:
        raise ValidationError(problems)
    grid, screens = layout["grid"], layout.get("screens") or layout["grid"]
    if grid["rows"] % screens["rows"] or grid["cols"] % screens["cols"]:
        problems.append(_("The grid (%(g)s) must divide evenly into the screens (%(s)s).")
                        % {"g": f"{grid['rows']}×{grid['cols']}", "s": f"{screens['rows']}×{screens['cols']}"})
        raise ValidationError(problems)
    cell_rows, cell_cols = grid["rows"] // screens["rows"], grid["cols"] // screens["cols"]
    taken: dict[tuple[int, int], str] = {}
    ids: set[str] = set()
    for panel in layout["panels"]:
        pid = panel["id"]
        if pid in ids:
            problems.append(_("Panel id %(id)s is used twice.") % {"id": pid})
        ids.add(pid)
        problems += _query_problems(panel)
        rows, cols = panel.get("rows", 1), panel.get("cols", 1)
        if panel["row"] + rows > grid["rows"] or panel["col"] + cols > grid["cols"]:
            problems.append(_("Panel %(id)s does not fit in the grid.") % {"id": pid})
            continue
        if _straddles(panel["row"], rows, cell_rows) or _straddles(panel["col"], cols, cell_cols):
            problems.append(_("Panel %(id)s straddles a screen bezel: it must fit in one screen or cover "
                              "whole screens.") % {"id": pid})
        for r in range(panel["row"], panel["row"] + rows):
            for c in range(panel["col"], panel["col"] + cols):
                if (r, c) in taken:
                    problems.append(_("Panels %(a)s and %(b)s overlap.") % {"a": taken[(r, c)], "b": pid})
                    break
                taken[(r, c)] = pid
            else:
                continue
            break
    if problems:
        raise ValidationError(problems)


def _straddles(start: int, span: int, per_screen: int) -> bool:
    """A span straddles a bezel unless it stays inside one screen or starts and ends on screen edges."""
    inside_one = start // per_screen == (start + span - 1) // per_screen
    on_edges = start % per_screen == 0 and span % per_screen == 0
    return not (inside_one or on_edges)


def _query_problems(panel: dict[str, Any]) -> list[str]:
    query = panel.get("query", {})
    problems = [f"{panel['id']}: {_schema_problem(e)}" for e in _QUERY_VALIDATORS[panel["kind"]].iter_errors(query)]
    if not problems and query.get("aggregate") in NEEDS_PROPERTY and "property" not in query:
        problems.append(_("Panel %(id)s: the aggregate %(agg)s needs a property.")
                        % {"id": panel["id"], "agg": query["aggregate"]})
    if not problems and panel["kind"] == "chart" and duration(query["window"]) / duration(query["bucket"]) > MAX_BARS:
        problems.append(_("Panel %(id)s: a chart shows at most %(n)s bars; use a longer bucket or a shorter window.")
                        % {"id": panel["id"], "n": MAX_BARS})
    return problems


def _schema_problem(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "layout"
    return f"{where}: {error.message}"
