"""Thin edges of Open311 GeoReport v2 at /open311/v2/: parse, call one function, answer in the URL's
format (.json or .xml) — errors too, in the spec's error list (feedback.open311.errors)."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.views import APIView

from feedback import open311, workflow
from feedback.errors import RequestNotFound, ServiceNotFound
from feedback.models import Category, Report
from feedback.status_links import status_url
from layers.errors import ApiError, AuthenticationFailed, drf_exception_handler
from layers.tokens import TokenAuthentication, user_for_key

_FMT = OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["json", "xml"], description="json or xml")


class Open311View(APIView):
    """Answers in the format the URL names; every error as the spec's list.

    Left out of /api/schema/: GeoReport v2 is its own standard (JSON and XML, errors as its list, not
    our error shape), described by /open311/v2/discovery and the spec that its clients are written
    against, as /ogc/ is described by /ogc/api."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]

    def answer(self, data, fmt: str, *, root: str, item: str, status: int = 200) -> HttpResponse:
        return HttpResponse(open311.render(data, fmt, root=root, item=item), status=status,
                            content_type=open311.FORMATS[fmt])

    def handle_exception(self, exc: Exception) -> HttpResponse:
        fmt = self.kwargs.get("fmt", "json")
        if not isinstance(exc, ApiError):
            response = drf_exception_handler(exc, {"view": self, "request": self.request}) if isinstance(
                exc, APIException) else None
            if response is None:
                raise exc
            exc = ApiError(response.data.get("detail"), code=response.data.get("code", "invalid_request"))
        response = self.answer(open311.errors(exc), fmt, root="errors", item="error", status=exc.status_code)
        if exc.status_code == 401:
            response["WWW-Authenticate"] = "Token"
        return response


class Discovery(Open311View):
    @extend_schema(exclude=True, parameters=[_FMT], summary="Open311 discovery", responses={200: dict})
    def get(self, request: Request, fmt: str) -> HttpResponse:
        return self.answer(open311.discovery(request.build_absolute_uri("/open311/v2/")), fmt,
                           root="discovery", item="discovery")


class Services(Open311View):
    @extend_schema(exclude=True, parameters=[_FMT], summary="Open311 services: the 1022 categories", responses={200: dict})
    def get(self, request: Request, fmt: str) -> HttpResponse:
        services = [open311.service(c) for c in Category.objects.filter(active=True)]
        return self.answer(services, fmt, root="services", item="service")


class ServiceDefinition(Open311View):
    @extend_schema(exclude=True, parameters=[_FMT], summary="Open311 service definition (attributes)", responses={200: dict})
    def get(self, request: Request, code: str, fmt: str) -> HttpResponse:
        category = Category.objects.filter(code=code, active=True).first()
        if category is None:
            raise ServiceNotFound()
        return self.answer(open311.service_definition(category), fmt, root="service_definition", item="")


class Requests(Open311View):
    parser_classes = [FormParser, MultiPartParser]

    @extend_schema(exclude=True, parameters=[_FMT, *(OpenApiParameter(n, str) for n in (
        "service_request_id", "service_code", "start_date", "end_date", "status", "bbox"))],
        summary="Open311 reports (public view; the feedback layer's access rule)", responses={200: dict})
    def get(self, request: Request, fmt: str) -> HttpResponse:
        asked = open311.parse_request_query(request.query_params)
        return self.answer(open311.requests(asked, user=request.user), fmt, root="service_requests", item="request")

    # An app posts with its key (`api_key`, or the Token header); a signed-in 1022 operator's browser
    # session may post too (DRF checks its CSRF token).
    @extend_schema(exclude=True, parameters=[_FMT], summary="Open311: post a report (api_key = an app account's token)",
                   request={"application/x-www-form-urlencoded": dict, "multipart/form-data": dict},
                   responses={201: dict})
    def post(self, request: Request, fmt: str) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        key = request.data.get("api_key", "").strip()
        if key:
            user = user_for_key(key)
        if user is None:
            raise AuthenticationFailed("api_key is required: the token of an app account.",
                                       code="not_authenticated")
        intake = open311.parse_report(request.data, request.FILES, user=user)
        report = workflow.submit(intake, account=user)
        body = [{"service_request_id": report.service_request_id, "token": report.token,
                 "service_notice": status_url(request, report), "account_id": ""}]
        return self.answer(body, fmt, root="service_requests", item="request", status=201)


class RequestDetail(Open311View):
    @extend_schema(exclude=True, parameters=[_FMT], summary="Open311: one report", responses={200: dict})
    def get(self, request: Request, request_id: str, fmt: str) -> HttpResponse:
        found = open311.requests(open311.RequestQuery(ids=[request_id], codes=None, start=None, end=None,
                                                      statuses=None, bbox=None), user=request.user)
        if not found:
            raise RequestNotFound()
        return self.answer(found, fmt, root="service_requests", item="request")


class TokenDetail(Open311View):
    @extend_schema(exclude=True, parameters=[_FMT], summary="Open311: the report id of a token", responses={200: dict})
    def get(self, request: Request, token: str, fmt: str) -> HttpResponse:
        found = open311.by_token(Report.objects.filter(token=token).values_list("pk", "token"))
        if not found:
            raise RequestNotFound()
        return self.answer(found, fmt, root="service_requests", item="request")
