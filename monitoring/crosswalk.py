"""The crosswalk between two boundary versions, computed in PostGIS.

For each old unit (commune or district) and each new commune it meets: the overlap's area on the
spheroid, its share of the old unit (`area_weight`, summing to 1 per old unit) and of the new one
(`area_share`, summing to 1 per new unit), and the old unit's people in it (population × weight,
people assumed spread evenly over the old unit). Overlaps under 0.01 % of the old unit are the
slivers of two drawings of one line, not land that moved: they are left out before normalising.
"""

from django.db import connection, transaction

from monitoring.models import BoundaryVersion, UnitLevel

_SLIVER = 1e-4


@transaction.atomic
def build_crosswalk(*, old: BoundaryVersion, new: BoundaryVersion) -> int:
    """Replace the crosswalk from `old` to `new` (their units must be loaded) and give the new
    communes the population that comes to them; the number of pairs written."""
    with connection.cursor() as cur:
        cur.execute(
            """
            DELETE FROM monitoring_crosswalk AS c USING monitoring_adminunit AS o
             WHERE c.old_unit_id = o.id AND o.version_id = %s
            """,
            [old.pk],
        )
        cur.execute(
            """
            WITH pairs AS (
                SELECT o.id AS old_id, o.level AS old_level, n.id AS new_id, o.population,
                       ST_Area(ST_Intersection(o.geom, n.geom)::geography) / 1e6 AS km2,
                       o.area_km2 AS old_km2
                  FROM monitoring_adminunit AS o
                  JOIN monitoring_adminunit AS n ON o.geom && n.geom AND ST_Intersects(o.geom, n.geom)
                 WHERE o.version_id = %(old)s AND n.version_id = %(new)s AND n.level = %(commune)s
            ), kept AS (
                SELECT * FROM pairs WHERE km2 > %(sliver)s * old_km2
            )
            INSERT INTO monitoring_crosswalk (old_unit_id, new_unit_id, overlap_km2, area_weight, area_share, population)
            SELECT old_id, new_id, km2,
                   km2 / sum(km2) OVER (PARTITION BY old_id),
                   km2 / sum(km2) OVER (PARTITION BY new_id, old_level),
                   population * km2 / sum(km2) OVER (PARTITION BY old_id)
              FROM kept
            """,
            {"old": old.pk, "new": new.pk, "commune": UnitLevel.COMMUNE, "sliver": _SLIVER},
        )
        written = cur.rowcount
        cur.execute(
            """
            UPDATE monitoring_adminunit AS n SET population = round(s.people)
              FROM (SELECT c.new_unit_id, sum(c.population) AS people
                      FROM monitoring_crosswalk AS c JOIN monitoring_adminunit AS o ON o.id = c.old_unit_id
                     WHERE o.version_id = %s AND o.level = %s AND c.population IS NOT NULL
                     GROUP BY c.new_unit_id) AS s
             WHERE n.id = s.new_unit_id
            """,
            [old.pk, UnitLevel.COMMUNE],
        )
    return written
