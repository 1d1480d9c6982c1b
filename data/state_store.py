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
