"""The period each report covers, in the report's time zone (UTC unless ``report_timezone`` is set).

- daily: the 24 hours before ``now`` (and the state at ``now``), against the 24 hours before those;
- weekly: the last complete ISO week, Monday 00:00 to Monday 00:00, against the week before;
- monthly: the last complete calendar month, against the month before.

Periods are half-open ``[start, end)`` in UTC, and each maps to the analytics' ``Filters`` as a window of
whole days ending at ``end`` (a week that crosses a daylight-saving change is an hour off in local time:
the window is 7 x 24 h).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from monitor_app.filters import Filters

KINDS = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    label: str  # e.g. 2026-11-24, 2026-W47, 2026-11
    timezone: str

    @property
    def days(self) -> int:
        return max(1, round((self.end - self.start).total_seconds() / 86400))

    def filters(self, team: str | None = None) -> Filters:
        return Filters(window_days=self.days, now=self.end, team=team, row_limit=None)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return period(self.kind, self.start, self.timezone)

    def describe(self) -> str:
        zone = ZoneInfo(self.timezone)
        start, end = self.start.astimezone(zone), self.end.astimezone(zone)
        return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} {self.timezone}"


def period(kind: str, now: datetime, timezone: str = "UTC") -> Period:
    """The period a ``kind`` report made at ``now`` covers."""
    if kind not in KINDS:
        raise ValueError(f"unknown report {kind!r}: one of {', '.join(KINDS)}")
    zone = ZoneInfo(timezone)
    now = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(zone)
    if kind == "daily":
        start = now - timedelta(days=1)
        return Period(kind, start.astimezone(UTC), now.astimezone(UTC), f"{now:%Y-%m-%d}", timezone)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "weekly":
        end = (midnight - timedelta(days=now.weekday())).replace(tzinfo=None)
        start = end - timedelta(days=7)
        year, week, _ = start.isocalendar()
        local = (start.replace(tzinfo=zone), end.replace(tzinfo=zone))
        return Period(
            kind, local[0].astimezone(UTC), local[1].astimezone(UTC), f"{year}-W{week:02d}", timezone
        )
    end = midnight.replace(day=1).replace(tzinfo=None)
    start = (end - timedelta(days=1)).replace(day=1)
    return Period(
        kind,
        start.replace(tzinfo=zone).astimezone(UTC),
        end.replace(tzinfo=zone).astimezone(UTC),
        f"{start:%Y-%m}",
        timezone,
    )
