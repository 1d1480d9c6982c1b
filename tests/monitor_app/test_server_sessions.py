"""Sessions created by the real server from real HTTP requests: whose identity, whose cached results.

The server runs in a background thread on an empty (refreshed) workspace; each GET of ``/`` creates a
session through ``build_app`` -> ``_request_headers`` -> ``create_session``, exactly as a browser's would.
The session's first query (data freshness) lands in the process-wide result cache under the session's
identity key, so the cache's keys say which identities the server gave the two users.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from data.engines import DuckDBEngine
from data.refresh import refresh
from data.schema import create_tables
from monitor_app.cache import RESULTS
from monitor_app.settings import Settings
from tests.served import free_port as _free_port
from tests.served import session_texts as _session_texts
from tests.served import wait_for_http as _wait_for

TOKEN_A = "dapi-token-of-ana-0001"
TOKEN_B = "dapi-token-of-bo-0002"
ANA = {
    "X-Forwarded-Email": "ana@example.com",
    "X-Forwarded-User": "11@1",
    "X-Forwarded-Access-Token": TOKEN_A,
}
BO = {"X-Forwarded-Email": "bo@example.com", "X-Forwarded-User": "22@1", "X-Forwarded-Access-Token": TOKEN_B}


def _serve(tmp_path: Path, **settings: object) -> Iterator[str]:
    from monitor_app.server import start_server

    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    refresh(engine)
    engine.close()
    config = Settings(
        db_path=tmp_path / "workspace.duckdb",
        state_path=tmp_path / "state.duckdb",
        local_user="laptop-owner",
        **settings,
    )
    port = _free_port()
    server, context = start_server(config, port=port, threaded=True, warm=False)
    try:
        _wait_for(f"http://127.0.0.1:{port}/liveness")
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.stop()
        context.close()


def _shown(texts: list[str], css_class: str) -> str:
    """The visible text of the element with that class."""
    found = next(t for t in texts if f'class="{css_class}"' in t)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found)).replace(" .", ".").strip()


def _session(url: str, headers: dict[str, str]) -> tuple[str, str]:
    """The header's identity text and what the browser holds (see ``_session_texts``)."""
    texts, held = _session_texts(url, headers)
    return _shown(texts, "identity"), held


def _identity_keys() -> set[str]:
    return {key[0] for key in RESULTS._entries}


@pytest.fixture
def trusting_server(tmp_path: Path, monkeypatch) -> Iterator[str]:
    """The server as a Databricks App: the platform sets DATABRICKS_APP_NAME, the proxy sets the headers."""
    monkeypatch.setenv("DATABRICKS_APP_NAME", "job-monitor")
    RESULTS.clear()
    yield from _serve(tmp_path)
    RESULTS.clear()


@pytest.fixture
def laptop_server(tmp_path: Path, monkeypatch) -> Iterator[str]:
    """The server on a laptop: nothing vouches for forwarded headers."""
    monkeypatch.delenv("DATABRICKS_APP_NAME", raising=False)
    monkeypatch.delenv("DATABRICKS_APP_PORT", raising=False)
    RESULTS.clear()
    yield from _serve(tmp_path)
    RESULTS.clear()


def test_two_users_with_tokens_get_their_own_identity_and_cache_key(trusting_server):
    ana, ana_page = _session(trusting_server, ANA)
    bo, bo_page = _session(trusting_server, BO)
    assert ana == "ana@example.com (user token)"
    assert bo == "bo@example.com (user token)"
    assert _identity_keys() == {"user:11@1", "user:22@1"}
    for page in (ana_page, bo_page):  # the token is never part of what the browser receives
        assert TOKEN_A not in page and TOKEN_B not in page


def test_forwarded_user_without_token_shares_results(trusting_server):
    headers = {k: v for k, v in ANA.items() if k != "X-Forwarded-Access-Token"}
    assert _session(trusting_server, headers)[0] == "ana@example.com (forwarded user)"
    assert _identity_keys() == {"shared"}


def test_forwarded_headers_are_ignored_outside_databricks_apps(laptop_server):
    shown, _page_text = _session(laptop_server, ANA)
    assert shown == "laptop-owner (local user)"
    assert _identity_keys() == {"shared"}


def test_forwarded_headers_are_trusted_when_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABRICKS_APP_NAME", raising=False)
    monkeypatch.delenv("DATABRICKS_APP_PORT", raising=False)
    RESULTS.clear()
    served = _serve(tmp_path, trust_forwarded_headers=True)
    url = next(served)
    try:
        assert _session(url, ANA)[0] == "ana@example.com (user token)"
    finally:
        served.close()
        RESULTS.clear()


def test_a_reversed_date_range_in_the_link_shows_what_was_ignored(trusting_server):
    texts, held = _session_texts(trusting_server + "?start_date=2026-10-20&end_date=2026-10-01", {})
    assert _shown(texts, "url-notice-text") == (
        "Ignored in the link (start_date, end_date: the start date 2026-10-20 is after the end date 2026-10-01). "
        "Showing the default for start_date, end_date instead."
    )
    assert "Traceback" not in held and all("Traceback" not in t for t in texts)


def test_a_session_that_cannot_be_built_shows_a_reference_not_a_traceback(
    trusting_server, monkeypatch, caplog
):
    def broken(*_args, **_kwargs):
        raise OSError("cannot open /srv/secret/path/workspace.duckdb")

    monkeypatch.setattr("monitor_app.server.create_session", broken)
    texts, held = _session_texts(trusting_server, {})
    shown = _shown(texts, "session-error")
    reference = re.search(r"reference (\w+)\.", shown).group(1)
    assert shown == (
        f"This page could not be built OSError. The server log has the details under reference {reference}. "
        "Reload, or open the overview without the link's settings."
    )
    assert "/srv/secret" not in held and all("/srv/secret" not in t for t in texts)
    assert f"reference {reference}" in caplog.text and "/srv/secret/path" in caplog.text


def test_a_utf8_user_name_is_shown_as_sent(trusting_server):
    # The proxy sends UTF-8 bytes; urllib writes a str header as Latin-1, so this sends exactly those bytes.
    headers = {"X-Forwarded-Preferred-Username": "José Müller".encode().decode("latin-1")}
    assert _session(trusting_server, headers)[0] == "José Müller (forwarded user)"


def test_the_lazy_jobs_api_forwards_every_public_call_of_the_providers():
    """A provider method the lazy wrapper does not forward fails only in a served session (AttributeError
    in the panel): the run's error panel did, before run_errors was listed."""
    import inspect

    from data.jobs_api.client import JobsApiProvider
    from data.jobs_api.workspaces import WorkspacesJobsApi
    from monitor_app.server import LazyJobsApi

    for provider in (JobsApiProvider, WorkspacesJobsApi):
        public = {n for n, _ in inspect.getmembers(provider) if not n.startswith("_")}
        assert public - {"providers"} <= LazyJobsApi.FORWARDED, provider
