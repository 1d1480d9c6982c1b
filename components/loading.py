"""The one way panels get their data: in a worker with a timeout, errors shown in place, loading shown.

``compute_panel(load, render)`` runs ``load()`` in a worker thread with a timeout, renders the result, and
turns any failure (``QueryError``, ``JobsApiError``, a timeout, a bug) into an error alert *in that panel
only*, with the reason. ``DataPanel`` wraps it as a Viewer that recomputes when the state parameters it
depends on change, shows a spinner while it works, and skips work while its page is not shown (it
catches up when the page is shown again). ``building_page`` / ``loads_together`` schedule a page's loads;
``FoldedSection`` builds a view only when it is opened.
"""

from __future__ import annotations

import concurrent.futures
import heapq
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import panel as pn
from panel.viewable import Viewer

from components.panes import PANEL_TIMEOUT_S, error_alert, text_pane
from components.table_values import (
    display_zone,
)
from monitor_app.state import AppState

log = logging.getLogger(__name__)

# Worker threads for panel loads, shared by all sessions (queries mostly wait on the engine); refreshes
# run in their own pool and wait on loads with a timeout, so a stuck load never blocks a refresh slot.
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="panel-load")
_REFRESH_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="panel-refresh")
# Loads of one session running at once (as many as the refresh pool has threads).
SESSION_LOADS = 8
# Priorities of DataPanel loads in a session: the drill-down's own view first, the rest after it.
PRIMARY, SECONDARY = 0, 1
# After a page change, secondary loads start this long after the last primary one (its result is then on
# its way to the browser, which needs the CPU to lay out the new page: on 2 cores, a chart rendered
# meanwhile delays it). A filter changed on the shown page updates its views in place: no wait, every
# view is part of what was asked for (a cross-filter waited 0.4 s for its charts).
SECONDARY_DELAY_S = 0.4
PAGE_CHANGE_S = 2.0  # a primary load ending this soon after a page change delays the secondary ones


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
        # Whether the page is in the browser: until then results go out with the page itself, and
        # secondary loads need not leave the CPU to the browser.
        self.shown = False
        self._page_changed = -1e9  # time.monotonic() of the last page change (``page_changed``)

    def page_changed(self) -> None:
        """The session shows another page (or run): its next secondary loads leave the browser time."""
        self._page_changed = time.monotonic()

    def idle(self) -> bool:
        """No load queued or running."""
        with self._lock:
            return self._running == 0 and not self._queue

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
                last_primary = priority == PRIMARY and self._primary == 0
            new_page = time.monotonic() - self._page_changed < PAGE_CHANGE_S
            if last_primary and self.shown and new_page and SECONDARY_DELAY_S > 0:
                # Let the browser lay out what was asked for before the rest competes for the CPU.
                timer = threading.Timer(SECONDARY_DELAY_S, self._start)
                timer.daemon = True
                timer.start()
            else:
                self._start()


_SESSION_LOADS: weakref.WeakKeyDictionary[Any, _SessionLoads] = weakref.WeakKeyDictionary()
_SESSION_LOADS_LOCK = threading.Lock()


def _session_loads(doc: Any) -> _SessionLoads:
    with _SESSION_LOADS_LOCK:
        loads = _SESSION_LOADS.get(doc)
        if loads is None:
            loads = _SESSION_LOADS[doc] = _SessionLoads()
            try:
                pn.state.onload(lambda: setattr(loads, "shown", True))
            except Exception:  # not in a served page: nothing to wait for
                loads.shown = True
        return loads


def session_idle(doc: Any) -> bool:
    """Whether the session's panels have nothing queued or loading (its page is settled)."""
    return _session_loads(doc).idle()


class PanelTimeout(TimeoutError):
    """A panel's data did not arrive within PANEL_TIMEOUT_S."""


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


def _in_session() -> bool:
    doc = pn.state.curdoc
    return bool(doc is not None and doc.session_context is not None)


# A served panel whose data arrives within this long is shown with it (in the same update as the page or
# the click that asked for it): no spinner, no second round trip, one layout pass in the browser. Past it
# the spinner shows and the data follows when it is in.
INLINE_S = 1.0
# A load's spinner shows only when its result has not come within this: on a cross-filter the overview's
# panels answer in 0.1-0.3 s, and each spinner on and off was two re-layouts of the page in the browser.
SPINNER_DELAY_MS = 300
_NOTHING = object()


@dataclass
class InPlace:
    """What a render returns to update a view it keeps: ``update()`` runs when the result is applied (on
    the session's side, not in the worker), then ``view`` is shown. The browser gets the changed values
    of models it already has, not new models to build and lay out."""

    view: Any
    update: Callable[[], None]


class _Delivery:
    """One refresh's result, handed either to a waiting caller (inline) or to a next-tick callback."""

    def __init__(self, generation: int, waiter: bool, doc: Any = None) -> None:
        self.generation = generation
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._content: Any = _NOTHING
        self._waiter = waiter
        self.doc = doc  # the session's document (where results and the spinner are applied), or None

    def finish(self, content: Any) -> bool:
        """Store the result; True when nobody waits for it any more (the worker must apply it)."""
        with self._lock:
            self._content = content
            waiter = self._waiter
        self.done.set()
        return not waiter

    def stop_waiting(self) -> Any:
        """The result if it is in (the caller applies it), else ``_NOTHING`` (the worker will)."""
        with self._lock:
            self._waiter = False
            return self._content


def _render_in_zone(state: AppState, render: Callable[[Any], Any], data: Any) -> Any:
    """``render(data)`` with the tables it builds showing times in the session's zone (set here, in the
    thread that renders: a context variable does not cross threads)."""
    with display_zone(state.timezone):
        return render(data)


class DataPanel(Viewer):
    """A panel whose content is ``render(load())``, recomputed when ``watch`` parameters of the state change.

    In a served session the work runs in a worker thread and only the newest request's result is shown.
    A result that arrives within ``INLINE_S`` goes out with the page or the click that asked for it (see
    ``building_page``); a slower one shows a spinner until it is in. Outside a server (tests, reports)
    ``refresh()`` computes synchronously.

    Parameters
    ----------
    state
        The session's AppState.
    title
        Shown above the content (plain text) and in error messages.
    load
        ``load() -> data``; usually ``lambda: state.query(analytics_fn, ...)``.
    render
        ``render(data) -> viewable``; no queries here. Returning the panel's current content object (a
        view kept alive and updated in place) sends only the changed values to the browser.
    watch
        State parameters whose change means new data.
    active
        ``active() -> bool``: whether the panel is on screen; while False, changes only mark it stale.
        Default: the panel is active while the page (and folded section) it was built in is shown (see
        ``building_page`` and ``FoldedSection``).
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
        self._state, self._title, self._load = state, title, load
        self._render = lambda data: _render_in_zone(state, render, data)
        if active is None:
            active = _BUILDING.visibility(state)
        self._active = active
        self._timeout_s = timeout_s
        self._stale = True
        self._generation = 0
        self._applied = 0  # the newest generation whose result is shown
        self._lock = threading.Lock()
        classes = ["data-panel"] + ([css_class] if css_class else [])
        self._body = pn.Column(sizing_mode="stretch_width", min_height=60, css_classes=["data-panel-body"])
        header = [text_pane(title, "panel-title", tag="h3")] if show_title else []
        self._layout = pn.Column(*header, self._body, sizing_mode="stretch_width", css_classes=classes)
        watch = list(watch)
        if watch:
            state.param.watch(self._on_change, watch)
        state.param.watch(self._on_visibility, ["page", "run_id"])
        state.param.watch(self._on_change, ["timezone"])  # the browser said where it is: times again
        if _BUILDING.pending is not None:
            _BUILDING.created.append(self)
        if self._active():
            self.refresh()

    def _on_change(self, *events: Any) -> None:
        self._stale = True
        if self._active():
            self.refresh()

    def _on_visibility(self, *events: Any) -> None:
        if _in_session():
            _session_loads(pn.state.curdoc).page_changed()
        if self._stale and self._active():
            self.refresh()

    def refresh(self) -> None:
        """Recompute: in a worker when served (shown inline when quick, else after a spinner)."""
        with self._lock:
            self._stale = False
            self._generation += 1
            generation = self._generation
        doc = pn.state.curdoc if _in_session() else None
        if doc is None:
            self._apply(generation, compute_panel(self._title, self._load, self._render, self._timeout_s))
            return
        delivery = _Delivery(generation, waiter=True, doc=doc)

        def work() -> None:
            if generation != self._generation:
                delivery.finish(_NOTHING)
                return  # superseded while queued: the newer refresh does the work
            content = compute_panel(self._title, self._load, self._render, self._timeout_s)
            if delivery.finish(content):
                try:
                    doc.add_next_tick_callback(lambda: self._apply(generation, content))
                except Exception:  # the session is gone
                    pass

        _session_loads(doc).submit(self._priority, work)
        if _BUILDING.pending is not None:
            _BUILDING.pending.append((self, delivery))  # settled when the page or click is built
        else:
            self._settle(delivery, INLINE_S if self._priority == PRIMARY else 0.0)

    def _settle(self, delivery: _Delivery, wait_s: float) -> None:
        """Show the result if it arrives within ``wait_s``; else the spinner (the worker applies it)."""
        if wait_s > 0:
            delivery.done.wait(wait_s)
        content = delivery.stop_waiting()
        if content is not _NOTHING:
            self._apply(delivery.generation, content)
            return
        if delivery.generation != self._generation:
            return

        def spin() -> None:  # unless its result was applied first
            if delivery.generation == self._generation and self._applied < delivery.generation:
                self._body.loading = True

        # The spinner is set on the session's event loop, where the worker's result is applied: set from
        # this thread (a click's), it could land after the result and then stay (seen on a hidden panel).
        # And only SPINNER_DELAY_MS later: a quicker result shows with no spinner flashing on and off.
        if delivery.doc is None:
            spin()
            return
        try:
            delivery.doc.add_timeout_callback(spin, SPINNER_DELAY_MS)
        except Exception:  # the session is gone
            pass

    def place(self, content: Any) -> None:
        """Put a kept view in the panel without loading, when it shows nothing yet (priming a hidden
        page): the first load that renders it in place then changes values in the browser, not the
        panel's children. A panel that already shows something keeps it."""
        if not self._body.objects:
            self._body.objects = [content]

    def _apply(self, generation: int, content: Any) -> None:
        if generation != self._generation or content is _NOTHING:
            return  # a newer refresh is on its way
        self._applied = generation
        if isinstance(content, InPlace):
            try:
                content.update()
                content = content.view
            except Exception as err:  # like a failing render: the error stays in this panel
                log.warning("panel %r failed: %s: %s", self._title, type(err).__name__, err)
                content = error_alert(self._title, err)
        objects = self._body.objects
        if not (len(objects) == 1 and objects[0] is content):
            self._body.objects = [content]
        if self._body.loading:
            self._body.loading = False

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class _BuildingPage(threading.local):
    """What is being built in this thread: its page, whether it is visible, panels waiting to settle."""

    page: str | None = None
    visible: Callable[[], bool] | None = None
    pending: list[tuple[DataPanel, _Delivery]] | None = None
    created: list[DataPanel]

    def __init__(self) -> None:
        self.created = []

    def visibility(self, state: AppState) -> Callable[[], bool]:
        page, visible = self.page, self.visible or (lambda: True)
        if page is None:
            return visible
        return lambda: state.page == page and visible()


_BUILDING = _BuildingPage()


class building_page:  # noqa: N801 (used as a context manager, reads like a statement)
    """``with building_page("jobs"):`` DataPanels created inside default to being active on that page.

    Also collects the loads started inside (by new panels, or by panels a state change refreshes) and, on
    leaving, waits for them together up to ``wait_s``: those in by then go out with the page itself.
    ``visible`` narrows "active" further (a folded section that is open). ``page=None`` keeps the page
    of an enclosing block.
    """

    def __init__(
        self, page: str | None, wait_s: float = INLINE_S, visible: Callable[[], bool] | None = None
    ) -> None:
        self.page, self.wait_s, self.visible = page, wait_s, visible

    def __enter__(self) -> list[DataPanel]:
        b = _BUILDING
        self._previous = (b.page, b.visible, b.pending, b.created)
        if self.page is not None:
            b.page = self.page
        if self.visible is not None:
            outer, inner = b.visible, self.visible
            b.visible = inner if outer is None else (lambda: outer() and inner())
        b.pending = [] if b.pending is None else b.pending
        b.created = []
        return b.created

    def __exit__(self, *exc: object) -> None:
        b = _BUILDING
        pending = b.pending
        created = b.created
        b.page, b.visible, b.pending, b.created = self._previous
        if b.pending is not None:
            b.created.extend(created)
        if b.pending is pending:
            return  # an enclosing block settles them
        # Before the page is in the browser everything it can get goes with it; after (a click), only
        # the primary views are waited for: the rest follows without holding up what was asked for.
        shown = _in_session() and _session_loads(pn.state.curdoc).shown
        deadline = time.monotonic() + self.wait_s
        for panel, delivery in pending or []:
            wait = deadline - time.monotonic() if panel._priority == PRIMARY or not shown else 0.0
            panel._settle(delivery, max(0.0, wait))


def loads_together() -> building_page:
    """``with loads_together(): state.param.update(...)``: every panel the change refreshes starts loading
    before any is waited for. Otherwise each refresh starts when its watcher runs, after the previous
    panel's inline wait: on a cross-filter the overview's other views began only once the headline was in.
    """
    return building_page(None)


class FoldedSection(Viewer):
    """A collapsed card whose content is built the first time it is opened (below the fold, on demand).

    Nothing of it is queried or sent to the browser until then; its panels load only while it is open.
    """

    def __init__(
        self, state: AppState, title: str, build: Callable[[], Any], css_class: str | None = None
    ) -> None:
        super().__init__()
        self._state, self._build = state, build
        self._page = _BUILDING.page
        self._outer = _BUILDING.visible
        self._panels: list[DataPanel] = []
        self.card = pn.Card(
            title=title,
            collapsed=True,
            sizing_mode="stretch_width",
            css_classes=["folded-section"] + ([css_class] if css_class else []),
            margin=(5, 0),
        )
        self.card.param.watch(self._toggled, "collapsed")

    def is_open(self) -> bool:
        return not self.card.collapsed and (self._outer is None or self._outer())

    def _toggled(self, event: Any) -> None:
        if event.new:
            return
        previous = _BUILDING.visible
        _BUILDING.visible = self._outer
        try:
            page = self._page or self._state.page
            with building_page(page, visible=lambda: not self.card.collapsed) as made:
                if self.card.objects:
                    for panel in self._panels:
                        panel._on_visibility()  # caught up while folded: reload what went stale
                    return
                try:
                    content = self._build()
                except Exception as err:  # a broken view stays inside its section
                    content = error_alert(self.card.title, err)
                self.card.objects = [content]
        finally:
            _BUILDING.visible = previous
        self._panels = list(made)

    def __panel__(self) -> pn.viewable.Viewable:
        return self.card
