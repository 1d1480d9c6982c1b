"""Make the reports on their schedule while the server runs (APScheduler's cron triggers, not a hand loop).

The same schedule as the bundle's jobs (databricks.yml): daily 06:00, weekly Monday 07:00, monthly on the
1st at 06:00, in ``report_timezone``. Each run writes a new snapshot into ``reports_dir`` (never
overwriting one); a failed run is logged and the next one tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

# kind -> cron fields (minute hour day day_of_week), shared with databricks.yml's quartz expressions
SCHEDULES = {
    "daily": {"minute": 0, "hour": 6},
    "weekly": {"minute": 0, "hour": 7, "day_of_week": "mon"},
    "monthly": {"minute": 0, "hour": 6, "day": 1},
}
# The bundle's jobs (databricks.yml): the same moments as Quartz cron expressions.
QUARTZ = {"daily": "0 0 6 * * ?", "weekly": "0 0 7 ? * MON", "monthly": "0 0 6 1 * ?"}


def triggers(timezone: str) -> dict[str, CronTrigger]:
    return {kind: CronTrigger(timezone=timezone, **fields) for kind, fields in SCHEDULES.items()}


def start_report_scheduler(
    make: Callable[[str], Any], timezone: str, progress: Callable[[str], None]
) -> BackgroundScheduler:
    """Start a background scheduler calling ``make(kind)`` on each report's schedule; ``shutdown()`` it."""
    scheduler = BackgroundScheduler(timezone=timezone, job_defaults={"coalesce": True, "max_instances": 1})

    def run(kind: str) -> None:
        try:
            progress(f"{kind} report written to {make(kind)}")
        except Exception as err:  # the server keeps serving; the next tick tries again
            progress(f"{kind} report failed: {type(err).__name__}: {err}")

    for kind, trigger in triggers(timezone).items():
        scheduler.add_job(run, trigger, args=[kind], id=f"report-{kind}", misfire_grace_time=3600)
    scheduler.start()
    return scheduler
