"""Refresh under load: readers query the workspace while the CLI refreshes it, and what the swap costs.

    python benchmarks/bench_live_refresh.py --size default     # after bench_data.py --size default

On a copy of the generated workspace, two reader threads (as two sessions' panels) run the overview's
queries (teams summary, success rates, consecutive failures) through one ``LiveDuckDBEngine`` in a loop,
as the server does. Phase "idle": 20 s with no writer. Phase "refreshing": ``python -m monitor_app
refresh --since <end - 2 days>`` (the hourly incremental refresh) three times and one full refresh, each a
CLI process beside the readers. Every query's latency and every error is recorded; a query counts in the
phase in which it started. The data version the readers see must step once per refresh (they follow the
new file without a restart). Writes benchmarks/out/bench_live_refresh_<size>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.bench_data import END
from benchmarks.common import ROOT, machine
from data.engines import LiveDuckDBEngine
from monitor_app.analytics import drilldown, health
from monitor_app.filters import Filters

OUT = ROOT / "benchmarks" / "out"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="default", choices=("default", "large"))
    parser.add_argument("--incremental", type=int, default=3)
    args = parser.parse_args()
    source = OUT / f"{args.size}.duckdb"
    if not source.exists():
        sys.exit(f"run `python benchmarks/bench_data.py --size {args.size}` first")
    work = OUT / f"live_{args.size}.duckdb"
    shutil.copyfile(source, work)
    started = time.perf_counter()
    shutil.copyfile(source, OUT / "copy_probe.duckdb")
    copy_s = time.perf_counter() - started
    os.remove(OUT / "copy_probe.duckdb")

    engine = LiveDuckDBEngine(work)
    engine.configure("SET memory_limit = '1GB'")
    filters = Filters(window_days=30, now=datetime.fromisoformat(END))
    phase = ["idle"]
    samples: dict[str, list[float]] = {"idle": [], "refreshing": []}
    errors: list[str] = []
    versions: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            current = phase[0]
            t0 = time.perf_counter()
            try:
                drilldown.teams_summary(engine, filters)
                health.success_rates(engine, filters)
                health.consecutive_failures(engine, filters)
                samples[current].append(time.perf_counter() - t0)
                versions.append(engine.data_version)
            except Exception as err:  # counted: the target is none
                errors.append(f"{type(err).__name__}: {err}")

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    time.sleep(20)
    phase[0] = "refreshing"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MONITOR_STATE_DB": str(OUT / f"live_{args.size}.state.duckdb"),
    }
    env["MONITOR_CONFIG"] = str(OUT / "no-monitor.yaml")
    since = (datetime.fromisoformat(END) - timedelta(days=2)).isoformat()
    refreshes = []
    for kind in ["incremental"] * args.incremental + ["full"]:
        command = [sys.executable, "-m", "monitor_app", "refresh", "--db", str(work)]
        if kind == "incremental":
            command += ["--since", since]
        t0 = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        refreshes.append(
            {"kind": kind, "exit": done.returncode, "wall_s": round(time.perf_counter() - t0, 2)}
        )
        print(json.dumps(refreshes[-1]), flush=True)
    time.sleep(2)  # a last query on the newest file
    stop.set()
    for reader in readers:
        reader.join()

    def summary(values: list[float]) -> dict[str, float]:
        return {
            "queries": len(values),
            "median_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(pct(values, 0.95) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
        }

    result = {
        "size": args.size,
        "machine": machine(),
        "file_mb": round(source.stat().st_size / 1e6),
        "copy_s": round(copy_s, 2),
        "refreshes": refreshes,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "versions_seen": sorted(set(versions)),
        "idle": summary(samples["idle"]),
        "refreshing": summary(samples["refreshing"]),
    }
    (OUT / f"bench_live_refresh_{args.size}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))
    for leftover in (work, OUT / f"live_{args.size}.state.duckdb"):
        leftover.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
