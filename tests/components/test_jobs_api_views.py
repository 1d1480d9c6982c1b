"""The Jobs API panels on a simulated workspace, through the real SDK and the loopback server."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from components.jobs_api_views import ActiveRunsView, JobSettingsView
from data.engines import DuckDBEngine
from data.jobs_api.client import JobsApiProvider
from data.jobs_api.loopback import LoopbackJobsApi
from data.simulator import generate
from monitor_app.cache import ResultCache
from monitor_app.state import AppState

TOKEN = "dapi-test-token"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    db = tmp_path_factory.mktemp("api_views") / "workspace.duckdb"
    manifest = generate(db, seed=7, jobs=30, days=14, end=datetime(2026, 11, 1, tzinfo=UTC))
    workspace_id = manifest["workspaces"][0]
    engine = DuckDBEngine(db, read_only=True)
    server = LoopbackJobsApi(engine, workspace_id, token=TOKEN)
    base_url = server.start()
    yield engine, workspace_id, JobsApiProvider(base_url, token=TOKEN, timeout_s=5), server
    server.stop()
    engine.close()


def _table(view) -> pd.DataFrame:
    """The frame shown by a view's table (DataPanel computes synchronously outside a server)."""
    panel = view.__panel__()
    column = panel._body.objects[0]
    return column.objects[0].value


def test_runs_in_progress_are_those_without_a_terminal_row(workspace):
    engine, workspace_id, api, _ = workspace
    expected = engine.execute(
        """
        SELECT run_id FROM system.lakeflow.job_run_timeline WHERE workspace_id = :ws
        GROUP BY run_id HAVING COUNT(result_state) = 0
        """,
        {"ws": workspace_id},
    )["run_id"]
    assert len(expected) > 0
    shown = _table(ActiveRunsView(AppState(jobs_api=api, cache=ResultCache())))
    assert sorted(shown["run_id"]) == sorted(expected)
    assert set(shown["state"]) == {"RUNNING"}


def test_job_settings_of_the_selected_job(workspace):
    engine, workspace_id, api, _ = workspace
    job = engine.execute(
        """
        SELECT job_id, trigger.schedule.quartz_cron_expression AS cron FROM system.lakeflow.jobs
        WHERE workspace_id = :ws AND trigger.schedule.quartz_cron_expression IS NOT NULL AND delete_time IS NULL
        ORDER BY change_time DESC LIMIT 1
        """,
        {"ws": workspace_id},
    ).iloc[0]
    view = JobSettingsView(AppState(jobs_api=api, job_id=job["job_id"], cache=ResultCache()))
    html = view.__panel__()._body.objects[0].object
    assert f"<th>Schedule</th><td>{job['cron']} (" in html


def test_an_api_failure_shows_its_reason_in_the_panel(workspace):
    _, _, api, server = workspace
    server.inject("/api/2.2/jobs/runs/list", "server_error", count=None, message="backend <down>")
    try:
        panel = ActiveRunsView(AppState(jobs_api=api, cache=ResultCache())).__panel__()
        html = panel._body.objects[0].object
        assert "HTTP 500" in html
        assert "backend &lt;down&gt;" in html  # the API's text is escaped, never interpreted
    finally:
        server.clear_faults()


def test_the_demo_jobs_api_serves_every_workspace_and_tells_repeated_job_ids_apart(tmp_path):
    from monitor_app.context import open_state_store
    from monitor_app.server import ServerContext
    from monitor_app.settings import Settings
    from monitor_app.workspace_setup import build_demo

    settings = Settings(db_path=tmp_path / "demo.duckdb", local_user="ops")
    build_demo(settings, open_state_store(settings), seed=7, jobs=300, days=14, end=datetime(2026, 11, 1))
    context = ServerContext(settings)
    engine = context.shared_engine()
    try:
        api = context.jobs_api_for(None)
        listed = api.job_settings()
        live = engine.execute(
            "SELECT workspace_id, COUNT(*) AS n FROM monitor.jobs WHERE NOT is_deleted GROUP BY 1 ORDER BY 1"
        )
        counts = listed.groupby("workspace_id").size()
        assert {ws: int(counts[ws]) for ws in live["workspace_id"]} == dict(
            zip(live["workspace_id"], live["n"].astype(int), strict=True)
        )
        assert len(live) == 2
        repeated = engine.execute(
            "SELECT job_id FROM monitor.jobs WHERE NOT is_deleted GROUP BY job_id HAVING COUNT(*) = 2 LIMIT 1"
        )
        assert len(repeated) == 1  # the demo has job ids in both workspaces, as real workspaces may
        job_id = repeated["job_id"].iloc[0]
        names = {}
        for ws in live["workspace_id"]:
            state = AppState(jobs_api=api, job_id=job_id, workspace_id=ws, cache=ResultCache())
            html = JobSettingsView(state).__panel__()._body.objects[0].object
            names[ws] = html
        assert names[live["workspace_id"].iloc[0]] != names[live["workspace_id"].iloc[1]]
    finally:
        context.close()
