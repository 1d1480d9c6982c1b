"""Helpers of the browser tests: URL query, table cells, and what the demo holds (asked of its data).

Click paths find their team, job and run here (from the served data or the demo's manifest) instead of
hard-coded names, so the tests follow the generated demo.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pandas as pd

from monitor_app.analytics import drilldown
from monitor_app.filters import Filters

XSS_JOB = "<img src=x onerror=alert(1)>"
OBRIEN = 'O\'Brien "ops"'
SETTLE_MS = 1200


def query(page) -> dict[str, str]:
    """The current URL's query string as a dict."""
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def link(served, **params: str) -> str:
    """The app URL with that query string."""
    return served.url + ("?" + urlencode(params) if params else "")


def cell(page, table_class: str, text: str):
    """The first cell of a table that contains ``text``."""
    cells = f".{table_class} .tabulator-cell, .{table_class} tr.light-row td"
    return page.locator(cells).filter(has_text=text).first


def unfold(page, title: str):
    """Open the folded section whose title starts with ``title`` (built and loaded when opened); returns
    the section."""
    section = page.locator(".folded-section").filter(has=page.locator(".card-header", has_text=title)).first
    section.locator(".card-header").first.click()
    return section


def column_texts(page, table_class: str, field: str) -> list[str]:
    """The texts of one column's cells on the table's current page (a Tabulator or a ``LightTable``)."""
    return page.locator(
        f".{table_class} .tabulator-row .tabulator-cell[tabulator-field='{field}'], "
        f".{table_class} tr.light-row td[data-field='{field}']"
    ).all_inner_texts()


def app_filters(served, **changes: Any) -> Filters:
    """The filters a fresh session starts with (30-day window ending at the newest data), changed."""
    from monitor_app.server import _as_of
    from monitor_app.state import AppState

    state = AppState(engine=served.context.shared_engine(), settings=served.demo.settings)
    return Filters(window_days=30, now=_as_of(state)).with_(**changes)


def team_jobs(served, **changes: Any) -> pd.DataFrame:
    return drilldown.team_jobs(served.context.shared_engine(), app_filters(served, **changes))


def job_runs(served, workspace_id: str, job_id: str) -> pd.DataFrame:
    return drilldown.job_runs(
        served.context.shared_engine(), app_filters(served, workspace_id=workspace_id, job_id=job_id)
    )


def shared_job_ids(served) -> set[str]:
    return set(served.demo.manifest["special_jobs"].get("shared_job_ids", []))


def plain_job(
    served, min_runs: int = 3, max_runs: int = 19, exclude: set[tuple[str, str]] = frozenset()
) -> Any:
    """A live job (not deleted, id unique across workspaces, a plain name) with a few runs in the window:
    all its runs fit on the first page of the runs table. Returns its team_jobs row."""
    jobs = team_jobs(served)
    shared = shared_job_ids(served)
    ok = jobs[
        ~jobs["is_deleted"].astype(bool)
        & ~jobs["job_id"].isin(shared)
        & jobs["runs"].between(min_runs, max_runs)
        & jobs["name"].str.fullmatch(r"[a-z0-9_]+")
        & ~jobs["team"].isin([OBRIEN, "unattributed"])
    ]
    ok = ok[[(w, j) not in exclude for w, j in zip(ok["workspace_id"], ok["job_id"], strict=True)]]
    assert not ok.empty, "the demo has no plain job with a few runs in the window"
    return ok.sort_values(["runs", "job_id"], ascending=[False, True]).iloc[0]


def job_team(served, workspace_id: str, job_id: str) -> str:
    """The job's team as monitor.job_teams says now."""
    frame = served.sql(
        "SELECT team FROM monitor.job_teams WHERE workspace_id = :w AND job_id = :j",
        {"w": workspace_id, "j": job_id},
    )
    return str(frame["team"].iloc[0])


def enter(page, field, text: str) -> None:
    """Type into a form field and leave it, then give the server a moment to take the value.

    Panel runs a widget's change and a button's click in parallel worker threads (``pn.config.nthreads``):
    a click sent in the same instant as the change can be handled first, with the old value. A person
    takes longer than this pause between leaving a field and clicking.
    """
    field.fill(text)
    field.press("Tab")
    page.wait_for_timeout(SETTLE_MS)


def prebuilt(page) -> None:
    """Wait until the session has built its drill-down pages (hidden, about 3 s after the page loaded:
    ``AppShell.prebuild``). A form filled before could lose a value typed while they were added."""
    page.locator(".page-runs").first.wait_for(state="attached")


def wait_for_query(page, **expected: str | None) -> None:
    """Wait until the URL's query has these values (None: the parameter is absent): the browser pushes
    the new URL just after it shows the change."""
    page.wait_for_function(
        """(expected) => {
          const q = new URLSearchParams(window.location.search);
          return Object.entries(expected).every(([k, v]) => q.get(k) === v);
        }""",
        arg=expected,
    )
