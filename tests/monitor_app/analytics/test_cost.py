"""Cost metrics on hand-built billing rows, with exact expected values (COST-01, COST-04, COST-05)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from monitor_app.analytics import cost
from monitor_app.analytics.cost import COST_METRICS
from monitor_app.analytics.registry import METRICS
from monitor_app.filters import Filters
from tests.monitor_app.analytics.cost_fixtures import WS, RawWorkspace, build_model, exact

OCTOBER = Filters(start_date=date(2026, 10, 1), end_date=date(2026, 10, 31))
DAY = datetime(2026, 10, 10)
STD = "STANDARD_JOBS_COMPUTE"
SERVERLESS = "JOBS_SERVERLESS_COMPUTE"


def by_run(frame):
    return frame.set_index("run_id")


@pytest.fixture
def billing(engine):
    """One day of job usage covering every billing subtlety the cost numbers must survive."""
    ws = RawWorkspace(engine)
    ws.price(STD, datetime(2026, 1, 1), DAY + timedelta(hours=12), "0.15")
    ws.price(STD, DAY + timedelta(hours=12), None, "0.20")  # price change mid-run
    ws.price(SERVERLESS, datetime(2026, 1, 1), None, "0.35")
    ws.job("1", "price change", tags={"team": "alpha"})
    ws.job("2", "corrected", tags={"team": "alpha"})
    ws.job("3", "retracted", tags={"team": "beta"})
    ws.job("4", "serverless", tags={"team": "beta"})
    ws.job("5", "unpriced sku")
    ws.job("6", "on all-purpose", tags={"team": "beta"})
    # run A spans a price change: 10 DBUs at $0.15 then 10 DBUs at $0.20
    ws.run("1", "A", DAY + timedelta(hours=10), minutes=180)
    ws.usage("1", "A", DAY + timedelta(hours=10), "10")
    ws.usage("1", "A", DAY + timedelta(hours=12), "10")
    ws.task_run("1", "A", "A-t1", "extract", DAY + timedelta(hours=10), 30)
    ws.task_run("1", "A", "A-t2", "load", DAY + timedelta(hours=10, minutes=30), 90)
    # run B: a retraction with its restatement (8 DBUs corrected to 6)
    ws.run("2", "B", DAY + timedelta(hours=1))
    ws.usage("2", "B", DAY + timedelta(hours=1), "8")
    ws.usage("2", "B", DAY + timedelta(hours=1), "-8", record_type="RETRACTION")
    ws.usage("2", "B", DAY + timedelta(hours=1), "6", record_type="RESTATEMENT")
    # run C: a retraction alone (the usage was not billable)
    ws.run("3", "C", DAY + timedelta(hours=2))
    ws.usage("3", "C", DAY + timedelta(hours=2), "5")
    ws.usage("3", "C", DAY + timedelta(hours=2), "-5", record_type="RETRACTION")
    # run D: serverless, several rows in the hour sharing the job run id
    ws.run("4", "D", DAY + timedelta(hours=3))
    for qty in ("1.5", "2.25", "3.125"):
        ws.usage("4", "D", DAY + timedelta(hours=3), qty, sku=SERVERLESS, serverless=True)
    # run E: part of its usage on a SKU without a list price
    ws.run("5", "E", DAY + timedelta(hours=4))
    ws.usage("5", "E", DAY + timedelta(hours=4), "7", sku="JOBS_BRAND_NEW_SKU")
    ws.usage("5", "E", DAY + timedelta(hours=4), "3")
    # JOBS usage without a job run id
    ws.usage("9", None, DAY + timedelta(hours=5), "4")
    # a job run on an all-purpose cluster: billed as ALL_PURPOSE, without the job
    ws.cluster("ap-1", "UI")
    ws.run("6", "F", DAY + timedelta(hours=6), compute_ids=["ap-1"])
    ws.usage(
        None, None, DAY + timedelta(hours=6), "12", sku="STANDARD_ALL_PURPOSE_COMPUTE", product="ALL_PURPOSE"
    )
    build_model(engine)
    return engine


def test_every_metric_is_registered_and_listed():
    for name in COST_METRICS:
        assert name in METRICS, name
    assert len(set(COST_METRICS)) == len(COST_METRICS)


def test_run_costs_net_of_corrections_priced_at_usage_time(billing):
    runs = by_run(cost.run_costs(billing, OCTOBER))
    assert set(runs.index) == {"A", "B", "C", "D", "E"}
    # A: 10 x 0.15 + 10 x 0.20
    assert runs.loc["A", "dbus"] == 20 and runs.loc["A", "list_cost_usd"] == pytest.approx(3.5, abs=1e-12)
    # B: 8 - 8 + 6 = 6 DBUs at 0.15
    assert (
        runs.loc["B", ["original_dbus", "retracted_dbus", "restated_dbus", "dbus"]] == [8, -8, 6, 6]
    ).all()
    assert runs.loc["B", "list_cost_usd"] == pytest.approx(0.9, abs=1e-12)
    # C: retracted to nothing
    assert runs.loc["C", "dbus"] == 0 and runs.loc["C", "list_cost_usd"] == 0
    # D: serverless rows add up: 6.875 DBUs at 0.35
    assert runs.loc["D", "dbus"] == 6.875 and bool(runs.loc["D", "is_serverless"])
    assert runs.loc["D", "list_cost_usd"] == pytest.approx(2.40625, abs=1e-12)
    # E: 7 unpriced DBUs are kept visible and add no $
    assert runs.loc["E", "dbus"] == 10 and runs.loc["E", "unpriced_dbus"] == 7
    assert runs.loc["E", "list_cost_usd"] == pytest.approx(0.45, abs=1e-12)
    assert runs.loc["A", "team"] == "alpha" and runs.loc["E", "team"] == "unattributed"


def test_job_costs_per_job_and_per_run(billing):
    jobs = cost.job_costs(billing, OCTOBER).set_index("job_id")
    assert jobs.loc["1", "runs"] == 1 and jobs.loc["1", "list_cost_usd_per_run"] == pytest.approx(3.5)
    assert jobs.index[0] == "1"  # most expensive first
    # the all-purpose run is a run of the window but has no cost
    assert (
        jobs.loc["6", "runs"] == 1
        and jobs.loc["6", "costed_runs"] == 0
        and jobs.loc["6", "list_cost_usd"] == 0
    )
    assert jobs.loc["2", "retracted_dbus"] == -8 and jobs.loc["2", "restated_dbus"] == 6


def test_task_costs_apportioned_by_duration_and_marked_estimates(billing):
    tasks = cost.task_costs(billing, OCTOBER.with_(job_id="1")).set_index("task_key")
    assert tasks.loc["extract", "cost_share"] == pytest.approx(0.25)
    assert tasks.loc["load", "list_cost_usd"] == pytest.approx(2.625)
    assert tasks["dbus"].sum() == pytest.approx(20)
    assert tasks["is_estimate"].all()


def test_cost_trust_reconciles_to_the_cent_exactly(billing):
    trust = cost.cost_trust(billing, OCTOBER)
    assert list(trust["usage_day"].astype(str)) == ["2026-10-10"]
    day = trust.iloc[0]
    assert day["net_dbus"] == 20 + 6 + 0 + 6.875 + 10 + 4
    assert day["retracted_dbus"] == -13 and day["restated_dbus"] == 6 and day["unpriced_dbus"] == 7
    assert day["no_run_id_dbus"] == 4 and day["costed_runs"] == 5
    assert day["all_purpose_job_runs"] == 1 and day["all_purpose_jobs"] == 1
    assert bool(day["reconciles"])
    assert day["newest_usage_end_time"] == pd_ts(DAY + timedelta(hours=13))
    # exact DECIMAL: per-run sum + usage without a run id = all JOBS usage in billing
    sql = cost._sql("cost_trust")
    params = {**OCTOBER.to_params()}
    cols = list(trust.columns)
    (row,) = exact(billing, sql, params)
    values = dict(zip(cols, row, strict=True))
    assert values["run_costs_list_cost_usd"] == Decimal("7.25625")
    assert values["no_run_id_list_cost_usd"] == Decimal("0.6")
    assert values["billing_jobs_list_cost_usd"] == Decimal("7.85625")
    assert (
        values["run_costs_list_cost_usd"] + values["no_run_id_list_cost_usd"]
        == values["billing_jobs_list_cost_usd"]
    )
    assert values["unexplained_list_cost_usd"] == 0 and values["difference_list_cost_usd"] == Decimal("0.6")


def test_cost_trust_finds_usage_the_model_missed(billing):
    # usage that lands after the model was built: billing knows it, run costs do not (yet)
    RawWorkspace(billing).usage("1", "A", DAY + timedelta(hours=14), "1")
    day = cost.cost_trust(billing, OCTOBER).iloc[0]
    assert not bool(day["reconciles"])
    assert day["unexplained_list_cost_usd"] == pytest.approx(0.2)
    assert day["unexplained_dbus"] == 1


def test_all_purpose_jobs_flagged_with_the_reason(billing):
    flagged = cost.all_purpose_jobs(billing, OCTOBER)
    assert list(flagged["job_id"]) == ["6"]
    row = flagged.iloc[0]
    assert row["all_purpose_runs"] == 1 and list(row["cluster_ids"]) == ["ap-1"]
    assert "cannot be attributed" in row["note"]


def test_team_costs_spend_trend_and_top_job(billing):
    teams = cost.team_costs(billing, OCTOBER).set_index("team")
    assert teams.loc["alpha", "list_cost_usd"] == pytest.approx(4.4)
    assert teams.loc["alpha", "top_job_id"] == "1" and teams.loc["alpha", "top_job_name"] == "price change"
    assert teams.loc["beta", "list_cost_usd"] == pytest.approx(2.40625)
    assert (
        teams.loc["alpha", "previous_list_cost_usd"] == 0
        and teams.loc["alpha", "change_pct"] != teams.loc["alpha", "change_pct"]
    )  # NaN: no previous spend
    assert teams["spend_share"].sum() == pytest.approx(1)
    november = Filters(start_date=date(2026, 11, 1), end_date=date(2026, 11, 30))
    later = cost.team_costs(billing, november).set_index("team")
    assert later.loc["alpha", "list_cost_usd"] == 0
    assert later.loc["alpha", "previous_list_cost_usd"] == pytest.approx(4.4)
    assert later.loc["alpha", "change_list_cost_usd"] == pytest.approx(-4.4)
    assert later.loc["alpha", "change_pct"] == pytest.approx(-100)


def test_team_spend_by_day_and_week(billing):
    daily = cost.team_spend(billing, OCTOBER)
    assert set(daily["period_start"].astype(str)) == {"2026-10-10"}
    weekly = cost.team_spend(billing, OCTOBER, grain="week").set_index("team")
    assert str(weekly.loc["alpha", "period_start"])[:10] == "2026-10-05"  # Monday
    assert weekly.loc["alpha", "runs"] == 2
    with pytest.raises(ValueError):
        cost.team_spend(billing, OCTOBER, grain="month")


def test_attribution_coverage_by_method(billing):
    cov = cost.attribution_coverage(billing, OCTOBER).set_index("attributed_by")
    total = 3.5 + 0.9 + 0 + 2.40625 + 0.45
    assert cov.loc["job_tag:team", "list_cost_usd"] == pytest.approx(6.80625)
    assert cov.loc["none", "list_cost_usd"] == pytest.approx(0.45)
    assert cov["attributed_share"].iloc[0] == pytest.approx(6.80625 / total)
    assert cov["spend_share"].sum() == pytest.approx(1)
    assert list(cov["method"]) == ["job_tag", "none"]


def test_cost_movers_week_over_week(engine):
    ws = RawWorkspace(engine)
    ws.price(STD, datetime(2026, 1, 1), None, "0.5")
    ws.job("1", "grew")
    ws.job("2", "steady")
    end = datetime(2026, 10, 29)
    ws.costed_run("1", "r1", end - timedelta(days=10), "10")
    ws.costed_run("1", "r2", end - timedelta(days=3), "30")
    ws.costed_run("2", "s1", end - timedelta(days=10), "10")
    ws.costed_run("2", "s2", end - timedelta(days=3), "10")
    build_model(engine)
    movers = cost.cost_movers(engine, Filters(window_days=30, now=end))
    assert list(movers["job_id"]) == ["1"]
    assert movers.iloc[0]["change_list_cost_usd"] == pytest.approx(10)
    assert movers.iloc[0]["change_pct"] == pytest.approx(200)


def test_window_filters_apply(billing):
    assert cost.run_costs(billing, Filters(start_date=date(2026, 10, 11), end_date=date(2026, 10, 31))).empty
    assert list(cost.run_costs(billing, OCTOBER.with_(team="beta"))["run_id"]) == ["D", "C"]
    assert cost.cost_trust(billing, OCTOBER.with_(workspace_id="other")).empty


# --- spikes ---------------------------------------------------------------------------------------
SPIKE_START = datetime(2026, 10, 1, 6)


def spike_job(ws: RawWorkspace, job_id: str, baseline: list[str], then: list[str]) -> list[str]:
    """Daily runs of ``job_id``: the baseline DBUs first, then the runs under test; returns their run ids."""
    ids = []
    for i, dbus in enumerate(baseline + then):
        run_id = f"{job_id}-{i}"
        ws.costed_run(job_id, run_id, SPIKE_START + timedelta(days=i), dbus)
        ids.append(run_id)
    return ids[len(baseline) :]


@pytest.fixture
def spiky(engine):
    ws = RawWorkspace(engine)
    ws.price(STD, datetime(2026, 1, 1), None, "0.5")
    for job_id in ("above", "below", "cheap", "small_excess", "repeat"):
        ws.job(job_id, f"job {job_id}")
    runs = {
        # baseline p90 100 DBUs ($50 a run): 201 DBUs is a spike, 199 is not
        "above": spike_job(ws, "above", ["100"] * 6, ["201"]),
        "below": spike_job(ws, "below", ["100"] * 6, ["199"]),
        # 5x its baseline, but a normal run costs $1 (< $10)
        "cheap": spike_job(ws, "cheap", ["2"] * 6, ["10"]),
        # a normal run costs $15, the spike 2.33x but only $20 more (< $50)
        "small_excess": spike_job(ws, "small_excess", ["30"] * 6, ["70"]),
        # an earlier spike does not widen the baseline of the next one
        "repeat": spike_job(ws, "repeat", ["100"] * 6, ["1000", "250"]),
    }
    build_model(engine)
    return engine, runs


def test_dbu_spikes_just_above_vs_below_and_floors(spiky):
    engine, runs = spiky
    spikes = cost.dbu_spikes(engine, OCTOBER).set_index("run_id")
    assert set(spikes.index) == {runs["above"][0], runs["repeat"][0], runs["repeat"][1]}
    row = spikes.loc[runs["above"][0]]
    assert row["baseline_p90_dbus"] == pytest.approx(100)
    assert row["ratio"] == pytest.approx(2.01)
    assert row["baseline_runs"] == 6 and row["threshold_ratio"] == 2
    assert row["baseline_list_cost_usd"] == pytest.approx(50)
    assert row["excess_list_cost_usd"] == pytest.approx(50.5)
    # the 1000-DBU spike is left out of the 250-DBU run's baseline
    assert spikes.loc[runs["repeat"][1], "baseline_p90_dbus"] == pytest.approx(100)
    assert spikes.loc[runs["repeat"][1], "baseline_runs"] == 6


def test_dbu_spike_floors_are_configurable(spiky):
    engine, runs = spiky
    loose = cost.dbu_spikes(engine, OCTOBER, min_baseline_usd=0.5, min_excess_usd=1)
    assert {runs["cheap"][0], runs["small_excess"][0]} <= set(loose["run_id"])
    strict = cost.dbu_spikes(engine, OCTOBER, spike_ratio=3)
    assert set(strict["run_id"]) == {runs["repeat"][0]}


def test_dbu_spikes_need_enough_baseline_runs(spiky):
    engine, _ = spiky
    # every baseline here has 6 runs (the earlier spike of "repeat" is left out of its second run's)
    assert len(cost.dbu_spikes(engine, OCTOBER, spike_min_baseline_runs=6)) == 3
    assert cost.dbu_spikes(engine, OCTOBER, spike_min_baseline_runs=7).empty


# --- zombies --------------------------------------------------------------------------------------
TEN_DAYS = Filters(start_date=date(2026, 10, 1), end_date=date(2026, 10, 10))


@pytest.fixture
def zombies(engine):
    ws = RawWorkspace(engine)
    ws.price(STD, datetime(2026, 1, 1), None, "0.5")
    cron = "0 0 6 * * ?"
    ws.job("empty", "writes nothing", cron=cron)
    ws.job("unread", "nobody reads it", cron=cron)
    ws.job("healthy", "healthy", cron=cron)
    ws.job("paused", "paused zombie", cron=cron, paused=True)
    ws.job("manual", "not scheduled")
    ws.job("cheap", "cheap zombie", cron=cron)
    ws.job("unknown", "tables not collected", cron=cron)
    ws.job("unread-silent", "unread tables, rows not collected", cron=cron)
    for day in range(10):
        start = datetime(2026, 10, 1, 6) + timedelta(days=day)
        for job_id in ("empty", "unread", "healthy", "paused", "manual", "unknown", "unread-silent"):
            ws.costed_run(job_id, f"{job_id}-{day}", start, "10")  # $5 a run
        ws.costed_run("cheap", f"cheap-{day}", start, "1")  # $0.50 a day
        ws.commit("main.sales.empty", start, 0, "empty", f"empty-{day}")
        ws.commit("main.sales.paused", start, 0, "paused", f"paused-{day}")
        ws.commit("main.sales.manual", start, 0, "manual", f"manual-{day}")
        ws.commit("main.sales.cheap", start, 0, "cheap", f"cheap-{day}")
        ws.commit("main.sales.unread", start, 5000, "unread", f"unread-{day}")
        ws.commit("main.sales.healthy", start, 5000, "healthy", f"healthy-{day}")
        for job_id in ("unread", "healthy", "unread-silent"):
            ws.lineage(
                "JOB", job_id, f"{job_id}-{day}", start, source="main.raw.in", target=f"main.sales.{job_id}"
            )
        # the unread job reads its own table (a merge): that is no reader
        ws.lineage("JOB", "unread", f"unread-{day}", start, source="main.sales.unread")
        ws.lineage("NOTEBOOK", "nb-1", None, start + timedelta(hours=3), source="main.sales.healthy")
    build_model(engine)
    return engine


def test_zombie_jobs_by_zero_rows_and_unread_tables(zombies):
    found = cost.zombie_jobs(zombies, TEN_DAYS).set_index("job_id")
    # "unread" writes 50,000 rows to a table no lineage reads: real output, likely read outside lineage
    assert set(found.index) == {"empty", "unread-silent"}
    empty = found.loc["empty"]
    assert empty["reason"] == "no_rows_written"
    assert empty["runs"] == 10 and empty["list_cost_usd"] == pytest.approx(50)
    assert empty["monthly_wasted_list_cost_usd"] == pytest.approx(150)
    assert empty["rows_written"] == 0 and empty["commits"] == 10 and empty["tables_written"] == 1
    silent = found.loc["unread-silent"]
    assert silent["reason"] == "tables_not_read"
    assert (silent["commits"], silent["rows_written"], silent["readers"], silent["unread_tables"]) == (
        0,
        0,
        0,
        1,
    )


def test_zombie_thresholds(zombies):
    assert "cheap" in set(cost.zombie_jobs(zombies, TEN_DAYS, zombie_min_daily_usd=0.5)["job_id"])
    few_rows = cost.zombie_jobs(zombies, TEN_DAYS, zombie_max_rows=50000)
    assert few_rows.set_index("job_id").loc["unread", "reason"] == "no_rows_written, tables_not_read"


def pd_ts(value):
    import pandas as pd

    return pd.Timestamp(value, tz="UTC")


def test_metrics_on_an_empty_workspace(engine):
    build_model(engine)
    for name in COST_METRICS:
        assert METRICS[name].fn(engine, OCTOBER).empty, name
    assert WS
