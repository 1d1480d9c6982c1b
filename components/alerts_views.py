"""The Alerts tab (ALERT-01/02) and the alert panel pinned to the overview.

The inbox lives in the state store (``monitor_app/alerts/inbox.py``); these views only read it and call
its actions as the signed-in user. Every workspace text (job and team names, titles) is shown as text:
tables use plain-text cells, details go through ``esc``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.charts import SEVERITY_COLOURS
from components.html_box import HtmlBox
from components.loading import DataPanel, InPlace
from components.panes import esc, key_values_html, text_pane
from components.tables import data_table
from monitor_app.alerts.inbox import AlertError, Inbox, select
from monitor_app.alerts.model import CATEGORIES, SEVERITIES, Alert
from monitor_app.state import AppState

STATUS_OPTIONS = {
    "Not resolved": "active",
    "Open": "open",
    "Acknowledged": "acknowledged",
    "Snoozed": "snoozed",
    "Resolved": "resolved",
    "All": "all",
}
SNOOZE_HOURS = {"1 hour": 1, "4 hours": 4, "1 day": 24, "1 week": 168}
TITLES = {
    "severity": "Severity",
    "status": "Status",
    "title": "Alert",
    "team": "Team",
    "rule": "Rule",
    "last_seen": "Last seen (UTC)",
    "occurrences": "Times",
    "id": "Id",
}
# Shares of the table's width: the title is the long text, the rest are short codes.
WIDTHS = {
    "severity": "7%",
    "status": "10%",
    "title": "33%",
    "team": "11%",
    "rule": "12%",
    "last_seen": "13%",
    "occurrences": "6%",
    "id": "8%",
}


def _frame(alerts: list[Alert]) -> pd.DataFrame:
    rows = [
        {
            "severity": a.severity,
            "status": a.status + (" (flapping)" if a.flapping else ""),
            "title": a.title,
            "team": a.team or "",
            "rule": a.rule,
            "last_seen": a.last_seen.strftime("%Y-%m-%d %H:%M"),
            "occurrences": a.occurrences,
            "id": a.id,
        }
        for a in alerts
    ]
    return pd.DataFrame(rows, columns=list(TITLES))


def counts_html(alerts: list[Alert]) -> str:
    """'P1 3 · P2 9 · P3 19' over the open alerts, each coloured."""
    parts = []
    for severity in SEVERITIES:
        n = sum(1 for a in alerts if a.severity == severity and a.status == "open")
        parts.append(
            f'<span class="alert-count-{severity}" style="color:{SEVERITY_COLOURS[severity]}"><b>{severity}</b> {n} open</span>'
        )
    return '<div class="alert-counts">' + " · ".join(parts) + "</div>"


def detail_html(alert: Alert) -> str:
    pairs = [
        ("Id", alert.id),
        ("Status", alert.status),
        ("Severity", alert.severity),
        ("Rule", f"{alert.rule} ({alert.category})"),
        ("Team", alert.team or "–"),
        ("Job", f"{alert.job_name or ''} ({alert.job_id})" if alert.job_id else "–"),
        ("Run", alert.run_id or "–"),
        ("First seen", f"{alert.first_seen:%Y-%m-%d %H:%M} UTC"),
        ("Last seen", f"{alert.last_seen:%Y-%m-%d %H:%M} UTC"),
        ("Times fired", alert.occurrences),
    ]
    if alert.acknowledged_by:
        pairs.append(
            ("Acknowledged", f"by {alert.acknowledged_by} at {alert.acknowledged_at:%Y-%m-%d %H:%M} UTC")
        )
    if alert.snoozed_until:
        pairs.append(("Snoozed", f"until {alert.snoozed_until:%Y-%m-%d %H:%M} UTC by {alert.snoozed_by}"))
    if alert.resolved_at:
        pairs.append(("Resolved", f"by {alert.resolved_by} at {alert.resolved_at:%Y-%m-%d %H:%M} UTC"))
    evidence = [
        (k.replace("_", " "), v if not isinstance(v, list | dict) else str(v))
        for k, v in alert.evidence.items()
    ]
    links = []
    if alert.links.get("app"):
        links.append(f'<a href="{esc(alert.links["app"])}">open in the monitor</a>')
    if alert.links.get("workspace"):
        links.append(
            f'<a href="{esc(alert.links["workspace"])}" target="_blank" rel="noopener">open in the workspace</a>'
        )
    notes = "".join(
        f"<li>{esc(n.get('at', ''))[:16]} {esc(n.get('by'))}: {esc(n.get('text'))}</li>" for n in alert.notes
    )
    return (
        f'<div class="alert-detail"><h3>{esc(alert.severity)} {esc(alert.title)}</h3>'
        f'<p class="alert-remediation"><b>What to do:</b> {esc(alert.remediation)}</p>'
        + ("<p>" + " · ".join(links) + "</p>" if links else "")
        + key_values_html(pairs, "alert-facts")
        + "<h4>Evidence</h4>"
        + key_values_html(evidence, "alert-evidence")
        + (f"<h4>Notes</h4><ul>{notes}</ul>" if notes else "")
        + "</div>"
    )


class AlertsView(Viewer):
    """The inbox: counts, filters, the alerts most urgent first, one alert's details and actions."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self.status = pn.widgets.Select(label="Status", options=STATUS_OPTIONS, value="active", width=160)
        self.severity = pn.widgets.Select(
            label="Severity", options={"All": "", **{s: s for s in SEVERITIES}}, width=110
        )
        self.category = pn.widgets.Select(
            label="Category", options={"All": "", **{c: c for c in CATEGORIES}}, width=140
        )
        self.team = pn.widgets.TextInput(label="Team", placeholder="all teams", width=180)
        for widget in (self.status, self.severity, self.category, self.team):
            widget.param.watch(lambda _e: self._reload(), "value")
        self.evaluate_button = pn.widgets.Button(label="Evaluate now", css_classes=["alerts-evaluate"])
        self.evaluate_button.on_click(self._evaluate)
        self.pin_button = pn.widgets.Button(label="Pin this view to the overview", css_classes=["alerts-pin"])
        self.pin_button.on_click(self._pin)
        self.counts = pn.pane.HTML("", sizing_mode="stretch_width")
        self.message = pn.pane.HTML("", css_classes=["alerts-message"], sizing_mode="stretch_width")
        self.table = pn.Column(sizing_mode="stretch_width", css_classes=["alerts-table"])
        self.detail = pn.pane.HTML("", css_classes=["alerts-detail"], sizing_mode="stretch_width")
        self.note = pn.widgets.TextInput(label="Note", placeholder="what you found or did", width=320)
        self.snooze_for = pn.widgets.Select(label="Snooze for", options=SNOOZE_HOURS, value=4, width=120)
        self.ack_button = pn.widgets.Button(label="Acknowledge", color="primary", css_classes=["alert-ack"])
        self.snooze_button = pn.widgets.Button(label="Snooze", css_classes=["alert-snooze"])
        self.resolve_button = pn.widgets.Button(
            label="Resolve", color="success", css_classes=["alert-resolve"]
        )
        self.note_button = pn.widgets.Button(label="Add note", css_classes=["alert-note"])
        self.ack_button.on_click(lambda _e: self._act("acknowledge"))
        self.snooze_button.on_click(lambda _e: self._act("snooze"))
        self.resolve_button.on_click(lambda _e: self._act("resolve"))
        self.note_button.on_click(lambda _e: self._act("note"))
        self.actions = pn.Row(
            self.ack_button, self.snooze_for, self.snooze_button, self.resolve_button, self.note, self.note_button,
            visible=False, css_classes=["alert-actions"],
        )  # fmt: skip
        self._selected: str | None = None
        self._reload()

    def _inbox(self) -> Inbox | None:
        return self._state.alert_inbox()

    def _filters(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "severity": self.severity.value or None,
            "category": self.category.value or None,
            "team": self.team.value.strip() or None,
        }

    def _reload(self) -> None:
        inbox = self._inbox()
        if inbox is None:
            self.message.object = "<div class='alert alert-warning'>Alerts need the app's state store.</div>"
            return
        everything = inbox.list(status="all")
        self.counts.object = counts_html(everything)
        last = inbox.last_evaluation()
        if last:
            self.counts.object += f"<div class='alerts-evaluated'>Last evaluated as of {pd.Timestamp(last['as_of']):%Y-%m-%d %H:%M} UTC</div>"
        else:
            self.counts.object += (
                "<div class='alerts-evaluated'>Never evaluated: press Evaluate now (or run `refresh`).</div>"
            )
        alerts = select(everything, **self._filters())
        self._alerts = alerts
        if not alerts:
            self.table.objects = [text_pane("No alert matches these filters.", "alerts-empty")]
        else:
            self.table.objects = [
                data_table(
                    _frame(alerts),
                    "alerts",
                    titles=TITLES,
                    on_click=self._select,
                    page_size=20,
                    widths=WIDTHS,
                )
            ]
        if self._selected:
            found = next((a for a in everything if a.id == self._selected), None)
            self._show(found)

    def _select(self, _row: int, row: pd.Series) -> None:
        self._selected = str(row["id"])
        self._show(next((a for a in self._alerts if a.id == self._selected), None))

    def _show(self, alert: Alert | None) -> None:
        self.detail.object = detail_html(alert) if alert else ""
        self.actions.visible = alert is not None and alert.status != "resolved"

    def _act(self, action: str) -> None:
        inbox = self._inbox()
        if inbox is None or not self._selected:
            return
        user = self._state.actor
        note = self.note.value.strip() or None
        try:
            if action == "acknowledge":
                inbox.acknowledge(self._selected, user, note=note)
            elif action == "snooze":
                until = datetime.now(UTC) + timedelta(hours=float(self.snooze_for.value))
                inbox.snooze(self._selected, until, user, note=note)
            elif action == "resolve":
                inbox.resolve(self._selected, user, note=note)
            else:
                inbox.add_note(self._selected, user, note or "")
        except AlertError as err:
            self.message.object = f"<div class='alert alert-danger'>Not saved: {esc(err)}</div>"
            return
        self.note.value = ""
        self.message.object = (
            f"<div class='alert alert-success'>{esc(action.capitalize())}: saved as {esc(user)}.</div>"
        )
        self._reload()

    def _evaluate(self, _event: Any) -> None:
        state = self._state
        if not state.can_save or state.settings is None:
            return
        self.evaluate_button.loading = True
        try:
            result = state.evaluate_alerts()
        except Exception as err:
            self.message.object = f"<div class='alert alert-danger'>Evaluation failed: {esc(err)}</div>"
            return
        finally:
            self.evaluate_button.loading = False
        c = result.changes
        problems = "".join(f"<br>{esc(p)}" for p in result.problems)
        self.message.object = (
            f"<div class='alert alert-info'>Evaluated in {result.seconds:.1f} s: {c.firing} firing, "
            f"{len(c.opened)} new, {len(c.reopened)} back, {len(c.resolved)} resolved.{problems}</div>"
        )
        self._reload()

    def _pin(self, _event: Any) -> None:
        inbox = self._inbox()
        if inbox is None:
            return
        inbox.pin(self._state.actor, self._filters())
        self.message.object = (
            "<div class='alert alert-success'>Pinned: the overview shows these alerts for you.</div>"
        )

    def __panel__(self) -> Any:
        return pn.Column(
            pn.pane.HTML("<h2>Alerts</h2>"),
            self.counts,
            pn.Row(
                self.status, self.severity, self.category, self.team, self.evaluate_button, self.pin_button
            ),
            self.message,
            self.table,
            self.detail,
            self.actions,
            sizing_mode="stretch_width",
            css_classes=["alerts-view"],
        )


def pinned_alerts_html(alerts: list, heading: str, last: dict[str, Any] | None) -> str:
    """The overview's alert line: the alerts (at most 10), or why there is none."""
    if not alerts:
        if last:
            when = f"{pd.Timestamp(last['as_of']):%Y-%m-%d %H:%M} UTC"
            text = f"none (alert rules last evaluated on data as of {when})."
        else:
            text = (
                "not evaluated yet: the alert rules have not run on this data. "
                "Open Alerts and press Evaluate now, or run `refresh`."
            )
        return f"<div class='pinned-alerts-empty'><b>{esc(heading)}</b>: {esc(text)}</div>"
    items = "".join(
        f"<li><b>{esc(a.severity)}</b> <a href='?page=alerts'>{esc(a.title)}</a> <span class='muted'>{esc(a.team or '')}</span></li>"
        for a in alerts
    )
    return f"<div class='pinned-alerts-list'><b>{esc(heading)}</b> ({len(alerts)})<ul>{items}</ul></div>"


class PinnedAlertsView(Viewer):
    """On the overview: the user's pinned alert panel, else the open P1 alerts (what to act on first), of
    the team the app is narrowed to when there is one. Read from the state store in a worker, and only
    while the overview is shown (a team picked elsewhere does not wait for it)."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        # refilled, not re-laid out: the line changes with every team picked on the overview
        self.body = HtmlBox(sizing_mode="stretch_width", css_classes=["pinned-alerts"])
        self._panel = DataPanel(
            state,
            "Alerts",
            self._read,
            self._render,
            watch=("team",),
            active=lambda: state.page == "overview",
            show_title=False,
            css_class="pinned-alerts-panel",
        )

    def _read(self) -> str:
        inbox = self._state.alert_inbox()
        if inbox is None:
            return ""
        pinned = inbox.pinned(self._state.actor)
        filters = dict(pinned or {"status": "open", "severity": "P1"})
        team = self._state.team
        if team:
            filters["team"] = team
        alerts = inbox.list(**{k: filters.get(k) for k in ("status", "severity", "category", "team")})[:10]
        heading = ("Pinned alerts" if pinned else "Open P1 alerts") + (f" of team {team}" if team else "")
        return pinned_alerts_html(alerts, heading, None if alerts else inbox.last_evaluation())

    def _render(self, html: str) -> InPlace:
        return InPlace(self.body, lambda: setattr(self.body, "html", html))

    def __panel__(self) -> Any:
        return self._panel


VIEWS = {"alerts": [AlertsView], "overview": [PinnedAlertsView]}
