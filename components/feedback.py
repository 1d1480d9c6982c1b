"""The one way panels get their data: in a worker with a timeout, errors shown in place, loading shown.

``compute_panel(load, render)`` is the helper every panel goes through: it runs ``load()`` in a worker
thread with a timeout, renders the result, and turns any failure (``QueryError``, ``JobsApiError``, a
timeout, a bug) into an error alert *in that panel only*, with the reason. ``DataPanel`` wraps it as a
Viewer that recomputes when the state parameters it depends on change, shows a loading spinner while it
works, and skips work while its page is not shown (it catches up when the page is shown again).

Also here: escaping helpers (workspace text is untrusted), tables with plain-text cells and a CSV
download, and the "coming soon" placeholder used by view slots.
"""

from __future__ import annotations

import concurrent.futures
import heapq
import html
import io
import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from monitor_app.state import AppState

log = logging.getLogger(__name__)

# A panel gives up waiting after this long and says so; the query itself is interrupted by the engine's
# own timeout (data.engines.DEFAULT_TIMEOUT_S). Nothing on screen waits forever.
PANEL_TIMEOUT_S = 45.0
# Worker threads for panel loads, shared by all sessions (queries mostly wait on the engine); refreshes
# run in their own pool and wait on loads with a timeout, so a stuck load never blocks a refresh slot.
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="panel-load")
_REFRESH_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="panel-refresh")
# Loads of one session running at once (as many as the refresh pool has threads).
SESSION_LOADS = 8
# Priorities of DataPanel loads in a session: the drill-down's own view first, the rest after it.
PRIMARY, SECONDARY = 0, 1


class _SessionLoads:
    """The load queue of one session: primary loads start at once; secondary ones wait while a primary
    one is queued or running (on a small machine, a page's panels all starting together make the one the
    user just asked for slow). At most SESSION_LOADS run; queued loads start by (priority, order)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[tuple[int, int, Callable[[], None]]] = []
        self._order = 0
        self._running = 0
        self._primary = 0  # primary loads queued or running

    def submit(self, priority: int, work: Callable[[], None]) -> None:
        with self._lock:
            self._order += 1
            heapq.heappush(self._queue, (priority, self._order, work))
            if priority == PRIMARY:
                self._primary += 1
        self._start()

    def _start(self) -> None:
        while True:
            with self._lock:
                if self._running >= SESSION_LOADS or not self._queue:
                    return
                priority = self._queue[0][0]
                if priority != PRIMARY and self._primary:
                    return
                _, _, work = heapq.heappop(self._queue)
                self._running += 1
            _REFRESH_POOL.submit(self._run, priority, work)

    def _run(self, priority: int, work: Callable[[], None]) -> None:
        try:
            work()
        finally:
            with self._lock:
                self._running -= 1
                if priority == PRIMARY:
                    self._primary -= 1
            self._start()


_SESSION_LOADS: weakref.WeakKeyDictionary[Any, _SessionLoads] = weakref.WeakKeyDictionary()
_SESSION_LOADS_LOCK = threading.Lock()


def _session_loads(doc: Any) -> _SessionLoads:
    with _SESSION_LOADS_LOCK:
        loads = _SESSION_LOADS.get(doc)
        if loads is None:
            loads = _SESSION_LOADS[doc] = _SessionLoads()
        return loads


class PanelTimeout(TimeoutError):
    """A panel's data did not arrive within PANEL_TIMEOUT_S."""


# Inline styles: panes render in shadow DOM, where the template's stylesheets do not reach.
_ERROR_STYLE = "background:#f8d7da;color:#842029;border:1px solid #f5c2c7;border-radius:4px;padding:8px 12px"
_SOON_STYLE = "background:#f8f9fa;color:#555;border:1px dashed #ccc;border-radius:4px;padding:8px 12px"
# Stylesheet of the HTML panes of the shell (applied per pane, inside its shadow root).
PANE_CSS = """
table th { text-align: left; padding: 2px 12px 2px 0; font-weight: 600; vertical-align: top; }
table td { padding: 2px 0; }
.kpi { font-size: 1.6em; font-weight: 600; }
.kpi-label { color: #666; font-size: 0.85em; }
.scope { color: #555; font-size: 0.9em; }
.identity { font-weight: 600; }
"""


# ----------------------------------------------------------------------------- text
def esc(value: Any) -> str:
    """HTML-escaped text of any value (None -> empty): for every workspace name shown in HTML."""
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def text_pane(text: str, css_class: str | None = None, tag: str = "div", **kwargs: Any) -> pn.pane.HTML:
    """Plain text in an HTML pane (escaped; never interpreted as HTML or Markdown)."""
    classes = f' class="{esc(css_class)}"' if css_class else ""
    kwargs.setdefault("stylesheets", [PANE_CSS])
    return pn.pane.HTML(f"<{tag}{classes}>{esc(text)}</{tag}>", **kwargs)


def error_alert(title: str, err: BaseException) -> pn.pane.HTML:
    """The in-place error of a panel: what failed and why (the message never holds a secret)."""
    reason = str(err) or type(err).__name__
    if isinstance(err, concurrent.futures.TimeoutError | TimeoutError) and not str(err):
        reason = f"no answer within {PANEL_TIMEOUT_S:.0f} s"
    body = (
        f'<div class="panel-error-text" role="alert" style="{_ERROR_STYLE}"><b>{esc(title)} could not be loaded.</b> '
        f"{esc(type(err).__name__)}: {esc(reason)}</div>"
    )
    return pn.pane.HTML(body, css_classes=["panel-error"], sizing_mode="stretch_width")


def coming_soon(title: str, detail: str = "") -> pn.pane.HTML:
    """Placeholder of a view slot whose module is not there yet."""
    body = f'<div class="slot-coming-soon-text" style="{_SOON_STYLE}"><b>{esc(title)}</b>: coming soon. {esc(detail)}</div>'
    return pn.pane.HTML(body, css_classes=["slot-coming-soon"], sizing_mode="stretch_width")


# ----------------------------------------------------------------------------- computing
def run_with_timeout(fn: Callable[[], Any], timeout_s: float = PANEL_TIMEOUT_S) -> Any:
    """``fn()`` in a worker thread; raises ``PanelTimeout`` when it takes longer than ``timeout_s``."""
    if threading.current_thread().name.startswith("panel-load"):
        return fn()  # already in a worker: avoid waiting on ourselves
    future = _POOL.submit(fn)
    try:
        return future.result(timeout=timeout_s)
    except concurrent.futures.TimeoutError as err:
        future.cancel()
        raise PanelTimeout(f"no answer within {timeout_s:.0f} s") from err


def compute_panel(
    title: str,
    load: Callable[[], Any],
    render: Callable[[Any], Any],
    timeout_s: float = PANEL_TIMEOUT_S,
) -> Any:
    """Load (with a timeout) and render one panel; any failure becomes that panel's error alert."""
    try:
        data = run_with_timeout(load, timeout_s)
        return render(data)
    except Exception as err:  # every failure stays inside its panel
        log.warning("panel %r failed: %s: %s", title, type(err).__name__, err)
        return error_alert(title, err)


class DataPanel(Viewer):
    """A panel whose content is ``render(load())``, recomputed when ``watch`` parameters of the state change.

    In a served session the work runs in a worker thread (panels of a page load in parallel, the page
    stays responsive, a spinner shows meanwhile) and only the newest request's result is shown. Outside
    a server (tests, warm-up, reports) ``refresh()`` computes synchronously.

    Parameters
    ----------
    state
        The session's AppState.
    title
        Shown above the content (plain text) and in error messages.
    load
        ``load() -> data``; usually ``lambda: state.query(analytics_fn, ...)``.
    render
        ``render(data) -> viewable``; no queries here.
    watch
        State parameters whose change means new data.
    active
        ``active() -> bool``: whether the panel is on screen; while False, changes only mark it stale.
        Default: the panel is active while the page it was built for is shown (see ``building_page``).
    priority
        ``PRIMARY`` (the view a drill-down click asks for) or ``SECONDARY`` (default): in a served session
        secondary loads start once the session has no primary load queued or running.
    """

    def __init__(
        self,
        state: AppState,
        title: str,
        load: Callable[[], Any],
        render: Callable[[Any], Any],
        watch: Iterable[str] = AppState.FILTER_PARAMS,
        active: Callable[[], bool] | None = None,
        css_class: str | None = None,
        show_title: bool = True,
        timeout_s: float = PANEL_TIMEOUT_S,
        priority: int = SECONDARY,
    ) -> None:
        super().__init__()
        self._priority = priority
        self._state, self._title, self._load, self._render = state, title, load, render
        if active is None:
            page = _BUILDING.page
            active = (lambda: state.page == page) if page else (lambda: True)
        self._active = active
        self._timeout_s = timeout_s
        self._stale = True
        self._generation = 0
        self._lock = threading.Lock()
        classes = ["data-panel"] + ([css_class] if css_class else [])
        self._body = pn.Column(sizing_mode="stretch_width", min_height=60, css_classes=["data-panel-body"])
        header = [text_pane(title, "panel-title", tag="h3")] if show_title else []
        self._layout = pn.Column(*header, self._body, sizing_mode="stretch_width", css_classes=classes)
        watch = list(watch)
        if watch:
            state.param.watch(self._on_change, watch)
        state.param.watch(self._on_visibility, ["page", "run_id"])
        if self._active():
            if _in_session():
                self._body.loading = True
                pn.state.onload(self.refresh)
            else:
                self.refresh()

    def _on_change(self, *events: Any) -> None:
        self._stale = True
        if self._active():
            self.refresh()

    def _on_visibility(self, *events: Any) -> None:
        if self._stale and self._active():
            self.refresh()

    def refresh(self) -> None:
        """Recompute (in a worker when served; a spinner shows until the newest result is in)."""
        with self._lock:
            self._stale = False
            self._generation += 1
            generation = self._generation
        doc = pn.state.curdoc if _in_session() else None
        if doc is None:
            self._apply(generation, compute_panel(self._title, self._load, self._render, self._timeout_s))
            return
        self._body.loading = True

        def work() -> None:
            if generation != self._generation:
                return  # superseded while queued: the newer refresh does the work
            content = compute_panel(self._title, self._load, self._render, self._timeout_s)
            try:
                doc.add_next_tick_callback(lambda: self._apply(generation, content))
            except Exception:  # the session is gone
                pass

        _session_loads(doc).submit(self._priority, work)

    def _apply(self, generation: int, content: Any) -> None:
        if generation != self._generation:
            return  # a newer refresh is on its way
        self._body.objects = [content]
        self._body.loading = False

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class _BuildingPage(threading.local):
    page: str | None = None


_BUILDING = _BuildingPage()


class building_page:  # noqa: N801 (used as a context manager, reads like a statement)
    """``with building_page("jobs"):`` DataPanels created inside default to being active on that page."""

    def __init__(self, page: str) -> None:
        self.page = page

    def __enter__(self) -> None:
        self._previous, _BUILDING.page = _BUILDING.page, self.page

    def __exit__(self, *exc: object) -> None:
        _BUILDING.page = self._previous


def _in_session() -> bool:
    doc = pn.state.curdoc
    return bool(doc is not None and doc.session_context is not None)


# ----------------------------------------------------------------------------- tables
def data_table(
    frame: pd.DataFrame,
    name: str,
    titles: dict[str, str] | None = None,
    money: Iterable[str] = (),
    percent: Iterable[str] = (),
    numbers: dict[str, str] | None = None,
    on_click: Callable[[int, pd.Series], None] | None = None,
    page_size: int = 15,
    css_class: str | None = None,
) -> pn.Column:
    """A read-only Tabulator with plain-text string cells, a row-click callback and a CSV download button.

    Every text column uses Tabulator's ``plaintext`` formatter: workspace text (job names, teams, tags)
    is shown as text, never interpreted as HTML. ``on_click(iloc, row)`` gets the clicked row.
    """
    from bokeh.models.widgets.tables import NumberFormatter

    frame = frame.reset_index(drop=True)
    formatters: dict[str, Any] = {}
    money, percent = set(money), set(percent)
    for col in frame.columns:
        if col in money:
            formatters[col] = NumberFormatter(format="$0,0.00")
        elif col in percent:
            formatters[col] = NumberFormatter(format="0.0%")
        elif numbers and col in numbers:
            formatters[col] = NumberFormatter(format=numbers[col])
        elif not pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            formatters[col] = {"type": "plaintext"}
    display = frame.copy()
    for col in display.columns:
        if isinstance(display[col].dtype, pd.DatetimeTZDtype):
            display[col] = display[col].dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M").astype(object)
            formatters[col] = {"type": "plaintext"}
    table = pn.widgets.Tabulator(
        display,
        titles=titles or {},
        formatters=formatters,
        disabled=True,
        show_index=False,
        pagination="local",
        page_size=page_size,
        layout="fit_data_table",
        selectable=False,
        sizing_mode="stretch_width",
        css_classes=["data-table"] + ([css_class] if css_class else []),
    )
    if on_click is not None:
        table.on_click(lambda event: on_click(event.row, frame.iloc[event.row]))

    def csv() -> io.StringIO:
        return io.StringIO(frame.to_csv(index=False))

    download = pn.widgets.FileDownload(
        callback=csv,
        filename=f"{name}.csv",
        label="Download CSV",
        button_type="light",
        width=140,
        margin=(0, 5),
    )
    return pn.Column(table, download, sizing_mode="stretch_width")


def picker(
    label: str, options: dict[str, str], on_pick: Callable[[str], None], css_class: str | None = None
) -> pn.widgets.Select:
    """A keyboard-friendly way to drill down: a select of ``{label: value}``; picking one calls ``on_pick``."""
    placeholder = f"Open {label.lower()}…"
    select = pn.widgets.Select(
        name=label,
        options={placeholder: "", **options},
        value="",
        width=320,
        css_classes=["drill-picker"] + ([css_class] if css_class else []),
    )

    def picked(event: Any) -> None:
        if event.new:
            on_pick(event.new)

    select.param.watch(picked, "value")
    return select


def typed(widget: Any) -> str:
    """What the user typed in a text box, even if the click that reads it arrives before the box's change.

    ``value`` syncs on Enter or blur; ``value_input`` on each key. A value set by the app (not typed)
    is only in ``value``.
    """
    return widget.value_input or widget.value or ""


def fmt_money(value: Any) -> str:
    """'$1,234.50 (list price)' or '–'."""
    if value is None or pd.isna(value):
        return "–"
    return f"${float(value):,.2f}"


def fmt_duration(seconds: Any) -> str:
    if seconds is None or pd.isna(seconds):
        return "–"
    seconds = float(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def key_values(pairs: list[tuple[str, Any]], css_class: str = "key-values") -> pn.pane.HTML:
    """A two-column HTML table of label / value, every value escaped."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs)
    return pn.pane.HTML(
        f'<table class="{esc(css_class)}">{rows}</table>', sizing_mode="stretch_width", stylesheets=[PANE_CSS]
    )
