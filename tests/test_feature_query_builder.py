"""layers.query turns a question about features into SQL pieces that carry their own parameters, in
shapes the layer partition's indexes answer."""

import pytest
from django.db import connection, transaction
from shapely.geometry import box

from layers import query
from layers.query import Sql


def ids(layer, *conditions: Sql) -> list[str]:
    statement = query.select("f.source_id", query.where([query.in_layer(layer.pk), *conditions]))
    with connection.cursor() as cur:
        cur.execute(statement.text + " ORDER BY f.source_id", statement.params)
        return [row[0] for row in cur.fetchall()]


def plan(*conditions: Sql) -> str:
    """The plan of a count, with sequential scans priced out: tiny tables tempt the planner (which
    also finds the layer's (layer_id, time_start) index good enough for anything on four rows, so the
    conditions are asked alone)."""
    statement = query.select("count(*)", query.where(conditions))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")
        cur.execute("EXPLAIN " + statement.text, statement.params)
        return "\n".join(row[0] for row in cur.fetchall())


def test_pieces_keep_their_parameters_in_step():
    piece = Sql("a = %s", [1]) + " AND " + Sql("b = %s", ["x"])
    assert piece == Sql("a = %s AND b = %s", (1, "x"))
    assert Sql(" OR ").join([Sql("a = %s", [1]), Sql("b = %s", [2])]).params == (1, 2)
    assert query.where([]) == query.TRUE


def test_a_piece_refuses_parameters_that_do_not_match_its_placeholders():
    with pytest.raises(ValueError):
        Sql("a = %s AND b = %s", [1])


def test_a_piece_goes_into_a_statement_with_named_parameters():
    text, params = query.during(None, "2022-01-01").named("window")
    assert text == "f.time_start <= %(window_0)s" and params == {"window_0": "2022-01-01"}


def test_property_conditions_are_equalities_lists_and_numeric_comparisons(schools):
    assert ids(schools, query.having({"public": True, "level": "thpt"})) == ["s1"]
    assert ids(schools, query.having({"level": ["thcs", "mam_non"]})) == ["s3", "s4"]
    assert ids(schools, query.having({"pupils": {"gte": 640, "lt": 1200}})) == ["s2", "s4"]
    # A comparison with a value that is not a number fails rather than erring.
    assert ids(schools, query.having({"name": {"gt": 0}})) == []


def test_an_area_in_another_crs_is_transformed_not_the_column(schools):
    # Tân An and Bến Lức in Web Mercator metres.
    mercator = (11_842_000.0, 1_175_000.0, 11_856_000.0, 1_200_000.0)
    assert ids(schools, query.in_bbox(mercator, 3857)) == ["s1", "s4"]
    assert ids(schools, query.in_geometry(box(*mercator).wkb, 3857)) == ["s1", "s4"]
    assert "ST_Transform(f.geom" not in query.in_bbox(mercator, 3857).text


def test_the_area_is_answered_by_the_gist_index_and_equalities_by_the_gin_index(schools):
    assert "geom_idx" in plan(query.in_layer(schools.pk), query.in_bbox((106.3, 10.4, 106.7, 10.7)))
    assert "properties_idx" in plan(query.having({"level": "thpt"}))


def test_the_end_of_a_window_is_answered_by_the_time_index(incidents):
    steps = plan(query.in_layer(incidents.pk), query.during(None, incidents.features.first().time_start))
    assert any("Index Cond" in step and "time_start <=" in step for step in steps.splitlines()), steps
