"""The chips above every page: what narrows the views (a team, a workspace, a job, a date range), each
removable with a click, and "Clear all".

A chart selection, a drill-down click, the sidebar and a link all set the same ``AppState`` parameters;
the chips only read them (and clear one when clicked). Their buttons are built once and updated in place
(label and visibility): a filter change sends two property changes, not new models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn
from panel.viewable import Viewer

from monitor_app.state import AppState

CHIPS_CSS = """
:host { font-size: 0.9em; }
.bk-btn { border-radius: 14px; padding: 1px 10px; }
"""


def chip_labels(state: AppState) -> dict[str, str | None]:
    """The label of each chip shown now ({chip: label or None when not shown}); plain text (Bokeh draws
    a button's label as text, so a team called ``<b>`` shows as typed)."""
    dates = None
    if state.start_date is not None and state.end_date is not None:
        dates = (
            f"Days: {state.start_date}"
            if state.start_date == state.end_date
            else f"Days: {state.start_date} to {state.end_date}"
        )
        dates += " (UTC) ✕"
    return {
        "team": f"Team: {state.team} ✕" if state.team else None,
        "workspace": f"Workspace: {state.workspace_id} ✕" if state.workspace_id else None,
        "job": f"Job: {state.job_id} ✕" if state.job_id else None,
        "dates": dates,
    }


# What clicking a chip clears.
CLEARS: dict[str, dict[str, Any]] = {
    "team": {"team": None},
    "workspace": {"workspace_id": None},
    "job": {"job_id": None, "run_id": None},
    "dates": {"start_date": None, "end_date": None},
}


class FilterChips(Viewer):
    """One removable chip per filter set, and "Clear all" when there are two or more."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._chips = {name: self._button(name, self._clear(CLEARS[name])) for name in CLEARS}
        everything = {k: v for clears in CLEARS.values() for k, v in clears.items()}
        self._all = self._button("all", self._clear(everything))
        self._all.label = "Clear all"
        self._none = pn.pane.HTML(
            '<span class="no-filter">All teams, all workspaces, all jobs.</span>',
            css_classes=["chips-none"],
            margin=(6, 8),
        )
        self._row = pn.Row(
            self._none,
            *self._chips.values(),
            self._all,
            css_classes=["filter-chips"],
            sizing_mode="stretch_width",
            margin=(0, 0, 4, 0),
            height=36,
        )
        state.param.watch(self._update, ["team", "workspace_id", "job_id", "start_date", "end_date"])
        self._update()

    def _button(self, name: str, on_click: Callable[[Any], None]) -> pn.widgets.Button:
        button = pn.widgets.Button(
            label="",
            color="primary" if name != "all" else "light",
            variant="outline" if name != "all" else "solid",
            visible=False,
            css_classes=[f"chip-{name}", "filter-chip"],
            stylesheets=[CHIPS_CSS],
            margin=(2, 4),
        )
        button.on_click(on_click)
        return button

    def _clear(self, changes: dict[str, Any]) -> Callable[[Any], None]:
        return lambda _event: self._state.param.update(**changes)

    def _update(self, *events: Any) -> None:
        labels = chip_labels(self._state)
        for name, label in labels.items():
            button = self._chips[name]
            if label:
                button.label = label
            button.visible = bool(label)
        shown = sum(bool(label) for label in labels.values())
        self._all.visible = shown >= 2
        self._none.visible = shown == 0

    def __panel__(self) -> pn.viewable.Viewable:
        return self._row
