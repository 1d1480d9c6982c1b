"""Job health metrics (JOB-01..04) on hand-built raw system-table rows, with exact expected values."""

from __future__ import annotations

import pandas as pd
import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables
from monitor_app.analytics import health
from monitor_app.analytics.registry import METRICS
from tests.monitor_app.analytics.health_workspace import (
    WINDOW,
    build_durations,
    build_reliability,
    build_retries,
)
from tests.monitor_app.analytics.rawdata import PRICE_USD_PER_DBU, RawWorkspace, build_model


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """One workspace for the module (the metrics only read it): built once, from raw rows."""
    engine = DuckDBEngine(tmp_path_factory.mktemp("health") / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    build_reliability(ws)
    build_durations(ws)
    build_retries(ws)
    build_model(engine)
    yield engine
    engine.close()


def by_job(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("job_id")


def test_metrics_are_registered():
    assert set(health.HEALTH_METRICS) <= set(METRICS)


def test_success_rates_exact(workspace):
    rates = by_job(health.success_rates(workspace, WINDOW.with_(team="alpha")))
    assert list(rates.index) == ["j2", "j1"]  # highest failure rate first
    j1 = rates.loc["j1"]
    assert (j1.runs, j1.decided_runs, j1.succeeded, j1.failed, j1.cancelled, j1.skipped, j1.running) == (
        11,
        10,
        8,
        2,
        1,
        0,
        0,
    )
    assert j1.first_attempt_succeeded == 6  # the repaired run and the task-retried run are not first-attempt
    assert j1.success_rate == pytest.approx(0.8)
    assert j1.first_attempt_success_rate == pytest.approx(0.6)
    assert j1.flaky_gap == pytest.approx(0.2)
    assert j1.failure_rate == pytest.approx(0.2)
    assert j1.status == "warn"  # exactly 20% is not above the critical threshold
    assert (j1.warn_threshold, j1.critical_threshold) == (0.1, 0.2)
    j2 = rates.loc["j2"]
    assert (j2.runs, j2.failed, j2.previous_decided_runs) == (4, 2, 3)
    assert j2.previous_failure_rate == 0.0
    assert j2.failure_rate_change == pytest.approx(0.5)
    assert j2.status == "critical"


def test_success_rates_running_renamed_and_never_succeeded(workspace):
    rates = by_job(health.success_rates(workspace, WINDOW.with_(team="beta")))
    j4 = rates.loc["j4"]  # a run still in progress is counted apart, never as a failure
    assert (j4.runs, j4.decided_runs, j4.running, j4.failed) == (4, 3, 1, 2)
    assert j4.last_outcome == "running"
    assert j4.failure_rate == pytest.approx(2 / 3)
    j5 = rates.loc["j5"]  # renamed mid-window: one row, the latest name
    assert j5.job_name == "new_name"
    assert (j5.runs, j5.succeeded, j5.failed) == (6, 5, 1)
    assert j5.failure_rate == pytest.approx(1 / 6)
    assert j5.status == "warn"
    j3 = rates.loc["j3"]
    assert (j3.runs, j3.succeeded, j3.failed, j3.success_rate, j3.status) == (3, 0, 3, 0.0, "critical")


def test_success_rates_thresholds_overridable(workspace):
    rates = by_job(health.success_rates(workspace, WINDOW.with_(job_id="j5"), warn_failure_rate=0.2))
    assert rates.loc["j5", "status"] == "ok"
    with pytest.raises(TypeError, match="unknown threshold"):
        health.success_rates(workspace, WINDOW, warn_rate=0.2)


def test_team_success_rates(workspace):
    teams = health.team_success_rates(workspace, WINDOW).set_index("team")
    alpha = teams.loc["alpha"]
    assert (alpha.jobs, alpha.runs, alpha.decided_runs, alpha.succeeded, alpha.failed, alpha.cancelled) == (
        2,
        15,
        14,
        10,
        4,
        1,
    )
    assert alpha.first_attempt_succeeded == 8
    assert alpha.failure_rate == pytest.approx(4 / 14)
    assert (alpha.jobs_warn, alpha.jobs_critical, alpha.status) == (1, 1, "critical")
    beta = teams.loc["beta"]
    assert (beta.jobs, beta.runs, beta.running, beta.succeeded, beta.failed) == (3, 13, 1, 6, 6)
    assert (beta.jobs_warn, beta.jobs_critical) == (1, 2)


def test_consecutive_failures(workspace):
    flagged = by_job(health.consecutive_failures(workspace, WINDOW))
    assert sorted(flagged.index) == ["j1", "j3", "j4"]  # j2's streak was broken
    j1 = flagged.loc["j1"]  # exactly 2; the cancelled run after them neither breaks nor extends the streak
    assert (j1.streak_length, j1.threshold, j1.severity) == (2, 2, "P1")
    assert j1.failing_since == pd.Timestamp("2026-10-09 02:03:20", tz="UTC")
    assert j1.last_failure_time == pd.Timestamp("2026-10-10 02:03:20", tz="UTC")
    assert (j1.first_failed_run_id, j1.last_failed_run_id, j1.last_termination_code) == (
        "j1-9",
        "j1-10",
        "TIMED_OUT",
    )
    assert j1.last_success_time == pd.Timestamp("2026-10-08 02:10:00", tz="UTC")
    j3 = flagged.loc["j3"]  # no successful run yet
    assert (j3.streak_length, bool(j3.has_succeeded)) == (3, False)
    assert pd.isna(j3.last_success_time)
    j4 = flagged.loc["j4"]  # the run in progress does not count
    assert (j4.streak_length, j4.running_runs) == (2, 1)
    assert health.consecutive_failures(workspace, WINDOW, min_streak=3)["job_id"].tolist() == ["j3"]


def test_duration_regressions(workspace):
    flagged = health.duration_regressions(workspace, WINDOW.with_(job_id="j6"))
    assert flagged["run_id"].tolist() == ["j6-1010", "j6-1012"]
    critical, warn = flagged.iloc[0], flagged.iloc[1]
    assert (critical.duration_seconds, critical.baseline_median_seconds, critical.baseline_p90_seconds) == (
        1000,
        600,
        630,
    )
    assert (critical.baseline_runs, critical.baseline_basis) == (30, "all_days")
    assert critical.pct_over_median == pytest.approx(400 / 600)
    assert (critical.status, critical.threshold_pct, critical.severity) == ("critical", 0.6, "P2")
    # the critical run is anomalous: it stays out of later baselines (30 prior runs, minus it)
    assert (warn.status, warn.threshold_pct, warn.baseline_runs) == ("warn", 0.3, 29)
    assert warn.pct_over_median == pytest.approx(200 / 600)


def test_suspiciously_fast_and_run_history(workspace):
    fast = health.suspiciously_fast(workspace, WINDOW.with_(job_id="j6"))
    assert fast["run_id"].tolist() == ["j6-1014"]
    assert fast.iloc[0].pct_over_median == pytest.approx(250 / 600 - 1)
    assert fast.iloc[0].threshold_pct == pytest.approx(-0.5)
    history = health.run_durations(workspace, WINDOW.with_(job_id="j6")).set_index("run_id")
    assert len(history) == 19
    assert history.loc["j6-1016", "status"] == "not_evaluated"  # failures get no verdict
    assert history.loc["j6-1015", "baseline_runs"] == 28  # both the 1000 s and the 250 s runs left out
    assert history.loc["j6-1013", "baseline_runs"] == 29  # the warn run (800 s) stays in
    assert (history["status"] == "ok").sum() == 15


def test_duration_same_weekday_and_insufficient_history(workspace):
    history = health.run_durations(workspace, WINDOW.with_(job_id="j6"), min_same_weekday_runs=4).set_index(
        "run_id"
    )
    row = history.loc["j6-1010"]  # four earlier Saturdays in 30 days: 630, 570, 600, 630 s
    assert (row.baseline_basis, row.baseline_runs, row.baseline_median_seconds) == ("same_weekday", 4, 615)
    short = health.run_durations(workspace, WINDOW.with_(job_id="j6"), min_baseline_runs=31)
    assert set(short.loc[short["outcome"] == "success", "status"]) == {"insufficient_history"}


def test_duration_trend(workspace):
    trend = health.duration_trend(workspace, WINDOW.with_(job_id="j6"))
    assert len(trend) == 19
    oct16 = trend[trend["run_date"].astype(str) == "2026-10-16"].iloc[0]
    assert (oct16.runs, oct16.succeeded, oct16.failed) == (1, 0, 1)
    assert pd.isna(oct16.p50_duration_seconds)
    oct10 = trend[trend["run_date"].astype(str) == "2026-10-10"].iloc[0]
    assert (oct10.p50_duration_seconds, oct10.p90_duration_seconds) == (1000, 1000)


def test_duration_trend_row_limit_keeps_the_newest_days_in_job_and_day_order(workspace):
    every = health.duration_trend(workspace, WINDOW.with_(job_id="j6"))
    newest = health.duration_trend(workspace, WINDOW.with_(job_id="j6", row_limit=3))
    assert list(newest["run_date"].astype(str)) == list(every["run_date"].astype(str))[-3:]


def test_retries(workspace):
    rows = by_job(health.retries(workspace, WINDOW.with_(team="gamma")))
    j7 = rows.loc["j7"]
    assert (j7.task_retries, j7.repairs, j7.total_retries, j7.runs_with_task_retries, j7.flaky_runs) == (
        4,
        0,
        4,
        3,
        2,
    )
    # wasted task-seconds / all task-seconds: 200/400, 100/300, 100/400 of 20 DBU each
    assert j7.retry_dbus == pytest.approx(20 * (0.5 + 1 / 3 + 0.25))
    assert j7.retry_cost_usd == pytest.approx(20 * (0.5 + 1 / 3 + 0.25) * PRICE_USD_PER_DBU)
    assert j7.flakiness == pytest.approx(2 / 3)
    assert not j7.retry_heavy
    j8 = rows.loc["j8"]
    assert (j8.repairs, j8.runs_with_repairs, j8.flaky_runs) == (1, 1, 1)
    assert j8.retry_dbus == pytest.approx(500)
    assert j8.retry_cost_usd == pytest.approx(75)
    assert (bool(j8.retry_heavy), j8.reason, j8.severity) == (True, "retry cost over the floor", "P3")
    j9 = rows.loc["j9"]
    assert (j9.task_retries, j9.repairs, j9.total_retries, j9.runs_with_task_retries) == (1, 1, 2, 1)
    # superseded task-seconds: a's first 100 and b's 50 + 100 of 540 task-seconds
    assert j9.retry_dbus == pytest.approx(10 * 250 / 540)
    heavy = by_job(health.retries(workspace, WINDOW.with_(team="gamma"), min_retries=4))
    assert heavy.loc["j7", "reason"] == "retry count over threshold"
    assert heavy.loc["j7", "retry_run_share"] == 1.0
    rare = by_job(
        health.retries(workspace, WINDOW.with_(team="gamma"), min_retries=4, min_retry_run_share=1.01)
    )
    assert not rare.loc["j7", "retry_heavy"]  # the retries must touch enough of the job's runs
    j1 = by_job(health.retries(workspace, WINDOW.with_(job_id="j1"))).loc["j1"]
    assert (j1.task_retries, j1.repairs, j1.flaky_runs, j1.flakiness) == (1, 1, 2, 0.2)
    assert j1.retry_dbus == pytest.approx(4 * 0.5 + 10 * 0.25)


def test_filters_scope_every_metric(workspace):
    only = WINDOW.with_(job_id="j3")
    for name in health.HEALTH_METRICS:
        frame = METRICS[name].fn(workspace, only)
        if "job_id" in frame.columns:
            assert set(frame["job_id"]) <= {"j3"}, name
