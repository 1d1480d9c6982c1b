"""Pipeline integrity on simulated workspaces: each injected row-count deviation and schema drift is found
with the manifest's runs and columns, nothing else is flagged, and a clean workspace stays silent."""

from __future__ import annotations

from datetime import datetime

import pytest

from data.engines import DuckDBEngine
from data.state_store import StateStore
from monitor_app.analytics.integrity import (
    green_but_broken_runs,
    integrity_data_issues,
    row_count_changes,
    schema_drift,
)
from monitor_app.filters import Filters
from monitor_app.settings import Settings
from monitor_app.workspace_setup import build_demo

END = datetime(2026, 11, 25)
WINDOW = Filters(window_days=30, now=END, row_limit=None)


def _built(folder, problems: bool):
    settings = Settings(db_path=folder / "workspace.duckdb", state_path=folder / "state.duckdb")
    manifest = build_demo(
        settings, StateStore.embedded(settings.state_file), jobs=120, days=45, end=END, problems=problems
    )
    return manifest, DuckDBEngine(settings.db_path, read_only=True)


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    manifest, engine = _built(tmp_path_factory.mktemp("integrity"), problems=True)
    yield manifest, engine
    engine.close()


def _scenarios(manifest: dict, kind: str) -> list[dict]:
    return [s for s in manifest["scenarios"] if s["kind"] == kind]


def test_every_row_count_deviation_is_flagged_on_its_runs_and_nothing_else(injected):
    manifest, engine = injected
    writes = row_count_changes(engine, WINDOW)
    flagged = writes[writes["flagged"]]
    expected = {
        (s["job_id"], run) for s in _scenarios(manifest, "row_count_deviation") for run in s["run_ids"]
    }
    assert expected
    found = set(zip(flagged["job_id"], flagged["job_run_id"], strict=True))
    assert found == expected  # precision and recall 1.0 per write
    for s in _scenarios(manifest, "row_count_deviation"):
        mine = flagged[flagged["job_id"] == s["job_id"]].sort_values("commit_time")
        assert list(mine["table_full_name"].unique()) == [s["details"]["table"]]
        assert list(mine["rows_written"]) == s["details"]["rows_written"]
        statuses = {"zero": ["drop", "zero_rows"], "drop": ["drop", "drop"], "surge": ["surge", "surge"]}
        assert list(mine["status"]) == statuses[s["details"]["mode"]]


def test_every_schema_drift_is_found_with_its_columns_and_nothing_else(injected):
    manifest, engine = injected
    drift = schema_drift(engine, WINDOW)
    cases = _scenarios(manifest, "schema_drift")
    assert cases
    assert set(drift["table_full_name"]) == {s["details"]["table"] for s in cases}
    for s in cases:
        mine = drift[drift["table_full_name"] == s["details"]["table"]]
        assert set(mine["job_id"]) == {s["job_id"]}
        assert str(mine["detected_at"].iloc[0].isoformat()).startswith(s["details"]["snapshot_time"][:19])
        expected = set()
        for c in s["details"]["changes"]:
            old = c.get("from", c["type"] if c["change"] == "removed" else None)
            new = c.get("to", c["type"] if c["change"] == "added" else None)
            expected.add((c["column"], c["change"], old, new))
        got = {(r.column_name, r.change, r.old_type, r.new_type) for r in mine.itertuples()}
        assert got == expected


def test_green_but_broken_runs_are_the_injected_ones(injected):
    manifest, engine = injected
    runs = green_but_broken_runs(engine, WINDOW)
    injected_jobs = {
        s["job_id"] for s in manifest["scenarios"] if s["kind"] in ("row_count_deviation", "schema_drift")
    }
    assert set(runs["job_id"]) == injected_jobs
    issues = integrity_data_issues(engine, WINDOW)
    # the demo's only issue: two tables the principal may not read, listed with the reason
    assert list(issues["kind"]) == ["tables_not_collected"] and issues["items"].iloc[0] == 2
    assert list(issues["examples"].iloc[0]) == [
        "prod.restricted.payroll_out0",
        "prod.restricted.payroll_out1",
    ]
    assert all(r.startswith("PERMISSION_DENIED") for r in issues["reasons"].iloc[0])


def test_a_clean_workspace_flags_no_write_and_no_schema_change(tmp_path):
    manifest, engine = _built(tmp_path, problems=False)
    try:
        writes = row_count_changes(engine, WINDOW)
        assert manifest["scenarios"] == [] and len(writes) > 1000
        assert writes[writes["flagged"]].empty
        assert schema_drift(engine, WINDOW).empty
        assert green_but_broken_runs(engine, WINDOW).empty
    finally:
        engine.close()
