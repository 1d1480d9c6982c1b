"""The Teams page's budgets: this month's spend against each budget, and the form that sets one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from components.budget_views import BudgetsView
from data.engines import DuckDBEngine
from data.schema import create_tables
from data.state_store import StateStore
from monitor_app.alerts.evaluate import evaluate
from monitor_app.alerts.inbox import Inbox
from monitor_app.budgets import set_budget
from monitor_app.cache import ResultCache
from monitor_app.identity import Identity
from monitor_app.settings import Settings
from monitor_app.state import AppState
from tests.monitor_app.alerts.alerts_workspace import HOSTILE, NOW, build
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc


@pytest.fixture
def setup(tmp_path: Path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    build(RawWorkspace(engine))
    build_model(engine)
    store = StateStore.embedded(tmp_path / "state.duckdb")
    settings = Settings(db_path=tmp_path / "workspace.duckdb", state_path=tmp_path / "state.duckdb")
    settings.budgets = [{"team": "alpha", "monthly_usd": 5}]
    identity = Identity("Fin Ops", None, None, "forwarded", "user:fin")
    state = AppState(
        engine=engine,
        state_store=store,
        settings=settings,
        identity=identity,
        as_of=NOW.replace(tzinfo=None),
        cache=ResultCache(),
    )
    yield engine, store, settings, state
    engine.close()


def _shown(panel) -> pd.DataFrame:
    """The frame of a DataPanel's table (computed synchronously outside a server)."""
    return panel._body.objects[0].objects[0].value


def _versions(store: StateStore) -> int:
    return int(store.engine.execute("SELECT COUNT(*) AS n FROM app_state.budgets")["n"].iloc[0])


def test_the_table_shows_each_budget_as_the_alert_rule_sees_it(setup):
    engine, store, settings, state = setup
    set_budget(store, engine, {"team": "beta", "monthly_usd": 7}, "fin", now=utc(2026, 10, 2))
    set_budget(store, engine, {"job_id": "j3", "monthly_usd": 100}, "fin", now=utc(2026, 10, 2))
    view = BudgetsView(state)
    shown = _shown(view._status)
    # October to NOW: j1 10 x 4 DBUs x $0.15 = $6.00; j2 the same; j3 10 x 1 DBU = $1.50
    assert list(shown["status"]) == ["exceeded", "approaching", "ok"]
    assert list(shown["budget_for"]) == ['team "alpha"', 'team "beta"', f"job {HOSTILE} (j3)"]
    assert list(shown["spent_usd"]) == [6.0, 6.0, 1.5]
    assert list(shown["share"]) == [1.2, 0.8571, 0.015]
    assert list(shown["source"]) == ["monitor.yaml", "app", "app"]
    evaluate(engine, store, settings, now=NOW)
    alerted = sorted(a.team for a in Inbox(store).list(now=NOW) if a.rule == "budget")
    assert alerted == ["alpha", "beta"]  # the rows not "ok", no more


def test_saving_and_clearing_a_job_budget_records_who_and_when(setup):
    _, store, _, state = setup
    view = BudgetsView(state)
    view.scope.value = "Job"
    view.job.value = "j2"
    view.monthly.value = 50
    view._on_save()
    assert view.message.alert_type == "success"
    assert "job j2 (workspace " in view.message.object and "$50.00 a month" in view.message.object
    status = _shown(view._status)
    assert list(status["budget_for"]) == ['team "alpha"', "job hourly_sync (j2)"]
    assert list(status["set_by"]) == ["monitor.yaml", "Fin Ops"]

    view._on_clear()
    assert view.message.alert_type == "success" and "cleared" in view.message.object
    assert list(_shown(view._status)["budget_for"]) == ['team "alpha"']
    history = _shown(view._history)  # newest first
    assert list(history["budget_for"]) == [*["job j2 (workspace 1001)"] * 2, 'team "alpha"']
    assert list(history["is_active"]) == ["no", "yes", "yes"]  # flags read as words
    assert list(history["set_by"]) == ["Fin Ops", "Fin Ops", "monitor.yaml"]
    assert _versions(store) == 2


@pytest.mark.parametrize(
    "scope, team, monthly, message",
    [
        ("Team", "alpha", 0, "Not saved: budget: monthly_usd must be more than 0, got 0"),
        ("Team", "alpha", None, "Not saved: budget: monthly_usd must be a number of US dollars, got None"),
        ("Team", "<img src=x>", 10, "is not a known team"),
    ],
)
def test_a_refused_budget_is_explained_in_place_and_nothing_saved(setup, scope, team, monthly, message):
    _, store, _, state = setup
    view = BudgetsView(state)
    view.scope.value, view.team.value, view.monthly.value = scope, team, monthly
    view._on_save()
    assert view.message.alert_type == "danger"
    assert message.replace("<", "&lt;").replace(">", "&gt;") in view.message.object
    assert "<img" not in view.message.object
    assert _versions(store) == 0


def test_clearing_a_budget_that_is_not_set_says_so(setup):
    _, store, _, state = setup
    view = BudgetsView(state)
    view.team.value = "beta"
    view._on_clear()
    assert view.message.alert_type == "danger"
    assert view.message.object == "Not cleared: no budget is set for team &quot;beta&quot;"
    assert _versions(store) == 0


def test_the_form_follows_the_selected_team_and_job(setup):
    _, _, _, state = setup
    view = BudgetsView(state)
    assert (view.team.visible, view.job.visible) == (True, False)
    state.param.update(team="gamma", job_id="j5")
    assert (view.team.value, view.job.value) == ("gamma", "j5")
    view.scope.value = "Job"
    assert (view.team.visible, view.job.visible, view.workspace.visible) == (False, True, True)
    assert sorted(view.team.options) == ['<b>x</b>\'s "team"', "alpha", "beta", "gamma", "unattributed"]
