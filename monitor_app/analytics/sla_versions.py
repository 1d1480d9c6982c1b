"""SLA target versions: which target was in force at each run's start (the rule in ``sla.py``'s docstring).

A target has versions (set, changed, cleared in the app; or written in monitor.yaml). ``TargetVersions``
orders every job's versions once; ``in_force`` answers, for all the runs of one job at once, which version
was in force at each start: the latest app version set at or before it (a cleared one means none), else the
monitor.yaml target, else (no target existed yet) the current one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from monitor_app.analytics.sla_schedule import _NAT


def versions_in_force(
    positions: np.ndarray, start_ns: np.ndarray, app: np.ndarray, active: np.ndarray, set_at_ns: np.ndarray
) -> np.ndarray:
    """The target version in force (module rules) at each start (ns) of one job's runs: its row, -1 for none.

    ``positions`` are the job's versions (rows of the target frame) ordered by set_at, NaT first.
    """
    mine_app = positions[app[positions]]
    mine_yaml = positions[~app[positions]]
    if mine_yaml.size:
        fallback = mine_yaml[-1]
    elif mine_app.size and active[mine_app[-1]]:
        fallback = mine_app[-1]
    else:
        fallback = -1
    out = np.full(len(start_ns), fallback, dtype=np.int64)
    dated = mine_app[set_at_ns[mine_app] != _NAT]
    if dated.size:
        latest = np.searchsorted(set_at_ns[dated], start_ns, side="right") - 1
        has = latest >= 0
        chosen = dated[latest[has]]
        out[has] = np.where(active[chosen], chosen, -1)
    return out


class TargetVersions:
    """The target versions of all jobs, ready for :func:`versions_in_force` (ordered by set_at, NaT first)."""

    def __init__(self, targets: pd.DataFrame) -> None:
        set_at = targets["set_at"]
        if not isinstance(set_at.dtype, pd.DatetimeTZDtype):
            set_at = pd.to_datetime(set_at, utc=True)
        set_at_ns = pd.DatetimeIndex(set_at).as_unit("ns").asi8
        order = np.argsort(set_at_ns, kind="stable")  # NaT is the smallest int64: first
        self.set_at_ns = set_at_ns[order]

        def values(name: str) -> np.ndarray:
            return targets[name].to_numpy(dtype=object)[order]

        # Who set each version, when, where: shown per checked run (taken with its dtype kept).
        self.set_by = targets["set_by"].array.take(order)
        self.set_at = set_at.array.take(order)
        self.source = targets["source"].array.take(order)
        self.app = np.array([v == "app" for v in values("source")], dtype=bool)
        self.active = np.array([bool(v) for v in values("is_active")], dtype=bool)
        self.deadline = [v if isinstance(v, str) else None for v in values("deadline_local_time")]
        self.zone = np.array([v if isinstance(v, str) else None for v in values("timezone_id")], dtype=object)
        self.max_seconds = pd.to_numeric(targets["max_duration_seconds"]).to_numpy(
            dtype=float, na_value=np.nan
        )[order]
        self._by_job: dict[Any, list[tuple[Any, int]]] = {}
        for i, (ws, job) in enumerate(zip(values("workspace_id"), values("job_id"), strict=True)):
            self._by_job.setdefault(job, []).append((None if pd.isna(ws) else ws, i))

    def in_force(self, workspace_id: Any, job_id: Any, start_us: np.ndarray) -> np.ndarray:
        """Row of the version in force at each start among the job's versions; -1 for none."""
        mine = [i for ws, i in self._by_job.get(job_id, []) if ws is None or ws == workspace_id]
        if len(mine) == 1:  # one version (the usual case): in force for every run unless a cleared one
            only = mine[0]
            return np.full(len(start_us), only if self.active[only] or not self.app[only] else -1)
        positions = np.array(mine, dtype=np.int64)
        return versions_in_force(positions, start_us * 1000, self.app, self.active, self.set_at_ns)
