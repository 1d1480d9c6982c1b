"""Pipeline integrity: row-count deltas per table write (PIPE-01) and schema drift per table (PIPE-02).

A job can succeed and still be broken: it wrote 40 % fewer rows than usual, or a column it feeds changed
type. The facts come from the collected tables (``collected.table_history`` from DESCRIBE HISTORY,
``collected.column_snapshots`` from information_schema; data/integrity_collect.py on a workspace, the
simulator in the demo), prepared at refresh: ``monitor.table_writes`` (each write with the median of the
table's previous writes, same weekday when 4 such writes exist) and ``monitor.schema_changes`` (each
column change between consecutive snapshots).

Flags (the shared definitions, "Data integrity"):

- ``drop`` / ``surge``: the write is at least ``row_count_deviation_pct`` (20 %) under / over its
  baseline, once the table has ``row_count_min_history`` (7) earlier writes with a row count;
- ``zero_rows``: a successful run (or a commit outside any job run) wrote 0 rows after a non-zero
  history: always flagged, whatever the history's length;
- per table, ``row_count_tables`` (monitor.yaml ``thresholds:``) overrides both numbers::

      thresholds:
        row_count_deviation_pct: 25
        row_count_tables:
          prod.finance.ledger: {deviation_pct: 50, min_history: 14}

Severity is not decided here: the alert rules (monitor_app/alerts) decide it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from data.engines import Engine
from data.sql_files import load_sql
from monitor_app.analytics.registry import metric
from monitor_app.filters import Filters

SQL_DIR = Path(__file__).with_name("integrity")

ROW_COUNT_DEFAULTS: dict[str, float] = {"row_count_deviation_pct": 20.0, "row_count_min_history": 7}
# per-table overrides' names (under thresholds.row_count_tables.<table>)
TABLE_SETTINGS = {"deviation_pct": "row_count_deviation_pct", "min_history": "row_count_min_history"}
THRESHOLD_NAMES = (*ROW_COUNT_DEFAULTS, "row_count_tables")
STATUSES = ("zero_rows", "drop", "surge", "ok", "insufficient_history", "no_row_count")
FLAGS = ("zero_rows", "drop", "surge")
CHANGES = ("removed", "type_changed", "nullability_changed", "added")


def _sql(name: str) -> str:
    return load_sql(SQL_DIR / f"{name}.sql")


def check_table_thresholds(value: Any) -> dict[str, dict[str, float]]:
    """``thresholds.row_count_tables`` of monitor.yaml as ``{table: {setting: number}}``.

    Raises
    ------
    ValueError
        Not a mapping of table name to a mapping of ``deviation_pct`` / ``min_history``, or a value that
        is not a non-negative number; the message names the table and setting.
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"row_count_tables must be a mapping of table: settings, got {value!r}")
    out: dict[str, dict[str, float]] = {}
    for table, settings in value.items():
        if not isinstance(table, str) or not table.strip():
            raise ValueError(f"row_count_tables: a table name must be text, got {table!r}")
        if not isinstance(settings, dict):
            raise ValueError(
                f"row_count_tables.{table} must be a mapping of setting: number, got {settings!r}"
            )
        for name, number in settings.items():
            if name not in TABLE_SETTINGS:
                known = ", ".join(TABLE_SETTINGS)
                raise ValueError(f"row_count_tables.{table}: unknown setting {name!r}; known: {known}")
            if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                raise ValueError(
                    f"row_count_tables.{table}.{name} must be a non-negative number, got {number!r}"
                )
        out[table] = dict(settings)
    return out


@metric("row_count_changes", thresholds=THRESHOLD_NAMES)
def row_count_changes(engine: Engine, filters: Filters, **thresholds: Any) -> pd.DataFrame:
    """Rows written per table write against the table's baseline, flagged at +/-20 % or zero rows (PIPE-01).

    Returns
    -------
    DataFrame, flagged writes first then newest first, at most ``filters.row_limit`` rows, one per write
    (a job run's commits to a table) committed in the window:
        table_full_name, workspace_id, job_id, job_name, team, job_run_id, run_outcome (NULL: no job run)
        version (the write's last), commit_time, operation, commits
        rows_written (NULL: the history has no row count), baseline_rows (median of the previous writes),
        baseline_basis (same_weekday | all_days), baseline_writes, prior_writes
        delta_pct : (rows_written - baseline_rows) / baseline_rows x 100
        flagged : bool; status : zero_rows | drop | surge | ok | insufficient_history | no_row_count
        deviation_pct, min_history : the thresholds that applied to the table
        reason : the flag in words, with the numbers
    """
    return _judged(engine, filters, thresholds)


def _judged(
    engine: Engine,
    filters: Filters,
    thresholds: dict[str, Any],
    flagged_only: bool = False,
    latest_only: bool = False,
    table: str | None = None,
) -> pd.DataFrame:
    """writes.sql with the thresholds: the defaults for every table, then each table with its own judged
    apart (its rows replace the first query's, which asked for as many more rows as those tables have).
    ``table``: that table's writes only, read as one (the Data page's click, not the month's writes)."""
    unknown = set(thresholds) - set(THRESHOLD_NAMES)
    if unknown:
        raise TypeError(
            f"unknown row_count_changes threshold(s): {', '.join(sorted(unknown))}; known: {', '.join(THRESHOLD_NAMES)}"
        )
    per_table = check_table_thresholds(thresholds.get("row_count_tables"))
    if table is not None:
        per_table = {table: per_table.get(table, {})}
    pct = float(thresholds.get("row_count_deviation_pct", ROW_COUNT_DEFAULTS["row_count_deviation_pct"]))
    history = float(thresholds.get("row_count_min_history", ROW_COUNT_DEFAULTS["row_count_min_history"]))
    base = {**filters.to_params(), "flagged_only": flagged_only, "latest_only": latest_only}

    def run(one: str | None, deviation: float, minimum: float, limit: int | None) -> pd.DataFrame:
        params = {**base, "table_full_name": one, "deviation_pct": deviation, "min_history": minimum}
        if one is not None or limit is not None:
            params["row_limit"] = filters.with_(row_limit=limit).to_params()["row_limit"]
        frame = engine.execute(_sql("writes"), params)
        return frame.assign(deviation_pct=deviation, min_history=minimum)

    own = [
        run(name, float(s.get("deviation_pct", pct)), float(s.get("min_history", history)), None)
        for name, s in per_table.items()
    ]
    extra = sum(len(f) for f in own)
    limit = None if filters.row_limit is None else filters.row_limit + extra
    frame = own[0].iloc[0:0] if table is not None else run(None, pct, history, limit)
    if per_table:
        frame = pd.concat(
            [frame[~frame["table_full_name"].isin(per_table)], *[f for f in own if not f.empty]],
            ignore_index=True,
        ).sort_values(
            ["flagged", "commit_time", "table_full_name", "version"],
            ascending=[False, False, True, True],
            kind="stable",
        )
        if filters.row_limit is not None:
            frame = frame.head(filters.row_limit)
    frame = frame.reset_index(drop=True)
    # bool columns stay bool when no row came back (an empty result's columns can be untyped objects, and
    # a mask of objects would select columns instead of rows)
    for column in ("flagged", "latest_in_window"):
        frame[column] = frame[column].astype(bool)
    frame["reason"] = ""
    judged = frame[frame["status"] != "ok"]  # a few thousand of a large month's 600k writes
    frame.loc[judged.index, "reason"] = [
        _reason(r.status, r.rows_written, r.baseline_rows, r.delta_pct, r.deviation_pct, r.prior_writes)
        for r in judged.itertuples()
    ]
    return frame


def writes_of_table(engine: Engine, filters: Filters, table: str, **thresholds: Any) -> pd.DataFrame:
    """row_count_changes of one table (its own thresholds when it has some)."""
    return _judged(engine, filters, thresholds, table=table)


writes_of_table.threshold_names = THRESHOLD_NAMES  # type: ignore[attr-defined]


def flagged_writes(engine: Engine, filters: Filters, **thresholds: Any) -> pd.DataFrame:
    """row_count_changes' flagged writes only (what the alert rule reads: a few rows, not the month's)."""
    return _judged(engine, filters, thresholds, flagged_only=True)


flagged_writes.threshold_names = THRESHOLD_NAMES  # type: ignore[attr-defined]


def _reason(status: str, rows: Any, base: Any, delta: Any, limit: float, prior: Any) -> str:
    if status == "zero_rows":
        return f"0 rows written by a successful run; the median of the previous writes is {base:,.0f}"
    if status in ("drop", "surge"):
        word = "fewer" if status == "drop" else "more"
        return (
            f"{rows:,.0f} rows, {abs(delta):.1f} % {word} than the median of the previous writes "
            f"({base:,.0f}); flagged at +/-{limit:g} %"
        )
    if status == "insufficient_history":
        return f"{0 if pd.isna(prior) else prior:.0f} earlier write(s) with a row count: too few to judge"
    if status == "no_row_count":
        return "the table history has no row count for this write"
    return ""


@metric("schema_drift")
def schema_drift(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """Each column change between consecutive snapshots of a table, first seen in the window (PIPE-02).

    Returns
    -------
    DataFrame, newest first, at most ``filters.row_limit`` rows, one per change:
        table_full_name, column_name, change (removed | type_changed | nullability_changed | added),
        old_type, new_type, old_nullable, new_nullable
        detected_at : the snapshot the change first appeared in; previous_snapshot_time : the one before
        workspace_id, job_id, job_name, team, job_run_id, run_outcome, version, write_time : the table's
        first write after the previous snapshot (compare its version with the one before); NULL when none
    """
    frame = engine.execute(_sql("schema_drift"), filters.to_params())
    for column in ("old_type", "new_type", "old_nullable", "new_nullable"):
        # a missing side is None (not NaN): "no type" rather than a number
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


@metric("integrity_data_issues")
def integrity_data_issues(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """What the integrity figures could not use, counted per kind (never silently dropped).

    Returns
    -------
    DataFrame, one row per kind found: kind (history_rows_without_metrics, snapshots_with_duplicate_columns,
    tables_no_longer_snapshotted, tables_not_collected), items (tables), rows, examples (up to 5 tables),
    reasons (why collection failed, for tables_not_collected).
    """
    return engine.execute(_sql("data_issues"), filters.to_params())


@metric("green_but_broken_runs")
def green_but_broken_runs(engine: Engine, filters: Filters, **thresholds: Any) -> pd.DataFrame:
    """Runs that succeeded but wrote a flagged row count or changed a table's schema: green but broken.

    Returns
    -------
    DataFrame, newest first, at most ``filters.row_limit`` rows, one per run:
        workspace_id, job_id, job_name, team, job_run_id, commit_time (its latest flagged write)
        tables : the tables concerned; problems : what was found, one phrase per table
        row_count_flags, schema_changes : how many of each
    """
    wide = filters.with_(row_limit=None)
    own = {k: v for k, v in thresholds.items() if k in THRESHOLD_NAMES}
    writes = _judged(engine, wide, own, flagged_only=True)
    writes = writes[writes["run_outcome"] == "success"]
    drift = schema_drift(engine, wide)
    # a schema change counts when the run that made it succeeded (a failed run is red, not green but broken)
    drift = drift[drift["run_outcome"] == "success"]
    parts = []
    for r in writes.itertuples():
        parts.append(
            {
                "workspace_id": r.workspace_id,
                "job_id": r.job_id,
                "job_name": r.job_name,
                "team": r.team,
                "job_run_id": r.job_run_id,
                "commit_time": r.commit_time,
                "table_full_name": r.table_full_name,
                "problem": f"{r.table_full_name}: {r.status.replace('_', ' ')} ({r.reason})",
                "row_count_flags": 1,
                "schema_changes": 0,
            }
        )
    for r in drift.itertuples():
        parts.append(
            {
                "workspace_id": r.workspace_id,
                "job_id": r.job_id,
                "job_name": r.job_name,
                "team": r.team,
                "job_run_id": r.job_run_id,
                "commit_time": r.write_time,
                "table_full_name": r.table_full_name,
                "problem": f"{r.table_full_name}: column {r.column_name} {r.change.replace('_', ' ')}",
                "row_count_flags": 0,
                "schema_changes": 1,
            }
        )
    columns = [
        "workspace_id",
        "job_id",
        "job_name",
        "team",
        "job_run_id",
        "commit_time",
        "tables",
        "problems",
        "row_count_flags",
        "schema_changes",
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    found = pd.DataFrame(parts)
    out = (
        found.groupby(["workspace_id", "job_id", "job_run_id"], dropna=False, sort=False)
        .agg(
            job_name=("job_name", "first"),
            team=("team", "first"),
            commit_time=("commit_time", "max"),
            tables=("table_full_name", lambda s: sorted(set(s))),
            problems=("problem", lambda s: list(dict.fromkeys(s))),
            row_count_flags=("row_count_flags", "sum"),
            schema_changes=("schema_changes", "sum"),
        )
        .reset_index()
        .sort_values(["commit_time", "job_run_id"], ascending=[False, True], kind="stable")
    )
    if filters.row_limit is not None:
        out = out.head(filters.row_limit)
    return out.reset_index(drop=True)[columns]


@metric("tables_written", thresholds=THRESHOLD_NAMES)
def tables_written(engine: Engine, filters: Filters, **thresholds: Any) -> pd.DataFrame:
    """The tables our jobs wrote in the window: latest write, baseline, deviation, flags, drift, writers.

    Returns
    -------
    DataFrame, tables with a flag or a schema change first, then by name; one row per table:
        table_full_name, workspace_id, job_id, job_name, team (of its latest write), writer_jobs (names)
        writes, last_write_time, last_rows_written, last_baseline_rows, last_delta_pct, last_status,
        last_job_run_id, flagged_writes, schema_changes, breaking_changes (removed, retyped, nullability)
    """
    frame = engine.execute(_sql("tables"), filters.to_params())
    wide = filters.with_(row_limit=None)
    picked = _judged(engine, wide, thresholds, flagged_only=True, latest_only=True)
    latest = picked[picked["latest_in_window"]].set_index("table_full_name")
    for column in ("rows_written", "baseline_rows", "delta_pct", "status"):
        frame[f"last_{column}"] = frame["table_full_name"].map(latest[column])
    flagged = picked[picked["flagged"]].groupby("table_full_name").size()
    frame["flagged_writes"] = frame["table_full_name"].map(flagged).fillna(0).astype(int)
    drift = schema_drift(engine, wide)
    frame["schema_changes"] = frame["table_full_name"].map(drift.groupby("table_full_name").size())
    breaking = drift[drift["change"] != "added"].groupby("table_full_name").size()
    frame["breaking_changes"] = frame["table_full_name"].map(breaking).fillna(0).astype(int)
    frame["schema_changes"] = frame["schema_changes"].fillna(0).astype(int)
    attention = (frame["flagged_writes"] > 0) | (frame["schema_changes"] > 0)
    frame = frame.assign(_attention=attention).sort_values(
        ["_attention", "table_full_name"], ascending=[False, True], kind="stable"
    )
    frame = frame.drop(columns="_attention")
    if filters.row_limit is not None:
        frame = frame.head(filters.row_limit)
    return frame.reset_index(drop=True)


def table_sources(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Per table our jobs wrote in the window, the tables its writers read (for "which upstream to check")."""
    return engine.execute(_sql("sources"), filters.to_params())
