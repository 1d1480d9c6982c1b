"""The shared chart module: what each colour means, UTC axes, and no view with a hue of its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd

from components.charts import FAILED, OUTCOME_COLOURS, SEVERITY_COLOURS, naive_utc

COMPONENTS = Path(__file__).resolve().parents[2] / "components"


def test_a_failure_a_p1_and_a_limit_are_the_same_red():
    assert OUTCOME_COLOURS["failure"] == SEVERITY_COLOURS["P1"] == FAILED == "#c62828"


def test_chart_times_are_utc_without_a_zone():
    aware = pd.Series(pd.to_datetime(["2026-11-01T01:30:00+01:00"]))
    assert naive_utc(aware).tolist() == [pd.Timestamp("2026-11-01 00:30:00")]
    assert naive_utc(pd.Series(["2026-11-01 00:30"])).tolist() == [pd.Timestamp("2026-11-01 00:30:00")]


def test_every_colour_a_view_draws_comes_from_the_chart_module():
    """A hue changes in components/charts.py once; views name colours by what they mean."""
    found = [
        f"{path.name}:{node.lineno} {node.value}"
        for path in sorted(COMPONENTS.glob("*.py"))
        if path.name not in ("charts.py", "theme.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"#[0-9a-fA-F]{6}", node.value)
    ]
    assert found == []
