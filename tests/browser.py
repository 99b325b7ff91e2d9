"""Headless Debian Chromium driven by Playwright, with every request that would leave 127.0.0.1
blocked and recorded, so a test can assert the page needs no internet."""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from django.db import connections

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# The flags Debian's Chromium needs as root in a container, and none that phone home.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
]


# The module's one Playwright driver and Chromium, started by the first page a test opens (launching
# Chromium costs seconds; a new context per page keeps the tests apart: cookies, storage, cache).
# Per module, not per session: while the driver runs, this thread looks like it runs an asyncio
# loop, which changes how Django and asyncio behave for the tests that come after.
_session: dict = {}


def shared_browser():
    """Chromium for this module's tests, launched on first use (again if it has gone away)."""
    from playwright.sync_api import sync_playwright

    browser = _session.get("browser")
    if browser is None or not browser.is_connected():
        if "playwright" not in _session:
            # Playwright's sync API runs an event loop in this thread; the Django test client and ORM
            # calls made between page actions are still synchronous and safe.
            os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
            _session["playwright"] = sync_playwright().start()
        _session["browser"] = _session["playwright"].chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                                     headless=True)
    return _session["browser"]


def close_shared_browser() -> None:
    """At the end of a module (tests/conftest.py): Chromium and the driver go, if they were started.

    While the driver runs, its event loop counts as running in this thread, so Django keeps the
    thread's database connections in a storage of their own (asgiref.local.Local): close those
    before the loop stops, or they would stay open, unseen, until the process ends."""
    if browser := _session.pop("browser", None):
        browser.close()
    if playwright := _session.pop("playwright", None):
        connections.close_all()
        playwright.stop()


@contextmanager
def offline_page(viewport=(1366, 768), locale="vi-VN", csp=False):
    """Yields (page, outside_requests): a page in a browser context of its own, in the session's
    Chromium. Requests to other hosts are aborted and listed.

    The pages' Content-Security-Policy is enforced only with csp=True (tests/test_csp_in_browser.py):
    Playwright's wait_for_function polls its predicate with eval inside the page, which the policy
    rightly forbids."""
    outside: list[str] = []
    context = shared_browser().new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale,
                                           bypass_csp=not csp)

    def guard(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    try:
        yield context.new_page(), outside
    finally:
        context.close()


@contextmanager
def live_server_page(**options):
    """offline_page, closing the database connections opened inside it: Django keeps connections per
    context, and Playwright's sync API runs the block in a context of its own, so a query made there
    (the ORM, the test client) opens a connection the test's teardown would never see. For tests on
    the live server (transactional): a test inside one transaction must not close its connection."""
    with offline_page(**options) as (page, outside):
        try:
            yield page, outside
        finally:
            connections.close_all()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
