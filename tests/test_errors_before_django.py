"""What a real gunicorn answers before or around Django (geo_ioc/gunicorn_conf.py): a bad Host header,
an over-long address, huge or too many headers, a malformed request line and bad text in an anonymous
tile's address all come back in the one error shape, and the server's log holds no traceback."""

import json
import socket

import pytest

from tests.gunicorn_server import free_port, kill, start_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_blocker):
    port = free_port()
    path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with open(path, "w") as log, django_db_blocker.unblock():
        proc = start_server(port, log, probe="/api/layers/")
        yield port, path
        kill(proc)


def exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _sep, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    headers = {k.lower(): v for k, v in headers.items()}
    if headers.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return int(lines[0].split()[1]), headers, body


def dechunk(raw: bytes) -> bytes:
    body = b""
    while raw:
        size, _sep, raw = raw.partition(b"\r\n")
        length = int(size.split(b";")[0], 16)
        if length == 0:
            break
        body, raw = body + raw[:length], raw[length + 2:]
    return body


def request(port: int, target: str = "/api/layers/", *, host: str = "127.0.0.1", extra: str = "") -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n".encode("latin-1")


CASES = {
    "bad-host": (lambda port: request(port, host="evil.example"), 400, "bad_host"),
    "address-over-django-limit": (lambda port: request(port, "/api/layers/?q=" + "x" * 10_000), 414, "uri_too_long"),
    "address-over-gunicorn-limit": (lambda port: request(port, "/api/layers/?q=" + "x" * 1_100_000), 414,
                                    "uri_too_long"),
    "header-over-django-limit": (lambda port: request(port, extra="X-Padding: " + "x" * 20_000 + "\r\n"), 431,
                                 "headers_too_large"),
    "header-over-gunicorn-limit": (lambda port: request(port, extra="X-Padding: " + "x" * 70_000 + "\r\n"), 431,
                                   "headers_too_large"),
    "too-many-headers": (lambda port: request(port, extra="".join(f"X-H{i}: 1\r\n" for i in range(150))), 431,
                         "headers_too_large"),
    "malformed-request-line": (lambda port: b"GARBAGE\r\n\r\n", 400, "bad_request"),
    "bad-http-version": (lambda port: b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", 400, "bad_request"),
    "bad-content-length": (lambda port: b"POST /api/summary/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n"
                                        b"Connection: close\r\n\r\n", 400, "bad_request"),
    "nul-in-anonymous-tile-filter": (lambda port: request(port, "/tiles/schools/7/101/60.pbf?name=%00"), 400,
                                     "invalid_text"),
    "bad-utf8-in-anonymous-tile-filter": (lambda port: request(port, "/tiles/schools/7/101/60.pbf?name=%ff"), 400,
                                          "invalid_text"),
    "nul-in-search": (lambda port: request(port, "/api/search/?q=%00"), 400, "invalid_text"),
}


@pytest.mark.parametrize("name", CASES)
def test_it_answers_in_the_error_shape(server, schools, name):
    port, _log = server
    build, status, code = CASES[name]
    answered, headers, body = exchange(port, build(port))
    assert answered == status, (headers, body[:200])
    assert headers["content-type"].startswith("application/json")
    doc = json.loads(body)
    assert doc["code"] == code and isinstance(doc["detail"], str) and doc["detail"]


@pytest.mark.parametrize("query", ["name=%00", "name=%ff", "pupils=1e400", "level=%1b"])
def test_a_bad_filter_on_a_tile_the_edge_would_answer_is_refused_by_the_guard(server, schools, query):
    port, log = server
    for _ in range(2):  # Django remembers the anonymous access answer: the edge answers this tile now
        assert exchange(port, request(port, "/tiles/schools/7/101/60.pbf"))[0] in (200, 204)
    status, headers, body = exchange(port, request(port, "/tiles/schools/7/101/60.pbf?" + query))
    assert status == 400 and json.loads(body)["code"] in ("invalid_text", "invalid_parameter")
    assert "Traceback" not in log.read_text()


def test_the_log_holds_no_traceback_after_the_bad_requests(server, schools):
    port, log = server
    for build, _status, _code in CASES.values():
        exchange(port, build(port))
    assert "Traceback" not in log.read_text()
