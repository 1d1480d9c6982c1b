"""Fixtures shared by the analytics tests."""

from __future__ import annotations

import pytest

from data.engines import DuckDBEngine


@pytest.fixture
def executed_sql(monkeypatch) -> list[str]:
    """The SQL of every statement DuckDBEngine.execute runs during the test, in order (run as usual): to
    check which path a metric took (a fast path reads a relation the refresh built)."""
    seen: list[str] = []
    original = DuckDBEngine.execute

    def spy(self, sql, params=None, timeout_s=60.0):
        seen.append(sql)
        return original(self, sql, params, timeout_s)

    monkeypatch.setattr(DuckDBEngine, "execute", spy)
    return seen
