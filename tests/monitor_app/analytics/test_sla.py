"""SLA breaches (SLA-02): deadlines in the target's time zone across a DST change, causes, history, ranking."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from data.engines import DuckDBEngine
from data.state_store import StateStore
from monitor_app.analytics import sla, sla_schedule, sla_summary
from monitor_app.filters import Filters
from monitor_app.sla_targets import set_sla_target, sla_target_history
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc

NOW = utc(2026, 10, 31)
WINDOW = Filters(window_days=30, now=NOW)


@pytest.fixture
def checked(engine, tmp_path):
    """A job due at 04:00 Paris every day; Europe/Paris leaves summer time on 2026-10-25 (03:00 -> 02:00)."""
    ws = RawWorkspace(engine)
    ws.job("s1", "paris_report", team="ops", cron="0 0 4 * * ?", timezone="Europe/Paris")
    for d in range(10, 24):  # 02:00 UTC = 04:00 CEST, 90 minutes: the normal run
        ws.run("s1", f"s1-{d}", utc(2026, 10, d, 2), 5400, dbus=2)
    ws.run("s1", "s1-24", utc(2026, 10, 24, 2), 8100, dbus=2)  # ends 04:15 UTC = 06:15 CEST: late
    ws.run(
        "s1", "s1-25", utc(2026, 10, 25, 3), 6300, dbus=2
    )  # 04:00 CET; ends 04:45 UTC = 05:45 CET: in time
    ws.run("s1", "s1-26", utc(2026, 10, 26, 5, 30), 5400, dbus=2)  # started 2.5 h after its schedule
    ws.run("s1", "s1-27", utc(2026, 10, 27, 3), 600, "FAILED", dbus=2)
    ws.run("s1", "s1-28", utc(2026, 10, 28, 3), 7800, dbus=2)  # 130 min > 120 min maximum
    ws.run("s1", "s1-29", utc(2026, 10, 29, 3), 60, "CANCELLED")  # not checked
    ws.job("s2", "no_target", team="ops")
    ws.run("s2", "s2-1", utc(2026, 10, 24, 2), 99999, "FAILED")
    build_model(engine)
    store = StateStore(DuckDBEngine(tmp_path / "state.duckdb"))
    set_sla_target(store, engine, None, "s1", "06:00", "Europe/Paris", None, "ana", now=utc(2026, 10, 20))
    set_sla_target(store, engine, "1001", "s1", "08:00", "Europe/Paris", 120, "bo", now=utc(2026, 10, 27, 12))
    return engine, sla_target_history(store)


def test_deadline_honours_the_dst_change(checked):
    engine, targets = checked
    checks = sla.sla_checks(engine, WINDOW, targets).set_index("run_id")
    assert "s2-1" not in checks.index and "s1-29" not in checks.index  # no target / cancelled
    before, after = checks.loc["s1-24"], checks.loc["s1-25"]
    assert before.deadline_utc == pd.Timestamp("2026-10-24 04:00", tz="UTC")  # 06:00 CEST (UTC+2)
    assert after.deadline_utc == pd.Timestamp("2026-10-25 05:00", tz="UTC")  # 06:00 CET (UTC+1)
    assert after.deadline_local == "2026-10-25 06:00 Europe/Paris"
    assert (before.late_by_seconds, bool(before.breached), before.causes) == (900, True, "ran_long")
    assert (after.late_by_seconds, bool(after.breached)) == (-900, False)  # a fixed +2 h would call it late
    assert after.scheduled_start == pd.Timestamp("2026-10-25 03:00", tz="UTC")


def test_deadline_math_directly():
    # America/New_York leaves DST on 2026-11-01: 07:00 local is 11:00 UTC before, 12:00 UTC after.
    assert sla_schedule.deadline_for(utc(2026, 10, 31, 9), "07:00", "America/New_York") == utc(
        2026, 10, 31, 11
    )
    assert sla_schedule.deadline_for(utc(2026, 11, 1, 10), "07:00", "America/New_York") == utc(
        2026, 11, 1, 12
    )
    # a deadline earlier in the day than the scheduled start is the next day's: due 23:30, done by 01:00
    assert sla_schedule.deadline_for(utc(2026, 10, 10, 21, 30), "01:00", "Europe/Paris") == utc(
        2026, 10, 10, 23
    )
    # a quartz schedule gives the scheduled start; a manual run far from it falls back to the queue time
    due = sla_schedule.scheduled_start(utc(2026, 10, 26, 5, 30), "0 0 4 * * ?", "Europe/Paris", None)
    assert due == utc(2026, 10, 26, 3)
    assert sla_schedule.scheduled_start(utc(2026, 10, 26, 5, 30), None, None, 600) == utc(2026, 10, 26, 5, 20)
    assert sla_schedule._quartz_to_croniter("0 0 4 ? * 2-6 *") == "0 0 4 ? * 1-5"


def test_causes_and_target_in_force(checked):
    engine, targets = checked
    breaches = sla.sla_breaches(engine, WINDOW, targets)
    assert breaches["run_id"].tolist() == ["s1-28", "s1-27", "s1-26", "s1-24"]
    rows = breaches.set_index("run_id")
    late = rows.loc["s1-26"]  # 05:30 + the usual 90 min is already past the 05:00 UTC deadline
    assert (late.causes, late.primary_cause, late.start_delay_seconds) == (
        "started_late",
        "started_late",
        9000,
    )
    assert (late.baseline_p50_seconds, late.baseline_runs) == (5400, 16)
    assert (rows.loc["s1-27", "causes"], rows.loc["s1-27", "severity"]) == ("failed", "P1")
    long = rows.loc["s1-28"]  # the new target (08:00, max 120 min) is in force from 2026-10-27 12:00
    assert (long.target_set_by, long.max_duration_seconds, long.over_max_by_seconds) == ("bo", 7200, 600)
    assert (bool(long.deadline_missed), bool(long.duration_exceeded), long.causes) == (
        False,
        True,
        "ran_long",
    )
    assert rows.loc["s1-24", "target_set_by"] == "ana"
    # runs before any target existed are checked against the current one
    checks = sla.sla_checks(engine, WINDOW, targets).set_index("run_id")
    assert checks.loc["s1-10", "target_set_by"] == "bo" and not checks.loc["s1-10", "breached"]


def test_summary_rank_trend_and_score(checked):
    engine, targets = checked
    summary = sla_summary.sla_summary(engine, WINDOW, targets)
    row = summary.iloc[0]
    assert (row["rank"], row.job_id, row.checked_runs, row.breaches) == (1, "s1", 19, 4)
    assert (row.failed_breaches, row.started_late_breaches, row.ran_long_breaches) == (1, 1, 2)
    assert (row.previous_checked_runs, row.trend) == (0, "new")
    assert row.last_breach_time == pd.Timestamp("2026-10-28 03:00", tz="UTC")
    assert row.days_since_last_breach == pytest.approx(2.875)
    assert row.cost_usd == pytest.approx(19 * 2 * 0.15)
    expected = 100 * (4 / 19) * (0.5 + 0.5 * 0.5 ** (2.875 / 7)) * (1 + math.log10(1 + 5.7))
    assert row.score == pytest.approx(round(expected, 2))
    last_week = sla_summary.sla_summary(engine, Filters(window_days=7, now=NOW), targets).iloc[0]
    assert (
        last_week.checked_runs,
        last_week.breaches,
        last_week.previous_checked_runs,
        last_week.previous_breaches,
    ) == (5, 4, 7, 0)
    assert last_week.trend == "worse"


def test_no_targets_gives_empty_frames(engine):
    targets = pd.DataFrame(columns=["workspace_id", "job_id", "set_at", "source"])
    assert list(sla.sla_breaches(engine, WINDOW, targets).columns) == sla.CHECK_COLUMNS
    assert list(sla_summary.sla_summary(engine, WINDOW, targets).columns) == sla_summary.SUMMARY_COLUMNS


def test_attainment_per_day(checked):
    engine, targets = checked
    days = sla_summary.sla_days(engine, Filters(window_days=7, now=NOW), targets)
    # 2026-10-24 ran long (late), 25 in time, 26 started late, 27 failed, 28 over the maximum; 29 cancelled
    assert [d.isoformat() for d in days["day"]] == [f"2026-10-{d}" for d in range(24, 29)]
    assert days["checked_runs"].tolist() == [1, 1, 1, 1, 1]
    assert days["breaches"].tolist() == [1, 0, 1, 1, 1]
    assert days["attainment"].tolist() == [0.0, 1.0, 0.0, 0.0, 0.0]
    # over the window the counts are the summary's
    month = sla_summary.sla_days(engine, WINDOW, targets)
    summary = sla_summary.sla_summary(engine, WINDOW, targets)
    assert (month["checked_runs"].sum(), month["breaches"].sum()) == (19, 4)
    assert (summary["checked_runs"].sum(), summary["breaches"].sum()) == (19, 4)
    assert month.loc[month["day"] == pd.Timestamp("2026-10-12").date(), "attainment"].item() == 1.0
    empty = pd.DataFrame(columns=["workspace_id", "job_id", "set_at", "source"])
    assert list(sla_summary.sla_days(engine, WINDOW, empty).columns) == sla_summary.DAY_COLUMNS
