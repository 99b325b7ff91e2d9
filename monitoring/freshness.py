"""When an indicator's data is due, whether it is late, and how often each department is on time.

The data of a period is due after the period, by the service's due rule (monitoring.models.Service):
daily the same day at `due_hour`; weekly on weekday `due_day` of the next week; monthly, quarterly
and yearly on day `due_day` of the month after the period — all at `due_hour`, Việt Nam time.

An indicator is "fresh" when its last due period has values, "late" when that one is missing, and
"stale" when the one before it is missing too.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from layers.models import Department
from monitoring.models import DueRule, Indicator, PeriodType, Service, SubmissionStatus, Value
from monitoring.periods import label, period_end, period_start

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
FRESH, LATE, STALE = "fresh", "late", "stale"
STATES = (FRESH, LATE, STALE)  # from the best to the worst


def due_at(service: Service, start: date, *, period_type: str) -> datetime:
    """When the data of the period starting on `start` is due."""
    end = period_end(start, period_type)
    if service.due_rule == DueRule.DAILY or period_type == PeriodType.DAY:
        day = start if service.due_rule == DueRule.DAILY else end
    elif service.due_rule == DueRule.WEEKLY:
        day = end + timedelta(days=(service.due_day - end.weekday()) % 7)
    else:
        day = end.replace(day=max(1, service.due_day))
    return datetime.combine(day, time(service.due_hour), tzinfo=LOCAL)


def last_due_period(service: Service, *, period_type: str, now: datetime) -> date:
    """The start of the latest period whose data is due by `now`."""
    start = period_start(now.astimezone(LOCAL).date(), period_type)
    while due_at(service, start, period_type=period_type) > now:
        start = _previous(start, period_type)
    return start


def _previous(start: date, period_type: str) -> date:
    return period_start(start - timedelta(days=1), period_type)


@dataclass(frozen=True)
class Freshness:
    state: str  # fresh | late | stale
    latest_period: str | None
    last_due_period: str
    next_due_period: str
    next_due_at: datetime

    def as_dict(self) -> dict:
        return {"state": self.state, "latest_period": self.latest_period, "last_due_period": self.last_due_period,
                "next_due_period": self.next_due_period, "next_due_at": self.next_due_at.isoformat()}


def freshness_of(indicator: Indicator, *, latest: date | None, now: datetime | None = None) -> Freshness:
    """The freshness of `indicator` whose latest period with values starts on `latest`."""
    now = now or timezone.now()
    kind = indicator.period_type
    due = last_due_period(indicator.service, period_type=kind, now=now)
    following = period_end(due, kind)
    if latest is not None and latest >= due:
        state = FRESH
    elif latest is not None and latest >= _previous(due, kind):
        state = LATE
    else:
        state = STALE
    return Freshness(
        state=state,
        latest_period=label(latest, kind) if latest else None,
        last_due_period=label(due, kind),
        next_due_period=label(following, kind),
        next_due_at=due_at(indicator.service, following, period_type=kind),
    )


def latest_periods(indicators) -> dict[int, date]:
    """{indicator id: the start of its latest period with a value}, in one query."""
    rows = Indicator.objects.filter(pk__in=[i.pk for i in indicators]).annotate(latest=Max("values__period_start"))
    return {row.pk: row.latest for row in rows if row.latest is not None}


def worst(states: list[str]) -> str:
    return max(states, key=STATES.index) if states else FRESH


def on_time_kpi(*, now: datetime | None = None) -> list[dict]:
    """Per department: published submissions and how many came by their due time, this month and this
    year (Việt Nam time)."""
    now = (now or timezone.now()).astimezone(LOCAL)
    month_start = datetime(now.year, now.month, 1, tzinfo=LOCAL)
    year_start = datetime(now.year, 1, 1, tzinfo=LOCAL)
    published = Q(monitoring_submissions__status=SubmissionStatus.PUBLISHED,
                  monitoring_submissions__published_at__lte=now)
    on_time = Q(monitoring_submissions__published_at__lte=F("monitoring_submissions__due_at"))
    rows = []
    departments = Department.objects.filter(monitoring_services__isnull=False).distinct().order_by("code")
    for span, since in (("month", month_start), ("year", year_start)):
        counted = departments.annotate(
            total=Count("monitoring_submissions", filter=published & Q(monitoring_submissions__published_at__gte=since)),
            on_time=Count("monitoring_submissions", filter=published & on_time
                          & Q(monitoring_submissions__published_at__gte=since)),
        )
        for department in counted:
            rows.append((department, span, department.total, department.on_time))
    by_department: dict[int, dict] = {}
    for department, span, total, punctual in rows:
        entry = by_department.setdefault(department.pk, {
            "department": {"code": department.code, "name_vi": department.name_vi, "name_en": department.name_en},
        })
        entry[span] = {"submissions": total, "on_time": punctual,
                       "on_time_rate": round(100.0 * punctual / total, 1) if total else None}
    return list(by_department.values())



def hours_late(indicators, *, now: datetime) -> dict[int, float]:
    """{indicator id: hours since the data of its first missing due period was due} (0 when its
    last due period has values): the value of a freshness alert rule. An indicator without any
    value is late since its last due period. Values are read as they stood at `now` (published by
    then), so a simulated clock replays history."""
    indicators = list(indicators)
    # Per indicator, its periods newest first (the value_indicator_period index) down to the first
    # one submitted by `now`: a few rows each, where max() over a filter read all 434,000 demo values.
    newest = (Value.objects.filter(indicator=OuterRef("pk"), submitted_at__lte=now)
              .order_by("-period_start").values("period_start")[:1])
    latest = dict(
        Indicator.objects.filter(pk__in=[i.pk for i in indicators])
        .annotate(latest=Subquery(newest)).values_list("pk", "latest")
    )
    late = {}
    for indicator in indicators:
        kind = indicator.period_type
        due = last_due_period(indicator.service, period_type=kind, now=now)
        have = latest.get(indicator.pk)
        if have is not None and have >= due:
            late[indicator.pk] = 0.0
            continue
        missing = period_end(have, kind) if have is not None else due
        since = due_at(indicator.service, missing, period_type=kind)
        late[indicator.pk] = round(max(0.0, (now - since).total_seconds() / 3600), 2)
    return late
