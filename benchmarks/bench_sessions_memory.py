"""Server memory over 200 browser sessions in waves: does RSS level off or keep growing?

Serves the default workspace (``bench_data.py --size default`` first) with ``python -m monitor_app
serve`` in a child process, then opens ``--waves`` waves of ``--per-wave`` pages in Debian's Chromium
(Playwright, one after another). Each page asks for other filters (page, window, team), so the
result cache keeps growing unless it is bounded; each waits until its first panel shows numbers, then
closes. After a wave the script waits until the server has discarded the closed sessions and reads the
server's RSS from /proc (the supervisor's and its serving child's together, when ``recycle_rss_mb`` is on). ``--unbounded`` serves with a cache and a DuckDB limit too large to matter (the
behaviour before both were bounded). Writes ``benchmarks/out/bench_sessions_memory[_unbounded].json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import ROOT, machine

OUT = ROOT / "benchmarks" / "out"
CHROMIUM = "/usr/bin/chromium"
# The server discards a session 15 s after its last connection closed, checking every 5 s (server.listen).
SESSION_CLEANUP_S = 40


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serving_pid(pid: int) -> int:
    """The process that serves: ``serve``'s child when it runs supervised (recycle_rss_mb), else itself."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = children.read_text().split() if children.exists() else []
    return int(found[0]) if found else pid


def tree_rss_mb(pid: int) -> float:
    """RSS of the supervisor and the process serving, together."""
    child = serving_pid(pid)
    return rss_mb(pid) + (rss_mb(child) if child != pid else 0.0)


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return -1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def teams(db: Path) -> list[str]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return [
            r[0] for r in con.execute("SELECT DISTINCT team FROM monitor.job_teams ORDER BY 1").fetchall()
        ]
    finally:
        con.close()


def urls(base: str, names: list[str], count: int) -> list[str]:
    """Links that each need other results: page x window x team (with a date range now and then)."""
    pages = ("overview", "teams", "jobs")
    out = []
    for i in range(count):
        query = f"page={pages[i % 3]}&window_days={(7, 30, 90)[(i // 3) % 3]}&team={names[i % len(names)]}"
        if i % 5 == 4:
            query += f"&start_date=2026-10-{1 + i % 20:02d}&end_date=2026-11-20"
        out.append(f"{base}?{query}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waves", type=int, default=8)
    parser.add_argument("--per-wave", type=int, default=25)
    parser.add_argument("--unbounded", action="store_true")
    parser.add_argument("--server-env", action="append", default=[], help="NAME=VALUE for the server process")
    parser.add_argument("--label", default="", help="suffix of the JSON file")
    args = parser.parse_args()
    source = OUT / "default.duckdb"
    if not source.exists():
        sys.exit("run `python benchmarks/bench_data.py --size default` first")
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp())
    db = work / "workspace.duckdb"
    shutil.copy(source, db)
    names = teams(db)  # before the server holds the file's lock
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MONITOR_DB": str(db),
        "MONITOR_STATE_DB": str(work / "state.duckdb"),
        "MONITOR_CONFIG": str(work / "none.yaml"),
    }
    if args.unbounded:
        env |= {"MONITOR_CACHE_MB": "100000", "MONITOR_DUCKDB_MEMORY_LIMIT": "100GB"}
    env |= dict(item.split("=", 1) for item in args.server_env)
    server = subprocess.Popen(
        [sys.executable, "-m", "monitor_app", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    result: dict = {
        "unbounded": args.unbounded,
        "server_env": args.server_env,
        "machine": machine(),
        "waves": [],
    }
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "liveness", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        result["rss_ready_mb"] = round(tree_rss_mb(server.pid))
        served_by = {serving_pid(server.pid)}
        links = urls(base, names, args.waves * args.per_wave)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])

            def visit(url: str) -> float:
                context = browser.new_context()
                page = context.new_page()
                started = time.perf_counter()
                try:
                    page.goto(url)
                    page.locator(".data-panel table, .tabulator-row, .kpi").first.wait_for(timeout=60_000)
                    return time.perf_counter() - started
                finally:
                    context.close()

            for wave in range(args.waves):
                chunk = links[wave * args.per_wave : (wave + 1) * args.per_wave]
                started = time.perf_counter()
                # Playwright's sync API is single-threaded: pages are opened one after another.
                seconds = [visit(url) for url in chunk]
                peak = tree_rss_mb(server.pid)
                time.sleep(SESSION_CLEANUP_S)
                urllib.request.urlopen(base + "liveness", timeout=60)  # a replacement, if any, is up
                served_by.add(serving_pid(server.pid))
                row = {
                    "wave": wave + 1,
                    "sessions": (wave + 1) * args.per_wave,
                    "rss_after_wave_mb": round(peak),
                    "rss_after_cleanup_mb": round(tree_rss_mb(server.pid)),
                    "threads": threads(serving_pid(server.pid)),
                    "serving_processes_so_far": len(served_by),
                    "median_page_s": round(sorted(seconds)[len(seconds) // 2], 2),
                    "wave_s": round(time.perf_counter() - started - SESSION_CLEANUP_S, 1),
                }
                result["waves"].append(row)
                print(json.dumps(row), flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    name = (
        "bench_sessions_memory"
        + ("_unbounded" if args.unbounded else "")
        + (f"_{args.label}" if args.label else "")
    )
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
