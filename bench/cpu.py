"""CPU time spent by the server side of an HTTP bench (gunicorn's processes and PostgreSQL's), read
from /proc. On a shared machine the wall time of a run says how busy the machine was; the CPU time
per request says what the code costs, and so how fast it goes with the cores to itself."""

import os
from collections.abc import Callable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    return raw[raw.rindex(")") + 2:].split()


def _own_and_reaped(pid: int) -> float:
    """utime + stime, and the children's it waited for (cutime + cstime), in seconds."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    # After the name: state ppid ... utime (14th field of the line) is index 11 here.
    return sum(int(v) for v in fields[11:15]) / TICK


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def tree_seconds(root: int) -> float:
    """CPU seconds of `root` and its children, living or reaped."""
    return _own_and_reaped(root) + sum(_own_and_reaped(child) for child in _children(root))


def listening_pid(port: int) -> int | None:
    """The gunicorn master serving 127.0.0.1:`port` (its command line names the address)."""
    needle = f"127.0.0.1:{port}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"gunicorn" in cmdline and needle in cmdline:
                fields = _stat(int(entry.name))
                # The master: its parent is not a gunicorn of the same address (the workers' is).
                if fields is not None and needle not in _cmdline(int(fields[1])):
                    return int(entry.name)
    return None


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def postmaster_pid(connection) -> int | None:
    """The PostgreSQL server's postmaster (the parent of this connection's backend)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    fields = _stat(backend)
    return int(fields[1]) if fields is not None else None


def backend_seconds(connection) -> Callable[[], float]:
    """A clock of the CPU seconds this Django connection's PostgreSQL backend has used (0.0 when the
    server is not on this machine), for a bench that runs statements in its own process."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    return lambda: _own_and_reaped(backend)
