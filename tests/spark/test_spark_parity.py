"""The project's Databricks SQL gives the same answers on Spark SQL as on DuckDB.

Until these tests the "one SQL on two engines" promise rested on transpilation: no query had run on a
Spark engine. Two workspaces are built in DuckDB (a hand-built one with the hostile names, repairs,
tasks and queueing of the health tests, and the simulator's small demo with billing corrections, price
changes, clusters, lineage and commits), exported to Parquet, loaded into local Spark from the project's
DDL, and refreshed on both engines (a full refresh: DELETE needs Delta, which local Spark lacks). Every
model relation and every registered metric (three filter sets each) is then compared value by value:
text, integers and timestamps exactly, numbers to 1e-9 relative. docs/spark-parity.md has the figures and
the differences between the engines that the SQL had to respect.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from data.engines import DuckDBEngine
from data.io import export_dir
from data.refresh import RELATIONS, refresh
from data.schema import create_tables
from data.state_store import StateStore
from monitor_app.analytics.registry import load_all
from monitor_app.filters import Filters
from tests.monitor_app.analytics.reference_queries import cost_trust_exact
from tests.spark.spark_engine import SparkEngine, load_workspace

pytestmark = pytest.mark.spark

HAND_END = datetime(2026, 10, 12)
DEMO_END = datetime(2026, 11, 1)


def _hand_built(path: Path) -> tuple[DuckDBEngine, datetime, Any]:
    from tests.monitor_app.analytics.rawdata import RawWorkspace, utc

    engine = DuckDBEngine(path)
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("j1", "nightly <load>", team='O\'Brien "ops"', cron="0 0 2 * * ?", timezone="Europe/Paris")
    ws.job("j2", "<img src=x onerror=alert(1)>", team="data-eng")
    ws.job("j3", "hourly ingest", team="data-eng", workspace_id="2002")
    ws.job("j4", "untagged")
    for d in range(1, 11):
        ws.run("j1", f"j1-{d}", utc(2026, 10, d, 2), 300 + 20 * d, "SUCCEEDED", dbus=4 + d / 4)
        ws.run(
            "j3",
            f"j3-{d}",
            utc(2026, 10, d, 5),
            60,
            "SUCCEEDED",
            dbus=1,
            workspace_id="2002",
            queue_seconds=30,
        )
    ws.run("j1", "j1-11", utc(2026, 10, 11, 2), 1500, "SUCCEEDED", dbus=40)
    ws.run("j2", "j2-1", utc(2026, 10, 9, 3), 100, "FAILED", dbus=2, tasks=[("extract", 0, 50, "FAILED")])
    ws.run("j2", "j2-2", utc(2026, 10, 10, 3), 100, "FAILED", repairs=[(60, 80, "FAILED")], dbus=2)
    ws.run(
        "j2",
        "j2-3",
        utc(2026, 10, 11, 3),
        100,
        "ERROR",
        tasks=[("extract", 0, 40, "FAILED"), ("extract", 45, 40, "SUCCEEDED"), ("load", 90, 10, "FAILED")],
    )
    ws.run("j4", "j4-1", utc(2026, 10, 11, 9), 200, None)  # still running
    return engine, HAND_END, None


def _demo(path: Path) -> tuple[DuckDBEngine, datetime, Any]:
    from data.simulator import generate
    from monitor_app.sla_targets import sla_target_history
    from monitor_app.workspace_setup import save_manifest_sla_targets

    manifest = generate(path, seed=11, jobs=24, days=21, end=DEMO_END)
    engine = DuckDBEngine(path)
    refresh(engine)
    store = StateStore(DuckDBEngine(path.with_name("state.duckdb")))
    save_manifest_sla_targets(engine, store, manifest, "parity", now=datetime(2026, 9, 1))
    return engine, DEMO_END, sla_target_history(store)


def _hand_built_targets(duck: DuckDBEngine, root: Path) -> Any:
    """j1 must finish by 04:20 Paris time and within 6 minutes: its later, longer runs breach."""
    from monitor_app.sla_targets import set_sla_target, sla_target_history

    store = StateStore(DuckDBEngine(root / "state.duckdb"))
    set_sla_target(
        store, duck, "1001", "j1", "04:20", "Europe/Paris", 6, set_by="parity", now=datetime(2026, 9, 1)
    )
    return sla_target_history(store)


DATASETS = {"hand_built": _hand_built, "demo": _demo}


@pytest.fixture(scope="module", params=sorted(DATASETS))
def engines(request, spark, tmp_path_factory) -> Iterator[tuple[DuckDBEngine, SparkEngine, datetime, Any]]:
    root = tmp_path_factory.mktemp(f"parity-{request.param}")
    duck, end, targets = DATASETS[request.param](root / "workspace.duckdb")
    export_dir(duck, root / "export")
    spark_engine = SparkEngine(spark)
    load_workspace(spark, spark_engine, root / "export")
    refresh(duck)
    refresh(spark_engine)
    if targets is None:  # the hand-built workspace: one target, so the SLA SQL runs on it too
        targets = _hand_built_targets(duck, root)
    yield duck, spark_engine, end, targets
    duck.close()


def _value(value: Any) -> Any:
    """One cell in a form both engines' results compare on."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return float(value)  # an integer that one engine types DOUBLE compares with the other's BIGINT
    if isinstance(value, pd.Timestamp | datetime | np.datetime64):
        stamp = pd.Timestamp(value)
        return (stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp).isoformat()
    if isinstance(value, dict):
        return tuple(sorted((str(k), _value(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | np.ndarray):
        return tuple(_value(v) for v in value)
    if hasattr(value, "isoformat"):  # date
        return pd.Timestamp(value).isoformat()
    return value


def _rows(frame: pd.DataFrame) -> list[tuple]:
    columns = sorted(frame.columns)
    rows = [tuple(_value(v) for v in row) for row in frame[columns].itertuples(index=False, name=None)]
    # Rows line up by their text, times and flags first (numbers may differ in the last digits).
    return sorted(
        rows,
        key=lambda row: (repr([v for v in row if not isinstance(v, float)]), repr([_coarse(v) for v in row])),
    )


def _coarse(value: Any) -> Any:
    """The sort key of a cell: numbers to 6 digits, so rows of two engines line up before the exact check."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return tuple(_coarse(v) for v in value)
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _compare(name: str, duck: pd.DataFrame, spark: pd.DataFrame) -> None:
    assert sorted(duck.columns) == sorted(spark.columns), name
    assert len(duck) == len(spark), f"{name}: {len(duck)} rows on DuckDB, {len(spark)} on Spark"
    left, right = _rows(duck), _rows(spark)
    differing = [(a, b) for a, b in zip(left, right, strict=True) if not _same(a, b)]
    if differing:
        a, b = differing[0]
        cells = {c: (x, y) for c, x, y in zip(sorted(duck.columns), a, b, strict=True) if not _same(x, y)}
        raise AssertionError(f"{name}: {len(differing)} rows differ; first, (DuckDB, Spark): {cells}")


def test_every_model_relation_is_the_same_on_spark(engines):
    duck, spark_engine, _end, _targets = engines
    for relation in RELATIONS:
        sql = f"SELECT * FROM monitor.{relation}"
        _compare(relation, duck.execute(sql), spark_engine.execute(sql))


def _filter_sets(end: datetime) -> list[Filters]:
    return [
        Filters(window_days=30, now=end),
        Filters(window_days=7, now=end, team="data-eng"),
        Filters(window_days=90, now=end, workspace_id="1234567890123456"),
    ]


def test_every_metric_is_the_same_on_spark(engines):
    duck, spark_engine, end, targets = engines
    compared = []
    for name, metric in sorted(load_all().items()):
        for filters in _filter_sets(end):
            extra = {"targets": targets} if name.startswith("sla_") else {}
            if name.startswith("sla_") and targets is None:
                extra = {"targets": _no_targets()}
            _compare(
                f"{name} {filters}",
                metric.fn(duck, filters, **extra),
                metric.fn(spark_engine, filters, **extra),
            )
        compared.append(name)
    assert len(compared) >= 25


def _no_targets() -> pd.DataFrame:
    from monitor_app.sla_targets import TARGET_COLUMNS

    return pd.DataFrame(columns=list(TARGET_COLUMNS))


# The exact (live) paths the metrics take when a threshold that shapes a baseline is overridden.
LIVE_CALLS = {
    "run_durations": {"baseline_days": 21},
    "duration_regressions": {"warn_pct": 0.25},
    "suspiciously_fast": {"fast_ratio": 0.6},
    "dbu_spikes": {"spike_ratio": 1.8},
    "sla_checks": {"baseline_days": 21},
    "sla_summary": {"baseline_days": 21},
}


def test_the_live_paths_are_the_same_on_spark(engines):
    from monitor_app.analytics import cost

    duck, spark_engine, end, targets = engines
    metrics = load_all()
    targets = targets if targets is not None else _no_targets()
    for filters in _filter_sets(end):
        for name, thresholds in LIVE_CALLS.items():
            extra = {"targets": targets} if name.startswith("sla_") else {}
            fn = metrics[name].fn
            _compare(
                f"{name} {thresholds}",
                fn(duck, filters, **extra, **thresholds),
                fn(spark_engine, filters, **extra, **thresholds),
            )
        for fn in (cost_trust_exact, cost.zombie_jobs_live):
            _compare(fn.__name__, fn(duck, filters), fn(spark_engine, filters))


def test_the_integrity_lookups_are_the_same_on_spark(engines):
    """What the metrics' parity does not reach: the alerts' upstream tables, a table with thresholds of its
    own, and the collector's target list (data/collect/targets.sql)."""
    from data.integrity_collect import SQL_DIR
    from data.sql_files import load_sql
    from monitor_app.analytics import integrity

    duck, spark_engine, end, _targets = engines
    filters = Filters(window_days=30, now=end)
    _compare(
        "table_sources",
        integrity.table_sources(duck, filters),
        integrity.table_sources(spark_engine, filters),
    )
    writes = integrity.row_count_changes(duck, filters)
    if not writes.empty:
        own = {
            "row_count_tables": {writes["table_full_name"].iloc[-1]: {"deviation_pct": 1, "min_history": 2}}
        }
        _compare(
            "row_count_changes per table",
            integrity.row_count_changes(duck, filters, **own),
            integrity.row_count_changes(spark_engine, filters, **own),
        )
    naive = end.replace(tzinfo=None)
    params = {
        "now": naive,
        "since": naive - timedelta(days=30),
        "recollect_before": naive - timedelta(hours=6),
        "max_tables": 25,
    }
    targets = load_sql(SQL_DIR / "targets.sql")
    _compare("collect targets", duck.execute(targets, params), spark_engine.execute(targets, params))


# SQL files that cannot run on local Spark, and why (docs/spark-parity.md).
NOT_ON_SPARK = {
    "refresh_scope_days.sql": "incremental refresh only: its DELETE-then-INSERT needs Delta tables",
    "refresh_scope_node_since.sql": "incremental refresh only (reads the scope tables it creates)",
    **{
        f"delete_scoped_{relation}.sql": "incremental refresh only: its DELETE-then-INSERT needs Delta tables"
        for relation in ("job_runs", "task_runs", "run_costs", "job_daily", "run_utilization")
    },
    "job_teams.sql": "its CTEs are generated per rule set (data/attribution.py): the generated statement runs"
    " in every refresh and monitor.job_teams is compared",
}


def test_the_drill_down_of_runs_is_the_same_on_spark(engines):
    from monitor_app.analytics import drilldown

    duck, spark_engine, end, _targets = engines
    filters = Filters(window_days=30, now=end)
    runs = drilldown.job_runs(duck, filters)
    assert len(runs) > 0
    for run in runs.head(5).itertuples():
        scoped = filters.with_(workspace_id=str(run.workspace_id), job_id=str(run.job_id))
        for fn in (drilldown.run_summary, drilldown.run_tasks):
            _compare(
                f"{fn.__name__} {run.run_id}",
                fn(duck, scoped, str(run.run_id)),
                fn(spark_engine, scoped, str(run.run_id)),
            )
    assert drilldown.model_refreshed_at(spark_engine) is not None


def test_every_sql_file_of_the_model_and_the_metrics_ran_on_spark(engines):
    import sqlglot

    from data.dialects import split_statements
    from data.sql_files import read_sql

    _duck, spark_engine, _end, _targets = engines
    root = Path(__file__).resolve().parents[2]
    files = sorted(
        [*(root / "data" / "model").glob("*.sql"), *(root / "monitor_app" / "analytics").rglob("*.sql")]
    )

    def normal(sql: str) -> str:  # without comments: an inlined file (sql_files.inline_relations) has none
        return sqlglot.parse_one(sql, read="databricks").sql("databricks", comments=False)

    ran = [normal(sql) for sql in spark_engine.executed]
    missing = []
    for path in files:
        if path.name in NOT_ON_SPARK:
            continue
        for statement in split_statements(read_sql(path)):
            if not any(normal(statement) in done for done in ran):
                missing.append(path.name)
                break
    assert missing == []
