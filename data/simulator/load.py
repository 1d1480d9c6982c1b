"""Bulk loading of the simulated workspace into DuckDB.

numpy arrays become Arrow tables registered on the connection; each system table is then filled by one
``INSERT ... BY NAME SELECT`` that builds strings, structs and maps inside DuckDB.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from data.simulator import catalog as C
from data.simulator.jobs import DAY, HOUR, Job
from data.simulator.runs import RUNNING, STATES, TERM_CODES, TERM_TYPES, hour_slices

S = "CAST(NULL AS VARCHAR)"


def ts(sec: np.ndarray) -> pa.Array:
    """Seconds since the epoch -> Arrow UTC timestamps (whole seconds)."""
    return pa.array(np.round(np.asarray(sec, dtype=np.float64)).astype(np.int64), pa.timestamp("s", tz="UTC"))


def _map(dicts: list[dict[str, str]]) -> pa.Array:
    return pa.array([list(d.items()) for d in dicts], type=pa.map_(pa.string(), pa.string()))


def register(con, name: str, cols: dict) -> None:
    arrays = {
        k: (v if isinstance(v, pa.Array | pa.ChunkedArray) else pa.array(v, from_pandas=True))
        for k, v in cols.items()
    }
    con.register(name, pa.table(arrays))


def _sql_list(values) -> str:
    return "[" + ", ".join("NULL" if v is None else f"'{v}'" for v in values) + "]"


def _state_sql(col: str) -> str:
    """result_state and termination_code from the integer state code (strings are made in DuckDB)."""
    return f"{_sql_list(STATES)}[{col} + 1] AS result_state, {_sql_list(TERM_CODES)}[{col} + 1] AS termination_code"


def _type_sql(col: str) -> str:
    return f"{_sql_list(TERM_TYPES)}[{col} + 1]"


def job_dimension(con, jobs: list[Job]) -> None:
    """sim_jobs: per-job constants the fact tables join to; sim_names: every name a job has had."""
    custom = []
    for j in jobs:
        d = dict(j.tags)
        d.update(j.cluster_tags)
        if j.compute == "job":
            d.update({"JobId": j.job_id, "ClusterName": f"job-{j.job_id}"})
        custom.append(d)
    sku = [
        C.SKU_SERVERLESS if j.compute == "serverless" else C.SKU_JOBS_PHOTON if j.photon else C.SKU_JOBS
        for j in jobs
    ]
    register(
        con,
        "sim_jobs",
        {
            "j": np.arange(len(jobs)),
            "workspace_id": [C.WORKSPACES[j.ws] for j in jobs],
            "job_id": [j.job_id for j in jobs],
            "job_name": [j.name for j in jobs],
            "compute_kind": [j.compute for j in jobs],
            "ap_cluster_id": [
                f"0101-000000-allpurp{j.ap_cluster}" if j.ap_cluster >= 0 else None for j in jobs
            ],
            "node_type": [j.node_type for j in jobs],
            "driver_node_type": [j.driver_node_type for j in jobs],
            "sku_name": sku,
            "is_photon": [j.photon for j in jobs],
            "run_as": [j.run_as for j in jobs],
            "job_tags": _map([j.tags for j in jobs]),
            "custom_tags": _map(custom),
            "min_w": [j.autoscale[0] if j.autoscale else None for j in jobs],
            "max_w": [j.autoscale[1] if j.autoscale else None for j in jobs],
            "fixed_w": [None if j.autoscale else j.workers for j in jobs],
            "dbr": [j.spark_version for j in jobs],
            "team": [j.team for j in jobs],
        },
    )
    names, owners = [], []
    for j in jobs:
        for _, nm in j.name_history:
            names.append(nm)
            owners.append(j.idx)
    register(con, "sim_names", {"name_idx": np.arange(len(names)), "j": owners, "run_name": names})


def attempts_table(con, runs, atts, seed: int) -> None:
    """sim_att: one row per run attempt with its cluster id (job clusters are created per attempt)."""
    register(
        con,
        "sim_att_src",
        {
            "a": np.arange(len(atts.run)),
            "j": runs.job[atts.run],
            "run_id": runs.run_id[atts.run],
            "att": atts.att,
            "t0": ts(atts.t0),
            "t1": ts(atts.t1),
            "workers": runs.workers[atts.run],
            "name_idx": runs.name_idx[atts.run],
        },
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE sim_att AS
        SELECT s.*, CASE j.compute_kind
                 WHEN 'job' THEN strftime(s.t0, '%m%d-%H%M%S-') || substr(md5('{seed}:' || s.run_id || ':' || s.att), 1, 8)
                 WHEN 'all_purpose' THEN j.ap_cluster_id END AS cluster_id
        FROM sim_att_src s JOIN sim_jobs j USING (j)
        """
    )
    con.unregister("sim_att_src")


def run_timeline(con, runs, atts, newcols_s: int, end_s: int) -> None:
    # A run still in progress has rows up to the workspace's "now" only: the system table holds what has
    # happened, so no row may end in the future (the task timeline and billing stop there too).
    src, s, e, last, _ = hour_slices(atts.t0, np.where(atts.running, np.minimum(atts.t1, end_s), atts.t1))
    terminal = last & ~atts.running[src]
    st = np.where(terminal, atts.state[src], RUNNING)
    r = atts.run[src]
    register(
        con,
        "sim_jrt",
        {
            "a": src,
            "s": ts(s),
            "e": ts(e),
            "terminal": terminal,
            "st": st.astype(np.int8),
            "manual": runs.manual[r],
            "queue_s": np.where(terminal, runs.queue_s[r], np.nan),
            "setup_s": np.where(terminal, atts.x0[src] - atts.t0[src], np.nan),
            "exec_s": np.where(terminal, atts.x1[src] - atts.x0[src], np.nan),
            "run_s": np.where(terminal, atts.t1[src] - atts.t0[src], np.nan),
            "newer": s >= newcols_s,
        },
    )
    con.execute(
        f"""
        INSERT INTO lakeflow.job_run_timeline BY NAME
        SELECT '{C.ACCOUNT_ID}' AS account_id, j.workspace_id, j.job_id, CAST(a.run_id AS VARCHAR) AS run_id,
          r.s AS period_start_time, r.e AS period_end_time,
          CASE WHEN r.manual THEN 'ONETIME' ELSE 'CRON' END AS trigger_type, 'JOB_RUN' AS run_type,
          n.run_name, CASE WHEN a.cluster_id IS NULL THEN [] ELSE [a.cluster_id] END AS compute_ids,
          {_state_sql("r.st")}, MAP {{}}::MAP(VARCHAR, VARCHAR) AS job_parameters,
          {S} AS source_task_run_id, {S} AS root_task_run_id,
          CASE WHEN r.newer THEN [struct_pack(type := CASE WHEN a.cluster_id IS NULL THEN 'SERVERLESS' ELSE 'CLUSTER' END,
                                              cluster_id := a.cluster_id, warehouse_id := {S})] END AS compute,
          CASE WHEN r.newer THEN {_type_sql("r.st")} END AS termination_type,
          CASE WHEN r.newer THEN CAST(round(r.setup_s) AS BIGINT) END AS setup_duration_seconds,
          CASE WHEN r.newer THEN CAST(round(r.queue_s) AS BIGINT) END AS queue_duration_seconds,
          CASE WHEN r.newer THEN CAST(round(r.run_s) AS BIGINT) END AS run_duration_seconds,
          CASE WHEN r.newer AND r.terminal THEN 20 END AS cleanup_duration_seconds,
          CASE WHEN r.newer THEN CAST(round(r.exec_s) AS BIGINT) END AS execution_duration_seconds
        FROM sim_jrt r JOIN sim_att a USING (a) JOIN sim_jobs j ON j.j = a.j JOIN sim_names n ON n.name_idx = a.name_idx
        """
    )
    con.unregister("sim_jrt")


def task_timeline(con, runs, atts, tasks, tt, newcols_s: int) -> None:
    src, s, e, last, _ = hour_slices(tasks.t0, tasks.t1)
    running = tasks.state[src] == RUNNING
    terminal = last & ~running
    st = np.where(terminal, tasks.state[src], RUNNING)
    register(con, "sim_taskkeys", {"ti": np.arange(len(tt.key)), "task_key": tt.key})
    register(
        con,
        "sim_trt",
        {
            "a": tasks.attempt[src],
            "task_run_id": tasks.run_id[src],
            "ti": tasks.task[src],
            "s": ts(s),
            "e": ts(e),
            "st": st.astype(np.int8),
            "exec_s": np.where(terminal, tasks.t1[src] - tasks.t0[src], np.nan),
            "newer": s >= newcols_s,
        },
    )
    con.execute(
        f"""
        INSERT INTO lakeflow.job_task_run_timeline BY NAME
        SELECT '{C.ACCOUNT_ID}' AS account_id, j.workspace_id, j.job_id, CAST(t.task_run_id AS VARCHAR) AS run_id,
          CAST(a.run_id AS VARCHAR) AS job_run_id, CAST(a.run_id AS VARCHAR) AS parent_run_id,
          t.s AS period_start_time, t.e AS period_end_time, k.task_key,
          CASE WHEN a.cluster_id IS NULL THEN [] ELSE [a.cluster_id] END AS compute_ids,
          {_state_sql("t.st")},
          CASE WHEN t.newer THEN [struct_pack(type := CASE WHEN a.cluster_id IS NULL THEN 'SERVERLESS' ELSE 'CLUSTER' END,
                                              cluster_id := a.cluster_id, warehouse_id := {S})] END AS compute,
          CASE WHEN t.newer THEN {_type_sql("t.st")} END AS termination_type,
          MAP {{}}::MAP(VARCHAR, VARCHAR) AS task_parameters,
          CASE WHEN t.newer AND t.exec_s IS NOT NULL THEN 0 END AS setup_duration_seconds,
          CASE WHEN t.newer AND t.exec_s IS NOT NULL THEN 0 END AS cleanup_duration_seconds,
          CASE WHEN t.newer THEN CAST(round(t.exec_s) AS BIGINT) END AS execution_duration_seconds
        FROM sim_trt t JOIN sim_att a USING (a) JOIN sim_jobs j ON j.j = a.j JOIN sim_taskkeys k USING (ti)
        """
    )
    con.unregister("sim_trt")
    con.unregister("sim_taskkeys")


def billing(
    con, rng, jobs: list[Job], runs, atts, start_s: int, end_s: int, seed: int, scen_jobs: set
) -> dict:
    """Hourly JOBS usage per run attempt, all-purpose and predictive-optimization usage, corrections."""
    compute = np.array([j.compute for j in jobs], dtype=object)
    jb = runs.job[atts.run]
    billed = compute[jb] != "all_purpose"
    ai = np.flatnonzero(billed & (atts.state != 5))
    t1 = np.minimum(atts.t1[ai], end_s)
    src, s, e, _, hs = hour_slices(atts.t0[ai], t1)
    a = ai[src]
    rates = np.array([[C.NODE_TYPES[j.driver_node_type][2], C.NODE_TYPES[j.node_type][2]] for j in jobs])
    fac = np.array([C.PHOTON_DBU_FACTOR if j.photon else 1.0 for j in jobs])
    dbu_h = (rates[jb[a], 0] + runs.workers[atts.run[a]] * rates[jb[a], 1]) * fac[jb[a]]
    qty = dbu_h * (e - s) / HOUR
    # serverless: several rows per hour share one job_run_id (0.6 + 0.4 of the hour's usage)
    sl = compute[jb[a]] == "serverless"
    rep = np.where(sl, 2, 1)
    idx = np.repeat(np.arange(len(a)), rep)
    part = np.arange(len(idx)) - np.repeat(np.cumsum(rep) - rep, rep)
    qty = np.where(sl[idx], np.where(part == 0, 0.6, 0.4), 1.0) * qty[idx]
    a, hs = a[idx], hs[idx]
    # corrections on old rows of clean classic jobs: RETRACTION + RESTATEMENT pairs, and one retraction alone
    n_pairs = max(3, len(jobs) // 60)
    clean = np.array([j.scenario is None and j.compute == "job" for j in jobs])
    pool = np.flatnonzero(clean[jb[a]] & (hs < end_s - 10 * DAY) & (atts.att[a] == 0))
    corr = np.zeros(len(a), dtype=np.int8)
    if len(pool):
        pick = rng.choice(pool, size=min(len(pool), n_pairs + 1), replace=False)
        corr[pick[:-1]] = 1
        corr[pick[-1]] = 2
    register(
        con,
        "sim_bill",
        {
            "k": np.arange(len(a)),
            "a": a,
            "hs": ts(hs),
            "qty": np.round(qty, 6),
            "corr": corr,
        },
    )
    usage_select = f"""
        SELECT md5('{seed}:u:' || b.k) AS rid, b.k, b.corr, '{C.ACCOUNT_ID}' AS account_id, j.workspace_id, j.sku_name,
          '{C.CLOUD}' AS cloud, b.hs AS usage_start_time, b.hs + INTERVAL 1 HOUR AS usage_end_time,
          CAST(b.hs AS DATE) AS usage_date, j.custom_tags, 'DBU' AS usage_unit,
          CAST(b.qty AS DECIMAL(38, 18)) AS usage_quantity,
          struct_pack(cluster_id := a.cluster_id, job_id := j.job_id, warehouse_id := {S}, instance_pool_id := {S},
            node_type := CASE WHEN a.cluster_id IS NOT NULL THEN j.node_type END,
            job_run_id := CAST(a.run_id AS VARCHAR), notebook_id := {S}, dlt_pipeline_id := {S},
            endpoint_name := {S}, endpoint_id := {S}, dlt_update_id := {S}, dlt_maintenance_id := {S},
            run_name := {S}, job_name := j.job_name, notebook_path := {S}) AS usage_metadata,
          struct_pack(run_as := j.run_as, created_by := {S}, owned_by := {S}, run_by := {S}) AS identity_metadata,
          CAST(b.hs AS DATE) + 1 AS ingestion_date, 'JOBS' AS billing_origin_product,
          struct_pack(jobs_tier := 'PREMIUM', sql_tier := {S}, dlt_tier := {S},
            is_serverless := j.compute_kind = 'serverless', is_photon := j.is_photon, serving_type := {S},
            performance_target := CASE WHEN j.compute_kind = 'serverless' THEN 'PERFORMANCE_OPTIMIZED' END)
            AS product_features,
          'COMPUTE_TIME' AS usage_type
        FROM sim_bill b JOIN sim_att a USING (a) JOIN sim_jobs j ON j.j = a.j
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE sim_usage AS {usage_select}")
    cols = "account_id, workspace_id, sku_name, cloud, usage_start_time, usage_end_time, usage_date, custom_tags, usage_unit, usage_metadata, identity_metadata, billing_origin_product, product_features, usage_type"
    uuid = "substr({x},1,8)||'-'||substr({x},9,4)||'-'||substr({x},13,4)||'-'||substr({x},17,4)||'-'||substr({x},21,12)"
    con.execute(
        f"""
        INSERT INTO billing.usage BY NAME
        SELECT {uuid.format(x="rid")} AS record_id, {cols}, usage_quantity, 'ORIGINAL' AS record_type, ingestion_date
        FROM sim_usage
        UNION ALL
        SELECT {uuid.format(x="md5(rid || ':r')")}, {cols}, -usage_quantity, 'RETRACTION', ingestion_date + 3
        FROM sim_usage WHERE corr > 0
        UNION ALL
        SELECT {uuid.format(x="md5(rid || ':s')")}, {cols}, CAST(usage_quantity * 0.9 AS DECIMAL(38, 18)), 'RESTATEMENT', ingestion_date + 3
        FROM sim_usage WHERE corr = 1
        """
    )
    corrections = con.execute(
        "SELECT usage_metadata.job_run_id, corr FROM sim_usage WHERE corr > 0 ORDER BY k"
    ).fetchall()
    con.execute("DROP TABLE sim_usage")
    con.unregister("sim_bill")

    # all-purpose clusters: billed hourly with no job ids; predictive optimization on a serverless jobs SKU
    hours = np.arange((start_s // HOUR), (end_s // HOUR), dtype=np.int64) * HOUR
    ap_ws = sorted({j.ap_cluster for j in jobs if j.ap_cluster >= 0})
    po_days = np.arange(start_s // DAY, end_s // DAY, dtype=np.int64) * DAY
    rows_ws, rows_t, rows_q, rows_kind = [], [], [], []
    for w in ap_ws:
        rows_ws.append(np.full(len(hours), w))
        rows_t.append(hours)
        rows_q.append(np.round(rng.uniform(3.5, 4.5, len(hours)) * 2.0, 6))
        rows_kind.append(np.full(len(hours), "ap"))
    for w in (0, 1):
        rows_ws.append(np.full(len(po_days), w))
        rows_t.append(po_days)
        rows_q.append(np.round(rng.uniform(0.5, 3.0, len(po_days)), 6))
        rows_kind.append(np.full(len(po_days), "po"))
    register(
        con,
        "sim_other",
        {
            "k": np.arange(sum(len(x) for x in rows_t)),
            "ws": np.concatenate(rows_ws),
            "hs": ts(np.concatenate(rows_t)),
            "qty": np.concatenate(rows_q),
            "kind": np.concatenate(rows_kind).astype(object),
        },
    )
    con.execute(
        f"""
        INSERT INTO billing.usage BY NAME
        WITH o AS (SELECT *, md5('{seed}:o:' || k) AS rid,
                     CASE ws WHEN 0 THEN '{C.WORKSPACES[0]}' ELSE '{C.WORKSPACES[1]}' END AS workspace_id FROM sim_other)
        SELECT {uuid.format(x="rid")} AS record_id, '{C.ACCOUNT_ID}' AS account_id, workspace_id,
          CASE kind WHEN 'ap' THEN '{C.SKU_ALL_PURPOSE}' ELSE '{C.SKU_SERVERLESS}' END AS sku_name,
          '{C.CLOUD}' AS cloud, hs AS usage_start_time,
          hs + CASE kind WHEN 'ap' THEN INTERVAL 1 HOUR ELSE INTERVAL 1 DAY END AS usage_end_time,
          CAST(hs AS DATE) AS usage_date,
          CASE kind WHEN 'ap' THEN MAP {{'team': 'data-platform'}} ELSE MAP {{}}::MAP(VARCHAR, VARCHAR) END AS custom_tags,
          'DBU' AS usage_unit, CAST(qty AS DECIMAL(38, 18)) AS usage_quantity,
          struct_pack(cluster_id := CASE kind WHEN 'ap' THEN '0101-000000-allpurp' || ws END, job_id := {S},
            warehouse_id := {S}, instance_pool_id := {S}, node_type := CASE kind WHEN 'ap' THEN 'i3.2xlarge' END,
            job_run_id := {S}, notebook_id := {S}, dlt_pipeline_id := {S}, endpoint_name := {S}, endpoint_id := {S},
            dlt_update_id := {S}, dlt_maintenance_id := {S}, run_name := {S}, job_name := {S}, notebook_path := {S})
            AS usage_metadata,
          struct_pack(run_as := {S}, created_by := {S}, owned_by := CASE kind WHEN 'ap' THEN 'ana.silva@example.com' END,
            run_by := {S}) AS identity_metadata,
          'ORIGINAL' AS record_type, CAST(hs AS DATE) + 1 AS ingestion_date,
          CASE kind WHEN 'ap' THEN 'ALL_PURPOSE' ELSE 'PREDICTIVE_OPTIMIZATION' END AS billing_origin_product,
          struct_pack(jobs_tier := CASE kind WHEN 'po' THEN 'PREMIUM' END, sql_tier := {S}, dlt_tier := {S},
            is_serverless := kind = 'po', is_photon := false, serving_type := {S}, performance_target := {S})
            AS product_features,
          CASE kind WHEN 'ap' THEN 'COMPUTE_TIME' ELSE 'COMPUTE_TIME' END AS usage_type
        FROM o
        """
    )
    con.unregister("sim_other")
    return {
        "restated_job_run_ids": sorted({r for r, c in corrections if c == 1}),
        "retracted_only_job_run_ids": sorted({r for r, c in corrections if c == 2}),
    }


def list_prices(con, start_s: int, end_s: int) -> dict:
    change_s = int((end_s - (end_s - start_s) * C.PRICE_CHANGE_AT) // DAY * DAY)
    far = 1_672_531_200  # 2023-01-01
    rows = []
    for sku, price in C.LIST_PRICES.items():
        if sku == C.PRICE_CHANGE_SKU:
            rows.append((far, change_s, sku, price))
            rows.append((change_s, None, sku, C.PRICE_CHANGE_NEW))
        else:
            rows.append((far, None, sku, price))
    register(
        con,
        "sim_prices",
        {
            "ps": ts([r[0] for r in rows]),
            "pe": pa.array([None if r[1] is None else r[1] for r in rows], pa.int64()).cast(
                pa.timestamp("s", tz="UTC")
            ),
            "sku": [r[2] for r in rows],
            "price": [r[3] for r in rows],
        },
    )
    con.execute(
        f"""
        INSERT INTO billing.list_prices BY NAME
        SELECT ps AS price_start_time, pe AS price_end_time, '{C.ACCOUNT_ID}' AS account_id, sku AS sku_name,
          '{C.CLOUD}' AS cloud, 'USD' AS currency_code, 'DBU' AS usage_unit,
          struct_pack("default" := CAST(price AS DECIMAL(38, 18)),
                      promotional := struct_pack("default" := CAST(NULL AS DECIMAL(38, 18))),
                      effective_list := struct_pack("default" := CAST(price AS DECIMAL(38, 18)))) AS pricing
        FROM sim_prices
        """
    )
    con.unregister("sim_prices")
    return {
        "sku_name": C.PRICE_CHANGE_SKU,
        "change_time": change_s,
        "old": C.LIST_PRICES[C.PRICE_CHANGE_SKU],
        "new": C.PRICE_CHANGE_NEW,
    }


def clusters(con, jobs: list[Job], start_s: int) -> None:
    con.execute(
        f"""
        INSERT INTO compute.clusters BY NAME
        SELECT '{C.ACCOUNT_ID}' AS account_id, j.workspace_id, a.cluster_id,
          'job-' || j.job_id || '-run-' || a.run_id AS cluster_name, j.run_as AS owned_by,
          a.t0 AS create_time, {S}::TIMESTAMPTZ AS delete_time, j.driver_node_type AS driver_node_type,
          j.node_type AS worker_node_type, CAST(j.fixed_w AS BIGINT) AS worker_count,
          CAST(j.min_w AS BIGINT) AS min_autoscale_workers, CAST(j.max_w AS BIGINT) AS max_autoscale_workers,
          CAST(NULL AS BIGINT) AS auto_termination_minutes, true AS enable_elastic_disk, j.custom_tags AS tags,
          'JOB' AS cluster_source,
          struct_pack(availability := 'SPOT_WITH_FALLBACK', first_on_demand := 1, zone_id := 'auto') AS aws_attributes,
          j.dbr AS dbr_version, a.t0 AS change_time, CAST(a.t0 AS DATE) AS change_date
        FROM sim_att a JOIN sim_jobs j ON j.j = a.j
        WHERE j.compute_kind = 'job'
        """
    )
    ap = sorted({j.ap_cluster for j in jobs if j.ap_cluster >= 0})
    for w in ap:
        for k, (t, workers) in enumerate(((start_s - 200 * DAY, 2), (start_s - 20 * DAY, 4))):
            con.execute(
                f"""
                INSERT INTO compute.clusters BY NAME
                SELECT '{C.ACCOUNT_ID}' AS account_id, '{C.WORKSPACES[w]}' AS workspace_id,
                  '0101-000000-allpurp{w}' AS cluster_id, 'shared-analytics-{w}' AS cluster_name,
                  'ana.silva@example.com' AS owned_by, to_timestamp({start_s - 200 * DAY}) AS create_time,
                  'i3.2xlarge' AS driver_node_type, 'i3.2xlarge' AS worker_node_type, {workers} AS worker_count,
                  120 AS auto_termination_minutes, true AS enable_elastic_disk,
                  MAP {{'team': 'data-platform'}} AS tags, 'UI' AS cluster_source, '15.4.x-scala2.12' AS dbr_version,
                  to_timestamp({t}) AS change_time, CAST(to_timestamp({t}) AS DATE) AS change_date
                """
            )
            del k


def node_types(con) -> None:
    register(
        con,
        "sim_nt",
        {
            "node_type": list(C.NODE_TYPES),
            "cores": [v[0] for v in C.NODE_TYPES.values()],
            "mem": [v[1] for v in C.NODE_TYPES.values()],
            "gpu": [C.GPU_NODE_TYPES.get(k, 0) for k in C.NODE_TYPES],
        },
    )
    con.execute(
        f"""INSERT INTO compute.node_types BY NAME SELECT '{C.ACCOUNT_ID}' AS account_id, node_type,
        cores AS core_count, mem AS memory_mb, gpu AS gpu_count FROM sim_nt"""
    )
    con.unregister("sim_nt")


NODE_CHUNK_ROWS = 1_500_000  # per-minute rows generated and inserted at a time (bounded memory)


def node_timeline(
    con, seed: int, jobs: list[Job], runs, atts, end_s: int, node_days: int, sample: np.ndarray
) -> int:
    """Per-minute metrics of every instance of the sampled job clusters over the last ``node_days``.

    Workers sit near the job's cpu/mem levels, the driver near its own CPU; an autoscaling cluster that
    scales has its workers above the minimum for part of each run only. Generated in chunks of attempts
    (``NODE_CHUNK_ROWS`` rows) from a generator of its own, so its size moves no other table's draws.
    """
    rng = np.random.default_rng(seed + 16)
    compute = np.array([j.compute for j in jobs], dtype=object)
    jb = runs.job[atts.run]
    sel = np.flatnonzero((compute[jb] == "job") & (atts.t1 > end_s - node_days * DAY) & sample[jb])
    minutes = np.maximum(np.ceil(np.minimum(atts.t1[sel], end_s) / 60) - np.floor(atts.t0[sel] / 60), 1)
    rows_per = minutes * (1 + runs.workers[atts.run[sel]])
    chunk_of = np.floor(np.cumsum(rows_per) / NODE_CHUNK_ROWS).astype(np.int64)
    total = 0
    for chunk in np.unique(chunk_of):
        total += _node_chunk(con, rng, jobs, runs, atts, jb, sel[chunk_of == chunk], end_s)
    return total


def _node_chunk(con, rng, jobs: list[Job], runs, atts, jb, sel: np.ndarray, end_s: int) -> int:
    n_inst = 1 + runs.workers[atts.run[sel]]
    ai = np.repeat(sel, n_inst)
    inst = np.arange(len(ai)) - np.repeat(np.cumsum(n_inst) - n_inst, n_inst)
    m0 = np.floor(atts.t0[ai] / 60).astype(np.int64)
    m1 = np.ceil(np.minimum(atts.t1[ai], end_s) / 60).astype(np.int64)
    # autoscaling that scales: a worker above the minimum joins after 10-30 % of the run, leaves at 70-90 %
    min_w = np.array([j.autoscale[0] if j.autoscale and j.scales else 10**6 for j in jobs])[jb[ai]]
    extra = inst > min_w
    span = m1 - m0
    m0 = np.where(extra, m0 + (span * (0.1 + 0.02 * (inst % 11))).astype(np.int64), m0)
    m1 = np.where(extra, m1 - (span * (0.1 + 0.02 * (inst % 7))).astype(np.int64), m1)
    k = np.maximum(m1 - m0, 1)
    row_src = np.repeat(np.arange(len(ai)), k)
    minute = (m0[row_src] + (np.arange(len(row_src)) - np.repeat(np.cumsum(k) - k, k))) * 60
    a = ai[row_src]
    driver = inst[row_src] == 0
    job_of = jb[a]
    cpu_lvl = np.array([j.cpu for j in jobs])[job_of]
    mem_lvl = np.array([j.mem for j in jobs])[job_of]
    drv_lvl = np.array([j.driver_cpu for j in jobs])[job_of]
    wait_lvl = np.array([j.cpu_wait for j in jobs])[job_of]
    nrow = len(a)
    lo_c, hi_c = np.where(cpu_lvl > 40, 45.0, 1.0), np.where(cpu_lvl > 40, 75.0, 24.0)
    lo_m, hi_m = (
        np.where(mem_lvl > 85, 86.0, np.where(mem_lvl > 40, 45.0, 1.0)),
        np.where(mem_lvl > 85, 98.0, np.where(mem_lvl > 40, 75.0, 24.0)),
    )
    busy = np.clip(cpu_lvl + rng.normal(0, 3.0, nrow), lo_c, hi_c)
    mem = np.clip(mem_lvl + rng.normal(0, 2.5, nrow), lo_m, hi_m)
    lo_d, hi_d = np.where(drv_lvl > 60, 70.0, 5.0), np.where(drv_lvl > 60, 98.0, 40.0)
    busy = np.where(driver, np.clip(drv_lvl + rng.normal(0, 4, nrow), lo_d, hi_d), busy)
    mem = np.where(driver, np.clip(40 + rng.normal(0, 4, nrow), 20, 60), mem)
    wait = np.clip(wait_lvl + rng.normal(0, 1.0, nrow), 0, 60)
    swap = np.where(mem > 85, np.round(rng.uniform(0, 4, nrow), 2), 0.0)
    # instances: one small table with the strings; the per-minute rows only carry its key
    register(con, "sim_inst", {"ik": np.arange(len(ai)), "a": ai, "inst": inst})
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE sim_inst_t AS
        SELECT i.ik, j.workspace_id, s.cluster_id, 'i-' || substr(md5(s.cluster_id || ':' || i.inst), 1, 17) AS instance_id,
          CASE WHEN i.inst = 0 THEN j.driver_node_type ELSE j.node_type END AS node_type,
          MAP {'/local_disk0': CAST(90000000000 + (i.ik * 7919) % 9000000000 AS BIGINT)} AS disk_free_bytes_per_mount_point
        FROM sim_inst i JOIN sim_att s USING (a) JOIN sim_jobs j ON j.j = s.j
        """
    )
    con.unregister("sim_inst")
    net = rng.integers(1 << 20, 1 << 28, nrow)
    register(
        con,
        "sim_nodes",
        {
            "ik": row_src,
            "start_time": ts(minute),
            "end_time": ts(minute + 60),
            "driver": driver,
            "cpu_user_percent": np.round(busy * 0.85, 2),
            "cpu_system_percent": np.round(busy * 0.15, 2),
            "cpu_wait_percent": np.round(wait, 2),
            "mem_used_percent": np.round(mem, 2),
            "mem_swap_percent": swap,
            "network_sent_bytes": net,
            "network_received_bytes": net // 2,
        },
    )
    con.execute(
        f"""
        INSERT INTO compute.node_timeline BY NAME
        SELECT '{C.ACCOUNT_ID}' AS account_id, i.workspace_id, i.cluster_id, i.instance_id, i.node_type,
          i.disk_free_bytes_per_mount_point,
          n.* EXCLUDE (ik)
        FROM sim_nodes n JOIN sim_inst_t i USING (ik)
        """
    )
    con.execute("DROP TABLE sim_inst_t")
    con.unregister("sim_nodes")
    return nrow


def settings_json(j: Job) -> str:
    """Jobs API 2.2 JobSettings of one job, consistent with the system tables."""
    cluster_key = "main_cluster"
    tasks = []
    for t in j.tasks:
        task = {
            "task_key": t.key,
            "depends_on": [{"task_key": d} for d in t.depends_on],
            "max_retries": t.max_retries,
            "retry_on_timeout": False,
            "min_retry_interval_millis": 30000 if t.max_retries else 0,
        }
        if j.compute == "job":
            task["job_cluster_key"] = cluster_key
        elif j.compute == "all_purpose":
            task["existing_cluster_id"] = f"0101-000000-allpurp{j.ap_cluster}"
        else:
            task["environment_key"] = "default"
        task["notebook_task"] = {"notebook_path": f"/Repos/etl/{j.name}/{t.key}"}
        tasks.append(task)
    out: dict = {
        "name": j.name,
        "tags": dict(j.tags),
        "tasks": tasks,
        "email_notifications": {"on_failure": [j.creator]} if "@" in j.creator else {},
        "timeout_seconds": j.timeout_s,
        "max_concurrent_runs": j.max_concurrent,
        "format": "MULTI_TASK",
    }
    out["schedule"] = {
        "quartz_cron_expression": j.cron,
        "timezone_id": j.tz,
        "pause_status": "PAUSED" if j.pause_s is not None else "UNPAUSED",
    }
    if j.compute == "job":
        nc: dict = {
            "spark_version": j.spark_version,
            "node_type_id": j.node_type,
            "driver_node_type_id": j.driver_node_type,
            "custom_tags": dict(j.cluster_tags),
        }
        if j.autoscale:
            nc["autoscale"] = {"min_workers": j.autoscale[0], "max_workers": j.autoscale[1]}
        else:
            nc["num_workers"] = j.workers
        if j.photon:
            nc["runtime_engine"] = "PHOTON"
        out["job_clusters"] = [{"job_cluster_key": cluster_key, "new_cluster": nc}]
    if j.health_s:
        out["health"] = {
            "rules": [{"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": j.health_s}]
        }
    return json.dumps(out, sort_keys=True)
