"""Data foundation benchmark: generation, refresh, peak memory, and build time versus a raw scan.

    python benchmarks/bench_data.py --size default   # 300 jobs, 90 days
    python benchmarks/bench_data.py --size large     # 5,000 jobs, 90 days (>= 1,000,000 job runs)

Each step runs in its own process so its peak memory is its own. For monitor.job_runs and monitor.run_costs
the script also reports the ratio of their build time (as measured inside the refresh) to the time DuckDB
takes merely to scan the raw columns their SQL reads: how far the model is from the cost of reading the data.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import sqlglot
from sqlglot import exp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import ROOT, machine, run_child
from data.sql_files import read_sql

SIZES = {"default": (300, 90), "large": (5000, 90)}
END = "2026-11-25T00:00:00"
# The raw table each model relation is built from, for the scan comparison.
SCANS = {
    "job_runs": "system.lakeflow.job_run_timeline",
    "run_costs": "system.billing.usage",
}


def raw_columns(relation: str, table: str) -> list[str]:
    """Columns of ``table`` that the model SQL of ``relation`` references (top-level names)."""
    from data.schema import table_schemas

    sql = read_sql(ROOT / "data" / "model" / f"{relation}.sql")
    names = {c.name for c in sqlglot.parse_one(sql, read="databricks").find_all(exp.Column)}
    return [c for c in table_schemas()[table].columns if c in names]


def scan_seconds(db: Path, table: str, columns: list[str]) -> float:
    """Best of 3: DuckDB reading every value of those columns (hashed so nothing is skipped)."""
    from data.engines import DuckDBEngine

    engine = DuckDBEngine(db, read_only=True)
    sql = f"SELECT count(*) AS n, sum(hash({', '.join(columns)})) AS h FROM {table}"
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        engine.execute(sql, timeout_s=None)
        best = min(best, time.perf_counter() - started)
    engine.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, default="default")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    jobs, days = SIZES[args.size]
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.out / f"{args.size}.duckdb"
    for stale in args.out.glob(f"{args.size}.*"):
        stale.unlink()

    gen_wall, gen_mb, manifest = run_child(
        "import json; from datetime import datetime; from data.simulator import generate; "
        f"m = generate({str(db)!r}, seed=7, jobs={jobs}, days={days}, end=datetime.fromisoformat({END!r})); "
        "print(json.dumps({'runs': m['counts']['job_runs']}))"
    )
    ref_wall, ref_mb, steps = run_child(
        "import json; from data.engines import DuckDBEngine; from data.refresh import refresh; "
        "msgs = []; "
        f"e = DuckDBEngine({str(db)!r}); counts = refresh(e, progress=msgs.append); e.close(); "
        "print(json.dumps({'counts': counts, 'msgs': msgs}))"
    )
    step_s = {
        m.group(1): float(m.group(2))
        for line in steps["msgs"]
        if (m := re.match(r"\s+(\w+): in ([\d.]+) s", line))
    }
    ratios = {}
    for relation, table in SCANS.items():
        cols = raw_columns(relation, table)
        scan = scan_seconds(db, table.removeprefix("system."), cols)
        ratios[relation] = {"build_s": step_s.get(relation), "scan_s": round(scan, 3), "columns": len(cols)}
        ratios[relation]["ratio"] = (
            round(step_s[relation] / scan, 1) if step_s.get(relation) and scan else None
        )

    result = {
        "size": args.size,
        "jobs": jobs,
        "days": days,
        "job_runs": steps["counts"]["job_runs"],
        "task_runs": steps["counts"]["task_runs"],
        "generate_s": round(gen_wall, 1),
        "generate_peak_mb": round(gen_mb),
        "refresh_s": round(ref_wall, 1),
        "refresh_peak_mb": round(ref_mb),
        "steps_s": step_s,
        "build_vs_scan": ratios,
        "machine": machine(),
    }
    (args.out / f"bench_data_{args.size}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
