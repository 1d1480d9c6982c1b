"""DataPanel's in-place updates, kept tables and folded sections, outside a server (synchronous)."""

from __future__ import annotations

import pandas as pd
import panel as pn
import pytest

from components.feedback import DataPanel, FoldedSection, InPlace, KeptTable, building_page, tracked, typed
from components.registry import load_slots
from monitor_app.cache import ResultCache
from monitor_app.state import AppState


def _state(**params) -> AppState:
    return AppState(cache=ResultCache(), **params)


def test_a_kept_table_swaps_rows_and_keeps_its_table_while_the_columns_stay():
    clicked = []
    table = KeptTable("runs", money=["cost"], on_click=lambda i, row: clicked.append((i, row["name"])))
    table.prepare(pd.DataFrame({"name": ["a", "b"], "cost": [1.0, 2.0]}))()
    first = table.table
    assert list(first.frame["name"]) == ["a", "b"]
    assert '<td data-field="cost">$2.00</td>' in first.body  # money as money

    table.prepare(pd.DataFrame({"name": ["<img src=x>"], "cost": [3.0]}))()
    assert table.table is first  # the same widget: the browser gets new rows, not a new table
    assert list(first.frame["name"]) == ["<img src=x>"]
    assert "&lt;img src=x&gt;" in first.body and "<img" not in first.body  # workspace text stays text
    first._handle_msg({"row": 0})
    assert clicked == [(0, "<img src=x>")]

    table.prepare(pd.DataFrame({"name": ["c"], "runs": [4]}))()
    assert table.table is not first  # other columns: a new table


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


def test_a_primed_table_has_the_columns_and_no_rows_and_never_overwrites_data():
    table = KeptTable("jobs", money=["cost"])
    empty = pd.DataFrame({"name": pd.Series([], dtype=object), "cost": pd.Series([], dtype=float)})
    assert table.prime(empty)() is True
    primed = table.table
    assert list(primed.frame.columns) == ["name", "cost"] and len(primed.frame) == 0

    table.prepare(pd.DataFrame({"name": ["a"], "cost": [1.0]}))()
    assert table.table is primed  # the first rows swap into the primed table
    assert table.prime(empty)() is False  # a late prime leaves the rows alone
    assert list(table.table.frame["name"]) == ["a"]


def test_place_puts_a_kept_view_in_a_panel_without_loading():
    view = pn.pane.HTML("kept")
    loads = []
    panel = DataPanel(_state(), "Primed", lambda: loads.append(1), lambda _: view, active=lambda: False)
    panel.place(view)
    assert panel._body.objects == [view] and loads == []
    panel.place(pn.pane.HTML("other"))
    assert panel._body.objects == [view]  # what a panel shows is never replaced by a prime


@pytest.mark.parametrize(
    "make", [pn.widgets.TextInput, lambda **kw: pn.widgets.AutocompleteInput(restrict=False, **kw)]
)
def test_typed_reads_an_emptied_box_as_empty(make):
    box = tracked(make(value="sales-"))
    assert typed(box) == "sales-"  # set by the app, never typed
    box.value_input = "finance-"  # keys typed, no Enter yet
    assert typed(box) == "finance-"
    box.value = "finance-"  # Enter or blur
    box.value_input = ""  # the user empties the box and clicks the button before blurring
    assert typed(box) == ""
    box.value = "ops-"  # the app fills it again (a new selection)
    assert typed(box) == "ops-"
    box.param.update(value="hr-", value_input="hr-")  # the browser sends both at once (Tab, Enter)
    assert typed(box) == "hr-"


def test_typed_refuses_an_untracked_box():
    with pytest.raises(TypeError, match="typed\\(\\) needs a tracked\\(\\) text box"):
        typed(pn.widgets.TextInput(value="x"))


def test_a_kept_tables_drawn_column_is_shown_but_not_in_its_csv():
    kept = KeptTable("jobs", markup={"runs_by_day": lambda days: "<svg/>"})
    kept.prepare(pd.DataFrame({"name": ["etl"], "runs_by_day": [[("2026-11-20", 1, 0)]], "runs": [1]}))()
    assert list(kept.table.titles) == ["name", "runs_by_day", "runs"]
    csv = kept.view.objects[1].callback().getvalue()
    assert csv.splitlines() == ["name,runs", "etl,1"]


def test_a_kept_tables_hidden_column_is_in_its_csv_not_on_screen():
    kept = KeptTable("jobs", hidden=("succeeded",))
    kept.prepare(pd.DataFrame({"name": ["etl"], "succeeded": [3]}))()
    assert list(kept.table.titles) == ["name"]
    assert kept.view.objects[1].callback().getvalue().splitlines() == ["name,succeeded", "etl,3"]


def test_the_spinner_never_outlives_the_result_whichever_lands_first():
    """The race behind a spinner that stayed on a hidden panel: the worker's result was applied on the
    event loop between the caller seeing no result yet and the caller setting the spinner. The spinner
    is now set on the loop too, and not once the result is shown."""
    from components.feedback import _NOTHING, _Delivery

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

    from components import feedback

    monkeypatch.setattr(feedback, "SECONDARY_DELAY_S", 0.5)

    def secondary_start(page_change: bool) -> float:
        loads = feedback._SessionLoads()
        loads.shown = True
        if page_change:
            loads.page_changed()
        primary_done, started = threading.Event(), threading.Event()
        loads.submit(feedback.PRIMARY, lambda: (time.sleep(0.05), primary_done.set()))
        loads.submit(feedback.SECONDARY, started.set)
        assert primary_done.wait(5)
        ended = time.monotonic()
        assert started.wait(5)
        return time.monotonic() - ended

    assert secondary_start(page_change=True) >= 0.4
    assert secondary_start(page_change=False) < 0.4
