"""The SLA breaches table as shown: a failed run that ended before its deadline is not "late by" a negative."""

from __future__ import annotations

import pandas as pd

from components.sla_views import SlaBreachesView
from monitor_app.analytics.sla import CHECK_COLUMNS
from monitor_app.cache import ResultCache
from monitor_app.state import AppState


def _breach(run_id: str, cause: str, late_by: float | None) -> dict:
    row = dict.fromkeys([*CHECK_COLUMNS, "primary_cause", "causes", "target_set_by"])
    start = pd.Timestamp("2026-10-27 04:00", tz="UTC")
    row.update(
        primary_cause=cause,
        causes=cause,
        job_name="nightly",
        team="alpha",
        run_id=run_id,
        start_time=start,
        end_time=start + pd.Timedelta(hours=1),
        deadline_local="06:00 UTC",
        late_by_seconds=late_by,
        duration_seconds=3600.0,
        workspace_id="1",
        job_id="j1",
    )
    return row


def test_a_failed_run_that_ended_before_its_deadline_shows_no_lateness():
    view = SlaBreachesView(AppState(cache=ResultCache()))
    frame = pd.DataFrame([_breach("r1", "failed", -3600.0), _breach("r2", "ran_long", 900.0)])
    table = view._render(frame).objects[0]
    shown = table.value.set_index("run_id")["late_by_seconds"]
    assert pd.isna(shown["r1"]) and shown["r2"] == 900.0
    assert frame["late_by_seconds"].tolist() == [-3600.0, 900.0]  # the query's frame is not changed


def test_the_breach_details_are_in_the_csv_not_on_screen():
    view = SlaBreachesView(AppState(cache=ResultCache()))
    table = view._render(pd.DataFrame([_breach("r1", "failed", -3600.0)])).objects[0]
    assert set(table.hidden_columns) == {
        "causes",
        "max_duration_seconds",
        "baseline_p50_seconds",
        "baseline_p90_seconds",
        "target_set_by",
        "workspace_id",
    }
    assert {"job_name", "run_id", "primary_cause", "late_by_seconds", "job_id"} <= set(table.value.columns)
