from django.urls import re_path

from feedback import open311_views as views

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^v2/discovery" + FMT, views.Discovery.as_view(), name="open311-discovery"),
    re_path(r"^v2/services" + FMT, views.Services.as_view(), name="open311-services"),
    re_path(r"^v2/services/(?P<code>[-\w]{1,40})" + FMT, views.ServiceDefinition.as_view(), name="open311-service"),
    re_path(r"^v2/requests" + FMT, views.Requests.as_view(), name="open311-requests"),
    re_path(r"^v2/requests/(?P<request_id>[-\w]{1,40})" + FMT, views.RequestDetail.as_view(),
            name="open311-request"),
    re_path(r"^v2/tokens/(?P<token>[-\w]{1,64})" + FMT, views.TokenDetail.as_view(), name="open311-token"),
]
