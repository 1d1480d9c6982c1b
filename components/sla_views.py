"""SLA views (SLA-01, SLA-02): breach history, per-job ranking, and the form that sets a job's target.

Thin views on the session's ``AppState``: the breach data comes through ``state.query`` (the targets are
passed as a hashable tuple of records, so a changed target is a new cache key), the form calls
:func:`monitor_app.sla_targets.set_sla_target` and shows a refused value's message in place.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.forms import tracked, typed
from components.light_table import DURATION
from components.loading import DataPanel
from components.panes import esc, text_pane
from components.tables import data_table
from components.theme import button_stylesheets
from monitor_app.analytics import sla, sla_summary
from monitor_app.sla_targets import SlaTargetError, targets_frame
from monitor_app.state import AppState
from monitor_app.state_actions import NoSavedState


def _breaches(engine: Any, filters: Any, records: tuple[tuple[Any, ...], ...]) -> pd.DataFrame:
    return sla.sla_breaches(engine, filters, targets_frame(records))


def _summary(engine: Any, filters: Any, records: tuple[tuple[Any, ...], ...]) -> pd.DataFrame:
    return sla_summary.sla_summary(engine, filters, targets_frame(records))


# Shown in the CSV, not on screen: the table fits a 1920 px page with the breach, its run and its cause.
BREACH_DETAIL = (
    "causes",
    "max_duration_seconds",
    "baseline_p50_seconds",
    "baseline_p90_seconds",
    "target_set_by",
    "workspace_id",
)


class SlaBreachesView(Viewer):
    """SLA breach history of the window: one row per breached run, with its causes and the target."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state, "SLA breaches", self._load, self._render, watch=AppState.SLA_VIEW_PARAMS
        )

    def _load(self) -> pd.DataFrame:
        return self._state.query(_breaches, self._state.sla_target_records())

    def _render(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No SLA breach in this window (or no job has an SLA target).")
        cols = [
            "primary_cause",
            "causes",
            "job_name",
            "team",
            "run_id",
            "start_time",
            "end_time",
            "deadline_local",
        ]
        cols += ["late_by_seconds", "duration_seconds", "max_duration_seconds", "baseline_p50_seconds"]
        cols += ["baseline_p90_seconds", "target_set_by", "workspace_id", "job_id"]
        secs = ("late_by_seconds", "duration_seconds", "max_duration_seconds", "baseline_p50_seconds")
        # a run that failed before its deadline was not late: its signed lateness (end minus deadline,
        # kept as it is in the metric for the CLI) would read "late by -3,600 s"
        shown = frame[cols].assign(
            late_by_seconds=frame["late_by_seconds"].where(frame["late_by_seconds"] > 0)
        )
        return data_table(
            shown,
            "sla_breaches",
            numbers={c: DURATION for c in (*secs, "baseline_p90_seconds")},
            # the target and the baseline behind a breach are in the CSV and on the job's page
            hidden=BREACH_DETAIL,
            on_click=lambda _i, row: self._state.select_run(
                str(row["workspace_id"]), str(row["run_id"]), str(row["job_id"])
            ),
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class SlaSummaryView(Viewer):
    """Jobs ranked by SLA trouble: breach count and rate, trend, recency and cost (the score)."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state, "SLA ranking", self._load, self._render, watch=AppState.SLA_VIEW_PARAMS
        )

    def _load(self) -> pd.DataFrame:
        return self._state.query(_summary, self._state.sla_target_records())

    def _render(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No job with an SLA target ran in this window.")
        cols = ["rank", "job_name", "team", "breaches", "checked_runs", "breach_rate", "previous_breach_rate"]
        cols += ["trend", "failed_breaches", "started_late_breaches", "ran_long_breaches", "last_breach_time"]
        cols += ["cost_usd", "score", "workspace_id", "job_id"]
        return data_table(
            frame[cols],
            "sla_ranking",
            money=("cost_usd",),
            percent=("breach_rate", "previous_breach_rate"),
            hidden=("workspace_id",),
            on_click=lambda _i, row: self._state.select_job(str(row["workspace_id"]), str(row["job_id"])),
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class SlaTargetFormView(Viewer):
    """Set or clear the selected job's SLA target; a refused value's reason is shown in place."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self.workspace = tracked(
            pn.widgets.TextInput(label="Workspace id", value=state.workspace_id or "", width=160)
        )
        self.job = tracked(pn.widgets.TextInput(label="Job id", value=state.job_id or "", width=160))
        self.deadline = tracked(
            pn.widgets.TextInput(label="Deadline (HH:MM, 24 h)", placeholder="06:30", width=160)
        )
        self.timezone = tracked(
            pn.widgets.AutocompleteInput(
                label="Time zone (IANA)",
                options=sorted(available_timezones()),
                search_strategy="includes",
                # Typed text reaches the server even when it is no known zone, so it is refused with its
                # reason: restricted, the widget would drop it and the job's schedule zone would be saved.
                restrict=False,
                placeholder="job's schedule zone",
                width=220,
            )
        )
        self.max_minutes = pn.widgets.FloatInput(label="Max duration (min)", value=None, start=0, width=160)
        self.save = pn.widgets.Button(label="Save target", color="primary", width=140)
        self.clear = pn.widgets.Button(
            label="Clear target", color="light", width=140, stylesheets=button_stylesheets()
        )
        self.message = pn.pane.Alert("", alert_type="light", visible=False, sizing_mode="stretch_width")
        self.current = pn.pane.HTML("", sizing_mode="stretch_width")
        self.save.on_click(self._on_save)
        self.clear.on_click(self._on_clear)
        state.param.watch(self._on_selection, ["job_id", "workspace_id"])
        self._show_current()

    def _on_selection(self, *events: Any) -> None:
        self.job.value = self._state.job_id or ""
        self.workspace.value = self._state.workspace_id or ""
        self._show_current()

    def _say(self, text: str, kind: str) -> None:
        self.message.object = esc(text)
        self.message.alert_type = kind
        self.message.visible = True

    def _show_current(self) -> None:
        targets = self._state.sla_targets()
        if targets is None or not self.job.value:
            self.current.object = ""
            return
        mine = targets[targets["job_id"] == self.job.value.strip()]
        if mine.empty:
            self.current.object = "<div>No SLA target for this job.</div>"
            return
        row = mine.iloc[-1]
        parts = []
        if isinstance(row["deadline_local_time"], str):
            parts.append(f"done by {row['deadline_local_time']} {row['timezone_id']}")
        if not pd.isna(row["max_duration_seconds"]):
            parts.append(f"at most {int(row['max_duration_seconds']) / 60:g} min")
        when = "" if pd.isna(row["set_at"]) else f" on {row['set_at']:%Y-%m-%d %H:%M} UTC"
        self.current.object = (
            f"<div>Current target: {esc(', '.join(parts))} (set by {esc(row['set_by'])}{esc(when)})</div>"
        )

    def _on_save(self, *_: Any) -> None:
        try:
            target = self._state.set_sla_target(
                typed(self.workspace).strip() or None,
                typed(self.job).strip(),
                typed(self.deadline) or None,
                typed(self.timezone) or None,
                self.max_minutes.value,
            )
        except NoSavedState as err:
            self._say(str(err), "danger")
            return
        except SlaTargetError as err:
            self._say(f"Not saved: {err}", "danger")
            return
        self._say(f"Saved for job {target.job_id}: {target.describe()}.", "success")
        self._show_current()

    def _on_clear(self, *_: Any) -> None:
        try:
            self._state.clear_sla_target(
                typed(self.workspace).strip() or (self._state.workspace_id or ""), typed(self.job).strip()
            )
        except NoSavedState as err:
            self._say(str(err), "danger")
            return
        except SlaTargetError as err:
            self._say(f"Not cleared: {err}", "danger")
            return
        self._say(f"SLA target of job {typed(self.job).strip()} cleared.", "success")
        self._show_current()

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            text_pane("SLA target", "panel-title", tag="h3"),
            self.current,
            pn.Row(self.workspace, self.job),
            pn.Row(self.deadline, self.timezone, self.max_minutes),
            pn.Row(self.save, self.clear),
            self.message,
            sizing_mode="stretch_width",
            css_classes=["sla-target-form"],
        )


def sla_page(state: AppState) -> pn.viewable.Viewable:
    """The SLA views together: the ranking, the breach history and the target form."""
    return pn.Column(
        SlaSummaryView(state), SlaBreachesView(state), SlaTargetFormView(state), sizing_mode="stretch_width"
    )


# Below the fold of their page: built and loaded when opened.
FOLDED = {
    SlaSummaryView: "SLA ranking: jobs by SLA trouble",
    SlaBreachesView: "SLA breaches",
    SlaTargetFormView: "SLA target of the job",
}

VIEWS = {"jobs": [SlaSummaryView, SlaBreachesView], "runs": [SlaTargetFormView]}
