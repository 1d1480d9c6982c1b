"""The integrity collector: DESCRIBE HISTORY and information_schema parsed from recorded result shapes,
and a collection that is incremental, bounded and contained.

DESCRIBE HISTORY and system.information_schema cannot run on the embedded engine, so the collection tests
use DuckDB for everything else and answer those two statements from recordings (``Recorded`` below: the
thinnest stand-in that lets the real collector run end to end)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from data.engines import DuckDBEngine, QueryError
from data.integrity_collect import (
    CollectLimits,
    collect_integrity,
    describe_history_sql,
    history_rows,
    quote_identifier,
    rows_written,
    snapshot_rows,
)
from data.schema import create_tables

FIXTURES = Path(__file__).with_name("fixtures")
NOW = datetime(2026, 10, 10, 6, tzinfo=UTC)


def recorded(name: str) -> pd.DataFrame:
    found = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return pd.DataFrame(found["rows"], columns=found["columns"])


def test_connector_shape_parses_to_table_history_rows():
    rows = history_rows(recorded("describe_history_connector.json"), "prod.sales.orders", "1001")
    got = [(r["version"], r["operation"], r["rows_written"], r["job_id"], r["job_run_id"]) for r in rows]
    assert got == [
        (7, "MERGE", 1000, "838633013028756", "500000480751"),  # inserted 880 + updated 120
        (6, "OPTIMIZE", None, None, None),  # moves files, writes no rows
        (5, "WRITE", 700, "838633013028756", "500000470001"),  # jobRunId, not the task's runId
        (4, "DELETE", 0, None, None),  # a notebook's delete: removed rows only
        (3, "WRITE", None, "838633013028756", "500000460001"),  # a history row without metrics
    ]
    assert rows[0]["commit_time"] == pd.Timestamp("2026-10-09T02:10:41", tz="UTC")
    assert [r["workspace_id"] for r in rows] == ["1001", None, "1001", None, "1001"]


def test_json_text_shape_parses_and_a_row_without_version_is_skipped():
    rows = history_rows(recorded("describe_history_json_text.json"), "prod.web.clicks", "7")
    got = [(r["version"], r["rows_written"], r["job_id"], r["job_run_id"], r["commit_time"]) for r in rows]
    assert got == [
        (12, 12345, "42", "9001", pd.Timestamp("2026-10-09T02:10:41", tz="UTC")),  # runId when no jobRunId
        (11, 77, "42", "9000", pd.Timestamp("2026-10-09T01:10:41", tz="UTC")),
    ]
    with pytest.raises(ValueError, match="without version or timestamp"):
        history_rows(recorded("describe_history_json_text.json").tail(1), "prod.web.clicks", "7")


@pytest.mark.parametrize(
    ("operation", "metrics", "expected"),
    [
        ("MERGE", {"numTargetRowsInserted": "5", "numTargetRowsUpdated": "2", "numOutputRows": "99"}, 7),
        ("MERGE", {"numTargetRowsInserted": "5"}, 5),
        ("UPDATE", {"numUpdatedRows": "3"}, 3),
        ("WRITE", {"numOutputRows": "0"}, 0),
        ("CREATE OR REPLACE TABLE AS SELECT", {"numOutputRows": "12"}, 12),
        ("TRUNCATE", {}, 0),
        ("WRITE", {"numOutputRows": "not a number"}, None),
        ("OPTIMIZE", {"numAddedFiles": "1"}, None),
        ("WRITE", {}, None),
    ],
)
def test_rows_written_from_operation_metrics(operation, metrics, expected):
    assert rows_written(operation, metrics) == expected


def test_hostile_names_are_quoted_never_spliced():
    assert quote_identifier("we`ird") == "`we``ird`"
    target = {"table_catalog": "prod", "table_schema": "sales; DROP TABLE x", "table_name": "o`rders"}
    assert (
        describe_history_sql(target, 500)
        == "DESCRIBE HISTORY `prod`.`sales; DROP TABLE x`.`o``rders` LIMIT 500"
    )
    with pytest.raises(ValueError, match="three-part"):
        describe_history_sql({"table_full_name": "just_a_name"}, 10)


def test_information_schema_rows_become_a_snapshot():
    frame = pd.DataFrame(
        {
            "column_name": ["id", "amount", None],
            "full_data_type": ["bigint", "decimal(10,2)", "string"],
            "is_nullable": ["NO", "YES", "YES"],
            "ordinal_position": [1, 2, 3],
        }
    )
    at = datetime(2026, 10, 10)
    assert snapshot_rows(frame, "prod.sales.orders", at) == [
        {
            "table_full_name": "prod.sales.orders",
            "snapshot_time": at,
            "column_name": "id",
            "full_data_type": "bigint",
            "is_nullable": False,
            "ordinal_position": 1,
        },
        {
            "table_full_name": "prod.sales.orders",
            "snapshot_time": at,
            "column_name": "amount",
            "full_data_type": "decimal(10,2)",
            "is_nullable": True,
            "ordinal_position": 2,
        },
    ]


class Recorded(DuckDBEngine):
    """DuckDB, except for the two statements only a workspace answers: DESCRIBE HISTORY (per table, a
    recording or an error) and system.information_schema.columns (per table, a frame)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.history: dict[str, pd.DataFrame | Exception] = {}
        self.columns: dict[str, pd.DataFrame] = {}
        self.described: list[str] = []
        self.lineage_error: str | None = None

    def execute(self, sql, params=None, timeout_s=60.0):
        if sql.startswith("DESCRIBE HISTORY"):
            self.described.append(sql)
            found = self.history[sql.split()[2]]
            if isinstance(found, Exception):
                raise found
            return found
        if self.lineage_error and params and "recollect_before" in params:  # the collector's target list
            raise QueryError(self.lineage_error)
        if "FROM system.information_schema.columns" in sql:
            key = "`{table_catalog}`.`{table_schema}`.`{table_name}`".format(**params)
            return self.columns.get(key, pd.DataFrame(columns=["column_name"]))
        return super().execute(sql, params, timeout_s)


COLUMNS = pd.DataFrame(
    {
        "column_name": ["order_id", "amount", "region"],
        "full_data_type": ["bigint", "double", "string"],
        "is_nullable": ["NO", "YES", "YES"],
        "ordinal_position": [1, 2, 3],
    }
)


@pytest.fixture
def workspace(tmp_path: Path):
    engine = Recorded(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    for i, table in enumerate(("prod.sales.orders", "prod.hr.salaries", "prod.sales.gone")):
        catalog, schema, name = table.split(".")
        engine.raw().execute(
            "INSERT INTO access.table_lineage (workspace_id, entity_type, entity_id, entity_run_id,"
            " target_table_full_name, target_table_catalog, target_table_schema, target_table_name,"
            " target_type, event_time) VALUES ('1001', 'JOB', '838633013028756', ?, ?, ?, ?, ?, 'TABLE', ?)",
            [f"50000048075{i}", table, catalog, schema, name, NOW - timedelta(days=1)],
        )
    engine.history["`prod`.`sales`.`orders`"] = recorded("describe_history_connector.json")
    engine.history["`prod`.`hr`.`salaries`"] = QueryError(
        "warehouse abc: ServerOperationError: [INSUFFICIENT_PERMISSIONS] User does not have SELECT on Table "
        "'prod.hr.salaries' (token dapi0123456789abcdef0123456789abcdef)"
    )
    engine.history["`prod`.`sales`.`gone`"] = pd.DataFrame(
        columns=recorded("describe_history_connector.json").columns
    )
    engine.columns["`prod`.`sales`.`orders`"] = COLUMNS
    yield engine
    engine.close()


def _log(engine: DuckDBEngine) -> dict[str, tuple]:
    frame = engine.execute(
        "SELECT table_full_name, status, reason, last_version, versions_added, columns_seen"
        " FROM collected.table_collection ORDER BY collected_at, table_full_name"
    )
    return {r[0]: r[1:] for r in frame.itertuples(index=False)}


def test_a_collection_reads_each_table_and_logs_the_ones_it_cannot(workspace):
    messages: list[str] = []
    result = collect_integrity(workspace, NOW, progress=messages.append)
    assert (result.tables, result.versions_added, result.snapshots) == (3, 5, 1)
    log = _log(workspace)
    assert log["prod.sales.orders"][:1] + log["prod.sales.orders"][2:] == ("ok", 7, 5, 3)
    status, reason, *_ = log["prod.hr.salaries"]
    assert status == "error" and "INSUFFICIENT_PERMISSIONS" in reason
    assert "dapi" not in reason and "[redacted]" in reason  # never store a token
    assert log["prod.sales.gone"][:2] == (
        "error",
        "not in system.information_schema.columns: dropped, renamed, or not visible to this principal",
    )
    history = workspace.execute(
        "SELECT version, rows_written, job_run_id FROM collected.table_history ORDER BY version"
    )
    assert history.values.tolist()[-1] == [7, 1000, "500000480751"]
    snapshot = workspace.execute("SELECT column_name, is_nullable FROM collected.column_snapshots ORDER BY 1")
    assert snapshot.values.tolist() == [["amount", True], ["order_id", False], ["region", True]]
    assert messages[-1] == (
        "integrity collection: 3 table(s), 5 new version(s), 1 column snapshot(s), 2 unreadable"
    )


def test_the_next_collection_adds_only_new_versions_and_waits_its_interval(workspace):
    collect_integrity(workspace, NOW)
    assert collect_integrity(workspace, NOW + timedelta(hours=1)).tables == 0  # all collected within 6 h
    newer = (
        recorded("describe_history_connector.json").head(1).assign(version=8, timestamp="2026-10-10T02:10:00")
    )
    workspace.history["`prod`.`sales`.`orders`"] = pd.concat(
        [newer, recorded("describe_history_connector.json")], ignore_index=True
    )
    again = collect_integrity(workspace, NOW + timedelta(hours=7))
    assert (again.tables, again.versions_added) == (3, 1)
    counts = workspace.execute("SELECT count(*) AS n, max(version) AS v FROM collected.table_history")
    assert counts.values.tolist() == [[6, 8]]


def test_a_collection_is_bounded_oldest_first(workspace):
    first = collect_integrity(workspace, NOW, CollectLimits(max_tables=1, history_limit=20))
    assert first.tables == 1 and workspace.described == ["DESCRIBE HISTORY `prod`.`hr`.`salaries` LIMIT 20"]
    collect_integrity(workspace, NOW + timedelta(minutes=1), CollectLimits(max_tables=1, history_limit=20))
    # never-collected tables come before one collected a minute ago, by name
    assert workspace.described[-1] == "DESCRIBE HISTORY `prod`.`sales`.`gone` LIMIT 20"


def test_collected_writes_feed_the_row_count_changes(workspace):
    from data.refresh import refresh
    from monitor_app.analytics.integrity import row_count_changes
    from monitor_app.filters import Filters

    collect_integrity(workspace, NOW)
    refresh(workspace)
    writes = row_count_changes(workspace, Filters(window_days=7, now=NOW, row_limit=None))
    got = [
        [r.version, r.operation, None if pd.isna(r.rows_written) else r.rows_written, r.status]
        for r in writes.sort_values("version").itertuples()
    ]
    # the OPTIMIZE is no write; the first write has no history yet; the notebook's DELETE wrote 0 rows
    # after a write without a count (no non-zero history), the MERGE follows 700 and 0 rows
    assert got == [
        [3, "WRITE", None, "no_row_count"],
        [4, "DELETE", 0, "insufficient_history"],
        [5, "WRITE", 700, "insufficient_history"],
        [7, "MERGE", 1000, "insufficient_history"],
    ]


def test_a_refresh_collects_first_when_enabled_and_goes_on_when_lineage_is_unreadable(workspace, tmp_path):
    from data.state_store import StateStore
    from monitor_app.settings import Settings
    from monitor_app.workspace_setup import refresh_model

    settings = Settings(
        db_path=tmp_path / "workspace.duckdb",
        integrity_collection={"enabled": True, "max_tables": 5, "lookback_days": 3650},
    )
    store = StateStore.embedded(tmp_path / "state.duckdb")
    messages: list[str] = []
    counts = refresh_model(workspace, settings, store, progress=messages.append)
    assert counts["table_writes"] == 4
    assert (
        "integrity collection: 3 table(s), 5 new version(s), 1 column snapshot(s), 2 unreadable" in messages
    )
    workspace.lineage_error = (
        "warehouse abc: [INSUFFICIENT_PERMISSIONS] no SELECT on system.access.table_lineage"
    )
    messages.clear()
    assert refresh_model(workspace, settings, store, progress=messages.append)["table_writes"] == 4
    assert (
        "integrity collection skipped: warehouse abc: [INSUFFICIENT_PERMISSIONS] no SELECT on " in messages[0]
    )
    # embedded and not enabled: nothing is collected (the simulator fills the tables)
    messages.clear()
    refresh_model(workspace, Settings(db_path=tmp_path / "workspace.duckdb"), store, progress=messages.append)
    assert not any("integrity collection" in m for m in messages)
