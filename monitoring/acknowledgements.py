"""What operators do to alerts: acknowledge a firing (who, when, a note) and silence a rule or one of
its areas until a time, with a reason. Both ask the one access rule through monitoring.rules.
visible_rules: staff who may see the rule; anything else answers like an unknown alert."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from layers.access import Caller
from layers.errors import InvalidParameter, NotFound, PermissionDenied
from monitoring.models import AlertEvent, AlertRule, Silence
from monitoring.rules import visible_rules

NOTE_MAX = 500


def visible_events(user: Caller) -> QuerySet[AlertEvent]:
    return AlertEvent.objects.filter(rule__in=visible_rules(user))


def _staff(user: Caller) -> None:
    if not (user is not None and user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser)):
        raise PermissionDenied()


def acknowledge(user: Caller, event_id: int, *, note: str = "") -> AlertEvent:
    """Mark a firing acknowledged (reminders stop); acknowledging twice keeps the first who and when."""
    event = visible_events(user).filter(pk=event_id).first()
    if event is None:
        raise NotFound()
    _staff(user)
    if len(note) > NOTE_MAX:
        raise InvalidParameter(fields={"note": [f"At most {NOTE_MAX} characters."]})
    AlertEvent.objects.filter(pk=event.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=user, acknowledged_at=timezone.now(), acknowledge_note=note)
    event.refresh_from_db()
    return event


def silence(user: Caller, rule: AlertRule, *, ends_at: datetime, reason: str, area_key: str = "") -> Silence:
    if not visible_rules(user).filter(pk=rule.pk).exists():
        raise NotFound()
    _staff(user)
    if ends_at <= timezone.now() or not reason.strip() or len(reason) > NOTE_MAX:
        raise InvalidParameter(fields={"ends_at": ["A time to come."], "reason": ["A reason of 1 to 500 characters."]})
    return Silence.objects.create(rule=rule, area_key=area_key, ends_at=ends_at, reason=reason.strip(), created_by=user)


def silenced(rule: AlertRule, area_key: str, *, now: datetime) -> bool:
    """Whether notifications of this area of the rule are muted at `now`."""
    return Silence.objects.filter(rule=rule, area_key__in=["", area_key], ends_at__gt=now).exists()


def silenced_areas(rule: AlertRule, *, now: datetime) -> set[str]:
    """The area keys of the rule muted at `now` ("" for all of them), in one query: a notification
    about many areas asks once, not once an area."""
    return set(Silence.objects.filter(rule=rule, ends_at__gt=now).values_list("area_key", flat=True))
