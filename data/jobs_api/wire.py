"""Wire format of the loopback Jobs API: JSON values, ids, query parameters, page tokens and error answers.

Kept apart from the server (``loopback.py``) because it is the part that must match the real API's
spelling exactly, and reads best on its own.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import time
from datetime import UTC, datetime
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answer: HTTP status plus the API's error_code and message."""

    def __init__(self, status: int, error_code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message
        self.headers = headers or {}


# -- values ----------------------------------------------------------------------------------------------


def sql_value(v: Any) -> Any:
    """None for SQL NULL as pandas spells it (None, NaN, NaT, NA); anything else unchanged."""
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def epoch_ms(v: Any) -> int | None:
    v = sql_value(v)
    if v is None:
        return None
    ts = pd.Timestamp(v)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return round(ts.timestamp() * 1000)


def wire_id(v: Any) -> int:
    """System tables hold ids as strings; the API sends int64."""
    return int(str(v))


def job_payload(job_id: str, settings: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
    try:
        numeric_id = wire_id(job_id)
    except ValueError:
        logger.warning("loopback Jobs API: job_id %r is not an integer; job left out", job_id)
        return None
    job: dict[str, Any] = {"job_id": numeric_id, "settings": settings}
    for key in ("creator_user_name", "run_as_user_name"):
        if sql_value(row.get(key)) is not None:
            job[key] = row[key]
    created = epoch_ms(row.get("created_time"))
    if created is not None:
        job["created_time"] = created
    return job


def minimal_settings(row: dict[str, Any], tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """JobSettings rebuilt from the latest system.lakeflow.jobs row when no settings JSON is stored."""
    paused = sql_value(row.get("paused"))
    pause_status = "PAUSED" if paused else "UNPAUSED"
    settings: dict[str, Any] = {
        "name": sql_value(row.get("name")) or "",
        "format": "MULTI_TASK",
        "max_concurrent_runs": 1,
        "timeout_seconds": int(sql_value(row.get("timeout_seconds")) or 0),
        "email_notifications": {},
    }
    if sql_value(row.get("description")):
        settings["description"] = row["description"]
    tags = sql_value(row.get("tags"))
    if tags:
        settings["tags"] = dict(tags)
    if sql_value(row.get("schedule_cron")):
        settings["schedule"] = {
            "quartz_cron_expression": row["schedule_cron"],
            "timezone_id": sql_value(row.get("schedule_timezone")) or "UTC",
            "pause_status": pause_status,
        }
    elif sql_value(row.get("periodic_interval")) is not None:
        periodic = {
            "interval": int(row["periodic_interval"]),
            "unit": sql_value(row.get("periodic_units")) or "HOURS",
        }
        settings["trigger"] = {"periodic": periodic, "pause_status": pause_status}
    elif sql_value(row.get("file_arrival_url")):
        settings["trigger"] = {"file_arrival": {"url": row["file_arrival_url"]}, "pause_status": pause_status}
    elif sql_value(row.get("continuous_enabled")):
        settings["continuous"] = {"pause_status": pause_status}
    rules = sql_value(row.get("health_rules"))
    if rules is not None and len(rules):
        settings["health"] = {
            "rules": [{"metric": r["metric"], "op": r["operator"], "value": int(r["value"])} for r in rules]
        }
    if tasks:
        settings["tasks"] = tasks
    return settings


def int_param(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    if name not in query or query[name] == "":
        return default
    try:
        value = int(query[name])
    except ValueError:
        raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Invalid {name}: {query[name]!r}") from None
    if not low <= value <= high:
        raise ApiError(400, "INVALID_PARAMETER_VALUE", f"The {name} must be between {low} and {high}")
    return value


def id_param(query: dict[str, str], name: str) -> int:
    if not query.get(name):
        raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Missing required field: {name}")
    try:
        return int(query[name])
    except ValueError:
        raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Invalid {name}: {query[name]!r}") from None


def bool_param(query: dict[str, str], name: str) -> bool:
    return query.get(name, "").lower() == "true"


def ms_param(query: dict[str, str], name: str) -> datetime | None:
    if not query.get(name):
        return None
    try:
        return datetime.fromtimestamp(int(query[name]) / 1000, tz=UTC)
    except (ValueError, OverflowError):
        raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Invalid {name}: {query[name]!r}") from None


def page_token(offset: int, expired: bool = False) -> str:
    state = {"offset": offset, "issued": int(time.time())}
    if expired:
        state["expired"] = 1
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def page_offset(query: dict[str, str]) -> int:
    token = query.get("page_token")
    if not token:
        return 0
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = int(state["offset"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ApiError(400, "INVALID_PARAMETER_VALUE", "Invalid page token.") from None
    if state.get("expired"):
        raise ApiError(
            400, "INVALID_PARAMETER_VALUE", "The page token has expired; list again from the start."
        )
    return offset
