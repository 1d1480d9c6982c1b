"""The Jobs API client against the loopback workspace: the real databricks-sdk over real HTTP.

The workspace is hand-made (a few jobs, runs and settings), so every expected value is exact.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import DatabricksError, InvalidParameterValue

from data.engines import DuckDBEngine
from data.jobs_api.client import (
    ACTIVE_RUN_COLUMNS,
    JOB_SETTINGS_COLUMNS,
    RECENT_RUN_COLUMNS,
    RUN_ERROR_COLUMNS,
    JobsApiError,
    JobsApiProvider,
)
from data.jobs_api.loopback import LoopbackJobsApi
from data.jobs_api.states import API_TO_SYSTEM_RESULT_STATE, RESULT_STATES
from data.schema import create_tables

TOKEN = "dapi-SECRET-0123456789abcdef"
WS = "100"
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)

FULL_SETTINGS = {
    "name": "orders_daily",
    "tags": {"team": "sales", "env": "prod"},
    "schedule": {
        "quartz_cron_expression": "0 0 5 * * ?",
        "timezone_id": "Europe/Amsterdam",
        "pause_status": "UNPAUSED",
    },
    "max_concurrent_runs": 1,
    "timeout_seconds": 7200,
    "health": {"rules": [{"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": 3600}]},
    "email_notifications": {
        "on_failure": ["a@example.com", "b@example.com"],
        "on_success": ["a@example.com"],
    },
    "queue": {"enabled": True},
    "job_clusters": [
        {
            "job_cluster_key": "main",
            "new_cluster": {
                "spark_version": "15.4.x-scala2.12",
                "node_type_id": "Standard_D4ds_v5",
                "driver_node_type_id": "Standard_D8ds_v5",
                "autoscale": {"min_workers": 2, "max_workers": 8},
            },
        }
    ],
    "tasks": [
        {
            "task_key": "ingest",
            "job_cluster_key": "main",
            "max_retries": 2,
            "retry_on_timeout": True,
            "notebook_task": {"notebook_path": "/Jobs/ingest"},
        },
        {
            "task_key": "publish",
            "depends_on": [{"task_key": "ingest"}],
            "new_cluster": {
                "spark_version": "15.4.x-scala2.12",
                "node_type_id": "Standard_D4ds_v5",
                "num_workers": 3,
            },
            "max_retries": 1,
            "notebook_task": {"notebook_path": "/Jobs/publish"},
        },
    ],
}

PAUSED_SERVERLESS_SETTINGS = {
    "name": "adhoc_report",
    "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": "PAUSED"},
    "tasks": [{"task_key": "report", "notebook_task": {"notebook_path": "/Jobs/report"}}],
}

# (run_id, job_id, [(minutes from T0 start, minutes end, result_state)]) of workspace 100.
RUNS = [
    ("101", "1", [(0, 60, None), (60, 70, "SUCCEEDED")]),
    ("102", "1", [(120, 180, None), (180, 190, None)]),  # in progress, two slices
    ("103", "2", [(10, 20, "TIMED_OUT")]),
    ("104", "2", [(20, 25, "CANCELLED")]),
    ("105", "3", [(30, 35, "ERROR")]),
    ("106", "3", [(150, 160, None)]),  # in progress
    ("107", "4", [(40, 50, "FAILED"), (90, 95, "SUCCEEDED")]),  # repaired: final outcome SUCCEEDED
    ("108", "5", [(50, 50, "SKIPPED")]),
]


def _fill(con, extra_jobs: int = 0) -> None:
    """Workspace 100: jobs 1-6 and 8 live (7 deleted), a decoy workspace 200, and the runs above."""
    jobs = "INSERT INTO lakeflow.jobs (account_id, workspace_id, job_id, name, tags, change_time, delete_time, trigger, paused, timeout_seconds, health_rules, creator_user_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    for job_id in ("1", "2", "3", "4", "5"):
        con.execute(
            jobs,
            [
                "acc",
                WS,
                job_id,
                f"job {job_id}",
                {},
                T0 - timedelta(days=9),
                None,
                None,
                None,
                None,
                None,
                "owner@example.com",
            ],
        )
    con.execute(
        jobs, ["acc", WS, "2", "old name", {}, T0 - timedelta(days=20), None, None, None, None, None, None]
    )
    schedule = {"schedule": {"quartz_cron_expression": "0 30 * * * ?", "timezone_id": "UTC"}}
    rules = [{"metric": "RUN_DURATION_SECONDS", "operator": "GREATER_THAN", "value": 900}]
    con.execute(
        jobs,
        [
            "acc",
            WS,
            "6",
            "fallback job",
            {"team": "ops"},
            T0 - timedelta(days=8),
            None,
            schedule,
            True,
            600,
            rules,
            "ops@example.com",
        ],
    )
    con.execute(
        jobs,
        [
            "acc",
            WS,
            "7",
            "gone",
            {},
            T0 - timedelta(days=7),
            T0 - timedelta(days=7),
            None,
            None,
            None,
            None,
            None,
        ],
    )
    con.execute(jobs, ["acc", "200", "1001", "other workspace", {}, T0, None, None, None, None, None, None])
    tasks = "INSERT INTO lakeflow.job_tasks (account_id, workspace_id, job_id, task_key, depends_on_keys, change_time) VALUES (?, ?, ?, ?, ?, ?)"
    con.execute(tasks, ["acc", WS, "6", "extract", [], T0 - timedelta(days=8)])
    con.execute(tasks, ["acc", WS, "6", "load", ["extract"], T0 - timedelta(days=8)])

    # Fully qualified: in a file named demo.duckdb, "demo.job_settings" is ambiguous (catalog or schema).
    table = f'"{con.execute("SELECT current_database()").fetchone()[0]}".demo.job_settings'
    con.execute("CREATE SCHEMA IF NOT EXISTS demo")
    con.execute(f"CREATE TABLE {table} (workspace_id STRING, job_id STRING, settings_json STRING)")
    settings = {"1": FULL_SETTINGS, "2": PAUSED_SERVERLESS_SETTINGS, "8": {"name": "new job", "tags": {}}}
    settings |= {j: {"name": f"job {j}"} for j in ("3", "4", "5")}
    settings |= {"7": {"name": "gone"}}  # deleted in the system tables: not served
    settings |= {str(2000 + i): {"name": f"bulk {i}"} for i in range(extra_jobs)}
    con.executemany(
        f"INSERT INTO {table} VALUES (?, ?, ?)",
        [[WS, j, json.dumps(s)] for j, s in settings.items()],
    )
    con.execute(f"INSERT INTO {table} VALUES ('200', '1001', '{{\"name\": \"other workspace\"}}')")

    timeline = "INSERT INTO lakeflow.job_run_timeline (account_id, workspace_id, job_id, run_id, period_start_time, period_end_time, result_state, trigger_type, run_type, run_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    for run_id, job_id, slices in RUNS:
        for start, end, state in slices:
            row = [
                run_id,
                T0 + timedelta(minutes=start),
                T0 + timedelta(minutes=end),
                state,
                "CRON",
                "JOB_RUN",
                f"run {run_id}",
            ]
            con.execute(timeline, ["acc", WS, job_id, *row])
    con.execute(
        timeline, ["acc", "200", "1001", "901", T0, T0 + timedelta(minutes=5), None, "CRON", "JOB_RUN", "x"]
    )
    tasks_tl = "INSERT INTO lakeflow.job_task_run_timeline (account_id, workspace_id, job_id, run_id, job_run_id, task_key, period_start_time, period_end_time, result_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    con.execute(
        tasks_tl,
        [
            "acc",
            WS,
            "4",
            "7001",
            "107",
            "main",
            T0 + timedelta(minutes=40),
            T0 + timedelta(minutes=50),
            "FAILED",
        ],
    )
    con.execute(
        tasks_tl,
        [
            "acc",
            WS,
            "4",
            "7002",
            "107",
            "main",
            T0 + timedelta(minutes=90),
            T0 + timedelta(minutes=95),
            "SUCCEEDED",
        ],
    )


@pytest.fixture
def server(engine: DuckDBEngine):
    _fill(engine.raw())
    with LoopbackJobsApi(engine, WS, token=TOKEN, user_name="ada.lovelace@example.com") as srv:
        yield srv


@pytest.fixture
def provider(server: LoopbackJobsApi) -> JobsApiProvider:
    return JobsApiProvider(server.base_url, token=TOKEN, timeout_s=5, workspace_id=WS)


def _api_calls(server: LoopbackJobsApi, path: str) -> list[int]:
    return [r.status for r in server.requests if r.path == path]


# -- settings and pagination ---------------------------------------------------------------------------------


def test_job_settings_of_a_fully_configured_job(provider):
    frame = provider.job_settings()
    assert list(frame.columns) == list(JOB_SETTINGS_COLUMNS)
    row = frame.set_index("job_id").loc["1"]
    assert row["workspace_id"] == WS
    assert row["name"] == "orders_daily"
    assert row["creator_user_name"] == "owner@example.com"
    assert row["created_time"] == pd.Timestamp(T0 - timedelta(days=9))
    assert (row["schedule_cron"], row["schedule_timezone"]) == ("0 0 5 * * ?", "Europe/Amsterdam")
    assert (row["pause_status"], row["trigger_kind"]) == ("UNPAUSED", "schedule")
    assert row["tags"] == {"team": "sales", "env": "prod"}
    assert (row["task_count"], row["max_retries"], row["retry_on_timeout"]) == (2, 2, True)
    assert (row["timeout_seconds"], row["health_duration_threshold_seconds"]) == (7200, 3600)
    assert (row["max_concurrent_runs"], row["queue_enabled"]) == (1, True)
    assert row["node_types"] == ["Standard_D4ds_v5", "Standard_D8ds_v5"]
    assert (row["cluster_count"], row["min_workers"], row["max_workers"], row["autoscale"]) == (
        2,
        5,
        11,
        True,
    )
    assert (row["notification_email_count"], row["notifies_on_failure"]) == (2, True)


def test_job_settings_of_sparse_and_fallback_jobs(provider):
    frame = provider.job_settings().set_index("job_id")
    # Deleted job 7 and workspace 200's job are not served; job 8 exists only in the settings (lagging tables).
    assert set(frame.index) == {"1", "2", "3", "4", "5", "6", "8"}
    paused = frame.loc["2"]
    assert (paused["name"], paused["pause_status"], paused["task_count"], paused["max_retries"]) == (
        "adhoc_report",
        "PAUSED",
        1,
        0,
    )
    assert (paused["cluster_count"], paused["node_types"], paused["autoscale"]) == (0, [], False)
    assert pd.isna(paused["min_workers"]) and pd.isna(paused["health_duration_threshold_seconds"])
    assert (paused["notification_email_count"], paused["notifies_on_failure"]) == (0, False)
    # No settings JSON: rebuilt from the latest system.lakeflow.jobs and job_tasks rows.
    fallback = frame.loc["6"]
    assert (fallback["name"], fallback["schedule_cron"], fallback["schedule_timezone"]) == (
        "fallback job",
        "0 30 * * * ?",
        "UTC",
    )
    assert (fallback["pause_status"], fallback["tags"], fallback["timeout_seconds"]) == (
        "PAUSED",
        {"team": "ops"},
        600,
    )
    assert (fallback["health_duration_threshold_seconds"], fallback["task_count"]) == (900, 2)
    manual = frame.loc["8"]
    assert (manual["trigger_kind"], pd.isna(manual["pause_status"]), pd.isna(manual["created_time"])) == (
        "manual",
        True,
        True,
    )


def test_pagination_returns_every_job_exactly_once(engine):
    _fill(engine.raw(), extra_jobs=125)  # 132 jobs: two pages of 100
    with LoopbackJobsApi(engine, WS, token=TOKEN) as srv:
        frame = JobsApiProvider(srv.base_url, token=TOKEN, timeout_s=5).job_settings()
        expected = {"1", "2", "3", "4", "5", "6", "8"} | {str(2000 + i) for i in range(125)}
        assert len(frame) == len(expected) and set(frame["job_id"]) == expected
        assert _api_calls(srv, "/api/2.2/jobs/list") == [200, 200]
        # The SDK follows next_page_token on small pages too, and the loopback filters by name.
        w = WorkspaceClient(host=srv.base_url, token=TOKEN, auth_type="pat")
        assert sorted(j.job_id for j in w.jobs.list(limit=20)) == sorted(int(j) for j in expected)
        assert [j.job_id for j in w.jobs.list(name="ORDERS_DAILY")] == [1]
        assert w.jobs.get(6).settings.tasks[1].depends_on[0].task_key == "extract"


# -- runs ------------------------------------------------------------------------------------------------------


def test_active_runs_are_the_runs_without_a_terminal_row(provider):
    frame = provider.active_runs()
    assert list(frame.columns) == list(ACTIVE_RUN_COLUMNS)
    assert frame["run_id"].tolist() == ["106", "102"]  # newest first; workspace 200's run 901 is not there
    assert frame["job_id"].tolist() == ["3", "1"]
    assert frame["start_time"].tolist() == [T0 + timedelta(minutes=150), T0 + timedelta(minutes=120)]
    assert frame["state"].tolist() == ["RUNNING", "RUNNING"]
    assert frame["trigger"].tolist() == ["PERIODIC", "PERIODIC"]
    assert frame["run_page_url"].iloc[1] == f"{provider.host}/?o={WS}#job/1/run/102"
    assert provider.active_runs(job_id="3")["run_id"].tolist() == ["106"]


def test_completed_runs_map_result_states_both_ways(provider):
    frame = provider.recent_runs(since=pd.Timestamp(T0))
    assert list(frame.columns) == list(RECENT_RUN_COLUMNS)
    got = dict(
        zip(frame["run_id"], zip(frame["api_result_state"], frame["result_state"], strict=True), strict=True)
    )
    assert got == {
        "101": ("SUCCESS", "SUCCEEDED"),
        "103": ("TIMEDOUT", "TIMED_OUT"),
        "104": ("CANCELED", "CANCELLED"),
        "105": ("FAILED", "FAILED"),  # ERROR: an internal failure, FAILED on the API
        "107": ("SUCCESS", "SUCCEEDED"),  # the repair's outcome, not the first attempt's
        "108": ("EXCLUDED", "SKIPPED"),
    }
    run_101 = frame.set_index("run_id").loc["101"]
    assert (run_101["start_time"], run_101["end_time"]) == (T0, T0 + timedelta(minutes=70))
    assert run_101["duration_seconds"] == 4200.0
    assert provider.recent_runs(since=pd.Timestamp(T0 + timedelta(minutes=45)))["run_id"].tolist() == ["108"]


def test_run_details_and_state_constants(server):
    w = WorkspaceClient(host=server.base_url, token=TOKEN, auth_type="pat")
    run = w.jobs.get_run(105)
    assert (run.state.life_cycle_state.value, run.state.result_state.value) == ("INTERNAL_ERROR", "FAILED")
    assert run.status.termination_details.code.value == "INTERNAL_ERROR"
    repaired = w.jobs.get_run(107)
    assert [(t.run_id, t.attempt_number, t.state.result_state.value) for t in repaired.tasks] == [
        (7001, 0, "FAILED"),
        (7002, 1, "SUCCESS"),
    ]
    assert {
        s: a.result_state for s, a in RESULT_STATES.items() if s in ("SUCCEEDED", "TIMED_OUT", "CANCELLED")
    } == {
        "SUCCEEDED": "SUCCESS",
        "TIMED_OUT": "TIMEDOUT",
        "CANCELLED": "CANCELED",
    }
    assert API_TO_SYSTEM_RESULT_STATE["CANCELED"] == "CANCELLED"


def test_runs_page_limit_is_enforced_like_a_workspace(server):
    w = WorkspaceClient(host=server.base_url, token=TOKEN, auth_type="pat")
    assert len(list(w.jobs.list_runs(limit=25))) == 8
    assert [r.run_id for r in w.jobs.list_runs(limit=3, completed_only=True)] == [
        108,
        107,
        105,
        104,
        103,
        101,
    ]
    with pytest.raises(InvalidParameterValue, match="between 0 and 25"):
        list(w.jobs.list_runs(limit=26))


def test_current_user(provider):
    me = provider.current_user()
    assert me[["user_name", "display_name", "active"]].iloc[0].tolist() == [
        "ada.lovelace@example.com",
        "Ada Lovelace",
        True,
    ]


# -- auth and secrets ---------------------------------------------------------------------------------------------


def test_wrong_token_is_a_clear_error_without_the_token(server):
    wrong = "dapi-WRONG-fedcba9876543210"
    provider = JobsApiProvider(server.base_url, token=wrong, timeout_s=5)
    with pytest.raises(JobsApiError) as info:
        provider.active_runs()
    err = info.value
    assert (err.status, err.operation) == (401, "runs/list")
    assert "Invalid access token" in str(err)
    rendered = "".join(traceback.format_exception(err)) + repr(provider) + str(vars(provider))
    assert wrong not in rendered and TOKEN not in rendered
    assert _api_calls(server, "/api/2.2/jobs/runs/list") == [401]  # not retried


def test_user_token_wins_over_the_apps_service_principal(server, monkeypatch, caplog):
    monkeypatch.setenv("DATABRICKS_CLIENT_ID", "app-sp-id")
    monkeypatch.setenv("DATABRICKS_CLIENT_SECRET", "app-sp-secret")
    monkeypatch.setenv("DATABRICKS_DEBUG_HEADERS", "true")
    caplog.set_level("DEBUG", logger="databricks.sdk")
    provider = JobsApiProvider(server.base_url, token=TOKEN, timeout_s=5)
    assert provider.active_runs()["run_id"].tolist() == ["106", "102"]
    assert "GET /api/2.2/jobs/runs/list" in caplog.text and TOKEN not in caplog.text
    assert repr(provider) == f"JobsApiProvider(host='{server.base_url}', auth='user token', timeout_s=5)"


# -- faults ---------------------------------------------------------------------------------------------------------


def test_rate_limit_is_retried_by_the_sdk(provider, server):
    server.inject("/api/2.2/jobs/runs/list", "rate_limit", count=1, retry_after=1)
    started = time.monotonic()
    assert provider.active_runs()["run_id"].tolist() == ["106", "102"]
    assert time.monotonic() - started >= 1.0  # it honoured Retry-After
    assert _api_calls(server, "/api/2.2/jobs/runs/list") == [429, 200]


def test_server_error_is_reported_with_its_reason(provider, server):
    server.inject("/api/2.2/jobs/list", "server_error", message="backend exploded")
    with pytest.raises(JobsApiError) as info:
        provider.job_settings()
    assert (info.value.status, info.value.error_code) == (500, "INTERNAL_ERROR")
    assert str(info.value) == "Jobs API jobs/list failed: HTTP 500 INTERNAL_ERROR: backend exploded"
    assert _api_calls(server, "/api/2.2/jobs/list") == [500]


def test_slow_api_gives_up_within_the_timeout(server):
    provider = JobsApiProvider(server.base_url, token=TOKEN, timeout_s=1)
    provider.current_user()  # the client is built (host probe) before the clock below starts
    server.inject("/api/2.2/jobs/runs/list", "slow", seconds=5)
    started = time.monotonic()
    with pytest.raises(
        JobsApiError,
        match=r"runs/list failed: (gave up retrying within 1 s: )?no (complete )?answer within 1 s",
    ):
        provider.active_runs()
    assert time.monotonic() - started < 1.5


def test_truncated_body_is_a_clear_error(provider, server):
    server.inject("/api/2.2/jobs/runs/list", "truncated_page")
    with pytest.raises(JobsApiError, match="runs/list failed: the response was cut short"):
        provider.active_runs()


def test_page_cut_short_with_an_expired_token_is_an_error(engine):
    _fill(engine.raw(), extra_jobs=125)
    with LoopbackJobsApi(engine, WS, token=TOKEN) as srv:
        srv.inject("/api/2.2/jobs/list", "truncated_page", mode="short_page")
        with pytest.raises(JobsApiError) as info:
            JobsApiProvider(srv.base_url, token=TOKEN, timeout_s=5).job_settings()
        assert (info.value.status, info.value.error_code) == (400, "INVALID_PARAMETER_VALUE")
        assert "page token has expired" in str(info.value)


def test_requests_are_answered_concurrently(server):
    server.inject("/api/2.0/preview/scim/v2/Me", "slow", count=3, seconds=0.8)
    provider = JobsApiProvider(server.base_url, token=TOKEN, timeout_s=5)
    provider.job_settings()  # build the client first
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(provider.current_user()["user_name"].iloc[0]))
        for _ in range(3)
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["ada.lovelace@example.com"] * 3
    assert time.monotonic() - started < 1.6  # three 0.8 s answers overlapped


def test_serves_a_duckdb_file_read_only(tmp_path):
    path = tmp_path / "demo.duckdb"
    eng = DuckDBEngine(path)
    create_tables(eng.raw())
    _fill(eng.raw())
    eng.close()
    with LoopbackJobsApi(path, WS) as srv:  # no token: auth not checked
        assert JobsApiProvider(srv.base_url, token="any", timeout_s=5).active_runs()["run_id"].tolist() == [
            "106",
            "102",
        ]


def test_throttling_beyond_the_budget_reports_the_429(server):
    provider = JobsApiProvider(server.base_url, token=TOKEN, timeout_s=2)
    provider.current_user()
    server.inject("/api/2.2/jobs/runs/list", "rate_limit", count=None, retry_after=30)
    started = time.monotonic()
    with pytest.raises(JobsApiError) as info:
        provider.active_runs()
    assert time.monotonic() - started < 2.0  # Retry-After 30 is not slept through
    assert (info.value.status, info.value.error_code) == (429, "REQUEST_LIMIT_EXCEEDED")
    assert str(info.value).startswith("Jobs API runs/list failed: gave up retrying within 2 s: HTTP 429")


def test_an_html_error_page_is_reported_without_the_sdks_bug_report_text(provider, server):
    server.inject("/api/2.2/jobs/list", "html_error", status=500)
    with pytest.raises(JobsApiError) as info:
        provider.job_settings()
    assert info.value.status == 500
    assert str(info.value).startswith("Jobs API jobs/list failed: HTTP 500")
    assert str(info.value).endswith(
        "the answer was not a Jobs API error (an HTML page: a proxy or gateway in front of the workspace?)"
    )
    assert "issue tracker" not in str(info.value) and "Request log" not in str(info.value)


def test_run_errors_are_each_failed_task_runs_output(provider, server):
    repaired = provider.run_errors("107")  # its first attempt failed, the repair succeeded
    assert list(repaired.columns) == list(RUN_ERROR_COLUMNS)
    row = repaired.iloc[0]
    assert (len(repaired), row.task_key, row.task_run_id, row.attempt_number, row.result_state) == (
        1,
        "main",
        "7001",
        0,
        "FAILED",
    )
    assert row.termination_code == "RUN_EXECUTION_ERROR"
    assert row.error.startswith("[CAST_INVALID_INPUT] The value 'n/a' of the type \"STRING\" cannot be cast")
    assert row.error_trace.splitlines()[:2] == [
        "Task main failed:",
        "org.apache.spark.SparkNumberFormatException: [CAST_INVALID_INPUT] The value 'n/a' <STRING> "
        "cannot be cast to DECIMAL(10,2)",
    ]
    assert pd.isna(row.run_state_message)  # the run itself succeeded
    assert _api_calls(server, "/api/2.2/jobs/runs/get-output") == [200]


def test_a_failed_run_without_failed_tasks_gives_its_own_message(provider):
    errors = provider.run_errors("105")
    assert len(errors) == 1 and pd.isna(errors.task_key.iloc[0])
    assert (errors.result_state.iloc[0], errors.termination_code.iloc[0]) == ("FAILED", "INTERNAL_ERROR")
    assert errors.error.iloc[0] == (
        "An internal error occurred while running the job. Retry the run; contact support if it persists."
    )
    assert errors.run_state_message.iloc[0] == errors.error.iloc[0]
    assert provider.run_errors("101").empty  # succeeded at the first attempt


def test_output_of_a_job_run_is_refused_as_on_a_workspace(server):
    w = WorkspaceClient(host=server.base_url, token=TOKEN, auth_type="pat")
    with pytest.raises(DatabricksError, match="output of runs with multiple tasks is not supported"):
        w.jobs.get_run_output(101)
    with pytest.raises(DatabricksError, match="Run 999 does not exist"):
        w.jobs.get_run_output(999)
    failed = w.jobs.get_run(107).tasks[0]
    assert failed.state.state_message.startswith("[CAST_INVALID_INPUT]")
