"""Filters: the one object every analytics function takes, able to explain itself.

``to_params()`` gives the bound parameters the .sql files use; ``describe()`` gives the plain-English
header shown in views and reports (datasette's human_clause). Every .sql file that filters reads the same
parameter names:

- ``:start_time`` / ``:end_time`` (TIMESTAMP, UTC, end exclusive): the window;
- ``:team`` (STRING or NULL: all teams), ``:workspace_id`` and ``:job_id`` (STRING or NULL: all);
- ``:row_limit`` (BIGINT): the most rows a per-run or per-task metric returns (newest or costliest first,
  as the metric documents). A month of a large workspace is 400,000+ runs: more than a table can show
  and more than pandas receives in the time a click allows. ``row_limit=None`` returns every row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

WINDOWS = (7, 30, 90)

# Default cap on the rows of a per-run / per-task metric (see the module docstring).
ROW_LIMIT = 10_000
# What ``row_limit=None`` binds: LIMIT takes a number on both engines and Spark / Databricks SQL refuse a
# BIGINT there ("the limit expression must be integer type"): the largest INT means no cap.
NO_ROW_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class Filters:
    """A time window plus optional team / job scope. ``now`` pins the window for reproducible results."""

    window_days: int = 30
    start_date: date | None = None
    end_date: date | None = None
    team: str | None = None
    workspace_id: str | None = None
    job_id: str | None = None
    now: datetime | None = None
    row_limit: int | None = ROW_LIMIT

    def __post_init__(self) -> None:
        if self.row_limit is not None and self.row_limit <= 0:
            raise ValueError(f"row limit must be a positive number of rows, got {self.row_limit}")
        if self.window_days <= 0:
            raise ValueError(f"window must be a positive number of days, got {self.window_days}")
        if (self.start_date is None) != (self.end_date is None):
            raise ValueError("a date range needs both a start and an end date")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError(f"start date {self.start_date} is after end date {self.end_date}")

    @property
    def end_time(self) -> datetime:
        if self.end_date is not None:
            return datetime.combine(self.end_date + timedelta(days=1), time(), UTC)
        return (self.now or datetime.now(UTC)).astimezone(UTC)

    @property
    def start_time(self) -> datetime:
        if self.start_date is not None:
            return datetime.combine(self.start_date, time(), UTC)
        return self.end_time - timedelta(days=self.window_days)

    @property
    def days(self) -> float:
        return (self.end_time - self.start_time).total_seconds() / 86400

    def to_params(self) -> dict[str, Any]:
        """Bound parameters for the .sql files (naive UTC datetimes bind the same on both engines)."""
        return {
            "start_time": self.start_time.replace(tzinfo=None),
            "end_time": self.end_time.replace(tzinfo=None),
            "team": self.team,
            "workspace_id": self.workspace_id,
            "job_id": self.job_id,
            "row_limit": NO_ROW_LIMIT if self.row_limit is None else self.row_limit,
        }

    def previous(self) -> Filters:
        """The window of the same length that ends where this one starts ("vs the previous 30 days")."""
        if self.start_date is not None and self.end_date is not None:
            length = self.end_date - self.start_date + timedelta(days=1)
            return replace(
                self, start_date=self.start_date - length, end_date=self.start_date - timedelta(days=1)
            )
        return replace(self, now=self.start_time)

    def compared_to(self) -> str:
        """What ``previous()`` is, for a change's label: "vs previous 30 days" or "vs 2026-09-11 to 2026-09-30"."""
        if self.start_date is not None:
            before = self.previous()
            return f"vs {before.start_date} to {before.end_date}"
        return f"vs previous {self.window_days} days"

    def with_(self, **changes: Any) -> Filters:
        return replace(self, **changes)

    def describe(self) -> str:
        """Plain English, e.g. 'last 30 days to 2026-11-25 12:00 UTC, team "data-eng", all jobs'."""
        if self.start_date is not None:
            when = f"{self.start_date} to {self.end_date} (UTC)"
        else:
            when = f"last {self.window_days} days to {self.end_time:%Y-%m-%d %H:%M} UTC"
        team = f'team "{self.team}"' if self.team else "all teams"
        job = f"job {self.job_id}" if self.job_id else "all jobs"
        return f"{when}, {team}, {job}"
