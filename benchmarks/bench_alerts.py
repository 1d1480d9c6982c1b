"""The alert engine on the simulated workspaces: precision and recall per rule, and evaluation time.

``python benchmarks/bench_alerts.py --size default|large`` (after ``bench_data.py``) evaluates every rule
at the generation end on a copy of the workspace's state store with the manifest's SLA targets saved, as
the app would, then scores each rule's alerts (per job) against the manifest's ground truth. A second
evaluation of the same data measures the steady state (nothing changes). ``--clean`` first generates a
workspace with no injected problem (``demo --no-problems``, same size) and counts every alert as false.
Writes ``benchmarks/out/bench_alerts_<size>[_clean].json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.bench_data import END, SIZES
from benchmarks.common import ROOT, machine
from data.engines import LiveDuckDBEngine
from data.simulator.truth import alert_truth
from data.state_store import StateStore
from monitor_app.alerts.evaluate import evaluate
from monitor_app.settings import Settings
from monitor_app.workspace_setup import build_demo, save_manifest_sla_targets

OUT = ROOT / "benchmarks" / "out"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="default", choices=sorted(SIZES))
    parser.add_argument("--clean", action="store_true", help="a workspace with no injected problem")
    args = parser.parse_args()
    end = datetime.fromisoformat(END).replace(tzinfo=UTC)
    name = f"clean_{args.size}" if args.clean else args.size
    db = OUT / f"{name}.duckdb"
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state.duckdb"
        settings = Settings(db_path=db, state_path=state)
        if args.clean and not db.exists():
            jobs, days = SIZES[args.size]
            t0 = time.perf_counter()
            build_demo(
                settings,
                StateStore.embedded(state),
                jobs=jobs,
                days=days,
                end=end.replace(tzinfo=None),
                problems=False,
            )
            print(f"generated {db.name} in {time.perf_counter() - t0:.0f} s", flush=True)
            state.unlink()
        manifest = json.loads(db.with_suffix(".manifest.json").read_text())
        engine = LiveDuckDBEngine(db)
        store = StateStore.embedded(state)
        save_manifest_sla_targets(engine, store, manifest, "manifest", now=end - timedelta(days=120))
        first = evaluate(engine, store, settings, now=end)
        second = evaluate(engine, store, settings, now=end)
        shutil.copy(state, OUT / f"bench_alerts_{name}.state.duckdb")
    truth = alert_truth(manifest)
    clean = {(str(ws), str(job)) for ws, job in manifest["clean_jobs"]}
    rules = {}
    for rule in first.rule_seconds:
        flagged = {(f.workspace_id, f.job_id) for f in first.findings if f.rule == rule}
        hits = flagged & truth[rule]
        rules[rule] = {
            "alerts": sum(1 for f in first.findings if f.rule == rule),
            "injected": len(truth[rule]),
            "hits": len(hits),
            "precision": round(len(hits) / len(flagged), 3) if flagged else 1.0,
            "recall": round(len(hits) / len(truth[rule]), 3) if truth[rule] else None,
            "clean_flagged": len(flagged & clean),
            "false_examples": sorted(map(str, flagged - truth[rule]))[:5],
            "seconds": first.rule_seconds[rule],
        }
        print(
            f"{rule:22s} alerts {rules[rule]['alerts']:4d} precision {rules[rule]['precision']:.2f} "
            f"recall {rules[rule]['recall']} clean flagged {rules[rule]['clean_flagged']} "
            f"({first.rule_seconds[rule]:.2f} s)",
            flush=True,
        )
    result = {
        "size": args.size,
        "clean": args.clean,
        "as_of": end.isoformat(),
        "machine": machine(),
        "alerts": len(first.findings),
        "by_severity": dict(Counter(f.severity for f in first.findings)),
        "first_evaluation_s": round(first.seconds, 2),
        "second_evaluation_s": round(second.seconds, 2),
        "second_changes": len(second.changes.changed),
        "problems": first.problems,
        "rules": rules,
    }
    print(
        f"{len(first.findings)} alerts {result['by_severity']}; evaluation {result['first_evaluation_s']} s, "
        f"again {result['second_evaluation_s']} s ({result['second_changes']} changes)",
        flush=True,
    )
    (OUT / f"bench_alerts_{name}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
