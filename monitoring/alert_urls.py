from django.urls import path

from monitoring import alert_views

urlpatterns = [
    path("", alert_views.AlertList.as_view(), name="alert-list"),
    path("events/", alert_views.EventList.as_view(), name="alert-events"),
    path("rules/", alert_views.RuleList.as_view(), name="alert-rules"),
    path("rules/<int:rule_id>/", alert_views.RuleDetail.as_view(), name="alert-rule"),
    path("silences/", alert_views.SilenceList.as_view(), name="alert-silences"),
    path("channels/", alert_views.ChannelList.as_view(), name="alert-channels"),
    path("channels/<int:channel_id>/test", alert_views.ChannelTest.as_view(), name="alert-channel-test"),
    path("<int:event_id>/ack", alert_views.AlertAck.as_view(), name="alert-ack"),
]
