"""Databricks SQL -> DuckDB: the one place where dialect differences are handled.

Every query of the project is written once, in Databricks SQL, with ``:name`` parameters and three-part
names such as ``system.lakeflow.jobs``. On a SQL warehouse it runs as written (only the app's own schemas
are qualified with the configured catalog). On DuckDB it goes through sqlglot plus the rewrites below.
"""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp

# The app's own schemas: derived model relations and collected tables. On a warehouse they are placed in
# the configured catalog.schema; on DuckDB they are plain schemas of the database file.
APP_SCHEMAS = ("monitor", "collected", "app_state")


def _rewrite_for_duckdb(node: exp.Expression) -> exp.Expression:
    """Per-node rewrites that sqlglot's databricks->duckdb transpilation does not do for us."""
    if isinstance(node, exp.Table) and node.catalog.lower() == "system":
        # DuckDB reserves the catalog name `system`: the tables live in schemas named after the real ones.
        node.set("catalog", None)
    if isinstance(node, exp.Quantile):
        # Databricks percentile() interpolates; sqlglot maps it to DuckDB's discrete QUANTILE.
        return exp.Anonymous(this="QUANTILE_CONT", expressions=[node.this, node.args["quantile"]])
    return node


@functools.lru_cache(maxsize=4096)
def to_duckdb(sql: str) -> str:
    """Transpile one Databricks SQL statement to DuckDB (cached per statement text)."""
    tree = sqlglot.parse_one(sql, read="databricks")
    tree = tree.transform(_rewrite_for_duckdb)
    return tree.sql("duckdb")


@functools.lru_cache(maxsize=4096)
def to_warehouse(sql: str, catalog: str, schema: str) -> str:
    """Qualify the app's own schemas with the configured ``catalog.schema`` for a SQL warehouse.

    ``monitor.job_runs`` becomes ``<catalog>.<schema>.job_runs`` and ``collected.table_history`` becomes
    ``<catalog>.<schema>.collected_table_history``; system tables are left exactly as written.
    """

    def qualify(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and not node.catalog and node.db.lower() in APP_SCHEMAS:
            name = node.name if node.db.lower() == "monitor" else f"{node.db.lower()}_{node.name}"
            node.set("this", exp.to_identifier(name))
            node.set("db", exp.to_identifier(schema))
            node.set("catalog", exp.to_identifier(catalog))
        return node

    tree = sqlglot.parse_one(sql, read="databricks").transform(qualify)
    return tree.sql("databricks")
