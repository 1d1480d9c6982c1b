"""Budgets (COST-03) on the Teams page: where each budget stands this month, and the form that sets one.

The status table is :func:`monitor_app.analytics.budget_status.budget_status`, the same computation the
``budget`` alert rule reads, so the table and the alerts never disagree. The form calls
:func:`monitor_app.budgets.set_budget` / ``clear_budget``: every change is a new version with who and when
(shown below the form), and a refused value's reason is shown in place with nothing saved.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.forms import tracked, typed
from components.loading import DataPanel
from components.panes import esc, text_pane
from components.tables import data_table
from components.theme import button_stylesheets
from monitor_app.alerts.config import rule_settings
from monitor_app.analytics.budget_status import budget_status
from monitor_app.budgets import BUDGET_COLUMNS, BudgetError, describe_scope, in_force
from monitor_app.state import AppState
from monitor_app.state_actions import NoSavedState

BUDGET_VIEW_PARAMS = (*AppState.FILTER_PARAMS, "budgets_saved")
STATUS_TITLES = {
    "status": "Status",
    "budget_for": "Budget for",
    "monthly_usd": "Monthly budget",
    "spent_usd": "Spent this month",
    "share": "Share spent",
    "forecast_usd": "Month-end forecast",
    "month": "Month",
    "set_by": "Set by",
    "source": "Source",
}
HISTORY_TITLES = {
    "set_at": "Set at (UTC)",
    "budget_for": "Budget for",
    "monthly_usd": "Monthly budget",
    "is_active": "Active",
    "set_by": "Set by",
    "source": "Source",
}


def _status(
    engine: Any, filters: Any, records: tuple[tuple[Any, ...], ...], share: float, forecast_days: float
) -> pd.DataFrame:
    """Each budget in force with the spend of the month the window ends in; the most urgent first."""
    budgets = in_force(pd.DataFrame(list(records), columns=BUDGET_COLUMNS))
    status = budget_status(
        engine, budgets, filters.now, approaching_share=share, min_forecast_days=forecast_days
    )
    out = pd.concat([status, budgets[["set_by", "source"]]], axis=1)
    rank = out["status"].map({"exceeded": 0, "approaching": 1, "ok": 2})
    return out.assign(_rank=rank).sort_values(["_rank", "share"], ascending=[True, False], kind="stable")[
        list(out.columns)
    ]


def _label(row: Any) -> str:
    name = row.get("job_name")
    if row["scope"] == "job" and isinstance(name, str) and name:
        return f"job {name} ({row['job_id']})"
    return describe_scope(row)


class BudgetsView(Viewer):
    """Budgets in force and this month's spend against them; a form to set or clear one; every version."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self.scope = pn.widgets.RadioButtonGroup(
            label="Budget for",
            options=["Team", "Job"],
            value="Team",
            color="light",
            stylesheets=button_stylesheets(),
        )
        self.team = tracked(
            pn.widgets.AutocompleteInput(
                label="Team",
                options=self._teams(),
                search_strategy="includes",
                # typed text reaches the server even when it names no team, so it is refused with its reason
                restrict=False,
                value=state.team or "",
                placeholder="team name",
                width=220,
            )
        )
        self.workspace = tracked(
            pn.widgets.TextInput(label="Workspace id", value=state.workspace_id or "", width=160)
        )
        self.job = tracked(pn.widgets.TextInput(label="Job id", value=state.job_id or "", width=160))
        self.monthly = pn.widgets.FloatInput(
            label="Monthly budget (USD, list price)", value=None, placeholder="e.g. 5000", width=220
        )
        self.save = pn.widgets.Button(label="Save budget", color="primary", width=140)
        self.clear = pn.widgets.Button(
            label="Clear budget", color="light", width=140, stylesheets=button_stylesheets()
        )
        self.message = pn.pane.Alert(
            "", alert_type="light", visible=False, sizing_mode="stretch_width", css_classes=["budget-message"]
        )
        self.save.on_click(self._on_save)
        self.clear.on_click(self._on_clear)
        self.scope.param.watch(self._on_scope, "value")
        state.param.watch(self._on_selection, ["team", "job_id", "workspace_id"])
        self._on_scope()
        self._status = DataPanel(
            state,
            "Budgets this month",
            self._load_status,
            self._render_status,
            watch=BUDGET_VIEW_PARAMS,
            css_class="budgets-status",
        )
        self._history = DataPanel(
            state,
            "Budget changes",
            budget_records_frame(state),
            self._render_history,
            watch=["budgets_saved"],
        )

    # ------------------------------------------------------------------ data
    def _teams(self) -> list[str]:
        return self._state.budget_teams()

    def _rule(self) -> dict[str, Any]:
        return rule_settings(getattr(self._state.settings, "alert_rules", None))["budget"]

    def _load_status(self) -> pd.DataFrame:
        rule = self._rule()
        return self._state.query(
            _status, self._state.budget_records(), rule["approaching_share"], rule["min_forecast_days"]
        )

    def _render_status(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane(
                "No budget is set. Set one below, or in monitor.yaml (budgets: - {team: T, monthly_usd: N})."
            )
        shown = frame.assign(budget_for=[_label(r) for _, r in frame.iterrows()])
        cols = ["status", "budget_for", "monthly_usd", "spent_usd", "share", "forecast_usd", "month"]
        cols += ["set_by", "source"]
        return data_table(
            shown[cols],
            "budgets",
            titles=STATUS_TITLES,
            css_class="budgets-table",
            money=("monthly_usd", "spent_usd", "forecast_usd"),
            percent=("share",),
            widths={"budget_for": "30%"},
        )

    def _render_history(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No budget has been set.")
        shown = frame.iloc[::-1].assign(budget_for=[_label(r) for _, r in frame.iloc[::-1].iterrows()])
        cols = ["set_at", "budget_for", "monthly_usd", "is_active", "set_by", "source"]
        return data_table(
            shown[cols],
            "budget_changes",
            titles=HISTORY_TITLES,
            css_class="budget-changes-table",
            money=("monthly_usd",),
            widths={"budget_for": "30%"},
        )

    # ------------------------------------------------------------------ form
    def _on_scope(self, *_: Any) -> None:
        team = self.scope.value == "Team"
        self.team.visible = team
        self.workspace.visible = self.job.visible = not team

    def _on_selection(self, *_: Any) -> None:
        self.team.value = self._state.team or ""
        self.job.value = self._state.job_id or ""
        self.workspace.value = self._state.workspace_id or ""

    def _entry(self) -> dict[str, Any]:
        if self.scope.value == "Team":
            return {"team": typed(self.team).strip()}
        entry: dict[str, Any] = {"job_id": typed(self.job).strip()}
        if typed(self.workspace).strip():
            entry["workspace_id"] = typed(self.workspace).strip()
        return entry

    def _say(self, text: str, kind: str) -> None:
        self.message.object = esc(text)
        self.message.alert_type = kind
        self.message.visible = True

    def _on_save(self, *_: Any) -> None:
        entry = {**self._entry(), "monthly_usd": self.monthly.value}
        try:
            saved = self._state.set_budget(entry)
        except NoSavedState as err:
            self._say(str(err), "danger")
            return
        except BudgetError as err:
            self._say(f"Not saved: {err}", "danger")
            return
        self._say(
            f"Saved: {describe_scope(saved)} has a budget of ${saved['monthly_usd']:,.2f} a month. "
            "The budget alert fires at the next evaluation when the month's spend nears it.",
            "success",
        )

    def _on_clear(self, *_: Any) -> None:
        try:
            saved = self._state.clear_budget(self._entry())
        except NoSavedState as err:
            self._say(str(err), "danger")
            return
        except BudgetError as err:
            self._say(f"Not cleared: {err}", "danger")
            return
        self._say(f"Budget of {describe_scope(saved)} cleared.", "success")

    def __panel__(self) -> pn.viewable.Viewable:
        intro = text_pane(
            "A monthly list-price budget per team or job. The budget alert warns at "
            f"{self._rule()['approaching_share']:.0%} of it or when the month-end forecast is over it, "
            "and fires P1 once it is spent. Budgets in monitor.yaml show with source monitor.yaml; one set "
            "here wins over the file's.",
            "budgets-intro",
            tag="p",
        )
        form = pn.Column(
            self.scope,
            pn.Row(self.team, self.workspace, self.job, self.monthly),
            pn.Row(self.save, self.clear),
            self.message,
            css_classes=["budget-form"],
            sizing_mode="stretch_width",
        )
        return pn.Column(intro, self._status, form, self._history, sizing_mode="stretch_width")


def budget_records_frame(state: AppState) -> Any:
    """``load()`` of the version table: every budget version, oldest first."""

    def load() -> pd.DataFrame:
        return pd.DataFrame(list(state.budget_records()), columns=BUDGET_COLUMNS)

    return load


def budgets_page(state: AppState) -> BudgetsView:
    """Teams page: budgets, their spend this month, and the form that sets them."""
    return BudgetsView(state)


FOLDED = {budgets_page: "Budgets: this month's spend against each team's and job's budget"}

VIEWS = {"teams": [budgets_page]}
