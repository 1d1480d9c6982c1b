"""Export and import of the app's state (team rules, SLA targets, budgets) beside the system tables.

Without it a round trip through ``export`` and ``import`` silently changes what the app shows: team
attribution falls back to tags, SLA results and budgets vanish. The state travels in the export folder's
``_app_state/`` subfolder (the leading underscore keeps the system-table importer from reading it, like
Spark's ``_SUCCESS``), one ``app_state.<table>.parquet`` per table with every version row.

Import merges: the state store keeps every version (rows are never updated in place), so an imported
row that is already there is skipped and the others are added; the latest version still wins. The alert
inbox does not travel: its alerts are re-raised by the next evaluation of the imported workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data.io import ImportValidationError
from data.state_store import StateStore, insert_statements

STATE_FOLDER = "_app_state"
# The state a workspace's numbers depend on; each table's columns are the store's own (state_tables.sql).
CARRIED = ("app_state.team_rules", "app_state.sla_targets", "app_state.budgets")
LABELS = {
    "app_state.team_rules": "team rule versions",
    "app_state.sla_targets": "SLA target versions",
    "app_state.budgets": "budget versions",
}
Progress = Callable[[str], None] | None


def columns_of(store: StateStore, table: str) -> list[str]:
    """A state table's columns as the store declares them."""
    return list(store.engine.execute(f"SELECT * FROM {table} LIMIT 0").columns)


def export_state(store: StateStore, dest: Path, progress: Progress = None) -> dict[str, int]:
    """Write every version row of the carried state tables into ``dest/_app_state/``."""
    folder = Path(dest) / STATE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for table in CARRIED:
        frame = store.engine.execute(f"SELECT * FROM {table} ORDER BY set_at")
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / f"{table}.parquet")
        counts[table] = len(frame)
    if progress:
        progress(f"app state: {summary(counts)} -> {folder}")
    return counts


def read_state(store: StateStore, source: Path) -> dict[str, list[dict]] | None:
    """The state rows of an export folder, validated; None when the export carries no state.

    Raises :class:`ImportValidationError` naming the file and column when a state file is unreadable or
    its columns are not the table's, so a bad state file refuses the import before anything is written.
    """
    folder = Path(source) / STATE_FOLDER
    if not folder.is_dir():
        return None
    problems: list[str] = []
    rows: dict[str, list[dict]] = {}
    for table in CARRIED:
        columns = columns_of(store, table)
        path = folder / f"{table}.parquet"
        label = f"{STATE_FOLDER}/{path.name} (table {table})"
        if not path.exists():
            continue
        try:
            frame = pq.read_table(path).to_pandas()
        except Exception as err:  # pyarrow raises many kinds; the message names the file
            problems.append(f"{label}: not a readable Parquet file ({' '.join(str(err).split())[:200]})")
            continue
        missing = [c for c in columns if c not in frame.columns]
        extra = [c for c in frame.columns if c not in columns]
        if missing or extra:
            problems.append(
                f"{label}: "
                + "; ".join(
                    part
                    for part in (
                        f"missing column(s) {', '.join(missing)}" if missing else "",
                        f"unknown column(s) {', '.join(extra)}" if extra else "",
                    )
                    if part
                )
            )
            continue
        if frame["set_at"].isna().any():
            problems.append(f"{label}: column set_at has NULL values (every version needs its time)")
            continue
        rows[table] = [{c: _plain(row[c]) for c in columns} for _, row in frame.iterrows()]
    for path in sorted(folder.iterdir()):
        if path.name.removesuffix(".parquet") not in CARRIED and not path.name.startswith("."):
            problems.append(
                f"{STATE_FOLDER}/{path.name}: not a carried state table (expected {', '.join(CARRIED)})"
            )
    if problems:
        raise ImportValidationError(problems)
    return rows


def merge_state(store: StateStore, rows: dict[str, list[dict]], progress: Progress = None) -> dict[str, int]:
    """Add the imported version rows the store does not hold yet (one transaction); counts of added rows."""
    statements: list[str] = []
    params: dict[str, Any] = {}
    added: dict[str, int] = {}
    for n, (table, table_rows) in enumerate(rows.items()):
        columns = list(table_rows[0]) if table_rows else columns_of(store, table)
        existing = store.engine.execute(f"SELECT {', '.join(columns)} FROM {table}")
        held = {_key(row, columns) for row in existing.to_dict("records")}
        new = []
        for row in table_rows:
            key = _key(row, columns)
            if key not in held:
                held.add(key)
                new.append(row)
        added[table] = len(new)
        if new:
            more, values = insert_statements(table, columns, new, prefix=f"s{n}_")
            statements += more
            params |= values
    if statements:
        store.engine.execute_atomically(statements, params)
    if progress:
        progress(f"app state: added {summary(added)} (rows already held were kept once)")
    return added


def summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts.get(table, 0)} {LABELS[table]}" for table in CARRIED)


def _plain(value: Any) -> Any:
    """A Parquet value as a bindable Python value (NaN and NaT as NULL, timestamps as naive UTC datetimes)."""
    if value is None or (not isinstance(value, list | dict | tuple) and pd.isna(value)):
        return None  # NaN, NaT and pandas' NA (a NULL integer read back from the store)
    if isinstance(value, pd.Timestamp):
        # State times are UTC in TIMESTAMP columns: bind naive UTC, whatever the session's time zone.
        if value.tzinfo is not None:
            value = value.tz_convert("UTC").tz_localize(None)
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _key(row: dict, columns: list[str]) -> tuple:
    """A row's identity across engines: timestamps to the microsecond, numbers and NULLs normalized."""
    out = []
    for column in columns:
        value = _plain(row[column])
        if isinstance(value, datetime):
            value = value.replace(tzinfo=None).isoformat(timespec="microseconds")
        elif isinstance(value, bool):
            value = str(value)
        elif isinstance(value, int | float):
            value = float(value)
        out.append(value)
    return tuple(out)
