"""Submissions: a department's CSV, XLSX or JSON rows of one indicator → a preview → publish or discard.

A preview matches each row's unit (GSO code, or name typed with or without diacritics and "Xã /
Phường / Thị trấn", in the boundary set valid at the row's period unless the submission names one),
reads its period and value, and reports per row what is wrong (row, column, reason, suggestions) and
what would change. Publishing writes the matched rows in one transaction — the values, the history of
the values they replace, the ledger entry and the indicator's layer — so readers never see half a
submission.
"""

import csv
import difflib
import io
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.errors import ApiError
from layers.models import Department
from monitoring.freshness import due_at
from monitoring.layers import refresh_features
from monitoring.models import AdminUnit, BoundaryVersion, Indicator, Submission, SubmissionStatus
from monitoring.names import fold, kind_of, match_name
from monitoring.periods import EXAMPLES, parse_period, period_end
from monitoring.units import version_at

# Header names people use, folded (monitoring.names.fold), for each column we read.
HEADERS = {
    "unit": ("unit", "unit_code", "code", "ma", "ma don vi", "ma xa", "ma dvhc", "don vi", "ten", "ten don vi",
             "name", "unit_name", "xa", "xa phuong", "xa/phuong", "commune", "ward"),
    "district": ("district", "huyen", "quan huyen", "quan/huyen"),
    "period": ("period", "ky", "thoi gian", "thang", "month", "ky bao cao"),
    "value": ("value", "gia tri", "so lieu", "chi so"),
}
PREVIEW_CHANGES = 50
PREVIEW_PROBLEMS = 200
# A row's problems, each counted in the preview's `counts` beside what was matched and compared.
PROBLEM_CODES = ("unknown_unit", "ambiguous_unit", "bad_period", "period_outside_boundary", "bad_value", "out_of_range",
                 "duplicate")
SUBMISSION_COUNTS = ("rows", "matched", *PROBLEM_CODES, "new", "changed", "unchanged")


class SubmissionRefused(ApiError):
    """The file or body as a whole cannot be read (not CSV/XLSX, no header, a missing column…)."""

    code = "submission_refused"


class SubmissionClosed(ApiError):
    code = "submission_closed"


@dataclass
class RawRow:
    number: int  # as the steward sees it: the header is row 1 of a file
    unit: str
    period: str
    value: object
    district: str = ""


@dataclass
class Preview:
    counts: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    staged: list = field(default_factory=list)


# -- reading --------------------------------------------------------------------------------------


def read_table(data: bytes, *, file_name: str) -> tuple[str, list[RawRow]]:
    """The channel ("csv" or "xlsx") and the rows of an uploaded file."""
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith(".xlsx"):
        return "xlsx", _rows(_xlsx_cells(data))
    if file_name.lower().rsplit(".", 1)[-1] not in ("csv", "txt"):
        raise SubmissionRefused(_("Send a CSV or an XLSX file (one row per unit and period)."),
                                fields={"file": [_("Not a CSV or XLSX file.")]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionRefused(_("The CSV file is not UTF-8 text. Save it as “CSV UTF-8” and send it again."),
                                fields={"file": [_("Not UTF-8.")]}) from None
    if "\x00" in text:
        raise SubmissionRefused(_("The file is not a CSV text file."), fields={"file": [_("Not text.")]})
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    return "csv", _rows(list(csv.reader(io.StringIO(text), delimiter=dialect)))


def _xlsx_cells(data: bytes) -> list[list]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise SubmissionRefused(_("The XLSX file cannot be opened."), fields={"file": [_("Not a valid XLSX file.")]}) \
            from None
    sheet = book.worksheets[0]
    cells = [list(row) for row in sheet.iter_rows(values_only=True, max_row=settings.MONITORING_MAX_ROWS + 2)]
    book.close()
    return cells


def _rows(cells: list[list]) -> list[RawRow]:
    cells = [row for row in cells if any(c not in (None, "") for c in row)]
    if not cells:
        raise SubmissionRefused(_("The file is empty."), fields={"file": [_("No rows.")]})
    header = [fold(str(c or "")) for c in cells[0]]
    where = {}
    for column, names in HEADERS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if found:
            where[column] = found[0]
    missing = [c for c in ("unit", "period", "value") if c not in where]
    if missing:
        raise SubmissionRefused(
            _("The first row must name the columns unit (code or name), period and value; missing: %(missing)s.")
            % {"missing": ", ".join(missing)},
            fields={c: [_("Column not found.")] for c in missing},
        )
    if len(cells) - 1 > settings.MONITORING_MAX_ROWS:
        raise SubmissionRefused(_("The file has more than %(max)d rows.") % {"max": settings.MONITORING_MAX_ROWS},
                                fields={"file": [_("Too many rows.")]})

    def cell(row: list, column: str):
        i = where.get(column)
        return row[i] if i is not None and i < len(row) else None

    return [
        RawRow(number, _text(cell(row, "unit")), _period_text(cell(row, "period")), cell(row, "value"),
               _text(cell(row, "district")))
        for number, row in enumerate(cells[1:], start=2)
    ]


def read_json(body: dict) -> list[RawRow]:
    rows = body.get("rows")
    if not isinstance(rows, list) or not rows:
        raise SubmissionRefused(_("The body needs “rows”: a list of {unit, period, value}."),
                                fields={"rows": [_("A non-empty list is required.")]})
    if len(rows) > settings.MONITORING_MAX_ROWS:
        raise SubmissionRefused(_("The file has more than %(max)d rows.") % {"max": settings.MONITORING_MAX_ROWS},
                                fields={"rows": [_("Too many rows.")]})
    out = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise SubmissionRefused(_("Each row must be an object {unit, period, value}."),
                                    fields={"rows": [_("Row %(row)d is not an object.") % {"row": number}]})
        out.append(RawRow(number, _text(row.get("unit")), _period_text(row.get("period")), row.get("value"),
                          _text(row.get("district"))))
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _period_text(value) -> str:
    # A spreadsheet turns "2025-07" into a date: read it back as the period it was.
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return _text(value)


# -- matching -------------------------------------------------------------------------------------


class UnitIndex:
    """The units of one boundary version at the indicator's level, by code and by matched name."""

    def __init__(self, version: BoundaryVersion, level: str):
        # Without the polygons: parsing 188 communes' and their districts' boundaries into GEOS
        # objects cost more than matching 10,000 rows.
        units = list(AdminUnit.objects.filter(version=version, level=level).select_related("parent")
                     .defer("geom", "parent__geom"))
        self.version = version
        self.by_code = {u.code: u for u in units}
        self.by_name: dict[str, list[AdminUnit]] = defaultdict(list)
        for unit in units:
            self.by_name[unit.match_name].append(unit)
        self.names = sorted(self.by_name)

    def find(self, typed: str, district: str = "") -> tuple[AdminUnit | None, list[AdminUnit]]:
        """(the unit, []) when one matches; (None, candidates) when several do; (None, []) for none."""
        if typed in self.by_code:
            return self.by_code[typed], []
        if typed.isdigit() and typed.lstrip("0") and typed.zfill(5) in self.by_code:
            return self.by_code[typed.zfill(5)], []
        candidates = self.by_name.get(match_name(typed), [])
        kind = kind_of(typed)
        if len(candidates) > 1 and kind:
            candidates = [u for u in candidates if kind_of(u.name) == kind] or candidates
        if len(candidates) > 1 and district:
            wanted = match_name(district)
            narrowed = [u for u in candidates if u.parent is not None and match_name(u.parent.short_name) == wanted]
            candidates = narrowed or candidates
        if len(candidates) == 1:
            return candidates[0], []
        return None, candidates

    def suggestions(self, typed: str) -> list[AdminUnit]:
        close = difflib.get_close_matches(match_name(typed), self.names, n=3, cutoff=0.6)
        return [u for name in close for u in self.by_name[name]][:5]


def _describe(unit: AdminUnit) -> dict:
    parent = f", {unit.parent.name}" if unit.parent_id and unit.parent else ""
    return {"code": unit.code, "name": unit.name + parent}


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value or "").strip().replace("\u00a0", "").replace(" ", "")
        # "1.234,5" (Vietnamese) and "1,234.5" (English) alike; a lone comma is the decimal mark.
        if "," in text and "." in text:
            text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
        elif "," in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def preview(indicator: Indicator, rows: list[RawRow], *, boundary: BoundaryVersion | None) -> Preview:
    """Match, check and compare the rows; nothing is written."""
    result = Preview()
    counts = defaultdict(int)
    counts["rows"] = len(rows)
    indexes: dict[int, UnitIndex] = {}
    seen: dict[tuple[int, date], int] = {}
    kind = indicator.period_type
    # Every version at once: a 10,000-row file spans hundreds of periods, each asked in memory.
    versions = list(BoundaryVersion.objects.order_by("-valid_from"))

    def problem(row: RawRow, column: str, code: str, message: str, **extra) -> None:
        counts[code] += 1
        if len(result.problems) < PREVIEW_PROBLEMS:
            result.problems.append({"row": row.number, "column": column, "code": code, "message": message, **extra})

    # A file names few periods and units many times over (10,000 rows: 53 weeks × 188 communes): each
    # period, its boundary set and each unit as typed are worked out once.
    starts: dict[str, date | None] = {}
    versions_at: dict[date, BoundaryVersion | None] = {}
    found: dict[tuple[int, str, str], tuple[AdminUnit | None, list[AdminUnit]]] = {}
    for row in rows:
        if row.period not in starts:
            try:
                starts[row.period] = parse_period(row.period, kind)
            except ValueError:
                starts[row.period] = None
        start = starts[row.period]
        if start is None:
            problem(row, "period", "bad_period", _("“%(text)s” is not a period of this indicator (e.g. %(example)s).")
                    % {"text": row.period, "example": EXAMPLES[kind]})
            continue
        if start not in versions_at:
            versions_at[start] = next(
                (v for v in versions if v.valid_from <= start and (v.valid_to is None or start < v.valid_to)), None)
        version = boundary or versions_at[start]
        if version is None or start < version.valid_from or (version.valid_to and start >= version.valid_to):
            problem(row, "period", "period_outside_boundary",
                    _("The period %(period)s is outside the boundary set %(boundary)s.")
                    % {"period": row.period, "boundary": version.code if version else "—"})
            continue
        index = indexes.get(version.pk) or indexes.setdefault(version.pk, UnitIndex(version, indicator.admin_level))
        if not row.unit:
            problem(row, "unit", "unknown_unit", _("The unit is empty."))
            continue
        typed = (version.pk, row.unit, row.district)
        unit, candidates = found.get(typed) or found.setdefault(typed, index.find(row.unit, row.district))
        if unit is None and candidates:
            problem(row, "unit", "ambiguous_unit",
                    _("“%(text)s” names several units: give the GSO code or the district.") % {"text": row.unit},
                    suggestions=[_describe(u) for u in candidates[:5]])
            continue
        if unit is None:
            problem(row, "unit", "unknown_unit",
                    _("No unit “%(text)s” in the boundary set %(boundary)s.") % {"text": row.unit,
                                                                                "boundary": version.code},
                    suggestions=[_describe(u) for u in index.suggestions(row.unit)])
            continue
        value = _number(row.value)
        if value is None:
            problem(row, "value", "bad_value", _("“%(text)s” is not a number.") % {"text": _text(row.value)})
            continue
        low, high = indicator.min_value, indicator.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            problem(row, "value", "out_of_range", _("%(value)s is outside the range %(low)s – %(high)s.")
                    % {"value": value, "low": "−∞" if low is None else low, "high": "∞" if high is None else high})
            continue
        key = (unit.pk, start)
        if key in seen:
            problem(row, "unit", "duplicate", _("Row %(first)d already gives this unit and period.")
                    % {"first": seen[key]})
            continue
        seen[key] = row.number
        counts["matched"] += 1
        result.staged.append([unit.pk, start.isoformat(), value, unit.code])
    _compare(indicator, result, counts)
    result.counts = {k: counts.get(k, 0) for k in SUBMISSION_COUNTS}
    return result


def _compare(indicator: Indicator, result: Preview, counts: dict) -> None:
    """Counts of new, changed and unchanged values against the current ones, and the first changes."""
    if not result.staged:
        return
    # Counted by PostgreSQL, the first changes in the file's order: fetching a row per value to
    # count them in Python cost more than the comparison. The rows go as three arrays, which
    # PostgreSQL reads faster than as many JSON objects.
    units, starts, values, codes = zip(*result.staged)
    with connection.cursor() as cur:
        cur.execute(
            """
            WITH c AS MATERIALIZED (
                SELECT r.n, r.unit_id, r.period_start, r.value AS new, v.value AS old
                  FROM unnest(%(units)s::bigint[], %(starts)s::date[], %(values)s::float8[])
                       WITH ORDINALITY AS r(unit_id, period_start, value, n)
                  LEFT JOIN monitoring_value AS v
                    ON v.indicator_id = %(indicator)s AND v.unit_id = r.unit_id AND v.period_start = r.period_start
            )
            SELECT count(*) FILTER (WHERE c.old IS NULL), count(*) FILTER (WHERE c.old = c.new),
                   count(*) FILTER (WHERE c.old <> c.new),
                   (SELECT coalesce(json_agg(json_build_array(f.n, f.period_start::text, f.old, f.new) ORDER BY f.n),
                                    '[]')::text
                      FROM (SELECT * FROM c WHERE c.old <> c.new ORDER BY c.n LIMIT %(first)s) AS f)
              FROM c
            """,
            {"units": list(units), "starts": list(starts), "values": list(values), "indicator": indicator.pk,
             "first": PREVIEW_CHANGES},
        )
        new, unchanged, changed, first = cur.fetchone()
    counts["new"] += new
    counts["unchanged"] += unchanged
    counts["changed"] += changed
    # float(): JSON writes a whole float8 as 2, which would come back as an int.
    result.changes.extend({"unit": codes[n - 1], "period_start": start, "old": float(old), "new": float(value)}
                          for n, start, old, value in json.loads(first))


# -- the ledger -----------------------------------------------------------------------------------


def submitting_department(indicator: Indicator) -> Department:
    return indicator.service.department


@transaction.atomic
def create_preview(indicator: Indicator, rows: list[RawRow], *, channel: str, file_name: str,
                   boundary: BoundaryVersion | None, user) -> Submission:
    found = preview(indicator, rows, boundary=boundary)
    first = min((date.fromisoformat(p) for _u, p, _v, _c in found.staged), default=None)
    last = max((date.fromisoformat(p) for _u, p, _v, _c in found.staged), default=None)
    version = boundary or (version_at(first) if first else None) or BoundaryVersion.objects.order_by("-valid_from").first()
    return Submission.objects.create(
        indicator=indicator, department=submitting_department(indicator), version=version, channel=channel,
        file_name=file_name[:255], counts=found.counts,
        report={"problems": found.problems, "changes": found.changes},
        rows=[[u, p, v] for u, p, v, _c in found.staged], created_by=user if user and user.is_authenticated else None,
        first_period=first, last_period=last,
    )


def publish(submission_id: int, *, user) -> Submission:
    """Write the submission's rows in one transaction: the values replaced go to the history, the values
    are inserted or updated, the ledger entry says who published it and when, the layer is rewritten."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update(of=("self",)).select_related(
            "indicator__service__department", "indicator__layer").get(pk=submission_id)
        if submission.status != SubmissionStatus.PREVIEW:
            raise SubmissionClosed()
        indicator = submission.indicator
        now = timezone.now()
        kind = indicator.period_type
        # The rows go as arrays (PostgreSQL reads them faster than as many JSON objects), each
        # period's end worked out once.
        units = [u for u, _p, _v in submission.rows]
        starts = [p for _u, p, _v in submission.rows]
        values = [float(v) for _u, _p, v in submission.rows]
        ends_of = {p: period_end(date.fromisoformat(p), kind).isoformat() for p in set(starts)}
        rows = {"units": units, "starts": starts, "values": values}
        with connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO monitoring_valuehistory (indicator_id, unit_id, period_start, value, submission_id,
                                                     submitted_by_id, submitted_at, replaced_by_id, replaced_at)
                SELECT v.indicator_id, v.unit_id, v.period_start, v.value, v.submission_id, v.submitted_by_id,
                       v.submitted_at, %(submission)s, %(now)s
                  FROM unnest(%(units)s::bigint[], %(starts)s::date[], %(values)s::float8[])
                       AS r(unit_id, period_start, value)
                  JOIN monitoring_value AS v
                    ON v.indicator_id = %(indicator)s AND v.unit_id = r.unit_id AND v.period_start = r.period_start
                 WHERE v.value IS DISTINCT FROM r.value
                """,
                {"submission": submission.pk, "now": now, "indicator": indicator.pk, **rows},
            )
            cur.execute(
                """
                INSERT INTO monitoring_value (indicator_id, unit_id, period_start, period_end, value, submission_id,
                                              submitted_by_id, department_id, submitted_at)
                SELECT %(indicator)s, r.unit_id, r.period_start, r.period_end,
                       r.value, %(submission)s, %(user)s, %(department)s, %(now)s
                  FROM unnest(%(units)s::bigint[], %(starts)s::date[], %(values)s::float8[], %(ends)s::date[])
                       AS r(unit_id, period_start, value, period_end)
                ON CONFLICT (indicator_id, unit_id, period_start) DO UPDATE
                   SET value = excluded.value, submission_id = excluded.submission_id,
                       submitted_by_id = excluded.submitted_by_id, department_id = excluded.department_id,
                       submitted_at = excluded.submitted_at
                 WHERE monitoring_value.value IS DISTINCT FROM excluded.value
                """,
                {"indicator": indicator.pk, "ends": [ends_of[p] for p in starts], "submission": submission.pk,
                 "user": user.pk if user and user.is_authenticated else None,
                 "department": submission.department_id, "now": now, **rows},
            )
        submission.status = SubmissionStatus.PUBLISHED
        submission.published_by = user if user and user.is_authenticated else None
        submission.published_at = now
        if submission.last_period is not None:
            submission.due_at = due_at(indicator.service, submission.last_period, period_type=kind)
        submission.rows = []
        submission.save(update_fields=["status", "published_by", "published_at", "due_at", "rows"])
        refresh_features(indicator)
    return submission


def discard(submission_id: int) -> Submission:
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.status != SubmissionStatus.PREVIEW:
            raise SubmissionClosed()
        submission.status = SubmissionStatus.DISCARDED
        submission.rows = []
        submission.save(update_fields=["status", "rows"])
    return submission
