"""Databricks SQL -> DuckDB: the one place where dialect differences are handled.

Every query of the project is written once, in Databricks SQL, with ``:name`` parameters and three-part
names such as ``system.lakeflow.jobs``. On a SQL warehouse it runs as written (only the app's own schemas
are qualified with the configured catalog). On DuckDB it goes through sqlglot plus the rewrites below.

The project's own .sql files are transpiled ahead of time into ``compiled_sql.json`` (``python -m
data.dialects`` rewrites it; a test fails when it is stale): parsing costs ~25 ms of pure Python per
statement, and importing sqlglot 0.2 s, all of it on the app's start and first clicks. Each entry is keyed
by the SHA-256 of the exact statement text, so an edited file simply misses and is transpiled at run time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

# The app's own schemas: derived model relations and collected tables. On a warehouse they are placed in
# the configured catalog.schema; on DuckDB they are plain schemas of the database file.
APP_SCHEMAS = ("monitor", "collected", "app_state")

COMPILED_SQL = Path(__file__).with_name("compiled_sql.json")
# Folders (under the repository) whose .sql files are compiled ahead of time.
SQL_FOLDERS = ("data", "monitor_app")


def statement_key(text: str) -> str:
    """The key of a statement or script in ``compiled_sql.json``: exact text, so any edit misses."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def _compiled() -> dict[str, Any]:
    """The ahead-of-time results; empty (everything transpiled at run time) when the file is unusable."""
    try:
        found = json.loads(COMPILED_SQL.read_text(encoding="utf-8"))
        return {"statements": dict(found["statements"]), "scripts": dict(found["scripts"])}
    except (OSError, ValueError, KeyError, TypeError):
        return {"statements": {}, "scripts": {}}


def _rewrite_for_duckdb(node: Any) -> Any:
    """Per-node rewrites that sqlglot's databricks->duckdb transpilation does not do for us."""
    from sqlglot import exp

    if isinstance(node, exp.Table) and node.catalog.lower() == "system":
        # DuckDB reserves the catalog name `system`: the tables live in schemas named after the real ones.
        node.set("catalog", None)
    if isinstance(node, exp.Quantile):
        # Databricks percentile() interpolates; sqlglot maps it to DuckDB's discrete QUANTILE.
        return exp.Anonymous(this="QUANTILE_CONT", expressions=[node.this, node.args["quantile"]])
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "xxhash64":
        # a 64-bit hash of the arguments (Databricks' hash() is 32-bit); DuckDB's hash() is 64-bit
        return exp.Anonymous(this="HASH", expressions=node.expressions)
    return node


def transpile_to_duckdb(sql: str) -> str:
    """Transpile one Databricks SQL statement to DuckDB with sqlglot (no ahead-of-time lookup)."""
    import sqlglot

    tree = sqlglot.parse_one(sql, read="databricks")
    tree = tree.transform(_rewrite_for_duckdb)
    return tree.sql("duckdb")


def find_placeholders(sql: str) -> frozenset[str]:
    """Names of the ``:name`` parameters of a statement, parsed with sqlglot (no ahead-of-time lookup)."""
    if sql.lstrip().upper().startswith("DESCRIBE HISTORY"):
        return frozenset()  # takes none, and sqlglot cannot parse it
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="databricks")
    return frozenset(p.name for p in tree.find_all(exp.Placeholder) if p.name)


def parse_script(text: str) -> list[str]:
    """Split a multi-statement Databricks SQL text into single statements with sqlglot (comments dropped)."""
    import sqlglot

    return [s.sql("databricks") for s in sqlglot.parse(text, read="databricks") if s is not None]


@functools.lru_cache(maxsize=4096)
def to_duckdb(sql: str) -> str:
    """One Databricks SQL statement in DuckDB's dialect (compiled ahead of time, else transpiled)."""
    found = _compiled()["statements"].get(statement_key(sql))
    return found["duckdb"] if found is not None else transpile_to_duckdb(sql)


@functools.lru_cache(maxsize=4096)
def placeholders(sql: str) -> frozenset[str]:
    """Names of the ``:name`` parameters a Databricks SQL statement uses (compiled ahead of time, else
    parsed; cached per statement text: the same few statements run on every view refresh)."""
    found = _compiled()["statements"].get(statement_key(sql))
    return frozenset(found["placeholders"]) if found is not None else find_placeholders(sql)


def split_statements(text: str) -> list[str]:
    """The statements of a multi-statement Databricks SQL text (compiled ahead of time, else parsed)."""
    key, compiled = statement_key(text), _compiled()
    if key in compiled["statements"]:  # a one-statement file, compiled whole
        return [text]
    found = compiled["scripts"].get(key)
    return list(found["statements"]) if found is not None else parse_script(text)


@functools.lru_cache(maxsize=4096)
def to_warehouse(sql: str, catalog: str, schema: str) -> str:
    """Qualify the app's own schemas with the configured ``catalog.schema`` for a SQL warehouse.

    ``monitor.job_runs`` becomes ``<catalog>.<schema>.job_runs`` and ``collected.table_history`` becomes
    ``<catalog>.<schema>.collected_table_history``; system tables are left exactly as written.
    """
    if sql.lstrip().upper().startswith("DESCRIBE HISTORY"):
        # sqlglot cannot parse it, and it names a user's table (quoted by the collector), never ours
        return sql
    import sqlglot
    from sqlglot import exp

    def qualify(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and not node.catalog and node.db.lower() in APP_SCHEMAS:
            name = node.name if node.db.lower() == "monitor" else f"{node.db.lower()}_{node.name}"
            node.set("this", exp.to_identifier(name))
            node.set("db", exp.to_identifier(schema))
            node.set("catalog", exp.to_identifier(catalog))
        return node

    tree = sqlglot.parse_one(sql, read="databricks").transform(qualify)
    return tree.sql("databricks")


def literal_frame_bounds(sql: str, params: dict[str, Any] | None) -> str:
    """Window frame bounds as literals: Spark SQL (so Databricks SQL) parses ``RANGE BETWEEN :days *
    86400000000 PRECEDING`` as an error ("Frame bound value must be a literal"), DuckDB accepts it.

    A parameter inside a frame bound is replaced by its value (a number, or NULL) and the bound folded to
    one literal (``:baseline_days * 86400000000`` with 30 -> ``2592000000000``). Only numbers are
    accepted there, so no text from outside ever enters the SQL; anything else is a ``ValueError``.
    Found by the Spark parity tests (tests/spark); the warehouse and Spark engines apply it.
    """
    upper = sql.upper()
    if ":" not in sql or ("PRECEDING" not in upper and "FOLLOWING" not in upper):
        return sql
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="databricks")
    changed = False
    for spec in tree.find_all(exp.WindowSpec):
        for side in ("start", "end"):
            bound = spec.args.get(side)
            if not isinstance(bound, exp.Expression) or not bound.find(exp.Placeholder):
                continue
            value = _fold(bound, params or {})
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            spec.set(side, exp.null() if value is None else exp.Literal.number(value))
            changed = True
    return tree.sql("databricks") if changed else sql


def _fold(node: Any, params: dict[str, Any]) -> Any:
    """The number a frame bound stands for: literals, bound numbers, * + -, COALESCE, CAST, parentheses."""
    from decimal import Decimal

    from sqlglot import exp

    if isinstance(node, exp.Placeholder):
        value = params.get(node.name)
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | type(None)):
            raise ValueError(f"the window frame bound parameter :{node.name} must be a number, got {value!r}")
        return value
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Literal) and not node.is_string:
        text = node.this
        return float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(node, exp.Paren | exp.Cast):
        return _fold(node.this, params)
    if isinstance(node, exp.Coalesce):
        for arg in (node.this, *node.expressions):
            value = _fold(arg, params)
            if value is not None:
                return value
        return None
    if isinstance(node, exp.Mul | exp.Add | exp.Sub):
        left, right = _fold(node.this, params), _fold(node.expression, params)
        if left is None or right is None:
            return None
        return {exp.Mul: left * right, exp.Add: left + right, exp.Sub: left - right}[type(node)]
    raise ValueError(f"a window frame bound the engines cannot fold to a literal: {node.sql('databricks')}")


def compile_sql_files(root: Path) -> dict[str, Any]:
    """What ``compiled_sql.json`` holds for the .sql files under ``root``'s SQL folders.

    A one-statement file is compiled whole (as queries pass it to ``execute``); a multi-statement file is
    split (as ``execute_script`` runs it) and each of its statements compiled: DuckDB text, placeholders.
    """
    import sqlglot

    from data.sql_files import read_sql

    statements: dict[str, Any] = {}
    scripts: dict[str, Any] = {}
    files = sorted(p for folder in SQL_FOLDERS for p in (root / folder).rglob("*.sql"))
    for path in files:
        text, name = read_sql(path), path.relative_to(root).as_posix()
        parts = parse_script(text)
        if len(parts) > 1:  # run by ``execute_script``; one-statement files are passed whole to ``execute``
            scripts[statement_key(text)] = {"file": name, "statements": parts}
        for statement in parts if len(parts) > 1 else [text]:
            statements[statement_key(statement)] = {
                "file": name,
                "duckdb": transpile_to_duckdb(statement),
                "placeholders": sorted(find_placeholders(statement)),
            }
    return {
        "about": "Generated by `python -m data.dialects` from the project's .sql files; do not edit.",
        "sqlglot": sqlglot.__version__,
        "statements": statements,
        "scripts": scripts,
    }


def main() -> int:
    """Rewrite ``compiled_sql.json`` from the repository's .sql files."""
    compiled = compile_sql_files(Path(__file__).resolve().parents[1])
    COMPILED_SQL.write_text(json.dumps(compiled, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{COMPILED_SQL}: {len(compiled['statements'])} statements, {len(compiled['scripts'])} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
