"""The alert engine on simulated workspaces: every injected case found, nothing else, and silence on a
workspace with no injected problem (false alarms are the top complaint of ops tools)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from data.engines import DuckDBEngine
from data.simulator.truth import NO_INJECTED_CASE, alert_truth
from data.state_store import StateStore
from monitor_app.alerts.evaluate import evaluate
from monitor_app.settings import Settings
from monitor_app.workspace_setup import build_demo, save_manifest_sla_targets

END = datetime(2026, 11, 25)


def _evaluated(folder, problems: bool):
    settings = Settings(db_path=folder / "workspace.duckdb", state_path=folder / "state.duckdb")
    store = StateStore.embedded(settings.state_file)
    manifest = build_demo(settings, store, jobs=120, days=45, end=END, problems=problems)
    engine = DuckDBEngine(settings.db_path, read_only=True)
    save_manifest_sla_targets(engine, store, manifest, "manifest", now=END - timedelta(days=120))
    result = evaluate(engine, store, settings, now=END.replace(tzinfo=UTC))
    engine.close()
    return manifest, result


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    return _evaluated(tmp_path_factory.mktemp("alerts_injected"), problems=True)


def test_every_injected_case_alerts_and_nothing_else(injected):
    manifest, result = injected
    assert result.problems == []
    truth = {r: jobs for r, jobs in alert_truth(manifest).items() if r not in NO_INJECTED_CASE}
    found: dict[str, set] = {}
    for f in result.findings:
        found.setdefault(f.rule, set()).add((f.workspace_id, f.job_id))
    for rule, expected in truth.items():
        assert expected, rule
        assert found.get(rule, set()) == expected, rule  # precision and recall 1.0
    assert set(found) == set(truth)  # no other rule fires (failure rate, at risk, stale data, budget)
    severities = Counter((f.rule, f.severity) for f in result.findings)
    assert severities[("consecutive_failures", "P1")] == len(truth["consecutive_failures"])
    assert severities[("sla_breach", "P1")] == len(truth["sla_breach"])


def test_a_workspace_with_no_injected_problem_raises_no_alert(tmp_path):
    manifest, result = _evaluated(tmp_path, problems=False)
    assert manifest["scenarios"] == [] and manifest["special_jobs"]["all_purpose"] == []
    assert [(f.rule, f.job_name) for f in result.findings] == []
    assert result.problems == []
