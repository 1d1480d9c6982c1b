"""Pipeline integrity in a real browser: the Data page, a table's detail, green-but-broken runs."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import expect  # noqa: E402

from tests.ui.helpers import cell, link, unfold  # noqa: E402

pytestmark = pytest.mark.ui


def _scenario(served, kind: str) -> dict:
    return next(s for s in served.demo.manifest["scenarios"] if s["kind"] == kind)


def test_the_data_page_lists_the_drifted_table_and_opens_it(page, served):
    s = _scenario(served, "schema_drift")
    table = s["details"]["table"]
    page.goto(link(served, page="data"))
    expect(page.locator(".data-headline")).to_contain_text("with a schema change")
    cell(page, "tables-written-table", table).click()
    detail = page.locator(".table-detail")
    expect(detail.locator(".table-detail-title")).to_have_text(table)
    expect(detail.locator(".writes-chart canvas, .writes-chart svg").first).to_be_visible()
    for change in s["details"]["changes"]:
        expect(cell(page, "schema-drift-table", change["column"])).to_be_visible()
    expect(page.locator(".schema-drift-table .tabulator-row")).to_have_count(len(s["details"]["changes"]))


def test_a_green_but_broken_run_on_the_overview_opens_its_run(page, served):
    s = _scenario(served, "row_count_deviation")
    page.goto(link(served, page="overview"))
    expect(page.locator(".green-but-broken-headline")).to_contain_text("succeeded but wrote")
    run_id = s["run_ids"][-1]
    cell(page, "green-but-broken-table", run_id).click()
    page.wait_for_url(f"**run_id={run_id}**")
    assert f"job_id={s['job_id']}" in page.url


def test_the_job_page_shows_its_flagged_writes(page, served):
    s = _scenario(served, "row_count_deviation")
    page.goto(link(served, page="runs", workspace_id=s["workspace_id"], job_id=s["job_id"]))
    section = unfold(page, "Data integrity of the job")
    expect(section.locator(".job-integrity-headline")).to_contain_text("2 flagged")
    expect(section.locator(".writes-chart canvas, .writes-chart svg").first).to_be_visible()
