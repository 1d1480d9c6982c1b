"""The derived model (data/refresh.py, data/model/*.sql) on hand-made data, checked value by value.

The workspace is tests/data/fixtures/refresh_workspace.sql, exported to Parquet the way a real workspace
export is and loaded with ``data.io.import_dir``; its comments say what each row is for.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from data.engines import DuckDBEngine
from data.io import import_dir
from data.refresh import RELATIONS, refresh
from data.schema import create_tables, table_schemas

FIXTURE = Path(__file__).parent / "fixtures" / "refresh_workspace.sql"

# An incremental refresh after this time sees: the repair of run w1/101, the running run w1/102, the task
# retry re-run by that repair, late billing corrections (ingested on 2025-03-13) and new usage.
SINCE = datetime(2025, 3, 11, 2, 0, tzinfo=UTC)
LATE_ROWS = {
    "lakeflow.job_run_timeline": "period_end_time > TIMESTAMPTZ '2025-03-11 02:00:00+00'",
    "lakeflow.job_task_run_timeline": "period_end_time > TIMESTAMPTZ '2025-03-11 02:00:00+00'",
    "billing.usage": "ingestion_date >= DATE '2025-03-12' OR usage_end_time > TIMESTAMPTZ '2025-03-11 02:00:00+00'",
}

# Primary key of each relation: snapshots are ordered by it.
KEYS = {
    "jobs": "workspace_id, job_id",
    "job_tasks": "workspace_id, job_id, task_key",
    "job_teams": "workspace_id, job_id",
    "job_runs": "workspace_id, run_id",
    "task_runs": "workspace_id, task_run_id",
    "run_costs": "workspace_id, run_id",
    "job_daily": "workspace_id, job_id, run_date",
    "run_health": "workspace_id, run_id",
    "run_spend": "workspace_id, run_id",
    "task_spend": "workspace_id, task_run_id",
    "billing_jobs_usage": "workspace_id, job_run_id, usage_day",
    "zombie_run_commits": "workspace_id, run_id, table_full_name",
    "zombie_job_days": "kind, workspace_id, job_id, run_date, table_full_name",
    "zombie_table_days": "kind, table_full_name, workspace_id, entity_type, entity_id, reader, event_date",
    "run_utilization": "workspace_id, run_id",
    "node_timeline_issues": "workspace_id, kind",
    "table_writes": "table_full_name, version",
    "schema_changes": "table_full_name, detected_at, column_name, change",
}


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def d(text: str) -> Decimal:
    return Decimal(text)


def write_export(folder: Path) -> Path:
    """Parquet files named by table full name, from the fixture rows typed by the project DDL."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    create_tables(con)
    con.execute(FIXTURE.read_text(encoding="utf-8"))
    for full_name, schema in table_schemas().items():
        if not full_name.startswith("system."):
            continue
        if con.execute(f"SELECT COUNT(*) FROM {schema.duckdb_name}").fetchone()[0]:
            target = str(folder / f"{full_name}.parquet")
            con.execute(f"COPY {schema.duckdb_name} TO '{target}' (FORMAT parquet)")
    con.close()
    return folder


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_export(tmp_path_factory.mktemp("export"))


@pytest.fixture
def workspace(engine: DuckDBEngine, export: Path) -> DuckDBEngine:
    import_dir(engine, export)
    return engine


@pytest.fixture
def refreshed(workspace: DuckDBEngine) -> DuckDBEngine:
    refresh(workspace)
    return workspace


def rows(engine: DuckDBEngine, relation: str, where: str = "TRUE") -> list[dict[str, Any]]:
    """Rows of a model relation as exact Python values (Decimal, datetime, list, dict), in key order.

    Read through the raw connection: ``Engine.execute`` returns pandas, where DECIMAL becomes float.
    """
    cur = engine.cursor()
    cur.execute(f"SELECT * FROM monitor.{relation} WHERE {where} ORDER BY {KEYS[relation]}")
    names = [c[0] for c in cur.description]
    found = [dict(zip(names, values, strict=True)) for values in cur.fetchall()]
    cur.close()
    return found


def row(engine: DuckDBEngine, relation: str, where: str) -> dict[str, Any]:
    found = rows(engine, relation, where)
    assert len(found) == 1, found
    return found[0]


def snapshot(engine: DuckDBEngine) -> dict[str, list[dict[str, Any]]]:
    return {relation: rows(engine, relation) for relation in RELATIONS}


# --- relations ------------------------------------------------------------------------------------------


def test_refresh_returns_and_logs_row_counts(workspace: DuckDBEngine) -> None:
    messages: list[str] = []
    counts = refresh(workspace, progress=messages.append)
    assert counts == {
        "jobs": 4,
        "job_tasks": 3,
        "job_teams": 4,
        "job_runs": 7,
        "task_runs": 7,
        "run_costs": 7,
        "job_daily": 7,
        "run_health": 7,
        "run_spend": 8,  # the 7 timeline runs and the run billing knows but the timeline does not
        "task_spend": 7,
        # usage ingested before the newest ingestion date (2025-03-13), by run: run 102's usage is all
        # ingested that day (cost_trust reads it live)
        "billing_jobs_usage": 7,
        "zombie_run_commits": 0,  # no collected table history here
        "zombie_job_days": 6,  # spend per job and day of the 7 timeline runs (no commits)
        "zombie_table_days": 0,  # no lineage, no table history
        "run_utilization": 5,  # the finished runs with a compute id (no node timeline: no_node_data)
        "node_timeline_issues": 0,  # no node timeline
        "table_writes": 0,  # no collected table history
        "schema_changes": 0,  # no column snapshots
    }
    log = workspace.execute("SELECT mode, since, table_name, row_count FROM monitor.refresh_log")
    assert dict(zip(log["table_name"], log["row_count"], strict=True)) == counts
    assert set(log["mode"]) == {"full"} and log["since"].isna().all()
    assert any(m.strip().startswith("job_runs: in ") for m in messages)
    assert messages[-1].startswith("full model refresh done in ")
    tables = workspace.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'monitor'"
    )
    assert not [t for t in tables["table_name"] if t.startswith("refresh_scope")]


def test_jobs_latest_version(refreshed: DuckDBEngine) -> None:
    renamed = row(refreshed, "jobs", "workspace_id = 'w1' AND job_id = '1'")
    assert renamed == {
        "workspace_id": "w1",
        "job_id": "1",
        "name": "new name",
        "description": "loads things",
        "creator_user_name": "alice@x.com",
        "run_as_user_name": "svc-etl",
        "run_as": None,
        "tags": {"team": "platform"},
        "change_time": ts("2025-03-01"),
        "create_time": ts("2024-12-01"),
        "is_deleted": False,
        "delete_time": None,
        "paused": False,
        "schedule_cron": "0 0 2 * * ?",
        "schedule_timezone": "Europe/Paris",
        "trigger_type": "CRON",
        "timeout_seconds": 7200,
        "name_versions": 2,
    }
    deleted = row(refreshed, "jobs", "workspace_id = 'w1' AND job_id = '2'")
    assert deleted["is_deleted"] is True and deleted["delete_time"] == ts("2025-03-05")
    assert deleted["name_versions"] == 1 and deleted["schedule_cron"] is None
    other = row(refreshed, "jobs", "workspace_id = 'w2' AND job_id = '1'")
    assert other["name"] == "other workspace job" and other["is_deleted"] is False
    assert other["paused"] is None and other["create_time"] is None and other["trigger_type"] is None


def test_job_tasks_latest_version(refreshed: DuckDBEngine) -> None:
    assert rows(refreshed, "job_tasks") == [
        {
            "workspace_id": "w1",
            "job_id": "1",
            "task_key": "ingest",
            "depends_on_keys": [],
            "timeout_seconds": 900,
            "is_deleted": False,
            "change_time": ts("2025-02-01"),
        },
        {
            "workspace_id": "w1",
            "job_id": "1",
            "task_key": "old_task",
            "depends_on_keys": [],
            "timeout_seconds": None,
            "is_deleted": True,
            "change_time": ts("2025-02-01"),
        },
        {
            "workspace_id": "w1",
            "job_id": "1",
            "task_key": "transform",
            "depends_on_keys": ["ingest"],
            "timeout_seconds": None,
            "is_deleted": False,
            "change_time": ts("2025-01-01"),
        },
    ]


def test_job_runs_sliced_run_is_one_run(refreshed: DuckDBEngine) -> None:
    assert row(refreshed, "job_runs", "workspace_id = 'w1' AND run_id = '100'") == {
        "workspace_id": "w1",
        "job_id": "1",
        "run_id": "100",
        "run_name": "nightly",
        "trigger_type": "CRON",
        "run_type": "JOB_RUN",
        "start_time": ts("2025-03-10 01:10"),
        "end_time": ts("2025-03-10 03:55"),
        "last_seen_time": ts("2025-03-10 03:55"),
        "duration_seconds": 9900.0,
        "wall_seconds": 9900.0,
        "queue_duration_seconds": 5,
        "setup_duration_seconds": 60,
        "execution_duration_seconds": 9800,
        "result_state": "SUCCEEDED",
        "termination_code": "SUCCESS",
        "termination_type": "SUCCESS",
        "first_result_state": "SUCCEEDED",
        "outcome": "success",
        "first_outcome": "success",
        "repair_count": 0,
        "slice_count": 3,
        "compute_ids": ["c-1", "c-2"],
        "run_date": date(2025, 3, 10),
    }


def test_job_runs_repaired_run(refreshed: DuckDBEngine) -> None:
    assert row(refreshed, "job_runs", "workspace_id = 'w1' AND run_id = '101'") == {
        "workspace_id": "w1",
        "job_id": "1",
        "run_id": "101",
        "run_name": "nightly",
        "trigger_type": "CRON",
        "run_type": "JOB_RUN",
        "start_time": ts("2025-03-11 01:00"),
        "end_time": ts("2025-03-11 02:10"),
        "last_seen_time": ts("2025-03-11 02:10"),
        "duration_seconds": 1800.0,  # the 40 minutes before the repair are not run time
        "wall_seconds": 4200.0,
        "queue_duration_seconds": 2,
        "setup_duration_seconds": 20,
        "execution_duration_seconds": 560,
        "result_state": "SUCCEEDED",
        "termination_code": "SUCCESS",
        "termination_type": "SUCCESS",
        "first_result_state": "FAILED",
        "outcome": "success",
        "first_outcome": "failure",
        "repair_count": 1,
        "slice_count": 2,
        "compute_ids": ["c-3", "c-4"],
        "run_date": date(2025, 3, 11),
    }


def test_job_runs_run_in_progress(refreshed: DuckDBEngine) -> None:
    running = row(refreshed, "job_runs", "workspace_id = 'w1' AND run_id = '102'")
    assert running == {
        "workspace_id": "w1",
        "job_id": "1",
        "run_id": "102",
        "run_name": "nightly",
        "trigger_type": "CRON",
        "run_type": "JOB_RUN",
        "start_time": ts("2025-03-12 23:30"),
        "end_time": None,
        "last_seen_time": ts("2025-03-13 00:20"),
        "duration_seconds": None,
        "wall_seconds": None,
        "queue_duration_seconds": None,
        "setup_duration_seconds": None,
        "execution_duration_seconds": None,
        "result_state": None,
        "termination_code": None,
        "termination_type": None,
        "first_result_state": None,
        "outcome": "running",
        "first_outcome": "running",
        "repair_count": 0,
        "slice_count": 2,
        "compute_ids": ["c-5"],
        "run_date": date(2025, 3, 12),
    }


def test_job_runs_other_outcomes_and_workspaces(refreshed: DuckDBEngine) -> None:
    found = {
        (r["workspace_id"], r["run_id"]): r
        for r in rows(refreshed, "job_runs", "NOT (workspace_id = 'w1' AND run_id IN ('100', '101', '102'))")
    }
    assert set(found) == {("w1", "103"), ("w1", "200"), ("w1", "300"), ("w2", "100")}
    timed_out = found["w2", "100"]
    assert (timed_out["result_state"], timed_out["outcome"], timed_out["first_outcome"]) == (
        "TIMED_OUT",
        "failure",
        "failure",
    )
    assert (timed_out["duration_seconds"], timed_out["termination_code"], timed_out["compute_ids"]) == (
        1800.0,
        "RUN_EXECUTION_ERROR",
        ["c-9"],
    )
    cancelled = found["w1", "200"]
    assert (cancelled["job_id"], cancelled["outcome"], cancelled["run_name"], cancelled["trigger_type"]) == (
        "2",
        "cancelled",
        "doomed run",
        "ONETIME",
    )
    serverless = found["w1", "300"]
    assert serverless["compute_ids"] is None and serverless["duration_seconds"] == 2700.0
    assert serverless["outcome"] == "success" and serverless["run_date"] == date(2025, 3, 10)


def test_task_runs_slices_and_retries(refreshed: DuckDBEngine) -> None:
    got = {
        r["task_run_id"]: (
            r["job_run_id"],
            r["task_key"],
            r["start_time"],
            r["end_time"],
            r["duration_seconds"],
            r["result_state"],
            r["outcome"],
            r["attempt_number"],
            r["is_retry"],
            r["compute_ids"],
        )
        for r in rows(refreshed, "task_runs")
    }
    assert got == {
        "t100a": ("100", "ingest", ts("2025-03-10 01:10"), ts("2025-03-10 02:30"), 4800.0, "SUCCEEDED", "success", 0, False, ["c-1"]),
        "t100b": ("100", "transform", ts("2025-03-10 02:30"), ts("2025-03-10 03:55"), 5100.0, "SUCCEEDED", "success", 0, False, ["c-2"]),
        "t101a": ("101", "ingest", ts("2025-03-11 01:00"), ts("2025-03-11 01:05"), 300.0, "FAILED", "failure", 0, False, ["c-3"]),
        "t101b": ("101", "ingest", ts("2025-03-11 01:06"), ts("2025-03-11 01:10"), 240.0, "SUCCEEDED", "success", 1, True, ["c-3"]),
        "t101c": ("101", "transform", ts("2025-03-11 01:10"), ts("2025-03-11 01:20"), 600.0, "FAILED", "failure", 0, False, ["c-3"]),
        "t101d": ("101", "transform", ts("2025-03-11 02:00"), ts("2025-03-11 02:10"), 600.0, "SUCCEEDED", "success", 1, True, ["c-4"]),
        "t102a": ("102", "ingest", ts("2025-03-12 23:30"), None, None, None, "running", 0, False, ["c-5"]),
    }  # fmt: skip
    retry = row(refreshed, "task_runs", "task_run_id = 't101b'")
    assert (retry["workspace_id"], retry["job_id"], retry["parent_run_id"], retry["termination_code"]) == (
        "w1",
        "1",
        "101",
        "SUCCESS",
    )


def test_run_costs_exact(refreshed: DuckDBEngine) -> None:
    costs = {(r["workspace_id"], r["run_id"]): r for r in rows(refreshed, "run_costs")}
    # no JOBS usage without a run id, no ALL_PURPOSE usage
    assert set(costs) == {
        ("w1", "100"),
        ("w1", "101"),
        ("w1", "102"),
        ("w1", "200"),
        ("w1", "300"),
        ("w1", "999"),
        ("w2", "100"),
    }
    # Straddles the price change at 03:00: two hours at 0.15 (effective_list NULL: list price), one at the
    # promotional effective list price 0.18; exact product, rounded once to 18 decimals (half up).
    straddling = costs["w1", "100"]
    exact = (
        d("2.123456789012345678") * d("0.15") + d("3.000000000000000001") * d("0.15") + d("1.25") * d("0.18")
    )
    assert exact == d("0.99351851835185185185")
    assert straddling == {
        "workspace_id": "w1",
        "job_id": "1",
        "run_id": "100",
        "dbus": d("6.373456789012345679"),
        "list_cost_usd": d("0.993518518351851852"),
        "original_dbus": d("6.373456789012345679"),
        "retracted_dbus": d("0"),
        "restated_dbus": d("0"),
        "unpriced_dbus": d("0"),
        "usage_start_time": ts("2025-03-10 01:00"),
        "usage_end_time": ts("2025-03-10 04:00"),
        "sku_names": ["PREMIUM_JOBS_COMPUTE"],
        "is_serverless": False,
    }
    corrected = costs["w1", "101"]  # ORIGINAL 4 + RETRACTION -4 + RESTATEMENT 3.5 + repair hour 1
    assert (corrected["dbus"], corrected["list_cost_usd"]) == (d("4.5"), d("0.81"))
    assert (corrected["original_dbus"], corrected["retracted_dbus"], corrected["restated_dbus"]) == (
        d("5"),
        d("-4"),
        d("3.5"),
    )
    retracted = costs["w2", "100"]  # a retraction with no restatement: nothing left
    assert (retracted["dbus"], retracted["list_cost_usd"], retracted["retracted_dbus"]) == (
        d("0"),
        d("0"),
        d("-2"),
    )
    assert retracted["job_id"] == "1" and retracted["unpriced_dbus"] == d("0")
    partly_priced = costs["w1", "102"]
    assert (partly_priced["dbus"], partly_priced["list_cost_usd"], partly_priced["unpriced_dbus"]) == (
        d("3"),
        d("0.36"),
        d("1"),
    )
    assert partly_priced["sku_names"] == ["PREMIUM_JOBS_COMPUTE", "PREMIUM_JOBS_PHOTON_COMPUTE"]
    unpriced = costs["w1", "200"]  # never silently $0
    assert (unpriced["dbus"], unpriced["list_cost_usd"], unpriced["unpriced_dbus"]) == (
        d("0.5"),
        None,
        d("0.5"),
    )
    serverless = costs["w1", "300"]  # three rows of the same hour add up
    assert (serverless["dbus"], serverless["list_cost_usd"], serverless["is_serverless"]) == (
        d("0.875"),
        d("0.30625"),
        True,
    )
    assert serverless["sku_names"] == ["PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST"]
    no_timeline = costs["w1", "999"]
    assert (no_timeline["dbus"], no_timeline["list_cost_usd"]) == (d("1"), d("0.15"))
    types = refreshed.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'monitor' AND table_name = 'run_costs'"
    )
    decimals = types[types["column_name"].str.endswith(("dbus", "usd"))]
    assert set(decimals["data_type"]) == {"DECIMAL(38,18)"} and len(decimals) == 6


def test_job_daily(refreshed: DuckDBEngine) -> None:
    got = [
        (
            r["workspace_id"],
            r["job_id"],
            r["run_date"],
            r["runs"],
            r["succeeded"],
            r["failed"],
            r["cancelled"],
            r["skipped"],
            r["running"],
            r["p50_duration_seconds"],
            r["p90_duration_seconds"],
            r["dbus"],
            r["list_cost_usd"],
        )
        for r in rows(refreshed, "job_daily")
    ]
    assert got == [
        # billed run with no timeline row: counted on its usage day, no run
        ("w1", "1", date(2025, 3, 9), 0, 0, 0, 0, 0, 0, None, None, d("1"), d("0.15")),
        # 600 s and 9900 s: p50 and p90 interpolate
        ("w1", "1", date(2025, 3, 10), 2, 2, 0, 0, 0, 0, 5250.0, 8970.0, d("6.373456789012345679"), d("0.993518518351851852")),
        ("w1", "1", date(2025, 3, 11), 1, 1, 0, 0, 0, 0, 1800.0, 1800.0, d("4.5"), d("0.81")),
        ("w1", "1", date(2025, 3, 12), 1, 0, 0, 0, 0, 1, None, None, d("3"), d("0.36")),
        ("w1", "2", date(2025, 3, 1), 1, 0, 0, 1, 0, 0, None, None, d("0.5"), None),
        ("w1", "3", date(2025, 3, 10), 1, 1, 0, 0, 0, 0, 2700.0, 2700.0, d("0.875"), d("0.30625")),
        ("w2", "1", date(2025, 3, 10), 1, 0, 1, 0, 0, 0, None, None, d("0"), d("0")),
    ]  # fmt: skip


# --- idempotence and incremental refresh ------------------------------------------------------------------


def test_full_refresh_is_idempotent(refreshed: DuckDBEngine) -> None:
    first = snapshot(refreshed)
    refresh(refreshed)
    assert snapshot(refreshed) == first


def test_incremental_refresh_without_new_data_changes_nothing(refreshed: DuckDBEngine) -> None:
    first = snapshot(refreshed)
    counts = refresh(refreshed, since=SINCE)
    assert snapshot(refreshed) == first
    assert counts["job_runs"] == 7
    log = refreshed.execute("SELECT DISTINCT mode, since FROM monitor.refresh_log WHERE mode = 'incremental'")
    assert log["since"].tolist() == [pd.Timestamp(SINCE)]


def test_incremental_refresh_after_new_data_equals_full_refresh(workspace: DuckDBEngine) -> None:
    con = workspace.raw()
    con.execute("CREATE SCHEMA late")
    for table, condition in LATE_ROWS.items():
        name = table.split(".")[1]
        con.execute(f"CREATE TABLE late.{name} AS SELECT * FROM {table} WHERE {condition}")
        con.execute(f"DELETE FROM {table} WHERE {condition}")
    refresh(workspace)
    before = row(workspace, "job_runs", "workspace_id = 'w1' AND run_id = '101'")
    assert (before["result_state"], before["repair_count"]) == ("FAILED", 0)
    assert row(workspace, "run_costs", "workspace_id = 'w2' AND run_id = '100'")["dbus"] == d("2")
    assert not rows(workspace, "job_runs", "run_id = '102'")

    for table in LATE_ROWS:
        con.execute(f"INSERT INTO {table} SELECT * FROM late.{table.split('.')[1]}")
    messages: list[str] = []
    counts = refresh(workspace, since=SINCE, progress=messages.append)
    incremental = snapshot(workspace)
    assert messages[0].startswith("incremental model refresh")
    repaired = row(workspace, "job_runs", "workspace_id = 'w1' AND run_id = '101'")
    assert (repaired["result_state"], repaired["repair_count"]) == ("SUCCEEDED", 1)
    # the retraction was ingested late for usage that ended before SINCE: caught by its ingestion date
    assert row(workspace, "run_costs", "workspace_id = 'w2' AND run_id = '100'")["dbus"] == d("0")

    assert refresh(workspace) == counts
    assert incremental == snapshot(workspace)


def test_incremental_refresh_with_no_model_is_full(workspace: DuckDBEngine) -> None:
    messages: list[str] = []
    counts = refresh(workspace, since=datetime(2025, 3, 11, 2, 0), progress=messages.append)
    assert counts["job_runs"] == 7 and counts["run_costs"] == 7
    assert messages[0].startswith("full refresh instead of incremental")
    assert set(workspace.execute("SELECT mode FROM monitor.refresh_log")["mode"]) == {"full"}


def test_empty_workspace_refreshes_to_empty_model(engine: DuckDBEngine) -> None:
    counts = refresh(engine)
    assert counts == dict.fromkeys(RELATIONS, 0)
