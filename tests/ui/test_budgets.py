"""Budgets on the Teams page in a real browser: refused in place, saved as the signed-in user, kept."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from monitor_app.budgets import known_teams  # noqa: E402
from tests.ui.helpers import cell, enter, link, unfold  # noqa: E402

pytestmark = pytest.mark.ui


def _versions(served) -> int:
    return int(served.state_sql("SELECT COUNT(*) AS n FROM app_state.budgets")["n"].iloc[0])


def test_set_a_team_budget_in_the_app_and_clear_it(page, served):
    team = sorted(known_teams(served.context.shared_engine()) - {"unattributed"})[0]
    before = _versions(served)
    page.goto(link(served, page="teams"))
    section = unfold(page, "Budgets")
    form = section.locator(".budget-form")
    message = section.locator(".budget-message")
    expect(section.locator(".budgets-status")).to_contain_text("No budget is set")

    enter(page, form.get_by_placeholder("team name"), team)
    enter(page, form.get_by_placeholder("e.g. 5000"), "0")
    form.get_by_role("button", name="Save budget").click()
    expect(message).to_contain_text("Not saved: budget: monthly_usd must be more than 0")
    assert _versions(served) == before

    enter(page, form.get_by_placeholder("e.g. 5000"), "1")
    form.get_by_role("button", name="Save budget").click()
    expect(message).to_contain_text(f'Saved: team "{team}" has a budget of $1.00 a month')
    row = served.state_sql("SELECT team, monthly_usd, set_by FROM app_state.budgets ORDER BY set_at DESC")
    assert tuple(row.iloc[0]) == (team, 1.0, "ana.lyst")
    expect(cell(page, "budgets-table", f'team "{team}"')).to_be_visible()
    expect(cell(page, "budgets-table", "$1.00")).to_be_visible()

    page.reload()
    section = unfold(page, "Budgets")
    expect(cell(page, "budgets-table", f'team "{team}"')).to_be_visible()
    expect(cell(page, "budget-changes-table", "ana.lyst")).to_be_visible()

    enter(page, section.get_by_placeholder("team name"), team)
    section.get_by_role("button", name="Clear budget").click()
    expect(section.locator(".budget-message")).to_contain_text(f'Budget of team "{team}" cleared.')
    expect(section.locator(".budgets-status")).to_contain_text("No budget is set")
    assert _versions(served) == before + 2
