"""How gunicorn serves Geo IOC: `make run` (scripts/app.sh), Docker (scripts/docker-entrypoint.sh)
and the tiles bench (bench/tiles_servers.py) all start it with `-c geo_ioc/gunicorn_conf.py`, so the
bench measures the app as it is served. Workers, address and logs are given on each command line.

gthread, not sync: a map asks for dozens of tiles at once over a few keep-alive connections per
browser. A sync worker closes the connection after every response and holds a process per slow
client; gthread keeps connections open and overlaps the waits on PostgreSQL, Redis and COG reads.
Measured with wrk on cached z14 tiles (2 workers, 8 keep-alive clients, a shared 2-core machine):
gthread with 4 threads served 1.0-4× the requests of sync workers over four side-by-side runs.
"""

import json

from gunicorn import util

worker_class = "gthread"
threads = 4
keepalive = 30  # seconds an idle keep-alive connection is held
timeout = 120

# gunicorn's limits sit above Django's (REQUEST_MAX_URL_LENGTH, REQUEST_MAX_HEADERS,
# REQUEST_MAX_HEADER_BYTES in settings), so that a long address or a large header reaches Django
# (layers.guards), which answers 414/431 in the error shape. 0 lifts the request line's 8190-byte
# cap; gunicorn's parser still stops at 1 MB.
limit_request_line = 0
limit_request_fields = 1000
limit_request_field_size = 64 * 1024


def _write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """What gunicorn itself still answers (a malformed request line, a bad chunked body, a header
    beyond the limits above) in the one error shape, instead of its HTML page. gunicorn has no hook
    for this body: its workers call gunicorn.util.write_error, replaced here in the master before
    they fork. Its message stays in the log; the caller gets the reason (no Django, so no translation)."""
    codes = {400: "bad_request", 403: "permission_denied", 414: "uri_too_long", 417: "expectation_failed",
             431: "headers_too_large", 500: "server_error", 501: "not_implemented"}
    body = json.dumps({"detail": f"{reason}.", "code": codes.get(status_int, "bad_request")}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
    util.write_nonblock(sock, head + body)


util.write_error = _write_error
