"""Several workspaces' Jobs APIs behind one provider: the demo's loopback serves each simulated workspace
on its own host, as real workspaces are, and the views ask all of them.

Job and run ids are unique within a workspace only (the demo has job ids in both of its workspaces), so
every row carries the ``workspace_id`` of the host that answered and callers match on both.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


class WorkspacesJobsApi:
    """``JobsApiProvider``'s calls over ``{workspace_id: provider}``; rows gain ``workspace_id``."""

    def __init__(self, providers: dict[str, Any]) -> None:
        if not providers:
            raise ValueError("no workspace to ask")
        self.providers = dict(providers)

    @property
    def auth_kind(self) -> str:
        return next(iter(self.providers.values())).auth_kind

    @property
    def timeout_s(self) -> float:
        return max(p.timeout_s for p in self.providers.values())

    @property
    def host(self) -> str:
        return ", ".join(str(p.host) for p in self.providers.values())

    workspace_id = None

    def describe(self) -> str:
        return f"Jobs API of {len(self.providers)} workspaces ({self.auth_kind})"

    def _each(self, call: str, *args: Any, **kwargs: Any) -> pd.DataFrame:
        frames = []
        for workspace_id, provider in self.providers.items():
            frame = getattr(provider, call)(*args, **kwargs).copy()
            frame["workspace_id"] = workspace_id
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def job_settings(self) -> pd.DataFrame:
        return self._each("job_settings")

    def active_runs(self, job_id: str | None = None) -> pd.DataFrame:
        frame = self._each("active_runs", job_id)
        return frame.sort_values("start_time", ascending=False, ignore_index=True) if len(frame) else frame

    def recent_runs(
        self, since: pd.Timestamp, job_id: str | None = None, max_runs: int = 1000
    ) -> pd.DataFrame:
        frame = self._each("recent_runs", since, job_id, max_runs)
        return frame.sort_values("start_time", ascending=False, ignore_index=True) if len(frame) else frame

    def run_errors(self, run_id: str, workspace_id: str | None = None) -> pd.DataFrame:
        """The run's errors from its workspace's API; without a workspace, from the first that knows it."""
        if workspace_id in self.providers:
            frame = self.providers[workspace_id].run_errors(run_id).copy()
            frame["workspace_id"] = workspace_id
            return frame
        last: Exception | None = None
        for workspace, provider in self.providers.items():
            try:
                frame = provider.run_errors(run_id).copy()
            except Exception as err:  # JobsApiError: this workspace has no such run; ask the next
                last = err
                continue
            frame["workspace_id"] = workspace
            return frame
        assert last is not None
        raise last

    def current_user(self) -> pd.DataFrame:
        return next(iter(self.providers.values())).current_user()
