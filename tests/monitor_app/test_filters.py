"""The window before a window: same length, ending where it starts (the headline's changes)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from monitor_app.filters import Filters


def test_the_previous_window_of_a_rolling_window():
    window = Filters(window_days=30, now=datetime(2026, 11, 25, 7, tzinfo=UTC), team="ml")
    before = window.previous()
    assert (before.start_time, before.end_time) == (
        datetime(2026, 9, 26, 7, tzinfo=UTC),
        datetime(2026, 10, 26, 7, tzinfo=UTC),
    )
    assert before.team == "ml" and window.compared_to() == "vs previous 30 days"


def test_the_previous_window_of_a_date_range():
    window = Filters(start_date=date(2026, 10, 1), end_date=date(2026, 10, 20))
    before = window.previous()
    assert (before.start_date, before.end_date) == (date(2026, 9, 11), date(2026, 9, 30))
    assert before.days == window.days == 20
    assert window.compared_to() == "vs 2026-09-11 to 2026-09-30"
