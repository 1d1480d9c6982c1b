"""Drill-down SQL on the hand-made workspace (tests/ui/fixtures.py): exact values."""

from __future__ import annotations

import pandas as pd
import pytest

from data.engines import DuckDBEngine
from monitor_app.analytics import drilldown
from monitor_app.filters import Filters
from tests.ui.fixtures import END, OBRIEN, XSS_JOB, build_fixture


@pytest.fixture(scope="module")
def eng(tmp_path_factory):
    engine = DuckDBEngine(build_fixture(tmp_path_factory.mktemp("dd") / "w.duckdb"), read_only=True)
    yield engine
    engine.close()


F = Filters(window_days=30, now=END)


def test_teams_summary(eng):
    got = drilldown.teams_summary(eng, F)
    assert got[["team", "jobs", "runs", "succeeded", "failed", "running"]].values.tolist() == [
        ["data-eng", 2, 4, 2, 1, 1],
        [OBRIEN, 1, 2, 0, 2, 0],
    ]
    assert got["list_cost_usd"].round(2).tolist() == [11.0, 1.0]
    assert got["dbus"].tolist() == [20.0, 2.0]
    assert got["success_rate"].round(4).tolist() == [0.6667, 0.0]


def test_teams_summary_window_excludes_old_runs_and_filters_team(eng):
    # r1 (50 h before the end) falls out of a window ending 1 day earlier... use an explicit date range
    got = drilldown.teams_summary(eng, F.with_(window_days=7, team="data-eng"))
    assert got[["team", "runs"]].values.tolist() == [["data-eng", 4]]
    old = drilldown.teams_summary(eng, Filters(window_days=90, now=END, team="data-eng"))
    assert old["runs"].tolist() == [5] and round(old["list_cost_usd"].iloc[0], 2) == 15.0


def test_team_jobs(eng):
    got = drilldown.team_jobs(eng, F.with_(team="data-eng"))
    assert got[
        ["job_id", "name", "runs", "succeeded", "failed", "running", "last_outcome"]
    ].values.tolist() == [
        ["101", "nightly_etl", 3, 2, 1, 0, "success"],
        ["103", "reporting", 1, 0, 0, 1, "running"],
    ]
    assert got["p50_duration_seconds"].iloc[0] == 750.0
    assert got["list_cost_usd"].round(2).tolist() == [11.0, 0.0]


def test_team_jobs_all_teams_hides_deleted_job_without_runs(eng):
    got = drilldown.team_jobs(eng, F)
    assert sorted(got["job_id"]) == ["101", "102", "103"]
    assert got.loc[got.job_id == "102", "name"].item() == XSS_JOB


def test_job_runs(eng):
    got = drilldown.job_runs(eng, F.with_(job_id="101", workspace_id="1001"))
    assert got[["run_id", "outcome", "duration_seconds", "repair_count"]].values.tolist() == [
        ["r3", "success", 900.0, 0],
        ["r2", "failure", 300.0, 0],
        ["r1", "success", 600.0, 1],
    ]
    assert got["list_cost_usd"].round(2).tolist() == [3.3, 2.2, 5.5]


def test_job_runs_without_job_lists_the_scope(eng):
    got = drilldown.job_runs(eng, F.with_(team=OBRIEN))
    assert got["run_id"].tolist() == ["r5", "r4"]
    assert got["list_cost_usd"].isna().tolist() == [True, False]


def test_run_summary_and_tasks(eng):
    run = drilldown.run_summary(eng, F, "r1").iloc[0]
    assert (run.job_name, run.team, run.tasks, run.task_runs, run.task_retries, run.repair_count) == (
        "nightly_etl",
        "data-eng",
        2,
        3,
        1,
        1,
    )
    assert round(run.list_cost_usd, 2) == 5.5 and run.dbus == 10.0
    tasks = drilldown.run_tasks(eng, F, "r1")
    assert tasks[
        ["task_key", "attempt_number", "is_retry", "outcome", "duration_seconds"]
    ].values.tolist() == [
        ["extract", 0, False, "failure", 100.0],
        ["extract", 1, True, "success", 200.0],
        ["load", 0, False, "success", 270.0],
    ]
    assert drilldown.run_tasks(eng, F, "nope").empty


def test_data_freshness(eng):
    got = drilldown.data_freshness(eng).set_index("source")["newest_time"]
    assert got["job timeline"] == pd.Timestamp(END)
    assert got["billing"] == pd.Timestamp("2026-11-20 11:00", tz="UTC")
    assert got["node timeline"] == pd.Timestamp("2026-11-20 10:00", tz="UTC")
    assert list(got.index) == ["job timeline", "billing", "node timeline", "jobs"]
    assert drilldown.model_refreshed_at(eng) == pd.Timestamp("2026-11-20 12:05", tz="UTC")


def test_run_without_task_rows_counts_zero(eng):
    run = drilldown.run_summary(eng, F, "r3").iloc[0]
    assert (run.tasks, run.task_runs, run.task_retries) == (0, 0, 0)


def test_job_days_and_their_daily_series(eng):
    got = drilldown.job_days(eng, F)
    assert [
        (w, j, pd.Timestamp(d).date().isoformat(), r, f) for w, j, d, r, f in got.itertuples(index=False)
    ] == [
        ("1001", "101", "2026-11-18", 1, 0),
        ("1001", "101", "2026-11-19", 1, 1),
        ("1001", "101", "2026-11-20", 1, 0),
        ("1001", "102", "2026-11-19", 1, 1),
        ("1001", "102", "2026-11-20", 1, 1),
        ("1001", "103", "2026-11-20", 1, 0),
    ]
    series = drilldown.daily_series(got, F)
    nightly = series[("1001", "101")]
    # a 30-day window ending at 12:00 touches 31 UTC days, 2026-10-21 to 2026-11-20
    assert len(nightly) == 31 and nightly[0] == ("2026-10-21", 0, 0)
    assert nightly[-3:] == [("2026-11-18", 1, 0), ("2026-11-19", 1, 1), ("2026-11-20", 1, 0)]
    assert drilldown.job_days(eng, F.with_(team=OBRIEN))["job_id"].tolist() == ["102", "102"]


def test_team_days_add_up_to_the_teams_summary(eng):
    got = drilldown.team_days(eng, F)
    rows = [
        (team, pd.Timestamp(day).date().isoformat(), runs, ok, failed, round(cost, 2))
        for team, day, runs, ok, failed, cost in got.itertuples(index=False)
    ]
    assert rows == [
        ("data-eng", "2026-11-18", 1, 1, 0, 5.5),
        (OBRIEN, "2026-11-19", 1, 0, 1, 1.0),
        ("data-eng", "2026-11-19", 1, 0, 1, 2.2),
        (OBRIEN, "2026-11-20", 1, 0, 1, 0.0),  # its run has no billing row yet
        ("data-eng", "2026-11-20", 2, 1, 0, 3.3),  # one success, one still running
    ]
    summary = drilldown.teams_summary(eng, F).set_index("team")
    per_team = got.groupby("team")[["runs", "succeeded", "failed", "list_cost_usd"]].sum()
    assert per_team["runs"].to_dict() == summary["runs"].to_dict()
    assert per_team["failed"].to_dict() == summary["failed"].to_dict()
    assert per_team["list_cost_usd"].round(2).to_dict() == summary["list_cost_usd"].round(2).to_dict()
    assert drilldown.team_days(eng, F.with_(team=OBRIEN))["team"].tolist() == [OBRIEN, OBRIEN]


def test_daily_totals_fill_every_day_of_the_window(eng):
    totals = drilldown.daily_totals(drilldown.team_days(eng, F), F)
    assert len(totals) == 31 and totals["day"].iloc[0] == "2026-10-21"
    assert totals.iloc[-3:][["day", "runs", "succeeded", "failed"]].values.tolist() == [
        ["2026-11-18", 1, 1, 0],
        ["2026-11-19", 2, 0, 2],
        ["2026-11-20", 3, 1, 1],
    ]
    assert totals["list_cost_usd"].iloc[-3:].round(2).tolist() == [5.5, 3.2, 3.3]
    assert totals["success_rate"].iloc[-3:].tolist() == [1.0, 0.0, 0.5]
    assert pd.isna(totals["success_rate"].iloc[0]) and totals["runs"].iloc[0] == 0
    nothing = drilldown.daily_totals(drilldown.team_days(eng, F).iloc[:0], F)
    assert len(nothing) == 31 and nothing["runs"].sum() == 0 and nothing["list_cost_usd"].dtype == "float64"
