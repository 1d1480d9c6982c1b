"""A chart the user can select on: markup from ``trend_svg`` (or the team legend), a tooltip with the exact
numbers, a drag across days that picks a range of days, a click on a team's bar or legend entry that
picks the team.

The browser reports a pick as a message (``{"days": [first, last]}`` or ``{"team": position}``); Python
hands it to ``on_days`` / ``on_team``, which set the app state. The markup is replaced in place when the
data changes (one property change: no new model, nothing else on the page laid out again).

Tooltips are set with ``textContent`` from ``data-tip``: a team called ``<img onerror=...>`` shows as
typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import param
from panel.custom import JSComponent

from components.theme import var


class SelectableChart(JSComponent):
    """Markup with ``data-day`` / ``data-team`` / ``data-tip`` elements, made selectable."""

    markup = param.String(default="", doc="SVG or HTML built by our code from numbers and escaped names.")

    _stylesheets = [
        """
        :host { display: block; position: relative; }
        .chart-box { position: relative; user-select: none; touch-action: none; cursor: crosshair; }
        .chart-box [data-team] { cursor: pointer; }
        .chart-tip { position: absolute; z-index: 10; pointer-events: none; background: rgba(33,33,33,0.92);
          color: #fff; font-size: 12px; padding: 3px 6px; border-radius: 3px; white-space: nowrap; }
        .chart-band { position: absolute; top: 0; bottom: 0; background: rgba(21,101,192,0.15);
          border: 1px solid rgba(21,101,192,0.6); pointer-events: none; }
        svg.trend { display: block; overflow: visible; }
        svg.trend .grid { stroke: VAR_GRID; stroke-width: 0.6; }
        svg.trend .tick { font-size: 10px; fill: VAR_MUTED; }
        svg.trend .tick.failed-tick { fill: #c62828; }
        svg.trend .day-hit { fill: transparent; }
        svg.trend .day-hit:hover { fill: rgba(120,144,156,0.12); }
        svg.trend .bar:hover, svg.trend .point:hover { opacity: 0.75; }
        """.replace("VAR_GRID", var("row-border")).replace("VAR_MUTED", var("muted"))
    ]

    _esm = """
    export function render({ model, el }) {
      const box = document.createElement("div");
      box.className = "chart-box";
      const tip = document.createElement("div");
      tip.className = "chart-tip";
      tip.style.display = "none";
      const band = document.createElement("div");
      band.className = "chart-band";
      band.style.display = "none";
      el.append(box, band, tip);
      const draw = () => { box.innerHTML = model.markup; };
      draw();
      model.on("markup", draw);

      const left = () => el.getBoundingClientRect().left;
      const dayAt = (x) => {
        const hits = Array.from(box.querySelectorAll(".day-hit"));
        if (!hits.length) { return null; }
        for (const hit of hits) {
          const r = hit.getBoundingClientRect();
          if (x >= r.left && x <= r.right) { return hit.dataset.day; }
        }
        const first = hits[0].getBoundingClientRect();
        return x < first.left ? hits[0].dataset.day : hits[hits.length - 1].dataset.day;
      };
      let start = null;
      box.addEventListener("pointermove", (e) => {
        if (start) {
          const a = Math.min(start.x, e.clientX) - left(), b = Math.max(start.x, e.clientX) - left();
          band.style.left = a + "px";
          band.style.width = (b - a) + "px";
          band.style.display = Math.abs(e.clientX - start.x) > 4 ? "block" : "none";
        }
        const target = e.target.closest("[data-tip]");
        if (!target || start) { tip.style.display = "none"; return; }
        tip.textContent = target.dataset.tip;
        tip.style.display = "block";
        const r = el.getBoundingClientRect();
        const x = e.clientX - r.left, y = e.clientY - r.top;
        tip.style.left = Math.min(x + 12, Math.max(0, r.width - tip.offsetWidth)) + "px";
        tip.style.top = Math.max(0, y - 30) + "px";
      });
      box.addEventListener("pointerleave", () => { tip.style.display = "none"; });
      box.addEventListener("pointerdown", (e) => {
        if (e.button !== 0) { return; }
        const target = e.target.closest("[data-day], [data-team]");
        start = { x: e.clientX, day: target ? target.dataset.day : dayAt(e.clientX),
                  team: target && target.dataset.team !== undefined ? target.dataset.team : null };
        tip.style.display = "none";
        e.preventDefault();
      });
      const finish = (e) => {
        if (!start) { return; }
        const moved = Math.abs(e.clientX - start.x) > 4;
        if (moved) {
          const end = dayAt(e.clientX);
          if (start.day && end) { model.send_msg({ days: [start.day, end] }); }
        } else if (start.team !== null) {
          model.send_msg({ team: Number(start.team) });
        }
        start = null;
        band.style.display = "none";
      };
      document.addEventListener("pointerup", finish);
      model.on("remove", () => document.removeEventListener("pointerup", finish));
    }
    """

    def __init__(
        self,
        on_days: Callable[[date, date], None] | None = None,
        on_team: Callable[[int], None] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(**params)
        self._on_days, self._on_team = on_days, on_team

    def _handle_msg(self, msg: Any) -> None:
        """A pick from the browser: validated here (the message is the browser's, so untrusted)."""
        if not isinstance(msg, dict):
            return
        days = msg.get("days")
        if self._on_days is not None and isinstance(days, list) and len(days) == 2:
            try:
                first, last = sorted(date.fromisoformat(str(d)) for d in days)
            except ValueError:
                return
            self._on_days(first, last)
        team = msg.get("team")
        if self._on_team is not None and isinstance(team, int) and not isinstance(team, bool):
            self._on_team(team)
