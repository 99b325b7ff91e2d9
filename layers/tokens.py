"""API tokens for apps: `Authorization: Token <key>`. Only a SHA-256 digest of a key is stored,
so a database dump does not hand out working credentials."""

import functools
import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model, logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connections
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication

from layers.access import remember_group_ids
from layers.errors import AuthenticationFailed, error_response
from layers.models import ApiToken
from layers.replicas import PRIMARY

KEYWORD = "Token"
# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(user: AbstractBaseUser, *, name: str = "") -> str:
    """Create a token for `user` and return its key. The key is shown once and never stored."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=key[:8], digest=_digest(key))
    return key


def user_for_key(key: str) -> AbstractBaseUser:
    return token_for_key(key).user


@functools.cache
def _token_statement() -> tuple[str, list[str], list[str]]:
    """The token of a digest and its user (every column of both, as the ORM would select them) and
    the user's group ids, in one plain statement: asked on every request an app makes, and the ORM's
    select_related form cost ~1 ms of CPU to build, several times the statement's own time; the
    access rule asks for the groups next (layers.access), which cost a statement and ~1 ms more. The
    primary answers (as the replica router sends token reads there: a token just made is not yet on a
    replica)."""
    token, user = ApiToken._meta, get_user_model()._meta
    groups = user.get_field("groups").remote_field.through._meta
    qn = connections[PRIMARY].ops.quote_name
    member, group = (qn(groups.get_field(name).column) for name in ("user", "group"))
    columns = [f"t.{qn(f.column)}" for f in token.concrete_fields] + [f"u.{qn(f.column)}" for f in user.concrete_fields]
    columns.append(f"ARRAY(SELECT g.{group} FROM {qn(groups.db_table)} AS g"
                   f" WHERE g.{member} = u.{qn(user.pk.column)} ORDER BY 1)")
    statement = (f"SELECT {', '.join(columns)} FROM {qn(token.db_table)} AS t"
                 f" JOIN {qn(user.db_table)} AS u ON u.{qn(user.pk.column)} = t.{qn(token.get_field('user').column)}"
                 f" WHERE t.{qn(token.get_field('digest').column)} = %s")
    return statement, [f.attname for f in token.concrete_fields], [f.attname for f in user.concrete_fields]


def _token_of_digest(digest: str) -> ApiToken | None:
    statement, token_fields, user_fields = _token_statement()
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute(statement, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    token = ApiToken.from_db(PRIMARY, token_fields, row[:len(token_fields)])
    token.user = get_user_model().from_db(PRIMARY, user_fields, row[len(token_fields):-1])
    remember_group_ids(token.user, row[-1])
    return token


def token_for_key(key: str) -> ApiToken:
    token = _token_of_digest(_digest(key))
    if token is None or not token.user.is_active:
        raise AuthenticationFailed(_("The API token is not valid. Ask for a new one with create_api_token."))
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# A browser session opened with a token (a wall display) carries the token's id under this key: it
# lives as long as the token does (layers.tokens.TokenMiddleware ends it once the token is deleted).
SESSION_TOKEN_KEY = "_geo_ioc_token_id"


def session_outlived_its_token(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    token_id = session.get(SESSION_TOKEN_KEY) if session is not None else None
    return token_id is not None and not ApiToken.objects.filter(pk=token_id).exists()


def key_from_header(request: HttpRequest) -> str | None:
    """The key of an `Authorization: Token <key>` header, None when there is no such header."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, key = header.partition(" ")
    if scheme != KEYWORD:
        return None
    key = key.strip()
    if not key or " " in key:
        raise AuthenticationFailed(_("The Authorization header must be 'Token <key>'."))
    return key


# The key TokenMiddleware checked and its user, kept on the request for TokenAuthentication.
_CHECKED = "_geo_ioc_checked_token"


class TokenAuthentication(authentication.BaseAuthentication):
    """DRF authentication for apps."""

    def authenticate(self, request):
        key = key_from_header(request)
        if key is None:
            return None
        # TokenMiddleware checked this key a moment ago on the same request: its user, not a second lookup.
        checked = getattr(request._request, _CHECKED, None)
        if checked is not None and checked[0] == key:
            return checked[1], None
        return user_for_key(key), None

    def authenticate_header(self, request) -> str:
        return KEYWORD


class TokenMiddleware:
    """The same token check for plain Django views (tiles, exports, pages), after the session middleware.

    A request with a token header is authenticated by the token alone; a bad token is a 401.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        try:
            key = key_from_header(request)
            if key is not None:
                user = user_for_key(key)
                request.user = SimpleLazyObject(lambda: user)
                setattr(request, _CHECKED, (key, user))
                # Token callers are apps, not browsers: no CSRF cookie is involved.
                request._dont_enforce_csrf_checks = True
            elif session_outlived_its_token(request):
                logout(request)
        except AuthenticationFailed as exc:
            response = error_response(exc.detail, exc.code, exc.status_code)
            response["WWW-Authenticate"] = KEYWORD
            return response
        return self.get_response(request)


class TokenScheme(OpenApiAuthenticationExtension):
    """Describes the token header in the OpenAPI schema (and the docs page's Authorize dialog)."""

    target_class = "layers.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <key>`; create a key with `manage.py create_api_token <username>`."}
