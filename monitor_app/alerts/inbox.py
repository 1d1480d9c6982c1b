"""The alert inbox: the lifecycle of every alert, kept in the state store with who and when.

- An evaluation's findings open new alerts, update those still firing (``last_seen``, evidence),
  reopen resolved ones that came back (same id, ``occurrences + 1``) and resolve automatically those
  no longer found (``resolved_by = "auto"``). Only the rules evaluated are touched (the server's timer
  evaluates ``sla_at_risk`` alone). Evaluating twice with the same data and time changes nothing.
- Users acknowledge, snooze until a time (open again after it if still firing), resolve and add notes.
- ``app_state.alerts`` holds each alert's current state; every change is appended to
  ``app_state.alert_events`` (never updated), so the history of who did what is never lost.
- Flapping: an alert reopened ``flapping_reopens`` times within ``flapping_hours`` is marked ``flapping``;
  it is shown, and its reopenings and resolutions are not pushed again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from data.sql_files import sql_beside
from data.state_store import StateStore, delete_in_statements, insert_statements
from monitor_app.alerts.model import (
    ALERT_FIELDS,
    AUTO,
    JSON_FIELDS,
    SEVERITIES,
    STATUSES,
    Alert,
    Finding,
    alert_id,
    dumps,
)
from monitor_app.links import workspace_url

TIME_FIELDS = ("first_seen", "last_seen", "acknowledged_at", "snoozed_until", "resolved_at")
EVENT_COLUMNS = [
    "alert_id",
    "event",
    "status",
    "severity",
    "actor",
    "at",
    "until_time",
    "note",
    "recorded_at",
]
EVALUATION_COLUMNS = [
    "evaluated_at",
    "as_of",
    "rules",
    "firing",
    "opened",
    "reopened",
    "resolved",
    "seconds",
    "problems",
]


class AlertError(ValueError):
    """An alert action the inbox refuses (unknown id, a snooze in the past ...); nothing is saved."""


@dataclass
class Changes:
    """What one evaluation changed; ``notify`` are the (event, alert) pairs worth pushing."""

    opened: list[Alert] = field(default_factory=list)
    reopened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    updated: list[Alert] = field(default_factory=list)
    firing: int = 0
    notify: list[tuple[str, Alert]] = field(default_factory=list)

    @property
    def changed(self) -> list[Alert]:
        return self.opened + self.reopened + self.resolved + self.updated


def _naive(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).replace(tzinfo=None)


def _aware(value: Any) -> datetime | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()


def _utc_now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _links(finding: Finding, host: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if finding.job_id:
        query = f"?page=jobs&workspace_id={finding.workspace_id}&job_id={finding.job_id}"
        if finding.run_id:
            query = f"?page=runs&workspace_id={finding.workspace_id}&job_id={finding.job_id}&run_id={finding.run_id}"
        out["app"] = query
        workspace = workspace_url(host, finding.job_id, finding.run_id)
        if workspace:
            out["workspace"] = workspace
    elif finding.team:
        out["app"] = f"?page=teams&team={finding.team}"
    return out


class Inbox:
    """The alerts of one state store."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    # --- reading ---------------------------------------------------------------------------------------

    def alerts(self) -> dict[str, Alert]:
        """Every alert by id (resolved ones too)."""
        frame = self.store.engine.execute(sql_beside(__file__, "alerts_current"), {})
        out = {}
        for record in frame.to_dict("records"):
            values = {k: record.get(k) for k in ALERT_FIELDS}
            for name in JSON_FIELDS:
                text = values[name]
                values[name] = (
                    json.loads(text)
                    if isinstance(text, str) and text
                    else ([] if name in ("notes", "reopened_at") else {})
                )
            for name in TIME_FIELDS:
                values[name] = _aware(values[name])
            values["reopened_at"] = [_aware(t) for t in values["reopened_at"]]
            for name in (
                "workspace_id",
                "team",
                "job_id",
                "job_name",
                "run_id",
                "table_full_name",
                "acknowledged_by",
                "snoozed_by",
                "resolved_by",
            ):
                if values[name] is not None and not isinstance(values[name], str) and pd.isna(values[name]):
                    values[name] = None
            values["occurrences"] = int(values["occurrences"])
            values["flapping"] = bool(values["flapping"]) if values["flapping"] is not None else False
            out[values["id"]] = Alert(**values)
        return out

    def get(self, alert_id_: str) -> Alert:
        found = self.alerts().get(str(alert_id_).strip())
        if found is None:
            raise AlertError(f"no alert with id {alert_id_!r} (list them with `alerts list --status all`)")
        return found

    def list(
        self,
        status: str | None = "open",
        severity: str | None = None,
        team: str | None = None,
        category: str | None = None,
        now: datetime | None = None,
    ) -> list[Alert]:
        """Alerts by status (``all`` or None: every one), severity, team and category; most urgent first.

        ``open`` lists what needs someone: open alerts and snoozes that have expired; ``active`` every
        alert not resolved.
        """
        return select(list(self.alerts().values()), status, severity, team, category, now)

    def events(self, alert_id_: str) -> pd.DataFrame:
        return self.store.engine.execute(sql_beside(__file__, "alerts_events"), {"alert_id": alert_id_})

    def last_evaluation(self) -> dict[str, Any] | None:
        frame = self.store.engine.execute(sql_beside(__file__, "alerts_last_evaluation"), {})
        return None if frame.empty else frame.iloc[0].to_dict()

    # --- evaluation ------------------------------------------------------------------------------------

    def apply(
        self,
        findings: Iterable[Finding],
        rules: Iterable[str],
        now: datetime,
        host: str | None = None,
        flapping_reopens: int = 2,
        flapping_hours: float = 24,
        seconds: float = 0.0,
        problems: list[str] | None = None,
    ) -> Changes:
        """Reconcile the inbox with one evaluation of ``rules`` at ``now``; write what changed, in one transaction."""
        moment = _utc_now(now)
        rules = set(rules)
        existing = self.alerts()
        by_fp = {a.fingerprint: a for a in existing.values()}
        changes = Changes()
        events: list[dict] = []
        seen: set[str] = set()

        def event(alert: Alert, kind: str, actor: str = AUTO, note: str | None = None) -> None:
            events.append(_event(alert, kind, actor, moment, note=note))

        for finding in findings:
            fp = finding.fingerprint
            if fp in seen:
                continue
            seen.add(fp)
            changes.firing += 1
            content = {
                "rule": finding.rule,
                "category": finding.category,
                "severity": finding.severity,
                "title": finding.title,
                "remediation": finding.remediation,
                "evidence": json.loads(dumps(finding.evidence)),
                "workspace_id": finding.workspace_id,
                "team": finding.team,
                "job_id": finding.job_id,
                "job_name": finding.job_name,
                "run_id": finding.run_id,
                "table_full_name": finding.table_full_name,
                "links": _links(finding, host),
            }
            old = by_fp.get(fp)
            if old is None:
                alert = Alert(
                    id=alert_id(fp),
                    fingerprint=fp,
                    status="open",
                    first_seen=moment,
                    last_seen=moment,
                    **content,
                )
                changes.opened.append(alert)
                event(alert, "opened")
                if alert.severity in ("P1", "P2"):
                    changes.notify.append(("opened", alert))
                continue
            alert = replace(old, **content, last_seen=max(moment, old.last_seen))
            if old.status == "resolved":
                window = moment - timedelta(hours=flapping_hours)
                recent = [t for t in old.reopened_at if t >= window] + [moment]
                alert = replace(
                    alert,
                    status="open",
                    occurrences=old.occurrences + 1,
                    acknowledged_by=None,
                    acknowledged_at=None,
                    snoozed_until=None,
                    snoozed_by=None,
                    resolved_at=None,
                    resolved_by=None,
                    reopened_at=recent,
                    flapping=len(recent) >= flapping_reopens,
                )
                changes.reopened.append(alert)
                event(alert, "reopened")
                if alert.severity in ("P1", "P2") and not alert.flapping:
                    changes.notify.append(("reopened", alert))
                continue
            if old.status == "snoozed" and old.snoozed_until is not None and old.snoozed_until <= moment:
                alert = replace(alert, status="open", snoozed_until=None, snoozed_by=None)
                event(alert, "snooze_ended")
            if SEVERITIES.index(alert.severity) < SEVERITIES.index(old.severity):
                event(alert, "escalated", note=f"{old.severity} -> {alert.severity}")
                if alert.severity in ("P1", "P2") and alert.status == "open":
                    changes.notify.append(("escalated", alert))
            if alert != old:
                changes.updated.append(alert)
        for alert in existing.values():
            if alert.rule in rules and alert.fingerprint not in seen and alert.status != "resolved":
                done = replace(alert, status="resolved", resolved_at=moment, resolved_by=AUTO)
                changes.resolved.append(done)
                event(done, "resolved", note="the condition no longer holds")
                if done.severity in ("P1", "P2") and not done.flapping and alert.status != "snoozed":
                    changes.notify.append(("resolved", done))
        evaluation = {
            "evaluated_at": _naive(datetime.now(UTC)),
            "as_of": _naive(moment),
            "rules": ",".join(sorted(rules)),
            "firing": changes.firing,
            "opened": len(changes.opened),
            "reopened": len(changes.reopened),
            "resolved": len(changes.resolved),
            "seconds": round(seconds, 3),
            "problems": "\n".join(problems or []) or None,
        }
        self._write(changes.changed, events, evaluation)
        return changes

    # --- user actions ----------------------------------------------------------------------------------

    def acknowledge(
        self, alert_id_: str, by: str, note: str | None = None, now: datetime | None = None
    ) -> Alert:
        alert = self.get(alert_id_)
        actor = _actor(by)
        moment = _utc_now(now)
        if alert.status == "resolved":
            raise AlertError(f"alert {alert.id} is resolved: nothing to acknowledge")
        done = replace(
            alert,
            status="acknowledged",
            acknowledged_by=actor,
            acknowledged_at=moment,
            snoozed_until=None,
            snoozed_by=None,
        )
        done = _with_note(done, actor, note, moment)
        self._write([done], [_event(done, "acknowledged", actor, moment, note=note)])
        return done

    def snooze(
        self, alert_id_: str, until: datetime, by: str, note: str | None = None, now: datetime | None = None
    ) -> Alert:
        alert = self.get(alert_id_)
        actor = _actor(by)
        moment = _utc_now(now)
        until = _aware(until)
        if until is None or until <= moment:
            raise AlertError(
                f"snooze until {until.isoformat() if until else until!r} is not in the future (now {moment:%Y-%m-%d %H:%M} UTC)"
            )
        if alert.status == "resolved":
            raise AlertError(f"alert {alert.id} is resolved: nothing to snooze")
        done = _with_note(
            replace(alert, status="snoozed", snoozed_until=until, snoozed_by=actor), actor, note, moment
        )
        self._write([done], [_event(done, "snoozed", actor, moment, until=until, note=note)])
        return done

    def resolve(self, alert_id_: str, by: str, note: str | None = None, now: datetime | None = None) -> Alert:
        alert = self.get(alert_id_)
        actor = _actor(by)
        moment = _utc_now(now)
        if alert.status == "resolved":
            raise AlertError(f"alert {alert.id} is already resolved (by {alert.resolved_by})")
        done = _with_note(
            replace(alert, status="resolved", resolved_at=moment, resolved_by=actor), actor, note, moment
        )
        self._write([done], [_event(done, "resolved", actor, moment, note=note)])
        return done

    def add_note(self, alert_id_: str, by: str, text: str, now: datetime | None = None) -> Alert:
        if not text or not str(text).strip():
            raise AlertError("a note needs some text")
        alert = self.get(alert_id_)
        actor = _actor(by)
        moment = _utc_now(now)
        done = _with_note(alert, actor, text, moment)
        self._write([done], [_event(done, "note", actor, moment, note=text)])
        return done

    # --- pinned panels ---------------------------------------------------------------------------------

    def pinned(self, user: str) -> dict[str, Any] | None:
        """The alert filters ``user`` pinned to the overview, or None."""
        frame = self.store.engine.execute(
            sql_beside(__file__, "pinned_get"), {"key": f"alerts.pinned:{user}"}
        )
        if frame.empty or not frame.iloc[0]["value"]:
            return None
        value = json.loads(frame.iloc[0]["value"])
        return value or None

    def pin(self, user: str, filters: dict[str, Any] | None, now: datetime | None = None) -> None:
        """Pin (or, with None, unpin) a filtered alert panel for ``user``: a new version, nothing overwritten."""
        params = {
            "key": f"alerts.pinned:{user}",
            "value": dumps(filters) if filters else "",
            "set_by": user,
            "set_at": _naive(_utc_now(now)),
        }
        self.store.engine.execute(sql_beside(__file__, "pinned_set"), params)

    # --- storage ---------------------------------------------------------------------------------------

    def _write(self, alerts: list[Alert], events: list[dict], evaluation: dict | None = None) -> None:
        statements: list[str] = []
        params: dict = {}
        if alerts:
            rows = [_row(a) for a in alerts]
            delete, p1 = delete_in_statements("app_state.alerts", "id", [a.id for a in alerts], "d")
            insert, p2 = insert_statements("app_state.alerts", list(ALERT_FIELDS), rows, "a", chunk=50)
            statements += delete + insert
            params.update(p1 | p2)
        if events:
            insert, p3 = insert_statements("app_state.alert_events", EVENT_COLUMNS, events, "e")
            statements += insert
            params.update(p3)
        if evaluation is not None:
            insert, p4 = insert_statements(
                "app_state.alert_evaluations", EVALUATION_COLUMNS, [evaluation], "v"
            )
            statements += insert
            params.update(p4)
        if statements:
            self.store.engine.execute_atomically(statements, params)


def select(
    alerts: list[Alert],
    status: str | None = "open",
    severity: str | None = None,
    team: str | None = None,
    category: str | None = None,
    now: datetime | None = None,
) -> list[Alert]:
    """:meth:`Inbox.list`'s filters and order over alerts already read (a view reads the inbox once)."""
    if status not in (None, "all", "active", *STATUSES):
        raise AlertError(f"unknown status {status!r}; known: {', '.join(STATUSES)}, all")
    if severity not in (None, *SEVERITIES):
        raise AlertError(f"unknown severity {severity!r}; known: {', '.join(SEVERITIES)}")
    moment = _utc_now(now)
    out = []
    for alert in alerts:
        current = effective_status(alert, moment)
        if status == "active" and current == "resolved":
            continue
        if status not in (None, "all", "active") and current != status:
            continue
        if severity and alert.severity != severity:
            continue
        if team and alert.team != team:
            continue
        if category and alert.category != category:
            continue
        out.append(replace(alert, status=current))
    return sorted(out, key=_urgency)


def effective_status(alert: Alert, now: datetime) -> str:
    """A snooze that has run out reads as open until the next evaluation says otherwise."""
    if alert.status == "snoozed" and alert.snoozed_until is not None and alert.snoozed_until <= now:
        return "open"
    return alert.status


def _urgency(alert: Alert) -> tuple:
    order = {"open": 0, "acknowledged": 1, "snoozed": 2, "resolved": 3}
    return (
        order.get(alert.status, 4),
        SEVERITIES.index(alert.severity),
        -alert.last_seen.timestamp(),
        alert.id,
    )


def _actor(by: str | None) -> str:
    if not by or not str(by).strip():
        raise AlertError("who acts on the alert is required (--by NAME)")
    return str(by).strip()


def _with_note(alert: Alert, actor: str, note: str | None, moment: datetime) -> Alert:
    if not note or not str(note).strip():
        return alert
    return replace(
        alert, notes=[*alert.notes, {"by": actor, "at": moment.isoformat(), "text": str(note).strip()}]
    )


def _event(
    alert: Alert,
    kind: str,
    actor: str,
    moment: datetime,
    until: datetime | None = None,
    note: str | None = None,
) -> dict:
    return {
        "alert_id": alert.id,
        "event": kind,
        "status": alert.status,
        "severity": alert.severity,
        "actor": actor,
        "at": _naive(moment),
        "until_time": _naive(until),
        "note": note,
        # wall-clock time of the write: orders events an evaluation and a user made at the same "now"
        "recorded_at": _naive(datetime.now(UTC)),
    }


def _row(alert: Alert) -> dict:
    row = {name: getattr(alert, name) for name in ALERT_FIELDS}
    for name in JSON_FIELDS:
        row[name] = dumps(row[name])
    for name in TIME_FIELDS:
        row[name] = _naive(row[name])
    return row
