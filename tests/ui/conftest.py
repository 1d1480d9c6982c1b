"""Browser tests: the app served in a background thread, driven through Debian's Chromium by Playwright.

No browser download is possible here: Playwright launches ``/usr/bin/chromium``. Without it these tests
skip with a message, unless ``MONITOR_REQUIRE_BROWSER=1`` (CI), where they fail.

Every page the tests open records uncaught page errors, console errors and dialogs; a test fails if any
of them happened (a dialog would mean workspace text was run as HTML).
"""

from __future__ import annotations

import os
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not answer at {url} within {timeout_s:.0f} s")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def workspace_db(tmp_path_factory) -> Path:
    """The hand-made workspace (tests/ui/fixtures.py): exact names, including the hostile ones."""
    from tests.ui.fixtures import build_fixture

    return build_fixture(tmp_path_factory.mktemp("ui") / "workspace.duckdb")


@pytest.fixture(scope="session")
def app_url(workspace_db: Path, tmp_path_factory) -> Iterator[str]:
    """The app served on a free port in a background thread; yields its base URL."""
    _require_browser()
    from monitor_app.server import start_server
    from monitor_app.settings import Settings

    settings = Settings(
        db_path=workspace_db,
        state_path=tmp_path_factory.mktemp("ui-state") / "state.duckdb",
        local_user="local-tester",
    )
    port = free_port()
    server, context = start_server(settings, port=port, threaded=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url)
        yield url
    finally:
        server.stop()
        context.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems(list):
    """Uncaught errors, console errors and dialogs seen by a page."""


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


def open_page(browser, problems: PageProblems, headers: dict[str, str] | None = None):
    """A new page (own context) that records problems into ``problems``."""
    context = browser.new_context(extra_http_headers=headers or {}, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
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
