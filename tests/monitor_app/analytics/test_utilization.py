"""Cluster utilization (CLUST-01) and rightsizing (CLUST-02) on hand-built node timelines, exact values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data.engines import DuckDBEngine
from data.refresh import refresh
from data.schema import create_tables
from monitor_app.analytics.utilization import cluster_utilization, rightsizing, utilization_data_issues
from monitor_app.filters import Filters
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc
from tests.monitor_app.analytics.utilization_workspace import (
    NOW,
    _memory_bound,
    one_hour,
    over_provisioned_job,
)

WINDOW = Filters(window_days=30, now=NOW, row_limit=None)


@pytest.fixture
def engine(tmp_path: Path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    over_provisioned_job(ws, "nightly_etl")
    yield engine, ws
    engine.close()


def test_a_one_hour_run_on_a_driver_and_four_workers(engine):
    engine, _ = engine
    build_model(engine)
    run = cluster_utilization(engine, WINDOW.with_(job_id="j1")).set_index("run_id").loc["r1"]
    assert run["status"] == "measured" and bool(run["cluster_known"])
    assert (run["driver_cpu_avg_pct"], run["driver_cpu_p95_pct"]) == (40.0, 40.0)
    assert (run["driver_mem_avg_pct"], run["driver_mem_peak_pct"]) == (50.0, 50.0)
    assert run["worker_cpu_avg_pct"] == 25.0  # (10 + 20 + 30 + 40) / 4
    assert run["worker_cpu_p95_pct"] == 40.0  # 60 samples each of 10, 20, 30, 40
    assert run["worker_mem_avg_pct"] == pytest.approx((239 * 20 + 35) / 240)
    assert run["worker_mem_peak_pct"] == 35.0
    assert (run["worker_cpu_wait_avg_pct"], run["worker_swap_avg_pct"]) == (2.0, 0.0)
    assert run["worker_low_share"] == 0.75  # workers 1-3 under 40 % CPU and memory; worker 4 at 40 % CPU
    assert (run["node_minutes"], run["driver_minutes"], run["worker_node_minutes"]) == (300, 60, 240)
    assert (run["workers_seen"], run["duplicate_rows"], run["coverage"]) == (4, 0, 1.0)
    assert run["list_cost_usd"] == pytest.approx(1.5)  # 10 DBUs x $0.15


def test_five_such_runs_are_over_provisioned_with_the_saving_worked_out(engine):
    engine, _ = engine
    build_model(engine)
    job = rightsizing(engine, WINDOW).set_index("job_id").loc["j1"]
    assert (job["verdict"], bool(job["over_provisioned"]), job["measured_runs"]) == (
        "over-provisioned",
        True,
        5,
    )
    # busiest resource: CPU p95 40 % > memory peak 35 % -> ceil(4 x 0.40 / 0.70) = 3 workers
    assert "Reduce workers from 4 to 3" in job["recommendation"]
    # $7.50 in the 30 days = $7.50/month; workers hold 16 of the 20 cores; 1 of 4 workers goes
    assert job["est_monthly_savings_usd"] == 1.5
    assert job["savings_formula"] == (
        "$7.50/month x workers' share of the cluster's cores 80% x (1 - 3/4 worker capacity) = $1.50"
    )
    assert (job["confidence"], job["confidence_reason"]) == (
        "medium",
        "5 measured runs, run-to-run spread of worker CPU 0.0 points",
    )
    # the official dashboard's estimate: cost x (1 - CPU of all nodes) / 2, nodes mixed: (40 x 60 + 25 x 240) / 300
    assert job["all_nodes_cpu_avg_pct"] == 28.0
    assert job["naive_savings_usd"] == round(7.5 * (1 - 0.28) / 2, 2)
    assert bool(job["no_autoscaling"]) and not bool(job["old_dbr"])


def test_fewer_than_five_measured_runs_give_no_verdict(engine):
    engine, _ = engine
    build_model(engine)
    job = rightsizing(
        engine, WINDOW.with_(start_date=utc(2026, 10, 1).date(), end_date=utc(2026, 10, 3).date())
    )
    job = job.set_index("job_id").loc["j1"]
    assert (job["verdict"], job["confidence"], job["est_monthly_savings_usd"]) == ("ok", "none", 0.0)
    assert job["recommendation"] == "3 measured run(s) in the window, 5 needed for a verdict."


def test_a_memory_bound_job_is_never_told_to_shrink(engine):
    engine, ws = engine
    _memory_bound(ws, "j2")
    build_model(engine)
    job = rightsizing(engine, WINDOW).set_index("job_id").loc["j2"]
    assert (job["verdict"], bool(job["over_provisioned"]), job["est_monthly_savings_usd"]) == (
        "memory-bound",
        False,
        0.0,
    )
    assert "do not shrink" in job["recommendation"] and bool(job["high_memory"]) and bool(job["low_cpu"])
    assert job["naive_savings_usd"] > 0  # what the CPU-only estimate would have promised


def test_shared_all_purpose_runs_are_not_attributed(engine):
    engine, ws = engine
    ws.job("j3", "adhoc_report", team="alpha")
    ws.cluster("ap-1", "m5.xlarge", 4, source="UI")
    start = utc(2026, 10, 10, 9)
    ws.run("j3", "r-ap", start, 600, dbus=1, compute_ids=["ap-1"])
    ws.node_minutes("ap-1", "ap-1-d", True, start, [(90, 5, 80, 1, 0)] * 10)
    build_model(engine)
    run = cluster_utilization(engine, WINDOW.with_(job_id="j3")).iloc[0]
    assert run["status"] == "shared_all_purpose"
    assert pd.isna(run["driver_cpu_avg_pct"]) and pd.isna(run["node_minutes"])
    job = rightsizing(engine, WINDOW).set_index("job_id").loc["j3"]
    assert job["recommendation"] == (
        "0 measured run(s) in the window, 5 needed for a verdict; of its 1 runs, 1 on shared all-purpose "
        "clusters (not attributable)."
    )


def test_bad_node_data_is_counted_and_repaired_not_hidden(engine):
    engine, ws = engine
    ws.job("j4", "messy", team="alpha")
    start = utc(2026, 10, 20, 1)
    # a cluster missing from compute.clusters, a node type missing from node_types, 10 minutes exported
    # twice with other values, and the driver's last 15 minutes missing
    ws.run("j4", "r-messy", start, 3600, dbus=1, compute_ids=["ghost"])
    ws.node_minutes("ghost", "ghost-d", True, start, [(20, 0, 30, 1, 0)] * 45, "x9.huge")
    ws.node_minutes("ghost", "ghost-w1", False, start, [(10, 0, 30, 1, 0)] * 60, "x9.huge")
    ws.node_minutes("ghost", "ghost-w1", False, start, [(30, 0, 30, 1, 0)] * 10, "x9.huge")
    # node rows of a job cluster that no run names
    ws.cluster("orphan", "m5.xlarge", 1)
    ws.node_minutes("orphan", "orphan-d", True, start, [(5, 0, 5, 0, 0)] * 3)
    build_model(engine)
    run = cluster_utilization(engine, WINDOW.with_(job_id="j4")).iloc[0]
    assert (run["status"], bool(run["cluster_known"]), run["duplicate_rows"]) == ("measured", False, 10)
    assert run["worker_node_minutes"] == 60  # the repeated minutes count once
    assert run["worker_cpu_avg_pct"] == pytest.approx((50 * 10 + 10 * 20) / 60)  # repeats averaged
    assert run["coverage"] == 0.75  # 45 of the run's 60 minutes have the driver
    assert run["worker_node_type"] == "x9.huge"
    issues = utilization_data_issues(engine, WINDOW).set_index("kind")
    assert issues.loc["cluster_not_in_compute_clusters", ["items", "node_rows"]].tolist() == [1, 115]
    assert issues.loc["node_type_not_in_node_types", ["items", "node_rows"]].tolist() == [1, 115]
    assert issues.loc["cluster_of_no_job_run", ["items", "node_rows"]].tolist() == [1, 3]
    assert list(issues.loc["cluster_of_no_job_run", "examples"]) == ["orphan"]
    assert issues.loc["runs_with_repeated_node_minutes", ["items", "node_rows"]].tolist() == [1, 10]
    assert issues.loc["runs_with_missing_node_minutes", "items"] == 1


def test_an_incremental_refresh_rolls_up_new_runs_only_and_equals_a_full_one(engine, tmp_path):
    engine, ws = engine
    refresh(engine)
    before = engine.execute("SELECT run_id FROM monitor.run_utilization ORDER BY run_id")["run_id"].tolist()
    assert before == ["r1", "r2", "r3", "r4", "r5"]
    one_hour(ws, "j1", "r6", 25, "c6")
    refresh(engine, since=utc(2026, 10, 25, 2, 30))
    incremental = engine.execute("SELECT * FROM monitor.run_utilization ORDER BY run_id")
    refresh(engine)
    full = engine.execute("SELECT * FROM monitor.run_utilization ORDER BY run_id")
    assert incremental["run_id"].tolist() == [*before, "r6"]
    pd.testing.assert_frame_equal(incremental, full)


def test_the_command_line_names_the_interface_fields(engine, tmp_path, capsys, monkeypatch):
    import json

    from monitor_app import cli

    engine, _ = engine
    build_model(engine)
    engine.close()
    monkeypatch.setenv("MONITOR_STATE_DB", str(tmp_path / "state.duckdb"))
    db = str(tmp_path / "workspace.duckdb")
    now = ["--now", "2026-10-31T00:00:00"]
    assert cli.main(["metrics", "cluster_utilization", "--db", db, *now, "--limit", "2"]) == 0
    out, err = capsys.readouterr()
    runs = json.loads(out)
    assert [r["run_id"] for r in runs] == ["r5", "r4"] and "row limit" in err
    for field in ("run_id", "job_id", "workspace_id", "driver_cpu_avg_pct", "worker_cpu_avg_pct"):
        assert field in runs[0]
    assert (runs[0]["driver_mem_avg_pct"], runs[0]["worker_mem_peak_pct"]) == (50.0, 35.0)
    assert cli.main(["metrics", "rightsizing", "--db", db, *now]) == 0
    (job,) = json.loads(capsys.readouterr().out)
    assert {
        k: job[k] for k in ("job_id", "over_provisioned", "verdict", "est_monthly_savings_usd", "confidence")
    } == {
        "job_id": "j1",
        "over_provisioned": True,
        "verdict": "over-provisioned",
        "est_monthly_savings_usd": 1.5,
        "confidence": "medium",
    }
    assert job["workspace_id"] and job["recommendation"].startswith("Workers are under 40 %")
    assert cli.main(["metrics", "rightsizing", "--db", db, *now, "--threshold", "min_runs=6"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["verdict"] == "ok"
    assert cli.main(["metrics", "rightsizing", "--db", db, "--threshold", "bogus=1"]) == 2
    assert "unknown rightsizing threshold(s): bogus" in capsys.readouterr().err


def test_the_over_provisioned_alert_carries_the_recommendation_above_its_saving_floor(engine):
    from monitor_app.alerts.config import rule_settings
    from monitor_app.alerts.rules import RuleContext, over_provisioned

    engine, _ = engine
    build_model(engine)
    rules = rule_settings(None)
    assert over_provisioned(RuleContext(engine=engine, now=NOW, rules=rules)) == []  # $1.50 < $10 a month
    rules = rule_settings({"over_provisioned": {"min_monthly_savings_usd": 1}})
    (alert,) = over_provisioned(RuleContext(engine=engine, now=NOW, rules=rules))
    assert (alert.rule, alert.severity, alert.category, alert.job_id, alert.team) == (
        "over_provisioned",
        "P3",
        "cost",
        "j1",
        "alpha",
    )
    assert alert.title == "nightly_etl: over-provisioned, about $1.50/month to save"
    assert "Reduce workers from 4 to 3" in alert.remediation
    assert "(confidence medium: 5 measured runs" in alert.remediation
    assert (alert.evidence["value"], alert.evidence["sample_size"], alert.evidence["threshold"]) == (
        25.0,
        5,
        40.0,
    )


def test_a_one_worker_cluster_gets_a_smaller_node_type_of_its_family(engine):
    engine, ws = engine
    ws.job("j5", "small_batch", team="alpha")
    for d in range(1, 6):
        start, cluster = utc(2026, 10, d, 6), f"s{d}"
        ws.run("j5", f"s-r{d}", start, 1800, dbus=20, compute_ids=[cluster])
        ws.cluster(cluster, "m5.2xlarge", 1)
        ws.node_minutes(cluster, f"{cluster}-d", True, start, [(30, 5, 30, 1, 0)] * 30, "m5.2xlarge")
        ws.node_minutes(cluster, f"{cluster}-w1", False, start, [(18, 2, 20, 1, 0)] * 30, "m5.2xlarge")
    build_model(engine)
    job = rightsizing(engine, WINDOW).set_index("job_id").loc["j5"]
    assert job["verdict"] == "over-provisioned"
    # 1 worker cannot be fewer: half the cores of the family, with memory for the 20 % peak of 32 GB
    assert (
        "Use m5.xlarge (4 cores) instead of m5.2xlarge (8 cores) for the 1 worker." in job["recommendation"]
    )
    # $15/month (5 x 20 DBUs x $0.15) x the worker's 8 of 16 cores x (1 - 0.5/1)
    assert job["est_monthly_savings_usd"] == 3.75


@pytest.mark.parametrize(
    "node_type, family",
    [
        ("m5.2xlarge", ("m5", "aws")),
        ("Standard_DS4_v2", ("Standard_DS*_v2", "azure")),
        ("Standard_E8s_v3", ("Standard_E*s_v3", "azure")),
        ("custom-type", None),
    ],
)
def test_node_type_families(node_type, family):
    from monitor_app.analytics.utilization import _family

    assert _family(node_type) == family
