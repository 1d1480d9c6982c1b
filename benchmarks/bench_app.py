"""App benchmark on the default demo: server ready and overview rendered in Chromium; drill-down clicks.

    python benchmarks/bench_app.py                 # needs benchmarks/out/default.duckdb (bench_data.py)
    python benchmarks/bench_app.py --starts 3 --clicks 5

The app runs on its own copy of the demo, ``benchmarks/out/app_default.duckdb`` (copied from
default.duckdb and its derived model refreshed by the working tree's code on every run, not timed; its
state store ``state_app_default.duckdb`` is seeded with the demo's SLA targets), so that the source's
model may predate the working tree's queries without the benchmark changing it.

(a) Start to rendered: Chromium is launched first (not timed). Then ``python -m monitor_app serve --db
benchmarks/out/app_default.duckdb --port P`` is started as a subprocess; the clock starts just before
the process does. The script polls the server's ``/liveness`` endpoint until it answers (``http_ready_s``:
the server listens; polling the page itself would build a whole extra session per poll), opens the
page and waits until the overview is rendered: every data panel on the page shown with no loading
spinner (``.pn-loading``) anywhere, the headline's numbers and its three lists (what broke, at risk,
costs most), the job health table's rows and the data freshness table shown. Sections folded below
them (cost charts, waste, runs in progress) are not built until opened, so not waited for. Repeated
``--starts`` times, each a fresh process; the median is reported (target: <= 5 s).

(b) Drill-down clicks, in one served page (the server of the last start, warmed by it): on the Teams
page, click a team row -> until that team's jobs table shows rows (title names the team, no spinner);
click a job row -> until its runs table shows (title names the job); click a run row -> until its tasks
show (title, tasks table rows, no spinner in the tasks view, which holds the task timeline too). The
clock starts just before Playwright's click and stops when the condition holds in the page (checked
every POLL_MS = 50 ms). Each repeat starts from a fresh load of the Teams page (a new session), waits
until the session has built its other drill-down pages and their tables in the background (hidden and
empty; about 3-4 s after the page loads, as a user reading the table would), and picks different rows
(teams in turn, the first job and run); target <= 500 ms per click, median reported.

(c) Cross-filter selections, in one served page on the overview (a fresh session each repeat, settled as
in (b)): drag across seven days on the "runs per day" chart (press on a day's column, move, release),
then click a team's legend entry. The clock starts just before the mouse is released (or the click) and
stops when every view on the page shows the selection: the chip says it, the headline's runs and the runs
chart's summary changed, and no spinner is left anywhere on the page (``CROSS_FILTERED``), or at the
page's last change after that if later (``WATCH_CHANGES``: a quick panel shows no spinner, so its update
is seen as the page's last change); target <= 500 ms. Each repeat clears the selection with its chip, settled, before the next.

Clicks are timed twice. "Settled" (against the target): each click is made on a settled page, as a user
who reads what the previous click showed: no spinner anywhere on the page and READ_S after the previous
view showed. "Back to back" (information): each click as soon as the previous view shows, while the
browser may still be finishing it and the server its secondary panels.

Run it on an idle machine (it records the load average before and after): started while CI or another
benchmark had just loaded the 2 cores, the start median moved by up to 1.2 s (docs/benchmarks.md).

Writes benchmarks/out/bench_app.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import ROOT, machine

CHROMIUM = "/usr/bin/chromium"
# As tests/ui/conftest.py launches it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY_TARGET_S = 5.0
# How often the page checks the condition (ms). Each check walks every shadow root of the page, which
# costs the page's main thread time too: checking every animation frame slowed the render it measures.
POLL_MS = 50
CLICK_TARGET_MS = 500.0
# A settled click: made this long after the previous view showed, with no spinner left on the page.
READ_S = 1.0

# Helpers run in the page: Panel renders components in (open) shadow roots, so queries go through them.
# ``shown``: a box and visible (a page not shown is laid out out of sight with visibility hidden: it has a box).
JS_HELPERS = """
const deepAll = (roots, sel) => {
  const out = [];
  const visit = (root) => {
    if (root.matches && root.matches(sel)) out.push(root);
    const inner = root.shadowRoot ? [root.shadowRoot] : [];
    for (const r of [root, ...inner]) {
      for (const el of r.querySelectorAll('*')) {
        if (el.matches(sel)) out.push(el);
        if (el.shadowRoot) visit(el.shadowRoot);
      }
    }
  };
  for (const r of roots) visit(r);
  return [...new Set(out)];
};
const shown = (el) => { const b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0 && el.checkVisibility({visibilityProperty: true}); };
const chain = (...sels) => sels.reduce((roots, sel) => deepAll(roots, sel), [document]);
const idle = (roots) => deepAll(roots, '.pn-loading').length === 0;
"""

# The overview is rendered: every data panel on it shown and loaded (no spinner anywhere), and the
# content of each there: the headline's numbers and lists, the job health table's rows, the freshness
# table. (Folded sections below the headline and table are not built until opened: not on the page.)
OVERVIEW_RENDERED = (
    "() => {"
    + JS_HELPERS
    + """
  const panels = chain('.data-panel').filter(shown);
  if (panels.length === 0 || !idle([document])) return false;
  const kpis = chain('.headline', '.kpi-runs').filter((el) => shown(el) && el.textContent.trim() !== '');
  const glance = chain('.headline', '.glance section').filter(shown);
  const rows = chain('.job-health-table', 'tr.light-row').filter(shown);
  const fresh = chain('table.freshness').filter(shown);
  const ok = kpis.length > 0 && glance.length === 3 && rows.length > 0 && fresh.length > 0;
  return ok ? panels.length : false;
}"""
)

# A drill-down view is shown: its title holds ``text``, its table has rows, its view has no spinner.
VIEW_SHOWN = (
    "([view, titleSel, text, tableSel]) => {"
    + JS_HELPERS
    + """
  const titles = chain(titleSel).filter((el) => shown(el) && el.textContent.includes(text));
  if (titles.length === 0) return false;
  const views = chain(view);
  if (views.length === 0 || !idle(views)) return false;
  return chain(tableSel, 'tr.light-row').filter(shown).length > 0;
}"""
)


def own_copy(source: Path, copy: Path, state: Path) -> Path:
    """The app's own copy of the demo, its derived model rebuilt by the working tree's code (not timed).

    The model is refreshed on every run: ``source`` may predate relations the current queries read.
    """
    tmp = copy.with_suffix(".tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(copy)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONITOR_STATE_DB": str(state)}
    env["MONITOR_CONFIG"] = str(ROOT / "benchmarks" / "out" / "no-monitor.yaml")
    subprocess.run(
        [sys.executable, "-m", "monitor_app", "refresh", "--db", str(copy)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return copy


def app_workspace(out: Path) -> tuple[Path, Path]:
    """The served app's own copy of the default workspace and its seeded state store (see own_copy)."""
    source = out / "default.duckdb"
    if not source.exists():
        sys.exit(f"{source} does not exist: run python benchmarks/bench_data.py --size default first")
    from benchmarks.bench_metrics import state_store

    db = own_copy(source, out / "app_default.duckdb", out / "state_app_default.duckdb")
    return db, state_store("default", db, out)


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"no answer at {url} within {timeout_s:.0f} s")


def start_server(db: Path, state: Path, port: int, extra: list[str] | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MONITOR_STATE_DB": str(state),
        "MONITOR_CONFIG": str(ROOT / "benchmarks" / "out" / "no-monitor.yaml"),  # no local config
        "MONITOR_USER": "benchmark",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "monitor_app", "serve", "--db", str(db), "--port", str(port), *(extra or [])],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def new_page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def one_start(browser: Any, db: Path, state: Path) -> tuple[dict[str, Any], subprocess.Popen, str]:
    """Start the server, time it to HTTP-ready and to the overview rendered; returns the running server."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    page = new_page(browser)
    started = time.perf_counter()
    proc = start_server(db, state, port)
    try:
        wait_http(url + "liveness", proc)
        ready = time.perf_counter() - started
        page.goto(url)
        panels = page.wait_for_function(OVERVIEW_RENDERED, polling=POLL_MS, timeout=60_000).json_value()
        rendered = time.perf_counter() - started
    except Exception:
        stop(proc)
        raise
    finally:
        page.context.close()
    return {"http_ready_s": round(ready, 3), "rendered_s": round(rendered, 3), "panels": panels}, proc, url


# The session has built its drill-down pages (hidden) and their tables (empty) in the background, as it
# does shortly after a page loads (components/shell.py, AppShell.prebuild): about when a user reading the
# table could click.
PREBUILT = (
    "() => {"
    + JS_HELPERS
    + """
  return ['.page-jobs', '.page-runs', '.jobs-table', '.runs-table', '.tasks-table'].every(
    (sel) => chain(sel).length > 0);
}"""
)


def click_and_wait(page: Any, cell: Any, condition: tuple[str, str, str, str]) -> float:
    started = time.perf_counter()
    cell.click()
    page.wait_for_function(VIEW_SHOWN, arg=list(condition), polling=POLL_MS, timeout=30_000)
    return (time.perf_counter() - started) * 1000


# Every view on the overview shows a selection: the chip (its label), the headline and the runs chart
# (both changed from before), and no spinner anywhere.
CROSS_FILTERED = (
    "([chip, label, kpiBefore, chartBefore]) => {"
    + JS_HELPERS
    + """
  const chips = chain(chip).filter((el) => shown(el) && el.textContent.trim() === label);
  if (chips.length === 0 || !idle([document])) return false;
  const kpi = chain('.headline', '.kpi-runs').filter(shown).map((el) => el.textContent.trim());
  const chart = chain('.chart-runs', 'svg.trend-runs').map((el) => el.getAttribute('aria-label'));
  return kpi.length > 0 && kpi[0] !== kpiBefore && chart.length > 0 && chart[0] !== chartBefore;
}"""
)


# What is still loading (each spinner's classes up its parents): printed when a wait times out.
LOADING_NOW = (
    "() => {"
    + JS_HELPERS
    + """
  return deepAll([document], '.pn-loading').map((el) => {
    const path = [];
    for (let p = el; p && path.length < 6; p = p.parentElement || (p.getRootNode && p.getRootNode().host)) {
      if (p.classList) path.push(Array.from(p.classList).join('.'));
    }
    return path.join(' < ');
  });
}"""
)


# The last change to the page after a selection: a panel whose result comes within SPINNER_DELAY_MS shows
# no spinner, so "no spinner" alone does not prove it updated. Every shadow root is watched (Panel renders
# in them) from just before the click; a chart's tooltip (it follows the mouse) is not a view's update.
WATCH_CHANGES = (
    "() => {"
    + JS_HELPERS
    + """
  const roots = [document, ...deepAll([document], '*').filter((el) => el.shadowRoot).map((el) => el.shadowRoot)];
  window.__lastChange = performance.now();
  window.__watchStart = window.__lastChange;
  const where = (node) => {
    const path = [];
    for (let p = node; p && path.length < 4; p = p.parentElement || (p.getRootNode && p.getRootNode().host)) {
      if (p.classList && p.classList.length) path.push(Array.from(p.classList).slice(0, 2).join('.'));
    }
    return path.join(' < ');
  };
  const seen = (records) => {
    const views = records.filter((r) => !(r.target.closest && r.target.closest('.chart-tip')));
    if (views.length) {
      window.__lastChange = performance.now();
      const node = views[views.length - 1].target;
      window.__lastWhere = where(node.nodeType === 1 ? node : node.parentElement);
    }
  };
  if (window.__watch) window.__watch.disconnect();
  window.__watch = new MutationObserver(seen);
  for (const r of roots) {
    window.__watch.observe(r, {subtree: true, childList: true, characterData: true, attributes: true});
  }
}"""
)
LAST_CHANGE_MS = "() => [window.__lastChange - window.__watchStart, window.__lastWhere || '']"
QUIET_S = 1.5  # no change for this long after a selection showed: the last change was its last view


def until_last_change(page: Any, shown_ms: float) -> tuple[float, str]:
    """The selection's time to every view updated: when it showed (``shown_ms``), or the page's last
    change after it, if later (QUIET_S of no change is waited for first); and where that change was."""
    time.sleep(QUIET_S)
    last_ms, where = page.evaluate(LAST_CHANGE_MS)
    return (float(last_ms), str(where)) if float(last_ms) > shown_ms else (shown_ms, "the condition")


def wait_or_explain(page: Any, condition: str, arg: Any = None) -> None:
    """``page.wait_for_function`` that says what was still loading when it times out."""
    try:
        page.wait_for_function(condition, arg=arg, polling=POLL_MS, timeout=30_000)
    except Exception:
        print(f"timed out; loading: {page.evaluate(LOADING_NOW)}", file=sys.stderr)
        raise


def cross_filters(browser: Any, url: str, repeats: int) -> list[dict[str, Any]]:
    """Drag across 7 days of the runs chart, then click a team's legend entry, ``repeats`` times; each
    timed until every view on the overview shows it (CROSS_FILTERED)."""
    results = []
    page = new_page(browser)
    try:
        for i in range(repeats):
            page.goto(url)
            page.wait_for_function(OVERVIEW_RENDERED, polling=POLL_MS, timeout=60_000)
            page.wait_for_function(PREBUILT, polling=POLL_MS, timeout=30_000)
            settle(page, READ_S)
            hits = page.locator(".chart-runs .day-hit")
            first_i = 3 + 4 * i % max(hits.count() - 10, 1)
            first, last = hits.nth(first_i), hits.nth(first_i + 6)
            days = (first.get_attribute("data-day"), last.get_attribute("data-day"))
            a, b = first.bounding_box(), last.bounding_box()
            y = a["y"] + a["height"] / 2

            def before() -> list[str]:
                return [
                    page.locator(".kpi-runs").inner_text(),
                    page.locator(".chart-runs svg.trend-runs").get_attribute("aria-label"),
                ]

            was = before()
            page.mouse.move(a["x"] + a["width"] / 2, y)
            page.mouse.down()
            page.mouse.move(b["x"] + b["width"] / 2, y, steps=6)
            page.evaluate(WATCH_CHANGES)
            started = time.perf_counter()
            page.mouse.up()
            label = f"Days: {days[0]} to {days[1]} (UTC) ✕"
            wait_or_explain(page, CROSS_FILTERED, ["button.chip-dates", label, *was])
            days_ms, days_last = until_last_change(page, (time.perf_counter() - started) * 1000)
            settle(page, READ_S)
            page.locator("button.chip-dates").click()
            wait_or_explain(page, NOTHING_LOADING)
            settle(page, READ_S)
            entries = page.locator(".legend-team")
            entry = entries.nth(i % entries.count())
            team = entry.inner_text().strip()
            was = before()
            page.evaluate(WATCH_CHANGES)
            started = time.perf_counter()
            entry.click()
            wait_or_explain(page, CROSS_FILTERED, ["button.chip-team", f"Team: {team} ✕", *was])
            team_ms, team_last = until_last_change(page, (time.perf_counter() - started) * 1000)
            results.append(
                {"days": f"{days[0]} to {days[1]}", "days_ms": days_ms, "team": team, "team_ms": team_ms}
                | {"days_last_change": days_last, "team_last_change": team_last}
            )
    finally:
        page.context.close()
    return results


NOTHING_LOADING = "() => {" + JS_HELPERS + " return idle([document]); }"


def settle(page: Any, pause_s: float) -> None:
    """Wait as a reading user would: ``pause_s``, then until no panel of the page is loading."""
    if pause_s > 0:
        time.sleep(pause_s)
        wait_or_explain(page, NOTHING_LOADING)


def drill_downs(browser: Any, url: str, repeats: int, pause_s: float) -> list[dict[str, Any]]:
    """Team -> jobs, job -> runs, run -> tasks, ``repeats`` times from a fresh Teams page each time;
    each click ``pause_s`` after the previous view showed (0: at once)."""
    results = []
    page = new_page(browser)
    try:
        for i in range(repeats):
            page.goto(url + "?page=teams")
            page.wait_for_function(
                VIEW_SHOWN, arg=[".teams-view", ".teams-table", "", ".teams-table"], polling=POLL_MS
            )
            page.wait_for_function(PREBUILT, polling=POLL_MS)
            rows = page.locator(".teams-table tr.light-row")
            team_cell = rows.nth(i % rows.count()).locator('td[data-field="team"]')
            team = team_cell.inner_text().strip()
            settle(page, pause_s)
            team_ms = click_and_wait(page, team_cell, (".jobs-view", ".jobs-title", team, ".jobs-table"))
            settle(page, pause_s)
            job_cell = page.locator('.jobs-table tr.light-row td[data-field="job_id"]').first
            job_id = job_cell.inner_text().strip()
            job_ms = click_and_wait(
                page, job_cell, (".runs-view", ".runs-title", f"({job_id})", ".runs-table")
            )
            run_cell = page.locator('.runs-table tr.light-row td[data-field="run_id"]').first
            run_id = run_cell.inner_text().strip()
            settle(page, pause_s)
            run_ms = click_and_wait(
                page, run_cell, (".run-tasks", ".run-title", f"Run {run_id} ", ".tasks-table")
            )
            results.append(
                {"team": team, "job_id": job_id, "run_id": run_id, "team_ms": team_ms, "job_ms": job_ms}
                | {"run_ms": run_ms}
            )
    finally:
        page.context.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=3, help="server starts timed (each a new process)")
    parser.add_argument("--clicks", type=int, default=5, help="drill-down repeats (team, job, run each)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    db, state = app_workspace(args.out)
    from playwright.sync_api import sync_playwright

    load_before = load_average()
    starts: list[dict[str, Any]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        proc = None
        try:
            for i in range(args.starts):
                if proc is not None:
                    stop(proc)
                result, proc, url = one_start(browser, db, state)
                starts.append(result)
                print(
                    f"start {i + 1}: ready {result['http_ready_s']:.2f} s, rendered {result['rendered_s']:.2f} s"
                )
            clicks = drill_downs(browser, url, args.clicks, READ_S)
            back_to_back = drill_downs(browser, url, args.clicks, 0.0)
            selections = cross_filters(browser, url, args.clicks)
        finally:
            if proc is not None:
                stop(proc)
            browser.close()

    def med(key: str, rows: list[dict[str, Any]]) -> float:
        return round(statistics.median(r[key] for r in rows), 3 if key.endswith("_s") else 1)

    rendered = med("rendered_s", starts)
    summary = {
        "http_ready_median_s": med("http_ready_s", starts),
        "rendered_median_s": rendered,
        "rendered_pass": rendered <= READY_TARGET_S,
        "team_click_median_ms": med("team_ms", clicks),
        "job_click_median_ms": med("job_ms", clicks),
        "run_click_median_ms": med("run_ms", clicks),
        "back_to_back_median_ms": {key: med(f"{key}_ms", back_to_back) for key in ("team", "job", "run")},
    }
    summary["select_days_median_ms"] = med("days_ms", selections)
    summary["select_team_median_ms"] = med("team_ms", selections)
    for key in ("days", "team"):
        summary[f"select_{key}_pass"] = summary[f"select_{key}_median_ms"] <= CLICK_TARGET_MS
    for key in ("team", "job", "run"):
        summary[f"{key}_click_pass"] = summary[f"{key}_click_median_ms"] <= CLICK_TARGET_MS
    result = {
        "date": date.today().isoformat(),
        "db": str(db.relative_to(ROOT)),
        "starts": starts,
        "read_s": READ_S,
        "clicks": [{k: round(v, 1) if isinstance(v, float) else v for k, v in c.items()} for c in clicks],
        "back_to_back_clicks": [
            {k: round(v, 1) if isinstance(v, float) else v for k, v in c.items()} for c in back_to_back
        ],
        "cross_filters": [
            {k: round(v, 1) if isinstance(v, float) else v for k, v in c.items()} for c in selections
        ],
        "summary": summary,
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }
    (args.out / "bench_app.json").write_text(json.dumps(result, indent=1))

    def verdict(ok: bool) -> str:
        return "pass" if ok else "**FAIL**"

    print("\n| measure | median | all | target | result |\n|---|---:|---|---:|---|")
    ready_all = ", ".join(f"{s['http_ready_s']:.2f}" for s in starts)
    rendered_all = ", ".join(f"{s['rendered_s']:.2f}" for s in starts)
    print(f"| server answers HTTP | {summary['http_ready_median_s']:.2f} s | {ready_all} | – | info |")
    print(
        f"| start to overview rendered | {rendered:.2f} s | {rendered_all} | 5 s | "
        f"{verdict(summary['rendered_pass'])} |"
    )
    for key, label in (("team", "team -> its jobs"), ("job", "job -> its runs"), ("run", "run -> its tasks")):
        values = ", ".join(f"{c[f'{key}_ms']:.0f}" for c in clicks)
        print(
            f"| click {label} (settled) | {summary[f'{key}_click_median_ms']:.0f} ms | {values} | 500 ms | "
            f"{verdict(summary[f'{key}_click_pass'])} |"
        )
    for key, label in (("team", "team -> its jobs"), ("job", "job -> its runs"), ("run", "run -> its tasks")):
        values = ", ".join(f"{c[f'{key}_ms']:.0f}" for c in back_to_back)
        print(
            f"| click {label} (back to back) | {summary['back_to_back_median_ms'][key]:.0f} ms | {values} | – "
            "| info |"
        )
    for key, label in (("days", "drag across 7 days"), ("team", "click a team's legend entry")):
        values = ", ".join(f"{c[f'{key}_ms']:.0f}" for c in selections)
        print(
            f"| cross-filter: {label} -> every overview view | {summary[f'select_{key}_median_ms']:.0f} ms "
            f"| {values} | 500 ms | {verdict(summary[f'select_{key}_pass'])} |"
        )
    print(f"\nload average before/after: {load_before} / {result['load_average_after']}")


if __name__ == "__main__":
    main()
