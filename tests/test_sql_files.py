"""Every .sql file of the project parses as Databricks SQL and runs on DuckDB after transpilation.

The derived model is built first (on an empty workspace, full then incremental) so analytics queries find
their relations; the model's own files need the refresh's scratch tables, so for them the test checks that
the refresh executed each of their statements. Other placeholders get a sample value by name; a parameter
without a sample runs with NULL, enough to prove the statement transpiles and executes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlglot

from data.engines import DuckDBEngine, placeholders
from data.schema import create_tables
from data.sql_files import read_sql

ROOT = Path(__file__).resolve().parents[1]
SQL_FILES = sorted(
    p for d in ("data", "monitor_app", "reports", "components") for p in (ROOT / d).rglob("*.sql")
)

SAMPLES = {
    "start_time": datetime(2026, 10, 1),
    "end_time": datetime(2026, 11, 1),
    "since": datetime(2026, 10, 1),
    "now": datetime(2026, 11, 1),
}


# Files that read what only a workspace has; they parse here and run in their own tests' stand-ins.
WORKSPACE_ONLY = {
    # system.information_schema.columns (full_data_type): tests/data/test_integrity_collect.py records it
    "data/collect/columns.sql": "Unity Catalog's information_schema",
    # demo.job_settings of a simulated workspace, under the catalog written in: tests/data/test_jobs_api.py serves it
    "data/jobs_api/loopback_settings.sql": "a simulated workspace's demo.job_settings",
}


class RecordingEngine(DuckDBEngine):
    """The real engine, remembering the Databricks SQL it was asked to run."""

    def __init__(self, path) -> None:
        super().__init__(path)
        self.executed: set[str] = set()

    def execute(self, sql, params=None, timeout_s=60.0):
        self.executed.add(_normalised(sql))
        return super().execute(sql, params, timeout_s)

    def execute_atomically(self, statements, params=None, timeout_s=None):
        self.executed.update(_normalised(s) for s in statements)
        return super().execute_atomically(statements, params, timeout_s)


def _normalised(sql: str) -> str:
    return sqlglot.parse_one(sql, read="databricks").sql("databricks")


@pytest.fixture(scope="module")
def built_engine(tmp_path_factory) -> RecordingEngine:
    from data.refresh import refresh
    from data.state_store import StateStore

    eng = RecordingEngine(tmp_path_factory.mktemp("sql") / "w.duckdb")
    create_tables(eng.raw())
    refresh(eng)
    refresh(eng, since=datetime(2026, 10, 1))
    StateStore(eng)
    yield eng
    eng.close()


def test_there_are_sql_files():
    assert len(SQL_FILES) >= 10


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_sql_file_parses_and_runs_on_duckdb(path: Path, built_engine: DuckDBEngine):
    statements = [s for s in sqlglot.parse(read_sql(path), read="databricks") if s]
    assert statements, f"{path} holds no statement"
    if path.relative_to(ROOT).as_posix() in WORKSPACE_ONLY:
        return  # parsed as Databricks SQL above; it cannot run here (why in WORKSPACE_ONLY)
    for statement in statements:
        sql = statement.sql("databricks")
        if path.parent == ROOT / "data" / "model" and path.name != "job_teams.sql":
            # Model files are queries that refresh wraps in CREATE TABLE AS / INSERT INTO ... SELECT.
            query = _normalised(sql)
            assert any(query in done for done in built_engine.executed), f"refresh never ran {path.name}"
            continue
        if path.parent.name == "schema":
            # DDL runs once when the tables are created (conftest, StateStore); run it on a fresh copy.
            sql = sql.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1).replace(
                "IF NOT EXISTS IF NOT EXISTS", "IF NOT EXISTS"
            )
        params = {name: SAMPLES.get(name) for name in placeholders(sql)}
        built_engine.execute(sql, params)
