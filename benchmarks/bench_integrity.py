"""Pipeline integrity on the simulated workspaces (PIPE-01/02).

``python benchmarks/bench_integrity.py --size default|large [--clean]`` (after ``bench_data.py``, which
generates the workspace and times the refresh, table_writes and schema_changes included; ``--clean`` reads
the workspace with no injected problem that ``bench_alerts.py --clean`` generates) reports:

- the collected history and snapshots it holds and the model's rows;
- each integrity metric's warm median time over the 30-day window (target <= 300 ms);
- precision and recall of the flagged writes (per write: job and run) and of the schema changes (per
  table and column) against the manifest's injected scenarios, and of the two alert rules per job;
- the flags on the clean jobs (must be 0) and, on ``--clean``, every flag and alert (must be 0).

Writes ``benchmarks/out/bench_integrity_<size>[_clean].json``.
"""

from __future__ import annotations

import argparse
import json
import resource
from datetime import UTC, datetime

from benchmarks.bench_data import END, SIZES
from benchmarks.common import ROOT, machine, median_ms
from data.engines import DuckDBEngine
from data.simulator.truth import alert_truth
from monitor_app.alerts.config import rule_settings
from monitor_app.alerts.rules import RuleContext, row_count_deviation, schema_drift
from monitor_app.analytics import integrity
from monitor_app.filters import Filters

OUT = ROOT / "benchmarks" / "out"


def _score(found: set, expected: set) -> dict:
    hits = len(found & expected)
    return {
        "expected": len(expected),
        "found": len(found),
        "precision": round(hits / len(found), 3) if found else (1.0 if not expected else 0.0),
        "recall": round(hits / len(expected), 3) if expected else 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="default", choices=sorted(SIZES))
    parser.add_argument("--clean", action="store_true")
    args = parser.parse_args()
    name = f"clean_{args.size}" if args.clean else args.size
    db = OUT / f"{name}.duckdb"
    manifest = json.loads(db.with_suffix(".manifest.json").read_text())
    engine = DuckDBEngine(db, read_only=True)
    now = datetime.fromisoformat(END)
    window = Filters(window_days=30, now=now)
    everything = window.with_(row_limit=None)
    timings = {
        f"{fn.__name__}_ms": round(median_ms(lambda fn=fn, f=f: fn(engine, f), 5), 1)
        for fn, f in (
            (integrity.row_count_changes, window),
            (integrity.schema_drift, window),
            (integrity.integrity_data_issues, window),
            (integrity.green_but_broken_runs, window),
            (integrity.tables_written, window),
        )
    }
    writes = integrity.row_count_changes(engine, everything)
    drift = integrity.schema_drift(engine, everything)
    flagged = writes[writes["flagged"]]
    scenarios = [s for s in manifest["scenarios"]]
    expected_writes = {
        (s["job_id"], run) for s in scenarios if s["kind"] == "row_count_deviation" for run in s["run_ids"]
    }
    expected_changes = {
        (s["details"]["table"], c["column"], c["change"])
        for s in scenarios
        if s["kind"] == "schema_drift"
        for c in s["details"]["changes"]
    }
    clean = {str(job) for _ws, job in manifest["clean_jobs"]}
    ctx = RuleContext(engine=engine, now=now.replace(tzinfo=UTC), rules=rule_settings(None))
    truth = alert_truth(manifest)
    alerts = {
        "row_count_deviation": {(f.workspace_id, f.job_id) for f in row_count_deviation(ctx)},
        "schema_drift": {(f.workspace_id, f.job_id) for f in schema_drift(ctx)},
    }
    counts = engine.execute(
        "SELECT (SELECT COUNT(*) FROM collected.table_history) AS history_rows,"
        " (SELECT COUNT(*) FROM collected.column_snapshots) AS snapshot_rows,"
        " (SELECT COUNT(*) FROM monitor.table_writes) AS table_writes,"
        " (SELECT COUNT(*) FROM monitor.schema_changes) AS schema_changes",
        {},
    ).iloc[0]
    result = {
        "size": name,
        **{k: int(v) for k, v in counts.items()},
        "window_writes": len(writes),
        "window_tables": int(writes["table_full_name"].nunique()),
        "statuses": writes["status"].value_counts().to_dict(),
        **timings,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "scores": {
            "flagged writes": _score(
                set(zip(flagged["job_id"], flagged["job_run_id"], strict=True)), expected_writes
            ),
            "schema changes": _score(
                set(zip(drift["table_full_name"], drift["column_name"], drift["change"], strict=True)),
                expected_changes,
            ),
            **{f"alert {rule}": _score(found, truth[rule]) for rule, found in alerts.items()},
        },
        "clean_jobs_flagged": int(flagged["job_id"].isin(clean).sum()),
        "clean_jobs_drifted": int(drift["job_id"].isin(clean).sum()),
        "machine": machine(),
    }
    (OUT / f"bench_integrity_{name}.json").write_text(json.dumps(result, indent=1, default=str))
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
