"""Concurrent sessions: N Chromium pages open the overview at the same moment (N = 1, 5, 10, 20).

    python benchmarks/bench_concurrent_sessions.py     # needs benchmarks/out/default.duckdb (bench_data.py)
    python benchmarks/bench_concurrent_sessions.py --sizes 1 5 --server-arg=--threads=8

Serves the default workspace (``python -m monitor_app serve``, the app's own copy, as bench_app.py does),
warms it with one page, then for each N opens N pages in one Chromium at once (``goto`` of all of them,
then polling each), and times each page from the wave's start until its overview is rendered (the same
condition as bench_app.py: every data panel shown, no spinner, the headline, the job health rows and the
freshness table). A page showing a panel error (``.panel-error``) or not rendered within ``--timeout`` s
counts as an error. Reports the median and p95 per N, the errors and the server's RSS after the wave.
The browser shares the machine's 2 cores with the server: at 20 pages Chromium's own rendering is a large
part of what is measured, as it is for 20 users on one laptop, not for 20 users on 20 machines.

Writes benchmarks/out/bench_concurrent_sessions[<label>].json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.bench_app import (
    CHROMIUM,
    CHROMIUM_ARGS,
    JS_HELPERS,
    OVERVIEW_RENDERED,
    app_workspace,
    free_port,
    new_page,
    start_server,
    stop,
    wait_http,
)
from benchmarks.bench_sessions_memory import rss_mb
from benchmarks.common import ROOT, machine

PANEL_ERROR = "() => {" + JS_HELPERS + " return chain('.panel-error').length; }"


def cpu_s(pid: int) -> float:
    """CPU time (user + system) the process and its threads have used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wave(browser: Any, url: str, count: int, timeout_s: float) -> dict[str, Any]:
    pages = [new_page(browser) for _ in range(count)]
    started = time.perf_counter()
    for page in pages:
        page.goto(url, wait_until="commit")
    done: dict[int, float] = {}
    errors: dict[int, str] = {}
    while len(done) + len(errors) < count and time.perf_counter() - started < timeout_s:
        for i, page in enumerate(pages):
            if i in done or i in errors:
                continue
            try:
                if page.evaluate(PANEL_ERROR):
                    errors[i] = "a panel shows an error"
                elif page.evaluate(OVERVIEW_RENDERED):
                    done[i] = time.perf_counter() - started
            except Exception as err:  # a page still navigating: try again
                if "navigat" not in str(err).lower() and "context" not in str(err).lower():
                    errors[i] = f"{type(err).__name__}: {err}"
        time.sleep(0.05)
    for i in range(count):
        if i not in done and i not in errors:
            errors[i] = f"not rendered within {timeout_s:.0f} s"
    for page in pages:
        page.context.close()
    times = sorted(done.values())
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))] if times else None
    return {
        "sessions": count,
        "rendered": len(times),
        "errors": len(errors),
        "error_kinds": sorted(set(errors.values())),
        "median_s": round(statistics.median(times), 2) if times else None,
        "p95_s": round(p95, 2) if p95 is not None else None,
        "max_s": round(times[-1], 2) if times else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 5, 10, 20])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--server-arg", action="append", default=[], help="extra argument of serve")
    parser.add_argument("--label", default="")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    db, state = app_workspace(args.out)
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = start_server(db, state, port, extra=args.server_arg)
    rows = []
    try:
        wait_http(url + "liveness", proc, timeout_s=120)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                wave(browser, url, 1, args.timeout)  # warm: the first session waits for the prefetch
                for count in args.sizes:
                    time.sleep(20)  # closed sessions discarded, machine idle again
                    cpu = cpu_s(proc.pid)
                    row = wave(browser, url, count, args.timeout)
                    row["server_cpu_s"] = round(cpu_s(proc.pid) - cpu, 1)
                    row["server_rss_mb"] = round(rss_mb(proc.pid))
                    rows.append(row)
                    print(json.dumps(row), flush=True)
            finally:
                browser.close()
    finally:
        stop(proc)
    result = {"machine": machine(), "server_args": args.server_arg, "waves": rows}
    out = args.out / f"bench_concurrent_sessions{args.label}.json"
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(
        "| sessions at once | rendered | errors | median (s) | p95 (s) | server CPU (s) | server RSS (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['sessions']} | {r['rendered']} | {r['errors']} | {r['median_s']} | {r['p95_s']} | "
            f"{r['server_cpu_s']} | {r['server_rss_mb']} |"
        )


if __name__ == "__main__":
    main()
