"""SLA targets (SLA-01): validation refuses bad values and saves nothing; versions keep the history."""

from __future__ import annotations

import pytest

from data.engines import DuckDBEngine
from data.state_store import StateStore
from monitor_app.settings import Settings
from monitor_app.sla_targets import (
    SlaTargetError,
    clear_sla_target,
    get_sla_targets,
    set_sla_target,
    sla_target_history,
    validate_target,
    yaml_targets,
)
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc


@pytest.fixture
def workspace(engine):
    ws = RawWorkspace(engine)
    ws.job("s1", "paris_report", team="ops", cron="0 0 4 * * ?", timezone="Europe/Paris")
    ws.job("s2", "unscheduled", team="ops")
    ws.job("s3", "twin", team="ops", workspace_id="1001")
    ws.job("s3", "twin", team="ops", workspace_id="2002")
    build_model(engine)
    return engine


@pytest.fixture
def store(tmp_path):
    eng = DuckDBEngine(tmp_path / "state.duckdb")
    yield StateStore(eng)
    eng.close()


def saved_rows(store: StateStore) -> int:
    return int(store.engine.execute("SELECT COUNT(*) AS n FROM app_state.sla_targets").iloc[0]["n"])


@pytest.mark.parametrize(
    ("job_id", "deadline", "timezone", "minutes", "message"),
    [
        ("s1", "06:00", "Europe/Pariss", None, "not a known IANA time zone"),
        ("s1", "06:00", "../etc/passwd", None, "not a known IANA time zone"),
        ("s1", "6:00", "Europe/Paris", None, "HH:MM"),
        ("s1", "24:00", "Europe/Paris", None, "HH:MM"),
        ("s1", "06:60", "Europe/Paris", None, "HH:MM"),
        ("s1", "6pm", "Europe/Paris", None, "HH:MM"),
        ("s1", None, None, 0, "positive number of minutes"),
        ("s1", None, None, -5, "positive number of minutes"),
        ("s1", None, None, float("nan"), "positive number of minutes"),
        ("s1", None, None, None, "needs a deadline"),
        ("s1", "", "", None, "needs a deadline"),
        ("nope", "06:00", "UTC", None, "not a known job"),
        ("s3", None, None, 30, "several workspaces"),
        ("s2", "06:00", None, None, "needs a time zone"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_saved(
    workspace, store, job_id, deadline, timezone, minutes, message
):
    with pytest.raises(SlaTargetError, match=message):
        set_sla_target(store, workspace, None, job_id, deadline, timezone, minutes, "ana")
    assert saved_rows(store) == 0
    assert get_sla_targets(store).empty


def test_set_by_is_required(workspace, store):
    with pytest.raises(SlaTargetError, match="set_by"):
        set_sla_target(store, workspace, None, "s1", "06:00", "UTC", None, " ")
    assert saved_rows(store) == 0


def test_set_update_clear_keeps_history(workspace, store):
    first = set_sla_target(store, workspace, None, "s1", "06:00", None, None, "ana", now=utc(2026, 10, 1))
    assert (first.workspace_id, first.timezone_id) == ("1001", "Europe/Paris")  # the schedule's zone
    assert first.describe() == "done by 06:00 Europe/Paris"
    second = set_sla_target(
        store, workspace, "1001", "s1", " 07:30 ", "America/New_York", 45.5, "bo", now=utc(2026, 10, 5)
    )
    assert second.max_duration_seconds == 2730
    active = get_sla_targets(store)
    assert active[["job_id", "deadline_local_time", "timezone_id", "set_by", "source"]].values.tolist() == [
        ["s1", "07:30", "America/New_York", "bo", "app"]
    ]
    assert active.iloc[0]["set_at"].isoformat() == "2026-10-05T00:00:00+00:00"
    clear_sla_target(store, "1001", "s1", "cy", now=utc(2026, 10, 9))
    assert get_sla_targets(store).empty
    history = sla_target_history(store)
    assert history["set_by"].tolist() == ["ana", "bo", "cy"]
    assert history["is_active"].tolist() == [True, True, False]
    with pytest.raises(SlaTargetError, match="no SLA target to clear"):
        clear_sla_target(store, "1001", "s1", "cy")


def test_monitor_yaml_targets_merge_and_app_wins(workspace, store):
    settings = Settings(
        sla_targets=[
            {"job_id": "s1", "deadline": "05:00", "timezone": "Europe/Paris"},
            {"job_id": "s2", "workspace_id": 1001, "max_duration_minutes": 10},
            {"job_id": "s3", "deadline": "25:00", "timezone": "UTC"},
        ]
    )
    rows, problems = yaml_targets(settings)
    assert rows["job_id"].tolist() == ["s1", "s2"]
    assert len(problems) == 1 and "sla_targets[2]" in problems[0] and "HH:MM" in problems[0]
    active = get_sla_targets(store, settings).set_index("job_id")
    assert active.loc["s1", "set_by"] == "monitor.yaml" and active.loc["s2", "max_duration_seconds"] == 600
    set_sla_target(store, workspace, "1001", "s1", "06:15", "Europe/Paris", None, "ana", now=utc(2026, 10, 1))
    active = get_sla_targets(store, settings).set_index("job_id")
    assert (active.loc["s1", "deadline_local_time"], active.loc["s1", "source"]) == ("06:15", "app")
    clear_sla_target(store, "1001", "s2", "ana", settings=settings, now=utc(2026, 10, 2))
    assert get_sla_targets(store, settings)["job_id"].tolist() == ["s1"]  # the app's clear wins over the file


def test_validate_target_normalises():
    assert validate_target("23:59", "UTC", 1) == ("23:59", "UTC", 60)
    assert validate_target(None, None, 0.01) == (None, None, 1)
