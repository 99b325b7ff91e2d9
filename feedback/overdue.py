"""Reports become overdue as the clock passes their deadlines, with no request to notice it: this
flips their `overdue` flag and their features together (one version bump), run every minute by beat."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from feedback import layer
from feedback.models import OPEN_STATUSES, Report


def flag_overdue(*, now: datetime) -> int:
    """Mark the open reports whose deadline passed; returns how many changed."""
    with transaction.atomic():
        late = (Report.objects.select_for_update(skip_locked=True, of=("self",)).select_related("category", "department")
                .filter(status__in=OPEN_STATUSES, overdue=False)
                .filter(Q(resolve_due__lt=now) | Q(acknowledged_at__isnull=True, acknowledge_due__lt=now)))
        reports = list(late)
        if not reports:
            return 0
        Report.objects.filter(pk__in=[r.pk for r in reports]).update(overdue=True)
        for report in reports:
            report.overdue = True
        layer.publish(reports)
    return len(reports)
