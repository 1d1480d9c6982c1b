"""The jobs of the demo workspace: definitions, teams, schedules, clusters, tasks, tables and scenarios.

One Python object per job (a few thousand at most); the runs of those jobs are generated vectorised in
``runs.py``. All randomness comes from the ``numpy`` generator passed in, so a seed fixes everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from data.simulator import catalog as C

DAY = 86400
HOUR = 3600

SCENARIO_KINDS = (
    "consecutive_failures",
    "duration_regression",
    "suspiciously_fast",
    "retry_heavy",
    "sla_breach",
    "dbu_spike",
    "zombie",
    "over_provisioned",
    "memory_bound",
    "row_count_deviation",
    "schema_drift",
    # cluster utilization (CLUST-01/02), after the others so that adding them moved no earlier pick
    "driver_bound",
    "io_bound",
    "autoscale_idle",
    "well_sized",
)
# The scenarios whose jobs always get a node timeline (the large workspace samples the others).
UTILIZATION_KINDS = (
    "over_provisioned",
    "memory_bound",
    "driver_bound",
    "io_bound",
    "autoscale_idle",
    "well_sized",
    "dbu_spike",
)


@dataclass
class Task:
    key: str
    level: int
    start_frac: float
    end_frac: float
    depends_on: list[str]
    max_retries: int


@dataclass
class Job:
    idx: int
    ws: int
    job_id: str
    name: str
    team: str | None
    attribution: str  # job_tag | billing_tag | name_prefix | none
    tags: dict[str, str]
    cluster_tags: dict[str, str]
    sched: str  # hourly | multi | daily | weekday
    hours: list[int]
    minute: int
    tz: str
    cron: str
    exec_s: float
    setup_s: float
    compute: str  # job | serverless | all_purpose
    node_type: str
    driver_node_type: str
    workers: int
    autoscale: tuple[int, int] | None
    photon: bool
    ap_cluster: int  # index of the all-purpose cluster, -1 if none
    create_s: int
    pause_s: int | None
    delete_s: int | None
    old_only: bool
    name_history: list[tuple[int, str]]  # (change time, name) in order; the last is the current name
    cpu: float
    mem: float
    fail_rate: float
    tasks: list[Task]
    sources: list[str]
    targets: list[str]
    rows_base: int
    creator: str
    run_as: str
    timeout_s: int
    health_s: int | None
    max_concurrent: int
    spark_version: str
    scenario: str | None = None
    scenario_i: int = 0
    sla: dict | None = None
    extra: dict = field(default_factory=dict)
    # node metrics beyond the workers' cpu/mem levels: the driver's CPU, the CPU wait, and whether an
    # autoscaling cluster adds workers above its minimum during a run
    driver_cpu: float = 20.0
    cpu_wait: float = 1.5
    scales: bool = True


def _cron(sched: str, hours: list[int], minute: int) -> str:
    if sched == "hourly":
        return f"0 {minute} * * * ?"
    if sched == "weekday":
        return f"0 {minute} {hours[0]} ? * MON-FRI"
    if sched == "multi":
        step = hours[1] - hours[0]
        return f"0 {minute} {hours[0]}/{step} * * ?"
    return f"0 {minute} {hours[0]} * * ?"


def _tasks(rng: np.random.Generator, n: int, retries_heavy: bool) -> list[Task]:
    keys = list(C.TASK_KEYS[:n]) if n > 1 else ["main"]
    levels = [0]
    for _ in range(1, n):
        levels.append(levels[-1] + (1 if rng.random() < 0.6 else 0))
    nlev = levels[-1] + 1
    w = rng.uniform(0.5, 1.5, nlev)
    bounds = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    tasks: list[Task] = []
    seen_level: set[int] = set()
    for k, lv in zip(keys, levels, strict=True):
        lo, hi = float(bounds[lv]), float(bounds[lv + 1])
        length = 1.0 if lv not in seen_level else float(rng.uniform(0.6, 0.95))
        seen_level.add(lv)
        deps = [t.key for t in tasks if t.level == lv - 1]
        if len(deps) > 1 and rng.random() < 0.3:
            deps = deps[:1]
        retries = int(rng.choice([0, 0, 1, 2, 3]))
        if retries_heavy:
            retries = 3
        tasks.append(Task(k, lv, lo, lo + (hi - lo) * length, deps, retries))
    return tasks


def build_jobs(
    rng: np.random.Generator, n_jobs: int, start_s: int, end_s: int, problems: bool = True
) -> tuple[list[Job], dict]:
    """Define every job; returns the jobs and a summary of the special populations for the manifest.

    ``problems=False`` injects no scenario and puts no job on all-purpose compute: a workspace on which
    every alert rule must stay silent (renames, pauses, deletions, serverless and clean SLA targets stay).
    """
    days = (end_s - start_s) / DAY
    jobs: list[Job] = []
    used_ids: set[str] = set()
    n_ws0 = int(round(n_jobs * 0.65))
    for i in range(n_jobs):
        ws = 0 if i < n_ws0 else 1
        while True:
            job_id = str(int(rng.integers(10**14, 10**15)))
            if job_id not in used_ids:
                used_ids.add(job_id)
                break
        r = rng.random()
        sched = "hourly" if r < 0.07 else "multi" if r < 0.22 else "weekday" if r < 0.27 else "daily"
        minute = int(rng.integers(0, 12)) * 5
        if sched == "hourly":
            hours = list(range(24))
            exec_s = float(rng.uniform(120, 900))
        elif sched == "multi":
            step = int(rng.choice([4, 6, 8, 12]))
            h0 = int(rng.integers(0, step))
            hours = list(range(h0, 24, step))
            exec_s = float(rng.uniform(300, min(2400, step * HOUR / 4)))
        else:
            hours = [int(rng.integers(0, 24))]
            exec_s = float(rng.uniform(300, 5400)) if rng.random() > 0.08 else float(rng.uniform(4200, 12000))
        tz = C.TIMEZONES[int(rng.integers(len(C.TIMEZONES)))]
        domain = C.DOMAINS[int(rng.integers(len(C.DOMAINS)))]
        verb = C.VERBS[int(rng.integers(len(C.VERBS)))]
        team = C.TEAMS[int(rng.integers(len(C.TEAMS)))]
        ra = rng.random()
        attribution = (
            "job_tag" if ra < 0.74 else "billing_tag" if ra < 0.82 else "name_prefix" if ra < 0.9 else "none"
        )
        base_name = f"{domain}_{verb}_{sched}_{i:04d}"
        tags: dict[str, str] = {"env": "prod"}
        cluster_tags: dict[str, str] = {}
        if attribution == "job_tag":
            tags["team"] = team
            if rng.random() < 0.3:
                tags["cost_center"] = f"cc-{int(rng.integers(100, 999))}"
        elif attribution == "billing_tag":
            cluster_tags["team"] = team
        elif attribution == "name_prefix":
            prefix = list(C.NAME_PREFIX_RULES)[int(rng.integers(len(C.NAME_PREFIX_RULES)))]
            team = C.NAME_PREFIX_RULES[prefix]
            base_name = prefix + base_name
        else:
            team = None
            tags = {}
        rc = rng.random()
        compute = "serverless" if rc < 0.04 else "all_purpose" if rc < 0.08 else "job"
        node = C.CLEAN_NODE_TYPES[int(rng.integers(len(C.CLEAN_NODE_TYPES)))]
        workers = int(rng.integers(2, 9))
        autoscale = None
        if rng.random() < 0.35:
            autoscale = (max(1, workers - 2), workers + int(rng.integers(4, 12)))
        n_tasks = int(rng.choice([1, 1, 1, 2, 2, 3, 3, 4, 5, 6]))
        create_s = int(start_s - rng.uniform(30, 400) * DAY)
        creator = C.USERS[int(rng.integers(len(C.USERS)))]
        jobs.append(
            Job(
                idx=i,
                ws=ws,
                job_id=job_id,
                name=base_name,
                team=team,
                attribution=attribution,
                tags=tags,
                cluster_tags=cluster_tags,
                sched=sched,
                hours=hours,
                minute=minute,
                tz=tz,
                cron=_cron(sched, hours, minute),
                exec_s=exec_s,
                setup_s=float(rng.uniform(90, 240)) if compute == "job" else float(rng.uniform(5, 20)),
                compute=compute,
                node_type=node,
                driver_node_type=node,
                workers=workers,
                autoscale=autoscale,
                photon=bool(rng.random() < 0.2),
                ap_cluster=-1,
                create_s=create_s,
                pause_s=None,
                delete_s=None,
                old_only=False,
                name_history=[(create_s, base_name)],
                cpu=float(rng.uniform(50, 68)),
                mem=float(rng.uniform(50, 68)),
                fail_rate=float(rng.choice([0.0, 0.005, 0.01, 0.02])),
                tasks=_tasks(rng, n_tasks, False),
                sources=[],
                targets=[],
                rows_base=int(rng.integers(10_000, 5_000_000)),
                creator=creator,
                run_as=creator if rng.random() < 0.6 else "sp-etl-prod",
                timeout_s=int(max(3600, exec_s * 4)),
                health_s=int(exec_s * 3) if rng.random() < 0.3 else None,
                max_concurrent=1,
                spark_version=C.SPARK_VERSIONS[int(rng.integers(len(C.SPARK_VERSIONS)))],
            )
        )

    # Named special jobs: the XSS name and the quoted team are always present.
    jobs[0].name = C.XSS_JOB_NAME
    jobs[0].name_history = [(jobs[0].create_s, C.XSS_JOB_NAME)]
    jobs[1].team, jobs[1].attribution = 'O\'Brien "ops"', "job_tag"
    jobs[1].tags = {"env": "prod", "team": 'O\'Brien "ops"'}
    jobs[1].cluster_tags = {}
    for j in jobs[:2]:
        j.compute, j.sched, j.hours, j.cron = "job", "daily", [6], _cron("daily", [6], j.minute)
        j.exec_s = min(j.exec_s, 3000)

    for j in jobs[C.OLD_DBR_EVERY - 1 :: C.OLD_DBR_EVERY]:
        j.spark_version = C.OLD_SPARK_VERSION
    summary = _assign_specials(rng, jobs, start_s, end_s, days)
    if not problems:
        for j in jobs:
            if j.compute == "all_purpose":
                j.compute, j.ap_cluster = "job", -1
    _assign_scenarios(rng, jobs, start_s, end_s, summary, SCENARIO_KINDS if problems else ())
    _assign_tables(rng, jobs)
    return jobs, summary


def _pick(rng: np.random.Generator, pool: list[Job], n: int) -> list[Job]:
    n = min(n, len(pool))
    if n <= 0:
        return []
    chosen = rng.choice(len(pool), size=n, replace=False)
    return [pool[int(k)] for k in sorted(chosen)]


def _plain(j: Job) -> bool:
    return j.idx > 1 and j.compute == "job" and j.pause_s is None and j.delete_s is None and not j.old_only


def _assign_specials(
    rng: np.random.Generator, jobs: list[Job], start_s: int, end_s: int, days: float
) -> dict:
    n = len(jobs)
    few = max(1, round(n * 0.025))
    span = end_s - start_s
    # at least a few all-purpose and serverless jobs, whatever the draw
    for kind in ("all_purpose", "serverless"):
        have = sum(1 for j in jobs if j.compute == kind)
        pool = [j for j in jobs if _plain(j)]
        for j in _pick(rng, pool, max(0, few - have)):
            j.compute = kind
            j.setup_s = float(rng.uniform(5, 20))
    # all-purpose clusters: 1 per workspace holding all-purpose jobs
    for j in jobs:
        if j.compute == "all_purpose":
            j.ap_cluster = j.ws
            j.autoscale = None
        if j.compute != "job":
            j.photon = False
    summary: dict = {"paused": [], "deleted": [], "renamed": [], "old_rows_only": [], "new_in_window": []}
    pool = [j for j in jobs if _plain(j)]
    for j in _pick(rng, pool, few):
        j.pause_s = int(end_s - rng.uniform(0.2, 0.5) * span)
        summary["paused"].append(j)
    pool = [j for j in jobs if _plain(j)]
    for j in _pick(rng, pool, few):
        j.delete_s = int(end_s - rng.uniform(0.15, 0.6) * span)
        summary["deleted"].append(j)
    pool = [j for j in jobs if _plain(j)]
    for j in _pick(rng, pool, few):
        j.old_only = True
        summary["old_rows_only"].append(j)
    pool = [j for j in jobs if _plain(j)]
    for j in _pick(rng, pool, few):
        j.create_s = int(end_s - rng.uniform(0.1, 0.3) * min(span, 20 * DAY))
        j.name_history = [(j.create_s, j.name)]
        summary["new_in_window"].append(j)
    # renames: any job that existed before the window, including scenario candidates (renames are harmless)
    pool = [j for j in jobs if j.idx > 1 and j.create_s < start_s and j.delete_s is None]
    for j in _pick(rng, pool, max(1, round(n * 0.05))):
        n_names = int(rng.integers(2, 4))
        times = sorted(int(start_s + rng.uniform(0.05, 0.9) * span) for _ in range(n_names - 1))
        base = j.name
        history = [(j.create_s, f"{base}_v1" if n_names > 2 else f"legacy_{base}")]
        for k, t in enumerate(times):
            history.append((t, base if k == len(times) - 1 else f"{base}_v{k + 2}"))
        j.name_history = history
        summary["renamed"].append(j)
    # shared job ids: a few jobs of workspace 2 reuse job ids of workspace 1
    ws0 = [j for j in jobs if j.ws == 0]
    ws1 = [j for j in jobs if j.ws == 1]
    shared = []
    for a, b in zip(ws0[2 : 2 + min(3, len(ws1))], ws1[: min(3, len(ws1))], strict=False):
        b.job_id = a.job_id
        shared.append((a, b))
    summary["shared_job_ids"] = shared
    return summary


def _assign_scenarios(
    rng: np.random.Generator,
    jobs: list[Job],
    start_s: int,
    end_s: int,
    summary: dict,
    kinds: tuple = SCENARIO_KINDS,
) -> None:
    per_kind = max(1, round(len(jobs) / 100))
    eligible = [
        j
        for j in jobs
        if _plain(j) and j.create_s < start_s and j.sched == "daily" and len(j.name_history) == 1
    ]
    # fall back to renamed daily jobs when the workspace is tiny
    if len(eligible) < per_kind * len(SCENARIO_KINDS):
        eligible += [
            j for j in jobs if _plain(j) and j.create_s < start_s and j.sched == "daily" and j not in eligible
        ]
    order = rng.permutation(len(eligible))
    cursor = 0
    summary["skipped_kinds"] = []
    for kind in kinds:
        for i in range(per_kind):
            if cursor >= len(order):
                summary["skipped_kinds"].append(kind)
                break
            j = eligible[int(order[cursor])]
            cursor += 1
            j.scenario, j.scenario_i = kind, i
            j.fail_rate = 0.0
            _shape_scenario_job(rng, j, kind, i)
    # clean SLA targets that are always met (to prove no false breach)
    clean = [
        j for j in jobs if j.scenario is None and _plain(j) and j.sched == "daily" and j.create_s < start_s
    ]
    for k, j in enumerate(_pick(rng, clean, max(1, per_kind))):
        j.hours, j.minute = [4], 30
        j.cron = _cron("daily", j.hours, j.minute)
        j.exec_s = min(j.exec_s, 2400)
        if k % 2 == 0:
            j.sla = {"deadline": "09:00", "timezone": j.tz, "max_duration_minutes": None}
        else:
            j.sla = {
                "deadline": None,
                "timezone": j.tz,
                "max_duration_minutes": int((j.exec_s + 1800) * 3 / 60),
            }
        j.fail_rate = 0.0
        j.extra["sla_clean"] = True


def _shape_scenario_job(rng: np.random.Generator, j: Job, kind: str, i: int) -> None:
    """Give a scenario job the shape its scenario needs (cost, size, schedule)."""
    j.exec_s = float(np.clip(j.exec_s, 900, 3600))
    j.photon = False
    if kind in ("duration_regression", "suspiciously_fast", "row_count_deviation", "schema_drift"):
        j.node_type = j.driver_node_type = "m5.xlarge"
        j.workers, j.autoscale = 2, None
        j.exec_s = float(rng.uniform(1200, 2400))
    elif kind == "retry_heavy":
        j.tasks = _tasks(rng, 3, True)
    elif kind == "sla_breach":
        j.tz = ("Europe/Paris", "America/New_York", "Asia/Tokyo")[i % 3]
        j.hours, j.minute = [5], 0
        j.cron = _cron("daily", j.hours, j.minute)
        j.exec_s = float(rng.uniform(1200, 2100))
        j.sla = {"deadline": "07:00", "timezone": j.tz, "max_duration_minutes": None}
    elif kind == "dbu_spike":
        j.node_type = j.driver_node_type = "i3.8xlarge"
        j.workers, j.autoscale = 9, (8, 72)
        j.exec_s = float(rng.uniform(6600, 7200))
    elif kind == "zombie":
        j.node_type = j.driver_node_type = "i3.4xlarge"
        j.workers, j.autoscale = 16, None
        j.exec_s = float(rng.uniform(5400, 6000))
    elif kind == "over_provisioned":
        j.node_type = j.driver_node_type = "r5.2xlarge"
        j.workers, j.autoscale = 8, None
        j.cpu, j.mem = float(rng.uniform(8, 14)), float(rng.uniform(12, 18))
    elif kind == "memory_bound":
        j.node_type = j.driver_node_type = "m5.2xlarge"
        j.workers, j.autoscale = 4, None
        j.cpu, j.mem = float(rng.uniform(12, 18)), float(rng.uniform(90, 93))
    elif kind in ("driver_bound", "io_bound", "autoscale_idle", "well_sized"):
        _shape_utilization_job(j, kind)
    j.timeout_s = int(max(3600 * 3, j.exec_s * 5))
    j.health_s = None


def _shape_utilization_job(j: Job, kind: str) -> None:
    """Sizes of the utilization scenarios, from the job's own generator: drawing from the shared one would
    move every later draw of the workspace (tables, rows) for scenarios that are only about nodes."""
    rng = np.random.default_rng(10_007 + j.idx)
    j.autoscale = None
    if kind == "driver_bound":  # collect-heavy: a busy driver, idle workers
        j.node_type = j.driver_node_type = "m5.2xlarge"
        j.workers = 6
        j.driver_cpu = float(rng.uniform(85, 92))
        j.cpu, j.mem = float(rng.uniform(5, 10)), float(rng.uniform(15, 22))
    elif kind == "io_bound":  # waiting on storage: more CPU will not help
        j.node_type = j.driver_node_type = "i3.xlarge"
        j.workers = 4
        j.cpu_wait = float(rng.uniform(28, 35))
        j.cpu, j.mem = float(rng.uniform(20, 30)), float(rng.uniform(30, 38))
    elif kind == "autoscale_idle":  # autoscaling 2..12 that never leaves its minimum
        j.node_type = j.driver_node_type = "m5.xlarge"
        j.workers, j.autoscale, j.scales = 2, (2, 12), False
        j.cpu, j.mem = float(rng.uniform(55, 65)), float(rng.uniform(50, 60))
    else:  # well sized: busy workers, memory with headroom
        j.node_type = j.driver_node_type = "c5.2xlarge"
        j.workers = 4
        j.cpu, j.mem = float(rng.uniform(62, 72)), float(rng.uniform(55, 68))


def _assign_tables(rng: np.random.Generator, jobs: list[Job]) -> None:
    """Tables each job writes and reads: a DAG per workspace; every table but the zombies' is read."""
    written_by_ws: dict[int, list[str]] = {0: [], 1: []}
    for j in jobs:
        catalog = "prod" if j.ws == 0 else "analytics"
        schema = (j.team or "shared").split(" ")[0].replace("'", "").replace("-", "_").lower()
        base = j.name if j.idx > 1 else f"job_{j.idx}"
        n_t = (
            1
            if j.scenario in ("row_count_deviation", "zombie", "schema_drift")
            else int(rng.choice([1, 1, 2]))
        )
        j.targets = [f"{catalog}.{schema}.{base}_out{k}" for k in range(n_t)]
        pool = written_by_ws[j.ws]
        if pool and rng.random() < 0.75:
            n_s = int(min(len(pool), rng.integers(1, 3)))
            j.sources = [pool[int(k)] for k in rng.choice(len(pool), size=n_s, replace=False)]
        if j.scenario != "zombie":
            pool.extend(j.targets)
