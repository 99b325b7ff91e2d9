from celery import shared_task
from django.utils import timezone

from feedback.overdue import flag_overdue


@shared_task(name="feedback.flag_overdue")
def flag_overdue_task() -> int:
    return flag_overdue(now=timezone.now())
