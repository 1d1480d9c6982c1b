"""A job's runs per day as bars: scaled to the busiest day, failures red, each day named on hover."""

from __future__ import annotations

from components.sparkline import runs_sparkline


def test_bars_scale_to_the_busiest_day_with_failures_in_red():
    svg = runs_sparkline([("2026-11-18", 2, 0), ("2026-11-19", 0, 0), ("2026-11-20", 4, 1)])
    assert svg.startswith('<svg class="sparkline" role="img" aria-label="6 runs over 3 days, 1 failed"')
    # 3 days in 120 px: 40 px a bar; 2 of 4 runs is half the 22 px height; 1 failed is its bottom quarter
    assert (
        '<g><title>2026-11-18: 2 runs</title><rect x="0.0" y="11.0" width="39.4" height="11.0" fill="#78909c"/></g>'
        in svg
    )
    assert (
        '<g><title>2026-11-20: 4 runs, 1 failed</title><rect x="80.0" y="0.0" width="39.4" height="16.5" fill="#78909c"/>'
        '<rect x="80.0" y="16.5" width="39.4" height="5.5" fill="#c62828"/></g>'
    ) in svg
    assert "2026-11-19" not in svg  # a day without a run has no bar


def test_an_empty_window_or_a_job_that_never_ran():
    assert runs_sparkline([]) == "" and runs_sparkline(None) == ""
    idle = runs_sparkline([("2026-11-18", 0, 0)])
    assert 'aria-label="0 runs over 1 days, 0 failed"' in idle and "<rect" not in idle
