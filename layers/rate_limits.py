"""Rate limits of the heavy endpoints (summaries, exports, search), per caller, on Django's cache
(Redis, a database of its own: settings.CACHES).

A caller is its account when signed in (a higher limit: RATE_LIMIT_<SCOPE>_SIGNED_IN), else its
address (RATE_LIMIT_<SCOPE>_ANONYMOUS). A window of RATE_LIMIT_WINDOW_SECONDS opens with a caller's
first request and counts with an atomic INCR; past the limit the answer is 429 `throttled` with
Retry-After (the window's length: the most a caller waits). A limit of 0 turns a scope off.

When Redis is down the limits fail open: these are reads, and a read that works beats a read refused
because the counter cannot be reached (tiles behave the same). The failure is logged.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from redis import RedisError
from rest_framework.throttling import BaseThrottle

log = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or with RATE_LIMIT_TRUSTED_PROXIES = n > 0 the address the n-th proxy from us
    saw (n-th from the right of X-Forwarded-For): what a client writes there itself is left of it."""
    proxies = settings.RATE_LIMIT_TRUSTED_PROXIES
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if not forwarded:
        return remote
    return forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]


def count_hit(key: str, window: int) -> int:
    """This hit's number in the window of `key` (which opens with the first hit). Raises RedisError."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this hit opens a new window
        cache.add(key, 1, timeout=window)
        return 1


def caller_key(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "addr:" + hashlib.sha256(client_address(request).encode()).hexdigest()[:32]


class HeavyRequestThrottle(BaseThrottle):
    scope = ""  # summary, export, search: RATE_LIMIT_<SCOPE>_ANONYMOUS / _SIGNED_IN

    def allow_request(self, request, view) -> bool:
        signed_in = request.user.is_authenticated
        limit = getattr(settings, f"RATE_LIMIT_{self.scope.upper()}_{'SIGNED_IN' if signed_in else 'ANONYMOUS'}")
        if limit <= 0:
            return True
        window = settings.RATE_LIMIT_WINDOW_SECONDS
        try:
            count = count_hit(f"ratelimit:{self.scope}:{caller_key(request)}", window)
        except RedisError as exc:
            log.warning("rate limit %s not checked, its cache is unreachable: %s", self.scope, type(exc).__name__)
            return True
        return count <= limit

    def wait(self) -> float:
        return float(settings.RATE_LIMIT_WINDOW_SECONDS)


class SummaryThrottle(HeavyRequestThrottle):
    scope = "summary"


class ExportThrottle(HeavyRequestThrottle):
    scope = "export"


class SearchThrottle(HeavyRequestThrottle):
    scope = "search"
