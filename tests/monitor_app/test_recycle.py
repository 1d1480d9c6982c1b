"""Serving from a replaceable child: a real Panel server leaves only when over its bound with no session
open, and the real ``serve`` command hands its port from child to child without refusing a connection."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables
from monitor_app.recycle import RECYCLE_EXIT, watch_memory
from monitor_app.server import listen
from monitor_app.settings import Settings
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _listening(port: int, memory: dict | None = None, said: list | None = None):
    """A tiny app served by ``listen`` (as ``serve`` serves the real one) in its own loop's thread."""
    import asyncio

    import panel as pn

    holder, ready = {}, threading.Event()

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        settings = Settings(port=port)
        server = listen(
            {"/": lambda: pn.pane.Markdown("hello")},
            settings,
            unused_session_lifetime_ms=200,
            check_unused_sessions_ms=100,
        )
        holder["server"] = server
        if memory is not None:
            watch_memory(server, 100, said.append, every_s=0.05, rss=lambda: memory["mb"])
        ready.set()
        server.io_loop.start()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(20)
    return holder["server"], thread


def test_a_closed_pages_session_is_let_go():
    """``pn.serve(start=False)`` without ``start()``: Bokeh never discarded a session, so the served
    process kept every page ever opened."""
    from bokeh.client import pull_session

    server, thread = _listening(_free_port())
    try:
        session = pull_session(url=f"http://127.0.0.1:{server.port}/")
        assert len(server.get_sessions()) == 1
        session.close()
        _wait_for(lambda: server.get_sessions() == [], 10, "the closed session to be discarded")
    finally:
        server.io_loop.add_callback(server.io_loop.stop)
        thread.join(10)


def test_the_server_leaves_only_when_over_the_bound_and_no_session_is_open():
    from bokeh.client import pull_session

    said, memory = [], {"mb": 10.0}
    server, thread = _listening(_free_port(), memory, said)
    session = pull_session(url=f"http://127.0.0.1:{server.port}/")
    try:
        time.sleep(0.3)
        assert server.recycled is False  # under the bound
        memory["mb"] = 150.0
        time.sleep(0.5)
        assert server.recycled is False and said == []  # over it, but a session is open
    finally:
        session.close()
    _wait_for(lambda: server.recycled, 10, "the hand-over once the session was discarded")
    assert said == ["memory 150 MB is over recycle_rss_mb=100 and no session is open: handing over"]
    thread.join(10)
    assert not thread.is_alive()  # its loop stopped: ``serve`` then exits with RECYCLE_EXIT
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/liveness", timeout=2)  # no longer listening


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads memory from /proc")
def test_serve_hands_its_port_to_a_fresh_process_without_refusing_a_connection(tmp_path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    RawWorkspace(engine).job("j1", "nightly", team="alpha")
    build_model(engine)
    engine.close()
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MONITOR_DB": str(tmp_path / "workspace.duckdb"),
        "MONITOR_STATE_DB": str(tmp_path / "state.duckdb"),
        "MONITOR_CONFIG": str(tmp_path / "none.yaml"),
        "MONITOR_REPORTS_DIR": str(tmp_path / "reports"),
        "MONITOR_RECYCLE_RSS_MB": "1",  # every child is over it: each leaves at its first check
    }
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "monitor_app", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/liveness"
    try:
        _wait_for(lambda: _children(supervisor.pid), 30, "the first child")
        first = _children(supervisor.pid)[0]
        answered, seen = 0, {first}
        deadline = time.monotonic() + 90
        # the port is the supervisor's: while children come and go every request is answered, none refused
        while len(seen) < 3 and time.monotonic() < deadline:
            with urllib.request.urlopen(url, timeout=30) as response:
                assert response.status == 200
            answered += 1
            seen.update(_children(supervisor.pid))
            time.sleep(0.2)
        assert len(seen) >= 3, seen  # the first child and two replacements
        assert answered > 10
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(30) == 0
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
        out, err = supervisor.communicate(timeout=30)
    assert "serving process" in err and "replaced to give its memory back (replacement 1)" in err, err[-2000:]
    assert "is over recycle_rss_mb=1 and no session is open: handing over" in err
    assert RECYCLE_EXIT == 75
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)  # stopped: the port is free
