"""Rightsizing on a simulated workspace: each injected utilization scenario gets its verdict, every other
job gets "ok" (and no saving), and the sizes behind the verdicts are the manifest's."""

from __future__ import annotations

from datetime import datetime

import pytest

from data.engines import DuckDBEngine
from data.simulator.truth import verdict_truth
from data.state_store import StateStore
from monitor_app.analytics.utilization import cluster_utilization, rightsizing, utilization_data_issues
from monitor_app.filters import Filters
from monitor_app.settings import Settings
from monitor_app.workspace_setup import build_demo

END = datetime(2026, 11, 25)


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("utilization")
    settings = Settings(db_path=folder / "workspace.duckdb", state_path=folder / "state.duckdb")
    manifest = build_demo(settings, StateStore.embedded(settings.state_file), jobs=120, days=45, end=END)
    engine = DuckDBEngine(settings.db_path, read_only=True)
    window = Filters(window_days=30, now=END, row_limit=None)
    yield manifest, rightsizing(engine, window), engine, window
    engine.close()


def test_every_utilization_scenario_gets_its_verdict_and_nothing_else(judged):
    manifest, frame, _, _ = judged
    truth = verdict_truth(manifest)
    found = {
        verdict: {
            (str(r.workspace_id), str(r.job_id)) for r in frame[frame["verdict"] == verdict].itertuples()
        }
        for verdict in ("over-provisioned", "memory-bound", "driver-bound", "io-bound")
    }
    found["autoscale_never_scaled"] = {
        (str(r.workspace_id), str(r.job_id)) for r in frame[frame["autoscale_never_scaled"]].itertuples()
    }
    for verdict, expected in truth.items():
        assert expected, verdict
        assert found[verdict] == expected, verdict  # precision and recall 1.0
    flagged = set().union(*found.values())
    rest = frame[
        [(str(w), str(j)) not in flagged for w, j in zip(frame.workspace_id, frame.job_id, strict=True)]
    ]
    assert set(rest["verdict"]) == {"ok"}
    assert not rest["over_provisioned"].any()
    assert (frame[frame["verdict"] != "over-provisioned"]["over_provisioned"] == False).all()  # noqa: E712


def test_over_provisioned_jobs_get_fewer_workers_and_a_saving(judged):
    manifest, frame, _, _ = judged
    jobs = frame.set_index(["workspace_id", "job_id"])
    for s in (s for s in manifest["scenarios"] if s["kind"] == "over_provisioned"):
        job = jobs.loc[(s["workspace_id"], s["job_id"])]
        workers = s["details"]["workers"]
        assert f"Reduce workers from {workers} to" in job["recommendation"]
        assert job["est_monthly_savings_usd"] > 0 and job["confidence"] == "high"
    for s in (s for s in manifest["scenarios"] if s["kind"] == "memory_bound"):
        job = jobs.loc[(s["workspace_id"], s["job_id"])]
        # the CPU-only estimate promises a saving on exactly the job that must not shrink
        assert job["est_monthly_savings_usd"] == 0 and job["naive_savings_usd"] > 0


def test_the_demo_node_timeline_needs_no_repair(judged):
    _, _, engine, window = judged
    runs = cluster_utilization(engine, window)
    assert set(runs["status"]) <= {"measured", "shared_all_purpose"}
    assert runs["duplicate_rows"].fillna(0).sum() == 0
    issues = utilization_data_issues(engine, window)
    assert set(issues["kind"]) <= {"runs_shared_all_purpose"}
