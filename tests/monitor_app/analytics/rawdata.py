"""Hand-built raw system-table rows for the health and SLA tests, and the step that derives monitor.*."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from data.engines import DuckDBEngine
from data.refresh import refresh

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
        compute_ids: list[str] | None = None,
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
                " termination_code, queue_duration_seconds, compute_ids) VALUES ('acc', ?, ?, ?, ?, ?, 'CRON',"
                " 'JOB_RUN', ?, ?, ?, ?, ?)",
                [
                    ws,
                    job_id,
                    run_id,
                    begin,
                    finish,
                    f"run of {job_id}",
                    state,
                    state,
                    queue_seconds,
                    compute_ids,
                ],
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

    def cluster(
        self,
        cluster_id: str,
        node_type: str,
        workers: int | None,
        *,
        autoscale: tuple[int, int] | None = None,
        source: str = "JOB",
        dbr: str = "15.4.x-scala2.12",
        at: datetime | None = None,
    ) -> None:
        """A system.compute.clusters row (driver and workers of ``node_type``)."""
        self.con.execute(
            "INSERT INTO compute.clusters (account_id, workspace_id, cluster_id, driver_node_type,"
            " worker_node_type, worker_count, min_autoscale_workers, max_autoscale_workers, cluster_source,"
            " dbr_version, change_time) VALUES ('acc', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.workspace_id,
                cluster_id,
                node_type,
                node_type,
                workers,
                autoscale[0] if autoscale else None,
                autoscale[1] if autoscale else None,
                source,
                dbr,
                at or datetime(2026, 1, 1, tzinfo=UTC),
            ],
        )

    def node_type(self, node_type: str, cores: float, memory_mb: int) -> None:
        self.con.execute(
            "INSERT INTO compute.node_types (account_id, node_type, core_count, memory_mb) VALUES ('acc', ?, ?, ?)",
            [node_type, cores, memory_mb],
        )

    def node_minutes(
        self,
        cluster_id: str,
        instance_id: str,
        driver: bool,
        start: datetime,
        values: list[tuple[float, float, float, float, float]],
        node_type: str = "m5.xlarge",
    ) -> None:
        """One node_timeline row per minute from ``start``: ``(cpu_user, cpu_system, mem, cpu_wait, swap)``."""
        rows = [
            ("acc", self.workspace_id, cluster_id, instance_id, start + timedelta(minutes=i),
             start + timedelta(minutes=i + 1), driver, u, sy, w, m, sw, node_type)
            for i, (u, sy, m, w, sw) in enumerate(values)
        ]  # fmt: skip
        self.con.executemany(
            "INSERT INTO compute.node_timeline (account_id, workspace_id, cluster_id, instance_id, start_time,"
            " end_time, driver, cpu_user_percent, cpu_system_percent, cpu_wait_percent, mem_used_percent,"
            " mem_swap_percent, node_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def commit(
        self,
        table: str,
        version: int,
        at: datetime,
        rows: int | None,
        job_id: str | None = None,
        run_id: str | None = None,
        operation: str = "WRITE",
    ) -> None:
        """One row of collected.table_history (a Delta commit as DESCRIBE HISTORY lists it)."""
        self.con.execute(
            "INSERT INTO collected.table_history (table_full_name, version, commit_time, operation,"
            " rows_written, job_id, job_run_id, workspace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [table, version, at, operation, rows, job_id, run_id, self.workspace_id if job_id else None],
        )

    def snapshot(self, table: str, at: datetime, columns: list[tuple[str, str, bool]]) -> None:
        """One information_schema.columns snapshot of a table: (name, full_data_type, is_nullable) in order."""
        self.con.executemany(
            "INSERT INTO collected.column_snapshots (table_full_name, snapshot_time, column_name,"
            " full_data_type, is_nullable, ordinal_position) VALUES (?, ?, ?, ?, ?, ?)",
            [[table, at, name, kind, nullable, i + 1] for i, (name, kind, nullable) in enumerate(columns)],
        )


def build_model(engine: DuckDBEngine) -> None:
    """Derive monitor.* from the raw rows with the real refresh."""
    refresh(engine)
