"""Sign-in lock-out: after LOGIN_LOCKOUT_ACCOUNT_FAILURES failed sign-ins for one account, or
LOGIN_LOCKOUT_ADDRESS_FAILURES from one address, within LOGIN_LOCKOUT_SECONDS, sign-in is refused
until that window ends, even with the right password (so guessing gains nothing). A successful
sign-in clears the account's count. Counted in Django's cache (layers.rate_limits); a limit of 0 is
off; with Redis down nobody is locked out (logged), as the rate limits fail open.

Both password forms go through it: /accounts/login/ (LoginView) and /admin/login/ (the admin's
form). The API has no password path (sessions come from these pages, apps use tokens).
"""

import hashlib
import logging

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest
from redis import RedisError

from layers.errors import LoginLocked
from layers.rate_limits import client_address, count_hit

log = logging.getLogger(__name__)


def _keys(request: HttpRequest | None, username: str | None) -> list[tuple[str, int]]:
    """(cache key, limit) of each dimension that is on and known."""
    keys = []
    if username and settings.LOGIN_LOCKOUT_ACCOUNT_FAILURES > 0:
        digest = hashlib.sha256(username.casefold().encode()).hexdigest()[:32]
        keys.append((f"signin:account:{digest}", settings.LOGIN_LOCKOUT_ACCOUNT_FAILURES))
    if request is not None and settings.LOGIN_LOCKOUT_ADDRESS_FAILURES > 0:
        digest = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
        keys.append((f"signin:address:{digest}", settings.LOGIN_LOCKOUT_ADDRESS_FAILURES))
    return keys


def is_locked(request: HttpRequest | None, username: str | None) -> bool:
    keys = _keys(request, username)
    if not keys:
        return False
    try:
        counts = cache.get_many([key for key, _limit in keys])
    except RedisError as exc:
        log.warning("sign-in lock-out not checked, its cache is unreachable: %s", type(exc).__name__)
        return False
    return any(counts.get(key, 0) >= limit for key, limit in keys)


@receiver(user_login_failed, dispatch_uid="geo_ioc.sign_in.failed")
def _count_failure(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    try:
        for key, _limit in _keys(request, credentials.get("username")):
            count_hit(key, settings.LOGIN_LOCKOUT_SECONDS)
    except RedisError as exc:
        log.warning("failed sign-in not counted, the cache is unreachable: %s", type(exc).__name__)


@receiver(user_logged_in, dispatch_uid="geo_ioc.sign_in.succeeded")
def _clear_account(sender, request: HttpRequest | None, user, **kwargs) -> None:
    keys = _keys(None, user.get_username())
    try:
        cache.delete_many([key for key, _limit in keys])
    except RedisError as exc:
        log.warning("sign-in count not cleared, the cache is unreachable: %s", type(exc).__name__)


class _LockOut:
    """Refuses before the password is checked when the account or the address is locked out."""

    login_locked = False

    def clean(self):
        if is_locked(self.request, self.data.get("username")):
            self.login_locked = True
            raise forms.ValidationError(LoginLocked.default_detail, code=LoginLocked.code)
        return super().clean()


class LoginForm(_LockOut, AuthenticationForm):
    pass


class AdminLoginForm(_LockOut, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    """/accounts/login/: a locked-out attempt answers 429, the page saying why (vi/en)."""

    authentication_form = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.login_locked:
            response.status_code = LoginLocked.status_code
            response["Retry-After"] = str(settings.LOGIN_LOCKOUT_SECONDS)
        return response
