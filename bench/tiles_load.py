"""The client of the tiles bench, the same for every server (ours, tipg, titiler), on 127.0.0.1 only.

Load comes from wrk (the Debian package; `make bench` installs it): a C client with keep-alive that
costs the 2 shared cores far less than a Python one would, so the servers, not the client, are
measured. bench/tiles_wrk.lua cycles over the tile paths and reports p50/p95 and the statuses.
Warm-up, cache fill and tile sizes use a plain sequential Python fetch; latencies compared tile by tile
with the SQL floor use KeepAliveClient. Every run is bounded in time.
"""

import http.client
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

WRK_SCRIPT = Path(__file__).with_name("tiles_wrk.lua")
TIMEOUT_S = 30  # a request slower than this counts as "timeout", not as a latency


@dataclass
class LoadResult:
    requests: int = 0
    seconds: float = 0.0
    p50: float = math.nan  # ms
    p95: float = math.nan  # ms
    statuses: dict[str, int] = field(default_factory=dict)  # "200", "204", ..., "timeout", "error"
    max_bytes: int = 0
    rounds: list["LoadResult"] = field(default_factory=list)  # what merge() was given, in order

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def of(cls, latencies_ms: list[float], *, seconds: float, statuses: dict[str, int] | None = None,
           max_bytes: int = 0) -> "LoadResult":
        ordered = sorted(latencies_ms)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else math.nan
        return cls(len(ordered), seconds, statistics.median(ordered) if ordered else math.nan, p95,
                   statuses or {}, max_bytes)


    @classmethod
    def merge(cls, rounds: list["LoadResult"]) -> "LoadResult":
        """Rounds of one measurement: requests and time summed; p50 and p95 the median of the rounds'."""
        statuses: dict[str, int] = {}
        for r in rounds:
            for status, n in r.statuses.items():
                statuses[status] = statuses.get(status, 0) + n
        timed = [r for r in rounds if r.requests]
        return cls(sum(r.requests for r in rounds), sum(r.seconds for r in rounds),
                   statistics.median(r.p50 for r in timed) if timed else math.nan,
                   statistics.median(r.p95 for r in timed) if timed else math.nan,
                   statuses, max((r.max_bytes for r in rounds), default=0), list(rounds))


def paired(a: LoadResult, b: LoadResult, measure) -> float:
    """The median over rounds run side by side of measure(round of a, round of b): a burst of other
    work on the machine spoils one pair, not the figure. Falls back to the merged results."""
    pairs = [(x, y) for x, y in zip(a.rounds, b.rounds) if x.requests and y.requests]
    if len(a.rounds) != len(b.rounds) or not pairs:
        return measure(a, b)
    return statistics.median(measure(x, y) for x, y in pairs)


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("the tiles bench needs wrk (Debian package wrk); `make bench` installs it")
    return path


def run_load(port: int, paths: list[str], *, clients: int, seconds: float, gzip: bool = False,
             passes: int | None = None) -> LoadResult:
    """`clients` keep-alive connections cycling through `paths` for `seconds`, or (one client) until
    it has made `passes` whole passes over them, whichever comes first."""
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as f:
        f.write("\n".join(paths) + "\n")
    env = os.environ | {"WRK_PATHS": f.name, "WRK_GZIP": "1" if gzip else "", "WRK_PASSES": str(passes or "")}
    command = [wrk_path(), "--threads", str(min(clients, 2)), "--connections", str(clients),
               "--duration", f"{max(1, round(seconds))}s", "--timeout", f"{TIMEOUT_S}s", "--script", str(WRK_SCRIPT),
               f"http://127.0.0.1:{port}"]
    try:
        out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + TIMEOUT_S + 30,
                             check=True).stdout
    finally:
        os.unlink(f.name)
    line = next(line for line in out.splitlines() if line.startswith("BENCH-JSON "))
    doc = json.loads(line.removeprefix("BENCH-JSON "))
    done = doc["requests"]
    return LoadResult(done, doc["seconds"], doc["p50_us"] / 1000 if done else math.nan,
                      doc["p95_us"] / 1000 if done else math.nan, doc["statuses"], doc["max_bytes"])


def fetch_all(port: int, paths: list[str], *, gzip: bool = False, timeout: float = 120) -> LoadResult:
    """Each path once, in order, on one keep-alive connection: warm-up, cache fill, sizes."""
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    latencies, statuses, max_bytes = [], {}, 0
    started = time.perf_counter()
    try:
        for path in paths:
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
            max_bytes = max(max_bytes, len(body))
            if response.will_close:
                conn.close()
    finally:
        conn.close()
    return LoadResult.of(latencies, seconds=time.perf_counter() - started, statuses=statuses, max_bytes=max_bytes)


class KeepAliveClient:
    """One keep-alive HTTP/1.1 connection with as little Python per request as it takes (tens of
    microseconds, counted against the server): for latencies taken tile by tile, alternating with the
    floor's statement in this process (bench.tiles_bench._floor_and_ours). Bodies must come with a
    Content-Length (or be a 204/304), as every server of the bench sends them."""

    def __init__(self, port: int, *, timeout: float = TIMEOUT_S):
        self.host = f"127.0.0.1:{port}"
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def get(self, path: str) -> tuple[int, int]:
        """GET path: (status, body size)."""
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._receive()
        head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
        status = int(head.split(" ", 2)[1])
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
            elif name.strip().lower() == "transfer-encoding":
                raise RuntimeError(f"{path}: the bench client reads only bodies with a Content-Length")
        while len(self.buffer) < length:
            self._receive()
        self.buffer = self.buffer[length:]
        return status, length

    def _receive(self) -> None:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError(f"{self.host} closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def wait_until_up(port: int, path: str, *, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    last: Exception | None = None
    while time.perf_counter() < deadline:
        try:
            result = fetch_all(port, [path], timeout=10)
            if int(min(result.statuses)) < 500:
                return
        except (OSError, http.client.HTTPException) as exc:
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path} within {timeout} s ({last})")
