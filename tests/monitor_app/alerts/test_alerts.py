"""The alert engine on hand-built data: exact alerts per rule, the lifecycle, budgets, CLI and webhook."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables
from data.state_store import StateStore
from monitor_app import cli
from monitor_app.alerts.config import AlertRulesError, rule_settings
from monitor_app.alerts.evaluate import evaluate
from monitor_app.alerts.inbox import AlertError, Inbox
from monitor_app.alerts.model import Alert
from monitor_app.alerts.render import CLI_FIELDS, alerts_table
from monitor_app.alerts.webhook import Notifier, payload
from monitor_app.budgets import BudgetError, set_budget
from monitor_app.settings import Settings
from monitor_app.sla_targets import set_sla_target
from tests.monitor_app.alerts.alerts_workspace import HOSTILE, NOW, build, day
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc


@pytest.fixture
def setup(tmp_path: Path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    build(ws)
    build_model(engine)
    store = StateStore.embedded(tmp_path / "state.duckdb")
    set_sla_target(store, engine, None, "j4", None, None, 60, "ops", now=utc(2026, 1, 1))
    set_sla_target(store, engine, None, "j5", "03:00", "UTC", None, "ops", now=utc(2026, 1, 1))
    settings = Settings(db_path=tmp_path / "workspace.duckdb", state_path=tmp_path / "state.duckdb")
    settings.host = "https://adb-1.example.net"
    yield engine, store, settings, ws
    engine.close()


def by_rule(alerts) -> dict[str, list]:
    out: dict[str, list] = {}
    for a in alerts:
        out.setdefault(a.rule, []).append(a)
    return out


def test_exact_alerts_on_hand_built_data(setup):
    engine, store, settings, _ = setup
    result = evaluate(engine, store, settings, now=NOW)
    assert result.problems == []
    alerts = by_rule(Inbox(store).list(now=NOW))
    assert sorted(alerts) == ["consecutive_failures", "failure_rate", "sla_at_risk"]
    (streak,) = alerts["consecutive_failures"]
    assert (streak.severity, streak.job_id, streak.run_id, streak.team) == ("P1", "j1", "j1-10", "alpha")
    assert streak.title == "nightly_load: 2 failed runs in a row"
    assert streak.evidence["value"] == 2 and streak.evidence["threshold"] == 2
    assert streak.evidence["last_termination_code"] == "TIMED_OUT"
    assert "TIMED_OUT: the run hit its timeout" in streak.remediation
    assert streak.links == {
        "app": "?page=runs&workspace_id=1001&job_id=j1&run_id=j1-10",
        "workspace": "https://adb-1.example.net/jobs/j1/runs/j1-10",
    }
    (rate,) = alerts["failure_rate"]  # j1's rate alert is inhibited by its P1
    assert (rate.job_id, rate.severity, rate.evidence["value"], rate.evidence["sample_size"]) == (
        "j2",
        "P3",
        0.2,
        10,
    )
    assert rate.evidence["threshold"] == 0.1
    risk = {a.job_id: a for a in alerts["sla_at_risk"]}
    assert sorted(risk) == ["j4", "j5"]
    assert risk["j4"].evidence["reason"] == "past_window"
    assert risk["j4"].evidence["value"] == pytest.approx(55 / 60, abs=1e-4)
    assert risk["j4"].run_id == "j4-live" and risk["j4"].severity == "P1"
    assert risk["j5"].evidence["reason"] == "projected_late"
    assert risk["j5"].evidence["projected_end"] == "2026-10-31T03:10:00+00:00"
    assert risk["j5"].evidence["projected_late_by_seconds"] == 600
    assert risk["j5"].evidence["source"] == "timeline"
    assert "projected finish 2026-10-31T03:10:00+00:00" in risk["j5"].remediation


def test_evaluating_twice_changes_nothing_and_the_lifecycle_keeps_ids(setup, tmp_path):
    engine, store, settings, ws = setup
    inbox = Inbox(store)
    first = evaluate(engine, store, settings, now=NOW)
    assert len(first.changes.opened) == 4
    again = evaluate(engine, store, settings, now=NOW)
    assert (again.changes.changed, again.changes.firing) == ([], 4)
    streak = inbox.list(now=NOW)[0]
    assert streak.rule == "consecutive_failures"
    assert inbox.events(streak.id)["event"].tolist() == ["opened"]

    inbox.acknowledge(streak.id, "ana", note="looking", now=NOW)
    assert inbox.get(streak.id).acknowledged_by == "ana"
    # the next run succeeds: resolved automatically
    ws.run("j1", "j1-11", day(31, 1), 300, dbus=4)
    build_model(engine)
    later = NOW + timedelta(hours=1)
    evaluate(engine, store, settings, now=later)
    healed = inbox.get(streak.id)
    assert (healed.status, healed.resolved_by) == ("resolved", "auto")
    # two failures again: the same alert reopens, occurrences 2, acknowledgement cleared
    ws.run("j1", "j1-12", day(31, 2), 60, "FAILED", dbus=4)
    ws.run("j1", "j1-13", day(31, 2, 10), 60, "FAILED", dbus=4)
    build_model(engine)
    evaluate(engine, store, settings, now=later + timedelta(hours=1))
    back = inbox.get(streak.id)
    assert (back.status, back.occurrences, back.acknowledged_by, back.run_id) == ("open", 2, None, "j1-13")
    assert inbox.events(streak.id)["event"].tolist() == ["opened", "acknowledged", "resolved", "reopened"]
    assert inbox.events(streak.id)["actor"].tolist() == ["auto", "ana", "auto", "auto"]


def test_snooze_until_a_time_then_open_again(setup):
    engine, store, settings, _ = setup
    inbox = Inbox(store)
    evaluate(engine, store, settings, now=NOW)
    rate = next(a for a in inbox.list(now=NOW) if a.rule == "failure_rate")
    with pytest.raises(AlertError, match="not in the future"):
        inbox.snooze(rate.id, NOW - timedelta(hours=1), "ana", now=NOW)
    inbox.snooze(rate.id, NOW + timedelta(hours=2), "ana", now=NOW)
    assert [a.id for a in inbox.list(status="snoozed", now=NOW)] == [rate.id]
    evaluate(engine, store, settings, now=NOW + timedelta(hours=1))
    assert inbox.get(rate.id).status == "snoozed"
    evaluate(engine, store, settings, now=NOW + timedelta(hours=3))
    assert inbox.get(rate.id).status == "open"
    with pytest.raises(AlertError, match="no alert with id"):
        inbox.acknowledge("A-000000000000", "ana")


def test_flapping_is_marked_and_not_renotified(setup):
    engine, store, settings, _ = setup
    inbox = Inbox(store)
    from monitor_app.alerts.model import Finding

    finding = Finding(
        "failure_rate", "reliability", "P2", "t", "r", {"value": 1}, workspace_id="1", job_id="x"
    )
    t = NOW
    notified = []
    for _ in range(3):
        notified += [e for e, _a in inbox.apply([finding], ["failure_rate"], t).notify]
        t += timedelta(hours=1)
        notified += [e for e, _a in inbox.apply([], ["failure_rate"], t).notify]
        t += timedelta(hours=1)
    alert = inbox.list(status="all", now=t)[0]
    assert alert.occurrences == 3 and alert.flapping
    # opened and resolved, reopened once and resolved; the third reopening (flapping) is not pushed
    assert notified == ["opened", "resolved", "reopened", "resolved"]


def test_budgets_exceeded_and_approaching_with_top_drivers(setup):
    engine, store, settings, _ = setup
    settings.budgets = [{"team": "alpha", "monthly_usd": 5}]
    set_budget(store, engine, {"team": "beta", "monthly_usd": 7}, "fin", now=NOW)
    evaluate(engine, store, settings, now=NOW)
    budgets = {a.team: a for a in Inbox(store).list(now=NOW) if a.rule == "budget"}
    assert sorted(budgets) == ["alpha", "beta"]
    alpha, beta = budgets["alpha"], budgets["beta"]
    # j1: 10 runs x 4 DBUs x $0.15 = $6.00 in October
    assert (alpha.severity, alpha.evidence["value"], alpha.evidence["threshold"]) == ("P1", 6.0, 5.0)
    assert alpha.evidence["top_drivers"] == [
        {"job_id": "j1", "job_name": "nightly_load", "list_cost_usd": 6.0}
    ]
    assert alpha.title == 'team "alpha": over its $5.00 monthly budget'
    assert (beta.severity, beta.evidence["value"], beta.evidence["share"]) == ("P2", 6.0, 0.8571)
    assert beta.evidence["forecast_usd"] == round(
        6.0 / ((NOW - utc(2026, 10, 1)).total_seconds() / 86400) * 31, 2
    )
    assert "Top drivers: hourly_sync $6.00" in beta.remediation


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"team": "alpha", "monthly_usd": 0}, "more than 0"),
        ({"team": "alpha", "monthly_usd": -5}, "more than 0"),
        ({"team": "nobody", "monthly_usd": 5}, "'nobody' is not a known team"),
        ({"job_id": "j404", "monthly_usd": 5}, "job j404 is not a known job"),
        ({"team": "alpha", "job_id": "j1", "monthly_usd": 5}, "either a team or a job_id"),
    ],
)
def test_bad_budgets_are_refused_and_nothing_saved(setup, entry, message):
    engine, store, _settings, _ = setup
    with pytest.raises(BudgetError, match=message):
        set_budget(store, engine, entry, "fin")
    assert store.engine.execute("SELECT COUNT(*) AS n FROM app_state.budgets")["n"].iloc[0] == 0


def test_a_bad_budget_in_monitor_yaml_is_reported_and_other_rules_still_run(setup):
    engine, store, settings, _ = setup
    settings.budgets = [{"team": "nobody", "monthly_usd": 5}]
    result = evaluate(engine, store, settings, now=NOW)
    assert result.problems == [
        "budget: monitor.yaml budgets[0]: team 'nobody' is not a known team (no job is attributed to it)"
    ]
    assert len(result.changes.opened) == 4


def test_stale_data_is_an_alert(setup):
    engine, store, settings, _ = setup
    later = NOW + timedelta(days=3)
    evaluate(engine, store, settings, now=later, rules=["stale_data"])
    stale = Inbox(store).list(now=later)
    assert sorted(a.table_full_name for a in stale) == [
        "system.billing.usage",
        "system.lakeflow.job_run_timeline",
    ]
    assert {a.severity for a in stale} == {"P2"}
    timeline = next(a for a in stale if a.table_full_name.endswith("job_run_timeline"))
    assert timeline.evidence["threshold"] == 24


def _integrity(ws: RawWorkspace) -> None:
    """j1 writes prod.a.orders on each successful run: 1000 rows, then 600 on 28 October (-40 %); j2 writes
    prod.b.events, whose column `amount` turned from double to string and gained `note`; j3's table only
    gained a column. j1 reads prod.a.source (lineage)."""
    ok = [f"j1-{d}" for d in range(1, 9)]
    for i, run in enumerate(ok):
        ws.commit("prod.a.orders", i + 1, day(i + 21, 2, 6), 600 if i == 7 else 1000, "j1", run)
    ws.con.execute(
        "INSERT INTO access.table_lineage (workspace_id, entity_type, entity_id, entity_run_id,"
        " source_table_full_name, target_table_full_name, event_time) VALUES ('1001', 'JOB', 'j1', 'j1-8',"
        " 'prod.a.source', 'prod.a.orders', ?)",
        [day(28, 2, 5)],
    )
    for d, run in ((29, "j2-9"), (30, "j2-10")):
        ws.commit("prod.b.events", d, day(d, 2, 6), 50, "j2", run)
    base = [("id", "bigint", False), ("amount", "double", True)]
    ws.snapshot("prod.b.events", day(28, 0), base)
    ws.snapshot(
        "prod.b.events",
        day(30, 0),
        [("id", "bigint", False), ("amount", "string", True), ("note", "string", True)],
    )
    for d, run in ((29, "j3-9"), (30, "j3-10")):
        ws.commit("prod.c.log", d, day(d, 2, 6), 5, "j3", run)
    ws.snapshot("prod.c.log", day(28, 0), base)
    ws.snapshot("prod.c.log", day(30, 0), [*base, ("note", "string", True)])


def test_row_count_deviation_and_schema_drift_alerts(setup):
    engine, store, settings, ws = setup
    _integrity(ws)
    build_model(engine)
    result = evaluate(engine, store, settings, now=NOW, rules=["row_count_deviation", "schema_drift"])
    got = {(f.rule, f.table_full_name): f for f in result.findings}
    assert sorted(got) == [
        ("row_count_deviation", "prod.a.orders"),
        ("schema_drift", "prod.b.events"),
        ("schema_drift", "prod.c.log"),
    ]
    rows = got[("row_count_deviation", "prod.a.orders")]
    assert (rows.severity, rows.category, rows.job_id, rows.run_id) == ("P2", "data", "j1", "j1-8")
    assert rows.title == "prod.a.orders: wrote -40.0 % rows against its baseline"
    assert rows.evidence["value"] == 600 and rows.evidence["baseline"] == 1000.0
    assert rows.evidence["threshold"] == 20.0 and rows.evidence["sample_size"] == 7
    assert "Check its upstream table(s) prod.a.source for missing or duplicated input" in rows.remediation
    assert "compare version 8 with the one before" in rows.remediation
    assert "SELECT count(*) FROM prod.a.orders VERSION AS OF 7" in rows.remediation
    drift = got[("schema_drift", "prod.b.events")]
    assert (drift.severity, drift.job_id, drift.run_id) == ("P2", "j2", "j2-9")
    assert drift.evidence["changes"] == ["amount retyped double -> string", "note added (string)"]
    assert drift.evidence["breaking_changes"] == 1
    assert "compare version 29 with 28 (DESCRIBE HISTORY prod.b.events)" in drift.remediation
    assert "Readers of the removed or retyped columns will fail" in drift.remediation
    added = got[("schema_drift", "prod.c.log")]
    assert added.severity == "P3" and added.evidence["changes"] == ["note added (string)"]
    assert "no upstream table in the lineage" in added.remediation


def test_rule_settings_validation():
    assert rule_settings({"failure_rate": {"min_decided_runs": 3}})["failure_rate"]["min_decided_runs"] == 3
    for bad, message in [
        ({"nope": {}}, "unknown rule 'nope'"),
        ({"failure_rate": {"severity": "P1"}}, "unknown setting 'severity'"),
        ({"dbu_spike": {"severity": "P0"}}, "one of P1, P2, P3"),
        ({"stale_data": {"max_age_hours": -1}}, "non-negative"),
    ]:
        with pytest.raises(AlertRulesError, match=message):
            rule_settings(bad)


def test_disabled_rule_does_not_fire(setup):
    engine, store, settings, _ = setup
    settings.alert_rules = {"sla_at_risk": {"enabled": False}}
    evaluate(engine, store, settings, now=NOW)
    assert "sla_at_risk" not in {a.rule for a in Inbox(store).list(now=NOW)}


def test_cli_alerts(setup, capsys, monkeypatch, tmp_path):
    engine, store, settings, _ = setup
    engine.close()
    args = ["--db", str(settings.db_path)]
    monkeypatch.setenv("MONITOR_STATE_DB", str(settings.state_path))
    assert cli.main(["alerts", "evaluate", "--now", "2026-10-31T02:30", *args]) == 0
    capsys.readouterr()
    assert cli.main(["alerts", "list", "--format", "json", *args]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 4 and list(listed[0])[: len(CLI_FIELDS)] == list(CLI_FIELDS)
    first = listed[0]["id"]
    assert cli.main(["alerts", "ack", first, "--by", "ana", "--note", "on it", *args]) == 0
    assert cli.main(["alerts", "list", "--status", "acknowledged", "--format", "json", *args]) == 0
    acked = json.loads(capsys.readouterr().out)
    assert [(a["id"], a["acknowledged_by"]) for a in acked] == [(first, "ana")]
    assert cli.main(["alerts", "ack", "A-unknown", *args]) == 2
    assert "no alert with id 'A-unknown'" in capsys.readouterr().err
    assert cli.main(["alerts", "snooze", first, "--until", "2020-01-01T00:00", *args]) == 2
    assert "not in the future" in capsys.readouterr().err
    assert cli.main(["alerts", "snooze", first, "--until", "tomorrow", *args]) == 2
    assert "--until expects an ISO time" in capsys.readouterr().err
    assert cli.main(["alerts", "resolve", first, "--by", "ana", *args]) == 0
    assert (
        cli.main(["alerts", "list", "--status", "resolved", "--severity", "P1", "--format", "csv", *args])
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("id,rule,category,severity,status,title,team,")
    assert len(out) == 2 and first in out[1]
    assert cli.main(["budgets", "set", "--team", "nobody", "--monthly-usd", "10", *args]) == 2
    assert "'nobody' is not a known team" in capsys.readouterr().err


def test_hostile_names_stay_text_in_table_and_webhook():
    alert = Alert(
        id="A-1", fingerprint="f", rule="zombie_job", category="cost", severity="P2", status="open",
        title="\x1b[31m<script>alert(1)</script>", remediation="a & b", evidence={}, workspace_id="1",
        team=HOSTILE, job_id="7", job_name="x", run_id=None, table_full_name=None, links={},
        first_seen=NOW, last_seen=NOW,
    )  # fmt: skip
    table = alerts_table([alert])
    assert "\x1b" not in table and "?[31m<script>" in table
    message = payload("opened", alert)
    assert "&lt;script&gt;" in message["text"] and "<script>" not in json.dumps(message)
    assert "a &amp; b" in json.dumps(message)


class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    statuses: list = []
    gate: threading.Event | None = None

    def do_POST(self):  # noqa: N802 (http.server's name)
        if self.gate is not None:
            self.gate.wait(5)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = self.statuses.pop(0) if self.statuses else 200
        self.received.append((status, body))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_retries_and_never_blocks(setup):
    engine, store, settings, _ = setup
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.received, _Receiver.statuses = [], [500, 503]
    _Receiver.gate = threading.Event()
    try:
        notifier = Notifier(f"http://127.0.0.1:{server.server_port}/hook", backoff_s=0.01)
        result = evaluate(engine, store, settings, now=NOW, notifier=notifier)
        assert (
            _Receiver.received == []
        )  # the evaluation returned while the receiver still held the first post
        _Receiver.gate.set()
        notifier.close(timeout_s=10)
        # 3 P1 alerts opened (j1 streak, j4 and j5 at risk); the P3 is not pushed; 2 failed attempts retried
        assert [s for s, _ in _Receiver.received] == [500, 503, 200, 200, 200]
        texts = [body["text"] for s, body in _Receiver.received if s == 200]
        assert all(t.startswith(":red_circle: New P1 ") for t in texts)
        assert notifier.sent == 3 and len(result.changes.notify) == 3
    finally:
        server.shutdown()


def test_an_unknown_rule_is_named(setup):
    engine, store, settings, _ = setup
    with pytest.raises(ValueError, match="unknown alert rule\\(s\\): nope; known: consecutive_failures"):
        evaluate(engine, store, settings, now=NOW, rules=["nope"])


def test_an_sla_breach_says_its_deadline_with_its_zone_once(tmp_path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("j5", "deadline_job", team="gamma", cron="0 0 2 * * ?", timezone="Asia/Tokyo")
    for d in range(20, 30):
        ws.run("j5", f"j5-{d}", day(d, 17, 1), 3000, dbus=1)  # 02:01 in Tokyo, due by 03:00
    ws.run("j5", "j5-late", day(30, 17, 1), 4800, dbus=1)  # ends 03:21 in Tokyo
    build_model(engine)
    store = StateStore.embedded(tmp_path / "state.duckdb")
    set_sla_target(store, engine, None, "j5", "03:00", "Asia/Tokyo", None, "ops", now=utc(2026, 1, 1))
    settings = Settings(db_path=tmp_path / "workspace.duckdb", state_path=tmp_path / "state.duckdb")
    evaluate(engine, store, settings, now=utc(2026, 10, 31, 2))
    (breach,) = by_rule(Inbox(store).list(now=utc(2026, 10, 31, 2)))["sla_breach"]
    assert breach.run_id == "j5-late"
    assert breach.remediation.startswith("Target: deadline 2026-10-31 03:00 Asia/Tokyo; ")
    engine.close()
