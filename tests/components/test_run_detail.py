"""The run page of a failed run: what its termination code usually means and a link to the workspace run."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.drilldown_views import RunDetailView
from data.engines import DuckDBEngine
from data.schema import create_tables
from monitor_app.analytics import drilldown
from monitor_app.cache import ResultCache
from monitor_app.filters import Filters
from monitor_app.links import workspace_url
from monitor_app.settings import Settings
from monitor_app.state import AppState
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc


@pytest.fixture
def engine(tmp_path: Path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("j1", "nightly", team="alpha")
    ws.run("j1", "r-bad", utc(2026, 10, 1, 2), 300, "TIMED_OUT", dbus=1)
    ws.run("j1", "r-ok", utc(2026, 10, 2, 2), 300, "SUCCEEDED", dbus=1)
    build_model(engine)
    yield engine
    engine.close()


def _facts(engine, run_id: str, host: str | None) -> str:
    settings = Settings()
    settings.host = host
    state = AppState(engine=engine, settings=settings, cache=ResultCache(), run_id=run_id)
    view = RunDetailView(state)
    view._render_summary(drilldown.run_summary(engine, Filters(), run_id)).update()
    return view._facts.object


def test_a_failed_run_says_what_its_code_means_and_links_to_the_workspace(engine):
    facts = _facts(engine, "r-bad", 'https://adb-1.example.net/"><script>')
    assert "<th>What it usually means</th><td>the run hit its timeout: find the slow task" in facts
    assert "<th>Termination</th><td>Timed out (TIMED_OUT)</td>" in facts
    assert (
        '<a href="https://adb-1.example.net/&quot;&gt;&lt;script&gt;/jobs/j1/runs/r-bad" target="_blank"'
        in facts
    )
    assert "<script>" not in facts


def test_a_successful_run_has_no_hint_and_the_demo_no_workspace_link(engine):
    facts = _facts(engine, "r-ok", None)
    assert "What it usually means" not in facts and "run-links" not in facts
    assert "<th>Outcome</th><td>success (Succeeded)</td>" in facts


def test_workspace_urls():
    assert workspace_url("https://h.example/", "12", "34") == "https://h.example/jobs/12/runs/34"
    assert workspace_url("https://h.example", "12") == "https://h.example/jobs/12"
    assert workspace_url(None, "12", "34") is None
    assert workspace_url("https://h.example", "a/b") == "https://h.example/jobs/a%2Fb"
