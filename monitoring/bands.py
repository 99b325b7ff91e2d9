"""An indicator's bands (good / watch / critical), in Python and as the same rule in SQL.

Higher is better: below `watch_at` is "watch", below `critical_at` "critical". Higher is worse: at or
above them. A threshold left empty is never reached; a missing value has no band ("none").
"""

from layers.query import Sql
from monitoring.models import Direction, Indicator

GOOD, WATCH, CRITICAL, NONE = "good", "watch", "critical", "none"
# (band, colour, label_vi, label_en): the choropleth's categories and its legend, in this order.
BANDS = (
    (GOOD, "#1a9850", "Tốt", "Good"),
    (WATCH, "#fdae61", "Cần theo dõi", "Watch"),
    (CRITICAL, "#d73027", "Nguy cấp", "Critical"),
    (NONE, "#bdbdbd", "Chưa có số liệu", "No data"),
)


def band_of(indicator: Indicator, value: float | None) -> str:
    if value is None:
        return NONE
    worse = indicator.direction == Direction.HIGHER_IS_WORSE
    for band, threshold in ((CRITICAL, indicator.critical_at), (WATCH, indicator.watch_at)):
        if threshold is not None and (value >= threshold if worse else value < threshold):
            return band
    return GOOD


def band_sql(indicator: Indicator, value: Sql) -> Sql:
    """The band of the SQL expression `value`, the rule of `band_of`."""
    compare = ">=" if indicator.direction == Direction.HIGHER_IS_WORSE else "<"
    branches = [Sql("WHEN ") + value + " IS NULL THEN 'none'"]
    for band, threshold in ((CRITICAL, indicator.critical_at), (WATCH, indicator.watch_at)):
        if threshold is not None:
            branches.append(Sql("WHEN ") + value + f" {compare} " + Sql("%s", [threshold]) + f" THEN '{band}'")
    return Sql("(CASE ") + Sql(" ").join(branches) + " ELSE 'good' END)"
