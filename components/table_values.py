"""How a frame's values read in a table: the one place that turns query results into cells people read.

Views name the formats they care about (money, percentages, numbers); every other column used to show
what the query returned: ``False`` beside ``true``, ``NaN``, ``3,365.0`` runs, ``14.0`` for a percentage,
bare cron strings (issue 22, item 3). ``table_spec`` gives each column a reading by its type and name,
for the Tabulator and the light table alike; the CSV download keeps the query's own values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from cron_descriptor import ExpressionDescriptor, Options

from components.light_table import DURATION
from monitor_app.state import valid_zone

# (column, kind, format): kind "number" (a numbro pattern), "time" (the zone it is shown in; the cell
# holds the UTC text "2026-12-07 14:00", which sorts as time does) or "text".
Spec = tuple[tuple[str, str, str], ...]

TIME_FORMAT = "%Y-%m-%d %H:%M"
# The zone times are shown in while a view renders: the user's (DataPanel sets it from the session).
DISPLAY_ZONE: ContextVar[str] = ContextVar("display_zone", default="UTC")


@contextmanager
def display_zone(zone: str) -> Iterator[None]:
    """Tables built inside show their times in ``zone`` (UTC on hover)."""
    token = DISPLAY_ZONE.set(valid_zone(zone))
    try:
        yield
    finally:
        DISPLAY_ZONE.reset(token)


def zone_label(zone: str) -> str:
    """What a title says for a zone: its abbreviation now (``CET``), else its name (``Asia/Kolkata``
    is ``IST``; a zone whose abbreviation is an offset such as ``+04`` says its name)."""
    if zone == "UTC":
        return "UTC"
    abbreviation = datetime.now(ZoneInfo(zone)).tzname() or ""
    return abbreviation if abbreviation[:1].isalpha() else zone


def local_title(title: str, kind: str, zone: str) -> str:
    """A time column's title in the zone its cells show: ``Last run (UTC)`` -> ``Last run (CET)``."""
    if kind != "time" or zone == "UTC":
        return title
    label = zone_label(zone)
    return title.replace("(UTC)", f"({label})") if "(UTC)" in title else f"{title} ({label})"


def local_time(zone: str) -> Any:
    """A formatter of the UTC text a time cell holds, in ``zone``; empty stays empty."""
    tz = ZoneInfo(zone)

    def fmt(value: Any) -> str:
        if not isinstance(value, str) or not value:
            return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        moment = datetime.strptime(value, TIME_FORMAT).replace(tzinfo=UTC)
        return moment.astimezone(tz).strftime(TIME_FORMAT)

    return fmt


def moment_text(moment: Any, zone: str | None = None) -> str:
    """A time to read on its own (a run's start in its summary): in ``zone`` (default: the session's,
    ``DISPLAY_ZONE``) to the second, with the UTC time after it when the zone is another."""
    if moment is None or pd.isna(moment):
        return ""
    zone = zone or DISPLAY_ZONE.get()
    utc = pd.Timestamp(moment)
    utc = utc.tz_localize("UTC") if utc.tzinfo is None else utc.tz_convert("UTC")
    text = utc.strftime("%Y-%m-%d %H:%M:%S")
    if zone == "UTC":
        return text
    local = utc.tz_convert(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M:%S} {zone_label(zone)} ({text} UTC)"


def utc_hover(value: Any) -> str:
    """What hovering a time cell says: the UTC time it is."""
    return f"{value} UTC" if isinstance(value, str) and value else ""


_CRON_OPTIONS = Options()
_CRON_OPTIONS.use_24hour_time_format = True


def cron_text(expression: Any, timezone: Any = None) -> str:
    """``0 0 5 * * ?`` -> ``At 05:00 (UTC) · 0 0 5 * * ?``: what the schedule means, and the expression
    (Quartz syntax, as the Jobs API gives it) for whoever needs it exact."""
    if expression is None or (not isinstance(expression, str) and pd.isna(expression)) or not expression:
        return ""
    try:
        meaning = ExpressionDescriptor(str(expression), _CRON_OPTIONS).get_description()
    except Exception:  # noqa: BLE001  (any expression the library cannot read is shown as it is)
        return str(expression)
    zone = f" ({timezone})" if isinstance(timezone, str) and timezone else ""
    return f"{meaning}{zone} · {expression}"


# Columns whose values are the platform's enum names (``ONE_TIME``, ``RUN_EXECUTION_ERROR``): read as
# words in tables; the CSV and the filters keep the names the system tables use.
ENUM_COLUMNS = frozenset(
    {"result_state", "termination_code", "trigger_type", "run_type", "sku_name", "compute_type", "state"}
)
# Enum names whose words do not say what they mean, and words kept in capitals.
ENUM_WORDS = {"PERIODIC": "Scheduled", "ONE_TIME": "One time", "RUN_JOB_TASK": "Run job task"}
ENUM_ACRONYMS = frozenset(
    {"US", "EU", "AP", "UK", "SQL", "DLT", "GPU", "API", "DBSQL", "AWS", "GCP", "N", "S"}
)
_ENUM_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")


def enum_text(value: Any) -> Any:
    """``RUN_EXECUTION_ERROR`` -> ``Run execution error``, ``PERIODIC`` -> ``Scheduled``; anything that is
    not an enum name (a lower-case word, a free text, a missing value) unchanged."""
    if not isinstance(value, str) or not _ENUM_NAME.match(value):
        return value
    if value in ENUM_WORDS:
        return ENUM_WORDS[value]
    words = [w if w in ENUM_ACRONYMS else w.lower() for w in value.split("_")]
    return " ".join([words[0] if words[0] in ENUM_ACRONYMS else words[0].capitalize(), *words[1:]])


def yes_no(value: Any) -> Any:
    """A flag as a word (``True`` and ``true`` both read ``yes``); anything else unchanged."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return value


def _is_flags(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series.dtype):
        return True
    values = series.dropna()
    return series.dtype == object and len(values) > 0 and all(yes_no(v) is not v for v in values)


def _is_cron(column: str) -> bool:
    return column == "cron" or column.endswith("_cron")


def _number_pattern(column: str, series: pd.Series) -> str:
    """Ids ungrouped, whole numbers grouped, others with two decimals."""
    if column == "id" or column.endswith("_id"):
        return "0"
    values = series.dropna()
    if pd.api.types.is_integer_dtype(series.dtype) or (len(values) and (values == values.round()).all()):
        return "0,0"
    return "0,0.00"


def table_spec(
    frame: pd.DataFrame,
    money: Iterable[str] = (),
    percent: Iterable[str] = (),
    numbers: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, Spec]:
    """The frame as shown and each column's reading as ``(column, kind, format)``.

    Columns the view formats keep its format. Otherwise: times as UTC text (shown in ``DISPLAY_ZONE``), flags as yes/no, ``*_pct``
    (percent points) as ``12.3%``, ``*_seconds`` as durations (``1h 02m``, sorted by seconds), cron expressions with their meaning, enum names as words (``One time``), ids ungrouped, whole numbers as
    ``3,365``, other numbers with two decimals, a column with no value at all empty."""
    money, percent, numbers = set(money), set(percent), numbers or {}
    display = frame.reset_index(drop=True).copy()
    spec = []
    for col in display.columns:
        series = display[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            display[col] = series.dt.tz_convert("UTC").dt.strftime(TIME_FORMAT).astype(object)
            spec.append((col, "time", DISPLAY_ZONE.get()))
        elif col in money:
            spec.append((col, "number", "$0,0.00"))
        elif col in percent:
            spec.append((col, "number", "0.0%"))
        elif col in numbers:
            spec.append((col, "number", numbers[col]))
        elif _is_flags(series):
            display[col] = series.astype(object).map(yes_no)
            spec.append((col, "text", ""))
        elif pd.api.types.is_numeric_dtype(series.dtype):
            if series.isna().all():
                display[col] = pd.Series([None] * len(series), dtype=object)
                spec.append((col, "text", ""))
            elif str(col).endswith("_pct"):
                display[col] = series / 100
                spec.append((col, "number", "0.0%"))
            elif str(col).endswith("_seconds"):
                spec.append((col, "number", DURATION))
            else:
                spec.append((col, "number", _number_pattern(str(col), series)))
        else:
            if _is_cron(str(col)):
                display[col] = series.map(cron_text)
            elif col in ENUM_COLUMNS:
                display[col] = series.map(enum_text)
            spec.append((col, "text", ""))
    return display, tuple(spec)
