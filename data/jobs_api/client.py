"""Live job settings and runs in progress from a workspace's Jobs API 2.2, through databricks-sdk.

The system tables lag (up to hours) and lack some settings (retries, notifications, cluster specs) and
every run in progress; ``JobsApiProvider`` fills those gaps. Every call is bounded in time: a slow or
failing workspace gives one ``JobsApiError`` after at most ``timeout_s`` seconds, never a hang.

Authentication: with ``token`` (a user's on-behalf-of token from ``X-Forwarded-Access-Token``) the SDK
uses it alone (``auth_type="pat"``, so the app's service-principal variables do not conflict); without
it, the SDK's default chain (``DATABRICKS_CLIENT_ID`` / ``DATABRICKS_CLIENT_SECRET`` in a Databricks App,
env or profile elsewhere). The token lives only in this object and the SDK client it builds: it never
appears in ``repr``, logs or error messages. Results obtained with one user's token belong to that user:
callers must not cache them across users.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pandas as pd
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.clock import Clock
from databricks.sdk.config import Config
from databricks.sdk.errors import DatabricksError
from databricks.sdk.errors.platform import STATUS_CODE_MAPPING

from data.jobs_api.states import system_result_state

T = TypeVar("T")

# Page sizes: the largest each list endpoint accepts (fewer round trips; runs/list rejects more than 25).
JOBS_PAGE_SIZE = 100
RUNS_PAGE_SIZE = 25

# Columns of each result, with their pandas dtypes (empty results keep them, so callers never special-case).
JOB_SETTINGS_COLUMNS: dict[str, str] = {
    "workspace_id": "str",  # as given to the provider (None when unknown)
    "job_id": "str",  # system-table spelling of the int64 API id
    "name": "str",
    "creator_user_name": "str",
    "created_time": "datetime64[ms, UTC]",
    "schedule_cron": "str",  # schedule.quartz_cron_expression
    "schedule_timezone": "str",  # schedule.timezone_id
    "pause_status": "str",  # PAUSED | UNPAUSED of the schedule, trigger or continuous setting; NULL if manual
    "trigger_kind": "str",  # schedule | periodic | file_arrival | table_update | continuous | manual
    "tags": "object",  # dict[str, str] ({} when none)
    "task_count": "Int64",
    "max_retries": "Int64",  # max over tasks (-1 = retry forever); NULL when the job has no tasks
    "retry_on_timeout": "boolean",  # any task retries on timeout
    "timeout_seconds": "Int64",  # job timeout, 0 = none
    "health_duration_threshold_seconds": "Int64",  # health rule RUN_DURATION_SECONDS > value; NULL if none
    "max_concurrent_runs": "Int64",
    "queue_enabled": "boolean",
    "cluster_count": "Int64",  # job clusters plus task-level new clusters
    "node_types": "object",  # sorted distinct worker and driver node types (list[str])
    "min_workers": "Int64",  # summed over clusters (fixed-size: num_workers); NULL without classic clusters
    "max_workers": "Int64",
    "autoscale": "boolean",  # any cluster autoscales
    "notification_email_count": "Int64",  # distinct addresses over all email_notifications lists
    "notifies_on_failure": "boolean",  # failure e-mail or webhook configured (job level)
}

ACTIVE_RUN_COLUMNS: dict[str, str] = {
    "run_id": "str",
    "job_id": "str",
    "run_name": "str",
    "start_time": "datetime64[ms, UTC]",
    "state": "str",  # status.state (QUEUED, PENDING, RUNNING, TERMINATING, BLOCKED, WAITING)
    "life_cycle_state": "str",  # state.life_cycle_state (older field)
    "trigger": "str",  # API trigger type (PERIODIC, ONE_TIME, RETRY, ...)
    "run_type": "str",
    "attempt_number": "Int64",
    "run_page_url": "str",
}

RECENT_RUN_COLUMNS: dict[str, str] = {
    "run_id": "str",
    "job_id": "str",
    "run_name": "str",
    "start_time": "datetime64[ms, UTC]",
    "end_time": "datetime64[ms, UTC]",
    "result_state": "str",  # system-table spelling (SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, SKIPPED, ...)
    "api_result_state": "str",  # as the API spells it (SUCCESS, TIMEDOUT, CANCELED, ...)
    "termination_code": "str",
    "termination_type": "str",
    "duration_seconds": "Float64",  # run_duration
    "queue_duration_seconds": "Float64",
    "trigger": "str",
    "run_type": "str",
    "attempt_number": "Int64",
    "original_attempt_run_id": "str",
    "run_page_url": "str",
}

RUN_ERROR_COLUMNS: dict[str, str] = {
    "task_key": "str",  # NULL on the run's own row (a run whose tasks the API did not list as failed)
    "task_run_id": "str",
    "attempt_number": "Int64",
    "result_state": "str",  # as the API spells it (FAILED, TIMEDOUT)
    "termination_code": "str",
    "error": "str",  # the task run output's error, else its state message
    "error_trace": "str",  # the last ERROR_TRACE_LINES lines of the output's trace
    "run_state_message": "str",  # the job run's state message (the same on every row)
    "run_page_url": "str",  # the task run's page, else the job run's
}
# Failed task runs whose output is asked for, and how much of each trace is kept.
MAX_FAILED_TASKS = 10
ERROR_TRACE_LINES = 30
FAILED_RESULTS = frozenset({"FAILED", "TIMEDOUT", "INTERNAL_ERROR"})

CURRENT_USER_COLUMNS: dict[str, str] = {
    "user_id": "str",
    "user_name": "str",
    "display_name": "str",
    "active": "boolean",
}


class JobsApiError(RuntimeError):
    """A Jobs API call failed or timed out; the message says which call and why, never a token."""

    def __init__(
        self, operation: str, reason: str, status: int | None = None, error_code: str | None = None
    ) -> None:
        super().__init__(f"Jobs API {operation} failed: {reason}")
        self.operation, self.reason = operation, reason
        self.status, self.error_code = status, error_code


class _Secret:
    """Holds a credential; prints as *** so it cannot leak through repr, vars() or a debugger dump."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a credential cannot be pickled")


class _BudgetClock(Clock):
    """The SDK's clock, aware of the budget of the bounded call running on the current thread.

    The SDK's retry loop sleeps ``Retry-After`` (or a back-off) and retries while ``time()`` is before its
    deadline. Inside a bounded call a sleep never outlasts the call's budget, and once the budget is spent
    ``time()`` leaps forward at every reading, so the loop stops at once and raises with the last error
    (a reason for the caller, instead of the bare "no answer in time" of the wall clock).
    """

    # Each reading past the budget jumps this much further than the last: more than any retry deadline.
    _LEAP_S = 1e6

    def __init__(self) -> None:
        self._local = threading.local()

    def set_deadline(self, deadline: float | None) -> None:
        """Budget end (``time.monotonic()`` seconds) for calls on this thread; None: plain real time."""
        self._local.deadline = deadline
        self._local.leap = 0.0

    def _remaining(self) -> float | None:
        deadline = getattr(self._local, "deadline", None)
        return None if deadline is None else deadline - time.monotonic()

    def time(self) -> float:
        remaining = self._remaining()
        if remaining is not None and remaining <= 0:
            self._local.leap += self._LEAP_S
            return time.time() + self._local.leap
        return time.time()

    def sleep(self, seconds: float) -> None:
        remaining = self._remaining()
        time.sleep(seconds if remaining is None else max(0.0, min(seconds, remaining)))


class JobsApiProvider:
    """Job settings, runs in progress and the current user from one workspace's Jobs API.

    Parameters
    ----------
    host
        Workspace URL (``https://adb-123.azuredatabricks.net`` or a loopback ``http://127.0.0.1:PORT``);
        None takes it from the SDK's default configuration (``DATABRICKS_HOST``).
    token
        A user's own (on-behalf-of) token; None uses the SDK's default authentication.
    timeout_s
        Upper bound of every public call, retries and pagination included.
    workspace_id
        Copied into ``job_settings()`` so rows key like the system tables (``workspace_id``, ``job_id``).
    """

    def __init__(
        self,
        host: str | None,
        token: str | None = None,
        timeout_s: float = 10.0,
        workspace_id: str | None = None,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.host = host.rstrip("/") if host else None
        self.timeout_s = float(timeout_s)
        self.workspace_id = str(workspace_id) if workspace_id is not None else None
        self._token = _Secret(token) if token else None
        self._sdk: WorkspaceClient | None = None
        self._sdk_lock = threading.Lock()
        self._clock = _BudgetClock()

    def __repr__(self) -> str:
        return f"JobsApiProvider(host={self.host!r}, auth={self.auth_kind!r}, timeout_s={self.timeout_s:g})"

    __str__ = __repr__

    @property
    def auth_kind(self) -> str:
        """``user token`` or ``default`` (the app's own identity)."""
        return "user token" if self._token is not None else "default"

    def describe(self) -> str:
        """A one-line description for headers and logs (never a secret)."""
        return f"Jobs API on {self.host or 'the default host'} ({self.auth_kind})"

    # -- public calls --------------------------------------------------------------------------------------

    def job_settings(self) -> pd.DataFrame:
        """One row per job of the workspace, columns ``JOB_SETTINGS_COLUMNS``.

        Follows every page of ``jobs/list`` (tasks and clusters expanded).
        """

        def fetch(cancelled: threading.Event) -> list[dict[str, Any]]:
            jobs = self._client().jobs.list(expand_tasks=True, limit=JOBS_PAGE_SIZE)
            return [self._settings_row(job) for job in _until(cancelled, jobs)]

        return _frame(self._bounded("jobs/list", fetch), JOB_SETTINGS_COLUMNS)

    def active_runs(self, job_id: str | None = None) -> pd.DataFrame:
        """Runs in progress (queued, pending, running, terminating), newest first: ``ACTIVE_RUN_COLUMNS``."""

        api_job_id = _api_id(job_id)

        def fetch(cancelled: threading.Event) -> list[dict[str, Any]]:
            runs = self._client().jobs.list_runs(active_only=True, job_id=api_job_id, limit=RUNS_PAGE_SIZE)
            return [_active_row(run) for run in _until(cancelled, runs)]

        return _frame(self._bounded("runs/list", fetch), ACTIVE_RUN_COLUMNS)

    def recent_runs(
        self, since: pd.Timestamp, job_id: str | None = None, max_runs: int = 1000
    ) -> pd.DataFrame:
        """Completed runs that started at or after ``since``, newest first: ``RECENT_RUN_COLUMNS``.

        At most ``max_runs`` rows (the newest): enough to cover the system tables' lag.
        """
        start = pd.Timestamp(since)
        start_ms = round((start if start.tzinfo else start.tz_localize("UTC")).timestamp() * 1000)
        api_job_id = _api_id(job_id)

        def fetch(cancelled: threading.Event) -> list[dict[str, Any]]:
            runs = self._client().jobs.list_runs(
                completed_only=True, job_id=api_job_id, start_time_from=start_ms, limit=RUNS_PAGE_SIZE
            )
            rows = []
            for run in _until(cancelled, runs):
                rows.append(_completed_row(run))
                if len(rows) >= max_runs:
                    break
            return rows

        return _frame(self._bounded("runs/list", fetch), RECENT_RUN_COLUMNS)

    def run_errors(self, run_id: str, workspace_id: str | None = None) -> pd.DataFrame:
        """Why a run failed, as the Jobs API says it: ``RUN_ERROR_COLUMNS``, one row per failed task run.

        System tables hold only a termination code; the message and trace are in each failed task run's
        output (``runs/get-output``; a job run of several tasks has none of its own). At most
        ``MAX_FAILED_TASKS`` outputs are asked for. A failed run without failed task runs (a run-level
        timeout, a cancelled queue) gives one row with the run's own state message. ``workspace_id`` is
        the caller's (this provider is one workspace's); it lets several workspaces share one signature.
        """
        api_run_id = _api_id(run_id)

        def fetch(cancelled: threading.Event) -> list[dict[str, Any]]:
            run = self._client().jobs.get_run(api_run_id)
            run_message = (run.state.state_message if run.state else None) or None
            rows = []
            for task in list(run.tasks or []):
                result = _enum_value(task.state.result_state) if task.state else None
                if result not in FAILED_RESULTS or cancelled.is_set() or len(rows) >= MAX_FAILED_TASKS:
                    continue
                details = task.status.termination_details if task.status else None
                output = self._client().jobs.get_run_output(task.run_id)
                rows.append(
                    {
                        "task_key": task.task_key,
                        "task_run_id": str(task.run_id),
                        "attempt_number": task.attempt_number,
                        "result_state": result,
                        "termination_code": _enum_value(details.code) if details else None,
                        "error": output.error or (task.state.state_message if task.state else None),
                        "error_trace": _tail(output.error_trace, ERROR_TRACE_LINES),
                        "run_state_message": run_message,
                        "run_page_url": task.run_page_url or run.run_page_url,
                    }
                )
            result = _enum_value(run.state.result_state) if run.state else None
            if not rows and result in FAILED_RESULTS:
                details = run.status.termination_details if run.status else None
                rows.append(
                    {
                        "result_state": result,
                        "termination_code": _enum_value(details.code) if details else None,
                        "error": run_message or (details.message if details else None),
                        "run_state_message": run_message,
                        "run_page_url": run.run_page_url,
                    }
                )
            return rows

        return _frame(self._bounded("runs/get-output", fetch), RUN_ERROR_COLUMNS)

    def current_user(self) -> pd.DataFrame:
        """The identity the calls run as (the user for a user token): one row, ``CURRENT_USER_COLUMNS``."""

        def fetch(cancelled: threading.Event) -> list[dict[str, Any]]:
            me = self._client().current_user.me()
            return [
                {
                    "user_id": me.id,
                    "user_name": me.user_name,
                    "display_name": me.display_name,
                    "active": me.active,
                }
            ]

        return _frame(self._bounded("current_user/me", fetch), CURRENT_USER_COLUMNS)

    # -- plumbing ------------------------------------------------------------------------------------------

    def _client(self) -> WorkspaceClient:
        """The SDK client, built on first use (building it probes the host, so it runs under the bound)."""
        with self._sdk_lock:
            if self._sdk is None:
                kwargs: dict[str, Any] = {
                    "host": self.host,
                    "http_timeout_seconds": self.timeout_s,
                    # Config probes the host's metadata once, retrying on its own clock for this long: keep
                    # it short (an unreachable host must leave budget for a clear "cannot connect").
                    "retry_timeout_seconds": 1,
                    "product": "databricks-job-monitor",
                    "product_version": "0.1.0",
                    "clock": self._clock,
                    # Never log request headers (they carry the token), whatever DATABRICKS_DEBUG_HEADERS says.
                    "debug_headers": False,
                }
                if self._token is not None:
                    kwargs.update(token=self._token.reveal(), auth_type="pat")
                config = Config(**kwargs)
                # The calls' retries (429/503 with Retry-After, connection errors) are bounded by the
                # budget clock; the SDK's own deadline just needs to leave room for a Retry-After of 1-2 s.
                config.retry_timeout_seconds = max(3, math.ceil(self.timeout_s))
                self._sdk = WorkspaceClient(config=config)
            return self._sdk

    def _bounded(self, operation: str, fn: Callable[[threading.Event], T]) -> T:
        """Run ``fn`` in a worker thread and wait at most ``timeout_s``; translate every failure.

        The SDK's own timeouts bound each request and its retries, but a retry sleep (Retry-After) or a
        server trickling bytes can outlast them; the wall clock here cannot be outlasted. A worker left
        behind stops at its next page (``cancelled``) or when the SDK's timeouts end it.
        """
        cancelled = threading.Event()
        outcome: dict[str, Any] = {}
        done = threading.Event()
        # The SDK's retries end a little before the wall, so their last error can still be reported.
        budget_end = time.monotonic() + self.timeout_s - min(0.5, self.timeout_s / 4)

        def work() -> None:
            self._clock.set_deadline(budget_end)
            try:
                outcome["value"] = fn(cancelled)
            except BaseException as err:  # handed to the caller's thread below
                outcome["error"] = err
            finally:
                self._clock.set_deadline(None)
                done.set()

        threading.Thread(target=work, name=f"jobs-api-{operation}", daemon=True).start()
        if not done.wait(self.timeout_s):
            cancelled.set()
            raise JobsApiError(operation, f"no complete answer within {self.timeout_s:g} s")
        if "error" in outcome:
            raise self._translate(operation, outcome["error"])
        return outcome["value"]

    def _translate(self, operation: str, err: BaseException) -> JobsApiError:
        reason, status, code = _describe_failure(err, self.timeout_s)
        if self._token is not None:
            reason = reason.replace(self._token.reveal(), "***")
        translated = JobsApiError(operation, reason, status, code)
        translated.__cause__ = None  # the SDK's exception chain stays out of the app's logs
        translated.__suppress_context__ = True
        return translated

    def _settings_row(self, job: Any) -> dict[str, Any]:
        s = job.settings
        tasks = list(s.tasks or []) if s else []
        clusters = [c.new_cluster for c in (s.job_clusters or []) if c.new_cluster] if s else []
        clusters += [t.new_cluster for t in tasks if t.new_cluster]
        node_types = sorted({n for c in clusters for n in (c.node_type_id, c.driver_node_type_id) if n})
        min_workers = max_workers = None
        if clusters:
            min_workers = sum(
                (c.autoscale.min_workers or 0) if c.autoscale else (c.num_workers or 0) for c in clusters
            )
            max_workers = sum(
                (c.autoscale.max_workers or 0) if c.autoscale else (c.num_workers or 0) for c in clusters
            )
        schedule = s.schedule if s else None
        trigger = s.trigger if s else None
        continuous = s.continuous if s else None
        pause = (
            (schedule or trigger or continuous).pause_status if (schedule or trigger or continuous) else None
        )
        email = s.email_notifications if s else None
        addresses = {
            a
            for lst in (
                (
                    email.on_start,
                    email.on_success,
                    email.on_failure,
                    email.on_duration_warning_threshold_exceeded,
                    email.on_streaming_backlog_exceeded,
                )
                if email
                else ()
            )
            for a in (lst or [])
        }
        hooks = s.webhook_notifications if s else None
        duration_rules = [
            r.value
            for r in ((s.health.rules or []) if s and s.health else [])
            if _enum_value(r.metric) == "RUN_DURATION_SECONDS" and r.value is not None
        ]
        retries = [t.max_retries or 0 for t in tasks]
        return {
            "workspace_id": self.workspace_id,
            "job_id": str(job.job_id),
            "name": s.name if s else None,
            "creator_user_name": job.creator_user_name,
            "created_time": job.created_time,
            "schedule_cron": schedule.quartz_cron_expression if schedule else None,
            "schedule_timezone": schedule.timezone_id if schedule else None,
            "pause_status": _enum_value(pause),
            "trigger_kind": _trigger_kind(schedule, trigger, continuous),
            "tags": dict(s.tags or {}) if s else {},
            "task_count": len(tasks),
            "max_retries": (-1 if -1 in retries else max(retries)) if retries else None,
            "retry_on_timeout": any(bool(t.retry_on_timeout) for t in tasks),
            "timeout_seconds": (s.timeout_seconds or 0) if s else 0,
            "health_duration_threshold_seconds": min(duration_rules) if duration_rules else None,
            "max_concurrent_runs": s.max_concurrent_runs if s else None,
            "queue_enabled": bool(s.queue and s.queue.enabled) if s else False,
            "cluster_count": len(clusters),
            "node_types": node_types,
            "min_workers": min_workers,
            "max_workers": max_workers,
            "autoscale": any(c.autoscale is not None for c in clusters),
            "notification_email_count": len(addresses),
            "notifies_on_failure": bool((email and email.on_failure) or (hooks and hooks.on_failure)),
        }


# -- row builders -------------------------------------------------------------------------------------------


def _active_row(run: Any) -> dict[str, Any]:
    life = _enum_value(run.state.life_cycle_state) if run.state else None
    status = _enum_value(run.status.state) if run.status else None
    return {
        "run_id": str(run.run_id),
        "job_id": str(run.job_id) if run.job_id is not None else None,
        "run_name": run.run_name,
        "start_time": run.start_time or None,
        "state": status or life,
        "life_cycle_state": life,
        "trigger": _enum_value(run.trigger),
        "run_type": _enum_value(run.run_type),
        "attempt_number": run.attempt_number,
        "run_page_url": run.run_page_url,
    }


def _completed_row(run: Any) -> dict[str, Any]:
    api_result = _enum_value(run.state.result_state) if run.state else None
    details = run.status.termination_details if run.status else None
    return {
        "run_id": str(run.run_id),
        "job_id": str(run.job_id) if run.job_id is not None else None,
        "run_name": run.run_name,
        "start_time": run.start_time or None,
        "end_time": run.end_time or None,
        "result_state": system_result_state(api_result),
        "api_result_state": api_result,
        "termination_code": _enum_value(details.code) if details else None,
        "termination_type": _enum_value(details.type) if details else None,
        "duration_seconds": run.run_duration / 1000 if run.run_duration is not None else None,
        "queue_duration_seconds": run.queue_duration / 1000 if run.queue_duration is not None else None,
        "trigger": _enum_value(run.trigger),
        "run_type": _enum_value(run.run_type),
        "attempt_number": run.attempt_number,
        "original_attempt_run_id": str(run.original_attempt_run_id) if run.original_attempt_run_id else None,
        "run_page_url": run.run_page_url,
    }


def _frame(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    """A DataFrame with exactly ``columns`` and their dtypes (epoch-ms integers become UTC timestamps)."""
    data: dict[str, pd.Series] = {}
    for name, dtype in columns.items():
        values = [row.get(name) for row in rows]
        if dtype.startswith("datetime64"):
            ms = pd.Series(values, dtype="Int64")
            data[name] = pd.to_datetime(ms, unit="ms", utc=True).astype(dtype)
        else:
            data[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data, columns=list(columns))


def _tail(text: str | None, lines: int) -> str | None:
    """The last ``lines`` lines of a trace (where the cause is), saying how many were cut."""
    if not text:
        return None
    kept = text.splitlines()
    if len(kept) <= lines:
        return text
    return f"... {len(kept) - lines} earlier lines cut\n" + "\n".join(kept[-lines:])


def _until(cancelled: threading.Event, items: Iterable[T]) -> Iterable[T]:
    """Stop paging once the caller has given up on the call."""
    for item in items:
        if cancelled.is_set():
            return
        yield item


def _api_id(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"not a Jobs API id: {value!r}") from None


def _enum_value(value: Any) -> Any:
    return getattr(value, "value", value)


def _trigger_kind(schedule: Any, trigger: Any, continuous: Any) -> str:
    if schedule is not None:
        return "schedule"
    if continuous is not None:
        return "continuous"
    if trigger is not None:
        for kind in ("periodic", "file_arrival", "table_update", "model", "job_completion"):
            if getattr(trigger, kind, None) is not None:
                return kind
    return "manual"


# Part of the text the SDK gives an error whose body it could not parse (databricks/sdk/errors/parser.py).
SDK_UNPARSED_MARKER = "SDK issue tracker"


def _http_status(err: DatabricksError) -> int | None:
    for cls in type(err).__mro__:
        for status, mapped in STATUS_CODE_MAPPING.items():
            if cls is mapped:
                return status
    return None


def _describe_failure(err: BaseException, timeout_s: float) -> tuple[str, int | None, str | None]:
    """(reason, HTTP status, error_code) of whatever the SDK or requests raised."""
    if isinstance(err, TimeoutError):  # the SDK's retry budget ran out; the last error says why
        last = err.__cause__
        if last is not None:
            reason, status, code = _describe_failure(last, timeout_s)
            return f"gave up retrying within {timeout_s:g} s: {reason}", status, code
        return f"timed out after {timeout_s:g} s", None, None
    if isinstance(err, DatabricksError):
        status = _http_status(err)
        code = err.error_code
        prefix = " ".join(str(p) for p in (f"HTTP {status}" if status else None, code) if p)
        message = str(err)
        if SDK_UNPARSED_MARKER in message:
            # The SDK could not read an error body (an HTML page from a proxy or gateway) and asks users to
            # file a bug against itself, with the request log: neither helps ours.
            message = "the answer was not a Jobs API error (an HTML page: a proxy or gateway in front of the workspace?)"
        return (f"{prefix}: {message}" if prefix else message), status, code
    if isinstance(err, requests.exceptions.Timeout):
        return f"no answer within {timeout_s:g} s", None, None
    if isinstance(err, requests.exceptions.ChunkedEncodingError):
        return "the response was cut short (connection closed mid-body)", None, None
    if isinstance(err, requests.exceptions.ConnectionError):
        return f"cannot connect ({type(err).__name__})", None, None
    if isinstance(err, requests.exceptions.JSONDecodeError):
        return "the response is not valid JSON (truncated or not from the Jobs API)", None, None
    if isinstance(err, ValueError):  # the SDK's Config refuses its settings (no host, no credentials...)
        return f"cannot configure the client: {err}", None, None
    return f"{type(err).__name__}: {err}", None, None
