"""Serve the app: ``serve(settings)`` for the CLI, ``build_app(settings)`` for tests and scripts.

Locally the app reads the embedded DuckDB demo workspace (generated on first start when the file does not
exist). As a Databricks App it listens on ``0.0.0.0:$DATABRICKS_APP_PORT`` behind the platform's proxy,
reads the SQL warehouse, and knows each user from the forwarded headers (``monitor_app.identity``).

The forwarded user token (``X-Forwarded-Access-Token``) is kept out of the Bokeh session token (which is
embedded in the page): it is excluded from the headers Bokeh copies, read once from the live request when
the session starts, and handed to that session's engine and Jobs API client only.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data.sql_files import sql_beside
from monitor_app.cache import RESULTS
from monitor_app.identity import (
    ACCESS_TOKEN,
    Identity,
    forwarded_headers_trusted,
    identity_from_headers,
    in_databricks_app,
    user_token_from_headers,
)
from monitor_app.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

# Hosts of Databricks Apps (one wildcard per DNS label, as Bokeh matches them): the app's own URL is not
# always in the environment, and the proxy in front authenticates every request anyway.
DATABRICKS_APP_ORIGINS = (
    "*.aws.databricksapps.com",
    "*.*.azure.databricksapps.com",
    "*.gcp.databricksapps.com",
    "*.databricksapps.com",
)
# Worker threads for session callbacks: a slow warehouse query must not freeze other sessions.
SESSION_THREADS = 4


def _noop(_message: str) -> None:
    return None


@dataclass
class ServerContext:
    """What all sessions share: settings, the app-credential engine, the state store, the view slots."""

    settings: Settings
    progress: Progress = _noop
    _engine: Any = None
    _state_store: Any = None
    _state_store_error: str | None = None
    # The demo's loopback Jobs API: one server per simulated workspace (workspace_id -> base URL).
    _jobs_api_bases: dict[str, str] | None = None
    _loopback_token: str | None = None
    _loopbacks: list[Any] = field(default_factory=list)
    _slots: dict[str, Any] | None = None
    _widgets_warmed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def shared_engine(self) -> Any:
        """The engine queried with the app's own credentials (opened once)."""
        from monitor_app.context import open_engine

        with self._lock:
            if self._engine is None:
                # Read-only on the embedded file: a refresh, an import or a team rule saved in the app
                # writes a copy that is swapped in whole (engine.writing()), and the engine follows it.
                self._engine = open_engine(self.settings)
                if self._engine.dialect == "duckdb":
                    # DuckDB keeps what it read up to its limit (80 % of RAM by default) and never gives
                    # it back while serving; the setting is validated (settings.MEMORY_SIZE).
                    self._engine.configure(f"SET memory_limit = '{self.settings.duckdb_memory_limit}'")
            return self._engine

    def engine_for(self, token: str | None) -> Any:
        """A session's engine: its own (with the user's token) on a warehouse, else the shared one."""
        if token and self.settings.uses_warehouse:
            from monitor_app.context import open_engine

            return open_engine(self.settings, access_token=token)
        return self.shared_engine()

    def state_store(self) -> Any:
        """The app's state store, or None (with the reason logged) when it cannot be opened."""
        with self._lock:
            if self._state_store is None and self._state_store_error is None:
                from monitor_app.context import open_state_store

                try:
                    self._state_store = open_state_store(self.settings)
                except Exception as err:  # the app works without it: settings views say so
                    self._state_store_error = f"{type(err).__name__}: {err}"
                    log.warning("state store not available: %s", self._state_store_error)
            return self._state_store

    def jobs_api_for(self, token: str | None) -> Any:
        """The session's Jobs API provider, built on first use (importing databricks-sdk takes seconds)."""
        return LazyJobsApi(lambda: self._jobs_api(token))

    def _jobs_api(self, token: str | None) -> Any:
        """The workspace's Jobs API (with the user's token when given) or the demo's loopback, or None."""
        try:
            from data.jobs_api.client import JobsApiProvider
        except Exception as err:
            log.warning("Jobs API client not available: %s", err)
            return None
        settings = self.settings
        if settings.jobs_api_host or settings.uses_warehouse:
            return JobsApiProvider(settings.jobs_api_host or settings.host, token=token)
        with self._lock:
            if self._jobs_api_bases is None:
                self._jobs_api_bases = {}
                try:
                    from data.jobs_api.loopback import LoopbackJobsApi, served_workspaces

                    engine = self._engine
                    workspaces = served_workspaces(engine)
                    # A token of the moment: the loopback checks it like a workspace would, and the
                    # SDK then authenticates exactly as with a user's token (no default-auth lookup).
                    self._loopback_token = secrets.token_urlsafe(24)
                    for workspace in workspaces:  # each simulated workspace on a host of its own
                        loopback = LoopbackJobsApi(engine, workspace, token=self._loopback_token)
                        self._jobs_api_bases[workspace] = loopback.start()
                        self._loopbacks.append(loopback)
                except Exception as err:
                    log.warning("demo Jobs API not started: %s", err)
            if not self._jobs_api_bases:
                return None
            bases = dict(self._jobs_api_bases)
        from data.jobs_api.workspaces import WorkspacesJobsApi

        return WorkspacesJobsApi(
            {
                ws: JobsApiProvider(base, token=self._loopback_token, workspace_id=ws)
                for ws, base in bases.items()
            }
        )

    def warm_widgets_later(self) -> None:
        """Once per process, in the background: warm the drill-down pages' widgets, then byte-compile the
        app's modules (both off the first page's path)."""
        with self._lock:
            if self._widgets_warmed:
                return
            self._widgets_warmed = True
        threading.Thread(target=_after_first_page, name="after-first-page", daemon=True).start()

    def slots(self) -> dict[str, Any]:
        from components.registry import load_slots

        with self._lock:
            if self._slots is None:
                self._slots = load_slots()
            return self._slots

    def close(self) -> None:
        for loopback in self._loopbacks:
            try:
                loopback.stop()
            except Exception:
                pass
        if self._engine is not None and hasattr(self._engine, "close"):
            try:
                self._engine.close()
            except Exception:
                pass


class LazyJobsApi:
    """Stands in for a ``JobsApiProvider`` until first used; then forwards every attribute to it.

    Raises ``RuntimeError`` on use when no Jobs API is available (views show it in place).
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build: Callable[[], Any] | None = build
        self._provider: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._build is not None:
                self._provider, self._build = self._build(), None
        if self._provider is None:
            raise RuntimeError("no Jobs API available for this session")
        return self._provider

    # Only the provider's public API builds it: libraries probing attributes (param, Panel) must not.
    FORWARDED = frozenset(
        {
            "job_settings",
            "active_runs",
            "recent_runs",
            "run_errors",
            "current_user",
            "describe",
            "auth_kind",
            "host",
            "timeout_s",
            "workspace_id",
        }
    )

    def __getattr__(self, name: str) -> Any:
        if name not in LazyJobsApi.FORWARDED:
            raise AttributeError(name)
        return getattr(self._get(), name)

    def __repr__(self) -> str:
        return f"LazyJobsApi({self._provider!r})" if self._provider is not None else "LazyJobsApi(not built)"


def prefetch(context: ServerContext) -> float:
    """Run the overview's queries into the result cache before the first browser session asks (that
    session then only renders), then import what a session builds with. Returns the seconds it took;
    errors are logged, never raised (the session asks again and shows them in place).

    Only for the embedded engine, where every local session shares the app's identity and so the cache
    key; on a warehouse, sessions may run as their user and the app's own results would not be theirs.
    """
    started = time.perf_counter()
    try:
        if not context.settings.uses_warehouse:
            from monitor_app.overview_data import prefetch as overview_prefetch
            from monitor_app.state import AppState

            state = AppState(
                engine=context.shared_engine(),
                identity=identity_from_headers({}, context.settings),
                settings=context.settings,
                state_store=context.state_store(),
            )
            state.as_of = _as_of(state)
            failed = overview_prefetch(state)
            if failed:
                log.warning("prefetch: %s failed (the overview will say why)", ", ".join(failed))
        import components.shell  # noqa: F401  (the session's modules, imported off the request path)

        context.slots()
    except Exception as err:  # prefetching is an optimisation only
        log.warning("prefetch failed: %s: %s", type(err).__name__, err)
    return time.perf_counter() - started


def _warm_widgets() -> None:
    """Build a styled table and a Markdown pane once, off the request path: what they import on first use
    (narwhals and pandas' Styler for Tabulator, markdown-it for Panel's markup; about 0.5-1 s on a 2-core
    machine) would otherwise be paid by the first click into a drill-down page. Run once the first page is
    loaded (``ServerContext.warm_widgets_later``): the overview needs neither, and before, this competed
    with building it for the one interpreter lock (start to rendered 4.78 -> 4.3 s, docs/benchmarks.md)."""
    import pandas as pd
    import panel as pn

    pn.extension("tabulator", notifications=False)
    frame = pd.DataFrame({"n": [1], "text": ["x"], "at": pd.to_datetime(["2026-01-01"], utc=True)})
    table = pn.widgets.Tabulator(frame, pagination="remote", disabled=True, show_index=False)
    table.style.map(lambda _value: "", subset=["n"])
    table.get_root()
    pn.pane.Markdown("warm").get_root()


def _after_first_page() -> None:
    try:
        _warm_widgets()
    except Exception as err:  # an optimisation only
        log.warning("warming widgets failed: %s: %s", type(err).__name__, err)
    compile_own_modules()


def compile_own_modules() -> None:
    """Byte-compile the app's own packages once, as pip does for installed ones: where writing bytecode
    on import is off (``PYTHONDONTWRITEBYTECODE``, as on our CI machines), every start compiled them again
    (0.10-0.17 s of the start's one interpreter lock). Best effort: a read-only checkout just skips it."""
    import compileall

    root = Path(__file__).resolve().parents[1]
    for package in ("components", "data", "monitor_app"):
        try:
            compileall.compile_dir(root / package, quiet=2, workers=1)
        except Exception as err:
            log.debug("not byte-compiled: %s: %s", package, err)


def warm_up(context: ServerContext) -> float:
    """Kept for callers of the previous name: ``prefetch``."""
    return prefetch(context)


def _request_headers() -> tuple[dict[str, Any], str | None]:
    """The session's headers (without the token) and the token from the live request (or None)."""
    import panel as pn

    headers = dict(pn.state.headers or {})
    token = None
    for key in list(headers):
        if key.lower() == ACCESS_TOKEN.lower():
            token = token or headers.pop(key)
    try:
        live = pn.state.curdoc.session_context.request._request  # the tornado request of this page
        for key, value in live.headers.items() if live is not None else ():
            if key.lower() == ACCESS_TOKEN.lower():
                token = value
    except Exception:
        pass
    return headers, token


def _browser_zone() -> str:
    """The zone the browser reported on an earlier visit (cookie ``monitor_tz``), if it is a real one."""
    from urllib.parse import unquote

    import panel as pn

    from monitor_app.state import valid_zone

    cookies = getattr(pn.state, "cookies", None) or {}
    zone = cookies.get("monitor_tz") if isinstance(cookies, dict) else None
    return valid_zone(unquote(zone)) if isinstance(zone, str) else "UTC"


def _as_of(state: Any) -> Any:
    """End of the trailing window: the next full hour after the newest job-timeline row (None: now)."""
    import pandas as pd

    from monitor_app.analytics import drilldown
    from monitor_app.filters import Filters

    try:
        fresh = state.query(drilldown.data_freshness, filters=Filters())
    except Exception as err:
        log.warning("data freshness unknown, windows end now: %s", err)
        return None
    newest = fresh.loc[fresh["source"] == "job timeline", "newest_time"]
    if newest.empty or pd.isna(newest.iloc[0]):
        return None
    ts = pd.Timestamp(newest.iloc[0])
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.ceil("h").to_pydatetime()


def create_session(
    context: ServerContext, headers: dict[str, Any] | None = None, token: str | None = None
) -> Any:
    """Build one session's app (a template) from its request headers. ``token`` is never stored.

    The identity comes from the headers and the token together (a token makes the results private to
    the user); the token itself goes only to this session's engine and Jobs API client. Untrusted
    forwarded headers (not a Databricks App, see ``forwarded_headers_trusted``) bring neither a user
    nor a token.
    """
    import panel as pn

    from components.shell import AppShell
    from monitor_app.state import AppState

    pn.extension("tabulator", notifications=False)
    token = token or user_token_from_headers(headers)
    if not forwarded_headers_trusted(context.settings):
        token = None
    identity: Identity = identity_from_headers(headers, context.settings, token=token)
    state = AppState(
        engine=context.engine_for(token),
        jobs_api=context.jobs_api_for(token),
        identity=identity,
        settings=context.settings,
        state_store=context.state_store(),
    )
    del token
    state.timezone = _browser_zone()
    state.as_of = _as_of(state)
    state.apply_query(pn.state.session_args or {})
    shell = AppShell(state, context.slots())
    pn.state.onload(context.warm_widgets_later)
    return shell.template()


def build_app(
    settings: Settings, progress: Progress | None = None, context: ServerContext | None = None
) -> tuple[Callable[[], Any], ServerContext]:
    """The per-session app factory for ``pn.serve`` and the context it shares across sessions."""
    context = context or ServerContext(settings, progress or _noop)
    RESULTS.max_bytes = settings.cache_max_mb * 1024 * 1024
    skip_mathjax()

    def app() -> Any:
        try:
            headers, token = _request_headers()
            return create_session(context, headers, token)
        except Exception as err:  # the browser gets a way out, the log gets the traceback
            return session_error_page(err)

    return app, context


def session_error_page(err: BaseException) -> Any:
    """What the browser shows when a session cannot be built: never a traceback (it names server paths
    and code); the log has it under a reference the user can quote."""
    import panel as pn

    from components.panes import esc

    reference = secrets.token_hex(4)
    log.error("session could not be built (reference %s)", reference, exc_info=err)
    return pn.pane.HTML(
        '<div class="session-error" role="alert">'
        "<h2>This page could not be built</h2>"
        f"<p>{esc(type(err).__name__)}. The server log has the details under reference "
        f'<code>{reference}</code>. Reload, or <a href="/">open the overview without the link\'s '
        "settings</a>.</p></div>"
    )


def ensure_demo(settings: Settings, progress: Progress | None = None) -> bool:
    """Generate and refresh the demo workspace when no embedded data exists; True when it was built."""
    progress = progress or _noop
    if settings.uses_warehouse or Path(settings.db_path).exists():
        return False
    from monitor_app.context import open_state_store
    from monitor_app.workspace_setup import build_demo

    progress(f"no data at {settings.db_path}: generating the demo workspace (first start only)")
    store = open_state_store(settings)
    try:
        build_demo(settings, store, progress=progress)
    finally:
        store.engine.close()
    progress("demo workspace ready")
    return True


def ensure_model(settings: Settings, progress: Progress | None = None) -> list[str]:
    """Rebuild the embedded model when it lacks relations this version derives; the ones missing.

    A workspace file built by an earlier version (before ``table_writes``, say) would otherwise serve
    pages that show catalog errors until someone thinks of ``refresh``. New system and collected tables
    are created empty first (their ``IF NOT EXISTS`` DDL), as an import of that version would have.
    """
    progress = progress or _noop
    if settings.uses_warehouse or not Path(settings.db_path).exists():
        return []
    from data.engines import LiveDuckDBEngine
    from data.refresh import RELATIONS

    engine = LiveDuckDBEngine(settings.db_path)
    try:
        found = set(engine.execute(sql_beside(__file__, "model_relations"))["table_name"])
    finally:
        engine.close()
    missing = [r for r in RELATIONS if r not in found]
    if not missing:
        return []
    from data.schema import create_tables
    from monitor_app.context import open_state_store
    from monitor_app.workspace_setup import refresh_model

    progress(
        f"the model of {settings.db_path} lacks {', '.join(missing)} (an earlier version built it): refreshing"
    )
    with LiveDuckDBEngine(settings.db_path).writing() as writer:
        create_tables(writer.raw())
        refresh_model(writer, settings, open_state_store(settings), progress=progress)
    return missing


def websocket_origins(settings: Settings, env: dict[str, str] | None = None) -> list[str]:
    """Origins allowed to open the app's websocket: the configured ones, the local address, and the
    Databricks App's host when running as one."""
    env = dict(os.environ if env is None else env)
    origins = list(settings.allow_websocket_origin or [])
    port = settings.port
    for host in ("localhost", "127.0.0.1", settings.address):
        if host and host != "0.0.0.0":
            origins.append(f"{host}:{port}")
    if in_databricks_app(env):
        for var in ("DATABRICKS_APP_URL", "X_FORWARDED_HOST"):
            value = env.get(var, "")
            host = value.split("://", 1)[-1].split("/", 1)[0]
            if host:
                origins.append(host)
        origins.extend(DATABRICKS_APP_ORIGINS)
    return list(dict.fromkeys(origins))


def start_server(
    settings: Settings,
    port: int | None = None,
    address: str | None = None,
    show: bool = False,
    threaded: bool = False,
    warm: bool = True,
) -> tuple[Any, ServerContext]:
    """Start the Panel server (``threaded``: in a background thread, for tests) and return it.

    ``warm`` runs the overview's queries first (see ``prefetch``).
    """
    import panel as pn

    app, context = build_app(settings)
    pn.config.nthreads = SESSION_THREADS
    if warm:
        prefetch(context)
    kwargs: dict[str, Any] = dict(
        port=settings.port if port is None else port,
        address=address or settings.address,
        show=show,
        threaded=threaded,
        **server_options(settings),
    )
    if not threaded:
        kwargs["start"] = True
    server = pn.serve({"/": app}, **kwargs)
    return server, context


def skip_mathjax() -> None:
    """Serve pages without Bokeh's MathJax bundle (1.8 MB of script each browser parses on every load).

    Panel adds it to any page holding an HTML pane, in case the pane shows LaTeX; ours never do (workspace
    text is escaped, ``$`` in a job name stays a dollar). Panel has no setting for this, so its check is
    replaced; ``tests/ui`` checks that the served page has no MathJax and still renders.
    """
    import panel.io.resources

    panel.io.resources._panel_use_mathjax = lambda roots: False


# How often the served app checks the runs in progress against their SLAs (SLA-03).
AT_RISK_EVERY_S = 300


def start_at_risk_timer(
    context: Any, progress: Progress, every_s: float = AT_RISK_EVERY_S
) -> threading.Event:
    """Evaluate ``sla_at_risk`` alone every ``every_s`` in a daemon thread; set the event to stop.

    Runs in progress change by the minute while the model is rebuilt hourly: this is the check that
    warns before a deadline. A failed check says so once per failure and tries again next time.
    """
    from monitor_app.alerts.evaluate import evaluate

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_s):
            try:
                result = evaluate(
                    context.shared_engine(),
                    context.state_store(),
                    context.settings,
                    rules=["sla_at_risk"],
                    jobs_api=context.jobs_api_for(None),  # the app's own identity; timeline if unreachable
                )
                if result.changes.opened or result.changes.resolved:
                    progress(
                        f"runs at risk: {len(result.changes.opened)} new, {len(result.changes.resolved)} cleared"
                    )
            except Exception as err:  # the server keeps serving; the next tick tries again
                progress(f"runs-at-risk check failed: {type(err).__name__}: {err}")

    threading.Thread(target=loop, name="sla-at-risk", daemon=True).start()
    return stop


def make_scheduled_report(context: Any, kind: str) -> Any:
    """One scheduled snapshot into ``reports_dir``, with the app's own identity (the path written)."""
    from reports.snapshots import make_report, write_snapshot

    report = make_report(kind, context.shared_engine(), context.state_store(), context.settings)
    return write_snapshot(report, context.settings.reports_dir)


def start_reports(context: Any, progress: Progress) -> Any:
    """The daily, weekly and monthly snapshots on their schedule (reports/schedule.py)."""
    from reports.schedule import start_report_scheduler

    return start_report_scheduler(
        lambda kind: make_scheduled_report(context, kind), context.settings.report_timezone, progress
    )


# Bokeh lets go of a closed page's session (its document, DataPanels and frames) once it has had no
# connection for this long, looking every CHECK_UNUSED_SESSIONS_MS (Bokeh's defaults: 15 s and 17 s).
UNUSED_SESSION_LIFETIME_MS = 15_000
CHECK_UNUSED_SESSIONS_MS = 5_000


def server_options(settings: Settings) -> dict[str, Any]:
    """What ``pn.serve`` is given for this app however it is started (``serve``, or threaded in tests)."""
    return dict(
        websocket_origin=websocket_origins(settings),
        title="Databricks Job Monitor",
        exclude_headers=[ACCESS_TOKEN],
        xheaders=in_databricks_app(),
        liveness=True,  # /liveness answers without building a session (readiness probes, benchmarks)
        unused_session_lifetime_milliseconds=UNUSED_SESSION_LIFETIME_MS,
        check_unused_sessions_milliseconds=CHECK_UNUSED_SESSIONS_MS,
    )


def listen(
    apps: dict[str, Any],
    settings: Settings,
    sockets: list[Any] | None = None,
    unused_session_lifetime_ms: int = UNUSED_SESSION_LIFETIME_MS,
    check_unused_sessions_ms: int = CHECK_UNUSED_SESSIONS_MS,
) -> Any:
    """The Bokeh server for ``apps``, listening (on ``sockets`` when a supervisor handed them over) and
    started: its loop is the caller's to run.

    Started matters: ``pn.serve(start=False)`` leaves Bokeh's periodic jobs off, and without them closed
    sessions are never discarded, so every page ever opened stayed in memory (issue 21, item 6).
    """
    import panel as pn

    from monitor_app.recycle import serving_on

    options = server_options(settings) | {
        "unused_session_lifetime_milliseconds": unused_session_lifetime_ms,
        "check_unused_sessions_milliseconds": check_unused_sessions_ms,
    }
    with serving_on(sockets):
        server = pn.serve(
            apps, port=settings.port, address=settings.address, show=False, start=False, **options
        )
    server.start()
    return server


def serve(settings: Settings, show: bool = False, progress: Progress | None = None) -> int:
    """Serve the app until interrupted (the CLI's ``serve``); builds the demo first when there is no data.

    The overview's queries start in the background before Panel is even imported (its 2-3 s of imports
    and the queries overlap: DuckDB works outside the GIL), so the first page only renders.
    """
    from monitor_app.recycle import (
        RECYCLE_EXIT,
        become_supervisor,
        child_command,
        generation,
        inherited_sockets,
        watch_memory,
    )

    progress = progress or _noop
    if os.environ.get("DATABRICKS_APP_PORT"):
        settings.address = "0.0.0.0"
    sockets = inherited_sockets()
    if sockets is None and settings.recycle_rss_mb > 0:
        # this process only holds the port; children serve on it (monitor_app/recycle.py says why)
        become_supervisor(settings.address, settings.port, child_command())
    started = time.perf_counter()
    ensure_demo(settings, progress) or ensure_model(settings, progress)
    context = ServerContext(settings, progress)

    def warm() -> None:
        progress(f"overview prefetched in {prefetch(context):.1f} s")

    threading.Thread(target=warm, name="prefetch", daemon=True).start()
    import panel as pn

    app, context = build_app(settings, progress, context)
    context.shared_engine()  # open (and fail) before listening, not in the first session
    pn.config.nthreads = SESSION_THREADS
    host = "localhost" if settings.address in ("0.0.0.0", "127.0.0.1") else settings.address
    server = listen({"/": app}, settings, sockets)
    url = f"http://{host}:{settings.port}/"
    progress(
        f"serving {context.shared_engine().describe()} at {url} (ready in {time.perf_counter() - started:.1f} s)"
    )
    print(url, flush=True)
    stop_timer = start_at_risk_timer(context, progress)
    reports = start_reports(context, progress)
    if sockets is not None and settings.recycle_rss_mb > 0:
        watch_memory(server, settings.recycle_rss_mb, progress)
    if show and generation() == 0:
        server.io_loop.add_callback(server.show, "/")
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        progress("stopped")
    finally:
        stop_timer.set()
        reports.shutdown(wait=False)
        context.close()
    return RECYCLE_EXIT if getattr(server, "recycled", False) else 0
