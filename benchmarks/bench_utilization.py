"""Cluster utilization and rightsizing on the simulated workspaces (CLUST-01/02).

``python benchmarks/bench_utilization.py --size default|large`` (after ``bench_data.py``, which generates
the workspace and times the refresh, run_utilization included) reports:

- the node timeline it holds and the rollup's rows;
- each new metric's warm median time over the 30-day window (target <= 300 ms) and the process's peak RSS;
- per rightsizing verdict, precision and recall against the manifest's injected scenarios, and the
  over_provisioned alerts (P3) the rule raises;
- the official dashboard's estimate (cost x (1 - CPU of all nodes) / 2) on the memory-bound jobs, where
  rightsizing says "do not shrink".

Writes ``benchmarks/out/bench_utilization_<size>.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
from datetime import UTC, datetime

from benchmarks.bench_data import END, SIZES
from benchmarks.common import ROOT, machine, median_ms
from data.engines import DuckDBEngine
from data.simulator.truth import verdict_truth
from monitor_app.alerts.config import rule_settings
from monitor_app.alerts.rules import RuleContext, over_provisioned
from monitor_app.analytics.utilization import cluster_utilization, rightsizing, utilization_data_issues
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
    args = parser.parse_args()
    db = OUT / f"{args.size}.duckdb"
    manifest = json.loads(db.with_suffix(".manifest.json").read_text())
    engine = DuckDBEngine(db, read_only=True)
    now = datetime.fromisoformat(END)
    window = Filters(window_days=30, now=now)
    everything = window.with_(row_limit=None)
    timings = {
        "cluster_utilization_ms": round(median_ms(lambda: cluster_utilization(engine, window), 5), 1),
        "rightsizing_ms": round(median_ms(lambda: rightsizing(engine, everything), 5), 1),
        "utilization_data_issues_ms": round(median_ms(lambda: utilization_data_issues(engine, window), 5), 1),
    }
    jobs = rightsizing(engine, everything)
    truth = verdict_truth(manifest)
    scores = {}
    for verdict, expected in truth.items():
        rows = (
            jobs[jobs["autoscale_never_scaled"]]
            if verdict == "autoscale_never_scaled"
            else jobs[jobs["verdict"] == verdict]
        )
        found = {(str(r.workspace_id), str(r.job_id)) for r in rows.itertuples()}
        scores[verdict] = _score(found, expected)
    ctx = RuleContext(engine=engine, now=now.replace(tzinfo=UTC), rules=rule_settings(None))
    alerts = {(f.workspace_id, f.job_id) for f in over_provisioned(ctx)}
    scores["alert over_provisioned"] = _score(alerts, truth["over-provisioned"])
    memory = jobs[jobs["verdict"] == "memory-bound"]
    counts = engine.execute(
        "SELECT (SELECT COUNT(*) FROM system.compute.node_timeline) AS node_rows,"
        " (SELECT COUNT(*) FROM monitor.run_utilization) AS rollup_rows,"
        " (SELECT COUNT(*) FROM monitor.run_utilization WHERE status = 'measured') AS measured_runs",
        {},
    ).iloc[0]
    result = {
        "size": args.size,
        "node_timeline": manifest["node_timeline"],
        "node_rows": int(counts["node_rows"]),
        "run_utilization_rows": int(counts["rollup_rows"]),
        "measured_runs": int(counts["measured_runs"]),
        "jobs_judged": len(jobs),
        "verdicts": jobs["verdict"].value_counts().to_dict(),
        **timings,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "scores": scores,
        "over_provisioned_savings_usd_month": round(float(jobs["est_monthly_savings_usd"].sum()), 2),
        "memory_bound_jobs": len(memory),
        "memory_bound_naive_savings_usd_month": round(float(memory["naive_savings_usd"].sum()), 2),
        "memory_bound_our_savings_usd_month": round(float(memory["est_monthly_savings_usd"].sum()), 2),
        "machine": machine(),
    }
    (OUT / f"bench_utilization_{args.size}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
