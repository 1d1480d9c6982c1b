"""The hand-built data of ``test_health.py``, shared with the tests that reuse it (a test module
imports no other test module)."""

from __future__ import annotations

from datetime import timedelta

from monitor_app.filters import Filters
from tests.monitor_app.analytics.rawdata import RawWorkspace, utc

NOW = utc(2026, 10, 31)


WINDOW = Filters(window_days=30, now=NOW)  # 2026-10-01 00:00 to 2026-10-31 00:00 UTC


def day(d: int, hour: int = 2) -> object:
    return utc(2026, 10, d, hour)


def build_reliability(ws: RawWorkspace) -> None:
    # j1: 8 successes (one repaired, one with a task retry), then exactly 2 failures, then a cancelled run.
    ws.job("j1", "nightly_load", team="alpha")
    for d in range(1, 9):
        if d == 3:  # the first attempt failed, a repair succeeded
            ws.run("j1", f"j1-{d}", day(d), 300, "FAILED", repairs=[(600, 300, "SUCCEEDED")], dbus=4)
        elif d == 5:  # a task retried inside the run
            tasks = [
                ("ingest", 0, 100, "FAILED"),
                ("ingest", 100, 100, "SUCCEEDED"),
                ("transform", 200, 200, "SUCCEEDED"),
            ]
            ws.run("j1", f"j1-{d}", day(d), 600, "SUCCEEDED", tasks=tasks, dbus=10)
        else:
            ws.run("j1", f"j1-{d}", day(d), 600, "SUCCEEDED")
    ws.run("j1", "j1-9", day(9), 200, "FAILED")
    ws.run("j1", "j1-10", day(10), 200, "TIMED_OUT")
    ws.run("j1", "j1-11", day(11), 50, "CANCELLED")
    # j2: all good in the previous window; fail, fail, then a success breaks the streak.
    ws.job("j2", "hourly_sync", team="alpha")
    for d in (10, 15, 20):
        ws.run("j2", f"j2-prev-{d}", utc(2026, 9, d, 3), 120, "SUCCEEDED")
    ws.run("j2", "j2-1", day(1, 3), 120, "SUCCEEDED")
    ws.run("j2", "j2-2", day(2, 3), 120, "FAILED")
    ws.run("j2", "j2-3", day(3, 3), 120, "ERROR")
    ws.run("j2", "j2-4", day(4, 3), 120, "SUCCEEDED")
    # j3: never succeeded.
    ws.job("j3", "new_pipeline", team="beta")
    for d in (5, 6, 7):
        ws.run("j3", f"j3-{d}", day(d, 4), 60, "FAILED")
    # j4: a success, two failures, then a run still in progress.
    ws.job("j4", "long_etl", team="beta")
    ws.run("j4", "j4-1", day(1, 5), 900, "SUCCEEDED")
    ws.run("j4", "j4-2", day(20, 5), 900, "FAILED")
    ws.run("j4", "j4-3", day(21, 5), 900, "FAILED")
    ws.run("j4", "j4-4", day(30, 23), 1800, None)
    # j5: renamed mid-window; 5 successes and 1 failure, all under the latest name.
    ws.job("j5", "old_name", team="beta", change_time=utc(2026, 9, 1))
    ws.job("j5", "new_name", team="beta", change_time=utc(2026, 10, 15))
    for d in (2, 6, 12, 16, 22):
        ws.run("j5", f"j5-{d}", day(d, 6), 300, "SUCCEEDED")
    ws.run("j5", "j5-fail", day(24, 6), 300, "FAILED")


def build_durations(ws: RawWorkspace) -> None:
    # j6: daily successes cycling 570/600/630 s from Sep 1; in October one critical (1000 s), one warn
    # (800 s), one suspiciously fast (250 s) run and a long failure (not evaluated).
    ws.job("j6", "steady_job", team="gamma")
    special = {utc(2026, 10, 10, 1): 1000, utc(2026, 10, 12, 1): 800, utc(2026, 10, 14, 1): 250}
    cycle, i, t = (570, 600, 630), 0, utc(2026, 9, 1, 1)
    while t < utc(2026, 10, 20):
        if t == utc(2026, 10, 16, 1):
            ws.run("j6", f"j6-{t:%m%d}", t, 5000, "FAILED")
        else:
            ws.run("j6", f"j6-{t:%m%d}", t, special.get(t, cycle[i % 3]), "SUCCEEDED")
            i += 1
        t += timedelta(days=1)


def build_retries(ws: RawWorkspace) -> None:
    # j7: four task retries over three runs (not heavy with the default 5); j8: one repair of an expensive run
    # (retry_heavy by cost: 1000 DBU x $0.15 x 1/2 = $75 >= $50).
    ws.job("j7", "flaky_api", team="gamma")
    ws.run(
        "j7",
        "j7-1",
        day(3),
        400,
        tasks=[("a", 0, 100, "FAILED"), ("a", 100, 100, "FAILED"), ("a", 200, 200, "SUCCEEDED")],
        dbus=20,
    )
    ws.run("j7", "j7-2", day(4), 300, tasks=[("a", 0, 100, "FAILED"), ("a", 100, 200, "SUCCEEDED")], dbus=20)
    ws.run(
        "j7",
        "j7-3",
        day(5),
        300,
        "FAILED",
        tasks=[("a", 0, 100, "FAILED"), ("a", 100, 100, "FAILED"), ("b", 0, 200, "SUCCEEDED")],
        dbus=20,
    )
    ws.job("j8", "big_batch", team="gamma")
    ws.run("j8", "j8-1", day(6), 3600, "FAILED", repairs=[(300, 3600, "SUCCEEDED")], dbus=1000)
    # j9: task b retried once inside the first attempt (ends at 300 s); the repair (from 360 s) re-runs a
    # and b and runs c: those re-runs are the repair, not task retries.
    ws.job("j9", "repaired_etl", team="gamma")
    ws.run(
        "j9",
        "j9-1",
        day(7),
        300,
        "FAILED",
        repairs=[(60, 300, "SUCCEEDED")],
        tasks=[
            ("a", 0, 100, "SUCCEEDED"),
            ("b", 100, 50, "FAILED"),
            ("b", 160, 100, "FAILED"),
            ("a", 360, 90, "SUCCEEDED"),
            ("b", 360, 100, "SUCCEEDED"),
            ("c", 460, 100, "SUCCEEDED"),
        ],
        dbus=10,
    )
