"""Hand-built raw system-table rows for the health and SLA tests, and the step that derives monitor.*."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from data.engines import DuckDBEngine

PRICE_USD_PER_DBU = 0.15
SKU = "STANDARD_JOBS_COMPUTE"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# When the hand-built jobs first appear in system.lakeflow.jobs (before every test window).
JOB_CREATED = utc(2026, 1, 1)


@dataclass
class RawWorkspace:
    """Writes raw rows (jobs, run and task timelines, billing usage) the way a workspace would."""

    engine: DuckDBEngine
    workspace_id: str = "1001"
    _usage_seq: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.con = self.engine.raw()
        self.con.execute(
            "INSERT INTO billing.list_prices (price_start_time, price_end_time, account_id, sku_name, cloud,"
            " currency_code, usage_unit, pricing) VALUES (?, NULL, 'acc', ?, 'AWS', 'USD', 'DBU',"
            " {'default': ?, 'promotional': {'default': ?}, 'effective_list': {'default': ?}})",
            [utc(2020, 1, 1), SKU, PRICE_USD_PER_DBU, PRICE_USD_PER_DBU, PRICE_USD_PER_DBU],
        )

    def job(
        self,
        job_id: str,
        name: str,
        team: str | None = None,
        change_time: datetime = JOB_CREATED,
        cron: str | None = None,
        timezone: str | None = None,
        workspace_id: str | None = None,
    ) -> None:
        """One SCD2 row of system.lakeflow.jobs (call again with a later change_time to rename)."""
        self.con.execute(
            "INSERT INTO lakeflow.jobs (account_id, workspace_id, job_id, name, tags, change_time, trigger)"
            " VALUES ('acc', ?, ?, ?, CASE WHEN ? IS NULL THEN MAP([], []) ELSE MAP(['team'], [?]) END, ?,"
            " {'schedule': {'quartz_cron_expression': ?, 'timezone_id': ?}})",
            [workspace_id or self.workspace_id, job_id, name, team, team, change_time, cron, timezone],
        )

    def run(
        self,
        job_id: str,
        run_id: str,
        start: datetime,
        seconds: float,
        result: str | None = "SUCCEEDED",
        *,
        repairs: list[tuple[float, float, str]] = (),
        tasks: list[tuple[str, float, float, str]] = (),
        dbus: float | None = None,
        queue_seconds: int | None = None,
        workspace_id: str | None = None,
    ) -> None:
        """A job run: one timeline row for the first attempt (``result`` None: still running), plus one row
        per repair ``(gap_seconds, seconds, result)``; task runs ``(task_key, offset_s, seconds, result)``;
        billing usage of ``dbus`` at the run's start."""
        ws = workspace_id or self.workspace_id
        rows = [(start, start + timedelta(seconds=seconds), result)]
        end = rows[0][1]
        for gap, length, state in repairs:
            begin = end + timedelta(seconds=gap)
            end = begin + timedelta(seconds=length)
            rows.append((begin, end, state))
        for begin, finish, state in rows:
            self.con.execute(
                "INSERT INTO lakeflow.job_run_timeline (account_id, workspace_id, job_id, run_id,"
                " period_start_time, period_end_time, trigger_type, run_type, run_name, result_state,"
                " termination_code, queue_duration_seconds) VALUES ('acc', ?, ?, ?, ?, ?, 'CRON', 'JOB_RUN', ?,"
                " ?, ?, ?)",
                [ws, job_id, run_id, begin, finish, f"run of {job_id}", state, state, queue_seconds],
            )
        for i, (task_key, offset, length, state) in enumerate(tasks):
            begin = start + timedelta(seconds=offset)
            self.con.execute(
                "INSERT INTO lakeflow.job_task_run_timeline (account_id, workspace_id, job_id, run_id,"
                " job_run_id, parent_run_id, period_start_time, period_end_time, task_key, result_state,"
                " termination_code) VALUES ('acc', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    ws,
                    job_id,
                    f"{run_id}-t{i}",
                    run_id,
                    run_id,
                    begin,
                    begin + timedelta(seconds=length),
                    task_key,
                    state,
                    state,
                ],
            )
        if dbus is not None:
            self._usage_seq += 1
            self.con.execute(
                "INSERT INTO billing.usage (record_id, account_id, workspace_id, sku_name, cloud,"
                " usage_start_time, usage_end_time, usage_date, usage_unit, usage_quantity, usage_metadata,"
                " record_type, billing_origin_product) VALUES (?, 'acc', ?, ?, 'AWS', ?, ?, ?, 'DBU', ?,"
                " {'job_id': ?, 'job_run_id': ?}, 'ORIGINAL', 'JOBS')",
                [f"u{self._usage_seq}", ws, SKU, start, end, start.date(), dbus, job_id, run_id],
            )


def build_model(engine: DuckDBEngine) -> None:
    """Derive monitor.* from the raw rows: data.refresh.refresh when it exists, else a minimal stand-in."""
    try:
        from data.refresh import refresh
    except ImportError:
        _fallback_model(engine)
    else:
        refresh(engine)


def _fallback_model(engine: DuckDBEngine) -> None:
    """A minimal version of the refresh, per docs/data-model.md (only what the health tests read)."""
    con = engine.raw()
    con.execute("CREATE SCHEMA IF NOT EXISTS monitor")
    con.execute(
        """
        CREATE OR REPLACE TABLE monitor.jobs AS
        SELECT workspace_id, job_id, name, tags, change_time, delete_time IS NOT NULL AS is_deleted, delete_time,
               trigger.schedule.quartz_cron_expression AS schedule_cron,
               trigger.schedule.timezone_id AS schedule_timezone,
               (SELECT COUNT(DISTINCT name) FROM lakeflow.jobs a WHERE a.workspace_id = j.workspace_id
                  AND a.job_id = j.job_id) AS name_versions
        FROM lakeflow.jobs j
        QUALIFY ROW_NUMBER() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE monitor.job_teams AS
        SELECT workspace_id, job_id, COALESCE(tags['team'], 'unattributed') AS team,
               CASE WHEN tags['team'] IS NULL THEN 'none' ELSE 'job_tag:team' END AS attributed_by
        FROM monitor.jobs
        """
    )
    outcome = """CASE WHEN {s} IS NULL THEN 'running' WHEN {s} = 'SUCCEEDED' THEN 'success'
        WHEN {s} IN ('FAILED', 'ERROR', 'TIMED_OUT') THEN 'failure' WHEN {s} IN ('CANCELLED', 'CANCELED')
        THEN 'cancelled' WHEN {s} = 'SKIPPED' THEN 'skipped' ELSE 'other' END"""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE monitor.job_runs AS
        WITH g AS (
          SELECT workspace_id, run_id, MAX(job_id) AS job_id, MIN(run_name) AS run_name,
                 MIN(period_start_time) AS start_time, MAX(period_end_time) AS last_seen_time,
                 MAX(period_end_time) FILTER (WHERE result_state IS NOT NULL) AS end_time,
                 SUM(epoch(period_end_time) - epoch(period_start_time)) AS secs,
                 ARG_MAX(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS result_state,
                 ARG_MIN(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS first_result_state,
                 ARG_MAX(termination_code, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS termination_code,
                 ARG_MAX(queue_duration_seconds, period_end_time) FILTER (WHERE result_state IS NOT NULL)
                   AS queue_duration_seconds,
                 COUNT(result_state) AS terminal_rows
          FROM lakeflow.job_run_timeline GROUP BY workspace_id, run_id
        )
        SELECT workspace_id, job_id, run_id, run_name, start_time, end_time, last_seen_time,
               CASE WHEN terminal_rows > 0 THEN secs END AS duration_seconds,
               queue_duration_seconds, result_state, termination_code, first_result_state,
               {outcome.format(s="result_state")} AS outcome,
               {outcome.format(s="first_result_state")} AS first_outcome,
               GREATEST(terminal_rows - 1, 0) AS repair_count, CAST(start_time AS DATE) AS run_date
        FROM g
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE monitor.task_runs AS
        WITH g AS (
          SELECT workspace_id, run_id AS task_run_id, MAX(job_id) AS job_id, MAX(job_run_id) AS job_run_id,
                 MAX(task_key) AS task_key, MIN(period_start_time) AS start_time,
                 MAX(period_end_time) AS end_time,
                 SUM(epoch(period_end_time) - epoch(period_start_time)) AS duration_seconds,
                 ARG_MAX(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS result_state
          FROM lakeflow.job_task_run_timeline GROUP BY workspace_id, run_id
        )
        SELECT *, {outcome.format(s="result_state")} AS outcome,
               ROW_NUMBER() OVER (PARTITION BY workspace_id, job_run_id, task_key ORDER BY start_time) - 1
                 AS attempt_number,
               ROW_NUMBER() OVER (PARTITION BY workspace_id, job_run_id, task_key ORDER BY start_time) > 1
                 AS is_retry
        FROM g
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE monitor.run_costs AS
        SELECT u.workspace_id, u.usage_metadata.job_id AS job_id, u.usage_metadata.job_run_id AS run_id,
               SUM(u.usage_quantity) AS dbus,
               SUM(CAST(u.usage_quantity AS DECIMAL(24, 14)) * CAST(p.pricing.effective_list.default AS DECIMAL(13, 8)))
                 AS list_cost_usd
        FROM billing.usage u
        JOIN billing.list_prices p ON p.sku_name = u.sku_name AND p.cloud = u.cloud
          AND u.usage_start_time >= p.price_start_time
          AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
        WHERE u.billing_origin_product = 'JOBS'
        GROUP BY ALL
        """
    )
