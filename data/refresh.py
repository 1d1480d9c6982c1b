"""Build the derived model (schema ``monitor``) from the raw system tables.

Each relation is one Databricks SQL query in ``data/model/<relation>.sql`` (see docs/data-model.md for
the columns); this module only decides what to run, in which order, and for which keys:

- **full** (``since=None``): every relation is rebuilt with ``CREATE OR REPLACE TABLE ... AS <query>``.
- **incremental** (``since`` given): ``jobs`` and ``job_tasks`` (small) are rebuilt in full; for
  ``job_runs``, ``task_runs``, ``run_costs`` and ``job_daily`` only the keys touched since ``since`` are
  deleted and re-inserted (see ``data/model/refresh_scope.sql``). The result is the same as a full
  refresh as long as every raw row that changed since the previous refresh ends (timeline), ends or is
  ingested (billing) at or after ``since``.

The model queries read the scope tables and take ``:full_refresh``: TRUE reads everything, FALSE only the
keys in scope. The scope tables are scratch tables, dropped at the end.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlglot

from data.attribution import Attribution, rebuild_job_teams
from data.baselines import DERIVED_PARAMS
from data.engines import Engine, QueryError
from data.schema import table_schemas
from data.sql_files import model_query

MODEL_DIR = Path(__file__).parent / "model"

Progress = Callable[[str], None] | None

# Rebuilt in full on every refresh: a few rows per job, cheaper than working out what changed.
ALWAYS_FULL = ("jobs", "job_tasks")

# Rebuilt per key in an incremental refresh, in this order (job_daily reads job_runs and run_costs).
# Each has a data/model/delete_scoped_<relation>.sql that removes the keys in scope before the model
# query re-inserts them.
SCOPED = ("job_runs", "task_runs", "run_costs", "job_daily", "run_utilization")

SCOPE_TABLES = ("refresh_scope_runs", "refresh_scope_task_runs", "refresh_scope_costs", "refresh_scope_days")

# DuckDB sizes its hash tables to its memory limit (80% of RAM by default) and the task-run aggregation of
# a workspace with a million runs would then take over 2 GB. Capped during a refresh (never raised), DuckDB
# spills what does not fit: measured ~1.5 GB peak process memory for 1M runs / 3M task runs, for ~25% more
# time than uncapped.
REFRESH_MEMORY_LIMIT = "1.6GB"

# Per-run facts that the metrics would otherwise recompute on every call (duration and DBU baselines,
# retry attempts, apportioned task costs). They are window computations over the whole history, so both a
# full and an incremental refresh rebuild them in full, after the relations they read. None of them
# depends on team attribution: a team rule change rebuilds job_teams only. billing_jobs_usage is billing as
# cost_trust reconciles it, up to a watermark (cost_trust reads the later rows live).
DERIVED = (
    "run_health",
    "run_spend",
    "task_spend",
    "billing_jobs_usage",
    "zombie_run_commits",
    "zombie_job_days",
    "zombie_table_days",
    "node_timeline_issues",
    "table_writes",
    "schema_changes",
)

# Relations reported (row counts) and logged in monitor.refresh_log, in build order.
RELATIONS = (
    "jobs",
    "job_tasks",
    "job_teams",
    "job_runs",
    "task_runs",
    "run_costs",
    "job_daily",
    "run_utilization",
    *DERIVED,
)


@functools.cache
def model_sql(relation: str) -> str:
    """The Databricks SQL of one model file (``data/model/<relation>.sql``)."""
    return model_query(relation)


@functools.cache
def model_columns(relation: str) -> tuple[str, ...]:
    """Output column names of a model query, in order (from the SQL, without running it)."""
    tree = sqlglot.parse_one(model_sql(relation), read="databricks")
    return tuple(tree.named_selects)


def refresh(
    engine: Engine,
    since: datetime | None = None,
    settings: Any = None,
    progress: Progress = None,
) -> dict[str, int]:
    """Rebuild the ``monitor`` relations from the system tables.

    Parameters
    ----------
    engine
        The engine holding the system tables; the model is written beside them (schema ``monitor`` on
        DuckDB, the configured catalog.schema on a warehouse).
    since
        None for a full refresh. Otherwise an incremental refresh: the runs with a timeline row ending at or
        after ``since``, and the costs of runs with a JOBS usage row ending at or after ``since`` or
        ingested on or after its UTC date, are recomputed; jobs and tasks are rebuilt in full; job_daily is
        recomputed for the days those runs and costs are on. A naive ``since`` is taken as UTC. If a model
        table is missing or has other columns than the model, the refresh is full.
    settings
        Anything with ``team_tag_keys`` and ``team_rules`` (the app's Settings, or
        ``data.attribution.Attribution``); the default tag key ``team`` and no rules when None.
    progress
        Called with a one-line message (and its timing) for each step.

    Returns
    -------
    dict[str, int]
        Row count of each relation after the refresh (jobs, job_tasks, job_teams, job_runs, task_runs,
        run_costs, job_daily).
    """
    if settings is None:
        settings = Attribution()
    report = progress or (lambda _message: None)
    started = time.perf_counter()
    refreshed_at = datetime.now(UTC)

    if engine.dialect == "duckdb":
        _run(engine, "CREATE SCHEMA IF NOT EXISTS monitor")
        with _duckdb_memory_capped(engine):
            return _refresh(engine, since, settings, report, started, refreshed_at)
    return _refresh(engine, since, settings, report, started, refreshed_at)


def _refresh(
    engine: Engine,
    since: datetime | None,
    settings: Any,
    report: Callable[[str], None],
    started: float,
    refreshed_at: datetime,
) -> dict[str, int]:
    if since is not None:
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        stale = _stale_relations(engine)
        if stale:
            report(f"full refresh instead of incremental: {', '.join(stale)} missing or out of date")
            since = None
    full = since is None
    mode = "full" if full else "incremental"
    report(f"{mode} model refresh" + ("" if full else f" of what changed since {since.isoformat()}"))
    params = {
        "since": since,
        "since_date": since.date() if since else None,
        "full_refresh": full,
    }

    with _step(report, "collected tables"):
        # a database made before a collected table existed gets it (empty): the metrics read every one
        for schema in table_schemas().values():
            if schema.full_name.startswith("collected."):
                _run(engine, schema.databricks_ddl.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1))
    with _step(report, "usd_prices"):
        # A view (always the current list prices), read by run_costs, billing_jobs_usage and cost_trust.
        _run(engine, f"CREATE OR REPLACE VIEW monitor.usd_prices AS\n{model_sql('usd_prices')}")
    with _step(report, "scope"):
        engine.execute_script(model_sql("refresh_scope"), params)
    for relation in ALWAYS_FULL:
        with _step(report, relation):
            _create(engine, relation, params)
    try:
        if full:
            for relation in ("job_runs", "task_runs", "run_costs", "job_daily"):
                with _step(report, relation):
                    _create(engine, relation, params)
        else:
            with _step(report, "days in scope (before)"):
                _run(engine, model_sql("refresh_scope_days"))
            for relation in ("job_runs", "task_runs", "run_costs"):
                with _step(report, relation):
                    _replace_scoped(engine, relation, params)
            with _step(report, "days in scope (after)"):
                _run(engine, model_sql("refresh_scope_days"))
            with _step(report, "job_daily"):
                _replace_scoped(engine, "job_daily", params)
        with _step(report, "run_utilization"):
            # the per-run rollup of the node timeline (by far the largest table): an incremental refresh
            # reads its rows from the earliest start of the runs in scope on
            if full:
                _create(engine, "run_utilization", {**params, "node_since": None})
            else:
                earliest = engine.execute(model_sql("refresh_scope_node_since"), {})["node_since"].iloc[0]
                node_since = since if pd.isna(earliest) else earliest
                _replace_scoped(engine, "run_utilization", {**params, "node_since": node_since})
    finally:
        for table in SCOPE_TABLES:
            _run(engine, f"DROP TABLE IF EXISTS monitor.{table}")

    for relation in DERIVED:
        with _step(report, relation):
            _create(engine, relation, {**params, **DERIVED_PARAMS})
    with _step(report, "job_teams"):
        rebuild_job_teams(engine, settings.team_tag_keys, settings.team_rules)
    engine.execute_script(
        model_sql("refresh_log"), {"refreshed_at": refreshed_at, "mode": mode, "since": since}
    )
    logged = engine.execute(model_sql("refresh_log_counts"), {"refreshed_at": refreshed_at})
    found = dict(zip(logged["table_name"], logged["row_count"].astype(int), strict=True))
    counts = {relation: int(found.get(relation, 0)) for relation in RELATIONS}
    report(
        f"{mode} model refresh done in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{name} {n:,}" for name, n in counts.items())
    )
    return counts


class _step:
    """Context manager: report one refresh step with its duration."""

    def __init__(self, report: Callable[[str], None], name: str) -> None:
        self.report, self.name = report, name

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, exc_type: Any, *_exc: Any) -> None:
        outcome = "failed after" if exc_type else "in"
        self.report(f"  {self.name}: {outcome} {time.perf_counter() - self.started:.1f} s")


@contextlib.contextmanager
def _duckdb_memory_capped(engine: Engine) -> Iterator[None]:
    """Lower DuckDB's memory limit to REFRESH_MEMORY_LIMIT for the refresh (a global setting), then restore it."""
    current = str(engine.execute("SELECT current_setting('memory_limit') AS v")["v"].iloc[0])
    if _bytes(current) <= _bytes(REFRESH_MEMORY_LIMIT):
        yield
        return
    engine.execute(f"SET memory_limit = '{REFRESH_MEMORY_LIMIT}'")
    try:
        yield
    finally:
        engine.execute(f"SET memory_limit = '{current}'")


def _bytes(size: str) -> float:
    """'1.6GB', '18.8 GiB', '512 MiB' -> bytes (DuckDB's spellings); unknown -> infinity."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?)(i?)B?\s*", size, flags=re.IGNORECASE)
    if not match:
        return math.inf
    number, unit, binary = match.groups()
    base = 1024 if binary else 1000
    return float(number) * base ** " KMGT".index(unit.upper() or " ")


def _run(engine: Engine, sql: str, params: dict[str, Any] | None = None) -> None:
    # Refresh statements on millions of rows may take longer than an interactive query is allowed to.
    engine.execute(sql, params, timeout_s=None)


def _create(engine: Engine, relation: str, params: dict[str, Any]) -> None:
    _run(engine, f"CREATE OR REPLACE TABLE monitor.{relation} AS\n{model_sql(relation)}", params)


def _replace_scoped(engine: Engine, relation: str, params: dict[str, Any]) -> None:
    """Delete the keys in scope and insert them again, in one transaction: a refresh that fails or is
    killed between the two leaves the relation as the previous refresh made it (and is not logged, so
    the next incremental refresh covers the same changes again)."""
    columns = ", ".join(model_columns(relation))
    insert = f"INSERT INTO monitor.{relation} ({columns})\n{model_sql(relation)}"
    engine.execute_atomically([model_sql(f"delete_scoped_{relation}"), insert], params, timeout_s=None)


def _stale_relations(engine: Engine) -> list[str]:
    """Scoped relations that an incremental refresh cannot update: missing, or other columns than the model."""
    stale = []
    for relation in SCOPED:
        try:
            existing = engine.execute(f"SELECT * FROM monitor.{relation} LIMIT 0")
        except QueryError:
            stale.append(relation)
            continue
        if tuple(c.lower() for c in existing.columns) != model_columns(relation):
            stale.append(relation)
    return stale
