"""A Spark SQL engine for the parity tests: the project's Databricks SQL run on open-source Spark.

Not part of the app (a workspace runs Databricks SQL on a warehouse): it exists to show that the SQL the
app sends there is Spark SQL, by running it on PySpark in local mode and comparing with DuckDB. What it
changes in the text, and why (docs/spark-parity.md lists the differences):

- ``system.<schema>.<table>`` loses its catalog: local Spark has one catalog, the tables live in
  databases ``lakeflow``, ``billing``, ... (as on DuckDB);
- ``CREATE OR REPLACE TABLE`` becomes ``DROP TABLE IF EXISTS`` + ``CREATE TABLE ... USING parquet``:
  replacing a table needs a v2 catalog (Delta, Unity Catalog), which local Spark has not;
- everything else goes as written, parameters bound by Spark itself (``spark.sql(text, args=...)``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import sqlglot
from sqlglot import exp

from data.dialects import literal_frame_bounds, placeholders, split_statements
from data.engines import Engine, QueryError
from data.schema import DDL_FILES, SCHEMA_DIR, table_schemas

DATABASES = ("lakeflow", "billing", "compute", "access", "collected", "monitor", "app_state", "demo")


def to_spark(sql: str) -> list[str]:
    """The Spark statements for one Databricks SQL statement (see the module's docstring)."""
    tree = sqlglot.parse_one(sql, read="databricks")
    for table in tree.find_all(exp.Table):
        if table.catalog.lower() == "system":
            table.set("catalog", None)
    out = []
    if isinstance(tree, exp.Create) and tree.kind == "TABLE":
        if tree.args.get("replace"):
            tree.set("replace", False)
            out.append(f"DROP TABLE IF EXISTS {tree.this.find(exp.Table).sql('spark')}")
        properties = tree.args.get("properties") or exp.Properties(expressions=[])
        properties.append("expressions", exp.FileFormatProperty(this=exp.Var(this="parquet")))
        tree.set("properties", properties)
    out.append(tree.sql("spark"))
    return out


class SparkEngine(Engine):
    """``Engine`` over a local SparkSession; results as pandas frames of plain Python values."""

    engine_type = "spark"
    dialect = "databricks"

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.executed: list[str] = []

    def execute(
        self, sql: str, params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> pd.DataFrame:
        self.executed.append(sql)  # as the app wrote it (the coverage test looks for each .sql file)
        sql = literal_frame_bounds(sql, params)
        used = placeholders(sql)
        missing = used - set(params or {})
        if missing:
            raise QueryError(f"missing query parameters: {', '.join(sorted(missing))}")
        bound = {k: v for k, v in (params or {}).items() if k in used}
        frame = None
        for statement in to_spark(sql):
            try:
                result = self.spark.sql(statement, args=bound or None)
                rows = result.collect()
            except Exception as err:
                raise QueryError(
                    f"Spark: {type(err).__name__}: {str(err)[:2000]}\n{statement[:500]}"
                ) from err
            frame = pd.DataFrame([r.asDict(recursive=True) for r in rows], columns=result.columns)
        return frame if frame is not None else pd.DataFrame()

    def execute_atomically(
        self, statements: list[str], params: dict[str, Any] | None = None, timeout_s=None
    ) -> None:
        # DELETE needs Delta: local Spark runs full refreshes only (docs/spark-parity.md).
        raise NotImplementedError("DELETE and transactions need Delta tables; the parity runs full refreshes")

    def describe(self) -> str:
        return "local Spark SQL (parity tests)"


def load_workspace(spark: Any, engine: SparkEngine, export: Path) -> None:
    """Create the system and collected tables from the project's Databricks DDL and fill them from a
    Parquet export of the DuckDB workspace (``data.io.export_dir``), converting by position as an INSERT
    does (DuckDB writes naive TIMESTAMPs as Parquet local timestamps, which Spark would read as NTZ)."""
    for name in DATABASES:
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {name}")
    for ddl in DDL_FILES:
        for statement in split_statements((SCHEMA_DIR / ddl).read_text(encoding="utf-8")):
            engine.execute(statement.replace("CREATE TABLE ", "CREATE OR REPLACE TABLE ", 1))
    for full_name in table_schemas():
        spark_name = full_name.removeprefix("system.")
        path = export / f"{full_name}.parquet"
        spark.sql(f"INSERT INTO {spark_name} SELECT * FROM parquet.`{path}`")
