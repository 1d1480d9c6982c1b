"""The Databricks -> DuckDB rewrites, compared as exact strings (table-driven, like lumen's SQL tests)."""

import pytest

from data import dialects
from data.dialects import TranspileCache, to_duckdb, to_warehouse
from data.engines import QueryError, placeholders


@pytest.mark.parametrize(
    ("databricks", "duckdb"),
    [
        ("SELECT * FROM system.lakeflow.jobs", "SELECT * FROM lakeflow.jobs"),
        ("SELECT * FROM system.billing.usage AS u", "SELECT * FROM billing.usage AS u"),
        ("SELECT * FROM monitor.job_runs", "SELECT * FROM monitor.job_runs"),
        ("SELECT percentile(x, 0.9) FROM t", "SELECT QUANTILE_CONT(x, 0.9) FROM t"),
        ("SELECT tags['team'] FROM t WHERE a = :a", "SELECT tags['team'] FROM t WHERE a = $a"),
        (
            "SELECT p.pricing.default FROM system.billing.list_prices p",
            'SELECT p.pricing."default" FROM billing.list_prices AS p',
        ),
    ],
)
def test_to_duckdb(databricks, duckdb):
    assert to_duckdb(databricks) == duckdb


def test_to_warehouse_qualifies_only_the_apps_own_schemas():
    sql = "SELECT * FROM system.lakeflow.jobs j JOIN monitor.job_runs r ON TRUE JOIN collected.table_history h ON TRUE"
    assert to_warehouse(sql, "main", "ops") == (
        "SELECT * FROM system.lakeflow.jobs AS j JOIN main.ops.job_runs AS r ON TRUE "
        "JOIN main.ops.collected_table_history AS h ON TRUE"
    )


def test_placeholders_are_found():
    assert placeholders("SELECT 1 WHERE a = :a AND b IN (:b, :c)") == {"a", "b", "c"}


def test_values_are_bound_not_formatted(engine):
    hostile = "x' OR '1'='1"
    frame = engine.execute("SELECT :v AS v, length(:v) AS n", {"v": hostile})
    assert frame.iloc[0].tolist() == [hostile, len(hostile)]


def test_missing_parameter_is_a_clear_error(engine):
    with pytest.raises(QueryError, match="missing query parameters: job_id"):
        engine.execute("SELECT * FROM system.lakeflow.jobs WHERE job_id = :job_id", {})


def test_timeout_interrupts_a_slow_query(engine):
    with pytest.raises(QueryError, match="interrupted"):
        engine.execute("SELECT count(*) FROM range(10000000000) a", timeout_s=0.2)


# ------------------------------------------------------------------ the on-disk transpile cache
def test_a_transpiled_statement_is_read_back_from_disk(tmp_path):
    cache = TranspileCache(tmp_path)
    calls = []
    first = cache.get(("duckdb", "SELECT 1"), lambda: calls.append(1) or "SELECT 1 -- transpiled")
    assert first == "SELECT 1 -- transpiled" and calls == [1]
    assert len(list(tmp_path.glob("*.sql"))) == 1

    def must_not_run() -> str:
        raise AssertionError("transpiled again")

    assert TranspileCache(tmp_path).get(("duckdb", "SELECT 1"), must_not_run) == "SELECT 1 -- transpiled"
    # another statement, target or catalog is another entry
    assert cache.get(("duckdb", "SELECT 2"), lambda: "two") == "two"
    assert cache.get(("warehouse", "main", "ops", "SELECT 1"), lambda: "w") == "w"
    assert len(list(tmp_path.glob("*.sql"))) == 3


def test_a_changed_rule_or_library_does_not_read_old_entries(tmp_path):
    TranspileCache(tmp_path).get(("duckdb", "SELECT 1"), lambda: "old rules")
    changed = TranspileCache(tmp_path)
    changed._salt = "another dialects.py or sqlglot version"
    assert changed.get(("duckdb", "SELECT 1"), lambda: "new rules") == "new rules"


def test_an_unusable_cache_folder_only_costs_speed(tmp_path):
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("x")
    cache = TranspileCache(blocked / "sql")
    assert cache.get(("duckdb", "SELECT 1"), lambda: "SELECT 1") == "SELECT 1"
    assert cache.get(("duckdb", "SELECT 1"), lambda: "SELECT 1") == "SELECT 1"


def test_cache_folder_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_SQL_CACHE", "off")
    assert TranspileCache.default_folder() is None
    monkeypatch.setenv("MONITOR_SQL_CACHE", str(tmp_path / "here"))
    assert TranspileCache.default_folder() == tmp_path / "here"
    monkeypatch.delenv("MONITOR_SQL_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert TranspileCache.default_folder() == tmp_path / "databricks-job-monitor" / "sql"


def test_to_duckdb_goes_through_the_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(dialects, "TRANSPILED", TranspileCache(tmp_path))
    sql = "SELECT percentile(x, 0.5) FROM system.lakeflow.jobs -- cache test"
    dialects.to_duckdb.cache_clear()
    assert to_duckdb(sql) == "SELECT QUANTILE_CONT(x, 0.5) FROM lakeflow.jobs /* cache test */"
    dialects.to_duckdb.cache_clear()  # a new process: only the disk has it

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(dialects.sqlglot, "parse_one", no_parsing)
    assert to_duckdb(sql) == "SELECT QUANTILE_CONT(x, 0.5) FROM lakeflow.jobs /* cache test */"
    dialects.to_duckdb.cache_clear()
