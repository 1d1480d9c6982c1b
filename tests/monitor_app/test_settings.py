"""Settings from monitor.yaml and the environment: the memory bounds and the trust switch are validated."""

from __future__ import annotations

import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables
from monitor_app.settings import Settings, SettingsError, load_settings

NO_FILE = {"MONITOR_CONFIG": "/nonexistent/monitor.yaml"}


def test_defaults():
    settings = load_settings(env=NO_FILE)
    assert (settings.cache_max_mb, settings.duckdb_memory_limit, settings.trust_forwarded_headers) == (
        256,
        "1GB",
        False,
    )


@pytest.mark.parametrize(("text", "expected"), [("1", True), ("TRUE", True), ("yes", True), ("off", False)])
def test_trust_switch_from_the_environment(text, expected):
    env = {**NO_FILE, "MONITOR_TRUST_FORWARDED_HEADERS": text}
    assert load_settings(env=env).trust_forwarded_headers is expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MONITOR_TRUST_FORWARDED_HEADERS": "maybe"},
            "trust_forwarded_headers must be true or false, got 'maybe'",
        ),
        ({"MONITOR_CACHE_MB": "lots"}, "cache_max_mb must be a whole number of MB, got 'lots'"),
        ({"MONITOR_CACHE_MB": "0"}, "cache_max_mb must be at least 1, got 0"),
        (
            {"MONITOR_DUCKDB_MEMORY_LIMIT": "1GB'; DROP TABLE x; --"},
            "duckdb_memory_limit must be a size such as 1GB or 512MiB",
        ),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(env, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace("?", r"\?")):
        load_settings(env={**NO_FILE, **env})


def test_the_served_engine_and_cache_get_the_configured_bounds(tmp_path):
    from monitor_app.cache import RESULTS
    from monitor_app.server import build_app

    engine = DuckDBEngine(tmp_path / "w.duckdb")
    create_tables(engine.raw())
    engine.close()
    settings = Settings(db_path=tmp_path / "w.duckdb", state_path=tmp_path / "s.duckdb", cache_max_mb=64)
    settings.duckdb_memory_limit = "512MiB"
    previous = RESULTS.max_bytes
    _app, context = build_app(settings)
    try:
        limit = context.shared_engine().execute("SELECT current_setting('memory_limit') AS v")["v"].iloc[0]
        assert (limit, RESULTS.max_bytes) == ("512.0 MiB", 64 * 1024 * 1024)
    finally:
        context.close()
        RESULTS.max_bytes = previous
