"""System-table and collected-table schemas, parsed from the DDL files beside this module."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from data.dialects import to_duckdb

SCHEMA_DIR = Path(__file__).parent
DDL_FILES = ("system_tables.sql", "collected_tables.sql")

# Tables an import may leave out: the app works without them (utilization, integrity and lineage views
# show "no data" instead). The jobs, run timeline and billing tables are required.
REQUIRED_TABLES = frozenset(
    {
        "system.lakeflow.jobs",
        "system.lakeflow.job_run_timeline",
        "system.billing.usage",
        "system.billing.list_prices",
    }
)


@dataclass(frozen=True)
class TableSchema:
    """One table: its full name as on a workspace, its columns (name -> Databricks type) and DDL."""

    full_name: str
    columns: dict[str, str]
    databricks_ddl: str

    @property
    def duckdb_name(self) -> str:
        """Where the table lives on DuckDB (the `system` catalog is dropped)."""
        parts = self.full_name.split(".")
        return ".".join(parts[1:]) if parts[0] == "system" else self.full_name

    @property
    def duckdb_ddl(self) -> str:
        return to_duckdb(self.databricks_ddl)


@functools.cache
def table_schemas() -> dict[str, TableSchema]:
    """All tables the embedded engine holds, keyed by full name (``system.lakeflow.jobs``)."""
    out: dict[str, TableSchema] = {}
    for name in DDL_FILES:
        for stmt in sqlglot.parse((SCHEMA_DIR / name).read_text(), read="databricks"):
            if not isinstance(stmt, exp.Create):
                continue
            table = stmt.this.this
            full = ".".join(p for p in (table.catalog, table.db, table.name) if p)
            cols = {
                c.name: c.args["kind"].sql("databricks")
                for c in stmt.this.expressions
                if isinstance(c, exp.ColumnDef)
            }
            stmt = stmt.copy()
            stmt.set("comments", None)
            out[full] = TableSchema(full, cols, stmt.sql("databricks"))
    return out


def create_tables(con, replace: bool = False) -> None:
    """Create every schema and table on a DuckDB connection (``IF NOT EXISTS`` unless ``replace``)."""
    for ts in table_schemas().values():
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {ts.duckdb_name.split('.')[0]}")
        ddl = ts.duckdb_ddl
        if replace:
            ddl = ddl.replace("CREATE TABLE", "CREATE OR REPLACE TABLE", 1)
        else:
            ddl = ddl.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1)
        con.execute(ddl)
