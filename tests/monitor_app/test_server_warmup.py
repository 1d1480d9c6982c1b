"""What the server does once the first page is loaded: its own modules byte-compiled for later starts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from monitor_app import server


def test_own_modules_are_byte_compiled_for_the_next_start():
    root = Path(server.__file__).resolve().parents[1]
    module = root / "components" / "light_table.py"
    compiled = Path(importlib.util.cache_from_source(str(module)))
    compiled.unlink(missing_ok=True)
    server.compile_own_modules()
    assert compiled.exists() and compiled.stat().st_mtime >= module.stat().st_mtime


def test_a_model_built_by_an_earlier_version_is_refreshed_at_start(tmp_path):
    """A workspace file without a relation this version derives (table_writes, say) is refreshed before
    serving, instead of pages showing catalog errors; a complete model is left alone."""
    from data.engines import DuckDBEngine
    from data.schema import create_tables
    from monitor_app.server import ensure_model
    from monitor_app.settings import Settings
    from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc

    db = tmp_path / "workspace.duckdb"
    engine = DuckDBEngine(db)
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("1", "nightly", team="alpha")
    ws.run("1", "11", utc(2026, 10, 1, 2), 300, "SUCCEEDED", dbus=1)
    build_model(engine)
    engine.raw().execute("DROP TABLE monitor.table_writes")
    engine.raw().execute("DROP TABLE collected.table_collection")
    engine.close()
    settings = Settings()
    settings.db_path, settings.state_path = db, tmp_path / "state.duckdb"
    said: list[str] = []
    assert ensure_model(settings, said.append) == ["table_writes"]
    assert said[0].startswith(f"the model of {db} lacks table_writes (an earlier version built it)")
    check = DuckDBEngine(db, read_only=True)
    try:
        counts = check.execute(
            "SELECT (SELECT COUNT(*) FROM monitor.job_runs) AS runs,"
            " (SELECT COUNT(*) FROM collected.table_collection) AS collected"
        ).iloc[0]
        assert (counts.runs, counts.collected) == (1, 0)
        check.execute("SELECT COUNT(*) FROM monitor.table_writes")
    finally:
        check.close()
    assert ensure_model(settings, said.append) == []
