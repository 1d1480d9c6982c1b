"""cost_trust (billing grouped at refresh + the usage ingested since, live) against its exact live path.

monitor.billing_jobs_usage holds the JOBS usage ingested before a watermark (the newest ingestion date at
refresh), grouped by run as cost_trust reconciles it; cost_trust adds the rows ingested on or after it from
system.billing.usage. Both paths must return the same frame and the same DECIMAL values, before and after
usage lands that the refresh did not see: late rows of a stored run (summed before rounding), a late row
that moves its run to an earlier day, unpriced and run-less late usage, another workspace.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from data.engines import DuckDBEngine
from data.refresh import refresh
from data.simulator import generate
from monitor_app.analytics import cost
from monitor_app.filters import Filters
from tests.monitor_app.analytics.cost_fixtures import RawWorkspace, build_model, exact
from tests.monitor_app.analytics.reference_queries import cost_trust_exact, cost_trust_exact_sql

STD = "STANDARD_JOBS_COMPUTE"
DAY = datetime(2026, 10, 10)
OCTOBER = Filters(start_date=date(2026, 10, 1), end_date=date(2026, 10, 31))


def same(engine: DuckDBEngine, filters: Filters) -> pd.DataFrame:
    """cost_trust equals its plain definition (reference/cost_trust_exact.sql), as frames and as exact DECIMAL rows; returns cost_trust."""
    fast = cost.cost_trust(engine, filters)
    pd.testing.assert_frame_equal(fast, cost_trust_exact(engine, filters), check_exact=True)
    params = filters.to_params()
    assert exact(engine, cost._sql("cost_trust"), params) == exact(engine, cost_trust_exact_sql(), params)
    return fast


def ingested(engine: DuckDBEngine, first_record: int, on: date) -> None:
    """Date the usage rows written from record number ``first_record`` on as ingested ``on``."""
    engine.raw().execute(
        "UPDATE billing.usage SET ingestion_date = ? WHERE record_id >= ?", [on, f"rec-{first_record:05d}"]
    )


@pytest.fixture
def billing(engine):
    ws = RawWorkspace(engine)
    ws.price(STD, datetime(2026, 1, 1), DAY + timedelta(hours=12), "0.15")
    ws.price(STD, DAY + timedelta(hours=12), None, "0.2")
    ws.job("1", "daily")
    for day in range(5):
        start = DAY + timedelta(days=day, hours=10)
        ws.run("1", f"r{day}", start, minutes=240)
        ws.usage("1", f"r{day}", start, "1.123456789012345678")
        ws.usage("1", f"r{day}", start + timedelta(hours=2), "2.5")
    ws.usage("1", "r1", DAY + timedelta(days=1, hours=10), "-1.123456789012345678", record_type="RETRACTION")
    ws.usage("9", None, DAY + timedelta(days=2, hours=3), "4")
    ws.usage("1", "other-ws", DAY + timedelta(days=3), "3", workspace_id="2002")
    build_model(engine)
    return engine, ws


def test_billing_jobs_usage_stops_at_the_newest_ingestion_date(billing) -> None:
    engine, _ws = billing
    stored = engine.execute("SELECT * FROM monitor.billing_jobs_usage ORDER BY usage_day, job_run_id")
    newest = engine.execute("SELECT MAX(ingestion_date) AS d FROM billing.usage")["d"].iloc[0]
    assert set(stored["ingested_before"]) == {newest}
    # r4's usage is all ingested on the newest day: it is read live, not stored
    assert list(stored["job_run_id"].fillna("-")) == ["r0", "r1", "-", "r2", "other-ws", "r3"]
    for filters in (
        OCTOBER,
        OCTOBER.with_(workspace_id="2002"),
        Filters(window_days=3, now=DAY + timedelta(days=3)),
    ):
        same(engine, filters)


def test_usage_landing_after_the_refresh_is_read_live(billing) -> None:
    engine, ws = billing
    first = ws._record + 1
    # a late row of a stored run: the run's total is summed before it is rounded
    ws.usage("1", "r0", DAY + timedelta(hours=14), "0.000000000000000001")
    # a late row that starts a day before the run's first usage: the run (and all its rows) moves day
    ws.usage("1", "r2", DAY + timedelta(days=1, hours=1), "1")
    ws.usage("1", "r3", DAY + timedelta(days=3, hours=11), "2", sku="JOBS_UNPRICED")
    ws.usage("1", "r3", DAY + timedelta(days=3, hours=11), "-2.5", record_type="RETRACTION")
    ws.usage("9", None, DAY + timedelta(days=2, hours=5), "0.333333333333333333")
    ws.usage("1", "new-run", DAY + timedelta(days=6), "5")
    ws.usage("1", "other-ws", DAY + timedelta(days=3, hours=1), "1", workspace_id="2002")
    ingested(engine, first, date(2026, 11, 20))
    trust = same(engine, OCTOBER)
    trust = trust.set_index(pd.to_datetime(trust["usage_day"]).dt.day)
    assert not trust["reconciles"].all()
    assert trust.loc[11, "billing_rows"] == 2 + 3 + 1  # r1 and r2 (moved in with its 2 stored rows)
    assert trust.loc[12, "billing_rows"] == 2  # r2 moved out: only the two run-less rows are left
    for filters in (
        OCTOBER.with_(workspace_id="1001"),
        OCTOBER.with_(workspace_id="2002"),
        Filters(window_days=2, now=DAY + timedelta(days=2, hours=6)),
        Filters(start_date=date(2026, 10, 12), end_date=date(2026, 10, 12)),
    ):
        same(engine, filters)


def test_cost_trust_without_the_stored_relation_rows(billing) -> None:
    engine, _ws = billing
    engine.execute("DELETE FROM monitor.billing_jobs_usage")  # no watermark: everything is read live
    same(engine, OCTOBER)


# --- a simulated workspace -------------------------------------------------------------------------------
END = datetime(2026, 11, 1)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> DuckDBEngine:
    path: Path = tmp_path_factory.mktemp("cost_trust_fast_path") / "workspace.duckdb"
    generate(path, seed=5, jobs=30, days=45, end=END)
    engine = DuckDBEngine(path)
    refresh(engine)
    yield engine
    engine.close()


def test_fast_path_equals_exact_path_on_a_simulated_workspace(simulated) -> None:
    stored = simulated.execute("SELECT COUNT(*) AS n FROM monitor.billing_jobs_usage")["n"].iloc[0]
    assert stored > 1000
    for filters in (
        Filters(window_days=30, now=END),
        Filters(window_days=7, now=END - timedelta(days=3, hours=5)),
        Filters(start_date=date(2026, 10, 1), end_date=date(2026, 10, 31)),
    ):
        assert len(same(simulated, filters)) > 0
    # usage landing after the refresh: copies of a day of usage re-ingested, as late corrections
    simulated.raw().execute(
        """
        INSERT INTO billing.usage
        SELECT * REPLACE ('late-' || record_id AS record_id, DATE '2026-11-02' AS ingestion_date)
        FROM billing.usage WHERE usage_date = DATE '2026-10-20'
        """
    )
    trust = same(simulated, Filters(window_days=30, now=END))
    assert not trust["reconciles"].all()
