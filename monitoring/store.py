"""Writing values in bulk: the demo world and a published submission both go through here."""

from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection

# (indicator_id, unit_id, period_start, period_end, value, submission_id, submitted_by_id,
#  department_id, submitted_at)
ValueRow = tuple[int, int, date, date, float, int | None, int | None, int | None, datetime]

_COLUMNS = ("indicator_id", "unit_id", "period_start", "period_end", "value", "submission_id",
            "submitted_by_id", "department_id", "submitted_at")


def copy_values(rows: Iterable[ValueRow]) -> int:
    """COPY new values into monitoring_value (none of them may exist yet: the unique key refuses a
    second value for a unit and period). For corrections use monitoring.submissions.publish."""
    count = 0
    with connection.cursor() as cur:
        with cur.copy(f"COPY monitoring_value ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count
