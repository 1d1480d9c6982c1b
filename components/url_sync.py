"""Two-way sync of the AppState with the URL query string, with real browser history.

Why not only ``pn.state.location.sync``: Panel's Location pushes a history entry per change, but it does
not listen to the browser's Back/Forward (``popstate``), and it never removes a parameter that became
None (a cleared job would stay in the URL). This small component does both directions:

- Python -> browser: every state change sets ``query``; the browser pushes a history entry when it
  differs from the current URL (so each drill-down step is one entry and the URL is shareable);
- browser -> Python: on Back/Forward the browser sets ``query`` from the URL; Python applies it to the
  state with ``AppState.apply_query`` (missing parameters reset), which computes the same query again,
  so nothing new is pushed.

The initial state comes from the request's query (``pn.state.session_args``) before the first render.
It also reports the browser's time zone (``timezone``; the server reads the ``monitor_tz`` cookie it
leaves, so a returning browser's first render is in its zone already).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

import param
from panel.custom import JSComponent

from monitor_app.state import AppState, valid_zone


class UrlSync(JSComponent):
    """Invisible component keeping ``state`` and ``window.location.search`` in step."""

    query = param.String(default="", doc="The URL query string of the state, with its leading '?' (or '').")
    timezone = param.String(default="", doc="The browser's IANA time zone, as it reports it.")

    _esm = """
    export function render({ model, el }) {
      el.style.display = "none";
      const url = (q) => window.location.pathname + q + window.location.hash;
      // No theme asked for and the browser prefers dark: open the same view in the dark theme.
      const asked = new URLSearchParams(window.location.search).has("theme");
      if (!asked && window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches) {
        const q = new URLSearchParams(window.location.search);
        q.set("theme", "dark");
        window.location.replace(window.location.pathname + "?" + q.toString() + window.location.hash);
        return;
      }
      // Where the browser is: times are shown in its zone. Kept in a cookie so the next visit's first
      // render has it already (this one is shown again once Python has it).
      const zone = (Intl.DateTimeFormat().resolvedOptions().timeZone || "").slice(0, 64);
      if (zone) {
        document.cookie = "monitor_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
        if (model.timezone !== zone) { model.timezone = zone; }
      }
      const push = () => {
        if (window.location.search !== model.query) {
          window.history.pushState({monitor: true}, "", url(model.query));
        }
      };
      // The first value was computed from the request URL: normalise it without a new history entry.
      if (window.location.search !== model.query) {
        window.history.replaceState({monitor: true}, "", url(model.query));
      }
      model.on("query", push);
      const onPop = () => { model.query = window.location.search; };
      window.addEventListener("popstate", onPop);
      model.on("remove", () => window.removeEventListener("popstate", onPop));
    }
    """

    def __init__(self, state: AppState, keep: dict[str, str] | None = None, **params: Any) -> None:
        super().__init__(height=0, width=0, margin=0, **params)
        self._state = state
        # Parameters that are not the state's but stay in the link (the theme), after the state's own.
        self._keep = dict(keep or {})
        self.query = self.encode(self._query())
        state.param.watch(self._from_state, list(AppState.URL_PARAMS))
        self.param.watch(self._from_browser, "query")
        self.timezone = state.timezone
        self.param.watch(self._zone_from_browser, "timezone")

    @staticmethod
    def encode(query: dict[str, str]) -> str:
        return "?" + urlencode(query) if query else ""

    def _query(self) -> dict[str, str]:
        return {**self._state.to_query(), **self._keep}

    def _from_state(self, *events: Any) -> None:
        self.query = self.encode(self._query())

    def _zone_from_browser(self, event: Any) -> None:
        zone = valid_zone(event.new)
        if zone != self._state.timezone:
            self._state.timezone = zone

    def _from_browser(self, event: Any) -> None:
        parsed = {k: v[0] for k, v in parse_qs(event.new.lstrip("?"), keep_blank_values=False).items()}
        self._state.apply_query(parsed)
        normal = self.encode(self._query())
        if normal != event.new:
            self.query = normal
