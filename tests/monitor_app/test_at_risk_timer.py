"""The served app's runs-at-risk check (SLA-03): every few minutes, on the real server context."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables
from monitor_app.alerts.inbox import Inbox
from monitor_app.server import ServerContext, start_at_risk_timer
from monitor_app.settings import Settings
from monitor_app.sla_targets import set_sla_target
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model


class Messages(list):
    """The progress lines the timer wrote, with a wait for one of them."""

    def __init__(self) -> None:
        super().__init__()
        self._new = threading.Condition()

    def __call__(self, text: str) -> None:
        with self._new:
            self.append(text)
            self._new.notify_all()

    def wait_for(self, start: str, count: int = 1, timeout_s: float = 60) -> list[str]:
        deadline = time.monotonic() + timeout_s
        with self._new:
            while len(found := [m for m in self if m.startswith(start)]) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"no {start!r} in {list(self)}"
                self._new.wait(left)
        return found


@pytest.fixture
def context(tmp_path: Path):
    """A workspace whose job 4 (at most 60 min, runs take 50) has a run going for 55 min right now.

    Numeric ids, as the Jobs API has them: the timer asks the demo's loopback Jobs API (the real SDK
    over HTTP) for the runs in progress."""
    now = datetime.now(UTC).replace(microsecond=0)
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("4", "max_duration_job", team="gamma")
    for d in range(1, 11):
        ws.run("4", f"40{d:02d}", now - timedelta(days=d), 3000, dbus=1)
    ws.run("4", "4999", now - timedelta(minutes=55), 60, None, dbus=1)
    build_model(engine)
    engine.close()
    settings = Settings(db_path=tmp_path / "workspace.duckdb", state_path=tmp_path / "state.duckdb")
    context = ServerContext(settings)
    set_sla_target(context.state_store(), context.shared_engine(), None, "4", None, None, 60, "ops")
    yield context
    context.close()


def test_the_timer_raises_the_run_at_risk_and_stops_when_told(context):
    messages = Messages()
    stop = start_at_risk_timer(context, messages, every_s=0.2)
    try:
        assert messages.wait_for("runs at risk:") == ["runs at risk: 1 new, 0 cleared"]
    finally:
        stop.set()
    (alert,) = Inbox(context.state_store()).list()
    assert (alert.rule, alert.job_id, alert.run_id, alert.severity) == ("sla_at_risk", "4", "4999", "P1")
    evaluations = context.state_store().engine.execute(
        "SELECT COUNT(*) AS n FROM app_state.alert_evaluations"
    )
    ticks = int(evaluations["n"].iloc[0])
    assert ticks >= 1
    time.sleep(0.6)  # three periods: a stopped timer evaluates no more
    after = context.state_store().engine.execute("SELECT COUNT(*) AS n FROM app_state.alert_evaluations")
    assert int(after["n"].iloc[0]) in (ticks, ticks + 1)  # at most the tick that was running
    # only the at-risk rule ran (the rest is the hourly refresh's business), and without problems
    ran = context.state_store().engine.execute(
        "SELECT DISTINCT rules, problems FROM app_state.alert_evaluations"
    )
    assert ran.to_dict("records") == [{"rules": "sla_at_risk", "problems": None}]
    assert messages.count("runs at risk: 1 new, 0 cleared") == 1  # later ticks changed nothing


class BrokenContext:
    """A server context whose workspace data cannot be opened (the warehouse is down)."""

    settings = Settings()

    def shared_engine(self):
        raise ConnectionError("warehouse unreachable")


def test_a_failed_check_is_reported_and_tried_again():
    messages = Messages()
    stop = start_at_risk_timer(BrokenContext(), messages, every_s=0.05)
    try:
        failures = messages.wait_for("runs-at-risk check failed", count=2)
    finally:
        stop.set()
    assert failures[:2] == ["runs-at-risk check failed: ConnectionError: warehouse unreachable"] * 2
