"""Reference queries the equivalence tests hold the product's one model per metric against.

cost_trust has one query in the app (``monitor_app/analytics/cost/cost_trust.sql``: billing grouped at
refresh plus the usage ingested since). ``reference/cost_trust_exact.sql`` groups every usage row on the
call, the plain definition; it lives here, not in the app, because nothing but the tests runs it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data.engines import Engine
from data.sql_files import read_sql
from monitor_app.filters import Filters

REFERENCE = Path(__file__).with_name("reference")


def cost_trust_exact_sql() -> str:
    return read_sql(REFERENCE / "cost_trust_exact.sql")


def cost_trust_exact(engine: Engine, filters: Filters) -> pd.DataFrame:
    """cost_trust by its plain definition: every JOBS usage row grouped on the call."""
    return engine.execute(cost_trust_exact_sql(), filters.to_params())
