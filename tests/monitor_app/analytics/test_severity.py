"""Severity is decided once, by the alert rules' table: metrics stamp it, no SQL file or view writes it."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables
from monitor_app.alerts import config
from monitor_app.analytics import health
from monitor_app.analytics.severity import with_severity
from tests.monitor_app.analytics.health_workspace import WINDOW, build_reliability, build_retries
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    engine = DuckDBEngine(tmp_path_factory.mktemp("severity") / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    build_reliability(ws)
    build_retries(ws)
    build_model(engine)
    yield engine
    engine.close()


def test_the_first_matching_rule_decides_and_unflagged_rows_have_none():
    frame = pd.DataFrame({"status": ["critical", "fast", "ok"], "n": [1, 2, 3]})
    out = with_severity(
        frame,
        "status",
        [(frame["status"] != "ok", "retry_heavy"), (frame["status"] == "critical", "consecutive_failures")],
    )
    assert list(out.columns) == ["status", "severity", "n"]
    assert out["severity"].tolist()[:2] == ["P3", "P3"] and pd.isna(out["severity"].iloc[2])


def test_a_metric_carries_the_severity_the_alert_rules_give(workspace, monkeypatch):
    streaks = health.consecutive_failures(workspace, WINDOW)
    assert set(streaks["severity"]) == {"P1"}
    monkeypatch.setitem(config.RULES["consecutive_failures"][1], "severity", "P2")
    monkeypatch.setitem(config.RULES["retry_heavy"][1], "severity", "P1")
    assert set(health.consecutive_failures(workspace, WINDOW)["severity"]) == {"P2"}
    retries = health.retries(workspace, WINDOW)
    assert retries.loc[retries["retry_heavy"].astype(bool), "severity"].unique().tolist() == ["P1"]
    assert retries.loc[~retries["retry_heavy"].astype(bool), "severity"].isna().all()


def test_no_sql_file_and_no_view_writes_a_severity():
    literal = re.compile(r"'P[123]'")
    sql = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "monitor_app").rglob("*.sql"))
        if any(literal.search(line.split("--", 1)[0]) for line in p.read_text(encoding="utf-8").splitlines())
    ]
    assert sql == []
    quoted = re.compile(r"[\"']P[123][\"']")
    # The views may colour a severity (a mapping from it) or filter on one, never decide one.
    colour_or_filter = re.compile(r"[\"']P[123][\"']\s*:|\"severity\": \"P[123]\"")
    views = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "components").glob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if quoted.search(line) and not colour_or_filter.search(line)
    ]
    analytics = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "monitor_app" / "analytics").rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if quoted.search(line.split("#", 1)[0])
    ]
    assert (views, analytics) == ([], [])
