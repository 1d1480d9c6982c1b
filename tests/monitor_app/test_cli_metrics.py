"""`python -m monitor_app metrics`: the same numbers as the analytics functions, as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables
from monitor_app import cli
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc

TEAM = 'O\'Brien "ops"'  # untrusted text: quotes must survive the CLI, JSON and CSV


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MONITOR_STATE_DB", str(tmp_path / "state.duckdb"))
    path = tmp_path / "workspace.duckdb"
    engine = DuckDBEngine(path)
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("j1", "nightly <load>", team=TEAM)
    for d in range(1, 6):
        ws.run("j1", f"j1-{d}", utc(2026, 10, d, 2), 300, "SUCCEEDED", dbus=4)
    ws.run("j1", "j1-6", utc(2026, 10, 6, 2), 300, "FAILED", dbus=4)
    ws.run("j1", "j1-7", utc(2026, 10, 7, 2), 300, "ERROR", dbus=4)
    build_model(engine)
    engine.close()
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["metrics", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_metrics_lists_the_registered_names(db, capsys):
    code, out, _ = run(capsys, "--db", str(db))
    names = [line.split()[0] for line in out.splitlines()]
    assert code == 0
    assert {"success_rates", "consecutive_failures", "dbu_spikes", "zombie_jobs", "sla_breaches"} <= set(
        names
    )
    assert names == sorted(names)


def test_consecutive_failures_as_json(db, capsys):
    code, out, _ = run(capsys, "consecutive_failures", "--db", str(db), "--now", "2026-10-10T00:00:00")
    rows = json.loads(out)
    assert code == 0
    assert [(r["job_id"], r["job_name"], r["team"], r["streak_length"], r["severity"]) for r in rows] == [
        ("j1", "nightly <load>", TEAM, 2, "P1")
    ]


def test_success_rates_as_csv_with_a_team_filter(db, capsys):
    code, out, _ = run(
        capsys,
        "success_rates",
        "--db",
        str(db),
        "--now",
        "2026-10-10T00:00:00",
        "--window",
        "30",
        "--team",
        TEAM,
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert [(r["job_id"], r["runs"], r["succeeded"], r["failed"], r["failure_rate"]) for r in rows] == [
        ("j1", "7", "5", "2", str(2 / 7))
    ]


def test_threshold_override_and_unknown_threshold(db, capsys):
    code, out, _ = run(
        capsys,
        "consecutive_failures",
        "--db",
        str(db),
        "--now",
        "2026-10-10T00:00:00",
        "--threshold",
        "min_streak=3",
    )
    assert (code, json.loads(out)) == (0, [])
    code, _, err = run(capsys, "consecutive_failures", "--db", str(db), "--threshold", "nope=1")
    assert code == 2
    assert "unknown threshold(s): nope" in err


def test_unknown_metric_is_a_usage_error(db, capsys):
    code, _, err = run(capsys, "no_such_metric", "--db", str(db))
    assert code == 2
    assert err.startswith("unknown metric 'no_such_metric'; known: ")


def test_filters_bind_the_row_limit_and_none_means_every_row() -> None:
    from monitor_app.filters import NO_ROW_LIMIT, ROW_LIMIT, Filters

    assert Filters().to_params()["row_limit"] == ROW_LIMIT == 10_000
    assert Filters(row_limit=25).to_params()["row_limit"] == 25
    assert Filters(row_limit=None).to_params()["row_limit"] == NO_ROW_LIMIT
    with pytest.raises(ValueError, match="row limit must be a positive number of rows, got -1"):
        Filters(row_limit=-1)


def test_limit_cuts_per_run_metrics_and_says_so(db, capsys):
    now = ("--now", "2026-10-10T00:00:00")
    code, out, err = run(capsys, "run_durations", "--db", str(db), *now, "--limit", "3")
    assert code == 0
    assert [r["run_id"] for r in json.loads(out)] == ["j1-5", "j1-6", "j1-7"]
    assert err == "note: 3 rows, the row limit; there may be more (--limit 0 prints every row)\n"
    code, out, err = run(capsys, "run_durations", "--db", str(db), *now, "--limit", "0")
    assert (code, len(json.loads(out)), err) == (0, 7, "")
    code, _, err = run(capsys, "run_durations", "--db", str(db), *now, "--limit", "-2")
    assert (code, err) == (1, "error: row limit must be a positive number of rows, got -2\n")


QUANTITY = "899999999999.9973"


@pytest.fixture
def big_spender(tmp_path, monkeypatch):
    """One job whose 100 runs of 7 usage rows cost ~$9.45e13 (above 2^53 cents: float64 cannot hold the
    cents). Each run stays under DuckDB's limit for one run's sum of products ($10^12, run_costs.sql)."""
    from datetime import datetime, timedelta
    from decimal import Decimal

    from tests.monitor_app.analytics.cost_fixtures import RawWorkspace as CostWorkspace
    from tests.monitor_app.analytics.cost_fixtures import build_model as build_cost_model

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "workspace.duckdb"
    engine = DuckDBEngine(path)
    create_tables(engine.raw())
    ws = CostWorkspace(engine)
    ws.job("big", "huge <backfill>", tags={"team": TEAM})
    ws.price("STANDARD_JOBS_COMPUTE", datetime(2026, 1, 1), None, "0.15")
    for i in range(100):
        start = datetime(2026, 10, 1) + timedelta(hours=i)
        ws.costed_run("big", f"big-{i}", start, QUANTITY)
        for _ in range(6):
            ws.usage("big", f"big-{i}", start, QUANTITY)
    build_cost_model(engine)
    engine.close()
    exact = Decimal(QUANTITY) * Decimal("0.15") * 700
    return path, exact


def test_money_is_printed_exactly_in_json_and_csv(big_spender, capsys):
    from decimal import Decimal

    path, exact = big_spender
    assert Decimal(float(exact)) != exact  # as float64 (the previous output) the amount is not exact
    args = ("job_costs", "--db", str(path), "--now", "2026-10-06T00:00:00", "--window", "30")
    code, out, _ = run(capsys, *args)
    assert code == 0
    rows = json.loads(out, parse_float=Decimal)
    assert [(r["job_id"], r["list_cost_usd"]) for r in rows] == [("big", exact)]
    assert f'"list_cost_usd":{exact.normalize():f}' in out.replace(" ", "")
    code, out, _ = run(capsys, *args, "--format", "csv")
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert Decimal(row["list_cost_usd"]) == exact
    assert row["job_name"] == "huge <backfill>"


def test_job_runs_follows_limit(db, capsys):
    now = ("--now", "2026-10-10T00:00:00")
    code, out, err = run(capsys, "job_runs", "--db", str(db), *now, "--limit", "3")
    assert code == 0 and [r["run_id"] for r in json.loads(out)] == ["j1-7", "j1-6", "j1-5"]
    assert "the row limit" in err
    code, out, _ = run(capsys, "job_runs", "--db", str(db), *now, "--limit", "0")
    assert code == 0 and len(json.loads(out)) == 7


def test_an_unknown_team_is_named_not_an_empty_list(db, capsys):
    code, out, err = run(capsys, "team_jobs", "--db", str(db), "--team", "nobody")
    assert (code, out) == (2, "")
    assert err == f"error: --team: unknown team 'nobody'; known: {TEAM}, unattributed\n"
    code, out, _ = run(capsys, "team_jobs", "--db", str(db), "--team", TEAM, "--now", "2026-10-10T00:00:00")
    assert code == 0 and json.loads(out)[0]["team"] == TEAM


def test_a_bad_now_names_the_option(db, capsys):
    code, out, err = run(capsys, "job_runs", "--db", str(db), "--now", "yesterday")
    assert (code, out) == (2, "")
    assert err == "error: --now expects an ISO time such as 2026-12-06T09:00 (UTC), got 'yesterday'\n"


def test_sla_metrics_check_the_targets_saved_in_the_state_store(db, capsys):
    from datetime import UTC, datetime

    from monitor_app.context import open_state_store
    from monitor_app.settings import load_settings
    from monitor_app.sla_targets import set_sla_target

    code, out, _ = run(capsys, "sla_breaches", "--db", str(db), "--now", "2026-10-10T00:00:00")
    assert (code, json.loads(out)) == (0, [])  # no target saved: nothing is checked
    settings = load_settings()
    settings.db_path = db
    engine = DuckDBEngine(db)
    try:  # every run takes 5 minutes: a 4-minute maximum is breached by all seven
        set_sla_target(
            open_state_store(settings),
            engine,
            None,
            "j1",
            None,
            None,
            4,
            "ana",
            now=datetime(2026, 9, 1, tzinfo=UTC),
        )
    finally:
        engine.close()
    code, out, _ = run(capsys, "sla_breaches", "--db", str(db), "--now", "2026-10-10T00:00:00")
    rows = json.loads(out)
    assert code == 0
    assert [r["run_id"] for r in rows] == [f"j1-{d}" for d in range(7, 0, -1)]
