"""Report generation on the simulated workspaces (ALERT-03/04/05).

``python benchmarks/bench_reports.py --size default|large`` (after ``bench_alerts.py``, whose state store
copy holds the evaluated alerts and the manifest's SLA targets) makes each report as of the generation
end + 6 h (2026-11-25T06:00Z) and reports, per report: the time to build the model, to render it, the
snapshot's size, and the process's peak RSS. Target: <= 10 s each on large.

Writes ``benchmarks/out/bench_reports_<size>.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import datetime, timedelta

from benchmarks.bench_data import END, SIZES
from benchmarks.common import ROOT, machine
from data.engines import DuckDBEngine
from data.state_store import StateStore
from monitor_app.settings import Settings
from reports.periods import KINDS
from reports.render import render
from reports.snapshots import make_report

OUT = ROOT / "benchmarks" / "out"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="default", choices=sorted(SIZES))
    args = parser.parse_args()
    db = OUT / f"{args.size}.duckdb"
    engine = DuckDBEngine(db, read_only=True)
    store = StateStore.embedded(OUT / f"bench_alerts_{args.size}.state.duckdb")
    settings = Settings(db_path=db)
    now = datetime.fromisoformat(END) + timedelta(hours=6)
    results = {}
    for kind in KINDS:
        started = time.perf_counter()
        report = make_report(kind, engine, store, settings, now)
        built = time.perf_counter() - started
        page = render(report)
        rendered = time.perf_counter() - started - built
        out = OUT / f"report_{args.size}_{kind}.html"
        out.write_text(page, encoding="utf-8")
        results[kind] = {
            "period": report.period.label,
            "model_s": round(built, 2),
            "render_s": round(rendered, 2),
            "total_s": round(built + rendered, 2),
            "size_kb": round(len(page.encode("utf-8")) / 1024),
            "has_data": report.has_data,
        }
        print(kind, results[kind], flush=True)
    result = {
        "size": args.size,
        "now": now.isoformat(),
        "reports": results,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": machine(),
    }
    (OUT / f"bench_reports_{args.size}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
