"""Tables keep every column at least as wide as its title (Tabulator's equal shares squeezed the cost and
waste tables' columns to 1-3 characters) and show no raw snake_case column names."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from components.table_titles import column_title, min_width_px  # noqa: E402
from tests.ui.helpers import link, unfold  # noqa: E402

pytestmark = pytest.mark.ui

# Every shown Tabulator column title: (text, the width it has, the width its text needs).
TITLES = """
() => {
  const out = [], roots = [document];
  while (roots.length) {
    const root = roots.pop();
    root.querySelectorAll('*').forEach((el) => {
      if (el.shadowRoot) roots.push(el.shadowRoot);
      if (el.classList && el.classList.contains('tabulator-col-title')) {
        const col = el.closest('.tabulator-col');
        if (col && col.offsetWidth > 1) out.push([el.textContent.trim(), el.clientWidth, el.scrollWidth]);
      }
    });
  }
  return out;
}
"""


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
        round(6 * 9.9 + 66),  # "price)" is the longest word
        76,
        70,
    )
