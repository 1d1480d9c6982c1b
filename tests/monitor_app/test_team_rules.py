"""Team mapping rules saved in the app (COST-02): validation, versions, merge with monitor.yaml, history."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from data.state_store import StateStore
from monitor_app import team_rules
from monitor_app.analytics import cost
from monitor_app.filters import Filters
from monitor_app.settings import Settings
from monitor_app.team_rules import TeamRuleError
from tests.monitor_app.analytics.cost_fixtures import RawWorkspace, build_model

OCTOBER = Filters(start_date=date(2026, 10, 1), end_date=date(2026, 10, 31))
UNICODE_TEAM = "Équipe <script>alert('x')</script> \"données\""


@pytest.fixture
def setup(engine, tmp_path):
    ws = RawWorkspace(engine)
    ws.price("STANDARD_JOBS_COMPUTE", datetime(2026, 1, 1), None, "0.5")
    ws.job("1", "sales-daily", run_as="svc@example.com")
    ws.job("2", "marketing-daily")
    ws.costed_run("1", "r1", datetime(2026, 10, 2), "10")  # $5, before the rule exists
    ws.costed_run("2", "r2", datetime(2026, 10, 3), "4")  # $2
    settings = Settings(
        team_rules=[{"name": "yaml mkt", "match": "job_name_prefix", "value": "marketing", "team": "mkt"}]
    )
    build_model(engine, tag_keys=settings.team_tag_keys, rules=settings.team_rules)
    store = StateStore.embedded(tmp_path / "state.duckdb")
    return engine, store, settings


def spend(engine):
    return cost.team_costs(engine, OCTOBER).set_index("team")["list_cost_usd"].to_dict()


def test_a_rule_change_applies_to_history(setup):
    engine, store, settings = setup
    assert spend(engine) == {"unattributed": 5.0, "mkt": 2.0}
    attributed = team_rules.add_rule(
        store,
        engine,
        settings,
        name="sales",
        match_kind="job_name_prefix",
        match_value="sales-",
        team=UNICODE_TEAM,
        set_by="ana@example.com",
    )
    assert attributed == 2
    assert spend(engine) == {UNICODE_TEAM: 5.0, "mkt": 2.0}
    # a new version of the same rule moves the history again
    team_rules.add_rule(
        store,
        engine,
        settings,
        name="sales",
        match_kind="run_as",
        match_value="SVC@example.com",
        team="sales",
        set_by="ana@example.com",
    )
    assert spend(engine) == {"sales": 5.0, "mkt": 2.0}
    team_rules.deactivate_rule(store, engine, settings, "sales", set_by="bo@example.com")
    assert spend(engine) == {"unattributed": 5.0, "mkt": 2.0}
    history = store.engine.execute(
        "SELECT rule_name, is_active, set_by FROM app_state.team_rules ORDER BY set_at"
    )
    assert list(history["is_active"]) == [True, True, False]
    assert list(history["set_by"]) == ["ana@example.com", "ana@example.com", "bo@example.com"]


def test_app_rules_merge_with_monitor_yaml(setup):
    engine, store, settings = setup
    team_rules.add_rule(
        store,
        engine,
        settings,
        name="sales",
        match_kind="job_name_pattern",
        match_value="%sales%",
        team="sales",
        set_by="ana@example.com",
        priority=5,
    )
    listed = team_rules.list_rules(store, settings)
    assert list(listed["rule_name"]) == ["sales", "yaml mkt"]
    assert list(listed["source"]) == ["app", "monitor.yaml"]
    # deactivating a monitor.yaml rule in the app hides it
    team_rules.deactivate_rule(store, engine, settings, "yaml mkt", set_by="ana@example.com")
    assert list(team_rules.list_rules(store, settings)["rule_name"]) == ["sales"]
    assert len(team_rules.list_rules(store, settings, include_inactive=True)) == 2
    assert spend(engine) == {"sales": 5.0, "unattributed": 2.0}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"match_kind": "job_name_prefix", "match_value": "x", "team": ""}, "team is empty"),
        ({"match_kind": "owner", "match_value": "x", "team": "t"}, "unknown match kind"),
        ({"match_kind": "creator", "match_value": "  ", "team": "t"}, "value to match is empty"),
        ({"match_kind": "job_name_pattern", "match_value": "50\\%", "team": "t"}, "backslash"),
    ],
)
def test_refused_rules_save_nothing(setup, kwargs, message):
    engine, store, settings = setup
    with pytest.raises(TeamRuleError, match=message):
        team_rules.add_rule(store, engine, settings, name="bad", set_by="ana@example.com", **kwargs)
    assert store.engine.execute("SELECT COUNT(*) AS n FROM app_state.team_rules")["n"].iloc[0] == 0
    assert isinstance(TeamRuleError("x"), ValueError)


def test_deactivating_an_unknown_rule_is_refused(setup):
    engine, store, settings = setup
    with pytest.raises(TeamRuleError, match="no active rule"):
        team_rules.deactivate_rule(store, engine, settings, "nope", set_by="ana@example.com")


def test_a_refresh_keeps_the_rules_saved_in_the_app(setup):
    from data.refresh import refresh

    engine, store, settings = setup
    team_rules.add_rule(
        store,
        engine,
        settings,
        name="sales",
        match_kind="job_name_prefix",
        match_value="sales-",
        team="sales",
        set_by="ana@example.com",
    )
    refresh(engine, settings=team_rules.settings_with_saved_rules(store, settings))
    assert spend(engine) == {"sales": 5.0, "mkt": 2.0}
    assert settings.team_rules == [
        {"name": "yaml mkt", "match": "job_name_prefix", "value": "marketing", "team": "mkt"}
    ]  # the original settings are left alone


def test_a_rule_saved_but_not_applied_says_so_and_stays_saved(setup, tmp_path):
    from data.engines import DuckDBEngine

    engine, store, settings = setup
    path = tmp_path / "empty.duckdb"
    DuckDBEngine(path).close()
    read_only = DuckDBEngine(path, read_only=True)  # re-attribution cannot write monitor.job_teams here
    with pytest.raises(team_rules.RuleSavedNotApplied, match="^saved, but re-attributing the jobs failed"):
        team_rules.add_rule(
            store,
            read_only,
            settings,
            name="sales",
            match_kind="job_name_prefix",
            match_value="sales-",
            team="sales",
            set_by="ana@example.com",
        )
    saved = team_rules.list_rules(store, settings)
    assert ("sales", "sales") in set(zip(saved["rule_name"], saved["team"], strict=True))
    assert team_rules.rebuild(store, engine, settings) == 2  # applied by the next rebuild
