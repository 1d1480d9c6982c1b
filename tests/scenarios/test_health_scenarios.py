"""Job health and SLA detectors against a small simulated workspace: every injected scenario is found and
no clean job is flagged. Precision and recall per kind are printed (``pytest -s``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from data.engines import DuckDBEngine
from data.refresh import refresh
from data.simulator import generate
from data.state_store import StateStore
from monitor_app.analytics import health, sla
from monitor_app.filters import Filters
from monitor_app.sla_targets import set_sla_target, sla_target_history

END = datetime(2026, 10, 31)
KINDS = ("consecutive_failures", "duration_regression", "retry_heavy", "sla_breach")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("health_scenarios")
    manifest = generate(folder / "workspace.duckdb", seed=7, jobs=60, days=45, end=END)
    engine = DuckDBEngine(folder / "workspace.duckdb")
    refresh(engine)
    store = StateStore(DuckDBEngine(folder / "state.duckdb"))
    for t in manifest["sla_targets"]:
        set_sla_target(
            store,
            engine,
            t["workspace_id"],
            t["job_id"],
            t.get("deadline"),
            t.get("timezone"),
            t.get("max_duration_minutes"),
            "manifest",
            now=END - timedelta(days=60),
        )
    yield manifest, engine, sla_target_history(store)
    engine.close()
    store.engine.close()


def keys(frame, mask=None) -> set[tuple[str, str]]:
    rows = frame if mask is None else frame[mask]
    return set(zip(rows["workspace_id"].astype(str), rows["job_id"].astype(str), strict=True))


def test_detectors_find_every_scenario_and_no_clean_job(demo):
    manifest, engine, targets = demo
    window = Filters(window_days=30, now=END)
    flagged = {
        "consecutive_failures": keys(health.consecutive_failures(engine, window)),
        "duration_regression": keys(health.duration_regressions(engine, window)),
        "retry_heavy": keys(retries := health.retries(engine, window), retries["retry_heavy"].astype(bool)),
        "sla_breach": keys(sla.sla_breaches(engine, window, targets)),
    }
    truth = {kind: set() for kind in KINDS}
    for s in manifest["scenarios"]:
        if s["kind"] in truth:
            truth[s["kind"]].add((str(s["workspace_id"]), str(s["job_id"])))
    truth["sla_breach"] = {
        (str(t["workspace_id"]), str(t["job_id"])) for t in manifest["sla_targets"] if t["breached"]
    }
    clean = {(str(ws), str(job)) for ws, job in manifest["clean_jobs"]}
    for kind in KINDS:
        hits = flagged[kind] & truth[kind]
        recall = len(hits) / len(truth[kind]) if truth[kind] else 1.0
        precision = len(hits) / len(flagged[kind]) if flagged[kind] else 1.0
        print(
            f"{kind:22s} precision {precision:.2f} recall {recall:.2f} (flagged {len(flagged[kind])}, injected {len(truth[kind])})"
        )
        assert truth[kind], f"the simulator injected no {kind}"
        assert recall == 1.0, f"{kind}: missed {sorted(truth[kind] - flagged[kind])}"
        assert not flagged[kind] & clean, f"{kind}: clean jobs flagged {sorted(flagged[kind] & clean)}"
