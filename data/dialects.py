"""Databricks SQL -> DuckDB: the one place where dialect differences are handled.

Every query of the project is written once, in Databricks SQL, with ``:name`` parameters and three-part
names such as ``system.lakeflow.jobs``. On a SQL warehouse it runs as written (only the app's own schemas
are qualified with the configured catalog). On DuckDB it goes through sqlglot plus the rewrites below.

Transpiling is pure Python and slow (about 25 ms a statement, 0.3 s of the overview's first queries), so
each result is also kept on disk (``TranspileCache``): a restarted app reads it instead of transpiling again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

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


class TranspileCache:
    """Transpiled statements kept on disk, one file per statement, under ``MONITOR_SQL_CACHE`` (default: the
    user's cache folder; ``off`` disables it).

    A file's name is a hash of the statement, its target and everything that shapes the output (this
    module's source and sqlglot's version), so a changed rule or library never serves an old result. The
    cache is only an optimisation: a file that cannot be read or written is transpiled again.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        source = Path(__file__).read_bytes() + sqlglot.__version__.encode()
        self._salt = hashlib.sha256(source).hexdigest()

    @staticmethod
    def default_folder() -> Path | None:
        setting = os.environ.get("MONITOR_SQL_CACHE", "").strip()
        if setting.lower() == "off":
            return None
        if setting:
            return Path(setting).expanduser()
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
        return Path(base) / "databricks-job-monitor" / "sql"

    def get(self, key: tuple[str, ...], transpile: Callable[[], str]) -> str:
        if self.folder is None:
            return transpile()
        digest = hashlib.sha256("\x00".join((self._salt, *key)).encode()).hexdigest()
        path = self.folder / f"{digest}.sql"
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            pass
        out = transpile()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.folder, delete=False) as tmp:
                tmp.write(out)
            os.replace(tmp.name, path)  # whole or not at all, whatever other processes do meanwhile
        except OSError:
            pass
        return out


TRANSPILED = TranspileCache(TranspileCache.default_folder())


@functools.lru_cache(maxsize=4096)
def to_duckdb(sql: str) -> str:
    """Transpile one Databricks SQL statement to DuckDB (cached per statement text, in memory and on disk)."""

    def transpile() -> str:
        tree = sqlglot.parse_one(sql, read="databricks")
        tree = tree.transform(_rewrite_for_duckdb)
        return tree.sql("duckdb")

    return TRANSPILED.get(("duckdb", sql), transpile)


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

    def transpile() -> str:
        return sqlglot.parse_one(sql, read="databricks").transform(qualify).sql("databricks")

    return TRANSPILED.get(("warehouse", catalog, schema, sql), transpile)
