"""Load the project's .sql files: each query lives in a file named after what it returns."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def load_sql(path: str | Path) -> str:
    """Return the text of a .sql file (cached: the files do not change while the app runs)."""
    return Path(path).read_text(encoding="utf-8")


def sql_beside(module_file: str, name: str) -> str:
    """Load ``name``.sql from the folder of ``module_file`` (analytics keep their SQL beside them)."""
    return load_sql(Path(module_file).with_name(f"{name}.sql"))
