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
