"""The hand-built data of ``test_integrity.py``, shared with the tests that reuse it (a test module
imports no other test module)."""

from __future__ import annotations

from tests.monitor_app.analytics.rawdata import utc

NOW = utc(2026, 10, 31)


# rows of the daily writes of ORDERS on 1-10 October
ORDERS_ROWS = [1000, 1010, 990, 1000, 1020, 980, 1000, 700, 1150, 0]


COLUMNS = [("id", "bigint", False), ("amount", "double", True), ("name", "string", True)]
