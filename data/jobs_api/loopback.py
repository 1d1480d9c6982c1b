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
- ``/api/2.2/jobs/runs/get?run_id=``: one run, with its task runs.
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

import base64
import binascii
import hashlib
import json
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from data.engines import DuckDBEngine, Engine
from data.jobs_api.states import TRIGGER_TYPES, api_run_state

logger = logging.getLogger(__name__)

# Page-size bounds of the real service: jobs/list accepts 1-100, runs/list at most 25 (the SDK docs say
# "less than 25"; a workspace accepts 25 and rejects 26 with INVALID_PARAMETER_VALUE).
JOBS_PAGE_MAX, JOBS_PAGE_DEFAULT = 100, 20
RUNS_PAGE_MAX, RUNS_PAGE_DEFAULT = 25, 20

# What `inject` can do to a matching request, and the options each kind takes.
#   rate_limit      429 REQUEST_LIMIT_EXCEEDED with `Retry-After: retry_after` (default 1 s).
#   unavailable     503 TEMPORARILY_UNAVAILABLE with `Retry-After: retry_after` (default 1 s).
#   server_error    500 INTERNAL_ERROR with `message` (the SDK does not retry it).
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
    "slow": frozenset({"seconds"}),
    "truncated_page": frozenset({"mode"}),
}

_PUBLIC_PATHS = frozenset({"/.well-known/databricks-config"})

# The queries stay here rather than in .sql files: demo.job_settings exists only in simulated workspaces,
# and tests/test_sql_files.py runs every .sql file of the project on a plain workspace.
# The catalog is looked up and written into the settings query: a database file named demo.duckdb makes
# the two-part name demo.job_settings ambiguous (catalog "demo" or schema "demo") on DuckDB.
_FIND_SETTINGS_SQL = """
SELECT table_catalog FROM information_schema.tables
WHERE table_schema = 'demo' AND table_name = 'job_settings'
ORDER BY table_catalog
"""

_SETTINGS_SQL = """
SELECT job_id, settings_json FROM `{catalog}`.demo.job_settings WHERE workspace_id = :workspace_id
"""

_JOBS_SQL = """
WITH versions AS (
  SELECT *,
    ROW_NUMBER() OVER (PARTITION BY job_id ORDER BY change_time DESC) AS version_rank,
    MIN(change_time) OVER (PARTITION BY job_id) AS first_change_time
  FROM system.lakeflow.jobs
  WHERE workspace_id = :workspace_id
)
SELECT job_id, name, description, tags, creator_user_name, run_as_user_name, delete_time,
  COALESCE(create_time, first_change_time) AS created_time,
  `trigger`.schedule.quartz_cron_expression AS schedule_cron,
  `trigger`.schedule.timezone_id AS schedule_timezone,
  `trigger`.periodic.`interval` AS periodic_interval,
  `trigger`.periodic.units AS periodic_units,
  `trigger`.continuous.enabled AS continuous_enabled,
  `trigger`.file_arrival.url AS file_arrival_url,
  paused, timeout_seconds, health_rules
FROM versions
WHERE version_rank = 1
"""

_TASKS_SQL = """
WITH versions AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY job_id, task_key ORDER BY change_time DESC) AS version_rank
  FROM system.lakeflow.job_tasks
  WHERE workspace_id = :workspace_id
)
SELECT job_id, task_key, depends_on_keys, timeout_seconds
FROM versions
WHERE version_rank = 1 AND delete_time IS NULL
ORDER BY job_id, task_key
"""

_RUNS_SQL = """
WITH slices AS (
  SELECT * FROM system.lakeflow.job_run_timeline WHERE workspace_id = :workspace_id
),
runs AS (
  SELECT job_id, run_id,
    MIN(period_start_time) AS start_time,
    COUNT(result_state) AS terminal_rows,
    MIN_BY(run_name, period_start_time) AS run_name,
    MIN_BY(trigger_type, period_start_time) AS trigger_type,
    MIN_BY(run_type, period_start_time) AS run_type
  FROM slices
  GROUP BY job_id, run_id
),
terminal AS (
  SELECT run_id, result_state, termination_code, termination_type, period_end_time AS end_time,
    queue_duration_seconds, setup_duration_seconds, execution_duration_seconds, cleanup_duration_seconds,
    run_duration_seconds,
    ROW_NUMBER() OVER (PARTITION BY run_id ORDER BY period_end_time DESC) AS terminal_rank
  FROM slices
  WHERE result_state IS NOT NULL
)
SELECT r.job_id, r.run_id, r.run_name, r.trigger_type, r.run_type, r.start_time, r.terminal_rows,
  t.end_time, t.result_state, t.termination_code, t.termination_type, t.queue_duration_seconds,
  t.setup_duration_seconds, t.execution_duration_seconds, t.cleanup_duration_seconds, t.run_duration_seconds
FROM runs AS r
LEFT JOIN terminal AS t ON t.run_id = r.run_id AND t.terminal_rank = 1
WHERE (CAST(:job_id AS STRING) IS NULL OR r.job_id = :job_id)
  AND (CAST(:run_id AS STRING) IS NULL OR r.run_id = :run_id)
  AND (CAST(:active AS BOOLEAN) IS NULL OR (r.terminal_rows = 0) = :active)
  AND (CAST(:start_from AS TIMESTAMP) IS NULL OR r.start_time >= :start_from)
  AND (CAST(:start_to AS TIMESTAMP) IS NULL OR r.start_time <= :start_to)
ORDER BY r.start_time DESC, r.run_id DESC
LIMIT :row_limit OFFSET :row_offset
"""

_TASK_RUNS_SQL = """
SELECT run_id, task_key, period_start_time, period_end_time, result_state, termination_code
FROM system.lakeflow.job_task_run_timeline
WHERE workspace_id = :workspace_id AND job_run_id = :job_run_id
ORDER BY period_start_time, run_id
"""


class _ApiError(Exception):
    """An error answer: HTTP status plus the API's error_code and message."""

    def __init__(self, status: int, error_code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message
        self.headers = headers or {}


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
            self._engine, self._owns_engine = DuckDBEngine(self._source, read_only=True), True
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
            raise _ApiError(401, "401", "Credential was not sent or was of an unsupported type for this API.")
        if header != f"Bearer {self._token}":
            raise _ApiError(401, "401", "Invalid access token.")

    # -- data ----------------------------------------------------------------------------------------------

    def _query(self, sql: str, **params: Any) -> pd.DataFrame:
        assert self._engine is not None, "server not started"
        return self._engine.execute(sql, {"workspace_id": self.workspace_id, **params})

    def _jobs(self) -> list[dict[str, Any]]:
        """Every live job of the workspace as an API ``Job`` (full settings), newest first."""
        settings_json: dict[str, str] = {}
        found = self._query(_FIND_SETTINGS_SQL)
        if not found.empty:
            catalog = str(found["table_catalog"].iloc[0]).replace("`", "``")
            for row in self._query(_SETTINGS_SQL.format(catalog=catalog)).itertuples(index=False):
                settings_json[str(row.job_id)] = row.settings_json
        tasks: dict[str, list[dict[str, Any]]] = {}
        for row in self._query(_TASKS_SQL).itertuples(index=False):
            task: dict[str, Any] = {"task_key": row.task_key}
            deps = _value(row.depends_on_keys)
            if deps is not None and len(deps):
                task["depends_on"] = [{"task_key": k} for k in deps]
            if _value(row.timeout_seconds) is not None:
                task["timeout_seconds"] = int(row.timeout_seconds)
            tasks.setdefault(str(row.job_id), []).append(task)

        jobs: dict[str, dict[str, Any] | None] = {}
        deleted: set[str] = set()
        for row in self._query(_JOBS_SQL).to_dict("records"):
            job_id = str(row["job_id"])
            if _value(row["delete_time"]) is not None:
                deleted.add(job_id)
                continue
            settings = (
                json.loads(settings_json[job_id])
                if job_id in settings_json
                else _minimal_settings(row, tasks.get(job_id, []))
            )
            jobs[job_id] = _job(job_id, settings, row)
        for job_id, text in settings_json.items():
            if job_id not in jobs and job_id not in deleted:
                jobs[job_id] = _job(job_id, json.loads(text), {})
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
            _RUNS_SQL,
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
        job_id, run_id = _wire_id(row["job_id"]), _wire_id(row["run_id"])
        trigger = _value(row["trigger_type"])
        run: dict[str, Any] = {
            "job_id": job_id,
            "run_id": run_id,
            "number_in_job": run_id,
            "original_attempt_run_id": run_id,
            "attempt_number": 0,
            "run_name": _value(row["run_name"]) or "",
            "run_type": _value(row["run_type"]) or "JOB_RUN",
            "format": "MULTI_TASK",
            "start_time": _epoch_ms(row["start_time"]),
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
        end_ms = _epoch_ms(row["end_time"])
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
                "code": _value(row["termination_code"]) or mapped.termination_code,
                "type": _value(row["termination_type"]) or mapped.termination_type,
                "message": "",
            },
        }
        seconds = _value(row["run_duration_seconds"])
        run["run_duration"] = (
            int(seconds * 1000) if seconds is not None else max(0, end_ms - run["start_time"])
        )
        for api_name, column in (
            ("queue_duration", "queue_duration_seconds"),
            ("setup_duration", "setup_duration_seconds"),
            ("execution_duration", "execution_duration_seconds"),
            ("cleanup_duration", "cleanup_duration_seconds"),
        ):
            seconds = _value(row[column])
            run[api_name] = int(seconds * 1000) if seconds is not None else 0
        return run

    def _task_runs(self, job_run_id: str) -> list[dict[str, Any]]:
        """Task runs of one job run: slices collapsed per task run_id, retries numbered per task_key."""
        grouped: dict[str, dict[str, Any]] = {}
        for row in self._query(_TASK_RUNS_SQL, job_run_id=job_run_id).to_dict("records"):
            task = grouped.setdefault(
                str(row["run_id"]),
                {"run_id": _wire_id(row["run_id"]), "task_key": row["task_key"], "start_time": None},
            )
            if task["start_time"] is None:
                task["start_time"] = _epoch_ms(row["period_start_time"])
            if _value(row["result_state"]) is not None:
                mapped = api_run_state(str(row["result_state"]))
                task["end_time"] = _epoch_ms(row["period_end_time"])
                task["state"] = {
                    "life_cycle_state": mapped.life_cycle_state,
                    "result_state": mapped.result_state,
                }
                task["status"] = {
                    "state": "TERMINATED",
                    "termination_details": {
                        "code": _value(row["termination_code"]) or mapped.termination_code
                    },
                }
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
            "/api/2.0/preview/scim/v2/Me": self._me,
            "/.well-known/databricks-config": self._host_metadata,
        }
        handler = handlers.get(path.rstrip("/"))
        if handler is None:
            raise _ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for 'GET {path}'")
        return handler(query)

    def _jobs_list(self, query: dict[str, str]) -> dict[str, Any]:
        limit = _int_param(query, "limit", JOBS_PAGE_DEFAULT, 1, JOBS_PAGE_MAX)
        offset = _page_offset(query)
        expand = _bool_param(query, "expand_tasks")
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
            out["next_page_token"] = _page_token(offset + limit)
        if offset > 0:
            out["prev_page_token"] = _page_token(max(0, offset - limit))
        out["has_more"] = "next_page_token" in out
        return out

    def _jobs_get(self, query: dict[str, str]) -> dict[str, Any]:
        job_id = _id_param(query, "job_id")
        for job in self._jobs():
            if job["job_id"] == job_id:
                return job
        raise _ApiError(400, "INVALID_PARAMETER_VALUE", f"Job {job_id} does not exist.")

    def _runs_list(self, query: dict[str, str]) -> dict[str, Any]:
        limit = _int_param(query, "limit", RUNS_PAGE_DEFAULT, 0, RUNS_PAGE_MAX) or RUNS_PAGE_MAX
        offset = _page_offset(query)
        active_only = _bool_param(query, "active_only")
        completed_only = _bool_param(query, "completed_only")
        if active_only and completed_only:
            raise _ApiError(
                400, "INVALID_PARAMETER_VALUE", "active_only and completed_only cannot both be true"
            )
        active = True if active_only else False if completed_only else None
        job_id = str(_id_param(query, "job_id")) if query.get("job_id") else None
        runs = self._runs(
            job_id=job_id,
            active=active,
            start_from=_ms_param(query, "start_time_from"),
            start_to=_ms_param(query, "start_time_to"),
            limit=limit + 1,  # one more than a page tells whether there is a next page
            offset=offset,
        )
        page = runs[:limit]
        if _bool_param(query, "expand_tasks"):
            for run in page:
                run["tasks"] = self._task_runs(str(run["run_id"]))
                run["has_more"] = False
        out: dict[str, Any] = {"runs": page} if page else {}
        if len(runs) > limit:
            out["next_page_token"] = _page_token(offset + limit)
        if offset > 0:
            out["prev_page_token"] = _page_token(max(0, offset - limit))
        out["has_more"] = "next_page_token" in out
        return out

    def _runs_get(self, query: dict[str, str]) -> dict[str, Any]:
        run_id = _id_param(query, "run_id")
        runs = self._runs(run_id=str(run_id), limit=1)
        if not runs:
            raise _ApiError(400, "INVALID_PARAMETER_VALUE", f"Run {run_id} does not exist.")
        run = runs[0]
        run["tasks"] = self._task_runs(str(run_id))
        return run

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
                        raise _ApiError(
                            429, "REQUEST_LIMIT_EXCEEDED", "Too many requests.", {"Retry-After": retry_after}
                        )
                    raise _ApiError(
                        503, "TEMPORARILY_UNAVAILABLE", "Service unavailable.", {"Retry-After": retry_after}
                    )
                if fault is not None and fault.kind == "server_error":
                    raise _ApiError(
                        500, "INTERNAL_ERROR", str(fault.options.get("message", "Internal error."))
                    )
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
            except _ApiError as err:
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
    payload["next_page_token"] = _page_token(0, expired=True)
    payload["has_more"] = True
    return True


# -- wire values ----------------------------------------------------------------------------------------------


def _value(v: Any) -> Any:
    """None for SQL NULL as pandas spells it (None, NaN, NaT, NA); anything else unchanged."""
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _epoch_ms(v: Any) -> int | None:
    v = _value(v)
    if v is None:
        return None
    ts = pd.Timestamp(v)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return round(ts.timestamp() * 1000)


def _wire_id(v: Any) -> int:
    """System tables hold ids as strings; the API sends int64."""
    return int(str(v))


def _job(job_id: str, settings: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
    try:
        wire_id = _wire_id(job_id)
    except ValueError:
        logger.warning("loopback Jobs API: job_id %r is not an integer; job left out", job_id)
        return None
    job: dict[str, Any] = {"job_id": wire_id, "settings": settings}
    for key in ("creator_user_name", "run_as_user_name"):
        if _value(row.get(key)) is not None:
            job[key] = row[key]
    created = _epoch_ms(row.get("created_time"))
    if created is not None:
        job["created_time"] = created
    return job


def _minimal_settings(row: dict[str, Any], tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """JobSettings rebuilt from the latest system.lakeflow.jobs row when no settings JSON is stored."""
    paused = _value(row.get("paused"))
    pause_status = "PAUSED" if paused else "UNPAUSED"
    settings: dict[str, Any] = {
        "name": _value(row.get("name")) or "",
        "format": "MULTI_TASK",
        "max_concurrent_runs": 1,
        "timeout_seconds": int(_value(row.get("timeout_seconds")) or 0),
        "email_notifications": {},
    }
    if _value(row.get("description")):
        settings["description"] = row["description"]
    tags = _value(row.get("tags"))
    if tags:
        settings["tags"] = dict(tags)
    if _value(row.get("schedule_cron")):
        settings["schedule"] = {
            "quartz_cron_expression": row["schedule_cron"],
            "timezone_id": _value(row.get("schedule_timezone")) or "UTC",
            "pause_status": pause_status,
        }
    elif _value(row.get("periodic_interval")) is not None:
        periodic = {
            "interval": int(row["periodic_interval"]),
            "unit": _value(row.get("periodic_units")) or "HOURS",
        }
        settings["trigger"] = {"periodic": periodic, "pause_status": pause_status}
    elif _value(row.get("file_arrival_url")):
        settings["trigger"] = {"file_arrival": {"url": row["file_arrival_url"]}, "pause_status": pause_status}
    elif _value(row.get("continuous_enabled")):
        settings["continuous"] = {"pause_status": pause_status}
    rules = _value(row.get("health_rules"))
    if rules is not None and len(rules):
        settings["health"] = {
            "rules": [{"metric": r["metric"], "op": r["operator"], "value": int(r["value"])} for r in rules]
        }
    if tasks:
        settings["tasks"] = tasks
    return settings


def _int_param(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    if name not in query or query[name] == "":
        return default
    try:
        value = int(query[name])
    except ValueError:
        raise _ApiError(400, "INVALID_PARAMETER_VALUE", f"Invalid {name}: {query[name]!r}") from None
    if not low <= value <= high:
        raise _ApiError(400, "INVALID_PARAMETER_VALUE", f"The {name} must be between {low} and {high}")
    return value


def _id_param(query: dict[str, str], name: str) -> int:
    if not query.get(name):
        raise _ApiError(400, "INVALID_PARAMETER_VALUE", f"Missing required field: {name}")
    try:
        return int(query[name])
    except ValueError:
        raise _ApiError(400, "INVALID_PARAMETER_VALUE", f"Invalid {name}: {query[name]!r}") from None


def _bool_param(query: dict[str, str], name: str) -> bool:
    return query.get(name, "").lower() == "true"


def _ms_param(query: dict[str, str], name: str) -> datetime | None:
    if not query.get(name):
        return None
    try:
        return datetime.fromtimestamp(int(query[name]) / 1000, tz=UTC)
    except (ValueError, OverflowError):
        raise _ApiError(400, "INVALID_PARAMETER_VALUE", f"Invalid {name}: {query[name]!r}") from None


def _page_token(offset: int, expired: bool = False) -> str:
    state = {"offset": offset, "issued": int(time.time())}
    if expired:
        state["expired"] = 1
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def _page_offset(query: dict[str, str]) -> int:
    token = query.get("page_token")
    if not token:
        return 0
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = int(state["offset"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise _ApiError(400, "INVALID_PARAMETER_VALUE", "Invalid page token.") from None
    if state.get("expired"):
        raise _ApiError(
            400, "INVALID_PARAMETER_VALUE", "The page token has expired; list again from the start."
        )
    return offset
