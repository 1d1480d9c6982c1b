"""The overview's trend charts as SVG: exact bars, stacking order, tips with the exact numbers, escaped names."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from components.trend_svg import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, rates_svg, runs_svg, spend_svg

HOSTILE = '<img src=x onerror=alert(1)> & "q"'
CALENDAR = ["2026-11-18", "2026-11-19", "2026-11-20"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed: every name escaped


def team_days() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "team": ["data-eng", HOSTILE, "data-eng"],
            "day": pd.to_datetime(["2026-11-18", "2026-11-18", "2026-11-20"]).date,
            "runs": [1, 1, 2],
            "succeeded": [1, 0, 1],
            "failed": [0, 1, 0],
            "list_cost_usd": [30.0, 10.0, 20.0],
        }
    )


def totals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "day": CALENDAR,
            "runs": [2, 0, 4],
            "succeeded": [1, 0, 3],
            "failed": [1, 0, 1],
            "list_cost_usd": [40.0, 0.0, 20.0],
            "success_rate": [0.5, float("nan"), 0.75],
        }
    )


def test_spend_stacks_teams_in_the_given_order_with_exact_tips():
    svg = parse(spend_svg(team_days(), CALENDAR, ["data-eng", HOSTILE], {"data-eng": "#111111"}))
    assert svg.get("aria-label") == "Spend per day by team, $60.00 over 3 days"
    bars = svg.findall(".//rect[@class='bar']")
    assert [(b.get("data-day"), b.get("data-team"), b.get("data-tip")) for b in bars] == [
        ("2026-11-18", "0", "2026-11-18 (UTC) · data-eng: $30.00 of $40.00"),
        ("2026-11-18", "1", f"2026-11-18 (UTC) · {HOSTILE}: $10.00 of $40.00"),
        ("2026-11-20", "0", "2026-11-20 (UTC) · data-eng: $20.00 of $20.00"),
    ]
    # the axis tops at $40 (step 10): $30 of it is 3/4 of the plot height, the bottom team first
    plot = HEIGHT - TOP - BOTTOM
    first, second = bars[0], bars[1]
    assert float(first.get("height")) == round(plot * 30 / 40, 2)
    assert float(second.get("y")) + float(second.get("height")) == float(first.get("y"))
    assert first.get("fill") == "#111111" and second.get("fill") == "#616161"  # a team without a colour
    # one hit column per day, the whole plot's width between them
    hits = svg.findall(".//rect[@class='day-hit']")
    assert [h.get("data-day") for h in hits] == CALENDAR
    assert sum(float(h.get("width")) for h in hits) == pytest.approx(WIDTH - LEFT - RIGHT, abs=0.02)


def test_runs_bars_and_failed_line_say_the_exact_counts():
    svg = parse(runs_svg(totals()))
    assert svg.get("aria-label") == "Runs per day: 6 runs, 2 failed"
    bars = svg.findall(".//rect[@class='bar']")
    assert [b.get("data-tip") for b in bars] == [
        "2026-11-18 (UTC): 2 runs, 1 failed",
        "2026-11-20 (UTC): 4 runs, 1 failed",
    ]
    points = svg.findall(".//circle")
    assert [p.get("data-day") for p in points] == CALENDAR  # a day without failures is a point at 0
    assert len(svg.findall(".//polyline[@class='failed-line']")) == 1


def test_rates_break_the_line_on_a_day_without_a_finished_run():
    sla_days = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-11-20"]).date,
            "checked_runs": [4],
            "breaches": [1],
            "attainment": [0.75],
        }
    )
    svg = parse(rates_svg(totals(), sla_days))
    rate_points = svg.findall(".//circle[@class='point rate-line']")
    assert [p.get("data-tip") for p in rate_points] == [
        "2026-11-18 (UTC): 1 of 2 finished runs succeeded (50.0%)",
        "2026-11-20 (UTC): 3 of 4 finished runs succeeded (75.0%)",
    ]
    assert len(svg.findall(".//polyline[@class='rate-line']")) == 2  # broken on 2026-11-19
    sla_points = svg.findall(".//circle[@class='point sla-line']")
    assert [p.get("data-tip") for p in sla_points] == [
        "2026-11-20 (UTC): SLA met by 3 of 4 checked runs (75.0%)"
    ]
    ticks = [t.text for t in svg.findall(".//text[@class='tick']")][:3]
    assert ticks == ["40%", "60%", "80%"]  # from just under the lowest value (50 %) up to 100 %
    no_targets = parse(rates_svg(totals(), pd.DataFrame()))
    assert no_targets.findall(".//circle[@class='point sla-line']") == []
