"""A small HTTP/1.1 load generator on asyncio (keep-alive when the server allows it), for servers on
127.0.0.1 only. Bounded in time and in requests; it stops by itself."""

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from itertools import cycle


@dataclass
class LoadResult:
    requests: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    max_bytes: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p95(self) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _s, v in (line.partition(":") for line in lines[1:] if line)}
    close = headers.get("connection", "").lower() == "close"
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif status in (204, 304):
        body = b""
    else:
        body = await reader.read()
        close = True
    return status, body, close


async def _client(port: int, paths, headers: str, deadline: float, budget: list[int], result: LoadResult) -> None:
    reader = writer = None
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            path = next(paths)
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}\r\n".encode())
            status, body, close = await _read_response(reader)
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.max_bytes = max(result.max_bytes, len(body))
            result.requests += 1
            if close:
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


def run_load(port: int, paths: list[str], *, clients: int, seconds: float, max_requests: int = 1_000_000,
             gzip: bool = False) -> LoadResult:
    """`clients` concurrent connections cycling through `paths` for `seconds` (or max_requests)."""
    headers = "Accept-Encoding: gzip\r\n" if gzip else ""
    result = LoadResult()
    shared = cycle(paths)
    budget = [max_requests]

    async def main() -> None:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(*(_client(port, shared, headers, deadline, budget, result) for _ in range(clients)))
        result.seconds = time.perf_counter() - started

    asyncio.run(main())
    return result


def wait_until_up(port: int, path: str, *, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    last: Exception | None = None
    while time.perf_counter() < deadline:
        try:
            result = run_load(port, [path], clients=1, seconds=5, max_requests=1)
            if result.requests and min(result.statuses) < 500:
                return
        except OSError as exc:
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path} within {timeout} s ({last})")
