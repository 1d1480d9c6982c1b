"""The integrity views on hand-built table histories: the Data page, the job's panel, green but broken."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from panel.models.tabulator import CellClickEvent

from components.integrity_views import BROKEN_TITLES, DataView, GreenButBrokenView, JobIntegrityView
from data.engines import DuckDBEngine
from data.schema import create_tables
from monitor_app.cache import ResultCache
from monitor_app.state import AppState
from tests.monitor_app.analytics.integrity_workspace import COLUMNS, NOW, ORDERS_ROWS
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc

HOSTILE = "prod.sales.<b>orders</b>"


@pytest.fixture
def state(tmp_path: Path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("j1", "orders_<i>load</i>", team="sales")
    for day, rows in enumerate(ORDERS_ROWS, start=1):
        start = utc(2026, 10, day, 2)
        ws.run("j1", f"r{day}", start, 600, dbus=1)
        ws.commit(HOSTILE, day, start + timedelta(seconds=590), rows, "j1", f"r{day}")
    ws.job("j2", "quiet_job", team="ops")
    ws.run("j2", "q1", utc(2026, 10, 3, 1), 60)
    ws.commit("prod.ops.quiet", 1, utc(2026, 10, 3, 1, 1), 50, "j2", "q1")
    ws.snapshot(HOSTILE, utc(2026, 10, 7, 12), COLUMNS)
    ws.snapshot(HOSTILE, utc(2026, 10, 8, 12), COLUMNS[:2])
    build_model(engine)
    yield AppState(engine=engine, as_of=NOW.replace(tzinfo=None), cache=ResultCache())
    engine.close()


def test_the_data_page_lists_tables_needing_a_look_first_and_opens_one(state):
    state.page = "data"
    view = DataView(state)
    body = view.__panel__()._body.objects[0].objects
    assert body[0].object == (
        '<p class="data-headline">2 tables written in this window; 1 with a flagged row count, 1 with a schema '
        "change. Click a table for its writes and columns.</p>"
    )
    table = body[1].objects[0]
    rows = table.value
    assert list(rows["table_full_name"]) == [HOSTILE, "prod.ops.quiet"]
    assert list(rows["flagged_writes"]) == [2, 0] and list(rows["schema_changes"]) == [1, 0]
    assert rows["last_status"].iloc[0] == "zero_rows" and rows["writer_jobs"].iloc[0] == "orders_<i>load</i>"
    # names are shown as text: Tabulator's plaintext formatter on every text column
    assert table.formatters["table_full_name"] == {"type": "plaintext"}
    table._process_event(CellClickEvent(model=None, column="table_full_name", row=0))
    detail = view._detail.objects
    assert detail[0].object == '<h3 class="table-detail-title">prod.sales.&lt;b&gt;orders&lt;/b&gt;</h3>'
    assert type(detail[1]).__name__ == "HoloViews"
    writes = detail[2].objects[0].value
    assert list(writes["status"][:2]) == ["zero_rows", "drop"] and len(writes) == 10
    drift = detail[3].objects[0].value
    assert drift[["column_name", "change", "old_type"]].values.tolist() == [["name", "removed", "string"]]


def test_the_job_panel_shows_its_writes_and_the_drift_of_its_tables(state):
    state.param.update(page="runs", job_id="j1")
    body = JobIntegrityView(state).__panel__()._body.objects[0].objects
    assert body[0].object == (
        '<p class="job-integrity-headline">10 writes to 1 table(s); 2 flagged; 1 schema change(s).</p>'
    )
    writes = body[2].objects[0]
    assert list(writes.value["job_run_id"][:2]) == ["r10", "r8"]
    writes._process_event(CellClickEvent(model=None, column="status", row=0))
    assert (state.page, state.run_id, state.job_id) == ("runs", "r10", "j1")
    state.param.update(job_id="j2", run_id=None)
    view = JobIntegrityView(state)
    assert (
        "1 writes to 1 table(s); 0 flagged; 0 schema change(s)."
        in view.__panel__()._body.objects[0].objects[0].object
    )


def test_green_but_broken_runs_on_the_overview_open_their_run(state):
    view = GreenButBrokenView(state)
    body = view.__panel__()._body.objects[0].objects
    assert body[0].html.startswith('<p class="green-but-broken-headline">2 run(s) succeeded but wrote')
    table = body[1].objects[0]
    assert list(table.frame["job_run_id"]) == ["r10", "r8"]
    assert table.frame["problems"].iloc[1] == (
        f"{HOSTILE}: drop (700 rows, 30.0 % fewer than the median of the previous writes (1,000); flagged at "
        f"+/-20 %); {HOSTILE}: column name removed"
    )
    # the ids that open the run are kept, not shown; the hostile name is escaped in the page's HTML
    assert "workspace_id" not in table.titles and "job_id" not in table.titles
    assert HOSTILE not in table.body
    table._handle_msg({"row": 1})
    assert (state.page, state.run_id, state.job_id) == ("runs", "r8", "j1")


def test_green_but_broken_keeps_its_table_when_the_filters_change(state):
    """A cross-filter swaps the rows into the same table (the browser updates it, builds nothing new)."""
    view = GreenButBrokenView(state)
    table = view.__panel__()._body.objects[0].objects[1].objects[0]
    state.param.update(start_date=date(2026, 10, 10), end_date=date(2026, 10, 10))
    assert view.__panel__()._body.objects[0].objects[1].objects[0] is table
    assert list(table.frame["job_run_id"]) == ["r10"]
    headline = view.__panel__()._body.objects[0].objects[0]
    assert headline.html.startswith('<p class="green-but-broken-headline">1 run(s) succeeded')
    # a team with no such run: the same table, emptied, and the headline says so
    state.team = "ops"
    assert view.__panel__()._body.objects[0].objects[1].objects[0] is table
    assert table.frame.empty and list(table.titles) == list(BROKEN_TITLES)
    assert headline.html == (
        '<p class="green-but-broken-headline empty">No successful run wrote a flagged row count or changed a '
        "table&#x27;s schema in this window.</p>"
    )
