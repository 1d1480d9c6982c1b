"""The hand-built data of ``test_alerts.py``, shared with the tests that reuse it (a test module
imports no other test module)."""

from __future__ import annotations

from datetime import timedelta

from tests.monitor_app.analytics.rawdata import RawWorkspace, utc

NOW = utc(2026, 10, 31, 2, 30)


HOSTILE = '<b>x</b>\'s "team"'


def day(d: int, hour: int = 2, minute: int = 0):
    return utc(2026, 10, d, hour, minute)


def build(ws: RawWorkspace, heal_j1: bool = False) -> None:
    # j1: 8 successes, then 2 failures in a row (TIMED_OUT): consecutive failures (P1); its 20 % failure
    # rate is held back by the P1 on the same job.
    ws.job("j1", "nightly_load", team="alpha")
    for d in range(1, 9):
        ws.run("j1", f"j1-{d}", day(d + 20), 300, dbus=4)
    ws.run("j1", "j1-9", day(29), 300, "TIMED_OUT", dbus=4)
    ws.run("j1", "j1-10", day(30), 300, "TIMED_OUT", dbus=4)
    # j2: 2 of 10 runs failed, not in a row: failure rate 0.2 > 0.1 (warn, P3).
    ws.job("j2", "hourly_sync", team="beta")
    for d in range(1, 11):
        ws.run("j2", f"j2-{d}", day(d + 20), 300, "FAILED" if d in (3, 6) else "SUCCEEDED", dbus=4)
    # j3: healthy, with a hostile name and team: no alert.
    ws.job("j3", HOSTILE, team=HOSTILE)
    for d in range(1, 11):
        ws.run("j3", f"j3-{d}", day(d + 20), 300, dbus=1)
    # j4: at most 60 min; 10 runs of 50 min; one started 55 min ago still runs (92 % of its window).
    ws.job("j4", "max_duration_job", team="gamma")
    for d in range(1, 11):
        ws.run("j4", f"j4-{d}", day(d + 19, 0), 3000, dbus=1)
    ws.run("j4", "j4-live", NOW - timedelta(minutes=55), 60, None, dbus=1)  # billing is fresh
    # j5: daily 02:00 UTC, due by 03:00 UTC; normal 50 min; today's run started 02:20: projected 03:10.
    ws.job("j5", "deadline_job", team="gamma", cron="0 0 2 * * ?", timezone="UTC")
    for d in range(20, 30):
        ws.run("j5", f"j5-{d}", day(d, 2, 1), 3000, dbus=1)
    ws.run("j5", "j5-live", day(31, 2, 20), 60, None)
    if heal_j1:
        ws.run("j1", "j1-11", day(31, 1), 300, dbus=4)
