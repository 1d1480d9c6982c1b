"""The app's state store: SLA targets, team mapping rules and other settings users make in the app.

It is an engine like the others (same SQL on DuckDB and on a warehouse), pointed at its own file in the
embedded setup so that rebuilding or re-importing the workspace data never touches saved settings.
"""

from __future__ import annotations

from pathlib import Path

from data.engines import Engine, FileStateEngine

STATE_DDL = Path(__file__).parent / "schema" / "state_tables.sql"


class StateStore:
    """Holds the engine for the app's state and makes sure its tables exist."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        if engine.dialect == "duckdb":
            engine.execute("CREATE SCHEMA IF NOT EXISTS app_state")
        engine.execute_script(STATE_DDL.read_text(encoding="utf-8"))

    @classmethod
    def embedded(cls, path: str | Path) -> StateStore:
        """The state store in its own DuckDB file, opened per statement (the server and CLI share it)."""
        return cls(FileStateEngine(path))


def insert_statements(
    table: str, columns: list[str], rows: list[dict], prefix: str, chunk: int = 100
) -> tuple[list[str], dict]:
    """``INSERT ... VALUES`` statements for many rows (``chunk`` per statement), every value bound.

    Only the parameter names are generated (``:<prefix><row>_<column index>``); table and column names
    are the caller's constants. For one transaction with :meth:`Engine.execute_atomically`.
    """
    statements: list[str] = []
    params: dict = {}
    for start in range(0, len(rows), chunk):
        tuples = []
        for i, row in enumerate(rows[start : start + chunk], start):
            names = [f"{prefix}{i}_{k}" for k in range(len(columns))]
            params.update({name: row[col] for name, col in zip(names, columns, strict=True)})
            tuples.append("(" + ", ".join(f":{n}" for n in names) + ")")
        statements.append(f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join(tuples))
    return statements, params


def delete_in_statements(
    table: str, column: str, values: list, prefix: str, chunk: int = 500
) -> tuple[list[str], dict]:
    """``DELETE ... WHERE column IN (...)`` statements for many values, every value bound."""
    statements: list[str] = []
    params: dict = {}
    for start in range(0, len(values), chunk):
        names = [f"{prefix}{i}" for i in range(start, min(start + chunk, len(values)))]
        params.update({name: values[int(name[len(prefix) :])] for name in names})
        statements.append(
            f"DELETE FROM {table} WHERE {column} IN (" + ", ".join(f":{n}" for n in names) + ")"
        )
    return statements, params
