"""Vectorised generation of job runs, attempts (repairs) and task runs, with the scenarios injected.

Times are int64/float64 seconds since the epoch (UTC). No Python loop runs over runs: loops are over
time zones, jobs with scenarios, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.simulator import catalog as C
from data.simulator.jobs import DAY, HOUR, Job

# Result state codes used in the arrays (index into STATES).
STATES = np.array(["SUCCEEDED", "FAILED", "ERROR", "TIMED_OUT", "CANCELLED", "SKIPPED", None], dtype=object)
OK, FAILED, ERROR, TIMED_OUT, CANCELLED, SKIPPED, RUNNING = range(7)
TERM_CODES = np.array(
    ["SUCCESS", "RUN_EXECUTION_ERROR", "CLUSTER_ERROR", "TIMED_OUT", "USER_CANCELED", "SKIPPED", None],
    dtype=object,
)
TERM_TYPES = np.array(
    ["SUCCESS", "CLIENT_ERROR", "CLOUD_FAILURE", "CLIENT_ERROR", "CLIENT_ERROR", "SUCCESS", None],
    dtype=object,
)
RECENT = 7 * DAY


@dataclass
class Runs:
    """One row per job run (sorted by job, then start)."""

    job: np.ndarray
    start: np.ndarray
    sched: np.ndarray
    manual: np.ndarray
    exec_s: np.ndarray
    total: np.ndarray
    state: np.ndarray  # final state code (RUNNING while in progress)
    first_state: np.ndarray
    repaired: np.ndarray
    queue_s: np.ndarray
    workers: np.ndarray
    run_id: np.ndarray  # int64
    name_idx: np.ndarray


@dataclass
class Attempts:
    run: np.ndarray
    att: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    x0: np.ndarray
    x1: np.ndarray
    flo: np.ndarray
    fhi: np.ndarray
    cut: np.ndarray
    state: np.ndarray
    running: np.ndarray


@dataclass
class TaskRuns:
    attempt: np.ndarray
    task: np.ndarray  # index into the flat task table
    t0: np.ndarray
    t1: np.ndarray
    state: np.ndarray
    retry_no: np.ndarray
    run_id: np.ndarray


def group_rank_from_end(job: np.ndarray, mask: np.ndarray, n_jobs: int) -> np.ndarray:
    """For each element: how many ``mask`` elements of the same job are at or after it (job-sorted arrays)."""
    m = mask.astype(np.int64)
    rev = np.cumsum(m[::-1])[::-1]
    ends = np.searchsorted(job, np.arange(n_jobs), side="right")
    rev_ext = np.append(rev, 0)
    return rev - rev_ext[ends[job]]


def schedule_times(jobs: list[Job], start_s: int, end_s: int) -> tuple[np.ndarray, np.ndarray]:
    """Fire times (UTC seconds) of every job's quartz schedule in [start, end), honouring time zones."""
    out_job, out_t = [], []
    day0 = (start_s // DAY - 2) * DAY
    days = np.arange(day0, (end_s // DAY + 2) * DAY, DAY, dtype=np.int64)
    by_tz: dict[str, list[Job]] = {}
    for j in jobs:
        by_tz.setdefault(j.tz, []).append(j)
    for tz, group in sorted(by_tz.items()):
        pj = np.concatenate([np.full(len(j.hours), j.idx, dtype=np.int64) for j in group])
        ph = np.concatenate([np.asarray(j.hours, dtype=np.int64) for j in group])
        pm = np.concatenate([np.full(len(j.hours), j.minute, dtype=np.int64) for j in group])
        pw = np.concatenate([np.full(len(j.hours), j.sched == "weekday") for j in group])
        nd = len(days)
        jj = np.repeat(pj, nd)
        dd = np.tile(days, len(pj))
        local = dd + np.repeat(ph * HOUR + pm * 60, nd)
        keep = ~(np.repeat(pw, nd) & (((dd // DAY) + 3) % 7 >= 5))
        jj, local = jj[keep], local[keep]
        if tz == "UTC":
            utc = local
        else:
            idx = pd.DatetimeIndex(local.astype("datetime64[s]"))
            loc = idx.tz_localize(tz, ambiguous=np.zeros(len(idx), dtype=bool), nonexistent="shift_forward")
            utc = loc.as_unit("s").asi8
        out_job.append(jj)
        out_t.append(utc)
    job = np.concatenate(out_job)
    t = np.concatenate(out_t)
    lo = np.array([max(start_s, j.create_s) for j in jobs], dtype=np.int64)
    hi = np.array([min(end_s, j.pause_s or end_s, j.delete_s or end_s) for j in jobs], dtype=np.int64)
    keep = (t >= lo[job]) & (t < hi[job])
    return job[keep], t[keep]


class TaskTable:
    """Flat table of every job's tasks (offset per job)."""

    def __init__(self, jobs: list[Job]) -> None:
        self.n = np.array([len(j.tasks) for j in jobs], dtype=np.int64)
        self.offset = np.concatenate([[0], np.cumsum(self.n)[:-1]]).astype(np.int64)
        self.job = np.repeat(np.arange(len(jobs)), self.n)
        self.start = np.array([t.start_frac for j in jobs for t in j.tasks])
        self.end = np.array([t.end_frac for j in jobs for t in j.tasks])
        self.retries = np.array([t.max_retries for j in jobs for t in j.tasks], dtype=np.int64)
        self.key = np.array([t.key for j in jobs for t in j.tasks], dtype=object)


def generate_runs(rng: np.random.Generator, jobs: list[Job], start_s: int, end_s: int, manifest: dict):
    """Runs, attempts and task runs with every scenario injected; fills manifest['scenarios']."""
    nj = len(jobs)
    tt = TaskTable(jobs)
    job, sched = schedule_times(jobs, start_s, end_s)
    manual = np.zeros(len(job), dtype=bool)

    # A few manual runs started shortly before `end` that are still running (clean hourly/multi jobs first).
    cands = [
        j for j in jobs if j.scenario is None and j.sla is None and j.pause_s is None and j.delete_s is None
    ]
    cands.sort(key=lambda j: (j.sched not in ("hourly", "multi"), j.idx))
    extra = cands[: max(2, min(5, nj // 60))]
    if extra:
        job = np.concatenate([job, [j.idx for j in extra]])
        sched = np.concatenate([sched, end_s - rng.integers(600, 2400, len(extra))])
        manual = np.concatenate([manual, np.ones(len(extra), dtype=bool)])
    order = np.lexsort((sched, job))
    job, sched, manual = job[order], sched[order], manual[order]
    n = len(job)

    exec_base = np.array([j.exec_s for j in jobs])
    setup = np.array([j.setup_s for j in jobs])[job] * rng.uniform(0.97, 1.03, n)
    dow = ((sched // DAY) + 3) % 7
    season = np.select([dow == 0, dow >= 5], [1.05, 0.9], 1.0)
    noise = 1 + np.clip(rng.normal(0, 0.035, n), -0.08, 0.08)
    exec_s = exec_base[job] * season * noise
    exec_s[manual] = np.maximum(exec_s[manual], 3 * HOUR)
    start = sched + rng.integers(3, 40, n)
    queue = np.zeros(n)
    workers = np.array([j.workers for j in jobs], dtype=np.int64)[job]

    # Natural outcomes of clean jobs: rare failures, never two in a row, the last 3 completed succeed.
    fail_rate = np.array([j.fail_rate for j in jobs])[job]
    u = rng.random(n)
    fail = (u < fail_rate) & ~manual
    cancel = (u >= fail_rate) & (u < fail_rate + 0.003) & (fail_rate > 0) & ~manual
    same_prev = np.r_[False, job[1:] == job[:-1]]
    prev_bad = np.r_[False, (fail | cancel)[:-1]] & same_prev
    fail &= ~prev_bad
    cancel &= ~prev_bad
    approx_end = start + setup + exec_s + 60
    completed = approx_end < end_s
    rank = group_rank_from_end(job, completed, nj)
    tail = completed & (rank <= 3)
    fail &= ~tail
    cancel &= ~tail
    state = np.full(n, OK, dtype=np.int64)
    fkind = rng.choice([FAILED, FAILED, ERROR, TIMED_OUT], n)
    state[fail] = fkind[fail]
    state[cancel] = CANCELLED
    repaired = fail & (rng.random(n) < 0.4) & (approx_end < end_s - DAY)

    retry_runs: list[tuple[int, int]] = []  # (run index, local task index) forced retries
    scen_run_ids: dict[int, list[int]] = {}
    details: dict[int, dict] = {}
    ends = np.searchsorted(job, np.arange(nj), side="right")
    starts = np.searchsorted(job, np.arange(nj), side="left")
    for j in jobs:
        if j.scenario is None:
            continue
        idx = np.arange(starts[j.idx], ends[j.idx])
        idx = idx[completed[idx] & ~manual[idx]]
        recent = idx[start[idx] >= end_s - RECENT + 6 * HOUR]
        k = j.scenario
        det: dict = {}
        chosen: list[int] = []
        if k == "consecutive_failures":
            chosen = list(idx[-3:])
            codes = [FAILED, ERROR, FAILED]
            for c, r in zip(codes, chosen, strict=True):
                state[r] = c
                exec_s[r] *= 0.5
            det = {"count": len(chosen), "result_states": [STATES[c] for c in codes]}
        elif k == "duration_regression":
            chosen = list(recent[-4:])
            base = float(np.median(setup[idx[:-4]] + exec_s[idx[:-4]]))
            exec_s[chosen] *= 2.1
            det = {"factor_exec": 2.1, "baseline_median_duration_s": round(base, 1)}
        elif k == "suspiciously_fast":
            chosen = list(recent[-3:])
            base = float(np.median(setup[idx[:-3]] + exec_s[idx[:-3]]))
            exec_s[chosen] *= 0.22
            det = {"factor_exec": 0.22, "baseline_median_duration_s": round(base, 1)}
        elif k == "retry_heavy":
            chosen = list(recent[-6:])
            for q, r in enumerate(chosen):
                retry_runs.append((int(r), q % 3))
                if q < 2:
                    retry_runs.append((int(r), (q + 1) % 3))
            det = {"task_retries": len(retry_runs) and sum(1 for r, _ in retry_runs if r in set(chosen))}
        elif k == "sla_breach":
            last = list(recent[-6:])
            late = [last[-2], last[-4]]
            failed = last[-5]
            for r in late:
                queue[r] = 9000 + 600 * (r % 3)
                start[r] += int(queue[r])
            state[failed] = FAILED
            chosen = sorted(late + [failed])
            det = {
                "breaches": [{"run": int(r), "cause": "started_late"} for r in late]
                + [{"run": int(failed), "cause": "failed"}]
            }
        elif k == "dbu_spike":
            chosen = [int(recent[-2])]
            workers[chosen] = j.autoscale[1] if j.autoscale else j.workers * 8
            det = {"workers": int(workers[chosen[0]]), "usual_workers": j.workers}
        elif k == "zombie":
            chosen = []
        elif k in ("row_count_deviation",):
            chosen = list(idx[-2:])
        scen_run_ids[j.idx] = [int(r) for r in chosen]
        details[j.idx] = det

    total = setup + exec_s + 20
    first_state = state.copy()
    final = np.where(repaired, OK, state)
    ended = start + total < end_s
    final = np.where(ended | repaired, final, RUNNING)

    # run ids: increasing with start time over the whole account
    run_order = np.argsort(start, kind="stable")
    run_id = np.empty(n, dtype=np.int64)
    run_id[run_order] = 500_000_000_000 + np.arange(n, dtype=np.int64) * 7 + rng.integers(0, 7, n)

    name_idx = _name_index(jobs, job, start)
    runs = Runs(
        job,
        start,
        sched,
        manual,
        exec_s,
        total,
        final,
        first_state,
        repaired,
        queue,
        workers,
        run_id,
        name_idx,
    )
    atts = _attempts(rng, runs, tt, setup, end_s)
    tasks = _task_runs(rng, runs, atts, tt, jobs, end_s, retry_runs)

    for j in jobs:
        if j.scenario is None:
            continue
        rids = [str(run_id[r]) for r in scen_run_ids.get(j.idx, [])]
        det = details.get(j.idx, {})
        if "breaches" in det:
            det["breaches"] = [
                {"run_id": str(run_id[b["run"]]), "cause": b["cause"]} for b in det["breaches"]
            ]
        if j.scenario == "retry_heavy":
            det["task_retries"] = int(
                np.sum(
                    tasks.retry_no[
                        np.isin(tasks.attempt, np.flatnonzero(np.isin(atts.run, scen_run_ids[j.idx])))
                    ]
                    > 0
                )
            )
        j.extra["run_idx"] = scen_run_ids.get(j.idx, [])
        j.extra["run_ids"] = rids
        j.extra["details"] = det
    return runs, atts, tasks, tt


def _name_index(jobs: list[Job], job: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Index into the flat list of (job, name) versions of the name each run had."""
    offs, cur = [], 0
    for j in jobs:
        offs.append(cur)
        cur += len(j.name_history)
    offs_a = np.array(offs, dtype=np.int64)
    nversions = np.array([len(j.name_history) for j in jobs], dtype=np.int64)
    out = offs_a[job] + nversions[job] - 1
    for j in jobs:
        if len(j.name_history) > 1:
            sel = np.flatnonzero(job == j.idx)
            times = np.array([t for t, _ in j.name_history], dtype=np.int64)
            v = np.clip(np.searchsorted(times, start[sel], side="right") - 1, 0, len(times) - 1)
            out[sel] = offs_a[j.idx] + v
    return out


def _attempts(rng: np.random.Generator, runs: Runs, tt: TaskTable, setup: np.ndarray, end_s: int) -> Attempts:
    n = len(runs.job)
    first = runs.first_state
    broken = np.isin(first, [FAILED, ERROR, TIMED_OUT, CANCELLED])
    ntask = tt.n[runs.job]
    ft = np.minimum((rng.random(n) * ntask).astype(np.int64), ntask - 1)
    fidx = tt.offset[runs.job] + ft
    cut = tt.start[fidx] + rng.uniform(0.1, 0.6, n) * (tt.end[fidx] - tt.start[fidx])
    cut = np.where(broken, cut, 1.0)
    # A: the first attempt
    x0 = runs.start + setup
    x1 = x0 + runs.exec_s * cut
    t1 = x1 + 20
    # B: the repair, re-running the tasks that had not succeeded, over the rest of the usual duration
    rep = np.flatnonzero(runs.repaired)
    u0 = np.ones(len(rep))
    if len(rep):
        rr = np.repeat(rep, ntask[rep])
        loc = np.arange(len(rr)) - np.repeat(np.cumsum(ntask[rep]) - ntask[rep], ntask[rep])
        ti = tt.offset[runs.job[rr]] + loc
        cand = np.where(tt.end[ti] > cut[rr], tt.start[ti], 1.0)
        pos = np.repeat(np.arange(len(rep)), ntask[rep])
        np.minimum.at(u0, pos, cand)
    b_len = np.maximum(runs.total[rep] - (t1[rep] - runs.start[rep]), 0.25 * runs.total[rep])
    b_t0 = t1[rep] + rng.uniform(1200, 5400, len(rep))
    a = Attempts(
        run=np.concatenate([np.arange(n), rep]),
        att=np.concatenate([np.zeros(n, dtype=np.int64), np.ones(len(rep), dtype=np.int64)]),
        t0=np.concatenate([runs.start.astype(np.float64), b_t0]),
        t1=np.concatenate([t1, b_t0 + b_len]),
        x0=np.concatenate([x0, b_t0 + 0.15 * b_len]),
        x1=np.concatenate([x1, b_t0 + 0.95 * b_len]),
        flo=np.concatenate([np.zeros(n), u0]),
        fhi=np.concatenate([cut, np.ones(len(rep))]),
        cut=np.concatenate([np.full(n, -1.0), cut[rep]]),
        state=np.concatenate([first, np.full(len(rep), OK)]),
        running=np.zeros(n + len(rep), dtype=bool),
    )
    for f in ("t0", "t1", "x0", "x1"):
        setattr(a, f, np.round(getattr(a, f)))
    a.running = a.t1 > end_s
    a.state = np.where(a.running, RUNNING, a.state)
    # skipped runs end at once
    order = np.lexsort((a.att, a.run))
    for f in a.__dataclass_fields__:
        setattr(a, f, getattr(a, f)[order])
    return a


def _task_runs(
    rng: np.random.Generator,
    runs: Runs,
    a: Attempts,
    tt: TaskTable,
    jobs: list[Job],
    end_s: int,
    retry_runs: list[tuple[int, int]],
) -> TaskRuns:
    nt = tt.n[runs.job[a.run]]
    att = np.repeat(np.arange(len(a.run)), nt)
    loc = np.arange(len(att)) - np.repeat(np.cumsum(nt) - nt, nt)
    ti = tt.offset[runs.job[a.run[att]]] + loc
    s, e = tt.start[ti], tt.end[ti]
    keep = (s < a.fhi[att]) & (e > a.cut[att])
    att, ti, loc, s, e = att[keep], ti[keep], loc[keep], s[keep], e[keep]
    fs = np.maximum(s, a.flo[att])
    fe = np.minimum(e, a.fhi[att])
    scale = (a.x1[att] - a.x0[att]) / np.maximum(a.fhi[att] - a.flo[att], 1e-9)
    t0 = a.x0[att] + (fs - a.flo[att]) * scale
    t1 = a.x0[att] + (fe - a.flo[att]) * scale
    state = np.where(e > a.fhi[att] + 1e-12, a.state[att], OK)
    keep = t0 < end_s
    att, ti, loc, t0, t1, state = att[keep], ti[keep], loc[keep], t0[keep], t1[keep], state[keep]
    state = np.where(t1 > end_s, RUNNING, state)
    t1 = np.minimum(t1, end_s)

    # Task retries: a failed first attempt, then the successful retry inside the same time slot.
    is_clean = np.array([j.scenario is None for j in jobs])
    jb = runs.job[a.run[att]]
    cand = (state == OK) & (tt.retries[ti] > 0) & is_clean[jb] & (a.att[att] == 0)
    cand &= rng.random(len(att)) < np.minimum(0.02, 3.0 / np.maximum(1, _runs_per_job(runs, len(jobs))[jb]))
    # at most one retry per job per 10-day bucket, so any 30-day window sees fewer than 5
    bucket = ((end_s - t0) // (10 * DAY)).astype(np.int64)
    ci = np.flatnonzero(cand)
    key = jb[ci] * 100_000 + bucket[ci]
    _, firsts = np.unique(key, return_index=True)
    retry = np.zeros(len(att), dtype=bool)
    retry[ci[firsts]] = True
    if retry_runs:
        # attempts are sorted by (run, att): the first attempt of run r is at searchsorted(run, r)
        first_att = np.searchsorted(a.run, [r for r, _ in retry_runs])
        want = set(zip(first_att.tolist(), [q for _, q in retry_runs], strict=True))
        for i in np.flatnonzero(np.isin(att, list({w[0] for w in want}))):
            if (int(att[i]), int(loc[i])) in want and state[i] == OK:
                retry[i] = True
    rep = 1 + retry.astype(np.int64)
    idx = np.repeat(np.arange(len(att)), rep)
    retry_no = np.arange(len(idx)) - np.repeat(np.cumsum(rep) - rep, rep)
    r_t0, r_t1, r_state = t0[idx].copy(), t1[idx].copy(), state[idx].copy()
    split = retry[idx]
    frac = rng.uniform(0.15, 0.35, len(idx))
    mid = t0[idx] + frac * (t1[idx] - t0[idx])
    first_part = split & (retry_no == 0)
    second = split & (retry_no == 1)
    r_t1[first_part] = mid[first_part]
    r_state[first_part] = FAILED
    r_t0[second] = np.minimum(mid[second] + 30, r_t1[second] - 1)
    r_t0, r_t1 = np.round(r_t0), np.round(r_t1)
    task_order = np.argsort(r_t0, kind="stable")
    task_id = np.empty(len(idx), dtype=np.int64)
    task_id[task_order] = (
        800_000_000_000 + np.arange(len(idx), dtype=np.int64) * 3 + rng.integers(0, 3, len(idx))
    )
    return TaskRuns(att[idx], ti[idx], r_t0, r_t1, r_state, retry_no, task_id)


def _runs_per_job(runs: Runs, nj: int) -> np.ndarray:
    return np.bincount(runs.job, minlength=nj) * 3


def hour_slices(t0: np.ndarray, t1: np.ndarray):
    """Split [t0, t1) at clock hours: (source index, slice start, slice end, is last slice)."""
    h0 = np.floor(t0 / HOUR).astype(np.int64)
    h1 = np.maximum(np.ceil(t1 / HOUR).astype(np.int64), h0 + 1)
    k = h1 - h0
    src = np.repeat(np.arange(len(t0)), k)
    step = np.arange(len(src)) - np.repeat(np.cumsum(k) - k, k)
    hs = (h0[src] + step) * HOUR
    s = np.maximum(t0[src], hs)
    e = np.minimum(t1[src], hs + HOUR)
    last = step == k[src] - 1
    return src, s, e, last, hs


def dbu_per_hour(jobs: list[Job]) -> np.ndarray:
    """DBUs per hour of the driver plus one worker... returned as (driver rate, worker rate) per job."""
    drv = np.array([C.NODE_TYPES[j.driver_node_type][2] for j in jobs])
    wrk = np.array([C.NODE_TYPES[j.node_type][2] for j in jobs])
    fac = np.array([C.PHOTON_DBU_FACTOR if j.photon else 1.0 for j in jobs])
    return np.stack([drv * fac, wrk * fac], axis=1)
