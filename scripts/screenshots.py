"""Save a PNG of each page of the app into docs/screenshots/ (not run in CI).

Serves the app on a free port against the demo workspace (``--db``, default .monitor/workspace.duckdb,
generated first when missing) and drives Debian's Chromium through Playwright::

    python scripts/screenshots.py [--db PATH] [--out docs/screenshots]

The drill-down pages use the first team, job and run of the teams / jobs / runs tables.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor_app.server import ensure_demo, start_server  # noqa: E402
from monitor_app.settings import load_settings  # noqa: E402

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
PAGES = ("overview", "teams", "jobs", "runs", "data", "alerts", "reports", "settings")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _settle(page, selector: str | None = None) -> None:
    from benchmarks.bench_app import NOTHING_LOADING, POLL_MS

    if selector:
        page.wait_for_selector(selector, timeout=20_000)
    # no panel still loading (a chart shot mid-load shows its spinner), then charts finish drawing
    page.wait_for_function(NOTHING_LOADING, polling=POLL_MS, timeout=30_000)
    page.wait_for_timeout(1500)


def _utilization_shots(page, base: str, db: Path, out: Path) -> None:
    """The rightsizing list of the overview and the utilization of an over-provisioned job (from the
    demo's manifest, when there is one)."""
    import json

    manifest = db.with_suffix(".manifest.json")
    if not manifest.exists():
        return
    over = [s for s in json.loads(manifest.read_text())["scenarios"] if s["kind"] == "over_provisioned"]
    page.goto(base)
    _settle(page, ".kpi-runs")
    page.locator(".folded-section .card-header", has_text="Rightsizing").first.click()
    _settle(page, ".rightsizing-table")
    page.locator(".folded-section", has=page.locator(".rightsizing")).first.screenshot(
        path=str(out / "rightsizing.png")
    )
    if over:
        page.goto(f"{base}?page=runs&workspace_id={over[0]['workspace_id']}&job_id={over[0]['job_id']}")
        _settle(page, ".runs-table tr.light-row")
        page.locator(".folded-section .card-header", has_text="Cluster utilization").first.click()
        _settle(page, ".utilization-chart")
        page.locator(".folded-section", has=page.locator(".job-utilization")).first.screenshot(
            path=str(out / "job-utilization.png")
        )
    print(f"saved utilization screenshots in {out}", file=sys.stderr)


def _integrity_shots(page, base: str, db: Path, out: Path) -> None:
    """The Data page with a drifted table opened, the overview's green-but-broken runs, and the integrity
    panel of a job with a row-count deviation (from the demo's manifest)."""
    import json

    manifest = db.with_suffix(".manifest.json")
    if not manifest.exists():
        return
    scenarios = json.loads(manifest.read_text())["scenarios"]
    drift = next(s for s in scenarios if s["kind"] == "schema_drift")
    rows = next(s for s in scenarios if s["kind"] == "row_count_deviation")
    page.goto(f"{base}?page=data")
    _settle(page, ".data-headline")
    page.locator(".tables-written-table .tabulator-cell", has_text=drift["details"]["table"]).first.click()
    _settle(page, ".schema-drift-table")
    page.set_viewport_size({"width": 1440, "height": 3000})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(out / "data-page.png"))
    page.set_viewport_size({"width": 1440, "height": 2200})
    page.goto(base)
    _settle(page, ".green-but-broken-table")
    page.locator(".green-but-broken").first.screenshot(path=str(out / "green-but-broken.png"))
    page.goto(f"{base}?page=runs&workspace_id={rows['workspace_id']}&job_id={rows['job_id']}")
    _settle(page, ".runs-table tr.light-row")
    page.locator(".folded-section .card-header", has_text="Data integrity").first.click()
    _settle(page, ".writes-chart")
    page.locator(".folded-section", has=page.locator(".job-integrity")).first.screenshot(
        path=str(out / "job-integrity.png")
    )
    print(f"saved integrity screenshots in {out}", file=sys.stderr)


def _report_shots(browser, context, out: Path) -> None:
    """Each report (as of the data's end) opened as a file, and the Reports tab is left to the page shots."""
    import tempfile

    from reports.snapshots import generate_all

    engine = context.shared_engine()
    end = engine.execute("SELECT max(period_end_time) AS t FROM system.lakeflow.job_run_timeline", {})[
        "t"
    ].iloc[0]
    with tempfile.TemporaryDirectory() as folder:
        for path in generate_all(
            engine, context.state_store(), context.settings, Path(folder), now=end.to_pydatetime()
        ):
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"report-{path.name.split('_')[0]}.png"), full_page=True)
            page.close()
    print(f"saved report screenshots in {out}", file=sys.stderr)


def _run_error_shot(page, base: str, context, out: Path) -> None:
    """A failed run's page: its facts, then the error and trace the Jobs API gives for its failed task."""
    run = (
        context.shared_engine()
        .execute(
            "SELECT workspace_id, job_id, run_id FROM monitor.job_runs WHERE outcome = 'failure'"
            " AND termination_code = 'RUN_EXECUTION_ERROR' ORDER BY start_time DESC LIMIT 1"
        )
        .iloc[0]
    )
    page.goto(f"{base}?page=runs&workspace_id={run.workspace_id}&job_id={run.job_id}&run_id={run.run_id}")
    _settle(page, ".run-error-block")
    page.locator(".run-error-block summary").first.click()
    page.wait_for_timeout(500)
    page.screenshot(path=str(out / "run-error.png"))
    print(f"saved {out / 'run-error.png'}", file=sys.stderr)


def _dark_shot(page, base: str, out: Path) -> None:
    """The overview in the dark theme (``?theme=dark``, or a browser that prefers dark)."""
    page.goto(f"{base}?theme=dark")
    _settle(page, ".kpi-runs")
    page.screenshot(path=str(out / "overview-dark.png"))
    page.locator(".green-but-broken").first.screenshot(path=str(out / "green-but-broken-dark.png"))
    # a paged Tabulator and the drill-down's breadcrumb, which kept light colours before
    page.goto(f"{base}?page=jobs&theme=dark")
    _settle(page, ".data-table tr.light-row")
    page.locator(".data-table tr.light-row").first.click()
    _settle(page, ".runs-table tr.light-row")
    page.screenshot(path=str(out / "job-runs-dark.png"))
    print(
        f"saved {out / 'overview-dark.png'}, green-but-broken-dark.png and job-runs-dark.png", file=sys.stderr
    )


def _tables_shots(browser, base: str, out: Path) -> None:
    """The overview's sections and the teams page at 1280 px: cells show their whole text (issue 22)."""
    page = browser.new_page(viewport={"width": 1280, "height": 2400})
    page.goto(base)
    _settle(page, ".kpi-runs")
    for header in page.locator(".folded-section .card-header").all():
        header.click()
    _settle(page, ".cost-overview")
    page.screenshot(path=str(out / "overview-sections-1280.png"))
    page.goto(f"{base}?page=teams")
    _settle(page, ".teams-table tr.light-row")
    for header in page.locator(".folded-section .card-header").all():
        header.click()
    _settle(page, ".team-costs-table")
    page.screenshot(path=str(out / "teams-1280.png"))
    page.close()
    page = browser.new_page(viewport={"width": 1920, "height": 1400})
    page.goto(f"{base}?page=jobs")
    _settle(page, ".data-table tr.light-row")
    page.screenshot(path=str(out / "jobs-1920.png"))
    page.close()
    print(f"saved {out / 'overview-sections-1280.png'}, teams-1280.png and jobs-1920.png", file=sys.stderr)


def _overview_shots(browser, base: str, out: Path) -> None:
    """The overview above the fold at 1400 x 900, then narrowed by its charts: seven days dragged across
    on the runs chart, and the costliest team's legend entry clicked (the chips show both)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(base)
    _settle(page, ".chart-runs svg.trend-runs")
    page.screenshot(path=str(out / "overview-1400x900.png"))
    hits = page.locator(".chart-runs .day-hit")
    first, last = hits.nth(hits.count() - 9).bounding_box(), hits.nth(hits.count() - 3).bounding_box()
    y = first["y"] + first["height"] / 2
    page.mouse.move(first["x"] + first["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] / 2, y, steps=6)
    page.mouse.up()
    _settle(page, ".chip-dates")
    page.locator(".legend-team").first.click()
    _settle(page, ".chip-team")
    page.screenshot(path=str(out / "overview-filtered.png"))
    page.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="embedded workspace (default from settings)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument(
        "--only",
        choices=("all", "overview", "integrity", "reports", "run-error", "dark", "tables"),
        default="all",
        help="which screenshots",
    )
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    settings = load_settings()
    if args.db:
        settings.db_path = args.db
    ensure_demo(settings, progress=lambda m: print(m, file=sys.stderr))
    port = _free_port()
    server, context = start_server(settings, port=port, threaded=True)
    base = f"http://127.0.0.1:{port}/"
    args.out.mkdir(parents=True, exist_ok=True)
    time.sleep(1)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(
                viewport={"width": 1440, "height": 2200},
                extra_http_headers={
                    "X-Forwarded-Email": "ana.lyst@example.com",
                    "X-Forwarded-Preferred-Username": "ana.lyst",
                },
            )
            if args.only == "reports":
                _report_shots(browser, context, args.out)
                browser.close()
                return 0
            if args.only == "overview":
                _overview_shots(browser, base, args.out)
                browser.close()
                return 0
            if args.only == "tables":
                _tables_shots(browser, base, args.out)
                browser.close()
                return 0
            if args.only == "dark":
                _dark_shot(page, base, args.out)
                browser.close()
                return 0
            if args.only == "run-error":
                _run_error_shot(page, base, context, args.out)
                browser.close()
                return 0
            if args.only == "integrity":
                _integrity_shots(page, base, Path(settings.db_path), args.out)
                browser.close()
                return 0
            for name in PAGES:
                page.goto(f"{base}?page={name}")
                _settle(page, {"overview": ".kpi-runs", "teams": ".teams-table tr.light-row"}.get(name))
                page.screenshot(path=str(args.out / f"{name}.png"))
                print(f"saved {args.out / (name + '.png')}", file=sys.stderr)
            # the overview with its folded sections (cost, waste, runs in progress) opened
            page.goto(base)
            _settle(page, ".kpi-runs")
            for header in page.locator(".folded-section .card-header").all():
                header.click()
            _settle(page, ".cost-overview")
            page.screenshot(path=str(args.out / "overview-sections.png"))
            # the drill-down: a team's jobs, a job's runs, a run's tasks
            page.goto(f"{base}?page=teams")
            _settle(page, ".teams-table tr.light-row")
            page.locator(".teams-table tr.light-row td[data-field='team']").first.click()
            _settle(page, ".jobs-table tr.light-row")
            page.screenshot(path=str(args.out / "team-jobs.png"))
            page.locator(".jobs-table tr.light-row td[data-field='name']").first.click()
            _settle(page, ".runs-table tr.light-row")
            page.screenshot(path=str(args.out / "job-runs.png"))
            page.locator(".runs-table tr.light-row td[data-field='run_id']").first.click()
            _settle(page, ".run-title")
            page.screenshot(path=str(args.out / "run-tasks.png"))
            print(f"saved drill-down screenshots in {args.out}", file=sys.stderr)
            _run_error_shot(page, base, context, args.out)
            _dark_shot(page, base, args.out)
            _tables_shots(browser, base, args.out)
            _overview_shots(browser, base, args.out)
            _utilization_shots(page, base, Path(settings.db_path), args.out)
            _integrity_shots(page, base, Path(settings.db_path), args.out)
            _report_shots(browser, context, args.out)
            browser.close()
    finally:
        server.stop()
        context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
