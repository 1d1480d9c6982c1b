"""SLA aggregates: attainment per day (``sla_days``) and breaches per job, ranked (``sla_summary``).

Both aggregate the checks of sla.py (``_checked``: every checked run of the window, read once), with
numpy over those arrays rather than a frame per run.

Ranking score: ``100 x breach_rate x (0.5 + 0.5 x 0.5 ** (days_since_last_breach / 7)) x
(1 + log10(1 + cost_usd))``: frequency, recency (half-life a week; a breach today counts double one long
ago) and the job's list-price cost over the window (an expensive job is worth fixing first).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from data.engines import Engine
from monitor_app.analytics.registry import metric
from monitor_app.analytics.sla import DEFAULTS, _Checked, _checked, _float, _groups
from monitor_app.analytics.sla_schedule import _NAT, _US, _us_of, _utc_series
from monitor_app.filters import Filters

SUMMARY_COLUMNS = [
    "rank",
    "workspace_id",
    "job_id",
    "job_name",
    "team",
    "checked_runs",
    "breaches",
    "breach_rate",
    "failed_breaches",
    "started_late_breaches",
    "ran_long_breaches",
    "previous_checked_runs",
    "previous_breaches",
    "previous_breach_rate",
    "trend",
    "last_breach_time",
    "days_since_last_breach",
    "cost_usd",
    "breach_cost_usd",
    "score",
]

DAY_COLUMNS = ["day", "checked_runs", "breaches", "attainment"]


@metric("sla_days")
def sla_days(engine: Engine, filters: Filters, targets: pd.DataFrame, **thresholds: float) -> pd.DataFrame:
    """SLA attainment per UTC day (by run start): the overview's trend.

    Same parameters as :func:`sla_checks`. One row per day with a checked run, oldest first: ``day``
    (DATE), ``checked_runs, breaches, attainment`` (share of the day's checked runs that met the target).
    Over the window the counts are :func:`sla_summary`'s, summed over its jobs.
    """
    checked = _checked(engine, filters, targets, thresholds)
    if checked is None:
        return pd.DataFrame(columns=DAY_COLUMNS)
    day_number = checked.start_us // (_US * 86400)
    numbers, position, counts = np.unique(day_number, return_inverse=True, return_counts=True)
    breaches = np.bincount(position, weights=checked.breached, minlength=len(numbers)).astype(np.int64)
    return pd.DataFrame(
        {
            "day": [date(1970, 1, 1) + timedelta(days=int(n)) for n in numbers],
            "checked_runs": counts.astype(np.int64),
            "breaches": breaches,
            "attainment": 1 - breaches / counts,
        },
        columns=DAY_COLUMNS,
    )


def _per_job(checked: _Checked, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per job, over the checked runs ``rows`` (positions, in chronological order), in (workspace, job)
    order: counts, causes, last breach (int64 microseconds, _NAT for none), list cost; plain arrays (the
    summary builds its one frame from them).

    A job's name and team are its latest run's. Sums are numpy's ``add.reduceat`` over each job's runs in
    chronological order: what pandas' groupby computes on checks ordered by job then start (to the last
    bit), without its overhead.
    """
    runs = checked.runs
    workspace = runs["workspace_id"].to_numpy(dtype=object)[rows]
    job = runs["job_id"].to_numpy(dtype=object)[rows]
    if not len(rows):
        none = np.array([], dtype=np.int64)
        return {"workspace_id": workspace, "job_id": job, "checked_runs": none, "breaches": none}
    groups = _groups(workspace, job)
    groups.sort(key=lambda g: (workspace[g[0]], job[g[0]]))
    order = np.concatenate(groups)
    first = np.cumsum([0] + [len(g) for g in groups[:-1]])
    last = np.cumsum([len(g) for g in groups]) - 1
    picked = rows[order]

    def total(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values[picked], first)

    breached = checked.breached
    cost = np.nan_to_num(_float(runs["list_cost_usd"]), nan=0.0)
    return {
        "workspace_id": workspace[order[first]],
        "job_id": job[order[first]],
        "job_name": runs["job_name"].to_numpy(dtype=object)[picked[last]],
        "team": runs["team"].to_numpy(dtype=object)[picked[last]],
        "checked_runs": last - first + 1,
        "breaches": total(breached.astype(np.int64)),
        "failed_breaches": total((breached & checked.failed).astype(np.int64)),
        "started_late_breaches": total((breached & checked.started_late).astype(np.int64)),
        "ran_long_breaches": total((breached & checked.ran_long).astype(np.int64)),
        "last_breach_us": np.maximum.reduceat(np.where(breached, checked.start_us, _NAT)[picked], first),
        "cost_usd": total(cost),
        "breach_cost_usd": total(np.where(breached, cost, 0.0)),
    }


@metric("sla_summary")
def sla_summary(engine: Engine, filters: Filters, targets: pd.DataFrame, **thresholds: float) -> pd.DataFrame:
    """SLA breaches per job: count, rate, trend against the previous window and a ranking score.

    Parameters
    ----------
    engine, filters, targets
        As for :func:`sla_checks`.
    recency_half_life_days : float
        Half-life of the recency weight of the score (7 days).

    Returns
    -------
    DataFrame
        One row per job with checked runs, ranked by ``score`` (highest first): ``rank, workspace_id,
        job_id, job_name, team, checked_runs, breaches, breach_rate, failed_breaches,
        started_late_breaches, ran_long_breaches, previous_checked_runs, previous_breaches,
        previous_breach_rate, trend`` (worse | better | same | new), ``last_breach_time,
        days_since_last_breach, cost_usd`` (list price, checked runs), ``breach_cost_usd, score`` =
        100 x breach_rate x (0.5 + 0.5 x 0.5 ** (days_since_last_breach / half-life)) x
        (1 + log10(1 + cost_usd)), 0 without breaches.
    """
    half_life = float(thresholds.pop("recency_half_life_days", DEFAULTS["recency_half_life_days"]))
    if half_life <= 0:
        raise ValueError(f"recency_half_life_days must be positive, got {half_life}")
    length = filters.end_time - filters.start_time
    previous_filters = filters.with_(
        start_date=None, end_date=None, now=filters.start_time, window_days=max(1, length.days)
    )
    # One read for both windows (the previous one ends where the window starts).
    checked = _checked(engine, filters, targets, thresholds, since=previous_filters.start_time)
    if checked is None:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    chronological = np.arange(len(checked.start_us))[::-1]
    in_window = checked.start_us[chronological] >= _us_of(filters.start_time)
    current = _per_job(checked, chronological[in_window])
    if not len(current["checked_runs"]):
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    previous = _per_job(checked, chronological[~in_window])
    # The previous window's counts of each current job (a dict, not a merge: a handful of jobs).
    before = {
        key: (runs, breaches)
        for key, runs, breaches in zip(
            zip(previous["workspace_id"], previous["job_id"], strict=True),
            previous["checked_runs"].tolist(),
            previous["breaches"].tolist(),
            strict=True,
        )
    }
    keys = list(zip(current["workspace_id"], current["job_id"], strict=True))
    previous_runs = np.array([before.get(k, (0, 0))[0] for k in keys], dtype=np.int64)
    previous_breaches = np.array([before.get(k, (0, 0))[1] for k in keys], dtype=np.int64)
    rate = current["breaches"] / current["checked_runs"]
    with np.errstate(divide="ignore", invalid="ignore"):
        previous_rate = np.where(previous_runs > 0, previous_breaches / previous_runs, np.nan)
    # "same" as math.isclose(rate, previous_rate, abs_tol=1e-9) says it
    tolerance = np.maximum(1e-9 * np.maximum(np.abs(rate), np.abs(previous_rate)), 1e-9)
    trend = np.select(
        [np.isnan(previous_rate), np.abs(rate - previous_rate) <= tolerance, rate > previous_rate],
        ["new", "same", "worse"],
        "better",
    )
    last_breach_us = current["last_breach_us"]
    days_since = np.where(
        last_breach_us == _NAT, np.nan, (_us_of(filters.end_time) - last_breach_us) / _US / 86400
    )
    recency = 0.5 + 0.5 * 0.5 ** (days_since / half_life)
    cost = current["cost_usd"]
    score = 100 * rate * recency * (1 + np.array([math.log10(1 + c) for c in cost.tolist()]))
    score = np.round(np.nan_to_num(score, nan=0.0), 2)
    # score and breaches descending, then workspace and job ascending
    scores, breaches = score.tolist(), current["breaches"].tolist()
    ranked = np.array(
        sorted(range(len(keys)), key=lambda i: (-scores[i], -breaches[i], keys[i][0], keys[i][1])),
        dtype=np.int64,
    )
    columns = {
        "rank": np.arange(1, len(keys) + 1),
        "workspace_id": pd.array(current["workspace_id"][ranked], dtype="str"),
        "job_id": pd.array(current["job_id"][ranked], dtype="str"),
        "job_name": pd.array(current["job_name"][ranked], dtype="str"),
        "team": pd.array(current["team"][ranked], dtype="str"),
        **{
            name: current[name][ranked]
            for name in (
                "checked_runs",
                "breaches",
                "failed_breaches",
                "started_late_breaches",
                "ran_long_breaches",
            )
        },
        "breach_rate": rate[ranked],
        "previous_checked_runs": previous_runs[ranked],
        "previous_breaches": previous_breaches[ranked],
        "previous_breach_rate": previous_rate[ranked],
        "trend": pd.array(trend[ranked], dtype="str"),
        "last_breach_time": _utc_series(last_breach_us[ranked]),
        "days_since_last_breach": days_since[ranked],
        "cost_usd": cost[ranked],
        "breach_cost_usd": current["breach_cost_usd"][ranked],
        "score": score[ranked],
    }
    return pd.DataFrame(columns, columns=SUMMARY_COLUMNS)
