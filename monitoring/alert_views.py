"""Thin HTTP edges of the alert API (/api/alerts/…): parse, ask the one access rule (through
monitoring.rules.visible_rules), call one function, answer in the shapes of monitoring.alert_serializers."""

from collections.abc import Mapping

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.access import Caller
from layers.errors import InvalidParameter, NotFound, PermissionDenied
from monitoring import acknowledgements, alert_layers, params
from monitoring.alert_channels import add_channel, get_own_channel, test_send
from monitoring.alert_queries import AlertFilters, visible_events, visible_states
from monitoring.alert_serializers import (
    AckInput,
    AlertOut,
    ChannelInput,
    ChannelOut,
    EventOut,
    RuleInput,
    RuleOut,
    SilenceInput,
    SilenceOut,
    TrySendOut,
    listing,
)
from monitoring.models import AlertState, AlertStatus, Severity, Silence
from monitoring.rule_edits import InvalidRule, get_visible_rule, own_channels, save_rule, staff
from monitoring.rules import visible_rules

TAGS = ["alerts"]
MAX_LIMIT = 1000


class AlertNotFound(NotFound):
    code = "alert_not_found"


def _signed_in(user: Caller) -> None:
    if not (user is not None and user.is_authenticated and user.is_active):
        raise NotAuthenticated()


def _choices(q: Mapping[str, str], name: str, allowed: list[str]) -> tuple[str, ...]:
    chosen = tuple(v for v in (q.get(name) or "").split(",") if v)
    wrong = [v for v in chosen if v not in allowed]
    if wrong:
        raise InvalidParameter(_("%(name)s must be among: %(allowed)s.") % {"name": name, "allowed": ", ".join(allowed)},
                               fields={name: [_("Unknown value.")]})
    return chosen


def _limit(q: Mapping[str, str], default: int = 200) -> int:
    try:
        limit = int(q.get("limit", default))
    except ValueError:
        raise InvalidParameter(_("limit must be a whole number."), fields={"limit": [_("Not a number.")]}) from None
    return min(max(limit, 1), MAX_LIMIT)


def _filters(q: Mapping[str, str], *, states: bool) -> AlertFilters:
    unit = q.get("unit", "")
    if unit and (not unit.isdigit() or len(unit) > 10):
        raise InvalidParameter(_("unit must be a GSO code."), fields={"unit": [_("Not a code.")]})
    return AlertFilters(states=_choices(q, "state", AlertStatus.values) if states else (),
                        severities=_choices(q, "severity", Severity.values),
                        rule=q.get("rule", ""), unit=unit, service=q.get("service", ""))


FILTER_PARAMS = [
    OpenApiParameter("severity", str, description="info, warning, critical (comma-separated)"),
    OpenApiParameter("rule", str, description="a rule's slug"),
    OpenApiParameter("unit", str, description="an administrative unit's GSO code"),
    OpenApiParameter("service", str, description="a monitoring service's slug"),
    OpenApiParameter("limit", int, description=f"at most this many (1–{MAX_LIMIT}, default 200)"),
]


def _parse(serializer_class, data, *, partial: bool = False) -> dict:
    if not isinstance(data, Mapping):
        raise InvalidRule(_("The body must be a JSON object."), fields={"body": [_("Not an object.")]})
    parsed = serializer_class(data=data, partial=partial)
    if not parsed.is_valid():
        raise InvalidRule(fields=parsed.errors) if serializer_class is RuleInput else \
            InvalidParameter(fields=parsed.errors)
    return dict(parsed.validated_data)


def _rules_of(user: Caller):
    return (visible_rules(user).select_related("layer", "indicator", "boundary")
            .prefetch_related("units", Prefetch("states", queryset=AlertState.objects.defer("geom"))))


class RuleList(APIView):
    @extend_schema(tags=TAGS, summary="The alert rules the caller may see (whoever may see everything a rule names)",
                   responses=listing("rules", RuleOut))
    def get(self, request: Request) -> Response:
        params.only(request.query_params, set())
        rules = RuleOut(_rules_of(request.user), many=True).data
        return Response({"rules": rules, "count": len(rules)})

    @extend_schema(tags=TAGS, summary="Add a rule (staff who may write what it watches)", request=RuleInput,
                   responses={201: RuleOut})
    def post(self, request: Request) -> Response:
        _signed_in(request.user)
        rule = save_rule(request.user, _parse(RuleInput, request.data))
        return Response(RuleOut(_rules_of(request.user).get(pk=rule.pk)).data, status=201)


class RuleDetail(APIView):
    @extend_schema(tags=TAGS, summary="One alert rule", responses=RuleOut)
    def get(self, request: Request, rule_id: int) -> Response:
        params.only(request.query_params, set())
        rule = get_visible_rule(request.user, rule_id)
        return Response(RuleOut(_rules_of(request.user).get(pk=rule.pk)).data)

    @extend_schema(tags=TAGS, summary="Change a rule by the fields sent (staff who may write what it watches)",
                   request=RuleInput(partial=True), responses=RuleOut)
    def patch(self, request: Request, rule_id: int) -> Response:
        _signed_in(request.user)
        rule = get_visible_rule(request.user, rule_id)
        save_rule(request.user, _parse(RuleInput, request.data, partial=True), rule=rule)
        return Response(RuleOut(_rules_of(request.user).get(pk=rule.pk)).data)


class AlertList(APIView):
    @extend_schema(
        tags=TAGS, summary="The current alerts: where each area of each rule the caller may see stands, firing first",
        parameters=[OpenApiParameter("state", str, description="pending, firing, resolved, no_data, error, normal "
                                                               "(comma-separated; default: all but normal)"),
                    *FILTER_PARAMS],
        responses=listing("alerts", AlertOut))
    def get(self, request: Request) -> Response:
        q = request.query_params
        params.only(q, {"state", "severity", "rule", "unit", "service", "limit"})
        states = visible_states(request.user, _filters(q, states=True))[:_limit(q)]
        alerts = AlertOut(states, many=True).data
        return Response({"alerts": alerts, "count": len(alerts)})


class EventList(APIView):
    @extend_schema(
        tags=TAGS, summary="The alert history: each firing from fire to resolve, newest first",
        parameters=[OpenApiParameter("open", bool, description="true: still firing; false: resolved"), *FILTER_PARAMS],
        responses=listing("events", EventOut))
    def get(self, request: Request) -> Response:
        q = request.query_params
        params.only(q, {"open", "severity", "rule", "unit", "service", "limit"})
        if q.get("open", "") not in ("", "true", "false"):
            raise InvalidParameter(_("open must be true or false."), fields={"open": [_("Not a boolean.")]})
        open_only = {"true": True, "false": False}.get(q.get("open", ""))
        events = visible_events(request.user, _filters(q, states=False), open_only=open_only)[:_limit(q)]
        data = EventOut(events, many=True).data
        return Response({"events": data, "count": len(data)})


class AlertAck(APIView):
    @extend_schema(tags=TAGS, summary="Acknowledge a firing (staff): who, when and a note; reminders stop",
                   description="`id` is the event's (an alert's `event`). Acknowledging twice keeps the first.",
                   request=AckInput, responses=EventOut)
    def post(self, request: Request, event_id: int) -> Response:
        if not visible_events(request.user).filter(pk=event_id).exists():
            raise AlertNotFound()
        _signed_in(request.user)
        body = request.data if isinstance(request.data, Mapping) else None
        if body is None:
            raise InvalidParameter(_("The body must be a JSON object."), fields={"body": [_("Not an object.")]})
        note = _parse(AckInput, body)["note"]
        event = acknowledgements.acknowledge(request.user, event_id, note=note)
        alert_layers.refresh_for(event.rule)
        return Response(EventOut(visible_events(request.user).get(pk=event.pk)).data)


class SilenceList(APIView):
    @extend_schema(tags=TAGS, summary="The silences still running, of the rules the caller may see",
                   responses=listing("silences", SilenceOut))
    def get(self, request: Request) -> Response:
        params.only(request.query_params, set())
        silences = (Silence.objects.filter(rule__in=visible_rules(request.user), ends_at__gt=timezone.now())
                    .select_related("rule", "created_by"))
        data = SilenceOut(silences, many=True).data
        return Response({"silences": data, "count": len(data)})

    @extend_schema(tags=TAGS, summary="Mute a rule, or one area of it, until a time, with a reason (staff)",
                   request=SilenceInput, responses={201: SilenceOut})
    def post(self, request: Request) -> Response:
        _signed_in(request.user)
        data = _parse(SilenceInput, request.data)
        rule = visible_rules(request.user).filter(slug=data["rule"]).first()
        if rule is None:
            raise NotFound(code="rule_not_found")
        made = acknowledgements.silence(request.user, rule, ends_at=data["until"], reason=data["reason"],
                                        area_key=data["area"])
        return Response(SilenceOut(made).data, status=201)


class ChannelList(APIView):
    @extend_schema(tags=TAGS, summary="The caller's webhook channels (staff; a superuser: all), never their secrets",
                   responses=listing("channels", ChannelOut))
    def get(self, request: Request) -> Response:
        _signed_in(request.user)
        params.only(request.query_params, set())
        data = ChannelOut(own_channels(request.user), many=True).data
        return Response({"channels": data, "count": len(data)})

    @extend_schema(tags=TAGS, summary="Add a webhook channel of the caller's (staff)", request=ChannelInput,
                   responses={201: ChannelOut})
    def post(self, request: Request) -> Response:
        _signed_in(request.user)
        if not staff(request.user):
            raise PermissionDenied()
        data = _parse(ChannelInput, request.data)
        return Response(ChannelOut(add_channel(request.user, **data)).data, status=201)


class ChannelTest(APIView):
    @extend_schema(tags=TAGS, summary="Send a signed test message to one of the caller's webhook channels now",
                   request=None, responses=TrySendOut)
    def post(self, request: Request, channel_id: int) -> Response:
        _signed_in(request.user)
        tried = test_send(get_own_channel(request.user, channel_id))
        return Response(TrySendOut(tried).data)

