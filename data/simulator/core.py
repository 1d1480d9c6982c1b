"""generate(): build the whole demo workspace in a DuckDB file and return its ground-truth manifest."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from data.engines import connect_file
from data.schema import create_tables
from data.simulator import catalog as C
from data.simulator import load
from data.simulator.jobs import DAY, SCENARIO_KINDS, UTILIZATION_KINDS, build_jobs
from data.simulator.metadata import data_tables, jobs_tables
from data.simulator.runs import generate_runs

# Per-minute node metrics are by far the largest table (a real 5,000-job workspace has hundreds of
# millions of rows). Up to NODE_JOB_CAP jobs every job has them for the whole period; above it (the large
# benchmark workspace) the last SAMPLED_NODE_DAYS days (the analysis window) of the utilization scenarios'
# jobs and of a random sample of about NODE_JOB_CAP others: ~11M rows, which a 2-core machine generates
# and rolls up at refresh in seconds.
SAMPLED_NODE_DAYS = 30
NODE_JOB_CAP = 400
# DuckDB's own memory budget while loading (each INSERT commits on its own, so nothing piles up).
MEMORY_LIMIT = "768MB"


def _iso(sec: int | float) -> str:
    return datetime.fromtimestamp(int(sec), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _end(end: datetime | None) -> int:
    if end is None:
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    elif end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    return int(end.timestamp())


def generate(
    db_path: str | Path,
    seed: int = 7,
    jobs: int = 300,
    days: int = 90,
    end: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    manifest_path: str | Path | None = None,
    problems: bool = True,
) -> dict:
    """(Re)create every system and collected table in ``db_path`` and fill it with a simulated workspace.

    Parameters
    ----------
    db_path : str or Path
        DuckDB database file; other schemas in it (``monitor``...) are left alone.
    seed : int
        Random seed: the same seed, jobs, days and end give identical tables.
    jobs : int
        Number of jobs over both workspaces.
    days : int
        Length of the window ending at ``end``.
    end : datetime, optional
        End of the window (naive means UTC); defaults to now truncated to the hour.
    progress : callable, optional
        Receives one short message per step.
    manifest_path : str or Path, optional
        Where the manifest goes (default ``<db_path>.manifest.json``; a file built aside and swapped in
        names its final place).
    problems : bool
        False: no injected scenario and no all-purpose job, a workspace no alert rule may fire on.

    Returns
    -------
    dict
        The ground-truth manifest (also written to ``<db_path>.manifest.json``).
    """
    say = progress or (lambda _msg: None)
    t_start = time.perf_counter()
    end_s = _end(end)
    start_s = end_s - days * DAY
    newcols_s = int(end_s - 0.6 * days * DAY)
    rng = np.random.default_rng(seed)

    job_list, summary = build_jobs(rng, jobs, start_s, end_s, problems=problems)
    manifest: dict = {
        "seed": seed,
        "jobs": jobs,
        "days": days,
        "end": _iso(end_s),
        "start": _iso(start_s),
        "workspaces": list(C.WORKSPACES),
        "account_id": C.ACCOUNT_ID,
        "scenarios": [],
        "problems": problems,
    }
    runs, atts, tasks, tt = generate_runs(rng, job_list, start_s, end_s, manifest)
    say(f"simulated {len(job_list)} jobs, {len(runs.job)} runs, {len(tasks.t0)} task runs")

    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = connect_file(db_path)
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        # bounded memory: DuckDB spills instead of holding millions of pending rows
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        create_tables(con, replace=True)
        load.job_dimension(con, job_list)
        jobs_tables(con, job_list, newcols_s)
        load.attempts_table(con, runs, atts, seed)
        load.run_timeline(con, runs, atts, newcols_s, end_s)
        load.task_timeline(con, runs, atts, tasks, tt, newcols_s)
        say("wrote jobs and run timelines")
        corrections = load.billing(con, rng, job_list, runs, atts, start_s, end_s, seed, set())
        price = load.list_prices(con, start_s, end_s)
        load.clusters(con, job_list, start_s)
        load.node_types(con)
        say("wrote billing and clusters")
        sample = np.ones(len(job_list), dtype=bool)
        node_days = days
        if len(job_list) > NODE_JOB_CAP:
            keep = rng.random(len(job_list)) < NODE_JOB_CAP / len(job_list)
            util = np.array([j.scenario in UTILIZATION_KINDS for j in job_list])
            sample = keep | util
            node_days = min(SAMPLED_NODE_DAYS, days)
        node_rows = load.node_timeline(con, seed, job_list, runs, atts, end_s, node_days, sample)
        say(f"wrote {node_rows} node_timeline rows")
        info = data_tables(con, rng, job_list, runs, atts, start_s, end_s, seed)
        for name in ("sim_jobs", "sim_names"):
            con.unregister(name)
        con.execute("DROP TABLE IF EXISTS sim_att")
        con.execute("CHECKPOINT")
    finally:
        con.close()

    _fill_manifest(manifest, job_list, summary, runs, corrections, price, node_rows, sample, node_days, info)
    target = Path(manifest_path) if manifest_path else Path(db_path).with_suffix(".manifest.json")
    target.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    say(f"demo workspace generated in {time.perf_counter() - t_start:.1f} s")
    return manifest


def _key(j) -> list[str]:
    return [C.WORKSPACES[j.ws], j.job_id]


def _fill_manifest(
    manifest, job_list, summary, runs, corrections, price, node_rows, sample, node_days, info
) -> None:
    for kind in SCENARIO_KINDS:
        for j in job_list:
            if j.scenario != kind:
                continue
            details = dict(j.extra.get("details", {}))
            details.setdefault("job_name", j.name)
            if j.scenario in UTILIZATION_KINDS and j.scenario != "dbu_spike":
                details.update(
                    {
                        "worker_cpu_level": round(j.cpu, 1),
                        "worker_mem_level": round(j.mem, 1),
                        "driver_cpu_level": round(j.driver_cpu, 1),
                        "cpu_wait_level": round(j.cpu_wait, 1),
                        "node_type": j.node_type,
                        "workers": j.workers,
                        "autoscale": list(j.autoscale) if j.autoscale else None,
                    }
                )
            if j.scenario == "zombie":
                details.update({"target_tables": j.targets, "rows_written": 0, "readers": 0})
            if j.scenario == "schema_drift" and "snapshot_time" in details:
                details["snapshot_time"] = _iso(details["snapshot_time"])
            run_ids = [str(runs.run_id[r]) for r in j.extra.get("run_idx", [])]
            entry = {
                "kind": kind,
                "workspace_id": C.WORKSPACES[j.ws],
                "job_id": j.job_id,
                "run_ids": run_ids,
                "details": details,
            }
            if j.sla:
                entry["details"]["sla"] = j.sla
            manifest["scenarios"].append(entry)
    manifest["clean_jobs"] = [_key(j) for j in job_list if j.scenario is None]
    manifest["sla_targets"] = [
        {
            "workspace_id": C.WORKSPACES[j.ws],
            "job_id": j.job_id,
            **j.sla,
            "breached": j.scenario == "sla_breach",
        }
        for j in job_list
        if j.sla
    ]
    manifest["special_jobs"] = {
        "xss_name": _key(job_list[0]),
        "quoted_team": {"team": 'O\'Brien "ops"', "job": _key(job_list[1])},
        "paused": [_key(j) for j in summary["paused"]],
        "deleted": [_key(j) for j in summary["deleted"]],
        "renamed": [_key(j) for j in summary["renamed"]],
        "old_rows_only": [_key(j) for j in summary["old_rows_only"]],
        "new_in_window": [_key(j) for j in summary["new_in_window"]],
        "all_purpose": [_key(j) for j in job_list if j.compute == "all_purpose"],
        "serverless": [_key(j) for j in job_list if j.compute == "serverless"],
        "shared_job_ids": [a.job_id for a, _ in summary["shared_job_ids"]],
    }
    by = {}
    for j in job_list:
        by[j.attribution] = by.get(j.attribution, 0) + 1
    manifest["team_attribution"] = {
        "tag_key": "team",
        "counts": by,
        "name_prefix_rules": [{"prefix": p, "team": t} for p, t in C.NAME_PREFIX_RULES.items()],
        "billing_tag_key": "team",
    }
    manifest["price_change"] = {**price, "change_time": _iso(price["change_time"])}
    manifest["billing_corrections"] = corrections
    manifest["node_timeline"] = {
        "days": node_days,
        "jobs_sampled": int(sample.sum()),
        "jobs_total": len(job_list),
        "rows": int(node_rows),
    }
    manifest["counts"] = {"job_runs": int(len(runs.job))}
    manifest["notes"] = [
        f"node_timeline covers the last {node_days} days"
        + (
            ""
            if sample.all()
            else f" and a sample of {int(sample.sum())} of {len(job_list)} jobs (all utilization scenarios included)"
        ),
        "billing has no ingestion lag: every finished hour is billed (ingestion_date = usage_date + 1)",
        "job clusters are one per run attempt (a repair gets a new cluster); all-purpose jobs share one UI cluster per workspace and their usage has no job ids",
        "PREDICTIVE_OPTIMIZATION usage is billed on the serverless jobs SKU with no job ids (sku LIKE '%JOBS%' over-counts)",
        "clean jobs may fail rarely (never twice in a row, never in their last 3 completed runs); some failures are repaired",
        "demo.job_settings holds Jobs API 2.2 settings of every job not deleted",
        f"{info.get('unread_tables_given_notebook_readers', 0)} leaf tables are read by notebooks so only zombie tables are unread",
        "rows before the newer-columns cutover have NULL in the newer columns of jobs and run timelines",
        "collected.table_collection lists every written table as read at the last snapshot, and "
        f"{', '.join(info.get('restricted_tables', []))} as unreadable (PERMISSION_DENIED: no history, no snapshots)",
    ]
    if summary.get("skipped_kinds"):
        manifest["notes"].append(f"not enough jobs for scenarios: {sorted(set(summary['skipped_kinds']))}")
