"""Settings: team mapping rules (COST-02). Add a rule, see every rule in force, deactivate one.

A refused value (empty team, unknown match kind, empty value, invalid pattern) is shown in place, next to
the form, and nothing is saved. A saved change re-attributes every job at once (it applies to history),
and the cached results of this app are dropped so that every cost view shows the new teams.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.forms import tracked, typed
from components.panes import esc, text_pane
from components.tables import data_table
from monitor_app.state import AppState
from monitor_app.team_rules import MATCH_KINDS, RuleSavedNotApplied, TeamRuleError

MATCH_KIND_LABELS = {
    "Job name starts with": "job_name_prefix",
    "Job name matches (SQL LIKE: % any text, _ one character)": "job_name_pattern",
    "Runs as (user or service principal)": "run_as",
    "Created by (user name)": "creator",
}
assert set(MATCH_KIND_LABELS.values()) == set(MATCH_KINDS)


class TeamRulesView(Viewer):
    """The team mapping rules: a form to add one (refusals shown in place) and the rules in force."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self.name_input = tracked(
            pn.widgets.TextInput(label="Rule name", placeholder="e.g. sales jobs", width=220)
        )
        self.kind_select = pn.widgets.Select(label="Match", options=MATCH_KIND_LABELS, width=360)
        self.value_input = tracked(pn.widgets.TextInput(label="Value", placeholder="e.g. sales-", width=260))
        self.team_input = tracked(pn.widgets.TextInput(label="Team", placeholder="e.g. sales", width=200))
        self.priority_input = pn.widgets.IntInput(
            label="Priority (lower first)", value=100, start=0, width=160
        )
        self.add_button = pn.widgets.Button(label="Add rule", color="primary", css_classes=["add-team-rule"])
        self.add_button.on_click(self._add)
        self.message = pn.pane.HTML("", css_classes=["team-rule-message"], sizing_mode="stretch_width")
        self.rules = pn.Column(sizing_mode="stretch_width", css_classes=["team-rules-list"])
        self.deactivate_select = pn.widgets.Select(label="Deactivate a rule", options={}, width=320)
        self.deactivate_button = pn.widgets.Button(label="Deactivate", color="warning")
        self.deactivate_button.on_click(self._deactivate)
        self._reload()

    # ------------------------------------------------------------------ helpers
    def _ready(self) -> str | None:
        state = self._state
        if not state.can_save or state.settings is None:
            return "Team rules need the app's state store and data engine, which this session does not have."
        return None

    def _who(self) -> str:
        identity = self._state.identity
        if identity is None:
            return ""
        return identity.email or identity.display_name or ""

    def _say(self, text: str, kind: str) -> None:
        self.message.object = f'<div class="alert alert-{esc(kind)} team-rule-{esc(kind)}">{esc(text)}</div>'

    def _changed(self) -> None:
        self._reload()

    def _reload(self) -> None:
        problem = self._ready()
        if problem:
            self.rules.objects = [text_pane(problem, "empty")]
            return
        try:
            frame = self._state.team_rules(include_inactive=True)
        except Exception as err:  # shown in place; the form stays usable
            self.rules.objects = [text_pane(f"The rules could not be read: {err}", "panel-error")]
            return
        active = frame[frame["is_active"].astype(bool)]
        self.deactivate_select.options = {
            f"{r} ({t})": r for r, t in zip(active["rule_name"], active["team"], strict=True)
        }
        if frame.empty:
            self.rules.objects = [
                text_pane("No mapping rule yet: jobs are attributed by tags only.", "empty")
            ]
            return
        shown = frame.copy()
        shown["set_at"] = pd.to_datetime(shown["set_at"]).dt.strftime("%Y-%m-%d %H:%M").astype(object)
        self.rules.objects = [
            data_table(
                shown,
                "team_rules",
                titles={"set_at": "Set at (UTC)", "is_active": "Active"},
                css_class="team-rules-table",
            )
        ]

    # ------------------------------------------------------------------ actions
    def _add(self, *_events: Any) -> None:
        problem = self._ready()
        if problem:
            self._say(problem, "danger")
            return
        state = self._state
        try:
            attributed = state.add_team_rule(
                name=typed(self.name_input),
                match_kind=self.kind_select.value,
                match_value=typed(self.value_input),
                team=typed(self.team_input),
                priority=self.priority_input.value,
                set_by=self._who(),
            )
        except TeamRuleError as err:
            self._say(f"Not saved: {err}.", "danger")
            return
        except RuleSavedNotApplied as err:
            self._say(f"Rule {err}.", "warning")
            self._changed()
            return
        except Exception as err:  # e.g. the state store is read-only
            self._say(f"Not saved: {type(err).__name__}: {err}", "danger")
            return
        self._say(f"Saved. {attributed} jobs are now attributed to a team (history included).", "success")
        self.value_input.value = ""
        self._changed()

    def _deactivate(self, *_events: Any) -> None:
        problem = self._ready()
        name = self.deactivate_select.value
        if problem or not name:
            self._say(problem or "Pick a rule to deactivate.", "danger")
            return
        state = self._state
        try:
            attributed = state.deactivate_team_rule(name, set_by=self._who())
        except TeamRuleError as err:
            self._say(f"Not changed: {err}.", "danger")
            return
        except RuleSavedNotApplied as err:
            self._say(f"Deactivation {err}.", "warning")
            self._changed()
            return
        except Exception as err:
            self._say(f"Not changed: {type(err).__name__}: {err}", "danger")
            return
        self._say(f"Rule deactivated. {attributed} jobs are attributed to a team.", "success")
        self._changed()

    def __panel__(self) -> pn.viewable.Viewable:
        keys = ", ".join(getattr(self._state.settings, "team_tag_keys", None) or ["team"])
        intro = text_pane(
            f"Jobs get a team from their tags ({keys}, in that order), then from billing tags, then from these "
            "rules in priority order, else 'unattributed'. A change applies to all history.",
            "team-rules-intro",
            tag="p",
        )
        form = pn.Column(
            pn.Row(self.name_input, self.kind_select),
            pn.Row(self.value_input, self.team_input, self.priority_input),
            pn.Row(self.add_button),
            self.message,
            css_classes=["team-rule-form"],
        )
        deactivate = pn.Row(self.deactivate_select, self.deactivate_button)
        return pn.Column(
            pn.pane.HTML("<h2>Team mapping rules</h2>"),
            intro,
            form,
            self.rules,
            deactivate,
            sizing_mode="stretch_width",
        )


def team_rules_settings(state: AppState) -> TeamRulesView:
    """Settings page: add, list and deactivate team mapping rules."""
    return TeamRulesView(state)


VIEWS = {"settings": [team_rules_settings]}
