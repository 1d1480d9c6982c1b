"""Default thresholds that shape the per-run facts materialized by the refresh (``monitor.run_health``).

The refresh precomputes each run's duration baseline and verdict with these values, so that the health
metrics only filter at query time; ``monitor_app/analytics/health.py`` takes its ``DEFAULTS`` from here, so
the materialized verdicts and the live SQL (used when a call overrides a threshold) can never disagree on
what "default" means. Values follow the shared monitoring definitions (docs: JOB-03).

``DERIVED_PARAMS`` is what ``data/refresh.py`` binds, besides ``since``/``since_date``/``full_refresh``,
when it builds a derived relation: each relation's thresholds under a prefix naming the relation's
concern (``duration_*``), so two relations can never read each other's value for a same-named threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

# JOB-03 duration baseline: median / p90 of the clean successful runs of the previous 30 days, same UTC
# weekday when 5 such runs exist, a verdict needs 5 runs; warn +30%, critical +60%, fast under 50%.
DURATION_DEFAULTS: Mapping[str, float] = MappingProxyType(
    {
        "baseline_days": 30,
        "min_baseline_runs": 5,
        "min_same_weekday_runs": 5,
        "warn_pct": 0.30,
        "critical_pct": 0.60,
        "fast_ratio": 0.50,
    }
)


# COST-04 DBU spike baseline (data/model/run_spend.sql): a run above 2x the p90 DBUs of the job's runs of
# the previous 30 days, with at least 5 such runs; floors so that cents never alert: a normal run costs at
# least $10 and the spike at least $50 more. ``monitor_app/analytics/cost.py`` takes its defaults from here.
SPIKE_DEFAULTS: Mapping[str, float] = MappingProxyType(
    {
        "ratio": 2.0,
        "min_baseline_runs": 5,
        "min_baseline_usd": 10.0,
        "min_excess_usd": 50.0,
    }
)


# PIPE-01 row-count baseline per table write (data/model/table_writes.sql): the median of the previous 30
# writes with a row count, same UTC weekday when 4 such writes exist (the shared definitions).
INTEGRITY_DEFAULTS: Mapping[str, float] = MappingProxyType(
    {
        "baseline_writes": 30,
        "min_same_weekday_writes": 4,
    }
)


def _prefixed(prefix: str, values: Mapping[str, float]) -> dict[str, Any]:
    return {f"{prefix}_{name}": value for name, value in values.items()}


def duration_params(**overrides: float) -> dict[str, Any]:
    """run_health.sql's ``:duration_*`` parameters: the defaults, or a call's own values where given (the
    duration and SLA metrics run that model inline with them when a call overrides a threshold)."""
    unknown = set(overrides) - set(DURATION_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown duration threshold(s): {', '.join(sorted(unknown))}")
    return _prefixed("duration", {**DURATION_DEFAULTS, **overrides})


# Bound when the refresh builds a derived relation (data/model/run_health.sql reads :duration_*,
# run_spend.sql :spike_*).
DERIVED_PARAMS: Mapping[str, Any] = MappingProxyType(
    {
        **duration_params(),
        **_prefixed("spike", SPIKE_DEFAULTS),
        **_prefixed("integrity", INTEGRITY_DEFAULTS),
    }
)
