"""Command line: ``python -m monitor_app demo | import | export | refresh | serve | metrics | alerts | budgets``.

Each command parses options, opens what it needs, calls one function and maps the outcome to an exit
code (0 success, 1 failure with a one-line reason on stderr, 2 bad usage).
"""

from __future__ import annotations

import argparse
import inspect
import re
import secrets
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from monitor_app.filters import ROW_LIMIT
from monitor_app.settings import Settings, SettingsError, load_settings


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, help="embedded database file (default .monitor/workspace.duckdb)")
    parser.add_argument("--config", type=Path, help="settings file (default monitor.yaml if present)")


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.config)
    if args.db:
        settings.db_path = args.db
    return settings


def _require_db(settings: Settings) -> None:
    if not settings.uses_warehouse and not Path(settings.db_path).exists():
        raise FileNotFoundError(
            f"{settings.db_path}: no database; run `python -m monitor_app demo` or `import DIR` first"
        )


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor_app.context import open_state_store
    from monitor_app.workspace_setup import build_demo

    settings = _settings(args)
    end = datetime.fromisoformat(args.end) if args.end else None
    manifest = build_demo(
        settings,
        open_state_store(settings),
        seed=args.seed,
        jobs=args.jobs,
        days=args.days,
        end=end,
        refresh=not args.no_refresh,
        progress=_progress,
        problems=not args.no_problems,
    )
    _progress(
        f"demo workspace written to {settings.db_path} ({len(manifest['scenarios'])} scenarios injected)"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from data.engines import LiveDuckDBEngine
    from data.io import import_dir
    from data.state_io import STATE_FOLDER, merge_state, read_state
    from monitor_app.context import open_state_store

    settings = _settings(args)
    store = open_state_store(settings)
    # Read and check the app state first: a bad state file refuses the import before anything is written.
    state_rows = read_state(store, args.source) if args.source.is_dir() else None
    # Import and refresh build one new file together: a server reading the workspace sees the previous
    # data until both are complete, and a refused import leaves the file exactly as it was.
    with LiveDuckDBEngine(settings.db_path).writing() as engine:
        counts = import_dir(engine, args.source, progress=_progress)
        _progress(f"imported {sum(counts.values())} rows into {len(counts)} tables")
        if state_rows is None:
            _progress(
                f"warning: {args.source} has no {STATE_FOLDER}/ folder: team rules, SLA targets and budgets "
                "were not imported (the app keeps its own; attribution and SLA results may differ from "
                "the exporting app's)"
            )
        else:
            merge_state(store, state_rows, progress=_progress)
        if not args.no_refresh:
            from monitor_app.workspace_setup import refresh_model

            refresh_model(engine, settings, store, progress=_progress)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from data.engines import LiveDuckDBEngine
    from data.io import export_dir

    settings = _settings(args)
    _require_db(settings)
    engine = LiveDuckDBEngine(settings.db_path)
    try:
        counts = export_dir(engine, args.dest, progress=_progress)
    finally:
        engine.close()
    _progress(f"exported {sum(counts.values())} rows from {len(counts)} tables to {args.dest}")
    from data.state_io import export_state
    from monitor_app.context import open_state_store

    export_state(open_state_store(settings), args.dest, progress=_progress)
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from monitor_app.context import open_engine, open_state_store
    from monitor_app.workspace_setup import refresh_model

    settings = _settings(args)
    since = datetime.fromisoformat(args.since) if args.since else None
    _require_db(settings)
    engine = open_engine(settings)
    store = open_state_store(settings)
    counts = refresh_model(engine, settings, store, since=since, progress=_progress)
    _progress("refreshed " + ", ".join(f"{t}: {n}" for t, n in counts.items()))
    if not args.no_alerts:
        _report_evaluation(_evaluate(settings, store, None))
    return 0


def _evaluate(settings: Settings, store: Any, now: datetime | None) -> Any:
    from monitor_app.alerts.evaluate import evaluate
    from monitor_app.alerts.webhook import notifier_for
    from monitor_app.context import open_engine

    engine = open_engine(settings)
    notifier = notifier_for(settings, progress=_progress)
    try:
        return evaluate(engine, store, settings, now=now, notifier=notifier)
    finally:
        if notifier is not None:
            notifier.close(timeout_s=30)


def _report_evaluation(result: Any) -> None:
    c = result.changes
    _progress(
        f"alerts evaluated as of {result.now:%Y-%m-%d %H:%M} UTC in {result.seconds:.1f} s: {c.firing} firing, "
        f"{len(c.opened)} opened, {len(c.reopened)} reopened, {len(c.resolved)} resolved"
    )
    for problem in result.problems:
        _progress(f"warning: {problem}")


def _actor(args: argparse.Namespace, settings: Settings) -> str:
    import getpass

    if args.by:
        return args.by
    return settings.local_user or getpass.getuser()


def _when(text: str, option: str) -> datetime:
    from datetime import UTC

    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise UsageError(
            f"{option} expects an ISO time such as 2026-12-06T09:00 (UTC), got {text!r}"
        ) from err
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class UsageError(ValueError):
    """A bad option value: exit code 2."""


def cmd_alerts(args: argparse.Namespace) -> int:
    from monitor_app.alerts.inbox import AlertError, Inbox
    from monitor_app.alerts.render import alerts_csv, alerts_json, alerts_table
    from monitor_app.budgets import BudgetError
    from monitor_app.context import open_state_store

    settings = _settings(args)
    try:
        if args.action == "evaluate":
            _require_db(settings)
            now = _when(args.now, "--now") if args.now else None
            _report_evaluation(_evaluate(settings, open_state_store(settings), now))
            return 0
        inbox = Inbox(open_state_store(settings))
        if args.action == "list":
            alerts = inbox.list(status=args.status, severity=args.severity, team=args.team)
            out = {"json": alerts_json, "csv": alerts_csv, "table": alerts_table}[args.format](alerts)
            sys.stdout.write(out if out.endswith("\n") else out + "\n")
            return 0
        by = _actor(args, settings)
        if args.action == "ack":
            alert = inbox.acknowledge(args.id, by, note=args.note)
        elif args.action == "snooze":
            alert = inbox.snooze(args.id, _when(args.until, "--until"), by, note=args.note)
        else:
            alert = inbox.resolve(args.id, by, note=args.note)
        _progress(f"{alert.id} {alert.status} by {by}: {alert.title}")
        return 0
    except (AlertError, BudgetError, UsageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def cmd_budgets(args: argparse.Namespace) -> int:
    from monitor_app.budgets import BudgetError, clear_budget, current_budgets, describe_scope, set_budget
    from monitor_app.context import open_engine, open_state_store

    settings = _settings(args)
    _require_db(settings)
    store = open_state_store(settings)
    engine = open_engine(settings)
    try:
        if args.action == "list":
            frame = current_budgets(store, settings, engine)
            sys.stdout.write(_records_json(frame) + "\n")
            return 0
        entry: dict[str, Any] = (
            {"team": args.team} if args.team else {"job_id": args.job, "workspace_id": args.workspace}
        )
        if args.team and args.job:
            raise BudgetError("name either --team or --job, not both")
        if args.action == "set":
            saved = set_budget(
                store, engine, {**entry, "monthly_usd": args.monthly_usd}, _actor(args, settings)
            )
            _progress(f"budget for {describe_scope(saved)}: ${saved['monthly_usd']:,.2f} a month")
        else:
            saved = clear_budget(store, engine, settings, entry, _actor(args, settings))
            _progress(f"budget for {describe_scope(saved)} cleared")
        return 0
    except BudgetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def cmd_serve(args: argparse.Namespace) -> int:
    from monitor_app.server import serve

    settings = _settings(args)
    if args.port:
        settings.port = args.port
    if args.address:
        settings.address = args.address
    return serve(settings, show=args.show, progress=_progress)


def cmd_metrics(args: argparse.Namespace) -> int:
    from monitor_app.analytics.registry import load_all
    from monitor_app.context import open_engine
    from monitor_app.filters import Filters

    metrics = load_all()
    if not args.name:
        width = max((len(n) for n in metrics), default=0)
        for name in sorted(metrics):
            print(f"{name.ljust(width)}  {metrics[name].summary}")
        return 0
    if args.name not in metrics:
        print(f"unknown metric {args.name!r}; known: {', '.join(sorted(metrics))}", file=sys.stderr)
        return 2
    settings = _settings(args)
    _require_db(settings)
    try:
        now = _when(args.now, "--now").astimezone(UTC).replace(tzinfo=None) if args.now else None
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    filters = Filters(
        window_days=args.window, team=args.team, job_id=args.job, now=now, row_limit=args.limit or None
    )
    overrides = _thresholds(args.threshold or [])
    engine = open_engine(settings)
    engine.exact_decimals = True  # money as printed is exact: scripts reconcile it with billing
    if args.team:
        from monitor_app.budgets import known_teams

        teams = known_teams(engine)
        if args.team not in teams:
            print(
                f"error: --team: unknown team {args.team!r}; known: {', '.join(sorted(teams))}",
                file=sys.stderr,
            )
            return 2
    if "targets" in inspect.signature(metrics[args.name].fn).parameters:
        # analytics read no state: the SLA targets in force come from the state store, loaded here
        from monitor_app.context import open_state_store
        from monitor_app.sla_targets import sla_target_history

        overrides["targets"] = sla_target_history(open_state_store(settings), settings)
    try:
        frame = metrics[args.name].fn(engine, filters, **overrides)
    except TypeError as err:  # an unknown threshold name: the metric lists the ones it knows
        print(f"error: {args.name}: {err}", file=sys.stderr)
        return 2
    if filters.row_limit is not None and len(frame) > filters.row_limit:  # a per-job metric: cut here
        print(
            f"note: the first {filters.row_limit:,} of {len(frame):,} rows (--limit 0 prints every row)",
            file=sys.stderr,
        )
        frame = frame.head(filters.row_limit)
    elif filters.row_limit is not None and len(frame) == filters.row_limit:
        print(
            f"note: {len(frame):,} rows, the row limit; there may be more (--limit 0 prints every row)",
            file=sys.stderr,
        )
    if args.format == "csv":
        _exact_text(frame).to_csv(sys.stdout, index=False)
    else:
        sys.stdout.write(_records_json(frame))
        sys.stdout.write("\n")
    return 0


def _plain(value: Decimal) -> str:
    """A Decimal as a plain number without trailing zeros or exponent: 22175.780000 -> 22175.78."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _exact_text(frame: Any) -> Any:
    """The frame with its Decimal values as exact plain text (CSV)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: _plain(v) if isinstance(v, Decimal) else v)
    return out


def _records_json(frame: Any) -> str:
    """JSON records with Decimal values as exact JSON numbers (pandas would quote them as strings).

    Each Decimal is written as a string marked with a random prefix, whose quotes are then removed; the
    prefix is new for every call, so no text in the data (a job name) can be taken for a number.
    """
    marker = "dec" + secrets.token_hex(8)
    marked = frame.copy()
    for column in marked.columns:
        if marked[column].dtype == object:
            marked[column] = marked[column].map(
                lambda v: f"{marker}{_plain(v)}" if isinstance(v, Decimal) else v
            )
    text = marked.to_json(orient="records", date_format="iso", default_handler=str, indent=1)
    return re.sub(f'"{marker}(-?[0-9]+(?:\\.[0-9]+)?)"', r"\1", text)


def _thresholds(pairs: list[str]) -> dict[str, float]:
    """``["warn_pct=0.5"]`` -> ``{"warn_pct": 0.5}``; a malformed pair is a usage error."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise ValueError(f"--threshold expects NAME=NUMBER, got {pair!r}")
    return out


def cmd_report(args: argparse.Namespace) -> int:
    """Write a report snapshot (or all three into a folder), a clear message if it cannot."""
    from monitor_app.budgets import known_teams
    from monitor_app.context import open_engine, open_state_store
    from reports.render import render
    from reports.snapshots import ReportError, generate_all, make_report, write_file, write_snapshot

    settings = _settings(args)
    _require_db(settings)
    try:
        now = _when(args.now, "--now") if args.now else None
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    engine = open_engine(settings)
    if args.team and args.team not in known_teams(engine):
        print(
            f"error: --team: unknown team {args.team!r}; known: {', '.join(sorted(known_teams(engine)))}",
            file=sys.stderr,
        )
        return 2
    store = open_state_store(settings)
    try:
        if args.kind == "all":
            for path in generate_all(engine, store, settings, Path(args.out or args.out_dir), now, args.team):
                _progress(f"wrote {path}")
            return 0
        report = make_report(args.kind, engine, store, settings, now, args.team)
        if args.out_dir:
            path = write_snapshot(report, Path(args.out_dir))
        else:
            path = write_file(render(report), Path(args.out))
    except ReportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    note = "" if report.has_data else " (no data for this period)"
    _progress(f"wrote the {args.kind} report for {report.period.label}{note} to {path}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": cmd_demo,
    "import": cmd_import,
    "export": cmd_export,
    "refresh": cmd_refresh,
    "serve": cmd_serve,
    "metrics": cmd_metrics,
    "alerts": cmd_alerts,
    "budgets": cmd_budgets,
    "report": cmd_report,
}


def build_parser(prog: str = "python -m monitor_app") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Databricks job health and cost monitor")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="generate the embedded demo workspace and refresh its model")
    _common(p)
    p.add_argument("--seed", type=int, default=7, help="random seed (same seed, same workspace)")
    p.add_argument("--jobs", type=int, default=300, help="number of jobs")
    p.add_argument("--days", type=int, default=90, help="days of history")
    p.add_argument("--end", help="end of the simulated history, ISO time in UTC (default: now, to the hour)")
    p.add_argument("--no-refresh", action="store_true", help="skip building the derived model")
    p.add_argument(
        "--no-problems",
        action="store_true",
        help="inject no problem scenario (a clean workspace: no alert rule may fire on it)",
    )

    p = sub.add_parser(
        "import", help="load a Parquet export of system tables and the app state (all or nothing)"
    )
    _common(p)
    p.add_argument("source", type=Path, help="folder with <table full name>.parquet files or folders")
    p.add_argument("--no-refresh", action="store_true", help="skip building the derived model")

    p = sub.add_parser(
        "export", help="write every table and the app state as Parquet, in the layout import reads"
    )
    _common(p)
    p.add_argument("dest", type=Path, help="destination folder")

    p = sub.add_parser("refresh", help="rebuild the derived model from the system tables")
    _common(p)
    p.add_argument("--since", help="incremental: only runs and usage touched since this ISO time (UTC)")
    p.add_argument("--no-alerts", action="store_true", help="skip evaluating the alert rules afterwards")

    p = sub.add_parser("serve", help="serve the app (builds the demo first when no data exists)")
    _common(p)
    p.add_argument("--port", type=int, help="port (default 5006, or $DATABRICKS_APP_PORT)")
    p.add_argument("--address", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--show", action="store_true", help="open a browser")

    p = sub.add_parser("metrics", help="print a metric as JSON or CSV (no name: list the metrics)")
    _common(p)
    p.add_argument("name", nargs="?", help="metric name")
    p.add_argument("--window", type=int, default=30, choices=(7, 30, 90), help="window in days")
    p.add_argument("--team", help="only this team")
    p.add_argument("--job", help="only this job id")
    p.add_argument("--now", help="end of the window, ISO time in UTC (default: now)")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument(
        "--limit",
        type=int,
        default=ROW_LIMIT,
        metavar="ROWS",
        help=f"most rows of a per-run or per-task metric (default {ROW_LIMIT:,}; 0: all rows)",
    )
    p.add_argument(
        "--threshold",
        action="append",
        metavar="NAME=NUMBER",
        help="override a threshold of the metric (repeatable), e.g. warn_pct=0.5; see the metric's docstring",
    )
    p = sub.add_parser("alerts", help="evaluate the alert rules; list, acknowledge, snooze, resolve alerts")
    alerts = p.add_subparsers(dest="action", required=True)
    q = alerts.add_parser("evaluate", help="evaluate every enabled rule now (or as of --now)")
    _common(q)
    q.add_argument("--now", help="evaluate as of this ISO time (UTC; default: now)")
    q = alerts.add_parser("list", help="list alerts, most urgent first")
    _common(q)
    q.add_argument("--status", default="open", choices=("open", "acknowledged", "snoozed", "resolved", "all"))
    q.add_argument("--severity", choices=("P1", "P2", "P3"))
    q.add_argument("--team", help="only this team's alerts")
    q.add_argument("--format", choices=("table", "json", "csv"), default="table")
    for action, text in (("ack", "acknowledge"), ("snooze", "snooze until a time"), ("resolve", "resolve")):
        q = alerts.add_parser(action, help=f"{text} an alert")
        _common(q)
        q.add_argument("id", help="the alert id (A-...)")
        q.add_argument("--by", help="who acts (default: $MONITOR_USER or the login name)")
        q.add_argument("--note", help="a note kept with the alert")
        if action == "snooze":
            q.add_argument("--until", required=True, help="ISO time (UTC) the alert stays quiet until")

    p = sub.add_parser("budgets", help="list, set or clear monthly budgets (versions kept with who and when)")
    budgets = p.add_subparsers(dest="action", required=True)
    q = budgets.add_parser("list", help="the budgets in force (monitor.yaml and the app's)")
    _common(q)
    for action in ("set", "clear"):
        q = budgets.add_parser(action, help=f"{action} a team's or a job's monthly budget")
        _common(q)
        q.add_argument("--team")
        q.add_argument("--job", help="job id")
        q.add_argument("--workspace", help="the job's workspace id (when the id exists in several)")
        q.add_argument("--by", help="who sets it (default: $MONITOR_USER or the login name)")
        if action == "set":
            q.add_argument("--monthly-usd", dest="monthly_usd", type=float, required=True)

    p = sub.add_parser(
        "report", help="write a daily, weekly or monthly report as one self-contained HTML file"
    )
    _common(p)
    p.add_argument(
        "kind", choices=("daily", "weekly", "monthly", "all"), help="which report (all: the three)"
    )
    p.add_argument("--now", help="as of this ISO time (UTC unless it says; default: now)")
    p.add_argument("--team", help="only this team")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", help="the HTML file to write (a folder for `all`)")
    where.add_argument(
        "--out-dir", dest="out_dir", help="a folder: a new snapshot named by kind, period and time"
    )
    return parser


def console() -> int:
    """The ``job-monitor`` console script of the installed package (pyproject.toml)."""
    return main(prog="job-monitor")


def main(argv: list[str] | None = None, prog: str = "python -m monitor_app") -> int:
    args = build_parser(prog).parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (SettingsError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # a clear one-line reason instead of a traceback for users
        import duckdb

        from data.engines import QueryError

        if isinstance(err, QueryError | duckdb.Error) or type(err).__name__.endswith("Error"):
            print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
            return 1
        raise
