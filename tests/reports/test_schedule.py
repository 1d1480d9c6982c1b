"""The reports' schedule: the bundle's jobs and the server's scheduler fire at the same moments."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import yaml
from croniter import croniter

from reports.schedule import QUARTZ, start_report_scheduler, triggers

ROOT = Path(__file__).resolve().parents[2]


def _quartz_to_cron(expression: str) -> str:
    """Quartz 'sec min hour dom month dow' (? for no value) -> croniter's 'min hour dom month dow'."""
    _sec, minute, hour, dom, month, dow = expression.split()
    return " ".join(f.replace("?", "*") for f in (minute, hour, dom, month, dow))


def test_the_bundle_declares_one_scheduled_job_per_report_writing_to_the_volume():
    bundle = yaml.safe_load((ROOT / "databricks.yml").read_text())
    jobs = bundle["resources"]["jobs"]
    for kind, quartz in QUARTZ.items():
        job = jobs[f"job_monitor_report_{kind}"]
        assert job["schedule"]["quartz_cron_expression"] == quartz
        assert job["schedule"]["timezone_id"] == "${var.report_timezone}"
        assert job["tasks"][0]["spark_python_task"]["parameters"] == [
            "report",
            kind,
            "--out-dir",
            "${var.reports_volume}",
        ]


def test_the_local_schedule_fires_when_the_bundles_does():
    after = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday
    expected = {
        "daily": datetime(2026, 11, 26, 6, tzinfo=UTC),
        "weekly": datetime(2026, 11, 30, 7, tzinfo=UTC),
        "monthly": datetime(2026, 12, 1, 6, tzinfo=UTC),
    }
    for kind, trigger in triggers("UTC").items():
        fires = trigger.get_next_fire_time(None, after)
        assert fires == expected[kind], kind
        assert croniter(_quartz_to_cron(QUARTZ[kind]), after).get_next(datetime) == expected[kind], kind
    paris = triggers("Europe/Paris")["daily"].get_next_fire_time(None, after)
    assert paris.isoformat() == "2026-11-26T06:00:00+01:00"


def test_the_scheduler_runs_a_report_and_survives_a_failure():
    made, messages = [], []
    done = threading.Event()

    def make(kind: str) -> str:
        made.append(kind)
        if len(made) == 1:
            raise OSError("disk full")
        done.set()
        return f"/reports/{kind}.html"

    scheduler = start_report_scheduler(make, "UTC", messages.append)
    try:
        job = scheduler.get_job("report-daily")
        job.modify(next_run_time=datetime.now(UTC))
        job2 = scheduler.get_job("report-weekly")
        job2.modify(next_run_time=datetime.now(UTC))
        assert done.wait(10)
    finally:
        scheduler.shutdown(wait=True)
    assert sorted(made) == ["daily", "weekly"]
    assert any(m.endswith("report failed: OSError: disk full") for m in messages)
    assert any(
        m.endswith("report written to /reports/daily.html") or m.endswith("/reports/weekly.html")
        for m in messages
    )
