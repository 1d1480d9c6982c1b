"""A loopback stand-in for a workspace's Jobs API 2.2, served from the embedded DuckDB workspace.

The real databricks-sdk talks to it over real HTTP (``WorkspaceClient(host=server.start(), token=...)``):
the demo gets live-looking job settings and runs in progress, and tests exercise the SDK's pagination,
retries and error handling end to end. Endpoints (GET only, JSON as the real API spells it):

- ``/api/2.2/jobs/list``: ``limit`` (1-100, default 20), ``page_token``, ``expand_tasks``, ``name``
  (exact, case-insensitive). Newest job first; ``next_page_token`` / ``prev_page_token`` are opaque.
- ``/api/2.2/jobs/get?job_id=``: one job with its full settings.
- ``/api/2.2/jobs/runs/list``: ``active_only``, ``completed_only``, ``job_id``, ``start_time_from``,
  ``start_time_to`` (epoch ms), ``limit`` (1-25, default 20; above 25 is a 400 as on a workspace),
  ``page_token``, ``expand_tasks``. Newest run first.
- ``/api/2.2/jobs/runs/get?run_id=``: one run, with its task runs (a failed run's ``state_message``
  names its first failed task and that task's error).
- ``/api/2.2/jobs/runs/get-output?run_id=``: a task run's output; a failed one carries ``error`` and
  ``error_trace`` (texts from ``error_texts``, by termination code). A job run's id is refused, as on a
  workspace.
- ``/api/2.0/preview/scim/v2/Me`` (``w.current_user.me()``) and ``/.well-known/databricks-config`` (the
  SDK's host-metadata probe when a client is configured).

Data: jobs are the latest ``system.lakeflow.jobs`` rows of the server's workspace that are not deleted,
plus any job of ``demo.job_settings`` (the simulator's JobSettings JSON, used as the settings when present;
otherwise minimal settings are rebuilt from the latest jobs and job_tasks rows). Runs are the
``system.lakeflow.job_run_timeline`` slices collapsed per run_id: a run with no terminal row is active
(RUNNING, ``end_time`` 0); a finished run carries the latest terminal row's state, mapped to API spellings
with ``data.jobs_api.states.RESULT_STATES``. IDs are int64 on the wire (system tables hold strings).

Faults (``inject``) make the next matching requests misbehave; see ``FAULT_KINDS``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from data.engines import Engine, LiveDuckDBEngine
from data.jobs_api.error_texts import run_state_message, task_error
from data.jobs_api.states import FAILED_API_RESULTS, TRIGGER_TYPES, api_run_state
from data.jobs_api.wire import (
    ApiError,
    bool_param,
    epoch_ms,
    id_param,
    int_param,
    job_payload,
    minimal_settings,
    ms_param,
    page_offset,
    page_token,
    sql_value,
    wire_id,
)
from data.sql_files import sql_beside

logger = logging.getLogger(__name__)

# Page-size bounds of the real service: jobs/list accepts 1-100, runs/list at most 25 (the SDK docs say
# "less than 25"; a workspace accepts 25 and rejects 26 with INVALID_PARAMETER_VALUE).
JOBS_PAGE_MAX, JOBS_PAGE_DEFAULT = 100, 20
RUNS_PAGE_MAX, RUNS_PAGE_DEFAULT = 25, 20

# What `inject` can do to a matching request, and the options each kind takes.
#   rate_limit      429 REQUEST_LIMIT_EXCEEDED with `Retry-After: retry_after` (default 1 s).
#   unavailable     503 TEMPORARILY_UNAVAILABLE with `Retry-After: retry_after` (default 1 s).
#   server_error    500 INTERNAL_ERROR with `message` (the SDK does not retry it).
#   html_error      `status` (default 500) with an HTML page for a body, as a proxy or gateway in front of a
#                   workspace answers (no Jobs API error JSON for the SDK to parse).
#   slow            wait `seconds` (default 5), then answer normally (a client with a shorter read timeout
#                   gives up first).
#   truncated_page  mode="body" (default): the headers announce the whole JSON body, half of it is sent and
#                   the connection is closed, as when a proxy drops a connection mid-response (the client
#                   sees an incomplete read). mode="short_page": a list page with half its items and a
#                   next_page_token that has expired, so the next page is a 400 INVALID_PARAMETER_VALUE
#                   (the "page cut short" a client must report rather than return as complete).
FAULT_KINDS: dict[str, frozenset[str]] = {
    "rate_limit": frozenset({"retry_after"}),
    "unavailable": frozenset({"retry_after"}),
    "server_error": frozenset({"message"}),
    "html_error": frozenset({"status"}),
    "slow": frozenset({"seconds"}),
    "truncated_page": frozenset({"mode"}),
}

_PUBLIC_PATHS = frozenset({"/.well-known/databricks-config"})


_SETTINGS_SQL = """
SELECT job_id, settings_json FROM `{catalog}`.demo.job_settings WHERE workspace_id = :workspace_id
"""


@dataclass
class _Fault:
    path_prefix: str
    kind: str
    remaining: int | None  # None: every matching request until clear_faults()
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestRecord:
    """One request the server answered (never its headers: they carry the token)."""

    method: str
    path: str
    query: dict[str, str]
    status: int


def served_workspaces(engine: Engine | None) -> list[str]:
    """The workspace ids to serve, one loopback each (``["0"]`` when there is no data to serve)."""
    frame = engine.execute(sql_beside(__file__, "loopback_workspaces"), {}) if engine else None
    return [str(w) for w in frame["w"]] if frame is not None and len(frame) else ["0"]


class LoopbackJobsApi:
    """Serve one simulated workspace's Jobs API 2.2 on 127.0.0.1 from a DuckDB workspace.

    Parameters
    ----------
    source
        A DuckDB file (opened read-only for the server's lifetime) or an ``Engine`` to share, e.g. when the
        process already holds the file open (DuckDB refuses a second, differently configured connection).
    workspace_id
        Only this workspace's jobs and runs are served.
    token
        When set, every API request must carry ``Authorization: Bearer <token>`` (401 otherwise).
    user_name
        The user ``/api/2.0/preview/scim/v2/Me`` answers with.
    port
        0 picks a free ephemeral port.
    """

    def __init__(
        self,
        source: str | Path | Engine,
        workspace_id: str,
        token: str | None = None,
        user_name: str = "demo.user@example.com",
        port: int = 0,
    ) -> None:
        self._source = source
        self.workspace_id = str(workspace_id)
        self._token = token
        self.user_name = user_name
        self._port = port
        self._engine: Engine | None = None
        self._owns_engine = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._requests: list[RequestRecord] = []
        self.base_url = ""

    def __repr__(self) -> str:
        state = self.base_url or "stopped"
        return f"LoopbackJobsApi(workspace_id={self.workspace_id!r}, {state}, auth={self._token is not None})"

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving in a daemon thread and return the base URL (``http://127.0.0.1:<port>``)."""
        if self._server is not None:
            return self.base_url
        if isinstance(self._source, Engine):
            self._engine, self._owns_engine = self._source, False
        else:
            self._engine, self._owns_engine = LiveDuckDBEngine(self._source), True
        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), _make_handler(self))
        self._server.daemon_threads = True
        self._server.handle_error = _quiet_handle_error  # a client hanging up is not an error here
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="loopback-jobs-api",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving; requests still sleeping in a ``slow`` fault are woken and dropped."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._owns_engine and self._engine is not None:
            self._engine.close()
        self._server = self._thread = self._engine = None
        self.base_url = ""

    def __enter__(self) -> LoopbackJobsApi:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults and request log --------------------------------------------------------------------------

    def inject(self, path_prefix: str, kind: str, count: int | None = 1, **options: Any) -> None:
        """Make the next ``count`` requests whose path starts with ``path_prefix`` misbehave.

        ``count=None`` keeps the fault until ``clear_faults()``. Kinds and options: ``FAULT_KINDS``.
        Faults apply in the order injected; a request consumes at most one.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(FAULT_KINDS))}")
        unknown = set(options) - FAULT_KINDS[kind]
        if unknown:
            raise ValueError(f"fault {kind!r} takes no option {', '.join(sorted(unknown))}")
        if kind == "truncated_page" and options.get("mode", "body") not in ("body", "short_page"):
            raise ValueError("truncated_page mode must be 'body' or 'short_page'")
        with self._lock:
            self._faults.append(_Fault(path_prefix, kind, count, options))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def requests(self) -> list[RequestRecord]:
        """The requests answered so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path_prefix) and (fault.remaining is None or fault.remaining > 0):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    def _record(self, method: str, path: str, query: dict[str, str], status: int) -> None:
        with self._lock:
            self._requests.append(RequestRecord(method, path, query, status))

    def _authorized(self, header: str | None) -> None:
        if self._token is None:
            return
        if not header:
            raise ApiError(401, "401", "Credential was not sent or was of an unsupported type for this API.")
        if header != f"Bearer {self._token}":
            raise ApiError(401, "401", "Invalid access token.")

    # -- data ----------------------------------------------------------------------------------------------

    def _query(self, sql: str, **params: Any) -> pd.DataFrame:
        assert self._engine is not None, "server not started"
        return self._engine.execute(sql, {"workspace_id": self.workspace_id, **params})

    def _jobs(self) -> list[dict[str, Any]]:
        """Every live job of the workspace as an API ``Job`` (full settings), newest first."""
        settings_json: dict[str, str] = {}
        # demo.job_settings exists only in simulated workspaces. Its catalog is looked up and written into
        # the query: a database file named demo.duckdb makes the two-part name demo.job_settings ambiguous
        # (catalog "demo" or schema "demo") on DuckDB.
        found = self._query(sql_beside(__file__, "loopback_settings_catalog"))
        if not found.empty:
            catalog = str(found["table_catalog"].iloc[0]).replace("`", "``")
            settings_sql = sql_beside(__file__, "loopback_settings").replace("{catalog}", catalog)
            for row in self._query(settings_sql).itertuples(index=False):
                settings_json[str(row.job_id)] = row.settings_json
        tasks: dict[str, list[dict[str, Any]]] = {}
        for row in self._query(sql_beside(__file__, "loopback_tasks")).itertuples(index=False):
            task: dict[str, Any] = {"task_key": row.task_key}
            deps = sql_value(row.depends_on_keys)
            if deps is not None and len(deps):
                task["depends_on"] = [{"task_key": k} for k in deps]
            if sql_value(row.timeout_seconds) is not None:
                task["timeout_seconds"] = int(row.timeout_seconds)
            tasks.setdefault(str(row.job_id), []).append(task)

        jobs: dict[str, dict[str, Any] | None] = {}
        deleted: set[str] = set()
        for row in self._query(sql_beside(__file__, "loopback_jobs")).to_dict("records"):
            job_id = str(row["job_id"])
            if sql_value(row["delete_time"]) is not None:
                deleted.add(job_id)
                continue
            settings = (
                json.loads(settings_json[job_id])
                if job_id in settings_json
                else minimal_settings(row, tasks.get(job_id, []))
            )
            jobs[job_id] = job_payload(job_id, settings, row)
        for job_id, text in settings_json.items():
            if job_id not in jobs and job_id not in deleted:
                jobs[job_id] = job_payload(job_id, json.loads(text), {})
        out = [job for job in jobs.values() if job is not None]
        out.sort(key=lambda j: (j.get("created_time") or 0, j["job_id"]), reverse=True)
        return out

    def _runs(
        self,
        *,
        job_id: str | None = None,
        run_id: str | None = None,
        active: bool | None = None,
        start_from: datetime | None = None,
        start_to: datetime | None = None,
        limit: int = RUNS_PAGE_MAX + 1,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        frame = self._query(
            sql_beside(__file__, "loopback_runs"),
            job_id=job_id,
            run_id=run_id,
            active=active,
            start_from=start_from,
            start_to=start_to,
            row_limit=limit,
            row_offset=offset,
        )
        return [self._run(row) for row in frame.to_dict("records")]

    def _run(self, row: dict[str, Any]) -> dict[str, Any]:
        job_id, run_id = wire_id(row["job_id"]), wire_id(row["run_id"])
        trigger = sql_value(row["trigger_type"])
        run: dict[str, Any] = {
            "job_id": job_id,
            "run_id": run_id,
            "number_in_job": run_id,
            "original_attempt_run_id": run_id,
            "attempt_number": 0,
            "run_name": sql_value(row["run_name"]) or "",
            "run_type": sql_value(row["run_type"]) or "JOB_RUN",
            "format": "MULTI_TASK",
            "start_time": epoch_ms(row["start_time"]),
            "run_page_url": f"{self.base_url}/?o={self.workspace_id}#job/{job_id}/run/{run_id}",
        }
        if trigger:
            run["trigger"] = TRIGGER_TYPES.get(str(trigger).upper(), str(trigger).upper())
        if int(row["terminal_rows"]) == 0:
            run["end_time"] = 0
            run["state"] = {
                "life_cycle_state": "RUNNING",
                "state_message": "",
                "user_cancelled_or_timedout": False,
            }
            run["status"] = {"state": "RUNNING"}
            return run
        mapped = api_run_state(str(row["result_state"]))
        end_ms = epoch_ms(row["end_time"])
        run["end_time"] = end_ms
        run["state"] = {
            "life_cycle_state": mapped.life_cycle_state,
            "result_state": mapped.result_state,
            "state_message": "",
            "user_cancelled_or_timedout": mapped.result_state in ("CANCELED", "TIMEDOUT"),
        }
        run["status"] = {
            "state": "TERMINATED",
            "termination_details": {
                "code": sql_value(row["termination_code"]) or mapped.termination_code,
                "type": sql_value(row["termination_type"]) or mapped.termination_type,
                "message": "",
            },
        }
        seconds = sql_value(row["run_duration_seconds"])
        run["run_duration"] = (
            int(seconds * 1000) if seconds is not None else max(0, end_ms - run["start_time"])
        )
        for api_name, column in (
            ("queue_duration", "queue_duration_seconds"),
            ("setup_duration", "setup_duration_seconds"),
            ("execution_duration", "execution_duration_seconds"),
            ("cleanup_duration", "cleanup_duration_seconds"),
        ):
            seconds = sql_value(row[column])
            run[api_name] = int(seconds * 1000) if seconds is not None else 0
        return run

    def _task_runs(self, job_run_id: str) -> list[dict[str, Any]]:
        """Task runs of one job run: slices collapsed per task run_id, retries numbered per task_key."""
        grouped: dict[str, dict[str, Any]] = {}
        for row in self._query(sql_beside(__file__, "loopback_task_runs"), job_run_id=job_run_id).to_dict(
            "records"
        ):
            task = grouped.setdefault(
                str(row["run_id"]),
                {"run_id": wire_id(row["run_id"]), "task_key": row["task_key"], "start_time": None},
            )
            if task["start_time"] is None:
                task["start_time"] = epoch_ms(row["period_start_time"])
            if sql_value(row["result_state"]) is not None:
                mapped = api_run_state(str(row["result_state"]))
                task["end_time"] = epoch_ms(row["period_end_time"])
                task["state"] = {
                    "life_cycle_state": mapped.life_cycle_state,
                    "result_state": mapped.result_state,
                }
                code = sql_value(row["termination_code"]) or mapped.termination_code
                task["status"] = {"state": "TERMINATED", "termination_details": {"code": code}}
                if mapped.result_state in FAILED_API_RESULTS:
                    task["state"]["state_message"] = task_error(code, str(row["task_key"]))[0]
        attempts: dict[str, int] = {}
        out = []
        for task in grouped.values():
            task.setdefault("end_time", 0)
            task.setdefault("state", {"life_cycle_state": "RUNNING"})
            task.setdefault("status", {"state": "RUNNING"})
            task["attempt_number"] = attempts.get(task["task_key"], 0)
            attempts[task["task_key"]] = task["attempt_number"] + 1
            out.append(task)
        return out

    # -- endpoints -----------------------------------------------------------------------------------------

    def _route(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        handlers = {
            "/api/2.2/jobs/list": self._jobs_list,
            "/api/2.2/jobs/get": self._jobs_get,
            "/api/2.2/jobs/runs/list": self._runs_list,
            "/api/2.2/jobs/runs/get": self._runs_get,
            "/api/2.2/jobs/runs/get-output": self._runs_get_output,
            "/api/2.0/preview/scim/v2/Me": self._me,
            "/.well-known/databricks-config": self._host_metadata,
        }
        handler = handlers.get(path.rstrip("/"))
        if handler is None:
            raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for 'GET {path}'")
        return handler(query)

    def _jobs_list(self, query: dict[str, str]) -> dict[str, Any]:
        limit = int_param(query, "limit", JOBS_PAGE_DEFAULT, 1, JOBS_PAGE_MAX)
        offset = page_offset(query)
        expand = bool_param(query, "expand_tasks")
        jobs = self._jobs()
        if query.get("name"):
            wanted = query["name"].casefold()
            jobs = [j for j in jobs if str(j["settings"].get("name", "")).casefold() == wanted]
        page = jobs[offset : offset + limit]
        items = []
        for job in page:
            item = {k: v for k, v in job.items() if k != "run_as_user_name"}
            if expand:
                item["has_more"] = False
            else:
                item["settings"] = {
                    k: v for k, v in job["settings"].items() if k not in ("tasks", "job_clusters")
                }
            items.append(item)
        out: dict[str, Any] = {"jobs": items} if items else {}
        if offset + limit < len(jobs):
            out["next_page_token"] = page_token(offset + limit)
        if offset > 0:
            out["prev_page_token"] = page_token(max(0, offset - limit))
        out["has_more"] = "next_page_token" in out
        return out

    def _jobs_get(self, query: dict[str, str]) -> dict[str, Any]:
        job_id = id_param(query, "job_id")
        for job in self._jobs():
            if job["job_id"] == job_id:
                return job
        raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Job {job_id} does not exist.")

    def _runs_list(self, query: dict[str, str]) -> dict[str, Any]:
        limit = int_param(query, "limit", RUNS_PAGE_DEFAULT, 0, RUNS_PAGE_MAX) or RUNS_PAGE_MAX
        offset = page_offset(query)
        active_only = bool_param(query, "active_only")
        completed_only = bool_param(query, "completed_only")
        if active_only and completed_only:
            raise ApiError(
                400, "INVALID_PARAMETER_VALUE", "active_only and completed_only cannot both be true"
            )
        active = True if active_only else False if completed_only else None
        job_id = str(id_param(query, "job_id")) if query.get("job_id") else None
        runs = self._runs(
            job_id=job_id,
            active=active,
            start_from=ms_param(query, "start_time_from"),
            start_to=ms_param(query, "start_time_to"),
            limit=limit + 1,  # one more than a page tells whether there is a next page
            offset=offset,
        )
        page = runs[:limit]
        if bool_param(query, "expand_tasks"):
            for run in page:
                run["tasks"] = self._task_runs(str(run["run_id"]))
                run["has_more"] = False
        out: dict[str, Any] = {"runs": page} if page else {}
        if len(runs) > limit:
            out["next_page_token"] = page_token(offset + limit)
        if offset > 0:
            out["prev_page_token"] = page_token(max(0, offset - limit))
        out["has_more"] = "next_page_token" in out
        return out

    def _runs_get(self, query: dict[str, str]) -> dict[str, Any]:
        run_id = id_param(query, "run_id")
        runs = self._runs(run_id=str(run_id), limit=1)
        if not runs:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Run {run_id} does not exist.")
        run = runs[0]
        run["tasks"] = self._task_runs(str(run_id))
        failed = [t for t in run["tasks"] if t["state"].get("result_state") in FAILED_API_RESULTS]
        if run["state"].get("result_state") in FAILED_API_RESULTS:
            details = run["status"]["termination_details"]
            code = failed[0]["status"]["termination_details"]["code"] if failed else details["code"]
            message = run_state_message([t["task_key"] for t in failed], code)
            run["state"]["state_message"] = message
            run["status"]["termination_details"]["message"] = message
        return run

    def _runs_get_output(self, query: dict[str, str]) -> dict[str, Any]:
        """A task run's output: its error and trace when it failed (as on a workspace, a job run of
        several tasks has no output of its own: each task run's is asked for)."""
        run_id = id_param(query, "run_id")
        found = self._query(sql_beside(__file__, "loopback_task_output"), run_id=str(run_id))
        if found.empty:
            if self._runs(run_id=str(run_id), limit=1):
                raise ApiError(
                    400,
                    "INVALID_PARAMETER_VALUE",
                    "Retrieving the output of runs with multiple tasks is not supported. Please retrieve "
                    "the output of each individual task run instead.",
                )
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Run {run_id} does not exist.")
        row = found.iloc[0].to_dict()
        metadata: dict[str, Any] = {
            "run_id": run_id,
            "job_id": wire_id(row["job_id"]),
            "task_key": row["task_key"],
            "start_time": epoch_ms(row["period_start_time"]),
        }
        out: dict[str, Any] = {"metadata": metadata}
        if sql_value(row["result_state"]) is None:
            metadata["state"] = {"life_cycle_state": "RUNNING"}
            return out
        mapped = api_run_state(str(row["result_state"]))
        metadata["state"] = {"life_cycle_state": mapped.life_cycle_state, "result_state": mapped.result_state}
        metadata["end_time"] = epoch_ms(row["period_end_time"])
        if mapped.result_state in FAILED_API_RESULTS:
            code = sql_value(row["termination_code"]) or mapped.termination_code
            out["error"], out["error_trace"] = task_error(code, str(row["task_key"]))
        else:
            out["notebook_output"] = {}
        return out

    def _me(self, query: dict[str, str]) -> dict[str, Any]:
        user_id = str(int(hashlib.sha256(self.user_name.encode()).hexdigest()[:12], 16))
        return {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": user_id,
            "userName": self.user_name,
            "displayName": self.user_name.split("@")[0].replace(".", " ").title(),
            "active": True,
            "emails": [{"value": self.user_name, "type": "work", "primary": True}],
        }

    def _host_metadata(self, query: dict[str, str]) -> dict[str, Any]:
        return {"oidc_endpoint": f"{self.base_url}/oidc", "workspace_id": self.workspace_id}


# -- HTTP plumbing ------------------------------------------------------------------------------------------


def _make_handler(api: LoopbackJobsApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's pooled session expects
        server_version = "LoopbackJobsApi/2.2"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
            logger.debug("%s %s", self.address_string(), format % args)

        def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
            parts = urlsplit(self.path)
            path = parts.path
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            fault = api._take_fault(path)
            try:
                if fault is not None and fault.kind == "slow":
                    if api._stopping.wait(float(fault.options.get("seconds", 5))):
                        self.close_connection = True
                        return
                    fault = None
                if fault is not None and fault.kind in ("rate_limit", "unavailable"):
                    retry_after = str(int(fault.options.get("retry_after", 1)))
                    if fault.kind == "rate_limit":
                        raise ApiError(
                            429, "REQUEST_LIMIT_EXCEEDED", "Too many requests.", {"Retry-After": retry_after}
                        )
                    raise ApiError(
                        503, "TEMPORARILY_UNAVAILABLE", "Service unavailable.", {"Retry-After": retry_after}
                    )
                if fault is not None and fault.kind == "server_error":
                    raise ApiError(
                        500, "INTERNAL_ERROR", str(fault.options.get("message", "Internal error."))
                    )
                if fault is not None and fault.kind == "html_error":
                    status = int(fault.options.get("status", 500))
                    api._record("GET", path, query, status)
                    self._send_html(
                        status, "<html><body><h1>Internal Server Error</h1><p>upstream</p></body></html>"
                    )
                    return
                if path not in _PUBLIC_PATHS:
                    api._authorized(self.headers.get("Authorization"))
                payload = api._route(path, query)
                if fault is not None and fault.kind == "truncated_page":
                    # Recorded before answering: a client may act on the answer before this thread goes on.
                    api._record("GET", path, query, 200)
                    if fault.options.get("mode", "body") == "short_page" and _shorten_page(payload):
                        self._send(200, payload)
                    else:
                        self._send_truncated(payload)
                    return
                api._record("GET", path, query, 200)
                self._send(200, payload)
            except ApiError as err:
                api._record("GET", path, query, err.status)
                self._send(err.status, {"error_code": err.error_code, "message": err.message}, err.headers)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            except Exception as err:  # an unexpected failure answers 500, like a workspace would
                logger.exception("loopback Jobs API failed on %s", path)
                api._record("GET", path, query, 500)
                self._send(500, {"error_code": "INTERNAL_ERROR", "message": f"{type(err).__name__}: {err}"})

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _send_html(self, status: int, page: str) -> None:
            body = page.encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _send_truncated(self, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: max(1, len(body) // 2)])
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True

    return Handler


def _quiet_handle_error(request: Any, client_address: Any) -> None:
    logger.debug("loopback Jobs API: connection from %s ended with an error", client_address, exc_info=True)


def _shorten_page(payload: dict[str, Any]) -> bool:
    """Cut a list page to half its items and give it an expired next_page_token; False if not a list."""
    key = "jobs" if "jobs" in payload else "runs" if "runs" in payload else None
    if key is None or len(payload[key]) < 2:
        return False
    payload[key] = payload[key][: len(payload[key]) // 2]
    payload["next_page_token"] = page_token(0, expired=True)
    payload["has_more"] = True
    return True
