"""The Databricks -> DuckDB rewrites, compared as exact strings (table-driven, like lumen's SQL tests)."""

import pytest

from data.dialects import to_duckdb, to_warehouse
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
