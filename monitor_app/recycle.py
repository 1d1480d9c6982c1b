"""Serving from a child process that a fresh one replaces once it has outgrown a memory bound, when idle.

Why: a long-lived serving process keeps some of what it once needed. The result cache and DuckDB's buffer
pool are bounded, and closed sessions are let go (``server.listen``; before that fix, RSS grew 4.4 MB a
session). Allocator fragmentation and a larger workspace's working set are not bounded by either, so
``recycle_rss_mb`` bounds the process the way web servers do (gunicorn's ``max_requests``, uWSGI's
``reload-on-rss``). A child whose resident memory is over the bound, and which has no open session,
stops taking connections and exits. The supervisor then starts another.

The supervisor is this module run on its own (``python -m monitor_app.recycle``): ``serve`` replaces its
own process with it (same pid, so a platform's stop signal reaches it), which keeps the supervisor at
~25 MB instead of the ~120 MB of everything the CLI had imported. It binds the listening socket once
and every child inherits it. A browser that connects
while one child hands over to the next waits in the socket's backlog instead of being refused, and no
open page is ever cut: a child only leaves when no session is open.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# The listening sockets' file descriptors a child serves on ("3" or "3,4"), and which child it is.
LISTEN_FDS_ENV = "MONITOR_LISTEN_FDS"
GENERATION_ENV = "MONITOR_SERVE_GENERATION"
# A child's exit status when it leaves to be replaced (EX_TEMPFAIL); any other status ends the supervisor.
RECYCLE_EXIT = 75
# How often a child compares its memory with the bound.
CHECK_EVERY_S = 5


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MB (from /proc; NaN where there is no /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def child_command() -> list[str]:
    """This process's own command line, run again by the same interpreter (``-m monitor_app serve ...``
    or the ``monitor`` console script alike)."""
    return [sys.executable, *sys.orig_argv[1:]]


def become_supervisor(address: str, port: int, command: list[str]) -> None:
    """Replace this process with the supervisor of ``command`` on ``address:port`` (does not return)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(
        sys.executable, [sys.executable, "-m", "monitor_app.recycle", address, str(port), "--", *command]
    )


def _progress(message: str) -> None:
    import time

    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    """``python -m monitor_app.recycle ADDRESS PORT -- COMMAND...``"""
    address, port, separator, *command = argv
    if separator != "--" or not command:
        raise SystemExit("usage: python -m monitor_app.recycle ADDRESS PORT -- COMMAND...")
    return supervise(address, int(port), command, _progress)


def supervise(
    address: str,
    port: int,
    command: list[str],
    progress: Callable[[str], None],
) -> int:
    """Bind ``address:port`` and run ``command`` as a child serving on it, again each time a child leaves
    to be replaced; the first other exit status (or a signal to stop) ends it with that status."""
    from tornado.netutil import bind_sockets

    sockets = bind_sockets(port, address)
    fds = [s.fileno() for s in sockets]
    for fd in fds:
        os.set_inheritable(fd, True)
    base = {**os.environ, LISTEN_FDS_ENV: ",".join(map(str, fds))}
    child: subprocess.Popen | None = None
    stopping = False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        generation = 0
        while True:
            child = subprocess.Popen(command, env={**base, GENERATION_ENV: str(generation)}, pass_fds=fds)
            code = child.wait()
            if stopping or code != RECYCLE_EXIT:
                return 0 if stopping else code
            generation += 1
            progress(
                f"serving process {child.pid} replaced to give its memory back (replacement {generation})"
            )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for s in sockets:
            s.close()


def inherited_sockets() -> list[Any] | None:
    """The listening sockets a supervisor handed this process, or None when it runs on its own."""
    import socket

    value = os.environ.get(LISTEN_FDS_ENV, "")
    if not value:
        return None
    return [socket.socket(fileno=int(fd)) for fd in value.split(",")]


def generation() -> int:
    """0 for the first child (or a process on its own), then 1, 2, ... for each replacement."""
    return int(os.environ.get(GENERATION_ENV, "0") or 0)


@contextmanager
def serving_on(sockets: list[Any] | None) -> Iterator[None]:
    """Have the Bokeh server Panel creates listen on ``sockets`` instead of binding its own.

    Panel's ``serve`` has no way to pass sockets, and Bokeh binds them in ``Server.__init__`` through the
    module's ``bind_sockets``; that one name is swapped while the server is created.
    """
    if sockets is None:
        yield
        return
    import bokeh.server.server as bokeh_server

    original = bokeh_server.bind_sockets
    bokeh_server.bind_sockets = lambda _address, _port: (sockets, sockets[0].getsockname()[1])
    try:
        yield
    finally:
        bokeh_server.bind_sockets = original


def watch_memory(
    server: Any,
    limit_mb: int,
    progress: Callable[[str], None],
    every_s: float = CHECK_EVERY_S,
    rss: Callable[[], float] = rss_mb,
) -> Any:
    """Every ``every_s``, once resident memory is over ``limit_mb`` and no session is open: stop taking
    connections and stop the server's loop (the caller then exits with ``RECYCLE_EXIT``). Returns the
    started ``PeriodicCallback``; ``server.recycled`` says whether it fired."""
    from tornado.ioloop import PeriodicCallback

    server.recycled = False

    def check() -> None:
        used = rss()
        if server.recycled or not used > limit_mb or server.get_sessions():
            return
        server.recycled = True
        progress(
            f"memory {used:,.0f} MB is over recycle_rss_mb={limit_mb} and no session is open: handing over"
        )
        server.stop(wait=False)  # no new connection; they wait in the socket for the next process
        server.io_loop.add_callback(server.io_loop.stop)

    callback = PeriodicCallback(check, every_s * 1000)
    callback.start()
    return callback


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
