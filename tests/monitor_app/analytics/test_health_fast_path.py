"""The health metrics read per-run facts materialized by the refresh (monitor.run_health).

- With the default thresholds the duration metrics read the materialized baselines and verdicts; any other
  threshold runs the same query over run_health's model inline, on the window's history only. Both paths
  must return the very same frame (rows, order, values), and so must the reference query that computes the
  baselines directly (reference/run_durations_exact.sql), for the default thresholds and for others: on
  hand-built data (test_health's workspace plus a job running three times a day, which takes the
  same-weekday baseline) and on a small simulated workspace.
- The other per-run facts (first-attempt success, task retries, retry cost share, failure streaks) are
  checked against an independent pandas computation from monitor.job_runs / task_runs / run_costs.
- The defaults the refresh binds are the ones health.py applies (one place: data/baselines.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from data.baselines import DERIVED_PARAMS, DURATION_DEFAULTS
from data.engines import DuckDBEngine, placeholders
from data.refresh import model_sql, refresh
from data.schema import create_tables
from data.simulator import generate
from monitor_app.analytics import health
from monitor_app.filters import Filters
from tests.monitor_app.analytics.health_workspace import (
    NOW,
    WINDOW,
    build_durations,
    build_reliability,
    build_retries,
)
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc
from tests.monitor_app.analytics.reference_queries import run_durations_exact

KINDS = ("all", "regression", "fast")


def build_three_a_day(ws: RawWorkspace) -> None:
    """j9: three runs a day from Sep 1 (06:00, 12:00, 18:00 UTC), so the same-weekday baseline applies once
    five earlier clean runs share the weekday; slow, fast and failed runs sprinkled in by day and hour."""
    ws.job("j9", "three_a_day", team="gamma")
    t = utc(2026, 9, 1)
    n = 0
    while t < utc(2026, 10, 30):
        for hour in (6, 12, 18):
            start = t + timedelta(hours=hour)
            base = 300 + 20 * (n % 5) + (60 if hour == 18 else 0)
            if n % 23 == 7:
                ws.run("j9", f"j9-{n}", start, base * 2, "SUCCEEDED")  # critical
            elif n % 31 == 3:
                ws.run("j9", f"j9-{n}", start, base // 3, "SUCCEEDED")  # fast
            elif n % 17 == 5:
                ws.run("j9", f"j9-{n}", start, base, "FAILED")
            else:
                ws.run("j9", f"j9-{n}", start, base, "SUCCEEDED")
            n += 1
        t += timedelta(days=1)


@pytest.fixture(scope="module")
def hand_built(tmp_path_factory):
    engine = DuckDBEngine(tmp_path_factory.mktemp("health_fast") / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    build_reliability(ws)
    build_durations(ws)
    build_retries(ws)
    build_three_a_day(ws)
    build_model(engine)
    yield engine
    engine.close()


SIM_END = datetime(2026, 10, 31)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    path = tmp_path_factory.mktemp("health_fast_sim") / "workspace.duckdb"
    generate(path, seed=11, jobs=40, days=60, end=SIM_END)
    engine = DuckDBEngine(path)
    refresh(engine)
    yield engine
    engine.close()


def assert_same(fast: pd.DataFrame, exact: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast.reset_index(drop=True), exact.reset_index(drop=True), check_exact=True)


def both_paths(engine: DuckDBEngine, filters: Filters, kind: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The materialized path and the inline one, after checking the inline one against the reference."""
    fast, inline = (
        health._durations(engine, filters, kind, {}),
        health._durations(engine, filters, kind, {}, exact=True),
    )
    assert_same(inline.drop(columns="severity"), run_durations_exact(engine, filters, kind))
    return fast, inline


# Thresholds other than the defaults: the inline path against the reference (no materialized path).
OTHER_THRESHOLDS = [
    {"warn_pct": 0.25},
    {"critical_pct": 0.4, "fast_ratio": 0.6},
    {"baseline_days": 14, "min_baseline_runs": 3},
    {"min_same_weekday_runs": 2},
]


@pytest.mark.parametrize("thresholds", OTHER_THRESHOLDS, ids=str)
@pytest.mark.parametrize("workspace", ["hand_built", "simulated"])
def test_other_thresholds_equal_the_reference(workspace, thresholds, request):
    engine = request.getfixturevalue(workspace)
    filters = WINDOW.with_(row_limit=None) if workspace == "hand_built" else SIM_FILTERS[1]
    for kind in KINDS:
        got = health._durations(engine, filters, kind, thresholds)
        assert_same(got.drop(columns="severity"), run_durations_exact(engine, filters, kind, **thresholds))
        if kind == "all":  # not vacuous: runs get verdicts
            assert got["status"].isin(["ok", "warn", "critical", "fast"]).sum() > 10


HAND_FILTERS = [
    WINDOW,
    WINDOW.with_(row_limit=None),
    WINDOW.with_(row_limit=7),
    WINDOW.with_(team="gamma"),
    WINDOW.with_(job_id="j9"),
    WINDOW.with_(job_id="j6"),
    Filters(window_days=7, now=NOW),
    Filters(start_date=date(2026, 9, 3), end_date=date(2026, 9, 20), now=NOW),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("filters", HAND_FILTERS, ids=lambda f: f.describe() + f" limit {f.row_limit}")
def test_fast_path_equals_exact_path_on_hand_built_data(hand_built, filters, kind):
    fast, exact = both_paths(hand_built, filters, kind)
    assert_same(fast, exact)


def test_hand_built_data_exercises_every_verdict_and_basis(hand_built):
    runs = health.run_durations(hand_built, WINDOW.with_(row_limit=None))
    assert set(runs["status"]) == {"critical", "warn", "fast", "ok", "insufficient_history", "not_evaluated"}
    assert set(runs["baseline_basis"].dropna()) == {"same_weekday", "all_days"}
    j9 = runs[runs["job_id"] == "j9"]
    assert (j9["baseline_basis"] == "same_weekday").all()  # October: 12+ earlier runs on each weekday


SIM_FILTERS = [
    Filters(window_days=30, now=SIM_END),
    Filters(window_days=30, now=SIM_END, row_limit=None),
    Filters(window_days=30, now=SIM_END, row_limit=50),
    Filters(window_days=90, now=SIM_END, row_limit=None),
    Filters(window_days=7, now=SIM_END - timedelta(days=20), row_limit=None),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("filters", SIM_FILTERS, ids=lambda f: f.describe() + f" limit {f.row_limit}")
def test_fast_path_equals_exact_path_on_a_simulated_workspace(simulated, filters, kind):
    fast, exact = both_paths(simulated, filters, kind)
    assert_same(fast, exact)
    if kind == "all" and filters.row_limit is None and filters.window_days >= 30:
        assert len(fast) > 1000 and set(fast["baseline_basis"].dropna()) == {"same_weekday", "all_days"}


def test_simulated_fast_path_per_team_and_job(simulated):
    window = Filters(window_days=30, now=SIM_END, row_limit=None)
    runs = health.run_durations(simulated, window)
    team = runs["team"].value_counts().index[0]
    job = runs["job_id"].value_counts().index[0]
    for filters in (window.with_(team=team), window.with_(job_id=job)):
        assert_same(*both_paths(simulated, filters, "all"))


def test_default_thresholds_read_run_health_and_overrides_do_not(hand_built, executed_sql):
    seen = executed_sql
    health.duration_regressions(hand_built, WINDOW)
    health.duration_regressions(hand_built, WINDOW, **DURATION_DEFAULTS)  # explicit defaults: still fast
    assert all("monitor.run_health" in sql for sql in seen)
    seen.clear()
    health.duration_regressions(hand_built, WINDOW, warn_pct=0.25)
    assert len(seen) == 1 and "monitor.run_health" not in seen[0]


def test_row_limit_keeps_the_newest_runs_in_job_order(hand_built):
    everything = health.run_durations(hand_built, WINDOW.with_(row_limit=None))
    limited = health.run_durations(hand_built, WINDOW.with_(row_limit=5))
    newest = everything.sort_values(["start_time", "workspace_id", "run_id"], ascending=[False, True, True])
    assert set(limited["run_id"]) == set(newest["run_id"].head(5))
    ordered = limited.sort_values(["workspace_id", "job_id", "start_time", "run_id"])
    assert limited["run_id"].tolist() == ordered["run_id"].tolist()
    assert len(health.run_durations(hand_built, WINDOW)) == len(everything)  # under the default 10,000


def test_defaults_have_one_source():
    for name, value in DURATION_DEFAULTS.items():
        assert health.DEFAULTS[name] == value
        assert DERIVED_PARAMS[f"duration_{name}"] == value
    used = placeholders(model_sql("run_health"))
    assert used <= set(DERIVED_PARAMS) | {"since", "since_date", "full_refresh"}
    assert {f"duration_{name}" for name in DURATION_DEFAULTS} <= used


# --- per-run facts against an independent computation -------------------------------------------------


def frame(engine: DuckDBEngine, sql: str) -> pd.DataFrame:
    return engine.execute(sql, timeout_s=None)


def expected_run_facts(engine: DuckDBEngine) -> pd.DataFrame:
    """first_attempt_success, task_retries, wasted_share, retry_dbus per run, computed in pandas."""
    runs = frame(engine, "SELECT * FROM monitor.job_runs")
    tasks = frame(engine, "SELECT * FROM monitor.task_runs")
    costs = frame(engine, "SELECT workspace_id, run_id, CAST(dbus AS DOUBLE) AS dbus FROM monitor.run_costs")
    tasks["seconds"] = tasks["duration_seconds"].fillna(0.0)
    last = tasks.groupby(["workspace_id", "job_run_id", "task_key"])["attempt_number"].transform("max")
    tasks["wasted"] = np.where(tasks["attempt_number"] < last, tasks["seconds"], 0.0)
    # A repair's re-runs start at or after the run's first terminal timeline row: not task retries.
    first_end = frame(
        engine,
        "SELECT workspace_id, run_id AS job_run_id, MIN(period_end_time) AS first_end"
        " FROM system.lakeflow.job_run_timeline WHERE result_state IS NOT NULL GROUP BY ALL",
    )
    repaired = runs.loc[runs["repair_count"].fillna(0) > 0, ["workspace_id", "run_id"]]
    first_end = first_end.merge(
        repaired.rename(columns={"run_id": "job_run_id"}), on=["workspace_id", "job_run_id"]
    )
    tasks = tasks.merge(first_end, on=["workspace_id", "job_run_id"], how="left")
    by_repair = tasks["first_end"].notna() & (tasks["start_time"] >= tasks["first_end"])
    tasks["task_retry"] = tasks["is_retry"] & ~by_repair
    per_run = (
        tasks.groupby(["workspace_id", "job_run_id"])
        .agg(task_retries=("task_retry", "sum"), task_seconds=("seconds", "sum"), wasted=("wasted", "sum"))
        .reset_index()
        .rename(columns={"job_run_id": "run_id"})
    )
    out = runs.merge(per_run, on=["workspace_id", "run_id"], how="left").merge(
        costs, on=["workspace_id", "run_id"], how="left"
    )
    out["task_retries"] = out["task_retries"].fillna(0).astype("int64")
    repairs = out["repair_count"].fillna(0)
    out["wasted_share"] = np.where(
        out["task_seconds"] > 0,
        out["wasted"] / out["task_seconds"].where(out["task_seconds"] > 0, 1),
        np.where(repairs > 0, repairs / (repairs + 1.0), 0.0),
    )
    out["retry_dbus"] = out["dbus"].fillna(0.0) * out["wasted_share"]
    out["first_attempt_success"] = (
        (out["outcome"] == "success")
        & (out["first_outcome"] == "success")
        & (repairs == 0)
        & (out["task_retries"] == 0)
    )
    return out.set_index(["workspace_id", "run_id"]).sort_index()


def expected_streaks(engine: DuckDBEngine) -> pd.DataFrame:
    """Per failure: the failures in a row ending with it, with the streak's first failure and the last success."""
    runs = frame(
        engine,
        "SELECT workspace_id, job_id, run_id, end_time, outcome FROM monitor.job_runs"
        " WHERE outcome IN ('success', 'failure')",
    ).sort_values(["workspace_id", "job_id", "end_time", "run_id"])
    rows = []
    for _, job in runs.groupby(["workspace_id", "job_id"], sort=False):
        streak, since, first, last_success = 0, None, None, None
        records = job.to_dict("records")
        for i, r in enumerate(records):
            nxt = records[i + 1]["end_time"] if i + 1 < len(records) else pd.NaT
            if r["outcome"] == "success":
                streak, last_success = 0, r["end_time"]
                rows.append((r["workspace_id"], r["run_id"], None, pd.NaT, None, last_success, nxt))
                continue
            if streak == 0:
                since, first = r["end_time"], r["run_id"]
            streak += 1
            rows.append((r["workspace_id"], r["run_id"], streak, since, first, last_success, nxt))
    cols = [
        "workspace_id",
        "run_id",
        "failure_streak",
        "failing_since",
        "streak_first_run_id",
        "last_success_time",
        "next_decided_end_time",
    ]
    return pd.DataFrame(rows, columns=cols).set_index(["workspace_id", "run_id"]).sort_index()


@pytest.mark.parametrize("workspace", ["hand_built", "simulated"])
def test_run_health_per_run_facts(workspace, request):
    engine = request.getfixturevalue(workspace)
    got = frame(engine, "SELECT * FROM monitor.run_health").set_index(["workspace_id", "run_id"]).sort_index()
    want = expected_run_facts(engine)
    assert got.index.equals(want.index)
    assert got["task_retries"].tolist() == want["task_retries"].tolist()
    assert got["first_attempt_success"].tolist() == want["first_attempt_success"].tolist()
    np.testing.assert_allclose(got["wasted_share"], want["wasted_share"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(got["retry_dbus"], want["retry_dbus"], rtol=1e-12, atol=0)
    assert (got["task_retries"] > 0).any() and (got["wasted_share"] > 0).any()

    streaks = expected_streaks(engine)
    decided = got.loc[streaks.index]
    assert (
        decided["failure_streak"].astype("Int64").tolist()
        == streaks["failure_streak"].astype("Int64").tolist()
    )
    for column in ("failing_since", "last_success_time", "next_decided_end_time"):
        assert decided[column].equals(streaks[column].astype(decided[column].dtype)), column
    assert (
        decided["streak_first_run_id"].fillna("").tolist()
        == streaks["streak_first_run_id"].fillna("").tolist()
    )
    assert decided["failure_streak"].max() >= 2
    undecided = got.drop(index=streaks.index)
    assert undecided["failure_streak"].isna().all() and undecided["next_decided_end_time"].isna().all()


def test_run_health_is_stored_in_start_time_order(simulated):
    starts = frame(simulated, "SELECT start_time FROM monitor.run_health")["start_time"]
    assert starts.is_monotonic_increasing
