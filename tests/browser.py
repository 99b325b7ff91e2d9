"""Headless Debian Chromium driven by Playwright, with every request that would leave 127.0.0.1
refused by the browser itself and recorded, so a test can assert the page needs no internet."""

import os
import shutil
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from django.db import connections

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
# A proxy nobody listens on: every request to another host fails at once inside Chromium, while
# loopback addresses bypass proxies (Chromium's implicit rule), so the live server answers as usual.
# No request waits on the test's thread, as Playwright's request interception (route) would have
# every one of them do: under load that interception of MapLibre's workers' tile requests is where
# the dashboard was seen waiting for ever (issue #13's suite, stop 22; CI of stop 23).
DEAD_PROXY = "http://127.0.0.1:9"
# The flags Debian's Chromium needs as root in a container, and none that phone home.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    f"--proxy-server={DEAD_PROXY}",
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
def offline_page(viewport=(1366, 768), locale="vi-VN", csp=False, scale=1.0):
    """Yields (page, outside_requests): a page in a browser context of its own, in the session's
    Chromium. Requests to other hosts are listed (and fail: CHROMIUM_ARGS's dead proxy).

    The pages' Content-Security-Policy is enforced only with csp=True (tests/test_csp_in_browser.py):
    Playwright's wait_for_function polls its predicate with eval inside the page, which the policy
    rightly forbids.

    `scale`: device pixels per CSS pixel. The page lays out in `viewport` CSS pixels whatever it is;
    0.5 has software WebGL fill a quarter of the pixels of a 9600 × 5400 wall (tests of what is
    shown and where, not of fine pixels)."""
    outside: list[str] = []
    context = shared_browser().new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale,
                                           bypass_csp=not csp, device_scale_factor=scale)

    def watch(request) -> None:
        url = request.url
        if not url.startswith(("data:", "blob:")) and urlparse(url).hostname not in LOCAL_HOSTS:
            outside.append(url)

    # Listened to, not intercepted: the context's requests include its pages' workers' (the tiles).
    context.on("request", watch)
    page = context.new_page()
    _traces[page] = _Trace(page)
    try:
        yield page, outside
    finally:
        context.close()


class _Trace:
    """What a page was doing, for the message of a wait that ran out: its requests still in flight
    (with their age), the ones that failed, its console errors and uncaught exceptions. Requests are
    followed on the context, so MapLibre's workers' tile requests are in it too."""

    def __init__(self, page):
        self.pending: dict = {}
        self.failed: list[str] = []
        self.errors: list[str] = []
        context = page.context
        context.on("request", lambda request: self.pending.__setitem__(request, time.monotonic()))
        context.on("requestfinished", lambda request: self.pending.pop(request, None))
        context.on("requestfailed", self._failed)
        context.on("weberror", lambda error: self.errors.append(f"uncaught: {error.error}"))
        page.on("console", lambda message: message.type in ("error", "warning")
                and self.errors.append(f"console {message.type}: {message.text}"))

    def _failed(self, request) -> None:
        self.pending.pop(request, None)
        self.failed.append(f"{request.method} {request.url}: {request.failure}")

    def report(self, page) -> str:
        from playwright.sync_api import Error as PlaywrightError

        now = time.monotonic()
        lines = [f"  {now - started:6.1f} s  {request.method} {request.url}"
                 for request, started in sorted(self.pending.items(), key=lambda item: item[1])]
        try:
            # Whether the page still gets animation frames (MapLibre draws, and fires "idle", only in
            # one), and whether the map waits for one: a frame asked for and never given is a browser
            # that stopped drawing the page, not a map still loading.
            state = page.evaluate("""async () => {
                const map = window.geoIoc && window.geoIoc.map;
                const frame = await Promise.race([new Promise((done) => requestAnimationFrame(() => done("given"))),
                                                  new Promise((done) => setTimeout(() => done("none in 3 s"), 3000))]);
                return {body: Object.fromEntries([...document.body.attributes].map((a) => [a.name, a.value.slice(0, 200)])),
                        status: document.getElementById("status")?.textContent || null,
                        visibility: document.visibilityState, animationFrame: frame,
                        map: map ? {loaded: map.loaded(), tilesLoaded: map.areTilesLoaded(), styleLoaded: map.isStyleLoaded(),
                                    moving: map.isMoving(), contextLost: map.painter?.context?.gl?.isContextLost?.(),
                                    frameAskedFor: Boolean(map._frameRequest), placementDirty: Boolean(map._placementDirty),
                                    sourcesDirty: Boolean(map._sourcesDirty), styleDirty: Boolean(map._styleDirty)} : null};
            }""")
        except PlaywrightError as error:  # the page itself may be what hangs: say so, don't hide the trace
            state = f"(the page did not answer: {error})"
        return "\n".join([f"page state: {state}", f"requests in flight ({len(lines)}):", *lines[:40],
                          f"failed requests ({len(self.failed)}):", *self.failed[-20:],
                          f"console errors and exceptions ({len(self.errors)}):", *self.errors[-20:]])


_traces: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def wait_for(page, selector: str, *, timeout: float, state: str = "attached"):
    """page.wait_for_selector, but a wait that runs out says what the page was still doing (requests
    in flight, failures, console errors, the map's state) instead of only that it ran out."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        return page.wait_for_selector(selector, state=state, timeout=timeout)
    except PlaywrightTimeout as error:
        trace = _traces.get(page)
        detail = trace.report(page) if trace else "(no trace: the page was not opened by offline_page)"
        raise AssertionError(f"{selector!r} not {state} after {timeout / 1000:.0f} s\n{detail}") from error


def wait_for_map(page, *, timeout: float) -> None:
    """The dashboard has drawn its first view (body[data-map-ready]), or fail with its script error or
    with what it was still waiting for."""
    wait_for(page, "body[data-map-ready], body[data-map-error]", timeout=timeout)
    assert page.get_attribute("body", "data-map-error") is None, page.get_attribute("body", "data-map-error")


def wait_for_drawn(page, *, timeout: float) -> None:
    """The dashboard's map has loaded every tile of its view and drawn a frame since, so what a test
    reads off the canvas, or from the rendered features, is that view. MapLibre says so with "idle",
    which comes only at the end of a drawn frame: if the browser stops giving frames, this fails with
    what the page was doing instead of waiting for ever (page.evaluate has no timeout of its own)."""
    drawn = page.evaluate("""(timeout) => new Promise((done) => {
        const map = window.geoIoc.map, timer = setTimeout(() => done(false), timeout);
        map.once("idle", () => { clearTimeout(timer); done(true); });
        map.triggerRepaint();
    })""", timeout)
    if not drawn:
        trace = _traces.get(page)
        detail = trace.report(page) if trace else "(no trace: the page was not opened by offline_page)"
        raise AssertionError(f"the map drew no settled frame in {timeout / 1000:.0f} s\n{detail}")


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
