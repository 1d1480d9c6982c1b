"""AppState: param changes -> Filters, drill-down transitions, URL round trip, per-user cached queries."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from monitor_app.cache import ResultCache
from monitor_app.filters import Filters
from monitor_app.identity import Identity
from monitor_app.state import PAGES, AppState

AS_OF = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_defaults_give_default_filters():
    state = AppState(as_of=AS_OF)
    assert state.page == "overview"
    assert state.filters() == Filters(window_days=30, now=AS_OF)


def test_param_changes_flow_into_filters():
    state = AppState(as_of=AS_OF)
    state.param.update(team="data-eng", workspace_id="1001", job_id="101", window_days=7)
    f = state.filters()
    assert (f.team, f.workspace_id, f.job_id, f.window_days) == ("data-eng", "1001", "101", 7)
    assert f.to_params()["start_time"] == datetime(2026, 11, 13, 12)
    state.param.update(start_date=date(2026, 11, 1), end_date=date(2026, 11, 2))
    assert state.filters().to_params()["end_time"] == datetime(2026, 11, 3)


def test_half_a_date_range_is_ignored():
    state = AppState(as_of=AS_OF, start_date=date(2026, 11, 1))
    assert state.filters().start_date is None


def test_drill_down_team_job_run_and_back_up():
    state = AppState()
    state.select_team('O\'Brien "ops"')
    assert (state.page, state.team, state.job_id, state.run_id) == ("jobs", 'O\'Brien "ops"', None, None)
    state.select_job("1001", "102")
    assert (state.page, state.workspace_id, state.job_id) == ("runs", "1001", "102")
    state.select_run("1001", "r4")
    assert (state.page, state.run_id, state.job_id) == ("runs", "r4", "102")
    state.select_job("1001", "101")
    assert state.run_id is None
    state.clear_selection("job")
    assert (state.page, state.team, state.job_id) == ("jobs", 'O\'Brien "ops"', None)
    state.clear_selection("team")
    assert (state.page, state.team) == ("teams", None)


def test_a_drill_down_is_one_param_event():
    state = AppState()
    seen = []
    state.param.watch(lambda *events: seen.append(sorted(e.name for e in events)), ["page", "team", "job_id"])
    state.select_team("x")
    assert seen == [["page", "team"]]


def test_url_round_trip_and_missing_params_reset():
    state = AppState()
    state.select_team('O\'Brien "ops"')
    state.select_job("1001", "102")
    state.param.update(window_days=7, start_date=date(2026, 11, 1), end_date=date(2026, 11, 2))
    query = state.to_query()
    assert query == {
        "page": "runs",
        "team": 'O\'Brien "ops"',
        "workspace_id": "1001",
        "job_id": "102",
        "window_days": "7",
        "start_date": "2026-11-01",
        "end_date": "2026-11-02",
    }
    other = AppState()
    assert other.apply_query({k: [v.encode()] for k, v in query.items()}) == []
    assert other.to_query() == query
    # Back to a URL without the job: the job selection must go away too.
    assert other.apply_query({"page": "jobs", "team": 'O\'Brien "ops"'}) == []
    assert (other.page, other.job_id, other.workspace_id, other.window_days) == ("jobs", None, None, 30)


def test_invalid_url_values_fall_back_to_defaults():
    state = AppState()
    assert sorted(state.apply_query({"page": "nope", "window_days": "5", "start_date": "x"})) == [
        "page",
        "start_date",
        "window_days",
    ]
    assert (state.page, state.window_days, state.start_date) == ("overview", 30, None)


@pytest.mark.parametrize(
    ("query", "ignored", "why"),
    [
        (
            {"start_date": "2026-10-20", "end_date": "2026-10-01"},
            ["end_date", "start_date"],
            "the start date 2026-10-20 is after the end date 2026-10-01",
        ),
        (
            {"start_date": "2026-10-01", "end_date": "9999-01-01"},
            ["end_date", "start_date"],
            "'9999-01-01': dates must be between 2000-01-01 and 2100-12-31",
        ),
        ({"start_date": "2026-10-01"}, ["start_date"], "a date range needs both start_date and end_date"),
    ],
)
def test_bad_date_ranges_in_a_link_are_ignored_and_say_why(query, ignored, why):
    state = AppState(as_of=AS_OF)
    assert sorted(state.apply_query(query)) == ignored
    assert (state.start_date, state.end_date) == (None, None)
    assert why in state.url_problems[ignored[0]]
    assert state.filters().days == 30  # the window applies: no crash, no overflow
    assert state.apply_query({"start_date": "2026-10-01", "end_date": "2026-10-20"}) == []
    assert state.url_problems == {} and state.filters().days == 20


def test_pages_are_the_documented_ones():
    assert PAGES == ("overview", "teams", "jobs", "runs", "data", "alerts", "reports", "settings")


def test_query_is_cached_per_identity():
    cache = ResultCache()
    calls = []

    def fn(engine, filters, extra):
        calls.append((engine, filters.team, extra))
        return f"{engine}:{extra}"

    ana = Identity("ana", "ana@x", "1", "user token", "user:1")
    bo = Identity("bo", "bo@x", "2", "user token", "user:2")
    a = AppState(engine="engine-as-ana", identity=ana, cache=cache, as_of=AS_OF)
    b = AppState(engine="engine-as-bo", identity=bo, cache=cache, as_of=AS_OF)
    assert a.query(fn, "r1") == "engine-as-ana:r1"
    assert a.query(fn, "r1") == "engine-as-ana:r1"
    assert b.query(fn, "r1") == "engine-as-bo:r1"
    assert len(calls) == 2


def test_query_without_engine_fails_clearly():
    with pytest.raises(RuntimeError, match="no engine"):
        AppState().query(lambda e, f: None)
