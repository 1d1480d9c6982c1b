"""Reference queries the equivalence tests hold the product's one model per metric against.

cost_trust has one query in the app (``monitor_app/analytics/cost/cost_trust.sql``: billing grouped at
refresh plus the usage ingested since). ``reference/cost_trust_exact.sql`` groups every usage row on the
call, the plain definition; it lives here, not in the app, because nothing but the tests runs it.

run durations have one query in the app, over monitor.run_health or over its model's query run inline with
a call's thresholds. ``reference/run_durations_exact.sql`` computes the same baselines directly on the
window's history, written apart from data/model/run_health.sql. (SLA runs have their per-run oracle in
test_sla_equivalence.py.) zombie_jobs has one query, over the refresh's rollups, with the table rollup
computed inline on a sub-day window; ``reference/zombie_jobs_exact.sql`` reads commits and lineage live.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from data.baselines import DURATION_DEFAULTS
from data.engines import Engine
from data.sql_files import read_sql
from monitor_app.analytics import cost
from monitor_app.filters import Filters

REFERENCE = Path(__file__).with_name("reference")


def cost_trust_exact_sql() -> str:
    return read_sql(REFERENCE / "cost_trust_exact.sql")


def cost_trust_exact(engine: Engine, filters: Filters) -> pd.DataFrame:
    """cost_trust by its plain definition: every JOBS usage row grouped on the call."""
    return engine.execute(cost_trust_exact_sql(), filters.to_params())


def run_durations_exact(engine: Engine, filters: Filters, kind: str, **thresholds: Any) -> pd.DataFrame:
    """health's run durations by the plain definition: the baselines computed on the window's history
    directly, not through data/model/run_health.sql (severity is health.py's, so it is not compared)."""
    params = filters.to_params()
    params.update({name: thresholds.get(name, value) for name, value in DURATION_DEFAULTS.items()})
    params["kind"] = kind
    return engine.execute(read_sql(REFERENCE / "run_durations_exact.sql"), params)


def zombie_jobs_exact(
    engine: Engine,
    filters: Filters,
    zombie_min_daily_usd: float = cost.ZOMBIE_MIN_DAILY_USD,
    zombie_max_rows: int = cost.ZOMBIE_MAX_ROWS,
) -> pd.DataFrame:
    """zombie_jobs by the plain definition: commits and lineage of the window read on the call, not from
    the refresh's rollups (data/model/zombie_*.sql)."""
    params = filters.to_params()
    params.update(
        window_days=float(filters.days),
        min_daily_usd=float(zombie_min_daily_usd),
        max_rows=int(zombie_max_rows),
    )
    return engine.execute(read_sql(REFERENCE / "zombie_jobs_exact.sql"), params)
