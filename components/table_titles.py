"""Column titles people read, and the width a title needs, for every table of the app.

A view names the columns it cares about (``titles=``); any other column of its frame used to show its
raw name (``workspace_id``, ``dbus``, ``all_purpose_runs``). ``column_title`` is the fallback, so no
table shows a snake_case name, and ``min_width_px`` keeps a column at least as wide as the longest
word of its title (Tabulator's equal shares squeezed some to 1-3 characters), and ``text_width_px``
wide enough for the text in it (a job name cut to "churn_…" names nothing). ``reading_order`` puts the
ids people rarely read after the names.
"""

from __future__ import annotations

# Names whose readable form is not their words capitalized.
KNOWN = {
    "workspace_id": "Workspace",
    "job_id": "Job id",
    "job_name": "Job",
    "name": "Job",
    "run_id": "Run",
    "job_run_id": "Run",
    "task_run_id": "Task run",
    "task_key": "Task",
    "dbus": "DBUs",
    "net_dbus": "Net DBUs",
    "retracted_dbus": "Retracted DBUs",
    "restated_dbus": "Restated DBUs",
    "unpriced_dbus": "Unpriced DBUs",
    "cluster_ids": "Clusters",
    "usage_day": "Day (UTC)",
    "last_run_time": "Last run (UTC)",
    "start_time": "Start (UTC)",
    "end_time": "End (UTC)",
    "succeeded": "Succeeded",
    "p50_duration_seconds": "Median duration",
    "duration_seconds": "Duration",
}
# Words kept in capitals within titles.
ACRONYMS = {
    "dbus": "DBUs",
    "dbu": "DBU",
    "usd": "USD",
    "sla": "SLA",
    "utc": "UTC",
    "cpu": "CPU",
    "p90": "p90",
    "pct": "%",
}

# Ids people rarely read: shown after the names and figures (the row click and the CSV keep them).
SECONDARY = ("workspace_id", "job_id")

HEADER_CHAR_PX = 9.9  # the bold header font, per character (measured in Chromium)
# the cell padding and the room Tabulator keeps for its sort arrow (measured: "Runs" needs 94 px)
HEADER_PADDING_PX = 58
MIN_COLUMN_PX = 70
CELL_CHAR_PX = 9.2  # a cell's font, per character of names and times (measured in Chromium) ...
CELL_DIGIT_PX = 10.3  # ... and per digit (ids are all digits)
CELL_PADDING_PX = 24
WRAP_CHARS = 40  # a text longer than this wraps in its cell instead of widening the column


def column_title(column: str) -> str:
    """``all_purpose_runs`` -> ``All purpose runs``; known names and acronyms as people write them."""
    if column in KNOWN:
        return KNOWN[column]
    words = [ACRONYMS.get(w, w) for w in str(column).split("_") if w]
    if len(words) > 1 and words[-1] == "seconds":  # shown as a duration (1h 02m): the unit is in the cell
        words = words[:-1]
    if not words:
        return str(column)
    first = words[0] if words[0] in ACRONYMS.values() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def min_width_px(title: str) -> int:
    """The width a column needs for its title's longest word (titles wrap between words)."""
    longest = max((len(w) for w in str(title).split()), default=0)
    return max(MIN_COLUMN_PX, round(longest * HEADER_CHAR_PX + HEADER_PADDING_PX))


def reading_order(columns: list[str]) -> list[str]:
    """The row's name first (a job's, a table's: what a reader looks for, and what stays in sight when
    the table scrolls sideways), the ids people rarely read last."""
    named = next((c for c in ROW_NAMES if c in columns), None)
    first = [named] if named else []
    rest = [c for c in columns if c != named]
    return first + [c for c in rest if c not in SECONDARY] + [c for c in rest if c in SECONDARY]


# What a row is named by: kept in sight while a wide table scrolls sideways (at 1280 px most tables do).
# ROW_NAMES move first (reading_order); a table led by a team (the teams' tables) keeps it first too.
ROW_NAMES = ("job_name", "name", "table_full_name")
NAME_COLUMNS = (*ROW_NAMES, "team", "title", "cluster_name", "rule")


def frozen_column(columns: list[str]) -> str | None:
    """The column a wide table keeps in place when scrolled sideways: its first, when that names the row."""
    return columns[0] if columns and columns[0] in NAME_COLUMNS else None


def text_width_px(values: list[str]) -> int:
    """The width that shows the longest of a text column's values whole (up to ``WRAP_CHARS``)."""
    widest = max((_text_px(v[:WRAP_CHARS]) for v in values), default=0.0)
    return round(widest + CELL_PADDING_PX)


def _text_px(text: str) -> float:
    digits = sum(ch.isdigit() for ch in text)
    return digits * CELL_DIGIT_PX + (len(text) - digits) * CELL_CHAR_PX


def wraps(values: list[str]) -> bool:
    """Whether a text column has values too long for one line (they wrap instead)."""
    return any(len(v) > WRAP_CHARS for v in values)
