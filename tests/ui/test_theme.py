"""The dark theme in a real browser: readable table headers and status cells, kept in the link, and chosen
from the browser's colour scheme when the link does not say."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from tests.ui.conftest import USER_HEADERS, open_page  # noqa: E402
from tests.ui.helpers import link, query  # noqa: E402

pytestmark = pytest.mark.ui

# WCAG's relative luminance and contrast ratio of two computed ``rgb(...)`` colours.
CONTRAST = """
(el) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let ground = el, bg = "rgba(0, 0, 0, 0)";
  while (ground) {
    bg = getComputedStyle(ground).backgroundColor;
    if (bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent") break;
    ground = ground.parentElement || (ground.getRootNode() && ground.getRootNode().host);
  }
  const a = lum(getComputedStyle(el).color), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


def contrast(locator) -> float:
    return locator.evaluate(CONTRAST)


@pytest.mark.parametrize("theme", ["dark", "default"])
def test_headers_and_status_cells_are_readable_in_both_themes(page, served, theme):
    page.goto(link(served, theme=theme))
    header = page.locator(".job-health-table th button").first
    expect(header).to_be_visible()
    status = page.locator(".job-health-table td[data-field='status']").first
    expect(status).to_be_visible()
    # WCAG AA for normal text is 4.5; the dark theme's headers were white on light grey (about 1.1).
    assert contrast(header) >= 4.5
    assert contrast(status) >= 4.5


def test_the_dark_theme_stays_in_the_link_across_clicks(page, served):
    page.goto(link(served, page="teams", theme="dark"))
    expect(page.locator(".teams-table tr.light-row").first).to_be_visible()
    assert query(page) == {"page": "teams", "theme": "dark"}
    page.locator(".teams-table tr.light-row td[data-field='team']").first.click()
    expect(page.locator(".jobs-table tr.light-row").first).to_be_visible()
    assert query(page)["theme"] == "dark" and query(page)["page"] == "jobs"


def test_a_browser_preferring_dark_gets_the_dark_theme(browser, problems, served):
    page = open_page(browser, problems, USER_HEADERS, color_scheme="dark")
    try:
        page.goto(link(served, page="teams"))
        expect(page).to_have_url(link(served, page="teams", theme="dark"))
        expect(page.locator(".teams-table tr.light-row").first).to_be_visible()
        # An explicit choice wins over the browser's.
        page.goto(link(served, page="teams", theme="default"))
        expect(page.locator(".teams-table tr.light-row").first).to_be_visible()
        assert query(page) == {"page": "teams", "theme": "default"}
    finally:
        page.context.close()
    assert list(problems) == [], "\n".join(problems)


@pytest.mark.parametrize("theme", ["dark", "default"])
def test_the_breadcrumb_and_a_tables_filter_follow_the_theme(page, served, theme):
    page.goto(link(served, page="teams", theme=theme))
    page.locator(".teams-table tr.light-row td[data-field='team']").first.click()
    crumb = page.locator(".crumb-teams .bk-btn")
    expect(crumb).to_be_visible()
    # Bootstrap's light buttons and the browser's default input stayed white on the dark page.
    ground = crumb.evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert (ground == "rgb(43, 48, 53)") == (theme == "dark"), ground
    assert contrast(crumb) >= 4.5
    page.goto(link(served, theme=theme))
    box = page.locator(".job-health-table .light-filter")
    expect(box).to_be_visible()
    assert (box.evaluate("(el) => getComputedStyle(el).backgroundColor") == "rgb(43, 48, 53)") == (
        theme == "dark"
    )
    assert contrast(box) >= 4.5
