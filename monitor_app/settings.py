"""Settings: defaults, overridden by an optional monitor.yaml, overridden by environment variables.

Every setting is documented in the README (section "Configuration"). Secrets (tokens) are never settings:
they come from the SDK's Config or the forwarded user token and are never stored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_HOME = Path(".monitor")
# Where the state store was kept (for every workspace) before it followed the database.
LEGACY_STATE = DEFAULT_HOME / "state.duckdb"
# A DuckDB memory size: a number and a unit (KB, MB, GB, TB, or KiB ... TiB).
MEMORY_SIZE = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B)", re.IGNORECASE)


class SettingsError(ValueError):
    """monitor.yaml or an environment variable holds a value the app cannot use."""


@dataclass
class Settings:
    """Where data lives and how the app reads it."""

    # embedded engine
    db_path: Path = DEFAULT_HOME / "workspace.duckdb"
    # the app's state store; None: beside the database (see ``state_file``)
    state_path: Path | None = None
    # SQL warehouse (used when warehouse_id is set)
    host: str | None = None
    warehouse_id: str | None = None
    catalog: str = "main"
    schema: str = "job_monitor"
    # Jobs API: demo mode starts the loopback server when host is unset
    jobs_api_host: str | None = None
    # identity shown locally
    local_user: str | None = None
    # trust X-Forwarded-* user headers outside Databricks Apps (only behind a proxy that sets them itself)
    trust_forwarded_headers: bool = False
    # team attribution: ordered tag keys, then mapping rules ({name, match: job_name_prefix|job_name_pattern|run_as|creator, value, team})
    team_tag_keys: list[str] = field(default_factory=lambda: ["team"])
    team_rules: list[dict[str, Any]] = field(default_factory=list)
    # SLA targets from monitor.yaml: {job_id, workspace_id?, deadline?, timezone?, max_duration_minutes?}
    sla_targets: list[dict[str, Any]] = field(default_factory=list)
    # metric thresholds (see shared monitoring definitions); keys documented in the README
    thresholds: dict[str, float] = field(default_factory=dict)
    # alert rules' severities and thresholds (monitor_app/alerts/config.py; README "Alert rules")
    alert_rules: dict[str, Any] = field(default_factory=dict)
    # monthly budgets: {team: T, monthly_usd: N} or {job_id: ID, workspace_id: W, monthly_usd: N}
    budgets: list[dict[str, Any]] = field(default_factory=list)
    # alerts pushed to a Slack-compatible incoming webhook (new P1/P2 and their resolution); None: off
    alert_webhook_url: str | None = None
    # pipeline integrity collection before each refresh on a workspace (data/integrity_collect.py):
    # enabled (default: on a SQL warehouse), max_tables, history_limit, min_interval_hours, lookback_days
    integrity_collection: dict[str, Any] = field(default_factory=dict)
    # reports: their periods' time zone, and where the server keeps the snapshots it makes on schedule
    report_timezone: str = "UTC"
    reports_dir: Path = DEFAULT_HOME / "reports"
    # memory of the served app: results cached for all sessions (MB), and DuckDB's own limit (DuckDB sizes)
    cache_max_mb: int = 256
    duckdb_memory_limit: str = "1GB"
    # serve: a fresh process replaces the serving one once its memory is over this (MB), when no session
    # is open (monitor_app/recycle.py); 0 (the default): one process, never replaced. Off by default:
    # since closed sessions are let go RSS stays flat without it, and it adds ~0.5 s to each start
    recycle_rss_mb: int = 0
    port: int = 5006
    address: str = "127.0.0.1"
    allow_websocket_origin: list[str] = field(default_factory=list)

    @property
    def uses_warehouse(self) -> bool:
        return bool(self.warehouse_id)

    @property
    def state_file(self) -> Path:
        """The embedded state store: ``state_path`` when set, else ``<database>.state.duckdb`` beside the
        database, so each workspace file has its own saved settings and two never lock each other.

        The default workspace keeps using ``.monitor/state.duckdb`` where an earlier version saved it
        (the settings a user saved there are never left behind).
        """
        if self.state_path is not None:
            return Path(self.state_path)
        db = Path(self.db_path)
        beside = db.with_name(f"{db.stem}.state.duckdb")
        if db == DEFAULT_HOME / "workspace.duckdb" and not beside.exists() and LEGACY_STATE.exists():
            return LEGACY_STATE
        return beside


ENV_VARS = {
    "MONITOR_DB": "db_path",
    "MONITOR_STATE_DB": "state_path",
    "DATABRICKS_HOST": "host",
    "DATABRICKS_WAREHOUSE_ID": "warehouse_id",
    "MONITOR_CATALOG": "catalog",
    "MONITOR_SCHEMA": "schema",
    "MONITOR_JOBS_API_HOST": "jobs_api_host",
    "MONITOR_USER": "local_user",
    "MONITOR_TRUST_FORWARDED_HEADERS": "trust_forwarded_headers",
    "DATABRICKS_APP_PORT": "port",
    "MONITOR_CACHE_MB": "cache_max_mb",
    "MONITOR_DUCKDB_MEMORY_LIMIT": "duckdb_memory_limit",
    "MONITOR_RECYCLE_RSS_MB": "recycle_rss_mb",
    "MONITOR_ALERT_WEBHOOK_URL": "alert_webhook_url",
    "MONITOR_REPORT_TIMEZONE": "report_timezone",
    "MONITOR_REPORTS_DIR": "reports_dir",
}


def load_settings(config_file: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Build the settings from monitor.yaml (if present) and the environment."""
    env = dict(os.environ if env is None else env)
    settings = Settings()
    path = Path(config_file or env.get("MONITOR_CONFIG", "monitor.yaml"))
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as err:
            raise SettingsError(f"{path}: not valid YAML: {err}") from err
        if not isinstance(data, dict):
            raise SettingsError(f"{path}: expected a mapping of settings at the top level")
        for key, value in data.items():
            if not hasattr(settings, key):
                raise SettingsError(f"{path}: unknown setting {key!r}")
            setattr(settings, key, value)
    for var, attr in ENV_VARS.items():
        if env.get(var):
            setattr(settings, attr, env[var])
    settings.db_path = Path(settings.db_path)
    settings.state_path = Path(settings.state_path) if settings.state_path else None
    settings.trust_forwarded_headers = _flag(settings.trust_forwarded_headers, "trust_forwarded_headers")
    try:
        settings.port = int(settings.port)
    except (TypeError, ValueError) as err:
        raise SettingsError(f"port must be a number, got {settings.port!r}") from err
    settings.cache_max_mb = _megabytes(settings.cache_max_mb, "cache_max_mb", minimum=1)
    settings.recycle_rss_mb = _megabytes(settings.recycle_rss_mb, "recycle_rss_mb", minimum=0, zero="never")
    settings.thresholds = _thresholds(settings.thresholds)
    collection_limits(settings)  # refuses a bad integrity_collection now, not at the first refresh
    settings.reports_dir = Path(settings.reports_dir)
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(str(settings.report_timezone))
    except (ValueError, KeyError, OSError) as err:
        raise SettingsError(
            f"report_timezone must be an IANA time zone such as Europe/Paris, got {settings.report_timezone!r}"
        ) from err
    _check_alert_settings(settings)
    settings.duckdb_memory_limit = str(settings.duckdb_memory_limit).strip()
    if not MEMORY_SIZE.fullmatch(settings.duckdb_memory_limit):
        raise SettingsError(
            f"duckdb_memory_limit must be a size such as 1GB or 512MiB, got {settings.duckdb_memory_limit!r}"
        )
    return settings


def _thresholds(value: Any) -> dict[str, float]:
    """``thresholds:`` of monitor.yaml: known names (health and cost metrics) and non-negative numbers."""
    from monitor_app.analytics import integrity
    from monitor_app.analytics.cost import THRESHOLD_NAMES
    from monitor_app.analytics.health import DEFAULTS

    if not value:
        return {}
    if not isinstance(value, dict):
        raise SettingsError(f"thresholds must be a mapping of name: number, got {value!r}")
    known = sorted({*DEFAULTS, *THRESHOLD_NAMES, *integrity.THRESHOLD_NAMES})
    out = {}
    for name, number in value.items():
        if name == "row_count_tables":
            try:
                out[name] = integrity.check_table_thresholds(number)
            except ValueError as err:
                raise SettingsError(f"thresholds: {err}") from err
            continue
        if name not in known:
            raise SettingsError(f"thresholds: unknown name {name!r}; known: {', '.join(known)}")
        if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
            raise SettingsError(f"thresholds: {name} must be a non-negative number, got {number!r}")
        out[name] = number
    return out


def collection_limits(settings: Settings) -> Any:
    """``integrity_collection`` of monitor.yaml as ``(enabled or None for the default, CollectLimits)``."""
    from data.integrity_collect import CollectLimits

    value = settings.integrity_collection or {}
    if not isinstance(value, dict):
        raise SettingsError(f"integrity_collection must be a mapping of setting: value, got {value!r}")
    known = {"enabled", *CollectLimits.__dataclass_fields__}
    numbers = {}
    for name, number in value.items():
        if name not in known:
            raise SettingsError(
                f"integrity_collection: unknown setting {name!r}; known: {', '.join(sorted(known))}"
            )
        if name == "enabled":
            continue
        if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
            raise SettingsError(f"integrity_collection.{name} must be a non-negative number, got {number!r}")
        numbers[name] = number
    enabled = value.get("enabled")
    if enabled is not None:
        enabled = _flag(enabled, "integrity_collection.enabled")
    limits = CollectLimits(
        **{k: int(v) if k != "min_interval_hours" else float(v) for k, v in numbers.items()}
    )
    return enabled, limits


def _megabytes(value: Any, name: str, minimum: int, zero: str = "") -> int:
    """A whole number of MB from YAML or the environment, at least ``minimum`` (``zero``: what 0 means)."""
    meaning = f" (0: {zero})" if zero else ""
    try:
        number = int(value)
    except (TypeError, ValueError) as err:
        raise SettingsError(f"{name} must be a whole number of MB{meaning}, got {value!r}") from err
    if number < minimum:
        least = f"0 ({zero}) or more" if minimum == 0 and zero else f"at least {minimum}"
        raise SettingsError(f"{name} must be {least}, got {number}")
    return number


def _flag(value: Any, name: str) -> bool:
    """A yes/no setting from YAML (a bool) or the environment ('1', 'true', 'yes', 'on' and their opposites)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{name} must be true or false, got {value!r}")


def _check_alert_settings(settings: Settings) -> None:
    """``alert_rules``, ``budgets`` and ``alert_webhook_url`` have the right shape (budgets' teams and jobs are
    checked against the workspace when alerts are evaluated)."""
    from monitor_app.alerts.config import AlertRulesError, rule_settings

    try:
        rule_settings(settings.alert_rules)
    except AlertRulesError as err:
        raise SettingsError(str(err)) from err
    if settings.budgets is None:
        settings.budgets = []
    if not isinstance(settings.budgets, list):
        raise SettingsError(f"budgets must be a list of entries, got {settings.budgets!r}")
    url = settings.alert_webhook_url
    if url is not None and not re.match(r"^https?://[^\s]+$", str(url)):
        raise SettingsError(f"alert_webhook_url must be an http(s) URL, got {url!r}")
