"""Beat runs every app's periodic work: one schedule that each app's settings add to. (Three apps once
assigned it in turn and only the last one's task ran: imports kept while Redis was down were never
sent again, overdue 1022 reports were never flagged.)"""

from django.conf import settings

from geo_ioc.celery import app


def test_the_schedule_holds_the_periodic_task_of_every_app_and_each_is_a_registered_task():
    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"layers.sweep", "layers.requeue_imports", "feedback.flag_overdue", "monitoring.evaluate_alerts"} <= tasks
    assert tasks <= set(app.tasks)
