"""Collect what the system tables lack for pipeline integrity: each table's commits and its columns.

Row counts per write live only in Delta's ``DESCRIBE HISTORY`` (operationMetrics) and schemas only in
``system.information_schema.columns``, which keeps no history. So on a workspace, before each refresh,
the app reads them for the tables our jobs write (``system.access.table_lineage``) and keeps them in
``collected.table_history`` and ``collected.column_snapshots``; the demo's simulator fills the same tables.

A collection is:

- **bounded**: at most ``max_tables`` tables (the least recently collected first, none collected again
  within ``min_interval_hours``), ``history_limit`` versions each;
- **incremental**: only versions newer than the newest one already collected are added;
- **contained**: a table that cannot be read (no permission, dropped, not a Delta table) is logged in
  ``collected.table_collection`` with the reason and the next table is read; nothing fails the refresh.

``DESCRIBE HISTORY`` cannot run on the embedded engine: its result shapes (as databricks-sql-connector
returns them, and older JSON-text shapes) are parsed by :func:`history_rows`, tested on recorded results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from data.engines import Engine, QueryError
from data.sql_files import load_sql
from data.state_store import insert_statements

SQL_DIR = Path(__file__).with_name("collect")
HISTORY_COLUMNS = (
    "table_full_name",
    "version",
    "commit_time",
    "operation",
    "rows_written",
    "job_id",
    "job_run_id",
    "workspace_id",
)
SNAPSHOT_COLUMNS = (
    "table_full_name",
    "snapshot_time",
    "column_name",
    "full_data_type",
    "is_nullable",
    "ordinal_position",
)
LOG_COLUMNS = (
    "table_full_name",
    "collected_at",
    "status",
    "reason",
    "last_version",
    "versions_added",
    "columns_seen",
)
# rows per INSERT statement (each value a bound parameter)
INSERT_CHUNK = 200
# an access token in an error message is never stored
TOKEN = re.compile(r"(dapi|dkea|dose)[0-9a-f]{16,}|Bearer\s+\S+", re.IGNORECASE)


@dataclass(frozen=True)
class CollectLimits:
    """How much one collection reads (documented in the README, ``integrity_collection`` of monitor.yaml)."""

    max_tables: int = 50
    history_limit: int = 1000
    min_interval_hours: float = 6.0
    lookback_days: int = 30


@dataclass
class CollectResult:
    tables: int = 0
    versions_added: int = 0
    snapshots: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def collect_integrity(
    engine: Engine,
    now: datetime | None = None,
    limits: CollectLimits = CollectLimits(),
    progress: Callable[[str], None] | None = None,
) -> CollectResult:
    """Read the history and columns of up to ``limits.max_tables`` tables our jobs write, and log each."""
    report = progress or (lambda _message: None)
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    targets = engine.execute(
        load_sql(SQL_DIR / "targets.sql"),
        {
            "now": now,
            "since": now - timedelta(days=limits.lookback_days),
            "recollect_before": now - timedelta(hours=limits.min_interval_hours),
            "max_tables": int(limits.max_tables),
        },
    )
    result = CollectResult()
    for target in targets.to_dict("records"):
        name = str(target["table_full_name"])
        last = None if pd.isna(target["last_version"]) else int(target["last_version"])
        try:
            history = history_rows(
                engine.execute(describe_history_sql(target, limits.history_limit), {}),
                name,
                _text(target["workspace_id"]),
            )
            new = [h for h in history if last is None or h["version"] > last]
            columns = snapshot_rows(
                engine.execute(load_sql(SQL_DIR / "columns.sql"), _name_params(target)), name, now
            )
            if not columns:
                raise QueryError(
                    "not in system.information_schema.columns: dropped, renamed, or not visible to this principal"
                )
            insert_rows(engine, "collected.table_history", HISTORY_COLUMNS, new)
            insert_rows(engine, "collected.column_snapshots", SNAPSHOT_COLUMNS, columns)
            newest = max([last or -1, *(h["version"] for h in new)])
            log = (name, now, "ok", None, None if newest < 0 else newest, len(new), len(columns))
            result.versions_added += len(new)
            result.snapshots += 1
        except (QueryError, ValueError) as err:
            reason = TOKEN.sub("[redacted]", str(err).splitlines()[0] if str(err) else type(err).__name__)[
                :500
            ]
            result.failed[name] = reason
            log = (name, now, "error", reason, last, 0, 0)
            report(f"integrity collection: {name} skipped: {reason}")
        insert_rows(
            engine, "collected.table_collection", LOG_COLUMNS, [dict(zip(LOG_COLUMNS, log, strict=True))]
        )
        result.tables += 1
    report(
        f"integrity collection: {result.tables} table(s), {result.versions_added} new version(s), "
        f"{result.snapshots} column snapshot(s), {len(result.failed)} unreadable"
    )
    return result


def quote_identifier(part: str) -> str:
    """A backquoted Databricks identifier (a backquote inside is doubled)."""
    if not part or "\x00" in part:
        raise ValueError(f"not a usable table name part: {part!r}")
    return "`" + part.replace("`", "``") + "`"


def describe_history_sql(target: dict[str, Any], limit: int) -> str:
    """``DESCRIBE HISTORY `catalog`.`schema`.`table` LIMIT n``: the name cannot be a bound parameter, so
    each part is quoted (from lineage's separate catalog, schema and name columns)."""
    parts = [_text(target.get(k)) for k in ("table_catalog", "table_schema", "table_name")]
    if not all(parts):
        parts = str(target["table_full_name"]).split(".")
    if len(parts) != 3:
        raise ValueError(f"not a three-part table name: {target['table_full_name']!r}")
    return f"DESCRIBE HISTORY {'.'.join(quote_identifier(str(p)) for p in parts)} LIMIT {int(limit)}"


def _name_params(target: dict[str, Any]) -> dict[str, str]:
    parts = [_text(target.get(k)) for k in ("table_catalog", "table_schema", "table_name")]
    if not all(parts):
        parts = str(target["table_full_name"]).split(".")
    return dict(zip(("table_catalog", "table_schema", "table_name"), parts, strict=True))


def history_rows(frame: pd.DataFrame, table: str, workspace_id: str | None) -> list[dict[str, Any]]:
    """``DESCRIBE HISTORY`` rows as collected.table_history rows.

    ``operationMetrics`` arrives as a dict, a list of (key, value) pairs (databricks-sql-connector's
    Arrow maps) or JSON text (older connectors); ``job`` as a dict or JSON text. rows_written: inserted +
    updated rows of a MERGE, updated rows of an UPDATE, else numOutputRows; 0 for a DELETE or TRUNCATE
    that reports only removed rows; None when the metrics say nothing (an OPTIMIZE, or no metrics).
    A row without a version or timestamp is skipped (``ValueError`` if no row is usable while some exist).
    """
    out = []
    for row in frame.to_dict("records"):
        version, when = row.get("version"), row.get("timestamp")
        if version is None or pd.isna(version) or when is None or pd.isna(when):
            continue
        metrics = _mapping(row.get("operationMetrics"))
        job = _mapping(row.get("job"))
        out.append(
            {
                "table_full_name": table,
                "version": int(version),
                "commit_time": pd.Timestamp(when).tz_localize("UTC")
                if pd.Timestamp(when).tzinfo is None
                else pd.Timestamp(when).tz_convert("UTC"),
                "operation": _text(row.get("operation")),
                "rows_written": rows_written(_text(row.get("operation")), metrics),
                "job_id": _text(job.get("jobId")),
                "job_run_id": _text(job.get("jobRunId")) or _text(job.get("runId")),
                "workspace_id": workspace_id if job.get("jobId") else None,
            }
        )
    if frame.shape[0] and not out:
        raise ValueError("DESCRIBE HISTORY returned rows without version or timestamp")
    return out


def rows_written(operation: str | None, metrics: dict[str, Any]) -> int | None:
    """The rows a commit wrote, from its operationMetrics (values are text in Delta's history)."""

    def number(key: str) -> int | None:
        value = metrics.get(key)
        try:
            return None if value is None or value == "" else int(float(value))
        except (TypeError, ValueError):
            return None

    inserted, updated = number("numTargetRowsInserted"), number("numTargetRowsUpdated")
    if inserted is not None or updated is not None:
        return (inserted or 0) + (updated or 0)
    if number("numUpdatedRows") is not None:
        return number("numUpdatedRows")
    if number("numOutputRows") is not None:
        return number("numOutputRows")
    if (operation or "").upper() in ("DELETE", "TRUNCATE") or number("numDeletedRows") is not None:
        return 0
    return None


def snapshot_rows(frame: pd.DataFrame, table: str, at: datetime) -> list[dict[str, Any]]:
    """information_schema.columns rows (is_nullable 'YES' / 'NO') as a collected.column_snapshots snapshot."""
    out = []
    for row in frame.to_dict("records"):
        name = _text(row.get("column_name"))
        if not name:
            continue
        nullable = row.get("is_nullable")
        if isinstance(nullable, str):
            nullable = nullable.strip().upper() in ("YES", "TRUE")
        position = row.get("ordinal_position")
        out.append(
            {
                "table_full_name": table,
                "snapshot_time": at,
                "column_name": name,
                "full_data_type": _text(row.get("full_data_type")),
                "is_nullable": None if nullable is None or pd.isna(nullable) else bool(nullable),
                "ordinal_position": None if position is None or pd.isna(position) else int(position),
            }
        )
    return out


def insert_rows(engine: Engine, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """INSERT the rows with every value bound, in one transaction (``data.state_store.insert_statements``)."""
    if not rows:
        return
    bindable = [{c: _bindable(r[c]) for c in columns} for r in rows]
    statements, params = insert_statements(table, list(columns), bindable, "r", chunk=INSERT_CHUNK)
    engine.execute_atomically(statements, params, timeout_s=None)


def _bindable(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # naive UTC binds the same on both engines
    return value


def _mapping(value: Any) -> dict[str, Any]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            found = json.loads(value)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}
    try:
        return {str(k): v for k, v in value}  # a list of (key, value) pairs
    except (TypeError, ValueError):
        return {}


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    return text or None
