"""DataPanel's in-place updates, load scheduling and folded sections, outside a server (synchronous)."""

from __future__ import annotations

import panel as pn

from components.loading import DataPanel, FoldedSection, InPlace, building_page
from components.registry import load_slots
from monitor_app.cache import ResultCache
from monitor_app.state import AppState


def _state(**params) -> AppState:
    return AppState(cache=ResultCache(), **params)


def test_a_render_returning_in_place_updates_the_kept_view():
    view = pn.pane.HTML("")
    state = _state()
    loads = iter(["one", "two"])
    panel = DataPanel(
        state,
        "Kept",
        lambda: next(loads),
        lambda text: InPlace(view, lambda: setattr(view, "object", text)),
        watch=("team",),
    )
    assert panel._body.objects == [view] and view.object == "one"
    state.team = "data-eng"
    assert panel._body.objects == [view] and view.object == "two"


def test_a_failing_in_place_update_shows_its_error_in_the_panel():
    def broken() -> None:
        raise ValueError("bad rows")

    panel = DataPanel(_state(), "Broken", lambda: 1, lambda _d: InPlace(pn.pane.HTML(""), broken))
    (content,) = panel._body.objects
    assert "panel-error" in content.css_classes and "bad rows" in content.object


def test_a_folded_section_builds_and_loads_only_when_opened():
    state = _state(page="overview")
    loads: list[str] = []

    def build():
        return DataPanel(state, "Inside", lambda: loads.append("load") or "x", lambda d: pn.pane.HTML(d))

    with building_page("overview"):
        section = FoldedSection(state, "More", build)
    assert loads == [] and section.card.objects == []
    section.card.collapsed = False
    assert loads == ["load"] and len(section.card.objects) == 1
    # folded again, a change only marks it stale; reopened, it loads again
    section.card.collapsed = True
    state.team = "ml"
    assert loads == ["load"]
    section.card.collapsed = False
    assert loads == ["load", "load"]


def test_slot_modules_fold_what_is_not_needed_at_a_glance():
    slots = load_slots()
    overview = {slot.title.split(": ", 1)[1]: slot.folded for slot in slots["overview"]}
    assert overview["JobHealthView"] is None  # the one table of the overview stays open
    assert overview["cost_overview"] and overview["cost_waste"] and overview["ActiveRunsView"]
    runs = {slot.title.split(": ", 1)[1]: slot.folded for slot in slots["runs"]}
    assert runs["RunHistoryView"] is None and runs["SlaTargetFormView"]


def test_place_puts_a_kept_view_in_a_panel_without_loading():
    view = pn.pane.HTML("kept")
    loads = []
    panel = DataPanel(_state(), "Primed", lambda: loads.append(1), lambda _: view, active=lambda: False)
    panel.place(view)
    assert panel._body.objects == [view] and loads == []
    panel.place(pn.pane.HTML("other"))
    assert panel._body.objects == [view]  # what a panel shows is never replaced by a prime


def test_the_spinner_never_outlives_the_result_whichever_lands_first():
    """The race behind a spinner that stayed on a hidden panel: the worker's result was applied on the
    event loop between the caller seeing no result yet and the caller setting the spinner. The spinner
    is now set on the loop too, and not once the result is shown."""
    from components.loading import _NOTHING, _Delivery

    class Loop:  # a session document's next-tick callbacks, run when flushed
        def __init__(self) -> None:
            self.callbacks = []

        def add_next_tick_callback(self, callback) -> None:
            self.callbacks.append(callback)

        def add_timeout_callback(self, callback, _ms) -> None:  # the spinner's delay: as if it had passed
            self.callbacks.append(callback)

        def flush(self) -> None:
            while self.callbacks:
                self.callbacks.pop(0)()

    def panel_and_delivery(generation: int):
        panel = DataPanel(_state(), "t", lambda: None, lambda _d: None, watch=(), active=lambda: False)
        panel._generation = generation
        delivery = _Delivery(generation, waiter=True)
        delivery.doc = loop
        return panel, delivery

    loop, content = Loop(), pn.pane.HTML("done")
    # the result lands first: applied on the loop before the caller asks for the spinner
    panel, delivery = panel_and_delivery(7)
    first_look = delivery.stop_waiting

    def racing():
        seen = first_look()
        assert seen is _NOTHING and delivery.finish(content)  # nobody waits: the worker applies it
        loop.add_next_tick_callback(lambda: panel._apply(7, content))
        loop.flush()
        return seen

    delivery.stop_waiting = racing
    panel._settle(delivery, 0.0)
    loop.flush()
    assert not panel._body.loading and panel._body.objects == [content]
    # the spinner first (a slow load), then the result clears it
    panel, delivery = panel_and_delivery(3)
    panel._settle(delivery, 0.0)
    loop.flush()
    assert panel._body.loading
    assert delivery.finish(content)
    loop.add_next_tick_callback(lambda: panel._apply(3, content))
    loop.flush()
    assert not panel._body.loading and panel._body.objects == [content]


def test_secondary_loads_wait_for_the_browser_only_after_a_page_change(monkeypatch):
    """A drill-down click's new page gets the CPU first; a filter changed on the shown page does not hold
    back its other views (every one of them is part of what the user asked for)."""
    import threading
    import time

    from components import loading

    monkeypatch.setattr(loading, "SECONDARY_DELAY_S", 0.5)

    def secondary_start(page_change: bool) -> float:
        loads = loading._SessionLoads()
        loads.shown = True
        if page_change:
            loads.page_changed()
        primary_done, started = threading.Event(), threading.Event()
        loads.submit(loading.PRIMARY, lambda: (time.sleep(0.05), primary_done.set()))
        loads.submit(loading.SECONDARY, started.set)
        assert primary_done.wait(5)
        ended = time.monotonic()
        assert started.wait(5)
        return time.monotonic() - ended

    assert secondary_start(page_change=True) >= 0.4
    assert secondary_start(page_change=False) < 0.4
