"""Job definitions (SCD2 jobs and job_tasks, Jobs API settings) and data tables (lineage, history, schemas)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from data.simulator import catalog as C
from data.simulator.jobs import DAY, Job
from data.simulator.load import _map, register, settings_json, ts
from data.simulator.runs import OK

HEALTH_T = pa.list_(pa.struct([("metric", pa.string()), ("operator", pa.string()), ("value", pa.int64())]))
TRIGGER_T = pa.struct(
    [
        ("schedule", pa.struct([("quartz_cron_expression", pa.string()), ("timezone_id", pa.string())])),
    ]
)


def jobs_tables(con, jobs: list[Job], newcols_s: int) -> int:
    """lakeflow.jobs (SCD2), lakeflow.job_tasks and demo.job_settings."""
    rows: list[dict] = []
    for j in jobs:
        events: list[tuple[int, str]] = [(t, "name") for t, _ in j.name_history]
        if not j.old_only and j.create_s < newcols_s:
            events.append((newcols_s, "newcols"))
        if j.pause_s is not None:
            events.append((j.pause_s, "pause"))
        if j.delete_s is not None:
            events.append((j.delete_s, "delete"))
        events.sort()
        for t, what in events:
            name = [nm for tn, nm in j.name_history if tn <= t][-1]
            newer = not j.old_only and t >= newcols_s
            paused = j.pause_s is not None and t >= j.pause_s
            row = {
                "workspace_id": C.WORKSPACES[j.ws],
                "job_id": j.job_id,
                "name": name,
                "description": f"Owned by {j.team}" if j.team else None,
                "creator_id": f"{1000 + C.USERS.index(j.creator)}",
                "tags": j.tags,
                "change_time": t,
                "delete_time": t if what == "delete" else None,
                "run_as": j.run_as,
                "newer": newer,
                "cron": j.cron,
                "tz": j.tz,
                "paused": paused,
                "timeout_s": j.timeout_s,
                "health_s": j.health_s,
                "create_time": j.create_s,
                "creator": j.creator,
            }
            rows.append(row)
    n = len(rows)

    def col(k):
        return [r[k] for r in rows]

    newer = np.array(col("newer"))
    trig = [
        {"schedule": {"quartz_cron_expression": r["cron"], "timezone_id": r["tz"]}} if r["newer"] else None
        for r in rows
    ]
    health = [
        [{"metric": "RUN_DURATION_SECONDS", "operator": "GREATER_THAN", "value": r["health_s"]}]
        if r["newer"] and r["health_s"]
        else ([] if r["newer"] else None)
        for r in rows
    ]
    register(
        con,
        "sim_jobrows",
        {
            "workspace_id": col("workspace_id"),
            "job_id": col("job_id"),
            "name": col("name"),
            "description": col("description"),
            "creator_id": col("creator_id"),
            "tags": _map(col("tags")),
            "change_time": ts(col("change_time")),
            "delete_time": pa.array(col("delete_time"), pa.int64()).cast(pa.timestamp("s", tz="UTC")),
            "run_as": col("run_as"),
            "newer": newer,
            "trig": pa.array(trig, TRIGGER_T),
            "paused": col("paused"),
            "timeout_s": col("timeout_s"),
            "health": pa.array(health, HEALTH_T),
            "create_time": ts(col("create_time")),
            "creator": col("creator"),
        },
    )
    con.execute(
        f"""
        INSERT INTO lakeflow.jobs BY NAME
        SELECT '{C.ACCOUNT_ID}' AS account_id, workspace_id, job_id, name, description, creator_id, tags,
          change_time, delete_time, run_as,
          CASE WHEN newer THEN struct_pack(
            file_arrival := CAST(NULL AS STRUCT(url VARCHAR, min_time_between_triggers_seconds INT, wait_after_last_change_seconds INT)),
            periodic := CAST(NULL AS STRUCT("interval" INT, units VARCHAR)),
            continuous := CAST(NULL AS STRUCT(enabled BOOLEAN)),
            table_update := CAST(NULL AS STRUCT(table_names VARCHAR[], min_time_between_triggers_seconds BIGINT, wait_after_last_change_seconds BIGINT, condition VARCHAR)),
            schedule := trig.schedule) END AS trigger,
          CASE WHEN newer THEN 'CRON' END AS trigger_type,
          CASE WHEN newer THEN run_as END AS run_as_user_name,
          CASE WHEN newer THEN creator END AS creator_user_name,
          CASE WHEN newer THEN paused END AS paused,
          CASE WHEN newer THEN timeout_s END AS timeout_seconds,
          health AS health_rules,
          CASE WHEN newer THEN struct_pack(kind := 'BUNDLE', metadata_file_path := '/Workspace/bundles/' || job_id || '/databricks.yml') END AS deployment,
          CASE WHEN newer THEN create_time END AS create_time
        FROM sim_jobrows
        """
    )
    con.unregister("sim_jobrows")

    trows = []
    for j in jobs:
        for t in j.tasks:
            trows.append((j, t, j.create_s, None))
            if j.delete_s is not None:
                trows.append((j, t, j.delete_s, j.delete_s))
    register(
        con,
        "sim_taskrows",
        {
            "workspace_id": [C.WORKSPACES[j.ws] for j, *_ in trows],
            "job_id": [j.job_id for j, *_ in trows],
            "task_key": [t.key for _, t, *_ in trows],
            "deps": pa.array([t.depends_on for _, t, *_ in trows], pa.list_(pa.string())),
            "change_time": ts([c for *_, c, _ in trows]),
            "delete_time": pa.array([d for *_, d in trows], pa.int64()).cast(pa.timestamp("s", tz="UTC")),
            "timeout_s": [j.timeout_s for j, *_ in trows],
        },
    )
    con.execute(
        f"""
        INSERT INTO lakeflow.job_tasks BY NAME
        SELECT '{C.ACCOUNT_ID}' AS account_id, workspace_id, job_id, task_key, deps AS depends_on_keys, change_time,
          delete_time, timeout_s AS timeout_seconds, [] AS health_rules
        FROM sim_taskrows
        """
    )
    con.unregister("sim_taskrows")

    con.execute("CREATE SCHEMA IF NOT EXISTS demo")
    con.execute(
        "CREATE OR REPLACE TABLE demo.job_settings (workspace_id VARCHAR, job_id VARCHAR, settings_json VARCHAR)"
    )
    live = [j for j in jobs if j.delete_s is None]
    register(
        con,
        "sim_settings",
        {
            "workspace_id": [C.WORKSPACES[j.ws] for j in live],
            "job_id": [j.job_id for j in live],
            "settings_json": [settings_json(j) for j in live],
        },
    )
    con.execute("INSERT INTO demo.job_settings SELECT * FROM sim_settings")
    con.unregister("sim_settings")
    return n


def data_tables(con, rng, jobs: list[Job], runs, atts, start_s: int, end_s: int, seed: int) -> dict:
    """table_lineage per successful run, table_history commits, readers of leaf tables, column snapshots."""
    info: dict = {}
    tables: list[str] = []
    tindex: dict[str, int] = {}
    for j in jobs:
        for t in j.targets:
            tindex[t] = len(tables)
            tables.append(t)
    # successful final runs, committing at the end of their last attempt
    last_att = np.r_[atts.run[1:] != atts.run[:-1], True]
    ok = last_att & (atts.state == OK)
    la = np.flatnonzero(ok)
    r = atts.run[la]
    commit = atts.t1[la] - 20
    jb = runs.job[r]
    n_t = np.array([len(j.targets) for j in jobs], dtype=np.int64)
    t_off = np.concatenate([[0], np.cumsum(n_t)[:-1]])
    k = n_t[jb]
    hr = np.repeat(np.arange(len(r)), k)
    loc = np.arange(len(hr)) - np.repeat(np.cumsum(k) - k, k)
    tid = t_off[jb[hr]] + loc
    base = np.array([j.rows_base for j in jobs], dtype=np.float64)
    rows = base[jb[hr]] / (1 + loc) * (1 + np.clip(rng.normal(0, 0.012, len(hr)), -0.03, 0.03))
    rows = np.round(rows).astype(np.int64)
    run_of = r[hr]
    for j in jobs:
        if j.scenario == "zombie":
            rows[jb[hr] == j.idx] = 0
        elif j.scenario == "row_count_deviation":
            sel = np.flatnonzero(jb[hr] == j.idx)
            sel = sel[np.argsort(commit[hr[sel]], kind="stable")]
            prev = rows[sel[:-2]]
            median = float(np.median(prev))
            mode = ("zero", "drop", "surge")[j.scenario_i % 3]
            factors = {"zero": (0.45, 0.0), "drop": (0.4, 0.35), "surge": (2.1, 2.4)}[mode]
            rows[sel[-2]] = int(median * factors[0])
            rows[sel[-1]] = int(median * factors[1])
            j.extra["run_idx"] = [int(run_of[sel[-2]]), int(run_of[sel[-1]])]
            j.extra["details"] = {
                "mode": mode,
                "table": tables[int(tid[sel[-1]])],
                "baseline_median_rows": int(median),
                "rows_written": [int(rows[sel[-2]]), int(rows[sel[-1]])],
            }
    register(con, "sim_tables", {"t": np.arange(len(tables)), "table_full_name": tables})
    register(
        con,
        "sim_hist",
        {
            "t": tid,
            "commit_time": ts(commit[hr]),
            "rows_written": rows,
            "job_run_id": runs.run_id[run_of],
            "j": jb[hr],
        },
    )
    con.execute(
        """
        INSERT INTO collected.table_history BY NAME
        SELECT tb.table_full_name, CASE WHEN h.t % 2 = 0 THEN 'WRITE' ELSE 'MERGE' END AS operation, 100 + row_number() OVER (PARTITION BY h.t ORDER BY h.commit_time, h.job_run_id) AS version,
          h.commit_time, h.rows_written, j.job_id, CAST(h.job_run_id AS VARCHAR) AS job_run_id, j.workspace_id
        FROM sim_hist h JOIN sim_jobs j USING (j) JOIN sim_tables tb USING (t)
        """
    )
    con.unregister("sim_hist")
    con.unregister("sim_tables")

    # lineage: one row per (source, target) per successful run; jobs without source tables read a path
    pairs_j, pairs_s, pairs_t = [], [], []
    for j in jobs:
        srcs = j.sources or [None]
        for s in srcs:
            for t in j.targets:
                pairs_j.append(j.idx)
                pairs_s.append(s)
                pairs_t.append(t)
    register(con, "sim_io", {"j": pairs_j, "src": pa.array(pairs_s, pa.string()), "tgt": pairs_t})
    register(con, "sim_ok", {"j": jb, "run_id": runs.run_id[r], "ev": ts(commit - 5)})
    read = {s for j in jobs for s in j.sources}
    zombie_tables = {t for j in jobs if j.scenario == "zombie" for t in j.targets}
    unread = [t for t in tables if t not in read and t not in zombie_tables]
    days = np.arange(start_s // DAY, end_s // DAY, 2, dtype=np.int64) * DAY + 10 * 3600
    register(
        con,
        "sim_reads",
        {
            "tbl": np.repeat(np.array(unread, dtype=object), len(days)),
            "ev": ts(np.tile(days, len(unread))),
            "nb": np.repeat(np.arange(len(unread)) % 7, len(days)),
        },
    )
    con.execute(
        f"""
        INSERT INTO access.table_lineage BY NAME
        WITH x AS (
          SELECT j.workspace_id, 'JOB' AS entity_type, j.job_id AS entity_id, CAST(o.run_id AS VARCHAR) AS entity_run_id,
            io.src, io.tgt, j.run_as AS created_by, o.ev,
            md5('{seed}:l:' || o.run_id || ':' || coalesce(io.src, '') || ':' || io.tgt) AS h
          FROM sim_ok o JOIN sim_io io USING (j) JOIN sim_jobs j USING (j)
          UNION ALL
          SELECT CASE WHEN starts_with(tbl, 'prod.') THEN '{C.WORKSPACES[0]}' ELSE '{C.WORKSPACES[1]}' END,
            'NOTEBOOK', CAST(4000000 + nb AS VARCHAR), NULL, tbl, NULL, 'ana.silva@example.com', ev,
            md5('{seed}:n:' || tbl || ':' || ev)
          FROM sim_reads
        )
        SELECT '{C.ACCOUNT_ID}' AS account_id, '{C.METASTORE_ID}' AS metastore_id, workspace_id, entity_type,
          entity_id, entity_run_id,
          src AS source_table_full_name, split_part(src, '.', 1) AS source_table_catalog,
          split_part(src, '.', 2) AS source_table_schema, split_part(src, '.', 3) AS source_table_name,
          CASE WHEN src IS NULL AND tgt IS NOT NULL THEN 's3://landing/' || split_part(tgt, '.', 3) || '/' END AS source_path,
          CASE WHEN src IS NULL AND tgt IS NOT NULL THEN 'PATH' WHEN src IS NOT NULL THEN 'TABLE' END AS source_type,
          tgt AS target_table_full_name, split_part(tgt, '.', 1) AS target_table_catalog,
          split_part(tgt, '.', 2) AS target_table_schema, split_part(tgt, '.', 3) AS target_table_name,
          {"CAST(NULL AS VARCHAR)"} AS target_path, CASE WHEN tgt IS NOT NULL THEN 'TABLE' END AS target_type,
          created_by, ev AS event_time, CAST(ev AS DATE) AS event_date, h AS record_id, md5(h || 'e') AS event_id,
          md5(h || 's') AS statement_id
        FROM x
        """
    )
    for name in ("sim_io", "sim_ok", "sim_reads"):
        con.unregister(name)
    info["unread_tables_given_notebook_readers"] = len(unread)

    # column snapshots: weekly, then daily over the last 14 days; drift injected on schema_drift jobs
    snaps = sorted(
        set(range(int(end_s - 14 * DAY) // DAY * DAY, end_s, DAY))
        | set(range(int(start_s) // DAY * DAY, int(end_s - 14 * DAY), 7 * DAY))
    )
    c_tbl, c_name, c_type, c_null, c_ord, c_from, c_to = [], [], [], [], [], [], []
    far = end_s + 365 * DAY
    for j in jobs:
        for ti, t in enumerate(j.targets):
            tmpl = C.COLUMN_TEMPLATES[(j.idx + ti) % len(C.COLUMN_TEMPLATES)]
            cols = [list(c) for c in tmpl[: 5 + (j.idx % (len(tmpl) - 4))]]
            born = max(j.create_s, start_s - DAY)
            if j.scenario == "schema_drift" and ti == 0:
                drift_s = int(snaps[-3])
                kinds = (
                    ["removed", "type_changed", "added"]
                    if j.extra.get("n_kind", 1) == 1
                    else [("removed", "type_changed", "added")[j.scenario_i % 3]]
                )
                changes = []
                new_cols = [list(c) for c in cols]
                if "removed" in kinds:
                    gone = new_cols.pop(2)
                    changes.append({"change": "removed", "column": gone[0], "type": gone[1]})
                if "type_changed" in kinds:
                    old_t = new_cols[1][1]
                    new_cols[1][1] = "string" if old_t != "string" else "bigint"
                    changes.append(
                        {
                            "change": "type_changed",
                            "column": new_cols[1][0],
                            "from": old_t,
                            "to": new_cols[1][1],
                        }
                    )
                if "added" in kinds:
                    new_cols.append(["extra_payload", "string", True])
                    changes.append({"change": "added", "column": "extra_payload", "type": "string"})
                versions = [(born, drift_s, cols), (drift_s, far, new_cols)]
                j.extra["details"] = {"table": t, "snapshot_time": drift_s, "changes": changes}
            else:
                versions = [(born, far, cols)]
            for lo, hi, cs in versions:
                for pos, (cn, ctype, cnull) in enumerate(cs):
                    c_tbl.append(t)
                    c_name.append(cn)
                    c_type.append(ctype)
                    c_null.append(cnull)
                    c_ord.append(pos + 1)
                    c_from.append(lo)
                    c_to.append(hi)
    register(
        con,
        "sim_cols",
        {
            "tbl": c_tbl,
            "cn": c_name,
            "ct": c_type,
            "nul": c_null,
            "pos": pa.array(c_ord, pa.int32()),
            "vf": ts(c_from),
            "vt": ts(c_to),
        },
    )
    register(con, "sim_snaps", {"st": ts(snaps)})
    con.execute(
        """
        INSERT INTO collected.column_snapshots BY NAME
        SELECT c.tbl AS table_full_name, s.st AS snapshot_time, c.cn AS column_name, c.ct AS full_data_type,
          c.nul AS is_nullable, c.pos AS ordinal_position
        FROM sim_cols c JOIN sim_snaps s ON s.st >= c.vf AND s.st < c.vt
        """
    )
    con.unregister("sim_cols")
    con.unregister("sim_snaps")
    info["snapshots"] = len(snaps)

    # the collector's log: every table read at the last snapshot, and two tables of a restricted schema that
    # jobs write but the app's principal may not read (listed with the reason; no history, no snapshots)
    restricted = [f"prod.restricted.payroll_out{k}" for k in range(2)]
    reason = "PERMISSION_DENIED: User does not have SELECT on Table '{}'."
    register(
        con,
        "sim_collection",
        {
            "table_full_name": [*tables, *restricted],
            "status": ["ok"] * len(tables) + ["error"] * len(restricted),
            "reason": [None] * len(tables) + [reason.format(t) for t in restricted],
        },
    )
    con.execute(
        """
        INSERT INTO collected.table_collection BY NAME
        SELECT c.table_full_name, ?::TIMESTAMPTZ AS collected_at, c.status, c.reason,
          (SELECT max(version) FROM collected.table_history h WHERE h.table_full_name = c.table_full_name)
            AS last_version,
          (SELECT count(*) FROM collected.table_history h WHERE h.table_full_name = c.table_full_name)
            AS versions_added,
          (SELECT count(*) FROM collected.column_snapshots s WHERE s.table_full_name = c.table_full_name
            AND s.snapshot_time = ?::TIMESTAMPTZ) AS columns_seen
        FROM sim_collection c
        """,
        [_iso_s(int(snaps[-1])), _iso_s(int(snaps[-1]))],
    )
    con.unregister("sim_collection")
    info["restricted_tables"] = restricted
    return info


def _iso_s(seconds: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).isoformat()
