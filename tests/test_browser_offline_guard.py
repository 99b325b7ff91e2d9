"""The browser tests' offline guard (tests/browser.py) itself: a page's requests to other hosts,
from the page or from its workers (MapLibre fetches tiles from workers), are listed and fail at once,
while requests to 127.0.0.1 are served, without any request waiting on the test's thread."""

import shutil
import socket
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser import CHROMIUM, offline_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None and not CHROMIUM.startswith("/"), reason="chromium"),
]
# "Another host" is this machine's own non-loopback address, where the same little server answers:
# without the guard the page would load from it, so the test fails if the guard goes.
PAGE = """<!doctype html><meta charset="utf-8"><title>guard</title>
<img src="http://tiles.example.com/0/0/0.png" alt="">
<script>
const results = {};
const worker = new Worker("worker.js");
const local = fetch("local.json").then((r) => r.json()).then((body) => { results.local = body.ok; });
const outside = fetch("OTHER/local.json?page", {mode: "no-cors"}).then(() => { results.outside = "loaded"; },
                                                   () => { results.outside = "failed"; });
const fromWorker = new Promise((done) => { worker.onmessage = (event) => { results.worker = event.data; done(); }; });
Promise.all([local, outside, fromWorker]).then(() => { window.results = results; });
</script>"""
WORKER = """fetch("local.json").then((r) => r.json()).then((body) => fetch("OTHER/local.json?worker", {mode: "no-cors"})
  .then(() => postMessage({local: body.ok, outside: "loaded"}), () => postMessage({local: body.ok, outside: "failed"})));"""


def other_address() -> str:
    """This machine's address on its network (a UDP connect sends nothing; it only picks the route)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))
        except OSError:
            pytest.skip("no network interface besides loopback")
        address = probe.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("no network interface besides loopback")
    return address


@pytest.fixture
def site(tmp_path):
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("0.0.0.0", 0), handler)
    port = server.server_address[1]
    other = f"http://{other_address()}:{port}"
    (tmp_path / "index.html").write_text(PAGE.replace("OTHER", other), encoding="utf-8")
    (tmp_path / "worker.js").write_text(WORKER.replace("OTHER", other), encoding="utf-8")
    (tmp_path / "local.json").write_text('{"ok": true}', encoding="utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", other
    server.shutdown()
    server.server_close()


def test_outside_requests_from_the_page_and_its_workers_are_listed_and_fail_at_once(site):
    local, other = site
    with offline_page() as (page, outside):
        started = time.monotonic()
        page.goto(local + "/index.html")
        page.wait_for_function("window.results !== undefined", timeout=20_000)
        results = page.evaluate("window.results")
        elapsed = time.monotonic() - started
    assert results == {"local": True, "outside": "failed", "worker": {"local": True, "outside": "failed"}}
    assert sorted(outside) == sorted([f"{other}/local.json?page", f"{other}/local.json?worker",
                                      "http://tiles.example.com/0/0/0.png"])
    # Refused by the browser, not left to time out (a DNS or TCP timeout takes tens of seconds).
    assert elapsed < 15, elapsed
