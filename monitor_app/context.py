"""Open the engines the settings point at: the workspace data and the app's state store."""

from __future__ import annotations

from data.engines import Engine, LiveDuckDBEngine, WarehouseEngine
from data.state_store import StateStore
from monitor_app.settings import Settings


def open_engine(settings: Settings, access_token: str | None = None) -> Engine:
    """The workspace-data engine: a SQL warehouse when one is configured, else the embedded DuckDB file.

    The embedded file is read through ``LiveDuckDBEngine``: read-only, any number of processes at once,
    written only through ``engine.writing()`` (a copy swapped in whole). ``access_token`` is a user's own
    token (on-behalf-of-user); it lives only inside the returned engine.
    """
    if settings.uses_warehouse:
        if not settings.host:
            raise ValueError("DATABRICKS_WAREHOUSE_ID is set but DATABRICKS_HOST is not: set both")
        return WarehouseEngine(
            settings.host, settings.warehouse_id, settings.catalog, settings.schema, access_token=access_token
        )
    return LiveDuckDBEngine(settings.db_path)


def open_state_store(settings: Settings) -> StateStore:
    """The app's state: a DuckDB file of its own locally, Delta tables in the configured schema on a workspace."""
    if settings.uses_warehouse:
        return StateStore(open_engine(settings))
    return StateStore.embedded(settings.state_file)
