"""AppState: the one param model of a session (global filters, selection, active page, session context).

Views take an ``AppState`` and read from it; they never open engines. The public parameters are a
contract other views rely on, keep their names stable:

=============  =====================================================================================
parameter      meaning
=============  =====================================================================================
page           active page: overview, teams, jobs, runs, data, alerts, reports, settings
team           selected team (None: all teams); a global filter
workspace_id   selected workspace (None: all); a global filter
job_id         selected job (None: all jobs); with workspace_id identifies the job
run_id         selected job run (None: none); the run page shows its tasks
window_days    7, 30 or 90: the trailing window ending at ``as_of``
start_date     optional explicit date range (UTC, inclusive); both or neither with end_date
end_date
as_of          end of the trailing window: the newest job-timeline row (so imported or demo data
               that stopped in the past still shows its last N days); None means now
=============  =====================================================================================

``timezone`` (the browser's zone, reported by the page and kept in a cookie) is shown, never filtered on.

Session context (set by the server, never in the URL): ``engine``, ``jobs_api`` (both built with the
user's token when Databricks forwards one), ``identity``, ``settings``, ``state_store``, ``cache``.

Views never touch ``engine``, ``state_store`` or ``jobs_api``: the methods of ``StateActions``
(``monitor_app/state_actions.py``: SLA targets, team rules, budgets, alerts, reports, Jobs API reads) do.

``filters()`` turns them into the ``Filters`` every analytics function takes, ``query(fn, ...)`` runs an
analytics function on the session's engine through the per-identity result cache, and ``select_team`` /
``select_job`` / ``select_run`` implement the drill-down. ``to_query()`` / ``apply_query()`` map the
state to and from the URL query string (the shell pushes a browser history entry for every change, so a
drill-down is a shareable link and Back returns to the previous view).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar
from zoneinfo import available_timezones

import param

from monitor_app.cache import RESULTS, ResultCache
from monitor_app.filters import WINDOWS, Filters
from monitor_app.state_actions import StateActions

T = TypeVar("T")

PAGES = ("overview", "teams", "jobs", "runs", "data", "alerts", "reports", "settings")
# Dates a link may ask for: beyond them a window's end (or pandas' timestamps, up to 2262) overflow, and no
# workspace has system-table data before 2000 or after 2100.
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2100, 12, 31)


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_zone(name: Any) -> str:
    """``name`` when it is an IANA time zone this machine knows, else ``UTC`` (a browser or a cookie
    sends it: untrusted)."""
    return name if isinstance(name, str) and name in _zones() else "UTC"


class AppState(StateActions, param.Parameterized):
    """Filters, drill-down selection, active page and session context of one app session."""

    as_of = param.Date(
        default=None,
        allow_None=True,
        doc="End of the trailing window (UTC); None means now. The shell sets the newest data time.",
    )
    end_date = param.CalendarDate(
        default=None, allow_None=True, doc="Last day (UTC, inclusive) of an explicit date range, or None."
    )
    job_id = param.String(default=None, allow_None=True, doc="Selected job id, or None for all jobs.")
    page = param.Selector(default="overview", objects=list(PAGES), doc="The page shown.")
    run_id = param.String(default=None, allow_None=True, doc="Selected job run id, or None.")
    start_date = param.CalendarDate(
        default=None, allow_None=True, doc="First day (UTC) of an explicit date range, or None."
    )
    team = param.String(default=None, allow_None=True, doc="Selected team, or None for all teams.")
    window_days = param.Selector(default=30, objects=list(WINDOWS), doc="Trailing window in days.")
    workspace_id = param.String(default=None, allow_None=True, doc="Selected workspace id, or None for all.")
    url_problems = param.Dict(
        default={},
        precedence=-1,
        doc="What the last link asked for that was ignored: {URL parameter: why}. The shell shows it.",
    )
    sla_targets_saved = param.Event(
        precedence=-1,
        doc="Triggered when this session saves or clears an SLA target: the views showing targets reload.",
    )
    timezone = param.String(
        default="UTC",
        precedence=-1,
        doc="The user's IANA time zone (the browser's, validated): tables show times in it, UTC on hover. "
        "Not in the URL: a shared link opens in the reader's zone.",
    )
    budgets_saved = param.Event(
        precedence=-1,
        doc="Triggered when this session saves or clears a budget: the budget views reload.",
    )

    # Session context: set once when the session starts, not shown and not synced to the URL.
    cache = param.ClassSelector(
        class_=ResultCache, default=RESULTS, instantiate=False, precedence=-1, doc="Result cache (shared)."
    )
    engine = param.Parameter(default=None, precedence=-1, doc="The session's workspace-data engine.")
    identity = param.Parameter(default=None, precedence=-1, doc="The session's Identity (holds no secret).")
    jobs_api = param.Parameter(
        default=None,
        precedence=-1,
        doc="The session's Jobs API provider (data.jobs_api.client.JobsApiProvider), or None when unavailable.",
    )
    settings = param.Parameter(default=None, precedence=-1, doc="The app's Settings.")
    state_store = param.Parameter(default=None, precedence=-1, doc="The app's StateStore (or None).")

    # The parameters that make up the URL query string, in URL order.
    URL_PARAMS: ClassVar[tuple[str, ...]] = (
        "page",
        "team",
        "workspace_id",
        "job_id",
        "run_id",
        "window_days",
        "start_date",
        "end_date",
    )
    # The parameters that change what analytics return (views watch these, not the page or run).
    FILTER_PARAMS: ClassVar[tuple[str, ...]] = (
        "as_of",
        "end_date",
        "job_id",
        "start_date",
        "team",
        "window_days",
        "workspace_id",
    )

    # What a view showing SLA targets reloads on: the filters, and a target saved or cleared in the session.
    SLA_VIEW_PARAMS: ClassVar[tuple[str, ...]] = (*FILTER_PARAMS, "sla_targets_saved")

    @param.depends(*FILTER_PARAMS)
    def filters(self) -> Filters:
        """The ``Filters`` of the current state (raises ValueError for a half-set date range)."""
        as_of = self.as_of
        if isinstance(as_of, date) and not isinstance(as_of, datetime):
            as_of = datetime.combine(as_of, datetime.min.time())
        return Filters(
            window_days=int(self.window_days),
            start_date=self.start_date if self.end_date is not None else None,
            end_date=self.end_date if self.start_date is not None else None,
            team=self.team or None,
            workspace_id=self.workspace_id or None,
            job_id=self.job_id or None,
            now=as_of,
        )

    # ------------------------------------------------------------------ data
    @property
    def cache_key(self) -> str:
        return self.identity.cache_key if self.identity is not None else "shared"

    @property
    def actor(self) -> str:
        """Who this session's changes are recorded as: the signed-in user, else monitor.yaml's local_user."""
        name = getattr(self.identity, "display_name", None)
        if name:
            return str(name)
        return str(getattr(self.settings, "local_user", None) or "local user")

    def query(self, fn: Callable[..., T], *args: Any, filters: Filters | None = None) -> T:
        """``fn(engine, filters, *args)`` through the result cache, keyed per identity.

        ``filters`` defaults to ``self.filters()``. The key is (identity cache key, function, filters, args,
        the engine's data version), so with on-behalf-of-user queries no result ever crosses users, and
        once a writer swapped in new data no result of the old data is served.
        """
        if self.engine is None:
            raise RuntimeError("no engine: the session has no data source")
        filters = filters if filters is not None else self.filters()
        name = f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', repr(fn))}"
        key = self.cache.key(
            self.cache_key, name, filters, *args, data=getattr(self.engine, "data_version", None)
        )
        return self.cache.get_or_compute(key, lambda: fn(self.engine, filters, *args))

    def metric(self, fn: Callable[..., T], **extra: Any) -> Callable[..., T]:
        """``fn`` with the thresholds configured in monitor.yaml (``thresholds:``) that it takes, and ``extra``."""
        from monitor_app.analytics.registry import bound

        return bound(fn, getattr(self.settings, "thresholds", None) or {}, **extra)

    def cached(self, name: str, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` through the result cache keyed per identity (e.g. Jobs API calls with ``jobs_api``)."""
        key = self.cache.key(self.cache_key, name, None, *args)
        return self.cache.get_or_compute(key, lambda: fn(*args))

    # ------------------------------------------------------------------ drill-down
    def go(self, page: str) -> None:
        """Show a page, keeping filters and selection."""
        self.page = page

    def select_team(self, team: str | None) -> None:
        """Show that team's jobs (None: all teams' jobs); clears the job and run selection."""
        self.param.update(team=team or None, job_id=None, run_id=None, page="jobs")

    def select_job(self, workspace_id: str | None, job_id: str | None) -> None:
        """Show that job's runs; clears the run selection."""
        self.param.update(
            workspace_id=workspace_id or self.workspace_id, job_id=job_id or None, run_id=None, page="runs"
        )

    def select_run(self, workspace_id: str | None, run_id: str | None, job_id: str | None = None) -> None:
        """Show that run's tasks (its job becomes the selected job when given)."""
        changes: dict[str, Any] = {"run_id": run_id or None, "page": "runs"}
        if workspace_id:
            changes["workspace_id"] = workspace_id
        if job_id:
            changes["job_id"] = job_id
        self.param.update(**changes)

    def clear_selection(self, level: str = "team") -> None:
        """Go up the drill-down: ``team`` clears everything, ``job`` keeps the team, ``run`` keeps the job."""
        if level == "team":
            self.param.update(team=None, job_id=None, run_id=None, page="teams")
        elif level == "job":
            self.param.update(job_id=None, run_id=None, page="jobs")
        elif level == "run":
            self.param.update(run_id=None, page="runs")
        else:
            raise ValueError(f"unknown level {level!r}: team, job or run")

    # ------------------------------------------------------------------ URL
    def to_query(self) -> dict[str, str]:
        """The URL query of the state: every set parameter except defaults, as strings, in URL order."""
        out: dict[str, str] = {}
        for name in self.URL_PARAMS:
            value = getattr(self, name)
            if value is None or value == self.param[name].default:
                continue
            out[name] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def apply_query(self, query: Mapping[str, Any]) -> list[str]:
        """Set every URL parameter from ``query`` (missing ones go back to their default) in one update.

        Values may be str, bytes or lists of them (``pn.state.session_args``). Invalid values (an unknown
        page or window, a bad, far or reversed date) fall back to the default; their names are returned and
        ``url_problems`` says why, so the shell can tell the user.
        """
        changes: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for name in self.URL_PARAMS:
            raw = query.get(name)
            if isinstance(raw, list | tuple):
                raw = raw[0] if raw else None
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8", "replace")
            default = self.param[name].default
            if raw is None or raw == "":
                changes[name] = default
                continue
            try:
                changes[name] = self._parse(name, str(raw))
            except (TypeError, ValueError, OverflowError) as err:
                problems[name] = f"{str(raw)[:40]!r}: {err}"
                changes[name] = default
        start, end = changes["start_date"], changes["end_date"]
        if start is not None and end is not None and start > end:
            problems["start_date"] = problems["end_date"] = (
                f"the start date {start} is after the end date {end}"
            )
            changes["start_date"] = changes["end_date"] = None
        if (changes["start_date"] is None) != (changes["end_date"] is None):
            for name in ("start_date", "end_date"):
                if changes[name] is not None:
                    problems[name] = "a date range needs both start_date and end_date"
            changes["start_date"] = changes["end_date"] = None
        changes = {k: v for k, v in changes.items() if getattr(self, k) != v}
        changes["url_problems"] = problems
        self.param.update(**changes)
        return list(problems)

    def _parse(self, name: str, raw: str) -> Any:
        if name == "window_days":
            value = int(raw)
            if value not in WINDOWS:
                raise ValueError(f"window must be one of {WINDOWS}")
            return value
        if name == "page":
            if raw not in PAGES:
                raise ValueError(f"unknown page {raw!r}")
            return raw
        if name in ("start_date", "end_date"):
            value = date.fromisoformat(raw)
            if not FIRST_DATE <= value <= LAST_DATE:
                raise ValueError(f"dates must be between {FIRST_DATE} and {LAST_DATE}")
            return value
        return raw
