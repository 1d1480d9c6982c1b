"""The SLA metrics computed per job (vectorised) give exactly what the rules applied run by run give.

The oracle below is the implementation the metrics had before (kept here only as the reference): the
per-run SQL (a join of every run with its history for the baseline) and one Python check per run, with
:func:`sla_schedule.scheduled_start` and :func:`sla_schedule.deadline_for`. Both run on a small simulated workspace whose
window crosses the DST changes of Europe (2026-10-25), North America (2026-11-01) and Australia
(2026-10-04), with target versions of every kind, and must agree to the last bit (values and dtypes).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from data.engines import DuckDBEngine
from data.refresh import refresh
from data.simulator import generate
from monitor_app.analytics import sla, sla_schedule, sla_summary
from monitor_app.filters import Filters
from tests.monitor_app.analytics.sla_equivalence_workspace import END, _targets

# The per-run query the metrics used before: every target run joined with its job's successful runs of the
# previous :baseline_days days (the baseline), then the job, team and cost.
ORACLE_SQL = """
WITH target_runs AS (
  SELECT r.workspace_id, r.job_id, r.run_id, r.run_name, r.start_time, r.end_time, r.duration_seconds,
    r.outcome, r.queue_duration_seconds
  FROM monitor.job_runs AS r
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
  WHERE r.start_time >= :start_time AND r.start_time < :end_time AND r.outcome IN ('success', 'failure')
    AND (
      array_contains(split(:job_keys, ','), concat(r.workspace_id, ':', r.job_id))
      OR array_contains(split(:job_keys, ','), concat('*:', r.job_id))
    )
    AND (:team IS NULL OR COALESCE(t.team, 'unattributed') = :team)
    AND (:workspace_id IS NULL OR r.workspace_id = :workspace_id)
    AND (:job_id IS NULL OR r.job_id = :job_id)
),
history AS (
  SELECT h.workspace_id, h.job_id, h.start_time, h.duration_seconds
  FROM monitor.job_runs AS h
  WHERE h.outcome = 'success' AND h.duration_seconds IS NOT NULL
    AND h.start_time >= timestampadd(DAY, -:baseline_days, :start_time) AND h.start_time < :end_time
    AND (
      array_contains(split(:job_keys, ','), concat(h.workspace_id, ':', h.job_id))
      OR array_contains(split(:job_keys, ','), concat('*:', h.job_id))
    )
),
baseline AS (
  SELECT r.workspace_id, r.run_id, percentile(h.duration_seconds, 0.5) AS baseline_p50_seconds,
    percentile(h.duration_seconds, 0.9) AS baseline_p90_seconds, COUNT(*) AS baseline_runs
  FROM target_runs AS r
  JOIN history AS h
    ON h.workspace_id = r.workspace_id AND h.job_id = r.job_id AND h.start_time < r.start_time
    AND h.start_time >= timestampadd(DAY, -:baseline_days, r.start_time)
  GROUP BY r.workspace_id, r.run_id
)
SELECT r.workspace_id, r.job_id, COALESCE(j.name, r.run_name, r.job_id) AS job_name,
  COALESCE(t.team, 'unattributed') AS team, r.run_id, r.start_time, r.end_time, r.duration_seconds,
  r.outcome, r.queue_duration_seconds, j.schedule_cron, j.schedule_timezone,
  CASE WHEN b.baseline_runs >= :min_baseline_runs THEN b.baseline_p50_seconds END AS baseline_p50_seconds,
  CASE WHEN b.baseline_runs >= :min_baseline_runs THEN b.baseline_p90_seconds END AS baseline_p90_seconds,
  COALESCE(b.baseline_runs, 0) AS baseline_runs, CAST(c.list_cost_usd AS DOUBLE) AS list_cost_usd
FROM target_runs AS r
LEFT JOIN baseline AS b ON b.workspace_id = r.workspace_id AND b.run_id = r.run_id
LEFT JOIN monitor.jobs AS j ON j.workspace_id = r.workspace_id AND j.job_id = r.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
LEFT JOIN monitor.run_costs AS c ON c.workspace_id = r.workspace_id AND c.run_id = r.run_id
ORDER BY r.workspace_id, r.job_id, r.start_time, r.run_id
"""


def _oracle_target_in_force(versions: list[dict[str, Any]], start: pd.Timestamp) -> dict[str, Any] | None:
    """The version in force at ``start`` among one job's versions (ordered by set_at, NaT first)."""
    app = [v for v in versions if v["source"] == "app"]
    before = [v for v in app if v["set_at"] <= start]  # NaT compares false
    if before:
        latest = before[-1]
        return latest if bool(latest["is_active"]) else None
    yaml = [v for v in versions if v["source"] != "app"]
    if yaml:
        return yaml[-1]
    if app and bool(app[-1]["is_active"]):
        return app[-1]
    return None


def _oracle_check(row: Any, target: dict[str, Any]) -> dict[str, Any]:
    start = row.start_time.to_pydatetime()
    end = row.end_time.to_pydatetime() if not pd.isna(row.end_time) else None
    duration = None if pd.isna(row.duration_seconds) else float(row.duration_seconds)
    p50 = None if pd.isna(row.baseline_p50_seconds) else float(row.baseline_p50_seconds)
    deadline_time = target["deadline_local_time"] if isinstance(target["deadline_local_time"], str) else None
    zone = target["timezone_id"] if isinstance(target["timezone_id"], str) else None
    max_seconds = None if pd.isna(target["max_duration_seconds"]) else int(target["max_duration_seconds"])
    scheduled = sla_schedule.scheduled_start(
        start, row.schedule_cron, row.schedule_timezone, row.queue_duration_seconds
    )
    deadline = sla_schedule.deadline_for(scheduled, deadline_time, zone) if deadline_time and zone else None
    failed = row.outcome == "failure"
    late_by = (end - deadline).total_seconds() if deadline is not None and end is not None else None
    deadline_missed = late_by is not None and late_by > 0
    over_by = duration - max_seconds if max_seconds is not None and duration is not None else None
    duration_exceeded = over_by is not None and over_by > 0
    started_late = False
    if deadline_missed:
        expected_end = start + timedelta(seconds=p50) if p50 is not None else start
        started_late = expected_end > deadline
    ran_long = duration_exceeded or (deadline_missed and not started_late)
    causes = [
        c for c, on in (("failed", failed), ("started_late", started_late), ("ran_long", ran_long)) if on
    ]
    breached = failed or deadline_missed or duration_exceeded
    return {
        "workspace_id": row.workspace_id,
        "job_id": row.job_id,
        "job_name": row.job_name,
        "team": row.team,
        "run_id": row.run_id,
        "start_time": row.start_time,
        "end_time": row.end_time,
        "duration_seconds": duration,
        "outcome": row.outcome,
        "scheduled_start": pd.Timestamp(scheduled),
        "start_delay_seconds": (start - scheduled).total_seconds(),
        "deadline_utc": pd.Timestamp(deadline) if deadline is not None else pd.NaT,
        "deadline_local": f"{deadline.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"
        if deadline
        else None,
        "timezone_id": zone,
        "max_duration_seconds": max_seconds,
        "baseline_p50_seconds": p50,
        "baseline_p90_seconds": None
        if pd.isna(row.baseline_p90_seconds)
        else float(row.baseline_p90_seconds),
        "baseline_runs": int(row.baseline_runs),
        "late_by_seconds": late_by,
        "over_max_by_seconds": over_by,
        "failed": failed,
        "deadline_missed": deadline_missed,
        "duration_exceeded": duration_exceeded,
        "breached": breached,
        "causes": ",".join(causes),
        "primary_cause": causes[0] if causes else None,
        "severity": "P1" if breached else None,
        "list_cost_usd": None if pd.isna(row.list_cost_usd) else float(row.list_cost_usd),
        "target_set_by": target["set_by"],
        "target_set_at": target["set_at"],
        "target_source": target["source"],
    }


def oracle_checks(
    engine: DuckDBEngine, filters: Filters, targets: pd.DataFrame, **thresholds: int
) -> pd.DataFrame:
    """sla_checks as it was: one check per run, ordered by job then start."""
    params = filters.to_params()
    params["baseline_days"] = int(thresholds.get("baseline_days", 30))
    params["min_baseline_runs"] = int(thresholds.get("min_baseline_runs", 5))
    params["job_keys"] = sla._job_keys(targets)
    runs = engine.execute(ORACLE_SQL, params)
    targets = targets.copy()
    targets["set_at"] = pd.to_datetime(targets["set_at"], utc=True)
    rows = []
    for (ws, job), group in runs.groupby(["workspace_id", "job_id"], sort=False):
        mine = targets[
            (targets["job_id"] == job) & (targets["workspace_id"].isna() | (targets["workspace_id"] == ws))
        ]
        mine = mine.sort_values("set_at", na_position="first", kind="stable").to_dict("records")
        for row in group.itertuples(index=False):
            target = _oracle_target_in_force(mine, row.start_time)
            if target is not None:
                rows.append(_oracle_check(row, target))
    return pd.DataFrame(rows, columns=sla.CHECK_COLUMNS)


def _oracle_per_job(checks: pd.DataFrame) -> pd.DataFrame:
    if checks.empty:
        return pd.DataFrame(
            columns=["workspace_id", "job_id", "checked_runs", "breaches", "last_breach_time", "cost_usd"]
        )
    frame = checks.assign(
        breached=checks["breached"].astype(bool),
        cost=checks["list_cost_usd"].astype(float).fillna(0.0),
    )
    frame["breach_cost"] = frame["cost"].where(frame["breached"], 0.0)
    frame["breach_time"] = frame["start_time"].where(frame["breached"])
    for cause in ("failed", "started_late", "ran_long"):
        frame[cause] = frame["breached"] & frame["causes"].str.split(",").apply(lambda c, k=cause: k in c)
    return frame.groupby(["workspace_id", "job_id"], as_index=False).agg(
        job_name=("job_name", "last"),
        team=("team", "last"),
        checked_runs=("run_id", "count"),
        breaches=("breached", "sum"),
        failed_breaches=("failed", "sum"),
        started_late_breaches=("started_late", "sum"),
        ran_long_breaches=("ran_long", "sum"),
        last_breach_time=("breach_time", "max"),
        cost_usd=("cost", "sum"),
        breach_cost_usd=("breach_cost", "sum"),
    )


def oracle_summary(
    engine: DuckDBEngine, filters: Filters, targets: pd.DataFrame, checks: pd.DataFrame
) -> pd.DataFrame:
    """sla_summary as it was, given the window's oracle checks: the previous window read separately."""
    current = _oracle_per_job(checks)
    if current.empty:
        return pd.DataFrame(columns=sla_summary.SUMMARY_COLUMNS)
    length = filters.end_time - filters.start_time
    previous_filters = filters.with_(
        start_date=None, end_date=None, now=filters.start_time, window_days=max(1, length.days)
    )
    previous = _oracle_per_job(oracle_checks(engine, previous_filters, targets))
    previous = previous.reindex(columns=["workspace_id", "job_id", "checked_runs", "breaches"]).rename(
        columns={"checked_runs": "previous_checked_runs", "breaches": "previous_breaches"}
    )
    out = current.merge(previous, on=["workspace_id", "job_id"], how="left")
    out["previous_checked_runs"] = out["previous_checked_runs"].fillna(0).astype(int)
    out["previous_breaches"] = out["previous_breaches"].fillna(0).astype(int)
    out["breach_rate"] = out["breaches"] / out["checked_runs"]
    out["previous_breach_rate"] = (out["previous_breaches"] / out["previous_checked_runs"]).where(
        out["previous_checked_runs"] > 0
    )

    def trend(row: Any) -> str:
        if pd.isna(row.previous_breach_rate):
            return "new"
        if math.isclose(row.breach_rate, row.previous_breach_rate, abs_tol=1e-9):
            return "same"
        return "worse" if row.breach_rate > row.previous_breach_rate else "better"

    out["trend"] = [trend(r) for r in out.itertuples(index=False)]
    out["days_since_last_breach"] = (
        pd.Timestamp(filters.end_time) - pd.to_datetime(out["last_breach_time"], utc=True)
    ).dt.total_seconds() / 86400
    recency = 0.5 + 0.5 * 0.5 ** (out["days_since_last_breach"] / 7.0)
    score = 100 * out["breach_rate"] * recency * (1 + (1 + out["cost_usd"]).map(math.log10))
    out["score"] = score.fillna(0.0).round(2)
    out = out.sort_values(
        ["score", "breaches", "workspace_id", "job_id"], ascending=[False, False, True, True]
    )
    out["rank"] = range(1, len(out) + 1)
    return out.reindex(columns=sla_summary.SUMMARY_COLUMNS).reset_index(drop=True)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sla_equivalence")
    generate(folder / "workspace.duckdb", seed=11, jobs=60, days=45, end=END.replace(tzinfo=None))
    engine = DuckDBEngine(folder / "workspace.duckdb")
    refresh(engine)
    jobs = engine.execute(
        "SELECT j.workspace_id, j.job_id, j.schedule_timezone, t.team, COUNT(r.run_id) AS runs"
        " FROM monitor.jobs AS j"
        " JOIN monitor.job_teams AS t ON t.workspace_id = j.workspace_id AND t.job_id = j.job_id"
        " LEFT JOIN monitor.job_runs AS r ON r.workspace_id = j.workspace_id AND r.job_id = j.job_id"
        " GROUP BY ALL ORDER BY j.workspace_id, j.job_id"
    )
    yield engine, jobs, _targets(jobs)
    engine.close()


def _by_job(checks: pd.DataFrame) -> pd.DataFrame:
    return checks.sort_values(["workspace_id", "job_id", "start_time", "run_id"]).reset_index(drop=True)


WINDOWS = {
    "30 days": Filters(window_days=30, now=END, row_limit=None),
    "7 days": Filters(window_days=7, now=END - timedelta(days=8, hours=3), row_limit=None),
    "date range": Filters(
        start_date=END.date() - timedelta(days=20), end_date=END.date(), now=END, row_limit=None
    ),
}


@pytest.mark.parametrize("window", WINDOWS)
def test_checks_breaches_and_summary_equal_the_per_run_rules(workspace, window):
    engine, _, targets = workspace
    filters = WINDOWS[window]
    expected = oracle_checks(engine, filters, targets)
    assert len(expected) > 300 and expected["breached"].sum() > 20  # a real test: many runs, many breaches
    assert set(expected["target_source"]) == {"app", "monitor.yaml"}
    checks = sla.sla_checks(engine, filters, targets)
    pd.testing.assert_frame_equal(_by_job(checks), expected, check_exact=True)
    newest_first = checks.sort_values(["start_time", "run_id"], ascending=False).reset_index(drop=True)
    pd.testing.assert_frame_equal(checks, newest_first)
    expected_breaches = expected[expected["breached"]].sort_values(["start_time", "run_id"], ascending=False)
    pd.testing.assert_frame_equal(
        sla.sla_breaches(engine, filters, targets), expected_breaches.reset_index(drop=True), check_exact=True
    )
    pd.testing.assert_frame_equal(
        sla_summary.sla_summary(engine, filters, targets),
        oracle_summary(engine, filters, targets, expected),
        check_exact=True,
    )


def test_scoped_filters_and_thresholds_equal_the_per_run_rules(workspace):
    engine, jobs, targets = workspace
    team = jobs["team"].value_counts().index[0]
    some = jobs.iloc[2]
    cases = [
        (Filters(window_days=30, now=END, team=team, row_limit=None), {}),
        (
            Filters(
                window_days=30, now=END, workspace_id=some.workspace_id, job_id=some.job_id, row_limit=None
            ),
            {},
        ),
        (Filters(window_days=14, now=END, row_limit=None), {"baseline_days": 3, "min_baseline_runs": 2}),
    ]
    for filters, thresholds in cases:
        expected = oracle_checks(engine, filters, targets, **thresholds)
        assert not expected.empty
        checks = sla.sla_checks(engine, filters, targets, **thresholds)
        pd.testing.assert_frame_equal(_by_job(checks), expected, check_exact=True)


def test_row_limit_keeps_the_newest_runs_and_not_the_summary(workspace):
    engine, _, targets = workspace
    everything = Filters(window_days=30, now=END, row_limit=None)
    limited = everything.with_(row_limit=25)
    all_checks = sla.sla_checks(engine, everything, targets)
    pd.testing.assert_frame_equal(sla.sla_checks(engine, limited, targets), all_checks.head(25))
    all_breaches = sla.sla_breaches(engine, everything, targets)
    pd.testing.assert_frame_equal(sla.sla_breaches(engine, limited, targets), all_breaches.head(25))
    pd.testing.assert_frame_equal(
        sla_summary.sla_summary(engine, everything.with_(row_limit=1), targets),
        sla_summary.sla_summary(engine, everything, targets),
    )


# Schedules whose fire times fall in DST gaps or repeated hours (Paris and London go back on 2026-10-25,
# New York on 2026-11-01; Sydney skips 02:00-03:00 on 2026-10-04), hourly and sub-hourly ones, weekly and
# monthly ones, L/W/# (always asked of croniter), and ones croniter or zoneinfo refuse.
SCHEDULES = [
    ("0 30 2 * * ?", "Europe/Paris"),
    ("0 30 2 * * ?", "Australia/Sydney"),
    ("0 30 1 * * ?", "America/New_York"),
    ("0 0 3 * * ?", "Europe/Paris"),
    ("0 15 * * * ?", "America/New_York"),
    ("0 */20 * * * ?", "Europe/London"),
    ("30 5 1/6 * * ?", "Australia/Sydney"),
    ("0 45 10 ? * MON-FRI", "Asia/Kolkata"),
    ("0 0 5 ? * 1", "Europe/Paris"),
    ("0 0 9 1,25 * ?", "America/New_York"),
    ("0 0 4 L * ?", "Europe/Paris"),
    ("0 0 4 ? * 6#2", "UTC"),
    ("0 0 2 * * ?", None),
    ("0 0 2 * * ?", "Not/AZone"),
    ("not a cron", "UTC"),
    ("0 0 4 31 2 ?", "UTC"),
]
# DST changes of those zones in 2026.
CHANGES = [datetime(2026, 10, 4), datetime(2026, 10, 25), datetime(2026, 11, 1)]


def _starts() -> np.ndarray:
    """Run starts every 97 minutes (plus odd microseconds) over the two days around each DST change, and
    starts on, and one microsecond around, whole hours."""
    rng = np.random.default_rng(5)
    starts = []
    for change in CHANGES:
        first = int((change.replace(tzinfo=UTC) - timedelta(days=1)).timestamp()) * 1_000_000
        grid = first + np.arange(0, 2 * 86_400, 97 * 60) * 1_000_000
        hours = first + np.arange(0, 2 * 86_400, 4 * 3600) * 1_000_000
        starts += [grid + rng.integers(0, 1_000_000, len(grid)), hours, hours - 1, hours + 1]
    return np.concatenate(starts)


@pytest.mark.parametrize(("cron", "zone"), SCHEDULES)
def test_scheduled_start_per_schedule_equals_croniter_per_run(cron, zone):
    starts = _starts()
    queue = np.where(np.arange(len(starts)) % 3 == 0, np.nan, (np.arange(len(starts)) % 5) * 60.0)
    got = sla_schedule._scheduled_us(starts, cron, zone, queue)
    for start, q, us in zip(starts.tolist(), queue.tolist(), got.tolist(), strict=True):
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=start)
        want = sla_schedule.scheduled_start(moment, cron, zone, None if math.isnan(q) else q)
        assert us == (want - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1), moment


@pytest.mark.parametrize("deadline", ["02:30", "01:30", "00:00", "03:00", "23:59", "12:00"])
def test_deadlines_per_date_equal_deadline_for(deadline):
    scheduled = _starts()
    for zone in ("Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"):
        got_us, got_text = sla_schedule._deadlines(scheduled, deadline, zone)
        for us, text, at in zip(got_us.tolist(), got_text.tolist(), scheduled.tolist(), strict=True):
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=at)
            want = sla_schedule.deadline_for(moment, deadline, zone)
            assert us == (want - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1), (
                zone,
                moment,
            )
            assert text == f"{want.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"


# --- the default baseline read from monitor.run_health against the window of sla_runs.sql ---------------


@pytest.mark.parametrize("window", WINDOWS)
def test_materialized_baseline_equals_the_window(workspace, window):
    engine, jobs, targets = workspace
    filters = WINDOWS[window]
    team = jobs["team"].value_counts().index[0]
    for scoped in (filters, filters.with_(team=team), filters.with_(job_id=jobs.iloc[2].job_id)):
        read = sla._checked(engine, scoped, targets, {})
        computed = sla._checked(engine, scoped, targets, {}, exact=True)
        assert len(read) > 0 and read.runs["baseline_p50_seconds"].notna().any()
        pd.testing.assert_frame_equal(read.runs, computed.runs, check_exact=True)


def test_summary_previous_window_reads_full_baselines_and_counts_the_same(workspace):
    """The previous window's runs may get a longer baseline from run_health than from the window (cut at
    its history start): only their baseline columns may differ, and the summary does not use them."""
    engine, _, targets = workspace
    filters = WINDOWS["30 days"]
    since = filters.start_time - timedelta(days=30)
    read = sla._checked(engine, filters, targets, {}, since=since).runs
    computed = sla._checked(engine, filters, targets, {}, since=since, exact=True).runs
    baseline = ["baseline_p50_seconds", "baseline_p90_seconds", "baseline_runs"]
    pd.testing.assert_frame_equal(read.drop(columns=baseline), computed.drop(columns=baseline))
    recent = read["start_time"] >= filters.start_time
    assert recent.any() and not recent.all()
    pd.testing.assert_frame_equal(read[recent], computed[recent], check_exact=True)


def test_default_baseline_days_read_run_health_and_others_do_not(workspace, executed_sql):
    engine, _, targets = workspace
    seen = executed_sql
    filters = WINDOWS["30 days"]
    sla.sla_checks(engine, filters, targets)
    sla_summary.sla_summary(engine, filters, targets, baseline_days=30)
    assert len(seen) == 2 and all("monitor.run_health" in sql for sql in seen)
    seen.clear()
    sla.sla_breaches(engine, filters, targets, baseline_days=14)
    assert len(seen) == 1 and "monitor.run_health" not in seen[0]
