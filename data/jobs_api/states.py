"""Run states and trigger types: system-table spellings versus Jobs API 2.2 spellings, in one place.

The system tables and the REST API spell the same outcome differently (``SUCCEEDED`` / ``SUCCESS``,
``TIMED_OUT`` / ``TIMEDOUT``, ``CANCELLED`` / ``CANCELED``). The loopback server maps system-table rows
to API runs with ``RESULT_STATES``; the client maps API runs back with ``API_TO_SYSTEM_RESULT_STATE``,
which is derived from the same table so the two directions cannot drift apart.
"""

from __future__ import annotations

from typing import NamedTuple


class ApiRunState(NamedTuple):
    """How a terminal system-table ``result_state`` appears on a Jobs API 2.2 run."""

    result_state: str  # state.result_state
    life_cycle_state: str  # state.life_cycle_state (status.state is TERMINATED for all of them)
    termination_code: str  # status.termination_details.code when the timeline row has none
    termination_type: str  # status.termination_details.type when the timeline row has none


# system.lakeflow.job_run_timeline.result_state -> Jobs API run state. The first entry for an API
# result_state is the canonical system spelling when mapping back (FAILED before ERROR, CANCELLED before
# CANCELED: the timeline's usual spelling). ERROR is an internal failure: the API reports it as a FAILED result with the
# INTERNAL_ERROR life cycle state. SKIPPED runs never ran: the API result is EXCLUDED.
RESULT_STATES: dict[str, ApiRunState] = {
    "SUCCEEDED": ApiRunState("SUCCESS", "TERMINATED", "SUCCESS", "SUCCESS"),
    "FAILED": ApiRunState("FAILED", "TERMINATED", "RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
    "ERROR": ApiRunState("FAILED", "INTERNAL_ERROR", "INTERNAL_ERROR", "INTERNAL_ERROR"),
    "TIMED_OUT": ApiRunState("TIMEDOUT", "TERMINATED", "RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
    "CANCELLED": ApiRunState("CANCELED", "TERMINATED", "USER_CANCELED", "SUCCESS"),
    "CANCELED": ApiRunState("CANCELED", "TERMINATED", "USER_CANCELED", "SUCCESS"),
    "SKIPPED": ApiRunState("EXCLUDED", "SKIPPED", "SKIPPED", "SUCCESS"),
}

# API result_state -> system-table spelling. Derived from RESULT_STATES, plus API-only values that the
# timeline has no spelling of (classified with the closest system outcome).
API_TO_SYSTEM_RESULT_STATE: dict[str, str] = {
    **{api.result_state: system for system, api in reversed(list(RESULT_STATES.items()))},
    "SUCCESS_WITH_FAILURES": "SUCCEEDED",
    "MAXIMUM_CONCURRENT_RUNS_REACHED": "SKIPPED",
    "UPSTREAM_FAILED": "FAILED",
    "UPSTREAM_CANCELED": "CANCELLED",
    "DISABLED": "SKIPPED",
}

# API result states of a run or task run that failed: its output carries an error and a trace.
FAILED_API_RESULTS = frozenset({"FAILED", "TIMEDOUT"})

# system.lakeflow.job_run_timeline.trigger_type -> Jobs API run `trigger`. Unknown values pass through.
TRIGGER_TYPES: dict[str, str] = {
    "CRON": "PERIODIC",
    "PERIODIC": "PERIODIC",
    "ONETIME": "ONE_TIME",
    "ONE_TIME": "ONE_TIME",
    "FILE_ARRIVAL": "FILE_ARRIVAL",
    "TABLE": "TABLE",
    "CONTINUOUS": "CONTINUOUS",
    "RUN_JOB_TASK": "RUN_JOB_TASK",
    "RETRY": "RETRY",
}

# API life cycle states of a run that has not finished (what `runs/list?active_only=true` returns).
ACTIVE_LIFE_CYCLE_STATES = frozenset(
    {"QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY", "WAITING"}
)


def api_run_state(system_result_state: str) -> ApiRunState:
    """The API state of a terminal timeline row; an unknown spelling passes through as a TERMINATED run."""
    known = RESULT_STATES.get(system_result_state.upper())
    if known is not None:
        return known
    return ApiRunState(system_result_state, "TERMINATED", system_result_state, "CLIENT_ERROR")


def system_result_state(api_result_state: str | None) -> str | None:
    """The system-table spelling of an API ``result_state`` (unknown values pass through)."""
    if not api_result_state:
        return None
    return API_TO_SYSTEM_RESULT_STATE.get(api_result_state, api_result_state)
