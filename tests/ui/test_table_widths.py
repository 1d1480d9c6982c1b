"""Tables keep every column at least as wide as its title and its text (Tabulator's equal shares squeezed
the cost and waste tables' columns to 1-3 characters, then cut job names to "churn_…"), show no raw
snake_case column names, and put the ids after the job's name."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from components.table_titles import column_title, min_width_px, reading_order, text_width_px  # noqa: E402
from tests.ui.conftest import USER_HEADERS, open_page  # noqa: E402
from tests.ui.helpers import link, plain_job, unfold  # noqa: E402

pytestmark = pytest.mark.ui

# Every element of the page, inside Panel's shadow roots too.
ALL_ELEMENTS = """
const allElements = () => {
  const out = [], roots = [document];
  while (roots.length) {
    roots.pop().querySelectorAll('*').forEach((el) => {
      out.push(el);
      if (el.shadowRoot) roots.push(el.shadowRoot);
    });
  }
  return out;
};
"""

# Every shown Tabulator column title: (text, the width it has, the width its text needs).
TITLES = (
    "() => {"
    + ALL_ELEMENTS
    + """
  return allElements()
    .filter((el) => el.classList.contains('tabulator-col-title')
                    && el.closest('.tabulator-col') && el.closest('.tabulator-col').offsetWidth > 1)
    .map((el) => [el.textContent.trim(), el.clientWidth, el.scrollWidth]);
}"""
)


def test_no_column_of_the_overviews_tables_is_narrower_than_its_title(page, served):
    page.goto(link(served))
    for title in ("Cost:", "Waste:"):
        unfold(page, title)
    expect(page.locator(".tabulator-col-title").filter(has_text="Excess").first).to_be_visible()
    page.wait_for_timeout(1500)  # every unfolded table laid out
    titles = page.evaluate(TITLES)
    assert len(titles) > 30
    squeezed = [(text, have, need) for text, have, need in titles if text and need > have + 1]
    assert squeezed == []
    raw = [text for text, _, _ in titles if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", text)]
    assert raw == []


# Every shown table cell whose text does not fit it: (table, field, text). Cells without a field are
# Tabulator's own (the empty filler), not data.
CUT_CELLS = """
() => {
  const out = [], roots = [document];
  const tableOf = (el) => {
    let n = el;
    while (n && !(n.classList && [...n.classList].some((c) => c.endsWith('-table') && c !== 'data-table'
                                                        && !c.startsWith('tabulator')))) {
      n = n.parentElement || (n.getRootNode && n.getRootNode().host);
    }
    return n ? [...n.classList].filter((c) => c.endsWith('-table')).join(' ') : '?';
  };
  while (roots.length) {
    const root = roots.pop();
    root.querySelectorAll('*').forEach((el) => {
      if (el.shadowRoot) roots.push(el.shadowRoot);
      const isCell = (el.classList && el.classList.contains('tabulator-cell'))
        || (el.tagName === 'TD' && el.closest('tr.light-row'));
      const field = isCell && (el.getAttribute('tabulator-field') || el.getAttribute('data-field'));
      if (field && el.offsetWidth > 1 && el.scrollWidth > el.clientWidth + 1) {
        out.push([tableOf(el), field, el.textContent.trim().slice(0, 40)]);
      }
    });
  }
  return out;
}
"""


def _cut_cells(page, url: str) -> list[list[str]]:
    page.goto(url)
    expect(page.locator(".data-table").first).to_be_visible()
    for header in page.locator(".folded-section .card-header").all():
        header.click()
    page.wait_for_timeout(3000)  # every unfolded table loaded and laid out
    return page.evaluate(CUT_CELLS)


def test_no_table_cell_is_cut_at_1280_px(browser, problems, served):
    """On every page, sections unfolded, at a 1280 px wide window: every cell shows its whole text (a
    text past 40 characters wraps); a table wider than its place scrolls sideways, the page does not."""
    page = open_page(browser, problems, USER_HEADERS, viewport={"width": 1280, "height": 900})
    job = plain_job(served)
    try:
        for params in (
            {},
            {"page": "teams"},
            {"page": "jobs"},
            {"page": "runs", "workspace_id": job["workspace_id"], "job_id": job["job_id"]},
            {"page": "settings"},
            {"page": "data"},
        ):
            assert _cut_cells(page, link(served, **params)) == [], params
            assert page.evaluate("document.documentElement.scrollWidth") == 1280, params
    finally:
        page.context.close()
    assert list(problems) == []


# Each light table wider than its box: (its classes, box width, table width).
WIDE_LIGHT_TABLES = (
    "() => {"
    + ALL_ELEMENTS
    + """
  return allElements()
    .filter((el) => el.classList.contains('light-scroll') && el.offsetWidth > 1
                    && el.scrollWidth > el.clientWidth + 1)
    .map((el) => [el.getRootNode().host.className, el.clientWidth, el.scrollWidth]);
}"""
)


def test_the_jobs_and_runs_tables_fit_a_1920_px_page(browser, problems, served):
    """Issue 22: they scrolled sideways even at 1920 px (16 columns of nowrap text, ids first)."""
    page = open_page(browser, problems, USER_HEADERS, viewport={"width": 1920, "height": 1000})
    job = plain_job(served)
    try:
        for params in (
            {"page": "jobs"},
            {"page": "runs", "workspace_id": job["workspace_id"], "job_id": job["job_id"]},
        ):
            page.goto(link(served, **params))
            expect(page.locator("tr.light-row").first).to_be_visible()
            page.wait_for_timeout(500)
            assert page.evaluate(WIDE_LIGHT_TABLES) == [], params
            headers = page.locator(".data-table th").all_inner_texts()
            assert headers[-2:] == ["Workspace", "Job id"], params  # the ids come last
    finally:
        page.context.close()
    assert list(problems) == []


def test_ids_come_after_the_names_and_text_columns_fit_their_text():
    assert reading_order(["workspace_id", "job_id", "job_name", "team", "runs"]) == [
        "job_name",
        "team",
        "runs",
        "workspace_id",
        "job_id",
    ]
    # 16 digits, and 16 characters of a time of which 12 are digits, then a 41st character is not counted
    assert text_width_px(["1234567890123456"]) == round(16 * 10.3 + 24)
    assert text_width_px(["2026-11-01 00:00", "x"]) == round(12 * 10.3 + 4 * 9.2 + 24)
    assert text_width_px(["a" * 41]) == text_width_px(["a" * 40]) == round(40 * 9.2 + 24)
    assert text_width_px([]) == 24


def test_column_titles_and_widths():
    assert [
        column_title(c) for c in ("workspace_id", "all_purpose_job_runs", "retracted_dbus", "sla_misses")
    ] == [
        "Workspace",
        "All purpose job runs",
        "Retracted DBUs",
        "SLA misses",
    ]
    assert (min_width_px("Cost ($, list price)"), min_width_px("x"), min_width_px("")) == (
        round(6 * 9.9 + 58),  # "price)" is the longest word
        70,  # the narrowest column
        70,
    )


# Each wide table scrolled fully sideways: (its classes, where its first header was, where it is now,
# the first column's field). Panel's shadow roots are searched; a Tabulator scrolls its table holder.
SCROLLED_SIDEWAYS = (
    "() => {"
    + ALL_ELEMENTS
    + """
  const out = [];
  for (const el of allElements()) {
    const light = el.classList.contains('light-scroll');
    const tab = el.classList.contains('tabulator-tableholder');
    if (!(light || tab) || el.offsetWidth < 2 || el.scrollWidth <= el.clientWidth + 1) continue;
    const root = light ? el : el.closest('.tabulator');
    const first = light ? el.querySelector('td')
      : [...root.querySelectorAll('.tabulator-row')].slice(0, 1)
          .flatMap((row) => [...row.querySelectorAll('.tabulator-cell')]).find((c) => c.offsetWidth > 1);
    if (!first) continue;
    const before = first.getBoundingClientRect().left;
    el.scrollLeft = el.scrollWidth;
    const host = light ? el.getRootNode().host : root;
    out.push([host.className, Math.round(before), Math.round(first.getBoundingClientRect().left),
              first.getAttribute('data-field') || first.getAttribute('tabulator-field')]);
  }
  return out;
}"""
)


def test_a_wide_table_keeps_the_rows_name_in_sight_when_scrolled_sideways(browser, problems, served):
    """At 1280 px many tables are wider than their place: scrolled sideways, the row's name (the first
    column, when it is one) stays where it was."""
    page = open_page(browser, problems, USER_HEADERS, viewport={"width": 1280, "height": 900})
    try:
        page.goto(link(served, page="jobs"))
        expect(page.locator(".jobs-table tr.light-row").first).to_be_visible()
        for title in ("Duration regressions", "Retries"):
            unfold(page, title)
        page.wait_for_timeout(3000)  # unfolded tables loaded and laid out
        scrolled = page.evaluate(SCROLLED_SIDEWAYS)
        named = [row for row in scrolled if row[3] in ("name", "job_name", "team")]
        assert len(named) >= 2, scrolled  # the jobs table and a Tabulator at least
        assert any("jobs-table" in row[0] for row in named), scrolled
        assert [row for row in named if row[1] != row[2]] == []
    finally:
        page.context.close()
    assert list(problems) == []
