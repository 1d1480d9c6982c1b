"""Row-count deltas (PIPE-01) and schema drift (PIPE-02) on hand-built table histories, exact values."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables
from monitor_app.analytics.integrity import (
    green_but_broken_runs,
    integrity_data_issues,
    row_count_changes,
    schema_drift,
)
from monitor_app.filters import Filters
from tests.monitor_app.analytics.integrity_workspace import COLUMNS, NOW, ORDERS_ROWS
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc

WINDOW = Filters(window_days=30, now=NOW, row_limit=None)
ORDERS = "prod.sales.orders"


@pytest.fixture
def ws(tmp_path: Path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("j1", "orders_load", team="sales")
    for day, rows in enumerate(ORDERS_ROWS, start=1):
        start = utc(2026, 10, day, 2)
        ws.run("j1", f"r{day}", start, 600, dbus=1)
        ws.commit(ORDERS, day, start + timedelta(seconds=590), rows, "j1", f"r{day}")
    yield ws
    engine.close()


def judged(ws: RawWorkspace, **thresholds) -> dict:
    build_model(ws.engine)
    frame = row_count_changes(ws.engine, WINDOW, **thresholds)
    return {(r.table_full_name, r.version): r for r in frame.itertuples()}


def test_each_write_against_the_median_of_the_previous_writes(ws):
    found = judged(ws)
    first, second, eighth, ninth, tenth = (found[(ORDERS, v)] for v in (1, 2, 8, 9, 10))
    assert first.status == "insufficient_history" and first.baseline_writes == 0
    assert (second.baseline_rows, second.prior_writes, second.status) == (1000.0, 1, "insufficient_history")
    # seven earlier writes: the minimum history; median 1000, 700 is 30 % under
    assert (eighth.baseline_rows, eighth.prior_writes, eighth.delta_pct) == (1000.0, 7, -30.0)
    assert (eighth.status, bool(eighth.flagged), eighth.baseline_basis) == ("drop", True, "all_days")
    assert eighth.reason == (
        "700 rows, 30.0 % fewer than the median of the previous writes (1,000); flagged at +/-20 %"
    )
    # median of 700, 980, 990, 1000, 1000, 1000, 1010, 1020 = 1000: 1150 is +15 %, under the threshold
    assert (ninth.baseline_rows, ninth.delta_pct, ninth.status, bool(ninth.flagged)) == (
        1000.0,
        15.0,
        "ok",
        False,
    )
    assert (tenth.rows_written, tenth.status, bool(tenth.flagged), tenth.delta_pct) == (
        0,
        "zero_rows",
        True,
        -100.0,
    )
    assert (tenth.job_id, tenth.job_run_id, tenth.job_name, tenth.team) == (
        "j1",
        "r10",
        "orders_load",
        "sales",
    )
    assert tenth.run_outcome == "success"
    assert sum(r.flagged for r in found.values()) == 2


def test_flagged_writes_come_first(ws):
    build_model(ws.engine)
    frame = row_count_changes(ws.engine, WINDOW.with_(row_limit=3))
    assert list(frame["version"]) == [10, 8, 9]
    assert list(frame["flagged"]) == [True, True, False]


def test_thresholds_and_a_table_of_its_own(ws):
    looser = judged(ws, row_count_deviation_pct=35)
    assert looser[(ORDERS, 8)].status == "ok"
    # zero rows after a non-zero history: flagged whatever the thresholds
    assert looser[(ORDERS, 10)].status == "zero_rows"
    own = judged(ws, row_count_tables={ORDERS: {"min_history": 8}})
    assert own[(ORDERS, 8)].status == "insufficient_history" and own[(ORDERS, 8)].min_history == 8
    assert own[(ORDERS, 10)].status == "zero_rows"
    with pytest.raises(ValueError, match="row_count_tables.prod.sales.orders: unknown setting 'pct'"):
        row_count_changes(ws.engine, WINDOW, row_count_tables={ORDERS: {"pct": 5}})
    with pytest.raises(TypeError, match="unknown row_count_changes threshold"):
        row_count_changes(ws.engine, WINDOW, deviation=5)


def test_a_zero_row_write_is_flagged_after_any_non_zero_history_but_never_on_a_failed_run(ws):
    ws.job("j2", "refunds_load")
    for day, rows in ((20, 500), (21, 500), (22, 0)):
        ws.run("j2", f"s{day}", utc(2026, 10, day, 3), 300)
        ws.commit("prod.sales.refunds", day, utc(2026, 10, day, 3, 5), rows, "j2", f"s{day}")
    ws.run("j2", "s23", utc(2026, 10, 23, 3), 300, result="FAILED")
    ws.commit("prod.sales.refunds", 23, utc(2026, 10, 23, 3, 5), 0, "j2", "s23")
    # an empty table stays silent: zero after zero
    for day in (20, 21, 22):
        ws.commit("prod.sales.empty", day, utc(2026, 10, day, 4), 0)
    found = judged(ws)
    assert found[("prod.sales.refunds", 22)].status == "zero_rows"  # two earlier writes are enough
    assert found[("prod.sales.refunds", 23)].status == "insufficient_history"
    assert found[("prod.sales.refunds", 23)].run_outcome == "failure"
    assert {found[("prod.sales.empty", v)].status for v in (20, 21, 22)} == {"insufficient_history"}


def test_same_weekday_baseline_once_four_such_writes_exist(ws):
    # Mondays carry 5x the rows: 28 September (a Monday) to 26 October
    table = "prod.sales.weekly_heavy"
    for i in range(29):
        day = utc(2026, 9, 28) + timedelta(days=i)
        ws.commit(table, 100 + i, day + timedelta(hours=5), 5000 if day.weekday() == 0 else 1000)
    found = judged(ws)
    fifth_monday = found[(table, 128)]
    assert fifth_monday.commit_time.weekday() == 0
    assert (fifth_monday.baseline_basis, fifth_monday.baseline_writes) == ("same_weekday", 4)
    assert (fifth_monday.baseline_rows, fifth_monday.status) == (5000.0, "ok")
    # the fourth Monday has only three Mondays before it: all days, median 1000, +400 %
    fourth_monday = found[(table, 121)]
    assert (fourth_monday.baseline_basis, fourth_monday.baseline_rows) == ("all_days", 1000.0)
    assert (fourth_monday.delta_pct, fourth_monday.status) == (400.0, "surge")


def test_one_write_per_run_and_maintenance_is_not_a_write(ws):
    table = "prod.sales.merged"
    ws.job("j3", "merge_job")
    ws.run("j3", "m1", utc(2026, 10, 15, 1), 600)
    ws.commit(table, 1, utc(2026, 10, 15, 1, 5), None, "j3", "m1", operation="DELETE")
    ws.commit(table, 2, utc(2026, 10, 15, 1, 8), 1200, "j3", "m1", operation="MERGE")
    ws.commit(table, 3, utc(2026, 10, 15, 6), None, operation="OPTIMIZE")
    ws.commit(table, 4, utc(2026, 10, 16, 6), None, operation="WRITE")  # a history row without metrics
    found = judged(ws)
    merged = found[(table, 2)]
    assert (merged.commits, merged.rows_written, merged.operation) == (2, 1200, "MERGE")
    assert (table, 3) not in found
    assert found[(table, 4)].status == "no_row_count" and not found[(table, 4)].flagged
    issues = integrity_data_issues(ws.engine, WINDOW).set_index("kind")
    # the WRITE without a row count (the OPTIMIZE is no write; the DELETE's write has the MERGE's count)
    assert issues.loc["history_rows_without_metrics", "rows"] == 1
    assert list(issues.loc["history_rows_without_metrics", "examples"]) == [table]


def test_schema_changes_between_consecutive_snapshots_with_the_next_writer(ws):
    ws.snapshot(ORDERS, utc(2026, 10, 1), COLUMNS)
    ws.snapshot(ORDERS, utc(2026, 10, 8), COLUMNS)
    later = [("id", "bigint", True), ("amount", "decimal(10,2)", True), ("region", "string", True)]
    ws.snapshot(ORDERS, utc(2026, 10, 15), later)
    ws.snapshot(ORDERS, utc(2026, 10, 22), later)
    build_model(ws.engine)
    drift = schema_drift(ws.engine, WINDOW)
    got = [(r.column_name, r.change, r.old_type, r.new_type) for r in drift.itertuples()]
    assert sorted(got, key=str) == sorted(
        [
            ("amount", "type_changed", "double", "decimal(10,2)"),
            ("id", "nullability_changed", "bigint", "bigint"),
            ("name", "removed", "string", None),
            ("region", "added", None, "string"),
        ],
        key=str,
    )
    first = drift.iloc[0]
    assert first["detected_at"] == utc(2026, 10, 15) and first["previous_snapshot_time"] == utc(2026, 10, 8)
    # the table's first write after the 8 October snapshot: run r8's commit, version 8
    assert set(drift["job_run_id"]) == {"r8"} and set(drift["version"]) == {8}
    assert set(drift["job_name"]) == {"orders_load"} and set(drift["team"]) == {"sales"}
    nullability = drift[drift["change"] == "nullability_changed"].iloc[0]
    assert (bool(nullability["old_nullable"]), bool(nullability["new_nullable"])) == (False, True)
    # outside the window: nothing
    assert schema_drift(ws.engine, Filters(window_days=10, now=utc(2026, 10, 14), row_limit=None)).empty


def test_duplicate_columns_and_dropped_tables_are_counted_not_reported_as_drift(ws):
    ws.snapshot(ORDERS, utc(2026, 10, 1), COLUMNS)
    ws.snapshot(ORDERS, utc(2026, 10, 8), [*COLUMNS, ("name", "string", True)])  # listed twice
    ws.snapshot(ORDERS, utc(2026, 10, 15), COLUMNS)
    ws.snapshot("prod.sales.dropped", utc(2026, 10, 1), COLUMNS)
    ws.snapshot("prod.sales.dropped", utc(2026, 10, 8), COLUMNS)
    build_model(ws.engine)
    assert schema_drift(ws.engine, WINDOW).empty
    issues = integrity_data_issues(ws.engine, WINDOW).set_index("kind")
    assert issues.loc["snapshots_with_duplicate_columns", "items"] == 1
    assert list(issues.loc["snapshots_with_duplicate_columns", "examples"]) == [ORDERS]
    assert list(issues.loc["tables_no_longer_snapshotted", "examples"]) == ["prod.sales.dropped"]


def test_green_but_broken_runs_succeeded_and_wrote_a_flagged_count_or_changed_a_schema(ws):
    ws.snapshot(ORDERS, utc(2026, 10, 7, 12), COLUMNS)
    ws.snapshot(ORDERS, utc(2026, 10, 8, 12), [*COLUMNS, ("region", "string", True)])
    build_model(ws.engine)
    runs = green_but_broken_runs(ws.engine, WINDOW)
    assert list(runs["job_run_id"]) == ["r10", "r8"]
    by_run = runs.set_index("job_run_id")
    assert by_run.loc["r10", "problems"] == [
        f"{ORDERS}: zero rows (0 rows written by a successful run; the median of the previous writes is 1,000)"
    ]
    assert (by_run.loc["r8", "row_count_flags"], by_run.loc["r8", "schema_changes"]) == (1, 1)
    assert by_run.loc["r8", "tables"] == [ORDERS]
