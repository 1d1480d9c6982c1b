"""Shared fixtures: a fresh embedded engine with every table created, and isolation of global caches."""

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
