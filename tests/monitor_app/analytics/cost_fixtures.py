"""Hand-built raw system-table rows for the cost tests, and the derived model built from them.

Not a test module: helpers shared by test_cost.py, tests/data/test_attribution.py and
tests/monitor_app/test_team_rules.py. Every row is written through bound parameters, so names with
quotes, HTML and unicode travel exactly as a workspace would send them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from data.attribution import rebuild_job_teams
from data.engines import DuckDBEngine
from data.sql_files import read_sql

WS = "1001"
CLOUD = "AWS"
MODEL_DIR = Path(__file__).resolve().parents[3] / "data" / "model"


class RawWorkspace:
    """Writes raw system-table rows into an engine made by the ``engine`` fixture."""

    def __init__(self, engine: DuckDBEngine) -> None:
        self.engine = engine
        self.con = engine.raw()
        self._record = 0

    # --- lakeflow -------------------------------------------------------------------------------
    def job(
        self,
        job_id: str,
        name: str,
        tags: dict[str, str] | None = None,
        run_as: str | None = None,
        creator: str | None = None,
        cron: str | None = None,
        paused: bool | None = False,
        deleted: bool = False,
        change_time: datetime = datetime(2026, 8, 1),
        workspace_id: str = WS,
    ) -> None:
        tags = tags or {}
        self.con.execute(
            """
            INSERT INTO lakeflow.jobs (account_id, workspace_id, job_id, name, creator_id, tags, change_time,
              delete_time, run_as, trigger, run_as_user_name, creator_user_name, paused)
            VALUES ('acc', ?, ?, ?, 'c1', MAP(?::VARCHAR[], ?::VARCHAR[]), ?, ?, ?,
              {'schedule': {'quartz_cron_expression': ?, 'timezone_id': 'UTC'}}, ?, ?, ?)
            """,
            [
                workspace_id,
                job_id,
                name,
                list(tags),
                list(tags.values()),
                change_time,
                change_time if deleted else None,
                run_as,
                cron,
                run_as,
                creator,
                paused,
            ],
        )

    def run(
        self,
        job_id: str,
        run_id: str,
        start: datetime,
        minutes: float = 60,
        result_state: str = "SUCCEEDED",
        compute_ids: list[str] | None = None,
        workspace_id: str = WS,
    ) -> None:
        self.con.execute(
            """
            INSERT INTO lakeflow.job_run_timeline (account_id, workspace_id, job_id, run_id, period_start_time,
              period_end_time, trigger_type, run_type, result_state, compute_ids)
            VALUES ('acc', ?, ?, ?, ?, ?, 'CRON', 'JOB_RUN', ?, ?)
            """,
            [
                workspace_id,
                job_id,
                run_id,
                start,
                start + timedelta(minutes=minutes),
                result_state,
                compute_ids or [f"job-cluster-{run_id}"],
            ],
        )

    def task_run(
        self, job_id: str, job_run_id: str, task_run_id: str, task_key: str, start: datetime, minutes: float
    ) -> None:
        self.con.execute(
            """
            INSERT INTO lakeflow.job_task_run_timeline (account_id, workspace_id, job_id, run_id, job_run_id,
              period_start_time, period_end_time, task_key, result_state)
            VALUES ('acc', ?, ?, ?, ?, ?, ?, ?, 'SUCCEEDED')
            """,
            [WS, job_id, task_run_id, job_run_id, start, start + timedelta(minutes=minutes), task_key],
        )

    # --- billing --------------------------------------------------------------------------------
    def price(self, sku: str, start: datetime, end: datetime | None, price: str) -> None:
        self.con.execute(
            """
            INSERT INTO billing.list_prices (price_start_time, price_end_time, account_id, sku_name, cloud,
              currency_code, usage_unit, pricing)
            VALUES (?, ?, 'acc', ?, ?, 'USD', 'DBU',
              {'default': ?::DECIMAL(38,18), 'promotional': {'default': NULL},
               'effective_list': {'default': ?::DECIMAL(38,18)}})
            """,
            [start, end, sku, CLOUD, price, price],
        )

    def usage(
        self,
        job_id: str | None,
        run_id: str | None,
        start: datetime,
        quantity: str,
        sku: str = "STANDARD_JOBS_COMPUTE",
        record_type: str = "ORIGINAL",
        product: str = "JOBS",
        custom_tags: dict[str, str] | None = None,
        serverless: bool = False,
        cluster_id: str | None = None,
        hours: float = 1,
        workspace_id: str = WS,
    ) -> None:
        self._record += 1
        custom_tags = custom_tags or {}
        self.con.execute(
            """
            INSERT INTO billing.usage (record_id, account_id, workspace_id, sku_name, cloud, usage_start_time,
              usage_end_time, usage_date, custom_tags, usage_unit, usage_quantity, usage_metadata, record_type,
              ingestion_date, billing_origin_product, product_features)
            VALUES (?, 'acc', ?, ?, ?, ?, ?, CAST(? AS DATE), MAP(?::VARCHAR[], ?::VARCHAR[]), 'DBU',
              ?::DECIMAL(38,18), {'cluster_id': ?, 'job_id': ?, 'job_run_id': ?}, ?, CAST(? AS DATE), ?,
              {'is_serverless': ?})
            """,
            [
                f"rec-{self._record:05d}",
                workspace_id,
                sku,
                CLOUD,
                start,
                start + timedelta(hours=hours),
                start,
                list(custom_tags),
                list(custom_tags.values()),
                quantity,
                cluster_id,
                job_id,
                run_id,
                record_type,
                start + timedelta(hours=hours),
                product,
                serverless,
            ],
        )

    # --- compute, lineage, commits -------------------------------------------------------------
    def cluster(self, cluster_id: str, source: str, change_time: datetime = datetime(2026, 8, 1)) -> None:
        self.con.execute(
            """
            INSERT INTO compute.clusters (account_id, workspace_id, cluster_id, cluster_name, cluster_source,
              change_time, change_date)
            VALUES ('acc', ?, ?, ?, ?, ?, CAST(? AS DATE))
            """,
            [WS, cluster_id, f"cluster {cluster_id}", source, change_time, change_time],
        )

    def commit(self, table: str, when: datetime, rows: int, job_id: str | None, run_id: str | None) -> None:
        self._record += 1
        self.con.execute(
            """
            INSERT INTO collected.table_history (table_full_name, version, commit_time, operation, rows_written,
              job_id, job_run_id, workspace_id)
            VALUES (?, ?, ?, 'WRITE', ?, ?, ?, ?)
            """,
            [table, self._record, when, rows, job_id, run_id, WS],
        )

    def lineage(
        self,
        entity_type: str | None,
        entity_id: str | None,
        run_id: str | None,
        when: datetime,
        source: str | None = None,
        target: str | None = None,
        created_by: str = "someone@example.com",
    ) -> None:
        self._record += 1
        self.con.execute(
            """
            INSERT INTO access.table_lineage (account_id, metastore_id, workspace_id, entity_type, entity_id,
              entity_run_id, source_table_full_name, target_table_full_name, created_by, event_time, event_date,
              record_id)
            VALUES ('acc', 'ms', ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS DATE), ?)
            """,
            [
                WS,
                entity_type,
                entity_id,
                run_id,
                source,
                target,
                created_by,
                when,
                when,
                f"lin-{self._record}",
            ],
        )

    # --- shortcuts ------------------------------------------------------------------------------
    def costed_run(
        self,
        job_id: str,
        run_id: str,
        start: datetime,
        dbus: str,
        sku: str = "STANDARD_JOBS_COMPUTE",
        **run_kwargs: Any,
    ) -> None:
        """A one-hour run on job compute and its one ORIGINAL usage row."""
        self.run(job_id, run_id, start, **run_kwargs)
        self.usage(job_id, run_id, start, dbus, sku=sku)


def build_model(
    engine: DuckDBEngine, tag_keys: list[str] | None = None, rules: list[dict[str, Any]] | None = None
) -> None:
    """Build monitor.* from the raw rows (data.refresh when present), then attribute teams."""
    try:
        from data.refresh import refresh
    except ImportError:  # the refresh module is built in parallel: fall back to the model files
        _build_model_from_files(engine)
    else:
        refresh(engine)
    rebuild_job_teams(engine, tag_keys if tag_keys is not None else ["team"], rules)


def _build_model_from_files(engine: DuckDBEngine) -> None:
    con = engine.raw()
    con.execute("CREATE SCHEMA IF NOT EXISTS monitor")
    for name in ("refresh_scope_runs", "refresh_scope_costs"):
        con.execute(f"CREATE OR REPLACE TABLE monitor.{name} (workspace_id VARCHAR, run_id VARCHAR)")
    con.execute(
        "CREATE OR REPLACE TABLE monitor.refresh_scope_task_runs (workspace_id VARCHAR, job_run_id VARCHAR)"
    )
    for relation in ("jobs", "job_tasks", "job_runs", "task_runs", "run_costs"):
        select = read_sql(MODEL_DIR / f"{relation}.sql")
        engine.execute(f"CREATE OR REPLACE TABLE monitor.{relation} AS {select}", {"full_refresh": True})


def exact(engine: DuckDBEngine, sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
    """Rows of a Databricks SQL query with DECIMAL values kept as Decimal (engine.execute gives floats)."""
    from data.dialects import to_duckdb
    from data.engines import placeholders

    used = placeholders(sql)
    bound = {k: v for k, v in (params or {}).items() if k in used}
    return engine.cursor().execute(to_duckdb(sql), bound).fetchall()


def D(text: str) -> Decimal:
    return Decimal(text)
