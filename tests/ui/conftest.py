"""Browser tests: the app served in a background thread, driven through Debian's Chromium by Playwright.

The app serves a small generated demo (``build_demo``: 30 jobs, 30 days ending 2026-11-01, seed 7) built
once per session in a temporary directory with its own state store; tests find their teams, jobs and
runs in its data or manifest (tests/ui/helpers.py) and check what forms saved through ``served``.

No browser download is possible here: Playwright launches ``/usr/bin/chromium``. Without it these tests
skip with a message, unless ``MONITOR_REQUIRE_BROWSER=1`` (CI), where they fail.

Every page the tests open records uncaught page errors, console errors and dialogs; a test fails if any
of them happened (a dialog would mean workspace text was run as HTML).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.served import free_port, wait_for_http  # noqa: F401  (used by the UI tests)

CHROMIUM = Path("/usr/bin/chromium")
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
# Headers Databricks Apps forward for a signed-in user (no token: queries run as the app).
USER_HEADERS = {
    "X-Forwarded-Email": "ana.lyst@example.com",
    "X-Forwarded-Preferred-Username": "ana.lyst",
    "X-Forwarded-User": "1234567@8901",
}
# Console messages that are not errors of the app (none so far; keep this list short and explained).
IGNORED_CONSOLE = ()
# How long an expect(...) waits for the page to get there.
EXPECT_TIMEOUT_MS = 20_000


def _require_browser() -> None:
    required = os.environ.get("MONITOR_REQUIRE_BROWSER") == "1"
    if not CHROMIUM.exists():
        message = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        if required:
            pytest.fail(message + " and MONITOR_REQUIRE_BROWSER=1 requires them", pytrace=False)
        pytest.skip(message)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if required:
            pytest.fail("playwright is not installed and MONITOR_REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip("playwright is not installed")


# The generated demo the browser tests run against: small (fast to build and serve) and fixed in time.
DEMO_JOBS = 30
DEMO_DAYS = 30
DEMO_SEED = 7
DEMO_END = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass
class Demo:
    """The generated demo workspace: its settings (data and state store files) and ground-truth manifest."""

    settings: Any
    manifest: dict[str, Any]


@dataclass
class Served:
    """The app served in a background thread: its base URL and the context its sessions share.

    ``context.shared_engine()`` and ``context.state_store()`` are the very connections the app uses, so
    tests check what the app saved through them (a second connection to the same DuckDB file with another
    configuration is refused by DuckDB).
    """

    url: str
    context: Any
    demo: Demo

    def sql(self, text: str, params: dict[str, Any] | None = None) -> Any:
        """A query on the workspace data the app reads (Databricks SQL, bound parameters)."""
        return self.context.shared_engine().execute(text, params or {})

    def state_sql(self, text: str, params: dict[str, Any] | None = None) -> Any:
        """A query on the app's state store (SLA targets, team rules)."""
        return self.context.state_store().engine.execute(text, params or {})


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    """A small generated demo (``build_demo``: simulator, refresh, seeded SLA targets and team rules) in
    a temporary directory, with its own state store file."""
    _require_browser()
    from monitor_app.context import open_state_store
    from monitor_app.settings import Settings
    from monitor_app.workspace_setup import build_demo

    root = tmp_path_factory.mktemp("ui-demo")
    # The pages send the headers Databricks Apps' proxy forwards; this server trusts them as that proxy's
    # (tests/monitor_app/test_server_sessions.py checks they are ignored when not configured).
    settings = Settings(
        db_path=root / "workspace.duckdb",
        state_path=root / "state.duckdb",
        local_user="local-tester",
        trust_forwarded_headers=True,
        reports_dir=root / "reports",
    )
    store = open_state_store(settings)
    try:
        manifest = build_demo(
            settings, store, seed=DEMO_SEED, jobs=DEMO_JOBS, days=DEMO_DAYS, end=DEMO_END, refresh=True
        )
    finally:
        store.engine.close()
    return Demo(settings, manifest)


@pytest.fixture(scope="session")
def served(demo: Demo) -> Iterator[Served]:
    """The app on the demo, served on a free port in a background thread."""
    _require_browser()
    from monitor_app.server import start_server

    port = free_port()
    server, context = start_server(demo.settings, port=port, threaded=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url)
        yield Served(url, context, demo)
    finally:
        server.stop()
        context.close()


@pytest.fixture(scope="session")
def app_url(served: Served) -> str:
    return served.url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    # The overview builds a dozen panels in worker threads; on a loaded 2-core machine some take longer
    # than expect's default 5 s. Actions wait as long (open_page).
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems(list):
    """Uncaught errors, console errors and dialogs seen by a page."""


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


def open_page(browser, problems: PageProblems, headers: dict[str, str] | None = None, **options):
    """A new page (own context, ``options`` for it such as ``color_scheme``) that records problems."""
    options.setdefault("viewport", {"width": 1400, "height": 1000})
    # times show in the browser's zone: UTC unless a test asks for another, whatever the machine's
    options.setdefault("timezone_id", "UTC")
    context = browser.new_context(extra_http_headers=headers or {}, **options)
    page = context.new_page()
    page.set_default_timeout(EXPECT_TIMEOUT_MS)
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console error: {msg.text}")
            if msg.type == "error" and not any(s in msg.text for s in IGNORED_CONSOLE)
            else None
        ),
    )

    def on_dialog(dialog) -> None:
        problems.append(f"dialog opened: {dialog.type} {dialog.message!r}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page


@pytest.fixture
def page(browser, problems: PageProblems):
    """A page with the headers of a signed-in Databricks user; fails the test on any recorded problem."""
    pg = open_page(browser, problems, USER_HEADERS)
    yield pg
    pg.context.close()
    assert list(problems) == [], "\n".join(problems)
