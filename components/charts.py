"""What every chart shares: one colour per team on every page.

A team keeps its colour wherever it is drawn (the overview's spend chart, its legend, a team page) because
the colour comes from the team's place among all the workspace's teams, not among those a view shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from bokeh.palettes import Category20_20

from data.sql_fragments import UNATTRIBUTED

# Teams whose colour is fixed: the jobs nobody owns are grey everywhere.
FIXED_COLOURS = {UNATTRIBUTED: "#9e9e9e"}
# Category20 without its two greys (grey means "unattributed").
TEAM_PALETTE = tuple(c for c in Category20_20 if c not in ("#7f7f7f", "#c7c7c7"))
OTHER_COLOUR = "#616161"


def team_colours(teams: Iterable[str]) -> dict[str, str]:
    """A colour per team, by the team's place among ``teams`` (all the workspace's teams) in name order."""
    named = sorted({str(t) for t in teams if str(t) not in FIXED_COLOURS})
    colours = {team: TEAM_PALETTE[i % len(TEAM_PALETTE)] for i, team in enumerate(named)}
    return {**colours, **FIXED_COLOURS}
