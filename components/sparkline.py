"""A job's runs per day as a tiny inline SVG for a table cell: one bar a day, its failed part red.

Inline SVG rather than a plot for the same reason as the run history chart: a table of 20 jobs would be 20
Bokeh plots. The markup is built from numbers and ISO dates only (nothing a workspace names), so the
light table may put it in a cell as it is; each bar's ``<title>`` says its day on hover.
"""

from __future__ import annotations

from collections.abc import Sequence

from components.charts import FAILED, RUNS_SPARK

WIDTH, HEIGHT = 120, 22
RUN_COLOUR = RUNS_SPARK
FAILED_COLOUR = FAILED


def runs_sparkline(days: Sequence[tuple[str, int, int]] | None) -> str:
    """``days``: ``(day, runs, failed)`` in order. Bars scale to the busiest day; an empty window is ''."""
    if not days:
        return ""
    busiest = max(runs for _, runs, _ in days)
    width = WIDTH / len(days)
    bars = []
    for i, (day, runs, failed) in enumerate(days):
        if runs <= 0 or busiest <= 0:
            continue
        x = i * width
        total = HEIGHT * runs / busiest
        red = HEIGHT * failed / busiest
        tip = f"{day}: {runs:,} runs" + (f", {failed:,} failed" if failed else "")
        bars.append(
            f'<g><title>{tip}</title><rect x="{x:.1f}" y="{HEIGHT - total:.1f}" width="{max(width - 0.6, 0.6):.1f}" '
            f'height="{total - red:.1f}" fill="{RUN_COLOUR}"/>'
            + (
                f'<rect x="{x:.1f}" y="{HEIGHT - red:.1f}" width="{max(width - 0.6, 0.6):.1f}" '
                f'height="{red:.1f}" fill="{FAILED_COLOUR}"/>'
                if failed
                else ""
            )
            + "</g>"
        )
    failed_total = sum(f for _, _, f in days)
    label = f"{sum(r for _, r, _ in days):,} runs over {len(days)} days, {failed_total:,} failed"
    return (
        f'<svg class="sparkline" role="img" aria-label="{label}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">{"".join(bars)}</svg>'
    )
