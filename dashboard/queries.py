"""The overview's one feature question that the wall's metrics do not ask: where the stations over a
limit are. Through layers.query, every value bound; coordinates in WGS 84 (the store's SRID 4326)."""

from typing import Any

from layers import query as features
from layers.query import Sql
from layers.replicas import reading_connection
from wall.metrics import Selection


def latest_per_station(selection: Selection, *, station: str, name: str, limit: int) -> list[dict[str, Any]]:
    """Each station's latest selected feature (by time_start): its code, its name, when, and a point
    on it as [lon, lat]. At most `limit` stations, the most recent first."""
    key = features.text(station)
    condition = Sql(*selection.where()) + " AND f.time_start IS NOT NULL"
    inner = ("SELECT DISTINCT ON (" + key + ") " + key + " AS code, " + features.text(name)
             + " AS label, f.time_start, ST_X(ST_PointOnSurface(f.geom)) AS x, ST_Y(ST_PointOnSurface(f.geom)) AS y"
             + " FROM " + features.FEATURES + " WHERE " + condition + " ORDER BY " + key + ", f.time_start DESC")
    statement = "SELECT code, label, time_start, x, y FROM (" + inner + ") AS s ORDER BY s.time_start DESC LIMIT " \
        + Sql("%s", [limit])
    with reading_connection().cursor() as cur:
        cur.execute(statement.text, list(statement.params))
        return [{"code": code, "name": label or code, "at": when, "point": [round(x, 6), round(y, 6)]}
                for code, label, when, x, y in cur.fetchall()]
