"""Shared fixtures: a fresh embedded engine with every table created, and an empty result cache per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.engines import DuckDBEngine
from data.schema import create_tables


@pytest.fixture
def engine(tmp_path: Path) -> DuckDBEngine:
    """An empty embedded workspace (all system and collected tables, no rows) in a temporary file."""
    eng = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(eng.raw())
    yield eng
    eng.close()


@pytest.fixture(autouse=True)
def fresh_result_cache(request: pytest.FixtureRequest) -> None:
    """Each test starts with the process-wide result cache empty, so no test sees another's results.

    Browser tests share one served app for the session (their pages warm its cache in turn): left as is.
    """
    if request.node.get_closest_marker("ui") is None:
        from monitor_app.cache import RESULTS

        RESULTS.clear()
