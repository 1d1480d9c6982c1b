"""Load the project's .sql files: each query lives in a file named after what it returns.

Every reader of a .sql file goes through ``read_sql``, which expands the shared fragments
(``data/sql_fragments.py``: a job's team, the team / workspace / job filters), so what runs, what is
transpiled ahead of time and what the tests execute is the same text.
"""

from __future__ import annotations

import functools
from pathlib import Path

from data.sql_fragments import expand


def read_sql(path: str | Path) -> str:
    """The text of a .sql file with its fragments expanded."""
    return expand(Path(path).read_text(encoding="utf-8"))


@functools.cache
def load_sql(path: str | Path) -> str:
    """``read_sql``, cached: the files do not change while the app runs."""
    return read_sql(path)


# The derived model's queries (data/model/<relation>.sql): the refresh materializes them; an analytics
# function may run one inline when a call's thresholds differ from those it was materialized with.
MODEL_DIR = Path(__file__).parent / "model"


def model_query(relation: str) -> str:
    """The query of a derived relation (``data/model/<relation>.sql``), fragments expanded."""
    return load_sql(MODEL_DIR / f"{relation}.sql")


def sql_beside(module_file: str, name: str) -> str:
    """Load ``name``.sql from the folder of ``module_file`` (analytics keep their SQL beside them)."""
    return load_sql(Path(module_file).with_name(f"{name}.sql"))


def inline_relations(sql: str, relations: dict[str, str]) -> str:
    """``sql`` reading each relation of ``relations`` (a qualified name such as ``monitor.run_health``) from
    the query given for it instead: the query becomes a leading CTE (``inline_monitor_run_health``) that
    every read of the relation reads, under its own alias.

    This is how one query serves two paths: over the relation the refresh materialized with the default
    thresholds, and over the model's own query (bound with a call's thresholds, or over a narrower input)
    inline. A replacement's own ORDER BY is dropped (a CTE's row order means nothing). Parsed with sqlglot
    (imported here: only the inline path needs it); a relation the query does not read is an error, so a
    query that stops reading it fails loudly instead of silently ignoring the call's thresholds.
    """
    return _inline_relations(sql, tuple(relations.items()))


@functools.lru_cache(maxsize=64)
def _inline_relations(sql: str, items: tuple[tuple[str, str], ...]) -> str:
    """inline_relations, cached by text: the few combinations a process runs are parsed once each (a
    parse of run_health.sql costs tens of milliseconds)."""
    import sqlglot
    from sqlglot import exp

    relations = dict(items)
    tree = sqlglot.parse_one(sql, read="databricks")
    names = {name: "inline_" + name.replace(".", "_") for name in relations}
    found: set[str] = set()
    for table in list(tree.find_all(exp.Table)):
        name = ".".join(part for part in (table.catalog, table.db, table.name) if part)
        if name in names:
            table.replace(exp.to_table(names[name]).as_(table.alias or table.name))
            found.add(name)
    missing = set(relations) - found
    if missing:
        raise ValueError(f"the query reads none of: {', '.join(sorted(missing))}")
    ctes = []
    for name, query in relations.items():
        replacement = sqlglot.parse_one(query, read="databricks")
        replacement.set("order", None)
        ctes.append(exp.CTE(this=replacement, alias=exp.TableAlias(this=exp.to_identifier(names[name]))))
    existing = tree.args.get("with_")
    tree.set("with_", exp.With(expressions=ctes + (existing.expressions if existing else [])))
    # Databricks SQL hoists nested CTEs to the top: two of one name would silently read the same rows.
    aliases = [cte.alias for cte in tree.find_all(exp.CTE)]
    clashes = sorted({alias for alias in aliases if aliases.count(alias) > 1})
    if clashes:
        raise ValueError(f"CTE names used by both the query and an inlined one: {', '.join(clashes)}")
    return tree.sql("databricks", comments=False)
