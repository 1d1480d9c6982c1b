"""Shared fixtures: a fresh embedded engine with every table created, and isolation of global caches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from data import dialects
from data.engines import DuckDBEngine
from data.schema import create_tables

# Tests transpile every statement afresh and write nothing to the home folder (the on-disk transpile cache
# has its own tests); servers the browser tests start inherit the setting.
os.environ["MONITOR_SQL_CACHE"] = "off"
dialects.TRANSPILED.folder = None


@pytest.fixture
def engine(tmp_path: Path) -> DuckDBEngine:
    """An empty embedded workspace (all system and collected tables, no rows) in a temporary file."""
    eng = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(eng.raw())
    yield eng
    eng.close()
