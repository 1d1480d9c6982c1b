"""Threshold overrides benchmark: the metrics whose defaults the refresh materializes, called with other values.

    python benchmarks/bench_overrides.py --size default|large [--repeat 3]

A monitor.yaml ``thresholds:`` entry, or the CLI's ``--threshold``, puts every call of these metrics on the
path that computes the baseline on the call (the model's query run inline: data/sql_files.inline_relations)
instead of reading the relation the refresh built. Each call is timed as in bench_metrics.py (median of
``--repeat`` after one warm-up), on the workspace of bench_data.py, the window of bench_metrics.py
(30 days to END), the SLA metrics with the manifest's targets; ``zombie_jobs`` gets a 6-hour window (under a
day it cannot use the daily rollups). The default-threshold call of each metric is timed beside it.

Writes benchmarks/out/bench_overrides_<size>.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.bench_metrics import END, load_average, load_targets, state_store, timed
from benchmarks.common import ROOT, machine

# metric -> the overridden thresholds (the Spark parity test's live calls, and a spike ratio of 2.5)
OVERRIDES: dict[str, dict[str, Any]] = {
    "run_durations": {"baseline_days": 21},
    "duration_regressions": {"warn_pct": 0.25},
    "suspiciously_fast": {"fast_ratio": 0.6},
    "sla_checks": {"baseline_days": 21},
    "sla_summary": {"baseline_days": 21},
    "dbu_spikes": {"spike_ratio": 2.5},
    "zombie_jobs": {},  # the override is the window: 6 hours
}


def bench(db: Path, state_path: Path, repeat: int) -> list[dict[str, Any]]:
    from data.engines import DuckDBEngine
    from monitor_app.analytics.registry import load_all
    from monitor_app.filters import Filters

    metrics = load_all()
    targets = load_targets(state_path)
    engine = DuckDBEngine(db, read_only=True)
    window = Filters(window_days=30, now=END)
    rows = []
    for name, thresholds in OVERRIDES.items():
        fn = metrics[name].fn
        extra = {"targets": targets} if name.startswith("sla_") else {}
        overridden = (
            Filters(window_days=0.25, now=END - timedelta(hours=3)) if name == "zombie_jobs" else window
        )
        default = timed(lambda fn=fn, extra=extra: fn(engine, window, **extra), repeat)
        other = timed(
            lambda fn=fn, extra=extra, f=overridden, t=thresholds: fn(engine, f, **extra, **t), repeat
        )
        label = ", ".join(f"{k}={v}" for k, v in thresholds.items()) or "6-hour window"
        rows.append({"metric": name, "override": label, "default": default, "overridden": other})
    engine.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("default", "large"), default="default")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "out"
    db = out / f"{args.size}.duckdb"
    if not db.exists():
        sys.exit(f"{db} is missing: run `python benchmarks/bench_data.py --size {args.size}` first")
    rows = bench(db, state_store(args.size, db, out), args.repeat)
    result = {"size": args.size, "machine": machine(), "load": load_average(), "rows": rows}
    (out / f"bench_overrides_{args.size}.json").write_text(json.dumps(result, indent=1) + "\n")
    print("| metric | override | default path ms (rows) | overridden ms (rows) |\n|---|---|---:|---:|")
    for r in rows:
        d, o = r["default"], r["overridden"]
        error = f" error: {o['error']}" if "error" in o else ""
        print(
            f"| `{r['metric']}` | {r['override']} | {d['median_ms']} ({d['rows']}) |"
            f" {o['median_ms']} ({o['rows']}){error} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
