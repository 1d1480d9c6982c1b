"""The utilization views on hand-built node timelines: the job's verdict, its runs, the savings table."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.utilization_views import JobUtilizationView, RightsizingView
from data.engines import DuckDBEngine
from data.schema import create_tables
from monitor_app.cache import ResultCache
from monitor_app.state import AppState
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model
from tests.monitor_app.analytics.utilization_workspace import NOW, _memory_bound, over_provisioned_job


@pytest.fixture
def state(tmp_path: Path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    over_provisioned_job(ws, "<b>nightly</b>")
    _memory_bound(ws, "j2")
    ws.job("j3", "fine", team="alpha")
    build_model(engine)
    yield AppState(engine=engine, as_of=NOW.replace(tzinfo=None), cache=ResultCache())
    engine.close()


def test_the_job_page_shows_the_verdict_the_chart_and_the_runs(state):
    state.param.update(page="runs", job_id="j1", workspace_id=state.workspace_id)
    panel = JobUtilizationView(state).__panel__()
    body = panel._body.objects[0].objects
    assert body[0].object.startswith('<p class="rightsizing-recommendation">Workers are under 40 % CPU')
    facts = body[1].object
    assert "<th>Verdict</th><td>over-provisioned</td>" in facts
    assert "<th>Estimated saving</th><td>$1.50 a month (list price)</td>" in facts
    assert "<th>Measured runs</th><td>5 of 5</td>" in facts
    assert type(body[2]).__name__ == "HoloViews"
    runs = body[3].objects[0].value
    assert list(runs["run_id"]) == ["r5", "r4", "r3", "r2", "r1"]
    assert set(runs["worker_cpu_avg_pct"]) == {25.0}


def test_the_job_page_loads_nothing_without_a_job_and_says_so_for_a_job_without_clusters(state):
    state.page = "runs"
    view = JobUtilizationView(state)
    assert view._load()[0].empty  # no query without a job (the panel is not even active)
    assert "Pick a job to see its cluster utilization." in view._render(view._load()).object
    state.param.update(job_id="j3")
    panel = view.__panel__()
    assert "No run of this job ran on a cluster in this window" in panel._body.objects[0].object


def test_the_savings_table_lists_what_to_act_on_and_opens_the_job(state):
    panel = RightsizingView(state).__panel__()
    body = panel._body.objects[0].objects
    assert body[0].object == (
        '<p class="rightsizing-headline">2 job(s) to look at; shrinking the over-provisioned ones saves about '
        "$1.50 a month (list price). Memory-, driver- and IO-bound jobs are not told to shrink.</p>"
    )
    table = body[1].objects[0]
    assert list(table.value["job_name"]) == ["<b>nightly</b>", "wide_joins"]
    assert list(table.value["verdict"]) == ["over-provisioned", "memory-bound"]
    from bokeh.events import ButtonClick  # noqa: F401  (bokeh is there: Tabulator's click event below)
    from panel.models.tabulator import CellClickEvent

    table._process_event(CellClickEvent(model=None, column="job_name", row=1))
    assert (state.page, state.job_id) == ("runs", "j2")
