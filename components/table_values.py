"""How a frame's values read in a table: the one place that turns query results into cells people read.

Views name the formats they care about (money, percentages, numbers); every other column used to show
what the query returned: ``False`` beside ``true``, ``NaN``, ``3,365.0`` runs, ``14.0`` for a percentage,
bare cron strings (issue 22, item 3). ``table_spec`` gives each column a reading by its type and name,
for the Tabulator and the light table alike; the CSV download keeps the query's own values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from cron_descriptor import ExpressionDescriptor, Options

from components.light_table import DURATION

# (column, kind, format): kind "number" (a numbro pattern) or "text".
Spec = tuple[tuple[str, str, str], ...]

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

    Columns the view formats keep its format. Otherwise: times as UTC text, flags as yes/no, ``*_pct``
    (percent points) as ``12.3%``, ``*_seconds`` as durations (``1h 02m``, sorted by seconds), cron expressions with their meaning, ids ungrouped, whole numbers as
    ``3,365``, other numbers with two decimals, a column with no value at all empty."""
    money, percent, numbers = set(money), set(percent), numbers or {}
    display = frame.reset_index(drop=True).copy()
    spec = []
    for col in display.columns:
        series = display[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            display[col] = series.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M").astype(object)
            spec.append((col, "text", ""))
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
            spec.append((col, "text", ""))
    return display, tuple(spec)
