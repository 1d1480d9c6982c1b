"""The reports on hand-built data: periods, exact figures, self-contained HTML, snapshots, the command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables
from data.state_store import StateStore
from monitor_app import cli
from monitor_app.settings import Settings
from reports.models import ReportInputs, build, compute_kind
from reports.periods import period
from reports.render import render
from reports.snapshots import list_snapshots, make_report, write_snapshot
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc

HOSTILE = "<script>alert('x')</script> & co"
NOW = utc(2026, 10, 28, 6)  # a Wednesday: the last complete week is Monday 19 to Monday 26 October


def test_periods_in_utc_and_in_a_time_zone():
    daily = period("daily", NOW)
    assert (daily.start, daily.end, daily.label) == (utc(2026, 10, 27, 6), NOW, "2026-10-28")
    weekly = period("weekly", NOW)
    assert (weekly.start, weekly.end, weekly.label, weekly.days) == (
        utc(2026, 10, 19),
        utc(2026, 10, 26),
        "2026-W43",
        7,
    )
    assert weekly.previous().start == utc(2026, 10, 12)
    monthly = period("monthly", NOW)
    assert (monthly.start, monthly.end, monthly.label, monthly.days) == (
        utc(2026, 9, 1),
        utc(2026, 10, 1),
        "2026-09",
        30,
    )
    # Paris is UTC+2 in October, UTC+1 from 25 October: its week starts 19 Oct 00:00 local = 18 Oct 22:00 UTC
    paris = period("weekly", NOW, "Europe/Paris")
    assert (paris.start, paris.end) == (utc(2026, 10, 18, 22), utc(2026, 10, 25, 23))
    first = period("monthly", datetime(2026, 11, 1, 0, 30, tzinfo=UTC), "Asia/Tokyo")
    assert (first.label, first.start, first.end) == ("2026-10", utc(2026, 9, 30, 15), utc(2026, 10, 31, 15))
    with pytest.raises(ValueError, match="unknown report 'hourly'"):
        period("hourly", NOW)


@pytest.fixture
def engine(tmp_path: Path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("j1", "nightly_load", team="alpha")
    ws.job("j2", HOSTILE, team=HOSTILE)
    # the week of 19 October: j1 three runs of 10 DBU ($1.50 each), j2 one of 20 DBU ($3.00)
    for day in (19, 21, 25):
        ws.run("j1", f"a{day}", utc(2026, 10, day, 2), 600, dbus=10)
    ws.run("j2", "b21", utc(2026, 10, 21, 3), 600, dbus=20)
    # the week before: j1 one run of 10 DBU; September: j1 two runs of 10 DBU
    ws.run("j1", "a14", utc(2026, 10, 14, 2), 600, dbus=10)
    ws.run("j1", "s10", utc(2026, 9, 10, 2), 600, dbus=10)
    ws.run("j1", "s11", utc(2026, 9, 11, 2), 600, "FAILED", dbus=10)
    # the last 24 hours: a failure of j2 and a success of j1
    ws.run("j2", "b27", utc(2026, 10, 27, 12), 600, "FAILED", dbus=2)
    ws.run("j1", "a27", utc(2026, 10, 27, 13), 600, dbus=2)
    build_model(engine)
    yield engine
    engine.close()


def test_the_weekly_report_has_each_teams_exact_spend_and_trend(engine):
    report = build("weekly", engine, ReportInputs(), NOW)
    teams = report.teams.set_index("team")
    assert float(teams.loc["alpha", "list_cost_usd"]) == 4.50
    assert float(teams.loc["alpha", "previous_list_cost_usd"]) == 1.50
    assert float(teams.loc[HOSTILE, "list_cost_usd"]) == 3.00
    assert (report.total_usd, report.previous_total_usd) == (7.50, 1.50)
    one = build("weekly", engine, ReportInputs(), NOW, team="alpha")
    assert one.total_usd == 4.50 and list(one.teams["team"]) == ["alpha"]


def test_the_monthly_report_has_the_months_total_and_reliability(engine):
    report = build("monthly", engine, ReportInputs(), NOW)
    assert report.period.label == "2026-09"
    assert report.total_usd == 3.00  # two runs of 10 DBU at $0.15
    assert (report.success_rate, report.successful_runs, report.cost_per_successful_run_usd) == (0.5, 1, 3.00)
    assert report.compute.to_dict("records") == [{"compute": "jobs compute", "list_cost_usd": 3.0}]
    october = build("monthly", engine, ReportInputs(), utc(2026, 11, 2))
    assert october.total_usd == 9.60 and october.previous_total_usd == 3.00
    # fewer than 7 days with spend: October's spend per day over November's 30 days
    assert october.forecast_usd == pytest.approx(9.60 / 31 * 30)
    assert compute_kind(False, ["PREMIUM_ALL_PURPOSE_COMPUTE"]) == "all-purpose"
    assert compute_kind(True, []) == "serverless"


def test_the_daily_report_lists_the_nights_failures(engine):
    report = build("daily", engine, ReportInputs(), NOW)
    assert list(report.failures["run_id"]) == ["b27"]
    assert (report.runs, len(report.failures), report.previous_failures) == (2, 1, 0)
    assert report.spend_usd == pytest.approx(0.60)


def test_the_html_is_self_contained_escaped_and_says_its_period_and_basis(engine):
    page = render(build("weekly", engine, ReportInputs(), NOW))
    assert (
        "<script>alert(" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page
    )
    assert "Period: 2026-10-19 00:00 to 2026-10-26 00:00 UTC (all teams)" in page
    assert (
        "Costs at list prices (USD)" in page and "from data as of: job timeline: 2026-10-27 13:10 UTC" in page
    )
    assert " src=" not in page and "http://" not in page.split("</style>")[0]
    assert "Bokeh" in page  # the library is inline


def test_an_empty_period_says_so(engine):
    report = build("weekly", engine, ReportInputs(), utc(2025, 1, 8))  # before any data
    assert not report.has_data
    assert "<h2>No data for this period</h2>" in render(report)


def test_snapshots_are_kept_and_listed(engine, tmp_path):
    report = build("daily", engine, ReportInputs(), NOW, team=HOSTILE)
    first = write_snapshot(report, tmp_path / "reports")
    second = write_snapshot(report, tmp_path / "reports")  # same moment: a name of its own, nothing lost
    assert first != second and first.exists() and second.name.endswith("-2.html")
    assert first.name.startswith("daily_2026-10-28_script-alert-x-script-co_")
    listed = list_snapshots(tmp_path / "reports")
    assert len(listed) == 2  # both kept, both listed
    assert listed.iloc[0][["kind", "period", "team"]].tolist() == [
        "daily",
        "2026-10-28",
        "script-alert-x-script-co",
    ]


def test_make_report_reads_the_inbox_targets_and_budgets(engine, tmp_path):
    store = StateStore.embedded(tmp_path / "state.duckdb")
    settings = Settings(db_path=tmp_path / "workspace.duckdb", budgets=[{"team": "alpha", "monthly_usd": 5}])
    report = make_report("weekly", engine, store, settings, NOW)
    assert report.budgets[["team", "monthly_usd", "status"]].values.tolist() == [["alpha", 5.0, "exceeded"]]


def test_the_report_command(engine, tmp_path, capsys):
    db = str(tmp_path / "workspace.duckdb")
    engine.close()
    out = tmp_path / "weekly.html"
    assert cli.main(["report", "weekly", "--db", db, "--now", "2026-10-28T06:00", "--out", str(out)]) == 0
    assert "wrote the weekly report for 2026-W43 to" in capsys.readouterr().err
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert (
        cli.main(["report", "all", "--db", db, "--now", "2026-10-28T06:00", "--out", str(tmp_path / "all")])
        == 0
    )
    assert sorted(p.name.split("_")[0] for p in (tmp_path / "all").glob("*.html")) == [
        "daily",
        "monthly",
        "weekly",
    ]
    assert (
        cli.main(["report", "daily", "--db", db, "--now", "2001-01-01", "--out", str(tmp_path / "old.html")])
        == 0
    )
    assert "(no data for this period)" in capsys.readouterr().err
    unwritable = tmp_path / "missing" / "dir" / "x.html"
    assert cli.main(["report", "daily", "--db", db, "--out", str(unwritable)]) == 2
    assert f"error: cannot write the report to {unwritable}" in capsys.readouterr().err
    assert cli.main(["report", "daily", "--db", db, "--team", "nobody", "--out", str(out)]) == 2
    assert "unknown team 'nobody'" in capsys.readouterr().err
    assert cli.main(["report", "daily", "--db", db, "--now", "yesterday", "--out", str(out)]) == 2
    assert "--now expects an ISO time" in capsys.readouterr().err


def test_the_savings_ledger_counts_what_fell_after_a_recommendation(tmp_path):
    from types import SimpleNamespace

    engine = DuckDBEngine(tmp_path / "ledger.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("j3", "oversized_etl", team="alpha")
    for day in range(5, 11):  # September: six runs of 10 DBU, $9.00
        ws.run("j3", f"s{day}", utc(2026, 9, day, 2), 600, dbus=10)
    ws.run("j3", "o10", utc(2026, 10, 10, 2), 600, dbus=10)  # October, after the fix: $1.50
    build_model(engine)
    alert = SimpleNamespace(
        id="A-1",
        rule="over_provisioned",
        severity="P3",
        status="resolved",
        title="oversized_etl: over-provisioned",
        remediation="Reduce workers",
        workspace_id=ws.workspace_id,
        job_id="j3",
        job_name="oversized_etl",
        team="alpha",
        first_seen=utc(2026, 9, 30, 12),
        resolved_at=utc(2026, 10, 2),
    )
    report = build("monthly", engine, ReportInputs(alerts=[alert]), utc(2026, 11, 2))
    row = report.ledger.iloc[0]
    # $9.00 over the 30 days before the recommendation ($0.30/day) against $1.50 over October's 31 days
    assert (row["before_usd_per_day"], row["month_usd_per_day"]) == (0.30, 0.05)
    assert row["realized_usd"] == pytest.approx(7.80) and report.realized_savings_usd == pytest.approx(7.80)
    page = render(report)
    assert "oversized_etl" in page and "$7.80" in page
    engine.close()


def test_lateness_reads_in_minutes_and_a_run_that_was_not_late_reads_a_dash():
    from reports.render import _minutes

    assert [_minutes(v) for v in (5400.0, -3600.0, 0.0, None, float("nan"))] == ["90 min", "–", "–", "–", "–"]
