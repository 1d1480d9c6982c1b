"""AppState's saved-state methods: what views call instead of reaching for the engine or the state store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables
from data.state_store import StateStore
from monitor_app.cache import ResultCache
from monitor_app.identity import Identity
from monitor_app.settings import Settings
from monitor_app.sla_targets import SlaTargetError
from monitor_app.state import AppState
from monitor_app.state_actions import NoSavedState
from tests.monitor_app.alerts.alerts_workspace import HOSTILE, NOW, build
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model


@pytest.fixture
def state(tmp_path: Path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    build(RawWorkspace(engine))
    build_model(engine)
    settings = Settings(db_path=tmp_path / "workspace.duckdb", state_path=tmp_path / "state.duckdb")
    yield AppState(
        engine=engine,
        state_store=StateStore.embedded(tmp_path / "state.duckdb"),
        settings=settings,
        identity=Identity("Fin Ops", None, None, "forwarded", "user:fin"),
        as_of=NOW.replace(tzinfo=None),
        cache=ResultCache(),
    )
    engine.close()


def test_a_saved_target_is_recorded_as_the_signed_in_user_and_tells_the_views(state):
    told = []
    state.param.watch(lambda _e: told.append("saved"), "sla_targets_saved")
    target = state.set_sla_target(None, "j1", "06:00", "UTC", 30)
    assert (target.job_id, target.set_by) == ("j1", "Fin Ops")
    targets = state.sla_targets()
    assert targets[["job_id", "deadline_local_time", "max_duration_seconds", "set_by"]].values.tolist() == [
        ["j1", "06:00", 1800.0, "Fin Ops"]
    ]
    assert len(state.sla_target_records()) == 1
    state.clear_sla_target(target.workspace_id, "j1")
    assert told == ["saved", "saved"]
    assert state.sla_targets().empty


def test_a_rule_severity_is_monitor_yaml_s_when_set_else_the_default(state):
    assert state.rule_severity("consecutive_failures") == "P1"
    assert state.rule_severity("schema_drift", "added_severity") == "P3"
    state.settings = replace(state.settings, alert_rules={"consecutive_failures": {"severity": "P2"}})
    assert state.rule_severity("consecutive_failures") == "P2"
    assert state.rule_severity("sla_breach") == "P1"
    # an unusable alert_rules (the settings check names it) leaves the defaults on the badges
    state.settings = replace(state.settings, alert_rules={"consecutive_failures": {"severity": "P9"}})
    assert state.rule_severity("consecutive_failures") == "P1"


def test_a_bad_target_is_refused_and_nothing_is_told(state):
    told = []
    state.param.watch(lambda _e: told.append("saved"), "sla_targets_saved")
    with pytest.raises(SlaTargetError):
        state.set_sla_target(None, "no-such-job", "06:00", "UTC", None)
    assert told == []
    assert state.sla_targets().empty


def test_budgets_are_saved_by_the_actor_and_listed_as_hashable_records(state):
    told = []
    state.param.watch(lambda _e: told.append("saved"), "budgets_saved")
    saved = state.set_budget({"team": "alpha", "monthly_usd": 12.5})
    assert (saved["team"], saved["monthly_usd"], saved["set_by"]) == ("alpha", 12.5, "Fin Ops")
    records = state.budget_records()
    assert hash(records) is not None and len(records) == 1
    assert state.budget_teams() == sorted(["alpha", "beta", "gamma", "unattributed", HOSTILE])
    state.clear_budget({"team": "alpha"})
    assert told == ["saved", "saved"]
    assert len(state.budget_records()) == 2  # the budget and the version that cleared it


def test_a_team_rule_clears_every_cached_result_since_any_team_figure_may_move(state):
    state.cache.get_or_compute(("k",), lambda: 1)
    assert len(state.cache) == 1
    state.add_team_rule(
        "ops", name="nightly", match_kind="job_name_prefix", match_value="nightly_", team="night-ops"
    )
    assert len(state.cache) == 0
    assert state.team_rules()[["rule_name", "team"]].values.tolist() == [["nightly", "night-ops"]]


def test_without_a_state_store_reads_are_empty_and_changes_say_why():
    bare = AppState()
    assert (bare.can_save, bare.has_engine, bare.sla_targets(), bare.budget_records()) == (
        False,
        False,
        None,
        (),
    )
    assert (bare.alert_inbox(), bare.budget_teams(), bare.data_source_text()) == (None, [], "none")
    assert bare.state_store_text() == "not available"
    with pytest.raises(NoSavedState, match="^Targets cannot be saved: this session has no state store.$"):
        bare.set_sla_target(None, "j1", "06:00", "UTC", None)
    with pytest.raises(NoSavedState, match="^Budgets cannot be changed: this session has no state store.$"):
        bare.set_budget({"team": "alpha", "monthly_usd": 1})
    with pytest.raises(RuntimeError, match="no Jobs API available for this session: the error text"):
        bare.run_errors("r1", None)
