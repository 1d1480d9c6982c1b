"""The chips above every page: what narrows the views (a team, a workspace, a job, a date range), each
removable with a click, and "Clear all".

A chart selection, a drill-down click, the sidebar and a link all set the same ``AppState`` parameters;
the chips only read them (and clear one when clicked). One small component of fixed height draws them in
the browser (labels set as text: a team called ``<b>`` shows as typed); a change of filter refills it and
moves nothing else on the page (Panel buttons shown and hidden made Bokeh lay the whole page out again:
about 100 ms of every drill-down click, docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

import param
from panel.custom import JSComponent

from components.loading import loads_together
from components.theme import var
from monitor_app.state import AppState

CHIPS_HEIGHT = 36
NO_FILTER = "All teams, all workspaces, all jobs."


def chip_labels(state: AppState) -> dict[str, str | None]:
    """The label of each chip shown now ({chip: label or None when not shown}); plain text."""
    dates = None
    if state.start_date is not None and state.end_date is not None:
        if state.start_date == state.end_date:
            dates = f"Days: {state.start_date} (UTC) ✕"
        else:
            dates = f"Days: {state.start_date} to {state.end_date} (UTC) ✕"
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
CLEARS["all"] = {k: v for clears in CLEARS.values() for k, v in clears.items()}


def chip_list(state: AppState) -> list[list[str]]:
    """The chips to draw, in order, as ``[key, label]``; "Clear all" after two or more."""
    chips = [[key, label] for key, label in chip_labels(state).items() if label]
    return chips + ([["all", "Clear all"]] if len(chips) >= 2 else [])


class FilterChips(JSComponent):
    """One removable chip per filter set, "Clear all" when there are two or more, else a plain line."""

    chips = param.List(default=[], doc="[[key, label], ...] as chip_list gives them.")

    _stylesheets = [
        f"""
        :host {{ display: block; font-size: 0.9em; }}
        .chips {{ display: flex; flex-wrap: nowrap; gap: 6px; align-items: center; height: 100%;
          overflow: hidden; padding: 0 2px; }}
        .chips button {{ border: 1px solid #0d6efd; color: #0d6efd; background: transparent;
          border-radius: 14px; padding: 2px 10px; cursor: pointer; white-space: nowrap; font: inherit; }}
        .chips button:hover, .chips button:focus-visible {{ background: #0d6efd; color: #fff; }}
        .chips button.chip-all {{ border-color: {var("border")}; color: {var("text")}; }}
        .chips .chips-none {{ color: {var("muted")}; padding-left: 6px; }}
        """
    ]

    _esm = """
    export function render({ model, el }) {
      const box = document.createElement("div");
      box.className = "chips";
      el.append(box);
      const draw = () => {
        box.replaceChildren();
        if (!model.chips.length) {
          const none = document.createElement("span");
          none.className = "chips-none";
          none.textContent = model.none_text;
          box.append(none);
          return;
        }
        for (const [key, label] of model.chips) {
          const chip = document.createElement("button");
          chip.type = "button";
          chip.className = "filter-chip chip-" + key;
          chip.textContent = label;
          chip.addEventListener("click", () => model.send_msg({ clear: key }));
          box.append(chip);
        }
      };
      draw();
      model.on("chips", draw);
    }
    """

    none_text = param.String(default=NO_FILTER, doc="What the row says when nothing narrows the views.")

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(height=CHIPS_HEIGHT, sizing_mode="stretch_width", margin=(0, 0, 4, 0), **params)
        self._state = state
        state.param.watch(self._update, ["team", "workspace_id", "job_id", "start_date", "end_date"])
        self._update()

    def _update(self, *events: Any) -> None:
        chips = chip_list(self._state)
        if chips != self.chips:
            self.chips = chips

    def _handle_msg(self, msg: Any) -> None:
        """A chip clicked in the browser (its key checked: the message is the browser's)."""
        key = msg.get("clear") if isinstance(msg, dict) else None
        if isinstance(key, str) and key in CLEARS:
            with loads_together():
                self._state.param.update(**CLEARS[key])
