"""The hand-built data of ``test_utilization.py``, shared with the tests that reuse it (a test module
imports no other test module)."""

from __future__ import annotations

from tests.monitor_app.analytics.rawdata import RawWorkspace, utc

NOW = utc(2026, 10, 31)


def one_hour(ws: RawWorkspace, job: str, run: str, day: int, cluster: str, **cluster_args) -> None:
    """A 60-minute run on 1 driver + 4 workers (m5.xlarge): the driver at 30 + 10 % CPU and 50 % memory;
    worker k at 10 x k % CPU and 20 % memory, except worker 4 at 35 % memory in minute 30."""
    start = utc(2026, 10, day, 2)
    ws.run(job, run, start, 3600, dbus=10, compute_ids=[cluster])
    ws.cluster(cluster, "m5.xlarge", cluster_args.pop("workers", 4), **cluster_args)
    ws.node_minutes(cluster, f"{cluster}-d", True, start, [(30, 10, 50, 2, 0)] * 60)
    for k in range(1, 5):
        values = [(10 * k, 0, 35 if (k == 4 and i == 30) else 20, 2, 0) for i in range(60)]
        ws.node_minutes(cluster, f"{cluster}-w{k}", False, start, values)


def over_provisioned_job(ws: RawWorkspace, name: str) -> None:
    """The node types, and job j1 (team alpha): five such one-hour runs on days 1-5."""
    ws.node_type("m5.xlarge", 4, 16384)
    ws.node_type("m5.2xlarge", 8, 32768)
    ws.job("j1", name, team="alpha")
    for d in range(1, 6):
        one_hour(ws, "j1", f"r{d}", d, f"c{d}")


def _memory_bound(ws: RawWorkspace, job: str) -> None:
    ws.job(job, "wide_joins", team="beta")
    for d in range(1, 6):
        start = utc(2026, 10, d, 4)
        cluster = f"{job}-c{d}"
        ws.run(job, f"{job}-r{d}", start, 1800, dbus=20, compute_ids=[cluster])
        ws.cluster(cluster, "m5.2xlarge", 2)
        ws.node_minutes(cluster, f"{cluster}-d", True, start, [(20, 5, 40, 1, 0)] * 30, "m5.2xlarge")
        for k in (1, 2):
            ws.node_minutes(cluster, f"{cluster}-w{k}", False, start, [(12, 3, 91, 1, 3)] * 30, "m5.2xlarge")
