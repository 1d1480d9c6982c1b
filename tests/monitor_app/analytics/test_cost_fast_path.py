"""The materialized cost facts (monitor.run_spend, monitor.task_spend) against the live queries.

dbu_spikes reads the baseline that the refresh materializes with the default thresholds, and runs the live
query (dbu_spikes.sql over run_spend.sql inline) when a call overrides a threshold that shapes it: both must return exactly
the same frame, on hand-built runs and on a small simulated workspace. The per-run and per-task metrics are
capped at ``filters.row_limit`` rows, newest first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from data.baselines import DERIVED_PARAMS, SPIKE_DEFAULTS
from data.dialects import placeholders
from data.engines import DuckDBEngine
from data.refresh import model_sql, refresh
from data.simulator import generate
from monitor_app.analytics import cost
from monitor_app.filters import Filters
from tests.monitor_app.analytics.cost_fixtures import WS, RawWorkspace, build_model

STD = "STANDARD_JOBS_COMPUTE"
START = datetime(2026, 9, 1, 6)
OCTOBER = Filters(start_date=date(2026, 10, 1), end_date=date(2026, 10, 31), row_limit=None)
DEFAULTS = {
    "spike_ratio": cost.SPIKE_RATIO,
    "min_baseline_usd": cost.MIN_BASELINE_USD,
    "min_excess_usd": cost.MIN_EXCESS_USD,
    "min_baseline_runs": cost.SPIKE_MIN_BASELINE_RUNS,
}


def live(engine: DuckDBEngine, filters: Filters, **overrides: float) -> pd.DataFrame:
    """The exact path with the default thresholds (or the given ones)."""
    return cost.dbu_spikes_live(engine, filters, **{**DEFAULTS, **overrides})


def same(fast: pd.DataFrame, exact: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast.reset_index(drop=True), exact.reset_index(drop=True), check_exact=True)


def test_spike_defaults_have_one_source() -> None:
    """The refresh binds the defaults the analytics use: the materialized baseline can never disagree."""
    assert {
        "spike_ratio": cost.SPIKE_RATIO,
        "spike_min_baseline_runs": cost.SPIKE_MIN_BASELINE_RUNS,
        "spike_min_baseline_usd": cost.MIN_BASELINE_USD,
        "spike_min_excess_usd": cost.MIN_EXCESS_USD,
    } == {f"spike_{name}": value for name, value in SPIKE_DEFAULTS.items()}
    used = placeholders(model_sql("run_spend"))
    assert {f"spike_{name}" for name in SPIKE_DEFAULTS} <= used
    assert used <= set(DERIVED_PARAMS) | {"since", "since_date", "full_refresh"}
    assert (cost.SPIKE_RATIO, cost.SPIKE_MIN_BASELINE_RUNS, cost.MIN_BASELINE_USD) == (2.0, 5, 10.0)


@pytest.fixture
def runs(engine):
    """Daily costed runs of a few jobs, with spikes, repeated spikes, ties, free runs and an unbilled run."""
    ws = RawWorkspace(engine)
    ws.price(STD, datetime(2026, 1, 1), None, "0.5")
    for job_id in ("steady", "spiky", "twice", "ties", "free"):
        ws.job(job_id, f"job {job_id}", tags={"team": "alpha" if job_id != "free" else "beta"})
    for day in range(60):
        start = START + timedelta(days=day)
        ws.costed_run("steady", f"steady-{day}", start, str(100 + day % 7))
        spiky = "450" if day in (35, 50) else str(120 + (day * 37) % 25)
        ws.costed_run("spiky", f"spiky-{day}", start, spiky)
        # two spikes in a row: the first must not widen the second's baseline
        twice = {40: "900", 41: "600", 42: "230"}.get(day, "100")
        ws.costed_run("twice", f"twice-{day}", start, twice)
        # two runs with the same start: neither is in the other's baseline
        ws.costed_run("ties", f"ties-{day}-a", start, "300" if day == 45 else "80")
        ws.costed_run("ties", f"ties-{day}-b", start, "90")
        ws.costed_run("free", f"free-{day}", start, "0" if day % 2 else "400")
    ws.run("steady", "unbilled", START + timedelta(days=45))  # a run without billing (no baseline)
    ws.usage("spiky", "billing-only", START + timedelta(days=55, hours=3), "2000")  # no timeline row yet
    ws.cluster("ap-1", "UI")
    ws.run("steady", "on-ap", START + timedelta(days=44), compute_ids=["ap-1", "job-x"])
    build_model(engine)
    return engine


def test_fast_path_equals_exact_path_on_hand_built_runs(runs) -> None:
    spikes = cost.dbu_spikes(runs, OCTOBER)
    assert set(spikes["run_id"]) == {
        "spiky-35",
        "spiky-50",
        "twice-40",
        "twice-41",
        "twice-42",
        "ties-45-a",
        "billing-only",
    }
    same(spikes, live(runs, OCTOBER))
    # the floors filter the materialized baseline (any values); other windows and scopes too
    for filters, floors in [
        (OCTOBER, {"min_baseline_usd": 0.0, "min_excess_usd": 0.0}),
        (OCTOBER, {"min_baseline_usd": 60.0, "min_excess_usd": 200.0}),
        (OCTOBER.with_(team="alpha"), {}),
        (OCTOBER.with_(job_id="twice"), {}),
        (OCTOBER.with_(workspace_id="other"), {}),
        (Filters(window_days=7, now=START + timedelta(days=45, hours=7), row_limit=None), {}),
    ]:
        same(cost.dbu_spikes(runs, filters, **floors), live(runs, filters, **floors))


def test_overridden_baseline_thresholds_run_the_live_query(runs) -> None:
    strict = cost.dbu_spikes(runs, OCTOBER, spike_ratio=3)
    more_runs = cost.dbu_spikes(runs, OCTOBER, spike_min_baseline_runs=29)
    runs.execute("DROP TABLE monitor.run_spend")  # the exact path does not read it
    same(strict, cost.dbu_spikes(runs, OCTOBER, spike_ratio=3.0))
    same(more_runs, cost.dbu_spikes(runs, OCTOBER, spike_min_baseline_runs=29))
    assert set(strict["run_id"]) == {
        "spiky-35",
        "spiky-50",
        "twice-40",
        "twice-41",
        "ties-45-a",
        "billing-only",
    }
    # twice-42 and billing-only have 28 baseline runs: two earlier spikes are left out of each
    assert set(more_runs["run_id"]) == {"spiky-35", "spiky-50", "twice-40", "twice-41", "ties-45-a"}
    assert not cost.uses_materialized_spike_baseline(3, 5)
    assert cost.uses_materialized_spike_baseline(2, 5.0)  # the CLI passes floats


def test_run_spend_rows(runs) -> None:
    rows = runs.execute("SELECT * FROM monitor.run_spend").set_index("run_id")
    assert len(rows) == 60 * 6 + 3
    assert rows.loc["unbilled", "in_timeline"] and not rows.loc["unbilled", "is_costed"]
    assert pd.isna(rows.loc["unbilled", "billed_job_id"]) and rows.loc["unbilled", "job_id"] == "steady"
    billed = rows.loc["billing-only"]
    assert billed["is_costed"] and not billed["in_timeline"] and billed["billed_job_id"] == "spiky"
    assert billed["start_time"] == pd.Timestamp(START + timedelta(days=55, hours=3), tz="UTC")
    assert list(rows.loc["on-ap", "all_purpose_cluster_ids"]) == ["ap-1"]
    assert rows["all_purpose_cluster_ids"].notna().sum() == 1
    # free runs (0 DBUs) have no baseline; a spike's verdict uses every default threshold
    assert pd.isna(rows.loc["free-1", "baseline_p90_dbus"]) and not rows.loc["free-1", "is_spike"]
    assert rows.loc["twice-41", "baseline_p90_dbus"] == 100 and rows.loc["twice-41", "baseline_runs"] == 29
    assert rows.loc["twice-42", "baseline_runs"] == 28  # both earlier spikes are left out
    assert rows.loc["twice-41", "is_spike"] and rows.loc["twice-41", "baseline_median_dbus"] == 100
    assert rows.loc["spiky-50", "baseline_p90_dbus"] == pytest.approx(141.2)
    # the median is kept for the runs above the default ratio only
    steady = rows.loc["steady-45"]
    assert steady["baseline_runs"] == 30 and steady["baseline_p90_dbus"] == 106
    assert not steady["is_spike"] and pd.isna(steady["baseline_median_dbus"])
    assert set(rows.index[rows["is_spike"]]) == {
        "spiky-35",
        "spiky-50",
        "twice-40",
        "twice-41",
        "twice-42",
        "ties-45-a",
        "billing-only",
    }
    # stored in start order (window filters prune row groups)
    assert rows["start_time"].is_monotonic_increasing


def test_row_limit_keeps_the_newest_rows(runs) -> None:
    for metric in (cost.run_costs, cost.task_costs):
        everything = metric(runs, OCTOBER)
        capped = metric(runs, OCTOBER.with_(row_limit=7))
        same(capped, everything.head(7))
    assert len(cost.run_costs(runs, OCTOBER)) == 31 * 6 - 6 + 1  # 30 October days (Sep 1 + 59), billing-only
    # newest first, then by run id: the six runs of October 30
    assert cost.run_costs(runs, OCTOBER.with_(row_limit=1))["run_id"].tolist() == ["free-59"]


# --- a simulated workspace -------------------------------------------------------------------------------
END = datetime(2026, 11, 1)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> DuckDBEngine:
    path: Path = tmp_path_factory.mktemp("cost_fast_path") / "workspace.duckdb"
    generate(path, seed=11, jobs=40, days=60, end=END)
    engine = DuckDBEngine(path)
    refresh(engine)
    yield engine
    engine.close()


@pytest.mark.parametrize(
    "filters",
    [
        Filters(window_days=30, now=END, row_limit=None),
        Filters(window_days=7, now=END - timedelta(days=3, hours=5), row_limit=None),
        Filters(start_date=date(2026, 9, 20), end_date=date(2026, 10, 20), row_limit=None),
    ],
)
def test_fast_path_equals_exact_path_on_a_simulated_workspace(simulated, filters) -> None:
    fast = cost.dbu_spikes(simulated, filters)
    same(fast, live(simulated, filters))
    loose = {"min_baseline_usd": 0.0, "min_excess_usd": 0.0}
    loose_fast = cost.dbu_spikes(simulated, filters, **loose)
    assert len(loose_fast) >= len(fast)
    same(loose_fast, live(simulated, filters, **loose))
    for team in sorted(set(loose_fast["team"]))[:2]:
        same(cost.dbu_spikes(simulated, filters.with_(team=team)), live(simulated, filters.with_(team=team)))


def test_simulated_workspace_has_spikes_to_compare(simulated) -> None:
    spikes = cost.dbu_spikes(simulated, Filters(window_days=30, now=END, **{"row_limit": None}))
    assert len(spikes) > 0
    counts = simulated.execute(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT workspace_id || '/' || run_id) AS runs FROM monitor.run_spend"
    ).iloc[0]
    assert counts["n"] == counts["runs"]  # one row per run
    assert WS  # the hand-built workspace id is unused here


def test_row_limit_on_a_simulated_workspace(simulated) -> None:
    month = Filters(window_days=30, now=END, row_limit=None)
    for metric in (cost.run_costs, cost.task_costs):
        everything = metric(simulated, month)
        assert len(everything) > 500
        same(metric(simulated, month.with_(row_limit=500)), everything.head(500))
    assert len(cost.run_costs(simulated, Filters(window_days=30, now=END))) == min(
        len(cost.run_costs(simulated, month)), 10_000
    )
