"""When a run was due and when its SLA deadline fell: cron schedules, IANA zones and daylight saving.

The rules are those of ``sla`` (scheduled start: the latest cron fire time at or before the start, within
``MAX_SCHEDULE_LAG``; deadline: the target's HH:MM on the scheduled start's local date). They are
written per run (:func:`scheduled_start`, :func:`deadline_for`) and applied per job and schedule with
numpy on int64 microseconds (``_scheduled_us``, ``_deadlines``), each zone's offsets read from zoneinfo.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

# A cron fire time further back than this before a run's start is not that run's schedule (manual run).
MAX_SCHEDULE_LAG = timedelta(hours=12)


def _quartz_to_croniter(expr: str) -> str:
    """Quartz (sec min hour dom month dow [year]; dow 1-7 = SUN-SAT) to croniter's seconds-first form."""
    fields = expr.split()
    if len(fields) == 7:
        fields = fields[:6]
    if len(fields) != 6:
        raise ValueError(f"not a quartz cron expression: {expr!r}")
    dow = fields[5]

    def shift(token: str) -> str:
        return str(int(token) - 1) if token.isdigit() else token

    parts = []
    for item in dow.split(","):
        step = ""
        if "/" in item:
            item, step = item.split("/", 1)
            step = "/" + step
        parts.append("-".join(shift(t) for t in item.split("-")) + step)
    fields[5] = ",".join(parts)
    return " ".join(fields)


def scheduled_start(start: datetime, cron: Any, timezone: Any, queue_seconds: Any) -> datetime:
    """When the run was due: see the module rules (cron fire time, else start - queue time, else start)."""
    if isinstance(cron, str) and cron.strip():
        try:
            from croniter import croniter

            zone = ZoneInfo(timezone if isinstance(timezone, str) and timezone else "UTC")
            local = (start + timedelta(seconds=1)).astimezone(zone)
            fired = croniter(_quartz_to_croniter(cron), local, second_at_beginning=True).get_prev(datetime)
            fired = fired.astimezone(UTC)
            if timedelta(0) <= start - fired <= MAX_SCHEDULE_LAG:
                return fired
        except (ValueError, KeyError, TypeError, ImportError, AttributeError):
            pass  # an expression croniter cannot read: fall back to the queue time
        except Exception:  # croniter's own errors (CroniterBadCronError, ...) derive from Exception
            pass
    if queue_seconds is not None and not pd.isna(queue_seconds) and queue_seconds > 0:
        return start - timedelta(seconds=float(queue_seconds))
    return start


def deadline_for(scheduled: datetime, deadline_local_time: str, timezone_id: str) -> datetime:
    """The deadline (UTC) of a run due at ``scheduled``: see the module rules. DST-aware."""
    zone = ZoneInfo(timezone_id)
    local = scheduled.astimezone(zone)
    hour, minute = (int(p) for p in deadline_local_time.split(":"))
    due = time(hour, minute)
    day = local.date()
    if due < local.time().replace(tzinfo=None):
        day = day + timedelta(days=1)
    return datetime.combine(day, due, tzinfo=zone).astimezone(UTC)


# ---------------------------------------------------------------------------------------------------------
# Per job and schedule, not per run: the per-run rules above applied to many runs at once (numpy on int64
# microseconds since the epoch, UTC). Wherever croniter's own DST handling could decide differently (a
# fire time in a gap or a repeated hour, a UTC offset change between fire time and start, L/W/#
# expressions, no fire time in the days before), the run takes :func:`scheduled_start` itself.
# ---------------------------------------------------------------------------------------------------------

_US = 1_000_000
_DAY_US = 86_400 * _US
_LAG_US = int(MAX_SCHEDULE_LAG / timedelta(microseconds=1))
_NAT = np.iinfo(np.int64).min
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Fire times are enumerated from this many days before a job's earliest run: a weekly schedule's last fire.
_FIRE_LOOKBACK_DAYS = 8
# A zone's offset is sampled this often (seconds) to find its changes, each then pinned to the second.
_ZONE_SAMPLE_S = 3 * 3600


def _epoch_us(values: pd.Series) -> np.ndarray:
    """Tz-aware timestamps as int64 microseconds since the epoch, UTC (NaT: the int64 minimum)."""
    return pd.DatetimeIndex(values).as_unit("us").asi8


def _utc_series(us: np.ndarray) -> pd.Series:
    """int64 microseconds since the epoch (the int64 minimum: NaT) as a UTC timestamp column."""
    return pd.Series(pd.DatetimeIndex(us.astype("datetime64[us]")).tz_localize("UTC"))


def _us_of(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _datetime_of(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(us))


@functools.lru_cache(maxsize=256)
def _zone_steps(zone_name: str, first_year: int, last_year: int) -> tuple[np.ndarray, np.ndarray]:
    """UTC offsets of an IANA zone over whole UTC years (plus two days each side), as a step function.

    Returns ``(changes, offsets)`` in microseconds: the offset at ``t`` is
    ``offsets[searchsorted(changes, t, side="right")]``. Read from zoneinfo, so exactly the rules the
    per-run arithmetic uses: sampled every few hours, each change pinned to its second by bisection (no
    zone changes its offset twice within hours). Cached per zone and years: it costs about a millisecond.
    """
    zone = ZoneInfo(zone_name)

    def offset_s(second: int) -> int:
        offset = datetime.fromtimestamp(second, zone).utcoffset()
        return 0 if offset is None else int(offset.total_seconds())

    lo = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp()) - 2 * 86_400
    hi = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp()) + 2 * 86_400
    current = offset_s(lo)
    changes: list[int] = []
    offsets = [current]
    previous = lo
    for second in range(lo + _ZONE_SAMPLE_S, hi + _ZONE_SAMPLE_S, _ZONE_SAMPLE_S):
        offset = offset_s(second)
        if offset != current:
            before, after = previous, second
            while after - before > 1:
                middle = (before + after) // 2
                if offset_s(middle) == current:
                    before = middle
                else:
                    after = middle
            changes.append(after * _US)
            offsets.append(offset)
            current = offset
        previous = second
    return np.array(changes, dtype=np.int64), np.array(offsets, dtype=np.int64) * _US


class _ZoneClock:
    """UTC offsets of one zone over the years around some instants (vectorised ``astimezone``)."""

    def __init__(self, zone_name: str, utc_us: np.ndarray) -> None:
        ZoneInfo(zone_name)  # an unknown zone raises here, as the per-run rules would
        lo, hi = (_datetime_of(v) for v in (utc_us.min() - 10 * _DAY_US, utc_us.max() + 10 * _DAY_US))
        self.changes, self.offsets = _zone_steps(zone_name, lo.year, hi.year)

    def offset(self, utc_us: np.ndarray) -> np.ndarray:
        return self.offsets[np.searchsorted(self.changes, utc_us, side="right")]

    def local(self, utc_us: np.ndarray) -> np.ndarray:
        """Local wall-clock time (microseconds, as if UTC) of UTC instants."""
        return utc_us + self.offset(utc_us)


@dataclass(frozen=True)
class _FireSet:
    """The fire times of a plain cron expression: allowed months, days of month, days of week (None: any;
    both set: either matches, as croniter's ``day_or``) and the sorted times of day (microseconds)."""

    months: np.ndarray | None
    days_of_month: np.ndarray | None
    days_of_week: np.ndarray | None
    times_of_day_us: np.ndarray

    def allowed_days(self, days: np.ndarray) -> np.ndarray:
        """The days (since the epoch) among ``days`` on which the expression fires."""
        dates = days.astype("datetime64[D]")
        month_start = dates.astype("datetime64[M]")
        ok = np.ones(len(days), dtype=bool)
        if self.months is not None:
            ok &= np.isin(month_start.astype(np.int64) % 12 + 1, self.months)
        day_of_month = (dates - month_start.astype("datetime64[D]")).astype(np.int64) + 1
        day_of_week = (days + 4) % 7  # 1970-01-01 was a Thursday; Sunday is 0, as in cron
        in_month = None if self.days_of_month is None else np.isin(day_of_month, self.days_of_month)
        in_week = None if self.days_of_week is None else np.isin(day_of_week, self.days_of_week)
        if in_month is not None and in_week is not None:
            ok &= in_month | in_week
        elif in_month is not None:
            ok &= in_month
        elif in_week is not None:
            ok &= in_week
        return days[ok]


@functools.lru_cache(maxsize=1024)
def _fire_set(expr: str) -> _FireSet | None:
    """croniter's reading of a quartz expression as a :class:`_FireSet`; None when it uses L, W or # (or
    anything else but plain values), for which each run asks croniter itself."""
    from croniter import croniter

    cron = croniter(_quartz_to_croniter(expr), datetime(2000, 1, 1), second_at_beginning=True)
    if cron.nth_weekday_of_month or cron.nearest_weekday or len(cron.expanded) != 6:
        return None
    ranges = (range(60), range(24), range(1, 32), range(1, 13), range(7), range(60))
    values: list[np.ndarray | None] = []
    for field, allowed in zip(cron.expanded, ranges, strict=True):
        if field[0] == "*":
            values.append(None)
        elif all(isinstance(v, int) and v in allowed for v in field):
            values.append(np.array(sorted(set(field)), dtype=np.int64))
        else:
            return None
    minutes, hours, days_of_month, months, days_of_week, seconds = values
    hours = np.arange(24) if hours is None else hours
    minutes = np.arange(60) if minutes is None else minutes
    seconds = np.arange(60) if seconds is None else seconds
    times = np.add.outer(np.add.outer(hours * 3600, minutes * 60), seconds).ravel()
    return _FireSet(months, days_of_month, days_of_week, np.unique(times) * _US)


def _latest_fires(start_us: np.ndarray, cron: str, timezone: Any) -> tuple[np.ndarray, np.ndarray]:
    """The fire time (UTC) croniter's ``get_prev`` gives for each run, and where it cannot be read here.

    As :func:`scheduled_start`: the latest fire strictly before start + 1 s in the zone's wall-clock time
    (croniter works on wall-clock times, then puts the zone back). Returns ``(fired_us, ask_croniter)``;
    ``fired_us`` is valid where ``ask_croniter`` is false, which is wherever the wall-clock fire time has
    the run's own UTC offset and exactly one reading (no DST change in between, not in a gap or a
    repeated hour) and lies within the enumerated days.
    """
    fires = _fire_set(cron)
    if fires is None:
        return start_us, np.ones(len(start_us), dtype=bool)
    clock = _ZoneClock(timezone if isinstance(timezone, str) and timezone else "UTC", start_us)
    due_by = start_us + _US
    run_offset = clock.offset(due_by)
    wall = due_by + run_offset
    day = wall // _DAY_US
    time_of_day = wall - day * _DAY_US
    days = fires.allowed_days(np.arange(day.min() - _FIRE_LOOKBACK_DAYS, day.max() + 1, dtype=np.int64))
    times = fires.times_of_day_us
    if days.size == 0:
        return start_us, np.ones(len(start_us), dtype=bool)
    at = np.searchsorted(days, day, side="right") - 1  # latest firing day <= the run's day
    same_day = (at >= 0) & (days[np.maximum(at, 0)] == day)
    slot = np.searchsorted(times, time_of_day, side="left") - 1  # latest time of day < the run's
    today = same_day & (slot >= 0)
    earlier = np.where(same_day, at - 1, at)
    found = today | (earlier >= 0)
    wall_fire = np.where(
        today,
        day * _DAY_US + times[np.maximum(slot, 0)],
        days[np.maximum(earlier, 0)] * _DAY_US + times[-1],
    )
    fired = wall_fire - run_offset
    readable = found & (clock.offset(fired) == run_offset)
    for other in np.unique(clock.offsets):  # a second reading of the wall-clock time: a repeated hour
        readable &= (other == run_offset) | (clock.offset(wall_fire - other) != other)
    return fired, ~readable


def _scheduled_us(start_us: np.ndarray, cron: Any, timezone: Any, queue: np.ndarray) -> np.ndarray:
    """:func:`scheduled_start` for runs that share one schedule (cron expression and zone)."""
    waited = queue > 0  # NaN (no queue time) is not
    fallback = np.where(
        waited, start_us - np.round(np.where(waited, queue, 0.0) * _US).astype(np.int64), start_us
    )
    if not (isinstance(cron, str) and cron.strip()):
        return fallback
    try:
        fired, ask = _latest_fires(start_us, cron, timezone)
    except Exception:  # anything croniter or zoneinfo refuse: each run takes the per-run rules
        fired, ask = start_us, np.ones(len(start_us), dtype=bool)
    lag = start_us - fired
    out = np.where((lag >= 0) & (lag <= _LAG_US), fired, fallback)
    for i in np.flatnonzero(ask):
        q = None if np.isnan(queue[i]) else float(queue[i])
        out[i] = _us_of(scheduled_start(_datetime_of(start_us[i]), cron, timezone, q))
    return out


def _deadlines(scheduled_us: np.ndarray, deadline_time: str, zone_name: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`deadline_for` for runs sharing one target deadline: (deadline_us, deadline_local text).

    The local date comes from the zone's offsets; the deadline itself is computed once per date, with
    zoneinfo (DST gaps and repeated hours exactly as :func:`deadline_for`).
    """
    hour, minute = (int(p) for p in deadline_time.split(":"))
    due_us = (hour * 3600 + minute * 60) * _US
    wall = _ZoneClock(zone_name, scheduled_us).local(scheduled_us)
    day = wall // _DAY_US
    day = day + (due_us < wall - day * _DAY_US)
    days, inverse = np.unique(day, return_inverse=True)
    deadlines = [_deadline_on(d, deadline_time, zone_name) for d in days.tolist()]
    deadline_us = np.array([us for us, _ in deadlines], dtype=np.int64)
    text = np.array([local for _, local in deadlines], dtype=object)
    return deadline_us[inverse], text[inverse]


@functools.lru_cache(maxsize=65_536)
def _deadline_on(day: int, deadline_time: str, zone_name: str) -> tuple[int, str]:
    """The deadline (UTC microseconds, and local text) on a local date (days since the epoch): the
    :func:`deadline_for` arithmetic, cached (a job's deadline falls on the same few dates call after call)."""
    hour, minute = (int(p) for p in deadline_time.split(":"))
    zone = ZoneInfo(zone_name)
    local = datetime.combine(date(1970, 1, 1) + timedelta(days=day), time(hour, minute), tzinfo=zone)
    deadline = local.astimezone(UTC)
    return _us_of(deadline), f"{deadline.astimezone(zone):%Y-%m-%d %H:%M} {zone_name}"
