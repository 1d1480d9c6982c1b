"""The demo workspace simulator: every injected scenario is really in the raw tables, and output is seeded."""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from data.engines import DuckDBEngine
from data.simulator import generate

END = datetime(2025, 3, 10, 12)
FAILED = {"FAILED", "ERROR", "TIMED_OUT"}
TABLES = (
    "lakeflow.jobs",
    "lakeflow.job_tasks",
    "lakeflow.job_run_timeline",
    "lakeflow.job_task_run_timeline",
    "billing.usage",
    "billing.list_prices",
    "compute.clusters",
    "compute.node_timeline",
    "compute.node_types",
    "access.table_lineage",
    "collected.table_history",
    "collected.column_snapshots",
    "demo.job_settings",
)

# One row per job run with its duration (sum of slices), final and first outcome, terminal row count.
RUNS = """
CREATE OR REPLACE TEMP VIEW runs AS
SELECT workspace_id, job_id, run_id, min(period_start_time) AS start_time,
  max(period_end_time) FILTER (WHERE result_state IS NOT NULL) AS end_time,
  sum(epoch(period_end_time) - epoch(period_start_time)) AS duration_s,
  arg_max(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS final_state,
  count(result_state) AS terminal_rows, count(*) AS slices
FROM lakeflow.job_run_timeline GROUP BY ALL
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("sim") / "workspace.duckdb"
    manifest = generate(path, seed=7, jobs=40, days=30, end=END)
    engine = DuckDBEngine(path)
    con = engine.raw()
    con.execute(RUNS)
    yield manifest, engine, con, path
    engine.close()


def q(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def scenarios(manifest, kind):
    found = [s for s in manifest["scenarios"] if s["kind"] == kind]
    assert found, f"no {kind} scenario injected"
    return found


def job_runs(con, s, completed=True):
    cond = "AND final_state IS NOT NULL" if completed else ""
    return q(
        con,
        f"SELECT run_id, duration_s, final_state, start_time, end_time FROM runs WHERE workspace_id = ? AND job_id = ? {cond} ORDER BY coalesce(end_time, start_time)",
        [s["workspace_id"], s["job_id"]],
    )


def test_manifest_shape(demo):
    manifest, _, _, path = demo
    assert json.loads(path.with_suffix(".manifest.json").read_text()) == manifest
    assert manifest["end"] == "2025-03-10T12:00:00Z"
    kinds = [s["kind"] for s in manifest["scenarios"]]
    assert set(kinds) == {
        "consecutive_failures", "duration_regression", "suspiciously_fast", "retry_heavy", "sla_breach",
        "dbu_spike", "zombie", "over_provisioned", "memory_bound", "row_count_deviation", "schema_drift",
        "driver_bound", "io_bound", "autoscale_idle", "well_sized",
    }  # fmt: skip
    keys = [(s["workspace_id"], s["job_id"]) for s in manifest["scenarios"]]
    assert len(keys) == len(set(keys)), "a job carries at most one scenario"
    assert not set(keys) & {tuple(k) for k in manifest["clean_jobs"]}


def test_consecutive_failures(demo):
    manifest, _, con, _ = demo
    for s in scenarios(manifest, "consecutive_failures"):
        runs = job_runs(con, s)
        tail = runs[-len(s["run_ids"]) :]
        assert len(s["run_ids"]) >= 2
        assert [r[0] for r in tail] == s["run_ids"]
        assert all(r[2] in FAILED for r in tail)
        assert runs[-len(s["run_ids"]) - 1][2] == "SUCCEEDED"


def _baseline(runs, first_run_id):
    ids = [r[0] for r in runs]
    before = runs[: ids.index(first_run_id)]
    return statistics.median(r[1] for r in before if r[2] == "SUCCEEDED")


def test_duration_regression_and_fast(demo):
    manifest, _, con, _ = demo
    for s in scenarios(manifest, "duration_regression"):
        runs = job_runs(con, s)
        base = _baseline(runs, s["run_ids"][0])
        for r in runs:
            if r[0] in s["run_ids"]:
                assert r[2] == "SUCCEEDED" and r[1] >= 1.6 * base
    for s in scenarios(manifest, "suspiciously_fast"):
        runs = job_runs(con, s)
        base = _baseline(runs, s["run_ids"][0])
        for r in runs:
            if r[0] in s["run_ids"]:
                assert r[2] == "SUCCEEDED" and r[1] < 0.5 * base


def retries(con, ws, job, days):
    """Extra task runs of a (job run, task_key) inside the first attempt (repair re-runs are not retries)."""
    return q(
        con,
        """WITH first_end AS (
             SELECT run_id, min(period_end_time) FILTER (WHERE result_state IS NOT NULL) AS e
             FROM lakeflow.job_run_timeline WHERE workspace_id = ? AND job_id = ? GROUP BY 1),
           t AS (SELECT DISTINCT run_id, job_run_id, task_key, min(period_start_time) AS s
                 FROM lakeflow.job_task_run_timeline WHERE workspace_id = ? AND job_id = ? GROUP BY ALL)
           SELECT count(*) - count(DISTINCT (job_run_id, task_key)) FROM t JOIN first_end f ON f.run_id = t.job_run_id
           WHERE (f.e IS NULL OR t.s < f.e) AND t.s >= ?::TIMESTAMPTZ - to_days(?)""",
        [ws, job, ws, job, END.replace(tzinfo=UTC), days],
    )[0][0]


def test_retry_heavy(demo):
    manifest, _, con, _ = demo
    for s in scenarios(manifest, "retry_heavy"):
        assert retries(con, s["workspace_id"], s["job_id"], 7) >= 5
        assert retries(con, s["workspace_id"], s["job_id"], 30) >= 5


def test_sla_breach(demo):
    manifest, _, con, _ = demo
    for s in scenarios(manifest, "sla_breach"):
        target = next(t for t in manifest["sla_targets"] if t["job_id"] == s["job_id"])
        tz = ZoneInfo(target["timezone"])
        deadline = time.fromisoformat(target["deadline"])
        causes = {b["run_id"]: b["cause"] for b in s["details"]["breaches"]}
        assert set(causes) == set(s["run_ids"])
        for run_id, _, state, _, end in job_runs(con, s):
            local_end = end.astimezone(tz).time()
            breached = state in FAILED or local_end > deadline
            assert breached == (run_id in causes), (run_id, state, local_end)


def run_dbus(con, ws, job):
    return dict(
        q(
            con,
            """SELECT usage_metadata.job_run_id, sum(usage_quantity)::DOUBLE FROM billing.usage
               WHERE workspace_id = ? AND usage_metadata.job_id = ? AND billing_origin_product = 'JOBS' GROUP BY 1""",
            [ws, job],
        )
    )


def test_dbu_spike(demo):
    manifest, _, con, _ = demo
    price = manifest["price_change"]["new"]
    for s in scenarios(manifest, "dbu_spike"):
        dbus = run_dbus(con, s["workspace_id"], s["job_id"])
        (spike,) = s["run_ids"]
        others = sorted(v for k, v in dbus.items() if k != spike)
        p90 = others[int(0.9 * (len(others) - 1))]
        assert dbus[spike] > 3 * p90
        assert (dbus[spike] - p90) * min(price, 0.15) >= 100


def test_zombie(demo):
    manifest, _, con, _ = demo
    for s in scenarios(manifest, "zombie"):
        ws, job = s["workspace_id"], s["job_id"]
        assert (
            q(
                con,
                "SELECT coalesce(sum(rows_written), 0), count(*) FROM collected.table_history WHERE workspace_id=? AND job_id=?",
                [ws, job],
            )[0][0]
            == 0
        )
        for t in s["details"]["target_tables"]:
            assert (
                q(con, "SELECT count(*) FROM access.table_lineage WHERE source_table_full_name = ?", [t])[0][
                    0
                ]
                == 0
            )
        cost = q(
            con,
            """SELECT sum(u.usage_quantity::DOUBLE * p.pricing.effective_list.default::DOUBLE) / 7 FROM billing.usage u
               JOIN billing.list_prices p ON p.sku_name = u.sku_name AND u.usage_start_time >= p.price_start_time
                 AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
               WHERE u.workspace_id = ? AND u.usage_metadata.job_id = ? AND u.usage_start_time >= ?::TIMESTAMPTZ - INTERVAL 7 DAY""",
            [ws, job, END.replace(tzinfo=UTC)],
        )[0][0]
        assert cost >= 10


def utilization(con, ws, job):
    return q(
        con,
        """SELECT count(*), max(n.cpu_user_percent + n.cpu_system_percent), min(n.cpu_user_percent + n.cpu_system_percent),
             max(n.mem_used_percent), min(n.mem_used_percent)
           FROM compute.node_timeline n JOIN (SELECT DISTINCT unnest(compute_ids) AS cluster_id FROM lakeflow.job_run_timeline
             WHERE workspace_id = ? AND job_id = ?) c USING (cluster_id) WHERE NOT n.driver""",
        [ws, job],
    )[0]


def test_utilization_scenarios(demo):
    manifest, _, con, _ = demo
    for s in scenarios(manifest, "over_provisioned"):
        n, cpu_max, _, mem_max, _ = utilization(con, s["workspace_id"], s["job_id"])
        assert n > 100 and cpu_max < 25 and mem_max < 25
    for s in scenarios(manifest, "memory_bound"):
        n, cpu_max, _, _, mem_min = utilization(con, s["workspace_id"], s["job_id"])
        assert n > 100 and cpu_max < 40 and mem_min > 85


def test_row_count_deviation(demo):
    manifest, _, con, _ = demo
    zero = False
    for s in scenarios(manifest, "row_count_deviation"):
        rows = q(
            con,
            "SELECT job_run_id, rows_written FROM collected.table_history WHERE table_full_name = ? ORDER BY commit_time",
            [s["details"]["table"]],
        )
        k = len(s["run_ids"])
        assert [r[0] for r in rows[-k:]] == s["run_ids"]
        median = statistics.median(r[1] for r in rows[:-k])
        assert all(abs(r[1] - median) > 0.4 * median for r in rows[-k:])
        zero |= rows[-1][1] == 0
    assert zero


def _snapshot(con, table, at, op):
    """Columns of the latest snapshot of ``table`` taken before (``<``) or at (``<=``) ``at``."""
    return dict(
        q(
            con,
            f"""SELECT column_name, full_data_type FROM collected.column_snapshots WHERE table_full_name = ?
                AND snapshot_time = (SELECT max(snapshot_time) FROM collected.column_snapshots
                                     WHERE table_full_name = ? AND snapshot_time {op} ?)""",
            [table, table, at],
        )
    )


def test_schema_drift(demo):
    manifest, _, con, _ = demo
    for s in scenarios(manifest, "schema_drift"):
        t = s["details"]["table"]
        at = datetime.fromisoformat(s["details"]["snapshot_time"].replace("Z", "+00:00"))
        before, after = (_snapshot(con, t, at, op) for op in ("<", "<="))
        for c in s["details"]["changes"]:
            if c["change"] == "removed":
                assert c["column"] in before and c["column"] not in after
            elif c["change"] == "added":
                assert c["column"] not in before and c["column"] in after
            else:
                assert before[c["column"]] == c["from"] and after[c["column"]] == c["to"]


def test_clean_jobs_stay_clean(demo):
    manifest, _, con, _ = demo
    for ws, job in manifest["clean_jobs"]:
        s = {"workspace_id": ws, "job_id": job}
        runs = job_runs(con, s)
        if len(runs) >= 2:
            assert not (runs[-1][2] in FAILED and runs[-2][2] in FAILED)
        assert retries(con, ws, job, 30) < 5
        ok = [r[1] for r in runs if r[2] == "SUCCEEDED"]
        if len(ok) >= 7:
            med = statistics.median(ok)
            assert all(0.5 * med < d < 1.3 * med for d in ok[-7:]), job
        n, cpu_max, cpu_min, mem_max, mem_min = utilization(con, ws, job)
        if n:
            assert 45 <= cpu_min and cpu_max <= 75 and 45 <= mem_min and mem_max <= 75


def test_no_row_after_the_end(demo):
    """Runs in progress at the end have rows up to it, none later (the freshness and the window's end
    follow the newest row): every time-stamped table stops at the workspace's "now"."""
    _, _, con, _ = demo
    end = END.replace(tzinfo=UTC)
    for table, column in (
        ("lakeflow.job_run_timeline", "period_end_time"),
        ("lakeflow.job_task_run_timeline", "period_end_time"),
        ("billing.usage", "usage_end_time"),
    ):
        assert q(con, f"SELECT max({column}) FROM {table}")[0][0] <= end, table
    ends = q(con, "SELECT max(period_end_time) FROM lakeflow.job_run_timeline WHERE result_state IS NULL")
    assert ends[0][0] == end, "a run in progress reaches the end"


def test_special_cases(demo):
    manifest, engine, con, _ = demo
    names = engine.execute("SELECT DISTINCT name FROM system.lakeflow.jobs")["name"].tolist()
    assert "<img src=x onerror=alert(1)>" in names
    assert q(con, "SELECT count(*) FROM lakeflow.jobs WHERE tags['team'] = ?", ['O\'Brien "ops"'])[0][0] > 0
    assert q(con, "SELECT count(*) FROM runs WHERE slices > 1 AND terminal_rows = 1")[0][0] > 0
    assert q(con, "SELECT count(*) FROM runs WHERE terminal_rows > 1")[0][0] > 0, "repaired run"
    assert (
        q(
            con,
            "SELECT count(*) FROM runs WHERE terminal_rows = 0 AND start_time > ?::TIMESTAMPTZ - INTERVAL 1 HOUR",
            [END.replace(tzinfo=UTC)],
        )[0][0]
        >= 2
    )
    assert (
        q(
            con,
            "SELECT count(*) FROM (SELECT job_run_id, task_key FROM lakeflow.job_task_run_timeline GROUP BY ALL HAVING count(DISTINCT run_id) > 1)",
        )[0][0]
        > 0
    ), "task retry"
    kinds = dict(q(con, "SELECT record_type, count(*) FROM billing.usage GROUP BY 1"))
    assert kinds["RETRACTION"] == kinds["RESTATEMENT"] + 1
    assert (
        q(con, "SELECT count(*) FROM billing.list_prices GROUP BY sku_name ORDER BY 1 DESC LIMIT 1")[0][0]
        == 2
    )
    latest = """SELECT * FROM lakeflow.jobs QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1"""
    assert q(con, f"SELECT count(*) FROM ({latest}) WHERE delete_time IS NOT NULL")[0][0] > 0
    assert q(con, f"SELECT count(*) FROM ({latest}) WHERE paused")[0][0] > 0
    assert q(con, f"SELECT count(*) FROM ({latest}) WHERE trigger IS NULL")[0][0] > 0, "old-style rows only"
    assert (
        q(
            con,
            "SELECT count(*) FROM (SELECT job_id FROM lakeflow.jobs GROUP BY workspace_id, job_id HAVING count(DISTINCT name) > 1)",
        )[0][0]
        > 0
    )
    assert (
        q(
            con,
            "SELECT count(*) FROM (SELECT job_id FROM lakeflow.jobs GROUP BY job_id HAVING count(DISTINCT workspace_id) > 1)",
        )[0][0]
        > 0
    )
    ui = [
        r[0] for r in q(con, "SELECT DISTINCT cluster_id FROM compute.clusters WHERE cluster_source = 'UI'")
    ]
    assert (
        ui
        and q(con, "SELECT count(*) FROM lakeflow.job_run_timeline WHERE list_has_any(compute_ids, ?)", [ui])[
            0
        ][0]
        > 0
    )
    assert (
        q(
            con,
            "SELECT count(*) FROM billing.usage WHERE list_contains(?, usage_metadata.cluster_id) AND usage_metadata.job_run_id IS NOT NULL",
            [ui],
        )[0][0]
        == 0
    )
    assert (
        q(
            con,
            """SELECT count(*) FROM (SELECT usage_metadata.job_run_id, usage_start_time FROM billing.usage
                     WHERE product_features.is_serverless AND billing_origin_product = 'JOBS' GROUP BY ALL HAVING count(*) > 1)""",
        )[0][0]
        > 0
    )
    assert (
        q(
            con,
            "SELECT count(*) FROM billing.usage WHERE usage_metadata.job_run_id IS NULL AND sku_name LIKE '%JOBS%'",
        )[0][0]
        > 0
    )
    settings = q(con, "SELECT settings_json FROM demo.job_settings")
    assert all(
        json.loads(s)["tasks"] and json.loads(s)["schedule"]["quartz_cron_expression"] for (s,) in settings
    )


def _fingerprint(con):
    return {t: con.execute(f"SELECT count(*), sum(hash(x)::HUGEINT) FROM {t} x").fetchone() for t in TABLES}


def _fingerprint_file(path):
    eng = DuckDBEngine(path, read_only=True)
    try:
        return _fingerprint(eng.raw())
    finally:
        eng.close()


def test_deterministic(demo, tmp_path):
    manifest, _, con, _ = demo
    first = _fingerprint(con)
    again = generate(tmp_path / "again.duckdb", seed=7, jobs=40, days=30, end=END)
    assert _fingerprint_file(tmp_path / "again.duckdb") == first
    assert again == manifest
    generate(tmp_path / "other.duckdb", seed=8, jobs=40, days=30, end=END)
    other = _fingerprint_file(tmp_path / "other.duckdb")
    assert all(other[t] != first[t] for t in TABLES if t not in ("compute.node_types", "billing.list_prices"))
