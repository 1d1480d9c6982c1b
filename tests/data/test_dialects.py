"""The Databricks -> DuckDB rewrites, compared as exact strings (table-driven, like lumen's SQL tests)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from data import dialects
from data.dialects import to_duckdb, to_warehouse
from data.engines import QueryError, placeholders
from data.sql_files import read_sql


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


def test_compiled_sql_is_current():
    """compiled_sql.json is what ``python -m data.dialects`` writes from today's .sql files (else: run it)."""
    root = Path(dialects.__file__).resolve().parents[1]
    on_disk = json.loads(dialects.COMPILED_SQL.read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(dialects.compile_sql_files(root))), "run: python -m data.dialects"


def test_a_compiled_file_runs_as_compiled_and_an_edited_one_is_transpiled():
    text = read_sql(Path(dialects.__file__).parents[1] / "monitor_app/analytics/drilldown_runs.sql")
    assert dialects.statement_key(text) in dialects._compiled()["statements"]
    assert to_duckdb(text) == dialects.transpile_to_duckdb(text)
    assert placeholders(text) == dialects.find_placeholders(text)
    assert dialects.split_statements(text) == [text]
    edited = text + "\n\n"  # a different text (a miss), the same statement
    assert dialects.statement_key(edited) not in dialects._compiled()["statements"]
    assert to_duckdb(edited) == to_duckdb(text)


def test_a_multi_statement_file_splits_as_sqlglot_does():
    text = read_sql(Path(dialects.__file__).parent / "schema/state_tables.sql")
    assert dialects.statement_key(text) in dialects._compiled()["scripts"]
    assert dialects.split_statements(text) == dialects.parse_script(text)
    assert len(dialects.split_statements(text)) > 1


def test_the_app_starts_without_importing_sqlglot():
    """Importing sqlglot costs ~0.2 s of the start; the app's own queries are compiled ahead of time."""
    code = (
        "import sys, monitor_app.server, components.shell, monitor_app.overview_data, monitor_app.context;"
        "from components.registry import load_slots; load_slots();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlglot'))"
    )
    root = Path(dialects.__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
