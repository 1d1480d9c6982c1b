"""Metrics benchmark: every registered metric on the embedded engine, and the cost overview rendered.

    python benchmarks/bench_metrics.py --size default   # 300 jobs, 90 days (~72k runs)
    python benchmarks/bench_metrics.py --size large     # 5,000 jobs, 90 days (1.3M runs)

Needs the workspace of ``benchmarks/bench_data.py`` (benchmarks/out/<size>.duckdb, refreshed). Each metric is
``fn(engine, Filters(window_days=30, now=END))`` on the DuckDB file opened read-only, timed as the median of
``--repeat`` calls after one warm-up call (the warm-up also fills the transpile cache, as a running app has).
The SLA metrics get the target versions of a state store in benchmarks/out (state_<size>.duckdb, seeded
from the manifest's ``sla_targets``), passed in as the views do, so the state store is read once and not
per call. The drill-down rows also time the scoped calls one click makes (a team's jobs, a job's runs, a
run's summary and tasks), which are not registered metrics.

On ``default`` it also times the full cost overview rendered server-side: an AppState as the server builds
it, ``cost_overview(state)`` with every DataPanel's query and render done (outside a server session
DataPanel computes synchronously), then the Bokeh models created (``get_root``). The result cache is
emptied before each repeat, so every panel's queries run.

Writes benchmarks/out/bench_metrics_<size>.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import ROOT, machine

END = datetime(2026, 11, 25, tzinfo=UTC)
# Targets (ms) of the health, SLA and cost metrics; drill-down queries have none of their own (the click
# target, 500 ms end to end, is measured by bench_app.py) and are shown for information.
TARGET_MS = {"default": 50.0, "large": 300.0}
OVERVIEW_TARGET_S = 1.0


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# A metric whose warm-up call takes longer than this is far beyond any target: it is timed once only.
SLOW_S = 10.0


def timed(fn: Any, repeat: int) -> dict[str, Any]:
    """Warm-up call, then ``repeat`` timed calls: median, min, max in ms and the rows of the last result.

    A call that fails (e.g. the engine's 60 s timeout) is recorded as the error; a warm-up slower than
    SLOW_S is reported as the only measurement (``repeats: 1``).
    """
    started = time.perf_counter()
    try:
        result = fn()
    except Exception as err:
        ms = round((time.perf_counter() - started) * 1000, 1)
        return {
            "median_ms": ms,
            "min_ms": ms,
            "max_ms": ms,
            "rows": None,
            "repeats": 1,
            "error": str(err)[:300],
        }
    warm_s = time.perf_counter() - started
    if warm_s > SLOW_S:
        ms = round(warm_s * 1000, 1)
        return {"median_ms": ms, "min_ms": ms, "max_ms": ms, "rows": len(result), "repeats": 1}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    rows = len(result) if hasattr(result, "__len__") else None
    return {
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "rows": rows,
        "repeats": repeat,
    }


def state_store(size: str, db: Path, out: Path) -> Path:
    """state_<db name>.duckdb beside the db, with the manifest's SLA targets (seeded once; re-runs keep it)."""
    from data.engines import DuckDBEngine
    from data.state_store import StateStore
    from monitor_app.workspace_setup import save_manifest_sla_targets

    path = db.parent / f"state_{db.stem}.duckdb"
    manifest = json.loads((out / f"{size}.manifest.json").read_text())
    store = StateStore.embedded(path)
    engine = DuckDBEngine(db, read_only=True)
    try:
        save_manifest_sla_targets(engine, store, manifest, "benchmark", now=datetime(2026, 1, 1, tzinfo=UTC))
    finally:
        engine.close()
        store.engine.close()
    return path


def load_targets(state_path: Path) -> Any:
    """The SLA target versions of the benchmark's state store, read once (as the views pass them in)."""
    from data.state_store import StateStore
    from monitor_app.sla_targets import sla_target_history

    store = StateStore.embedded(state_path)
    try:
        return sla_target_history(store)
    finally:
        store.engine.close()


def bench_metrics(
    db: Path, state_path: Path, size: str, repeat: int, only: set[str] | None = None
) -> list[dict[str, Any]]:
    from data.engines import DuckDBEngine
    from monitor_app.analytics import drilldown
    from monitor_app.analytics.cost import COST_METRICS
    from monitor_app.analytics.health import HEALTH_METRICS
    from monitor_app.analytics.registry import load_all
    from monitor_app.analytics.sla import SLA_METRICS
    from monitor_app.filters import Filters

    metrics = load_all()
    targets = load_targets(state_path)
    engine = DuckDBEngine(db, read_only=True)
    filters = Filters(window_days=30, now=END)
    groups = {"health": HEALTH_METRICS, "sla": SLA_METRICS, "cost": COST_METRICS}
    grouped = {name for names in groups.values() for name in names}
    groups["drilldown"] = tuple(n for n in metrics if n not in grouped)

    rows = []
    for group, names in groups.items():
        for name in names:
            if only and name not in only:
                continue
            fn = metrics[name].fn
            # every metric that checks SLA targets takes them (they are loaded once, as the views do)
            if "targets" in inspect.signature(fn).parameters:
                call = lambda fn=fn: fn(engine, filters, targets)  # noqa: E731
            else:
                call = lambda fn=fn: fn(engine, filters)  # noqa: E731
            target = TARGET_MS[size] if group != "drilldown" else None
            rows.append({"group": group, "metric": name, "target_ms": target, **timed(call, repeat)})

    # The scoped queries of one drill-down: the busiest team, its costliest job, that job's newest run.
    teams = drilldown.teams_summary(engine, filters).sort_values("runs", ascending=False)
    team = str(teams["team"].iloc[0])
    jobs = drilldown.team_jobs(engine, filters.with_(team=team)).sort_values("runs", ascending=False)
    ws, job = str(jobs["workspace_id"].iloc[0]), str(jobs["job_id"].iloc[0])
    job_filters = filters.with_(team=team, workspace_id=ws, job_id=job)
    runs = drilldown.job_runs(engine, job_filters)
    run_id = str(runs["run_id"].iloc[0])
    scoped = [
        (f"team_jobs (team={team})", lambda: drilldown.team_jobs(engine, filters.with_(team=team))),
        (f"job_runs (job={job})", lambda: drilldown.job_runs(engine, job_filters)),
        (f"run_summary (run={run_id})", lambda: drilldown.run_summary(engine, job_filters, run_id)),
        (f"run_tasks (run={run_id})", lambda: drilldown.run_tasks(engine, job_filters, run_id)),
    ]
    for name, call in scoped:
        if only and name.split(" ")[0] not in only:
            continue
        rows.append({"group": "drilldown", "metric": name, "target_ms": None, **timed(call, repeat)})
    engine.close()
    for row in rows:
        row["pass"] = None if row["target_ms"] is None else row["median_ms"] <= row["target_ms"]
    return rows


def bench_overview(db: Path, state_path: Path, repeat: int) -> dict[str, Any]:
    """The cost overview built server-side: every panel's data computed and the Bokeh models created."""
    import panel as pn

    from monitor_app.cache import ResultCache
    from monitor_app.identity import identity_from_headers
    from monitor_app.server import ServerContext, _as_of
    from monitor_app.settings import Settings
    from monitor_app.state import AppState

    pn.extension("tabulator", notifications=False)
    from components.cost_views import cost_overview

    settings = Settings(db_path=db, state_path=state_path, local_user="benchmark")
    context = ServerContext(settings)

    def build(cache: ResultCache) -> tuple[float, float]:
        state = AppState(
            engine=context.shared_engine(),
            jobs_api=None,
            identity=identity_from_headers({}, settings),
            settings=settings,
            state_store=context.state_store(),
            cache=cache,
        )
        state.as_of = _as_of(state)  # as create_session does (a query of its own, not timed)
        started = time.perf_counter()
        view = cost_overview(state)  # outside a session every DataPanel loads and renders here
        data_done = time.perf_counter()
        layout = view.__panel__()
        root = layout.get_root()
        errors = [m for m in root.references() if "panel-error" in (getattr(m, "css_classes", None) or [])]
        if errors:
            raise RuntimeError("a cost overview panel failed: see the log")
        layout._cleanup(root)
        return data_done - started, time.perf_counter() - started

    build(ResultCache())  # warm-up: imports, transpile cache, HoloViews/Bokeh first use
    data_s, total_s = [], []
    for _ in range(repeat):
        d, t = build(ResultCache())  # an empty cache: every panel queries
        data_s.append(d)
        total_s.append(t)
    context.close()
    total = statistics.median(total_s)
    return {
        "what": "cost_overview(state) with all panels loaded + get_root() (Bokeh models), empty result cache",
        "as_of": str(END),
        "data_and_render_median_s": round(statistics.median(data_s), 3),
        "total_median_s": round(total, 3),
        "min_s": round(min(total_s), 3),
        "max_s": round(max(total_s), 3),
        "repeat": repeat,
        "target_s": OVERVIEW_TARGET_S,
        "pass": total <= OVERVIEW_TARGET_S,
    }


def markdown(rows: list[dict[str, Any]], size: str) -> str:
    lines = [
        f"| group | metric ({size}) | median ms | min-max ms | rows | target ms | result |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        target = "–" if r["target_ms"] is None else f"{r['target_ms']:.0f}"
        verdict = "info" if r["pass"] is None else ("pass" if r["pass"] else "**FAIL**")
        if r.get("error"):
            verdict += f" (error: {r['error'][:80]})"
        elif r["repeats"] == 1:
            verdict += " (timed once: > 10 s)"
        lines.append(
            f"| {r['group']} | {r['metric']} | {r['median_ms']:.1f} | {r['min_ms']:.0f}-{r['max_ms']:.0f} | "
            f"{r['rows']} | {target} | {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=TARGET_MS, default="default")
    parser.add_argument("--repeat", type=int, default=7, help="timed calls per metric (after a warm-up)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--skip-overview", action="store_true")
    parser.add_argument("--only", nargs="*", help="time only these metrics (names as in the table)")
    parser.add_argument("--db", type=Path, help="workspace file (default benchmarks/out/<size>.duckdb)")
    args = parser.parse_args()
    if args.repeat < 5:
        parser.error("--repeat must be at least 5")
    db = args.db or args.out / f"{args.size}.duckdb"
    if not db.exists():
        sys.exit(f"{db} does not exist: run python benchmarks/bench_data.py --size {args.size} first")
    load_before = load_average()
    state_path = state_store(args.size, db, args.out)
    rows = bench_metrics(db, state_path, args.size, args.repeat, set(args.only or ()))
    overview = None
    if args.size == "default" and not args.skip_overview and not args.only:
        overview = bench_overview(db, state_path, args.repeat)
    result = {
        "size": args.size,
        "date": date.today().isoformat(),
        "filters": f"Filters(window_days=30, now={END.isoformat()})",
        "repeat": args.repeat,
        "metrics": rows,
        "cost_overview": overview,
        "failed": [r["metric"] for r in rows if r["pass"] is False],
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    suffix = "" if not args.only else "_partial"
    (args.out / f"bench_metrics_{args.size}{suffix}.json").write_text(json.dumps(result, indent=1))
    print(markdown(rows, args.size))
    if overview:
        verdict = "pass" if overview["pass"] else "**FAIL**"
        print(
            f"\ncost overview rendered server-side: median {overview['total_median_s']:.3f} s "
            f"(data + panels {overview['data_and_render_median_s']:.3f} s), target <= 1 s: {verdict}"
        )
    print(f"\nload average before/after: {load_before} / {result['load_average_after']}")


if __name__ == "__main__":
    main()
