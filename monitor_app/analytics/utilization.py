"""Cluster utilization per run (CLUST-01) and memory-aware rightsizing per job (CLUST-02).

The per-run numbers are rolled up at refresh (``monitor.run_utilization``, data/model/run_utilization.sql):
driver and workers apart, over each run's own window on its job clusters. A run on a shared all-purpose
cluster is not measured (status ``shared_all_purpose``): its cluster's load is not the run's.

Rightsizing reads those runs over the window and gives each job one verdict, in this order:

1. ``memory-bound``: workers' memory averages >= ``high_memory_pct`` (80 %) or peaks >= 90 %: never
   "shrink it", whatever the CPU says (the official dashboard's CPU-only estimate gets exactly this wrong);
2. ``io-bound``: workers' cpu_wait averages >= ``io_wait_pct`` (20 %): more CPU will not help;
3. ``driver-bound``: the driver's CPU averages >= ``driver_busy_pct`` (70 %) while the workers' stays under
   ``low_utilization_pct``: fewer workers or a single node, never a smaller driver;
4. ``over-provisioned``: in at least ``low_share`` (70 %) of the worker node-minutes both CPU and memory
   are under ``low_utilization_pct`` (40 %), and their averages too;
5. ``ok``.

A verdict needs ``min_runs`` (5) measured runs (node data covering >= ``min_coverage`` of the run); with
fewer the job is ``ok`` with confidence ``none`` and says so.

The recommendation sizes the workers for ``target_utilization`` (70 %) of their busiest resource:
``target = ceil(workers x max(worker CPU p95, worker memory peak) / 70 %)``; when that keeps the count, a
node type of the same family with half the cores (and memory for the peak) from system.compute.node_types.
Saving = monthly cost x the workers' share of the cluster's cores x (1 - new worker cores / current),
the monthly cost being the window's list-price cost scaled to 30 days. Written out in
``savings_formula`` for every job that has one.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from data.engines import Engine
from data.sql_files import load_sql
from monitor_app.analytics.registry import metric
from monitor_app.filters import Filters

SQL_DIR = Path(__file__).with_name("utilization")

RIGHTSIZING_DEFAULTS: dict[str, float] = {
    "low_utilization_pct": 40.0,
    "low_share": 0.7,
    "min_runs": 5,
    "min_coverage": 0.5,
    "high_memory_pct": 80.0,
    "peak_memory_pct": 90.0,
    "driver_busy_pct": 70.0,
    "io_wait_pct": 20.0,
    "target_utilization": 0.7,
}
# Runtimes before this major version are out of standard support (12.2 LTS and older).
OLD_DBR_MAJOR = 13
VERDICTS = ("over-provisioned", "memory-bound", "driver-bound", "io-bound", "ok")


def _sql(name: str) -> str:
    return load_sql(SQL_DIR / f"{name}.sql")


@metric("cluster_utilization")
def cluster_utilization(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """CPU and memory of each job run's driver and workers apart (CLUST-01), newest run first.

    Returns
    -------
    DataFrame, at most ``filters.row_limit`` rows, one per run started in the window that ran on a cluster:
        workspace_id, job_id, job_name, team, run_id, start_time, end_time
        status : measured | shared_all_purpose (not attributable: no numbers) | no_node_data
        cluster_known : FALSE when a cluster is missing from system.compute.clusters (measured anyway)
        cluster_ids, driver_node_type, worker_node_type, worker_count, min/max_autoscale_workers,
        workers_seen (distinct worker instances), dbr_version
        driver_/worker_cpu_avg_pct, driver_/worker_cpu_p95_pct : CPU busy (user + system), 0-100
        driver_/worker_mem_avg_pct, driver_/worker_mem_peak_pct, driver_/worker_swap_avg_pct,
        driver_/worker_cpu_wait_avg_pct
        worker_low_share : share of worker node-minutes with CPU and memory both under 40 %
        node_minutes, driver_minutes, worker_node_minutes
        duplicate_rows : node rows repeating an instance's minute (counted once)
        coverage : driver minutes with data / the run's minutes (missing minutes lower it)
        list_cost_usd : the run's list-price cost
    """
    return engine.execute(_sql("runs"), filters.to_params())


@metric("utilization_data_issues")
def utilization_data_issues(engine: Engine, filters: Filters, **_other_thresholds: Any) -> pd.DataFrame:
    """What the utilization figures could not use or had to repair, counted (never silently dropped).

    Returns
    -------
    DataFrame, one row per workspace and kind: workspace_id, kind, items (clusters or runs), node_rows,
    examples (up to 5 cluster or run ids). Kinds: cluster_not_in_compute_clusters, cluster_of_no_job_run,
    node_type_not_in_node_types (last 30 days of the node timeline, from the refresh),
    runs_with_repeated_node_minutes (counted once), runs_with_missing_node_minutes (coverage < 90 %),
    runs_shared_all_purpose (not attributable), runs_no_node_data (over the window).
    """
    return engine.execute(_sql("data_issues"), filters.to_params())


@metric("rightsizing", thresholds=tuple(RIGHTSIZING_DEFAULTS))
def rightsizing(engine: Engine, filters: Filters, **thresholds: float) -> pd.DataFrame:
    """Per job: a memory-aware verdict on its cluster size, a recommendation, its saving and confidence.

    Returns
    -------
    DataFrame, largest saving first, one row per job with a run on a cluster in the window:
        workspace_id, job_id, job_name, team
        over_provisioned : bool; verdict : over-provisioned | memory-bound | driver-bound | io-bound | ok
        recommendation : what to change, with the numbers behind it
        est_monthly_savings_usd, savings_formula
        confidence : high | medium | low | none; confidence_reason
        runs, measured_runs, all_purpose_runs, no_node_data_runs, low_coverage_runs, unknown_cluster_runs,
        duplicate_rows
        driver_/worker_ cpu, memory, swap and cpu_wait figures (averages of the measured runs' figures;
        peaks are maxima), worker_low_share, all_nodes_cpu_avg_pct
        workers_avg, workers_max, worker_count, min/max_autoscale_workers, driver/worker_node_type,
        driver/worker_cores and _memory_mb (NULL when the type is not in system.compute.node_types)
        list_cost_usd (window), monthly_cost_usd
        low_cpu, high_memory, no_autoscaling, autoscale_never_scaled, old_dbr, dbr_version : the questions
        the official jobs dashboard asks, answered per job
        naive_savings_usd : that dashboard's estimate, monthly cost x (1 - CPU of all nodes) / 2, for
        comparison (it is largest on memory-bound jobs)
    """
    unknown = set(thresholds) - set(RIGHTSIZING_DEFAULTS)
    if unknown:
        known = ", ".join(RIGHTSIZING_DEFAULTS)
        raise TypeError(f"unknown rightsizing threshold(s): {', '.join(sorted(unknown))}; known: {known}")
    t = {**RIGHTSIZING_DEFAULTS, **thresholds}
    frame = engine.execute(_sql("jobs"), {**filters.to_params(), "min_coverage": t["min_coverage"]})
    types = (
        engine.execute(_sql("node_types"), {}).sort_values("core_count", ascending=False).to_dict("records")
    )
    # node sizes joined here, from the one read of node_types the recommendation needs anyway
    sizes = {n["node_type"]: (n["core_count"], n["memory_mb"]) for n in types}
    for role in ("driver", "worker"):
        known = frame[f"{role}_node_type"].map(sizes)
        frame[f"{role}_cores"] = [k[0] if isinstance(k, tuple) else None for k in known]
        frame[f"{role}_memory_mb"] = [k[1] if isinstance(k, tuple) else None for k in known]
    frame["monthly_cost_usd"] = frame["list_cost_usd"].astype(float) * 30 / max(filters.days, 1e-9)
    judged = [_with_autoscale_note(_judge(row, t, types), row) for row in frame.to_dict("records")]
    out = pd.concat([frame, pd.DataFrame(judged, index=frame.index, columns=JUDGED_COLUMNS)], axis=1)
    out = out.sort_values(
        ["est_monthly_savings_usd", "workspace_id", "job_id"], ascending=[False, True, True], kind="stable"
    )
    return out.reset_index(drop=True)[_columns(out)]


FIRST_COLUMNS = [
    "workspace_id",
    "job_id",
    "job_name",
    "team",
    "over_provisioned",
    "verdict",
    "recommendation",
    "est_monthly_savings_usd",
    "savings_formula",
    "confidence",
    "confidence_reason",
]


JUDGED_COLUMNS = [
    *FIRST_COLUMNS[4:],
    "low_cpu",
    "high_memory",
    "no_autoscaling",
    "autoscale_never_scaled",
    "old_dbr",
    "naive_savings_usd",
]


def _columns(frame: pd.DataFrame) -> list[str]:
    return FIRST_COLUMNS + [c for c in frame.columns if c not in FIRST_COLUMNS]


def _num(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _judge(row: dict[str, Any], t: dict[str, float], types: list[dict[str, Any]]) -> dict[str, Any]:
    n = int(row["measured_runs"] or 0)
    w_cpu, w_mem = _num(row["worker_cpu_avg_pct"]), _num(row["worker_mem_avg_pct"])
    w_p95, w_peak = _num(row["worker_cpu_p95_pct"]), _num(row["worker_mem_peak_pct"])
    d_cpu, wait = _num(row["driver_cpu_avg_pct"]), _num(row["worker_cpu_wait_avg_pct"])
    low_share = _num(row["worker_low_share"])
    low = t["low_utilization_pct"]
    autoscale = (
        _num(row["min_autoscale_workers"]) is not None and _num(row["max_autoscale_workers"]) is not None
    )
    facts = {
        "low_cpu": w_cpu is not None and w_cpu < low,
        "high_memory": (w_mem is not None and w_mem >= t["high_memory_pct"])
        or (w_peak is not None and w_peak >= t["peak_memory_pct"]),
        "no_autoscaling": not autoscale,
        "autoscale_never_scaled": autoscale
        and n >= t["min_runs"]
        and _num(row["workers_max"]) is not None
        and row["workers_max"] <= row["min_autoscale_workers"],
        "old_dbr": _old_dbr(row["dbr_version"]),
        "naive_savings_usd": round(
            row["monthly_cost_usd"] * (1 - (_num(row["all_nodes_cpu_avg_pct"]) or 0) / 100) / 2, 2
        )
        if _num(row["all_nodes_cpu_avg_pct"]) is not None
        else None,
    }
    result = {
        "over_provisioned": False,
        "verdict": "ok",
        "recommendation": "",
        "est_monthly_savings_usd": 0.0,
        "savings_formula": None,
        **_confidence(n, _num(row["worker_cpu_run_stddev"]), t),
        **facts,
    }
    if n < t["min_runs"]:
        why = _unmeasured(row)
        result["recommendation"] = (
            f"{n} measured run(s) in the window, {int(t['min_runs'])} needed for a verdict{why}."
        )
        return result
    if facts["high_memory"]:
        result["verdict"] = "memory-bound"
        result["recommendation"] = (
            f"Workers' memory averages {w_mem:.0f} % (peak {w_peak:.0f} %, swap "
            f"{_num(row['worker_swap_avg_pct']) or 0:.1f} %) while CPU is at {w_cpu:.0f} %: do not shrink "
            "the cluster. If CPU stays low, a memory-optimized type with fewer cores per GB (e.g. r5 on AWS, "
            "E-series on Azure) can cost less for the same memory; fix spills before adding nodes."
        )
        return result
    if wait is not None and wait >= t["io_wait_pct"]:
        result["verdict"] = "io-bound"
        result["recommendation"] = (
            f"CPU waits on I/O {wait:.0f} % of the time (workers' CPU busy {w_cpu:.0f} %): more or bigger "
            "workers will not help. Look at the storage side: small files (OPTIMIZE, auto compaction), "
            "partition pruning, storage-optimized nodes with local SSD (i3 / L-series) or disk caching."
        )
        return result
    if d_cpu is not None and d_cpu >= t["driver_busy_pct"] and w_cpu is not None and w_cpu < low:
        size = _resize(row, w_p95, w_peak, t, types)
        result["verdict"] = "driver-bound"
        result["recommendation"] = (
            f"The driver is busy ({d_cpu:.0f} % CPU) while the workers idle ({w_cpu:.0f} % CPU, "
            f"{w_mem:.0f} % memory): the work runs on the driver (collect(), toPandas(), Python loops). "
            "Do not shrink the driver; move that work to Spark, or "
            + (f"{size['change']}, " if size["change"] else "use fewer workers ")
            + "or run it on a single-node cluster."
        )
        result.update(_saving(size))
        return result
    if low_share is not None and low_share >= t["low_share"] and w_cpu < low and w_mem < low:
        size = _resize(row, w_p95, w_peak, t, types)
        result["verdict"] = "over-provisioned"
        result["over_provisioned"] = True
        result["recommendation"] = (
            f"Workers are under {low:.0f} % CPU and memory in {low_share:.0%} of their node-minutes "
            f"(CPU avg {w_cpu:.0f} %, p95 {w_p95:.0f} %; memory avg {w_mem:.0f} %, peak {w_peak:.0f} %) over "
            f"{n} runs. "
            + (
                f"{size['change'][0].upper()}{size['change'][1:]}."
                if size["change"]
                else "No smaller size is known for this node type: review the cluster by hand."
            )
            + (f" {size['note']}" if size["note"] else "")
        )
        result.update(_saving(size))
        return result
    result["recommendation"] = (
        f"Sized about right: workers' CPU {w_cpu:.0f} % (p95 {w_p95:.0f} %), memory {w_mem:.0f} % "
        f"(peak {w_peak:.0f} %) over {n} runs."
    )
    return result


def _with_autoscale_note(result: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """Autoscaling that never left its minimum: the range is unused (said whatever the verdict)."""
    if result["autoscale_never_scaled"]:
        result["recommendation"] += (
            f" Autoscaling ({row['min_autoscale_workers']:.0f}-{row['max_autoscale_workers']:.0f} workers) never "
            f"went above its minimum in {int(row['measured_runs'])} runs: a fixed "
            f"{row['min_autoscale_workers']:.0f}-worker cluster behaves the same; lower max_workers or drop "
            "autoscaling."
        )
    return result


def _unmeasured(row: dict[str, Any]) -> str:
    parts = []
    if row["all_purpose_runs"]:
        parts.append(f"{row['all_purpose_runs']} on shared all-purpose clusters (not attributable)")
    if row["no_node_data_runs"]:
        parts.append(f"{row['no_node_data_runs']} without node data")
    if row["low_coverage_runs"]:
        parts.append(f"{row['low_coverage_runs']} with too few node minutes")
    return f"; of its {row['runs']} runs, " + ", ".join(parts) if parts else ""


def _confidence(n: int, spread: float | None, t: dict[str, float]) -> dict[str, Any]:
    spread_text = "" if spread is None else f", run-to-run spread of worker CPU {spread:.1f} points"
    if n < t["min_runs"]:
        level = "none"
    elif n >= 2 * t["min_runs"] and (spread is None or spread <= 10):
        level = "high"
    elif spread is None or spread <= 20:
        level = "medium"
    else:
        level = "low"
    return {"confidence": level, "confidence_reason": f"{n} measured runs{spread_text}"}


def _old_dbr(version: Any) -> bool:
    found = re.match(r"(\d+)\.", str(version or ""))
    return bool(found) and int(found.group(1)) < OLD_DBR_MAJOR


def _family(node_type: str) -> tuple[str, str] | None:
    """'m5.2xlarge' -> ('m5', 'aws'); 'Standard_DS4_v2' -> ('Standard_DS*_v2', 'azure')."""
    if "." in node_type:
        return node_type.split(".", 1)[0], "aws"
    found = re.match(r"^(Standard_[A-Za-z]+)(\d+)([A-Za-z]*)(_v\d+)?$", node_type)
    if found:
        return f"{found.group(1)}*{found.group(3)}{found.group(4) or ''}", "azure"
    return None


def _resize(
    row: dict[str, Any],
    cpu_p95: float | None,
    mem_peak: float | None,
    t: dict[str, float],
    types: pd.DataFrame,
) -> dict[str, Any]:
    """Fewer workers (or a lower autoscaling maximum), else a half-size node type of the same family."""
    autoscale = _num(row["max_autoscale_workers"]) is not None
    workers = _num(row["max_autoscale_workers"] if autoscale else row["worker_count"])
    workers = workers if workers is not None else _num(row["workers_max"])
    busiest = max(cpu_p95 or 0.0, mem_peak or 0.0) / 100
    w_cores = _num(row["worker_cores"])
    out: dict[str, Any] = {"change": "", "note": "", "old": None, "new": None, "row": row}
    if not workers:
        return out
    target = max(1, math.ceil(workers * busiest / t["target_utilization"]))
    if w_cores is None:
        out["note"] = (
            f"Node type {row['worker_node_type']} is not in system.compute.node_types: the saving is "
            "estimated by node count."
        )
    if target < workers:
        what = "autoscaling max_workers" if autoscale else "workers"
        out.update(
            change=f"reduce {what} from {workers:.0f} to {target} (sized for {t['target_utilization']:.0%} of "
            f"the busiest resource, {busiest:.0%} today)",
            old=workers,
            new=float(target),
        )
        return out
    smaller = _smaller_type(row["worker_node_type"], w_cores, row["worker_memory_mb"], mem_peak, types)
    if smaller is not None:
        out.update(
            change=f"use {smaller['node_type']} ({smaller['core_count']:.0f} cores) instead of "
            f"{row['worker_node_type']} ({w_cores:.0f} cores) for the {workers:.0f} worker{'' if workers == 1 else 's'}",
            old=workers,
            new=workers * smaller["core_count"] / w_cores,
        )
    return out


def _smaller_type(
    node_type: Any, cores: float | None, memory_mb: Any, mem_peak: float | None, types: list[dict[str, Any]]
) -> dict[str, Any] | None:
    family = _family(str(node_type or ""))
    if family is None or cores is None or _num(memory_mb) is None:
        return None
    needed_mb = float(memory_mb) * (mem_peak or 0) / 100
    for cand in types:  # largest first
        if _family(cand["node_type"]) != family or cand["core_count"] != cores / 2:
            continue
        if cand["memory_mb"] * 0.7 >= needed_mb:
            return cand
    return None


def _saving(size: dict[str, Any]) -> dict[str, Any]:
    """monthly cost x the workers' share of the cluster (by cores, else by node count) x the share cut."""
    if size["old"] is None or size["new"] is None:
        return {}
    row = size["row"]
    workers, monthly = size["old"], float(row["monthly_cost_usd"])
    d_cores, w_cores = _num(row["driver_cores"]), _num(row["worker_cores"])
    if d_cores is not None and w_cores is not None:
        share = workers * w_cores / (d_cores + workers * w_cores)
        basis = "cores"
    else:
        share = workers / (workers + 1)
        basis = "nodes"
    cut = 1 - size["new"] / workers
    saving = round(monthly * share * cut, 2)
    return {
        "est_monthly_savings_usd": saving,
        "savings_formula": (
            f"${monthly:,.2f}/month x workers' share of the cluster's {basis} {share:.0%} x "
            f"(1 - {size['new']:g}/{workers:g} worker capacity) = ${saving:,.2f}"
        ),
    }
