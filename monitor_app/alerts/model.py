"""The alert: one typed record for every rule, from the first evaluation that finds it to its resolution.

An alert is identified by its **fingerprint**, the rule plus the entity it is about (workspace, job,
table or team, and for budgets the month): evaluating again finds the same fingerprint and updates the
same alert (Alertmanager's deduplication by labels). Its **id** is derived from the fingerprint, so it is
stable across evaluations, processes and machines, and short enough to type (``alerts ack A-3f2c...``).

Lifecycle (``monitor_app/alerts/inbox.py`` applies it): ``open -> acknowledged -> resolved``, ``snoozed``
until a time (open again then if it still fires), resolved automatically when an evaluation no longer
finds the condition, and reopened (same id, ``occurrences + 1``) when it comes back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

SEVERITIES = ("P1", "P2", "P3")
STATUSES = ("open", "acknowledged", "snoozed", "resolved")
CATEGORIES = ("reliability", "performance", "sla", "cost", "data")
# Who resolves an alert when the condition clears.
AUTO = "auto"


def fingerprint(rule: str, **entity: Any) -> str:
    """``rule`` and the entity's non-empty parts, in a fixed order: ``consecutive_failures|ws=1|job=7``."""
    parts = [rule] + [f"{k}={entity[k]}" for k in sorted(entity) if entity[k] not in (None, "")]
    return "|".join(parts)


def alert_id(fp: str) -> str:
    """A stable, short id for a fingerprint: ``A-`` and 12 hex digits of its SHA-256."""
    return "A-" + hashlib.sha256(fp.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Finding:
    """What a rule found in one evaluation: the alert's content, before the lifecycle applies.

    ``evidence`` holds the numbers that fired it: ``value``, ``baseline``, ``threshold`` and
    ``sample_size`` where they apply, plus what the rule adds (e.g. the last termination code).
    """

    rule: str
    category: str
    severity: str
    title: str
    remediation: str
    evidence: dict[str, Any]
    workspace_id: str | None = None
    team: str | None = None
    job_id: str | None = None
    job_name: str | None = None
    run_id: str | None = None
    table_full_name: str | None = None
    # extra entity parts of the fingerprint (a budget's month)
    period: str | None = None

    @property
    def fingerprint(self) -> str:
        entity = {"ws": self.workspace_id, "job": self.job_id, "table": self.table_full_name}
        if self.job_id is None and self.table_full_name is None:
            entity["team"] = self.team
        entity["period"] = self.period
        return fingerprint(self.rule, **entity)


@dataclass
class Alert:
    """An alert as the inbox keeps it (``app_state.alerts``); ``notes`` and ``links`` are plain data."""

    id: str
    fingerprint: str
    rule: str
    category: str
    severity: str
    status: str
    title: str
    remediation: str
    evidence: dict[str, Any]
    workspace_id: str | None
    team: str | None
    job_id: str | None
    job_name: str | None
    run_id: str | None
    table_full_name: str | None
    links: dict[str, str]
    first_seen: datetime
    last_seen: datetime
    occurrences: int = 1
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    snoozed_until: datetime | None = None
    snoozed_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    notes: list[dict[str, Any]] = field(default_factory=list)
    # times it came back after a resolution within the flapping window (shown; not re-notified)
    flapping: bool = False
    reopened_at: list[datetime] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        """Plain JSON-able values (times as ISO strings), the shape of the CLI's JSON."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
        out["reopened_at"] = [t.isoformat() for t in self.reopened_at]
        return out


ALERT_FIELDS = tuple(f.name for f in fields(Alert))
# Stored as JSON text in the state store.
JSON_FIELDS = ("evidence", "links", "notes", "reopened_at")


def dumps(value: Any) -> str:
    """JSON for the state store: times as ISO text, keys sorted (an unchanged alert writes the same text)."""
    return json.dumps(value, sort_keys=True, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)
