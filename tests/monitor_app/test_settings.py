"""Settings from monitor.yaml and the environment: the memory bounds and the trust switch are validated."""

from __future__ import annotations

import re

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
    assert settings.recycle_rss_mb == 0  # off: one process
    assert load_settings(env={**NO_FILE, "MONITOR_RECYCLE_RSS_MB": "1024"}).recycle_rss_mb == 1024


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
            {"MONITOR_RECYCLE_RSS_MB": "1.5GB"},
            "recycle_rss_mb must be a whole number of MB (0: never), got '1.5GB'",
        ),
        ({"MONITOR_RECYCLE_RSS_MB": "-1"}, "recycle_rss_mb must be 0 (never) or more, got -1"),
        (
            {"MONITOR_DUCKDB_MEMORY_LIMIT": "1GB'; DROP TABLE x; --"},
            "duckdb_memory_limit must be a size such as 1GB or 512MiB",
        ),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(env, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
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


def test_the_state_store_follows_the_database_unless_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one = load_settings(env={**NO_FILE, "MONITOR_DB": "ws/prod.duckdb"})
    assert one.state_file == tmp_path.joinpath("ws/prod.state.duckdb").relative_to(tmp_path)
    two = load_settings(
        env={**NO_FILE, "MONITOR_DB": "ws/demo.duckdb", "MONITOR_STATE_DB": "elsewhere.duckdb"}
    )
    assert str(two.state_file) == "elsewhere.duckdb"
    fresh = load_settings(env=NO_FILE)
    assert str(fresh.state_file) == ".monitor/workspace.state.duckdb"


def test_the_default_workspace_keeps_the_state_saved_where_an_older_version_put_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".monitor").mkdir()
    (tmp_path / ".monitor" / "state.duckdb").write_bytes(b"")
    assert str(load_settings(env=NO_FILE).state_file) == ".monitor/state.duckdb"
    other = load_settings(env={**NO_FILE, "MONITOR_DB": ".monitor/other.duckdb"})
    assert str(other.state_file) == ".monitor/other.state.duckdb"


def test_two_workspaces_served_and_refreshed_side_by_side_keep_their_own_state(tmp_path):
    from monitor_app.context import open_state_store
    from monitor_app.sla_targets import get_sla_targets
    from monitor_app.workspace_setup import build_demo

    counts = {}
    for name, jobs in (("a", 30), ("b", 12)):
        settings = Settings(db_path=tmp_path / f"{name}.duckdb", local_user="ops")
        manifest = build_demo(settings, open_state_store(settings), jobs=jobs, days=14)
        counts[name] = (
            len(get_sla_targets(open_state_store(settings), settings)),
            len(manifest["sla_targets"]),
        )
    assert (tmp_path / "a.state.duckdb").exists() and (tmp_path / "b.state.duckdb").exists()
    assert counts["a"][0] == counts["a"][1] and counts["b"][0] == counts["b"][1]
    assert counts["a"][0] != counts["b"][0]


def test_row_count_thresholds_per_table_reach_the_integrity_metric(tmp_path):
    from datetime import datetime

    from monitor_app.analytics import integrity
    from monitor_app.settings import collection_limits
    from monitor_app.state import AppState

    config = tmp_path / "monitor.yaml"
    config.write_text(
        "thresholds:\n  row_count_deviation_pct: 25\n  row_count_tables:\n    prod.a.b: {min_history: 14}\n"
        "integrity_collection:\n  max_tables: 10\n  min_interval_hours: 1.5\n",
        encoding="utf-8",
    )
    settings = load_settings(config, env={})
    state = AppState(settings=settings, as_of=datetime(2026, 11, 1))
    assert state.metric(integrity.row_count_changes).keywords == {
        "row_count_deviation_pct": 25,
        "row_count_tables": {"prod.a.b": {"min_history": 14}},
    }
    enabled, limits = collection_limits(settings)
    assert enabled is None and (limits.max_tables, limits.min_interval_hours, limits.history_limit) == (
        10,
        1.5,
        1000,
    )


def test_health_thresholds_in_monitor_yaml_reach_the_health_metrics(tmp_path):
    from datetime import datetime

    from monitor_app.analytics import health
    from monitor_app.state import AppState

    config = tmp_path / "monitor.yaml"
    config.write_text("thresholds:\n  warn_failure_rate: 0.05\n  spike_ratio: 3\n", encoding="utf-8")
    settings = load_settings(config, env={})
    assert settings.thresholds == {"warn_failure_rate": 0.05, "spike_ratio": 3}
    state = AppState(settings=settings, as_of=datetime(2026, 11, 1))
    bound = state.metric(health.success_rates)
    assert bound.keywords == {"warn_failure_rate": 0.05}  # the cost name goes to the cost metrics only
    assert state.metric(health.duration_trend) is health.duration_trend


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "thresholds:\n  warn_failure: 0.05\n",
            "unknown name 'warn_failure'; known: baseline_days, critical_failure_rate",
        ),
        ("thresholds:\n  min_streak: -1\n", "min_streak must be a non-negative number, got -1"),
        ("thresholds:\n  min_streak: two\n", "min_streak must be a non-negative number, got 'two'"),
        ("thresholds: 3\n", "thresholds must be a mapping"),
        (
            "thresholds:\n  row_count_tables:\n    prod.a.b: {pct: 5}\n",
            "thresholds: row_count_tables.prod.a.b: unknown setting 'pct'; known: deviation_pct, min_history",
        ),
        (
            "thresholds:\n  row_count_tables:\n    prod.a.b: {deviation_pct: -5}\n",
            "row_count_tables.prod.a.b.deviation_pct must be a non-negative number, got -5",
        ),
        ("integrity_collection:\n  tables: 5\n", "integrity_collection: unknown setting 'tables'"),
        (
            "integrity_collection:\n  max_tables: many\n",
            "integrity_collection.max_tables must be a non-negative",
        ),
        ("integrity_collection:\n  enabled: maybe\n", "integrity_collection.enabled must be true or false"),
    ],
)
def test_bad_thresholds_in_monitor_yaml_are_refused_by_name(tmp_path, text, message):
    config = tmp_path / "monitor.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(config, env={})
