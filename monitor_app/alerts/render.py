"""Alerts as text for scripts and terminals: JSON (exact fields), CSV and a plain table.

Names come from the workspace and can hold anything: JSON and CSV quote them as data; the table replaces
control characters (a job name with an escape sequence must not repaint the terminal).
"""

from __future__ import annotations

import csv
import io
import json
import re

from monitor_app.alerts.model import Alert, dumps

# The fields every JSON object has (scripts rely on these names), in this order; the rest follow.
CLI_FIELDS = (
    "id",
    "rule",
    "category",
    "severity",
    "status",
    "title",
    "team",
    "workspace_id",
    "job_id",
    "run_id",
    "table_full_name",
    "evidence",
    "remediation",
    "first_seen",
    "last_seen",
    "acknowledged_by",
    "snoozed_until",
    "resolved_at",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def records(alerts: list[Alert]) -> list[dict]:
    out = []
    for alert in alerts:
        record = alert.to_record()
        out.append(
            {**{k: record[k] for k in CLI_FIELDS}, **{k: v for k, v in record.items() if k not in CLI_FIELDS}}
        )
    return out


def alerts_json(alerts: list[Alert]) -> str:
    return json.dumps(records(alerts), indent=1, ensure_ascii=False, default=str)


def alerts_csv(alerts: list[Alert]) -> str:
    buffer = io.StringIO()
    rows = records(alerts)
    columns = list(rows[0]) if rows else list(CLI_FIELDS)
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()})
    return buffer.getvalue()


def plain(text: object, width: int | None = None) -> str:
    """One line of safe terminal text: control characters shown as '?', cut to ``width``."""
    value = _CONTROL.sub("?", "" if text is None else str(text))
    if width is not None and len(value) > width:
        value = value[: width - 1] + "…"
    return value


def alerts_table(alerts: list[Alert]) -> str:
    if not alerts:
        return "no alerts"
    columns = (("id", 14), ("severity", 3), ("status", 12), ("rule", 20), ("team", 18), ("title", 70))
    lines = ["  ".join(name.upper()[:w].ljust(w) for name, w in columns)]
    for alert in alerts:
        lines.append("  ".join(plain(getattr(alert, name), w).ljust(w) for name, w in columns).rstrip())
    return "\n".join(lines)
