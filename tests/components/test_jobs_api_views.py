"""The Jobs API panels on a simulated workspace, through the real SDK and the loopback server."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from components.jobs_api_views import ActiveRunsView, JobSettingsView, RunErrorView, run_errors_html
from components.panes import esc
from components.table_values import cron_text
from data.engines import DuckDBEngine
from data.jobs_api.client import JobsApiProvider
from data.jobs_api.loopback import LoopbackJobsApi
from data.refresh import refresh
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
    assert set(shown["state"]) == {"Running"}  # the API's RUNNING, read as a word


def test_job_settings_of_the_selected_job(workspace):
    engine, workspace_id, api, _ = workspace
    job = engine.execute(
        """
        SELECT job_id, trigger.schedule.quartz_cron_expression AS cron, trigger.schedule.timezone_id AS tz
        FROM system.lakeflow.jobs
        WHERE workspace_id = :ws AND trigger.schedule.quartz_cron_expression IS NOT NULL AND delete_time IS NULL
        ORDER BY change_time DESC LIMIT 1
        """,
        {"ws": workspace_id},
    ).iloc[0]
    view = JobSettingsView(AppState(jobs_api=api, job_id=job["job_id"], cache=ResultCache()))
    html = view.__panel__()._body.objects[0].object
    # what the schedule means, its zone, and the expression (the Jobs API's, which is the table's)
    assert f"<th>Schedule</th><td>{esc(cron_text(job['cron'], job['tz']))}" in html
    assert cron_text("0 0 5 * * ?", "Europe/Paris") == "At 05:00 (Europe/Paris) · 0 0 5 * * ?"


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


@pytest.fixture(scope="module")
def modelled(tmp_path_factory):
    """A simulated workspace with its model, served by the loopback Jobs API."""
    db = tmp_path_factory.mktemp("api_errors") / "workspace.duckdb"
    manifest = generate(db, seed=7, jobs=30, days=14, end=datetime(2026, 11, 1, tzinfo=UTC))
    engine = DuckDBEngine(db)
    refresh(engine)
    server = LoopbackJobsApi(engine, manifest["workspaces"][0], token=TOKEN)
    yield engine, manifest["workspaces"][0], JobsApiProvider(server.start(), token=TOKEN, timeout_s=5), server
    server.stop()
    engine.close()


def _error_html(engine, workspace_id, api, run_id) -> str:
    state = AppState(
        engine=engine, jobs_api=api, cache=ResultCache(), run_id=run_id, workspace_id=workspace_id
    )
    return RunErrorView(state)._panel._body.objects[0].object


def test_a_failed_run_shows_each_failed_tasks_error_from_the_jobs_api(modelled):
    engine, workspace_id, api, server = modelled
    failed = engine.execute(
        """
        SELECT r.run_id, MIN(t.task_key) AS task_key, COUNT(DISTINCT t.run_id) AS failed_tasks
        FROM monitor.job_runs r
        JOIN system.lakeflow.job_task_run_timeline t ON t.job_run_id = r.run_id AND t.workspace_id = r.workspace_id
        WHERE r.workspace_id = :ws AND r.outcome = 'failure' AND r.first_outcome = 'failure'
          AND t.result_state = 'FAILED' AND r.termination_code = 'RUN_EXECUTION_ERROR'
        GROUP BY r.run_id ORDER BY r.run_id LIMIT 1
        """,
        {"ws": workspace_id},
    ).iloc[0]
    html = _error_html(engine, workspace_id, api, failed["run_id"])
    assert html.count('class="run-error-block"') == failed["failed_tasks"]
    assert f"<b>Task {failed['task_key']}</b>" in html
    # The workspace's message, escaped: its quotes and <STRING> are text, never markup.
    assert "[CAST_INVALID_INPUT] The value &#x27;n/a&#x27; of the type &quot;STRING&quot;" in html
    assert "&lt;STRING&gt;" in html and "<STRING>" not in html
    assert "<summary>Stack trace (last lines)</summary>" in html


def test_a_successful_run_asks_the_jobs_api_nothing(modelled):
    engine, workspace_id, api, server = modelled
    ok = engine.execute(
        "SELECT run_id FROM monitor.job_runs WHERE workspace_id = :ws AND outcome = 'success' "
        "AND first_outcome = 'success' ORDER BY run_id LIMIT 1",
        {"ws": workspace_id},
    )["run_id"].iloc[0]
    before = len(server.requests)
    assert "The run did not fail: no error to show." in _error_html(engine, workspace_id, api, ok)
    assert len(server.requests) == before


def test_run_errors_html_of_a_run_level_failure_and_hostile_text():
    frame = pd.DataFrame(
        [
            {
                "task_key": None,
                "task_run_id": None,
                "attempt_number": None,
                "result_state": "TIMEDOUT",
                "termination_code": "TIMEOUT",
                "error": None,
                "error_trace": None,
                "run_state_message": None,
                "run_page_url": "javascript:alert(1)",
            },
            {
                "task_key": "<img src=x onerror=alert(1)>",
                "task_run_id": "9",
                "attempt_number": 1,
                "result_state": "FAILED",
                "termination_code": "RUN_EXECUTION_ERROR",
                "error": "boom </pre><script>x</script>",
                "error_trace": None,
                "run_state_message": None,
                "run_page_url": "https://adb-1.example.net/?o=1#job/2/run/9",
            },
        ]
    )
    html = run_errors_html(frame)
    assert '<p class="run-error-head"><b>The run</b>: TIMEDOUT (TIMEOUT)</p>' in html
    assert "The Jobs API gives no message for it." in html
    assert "javascript:" not in html  # only http(s) links
    assert "<b>Task &lt;img src=x onerror=alert(1)&gt;</b>, attempt 2: FAILED (RUN_EXECUTION_ERROR)" in html
    assert "boom &lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert html.count("Open it in the workspace") == 1
