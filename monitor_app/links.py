"""Links into the Databricks workspace: one spelling for the alerts, the views and the reports."""

from __future__ import annotations

from urllib.parse import quote


def workspace_url(host: str | None, job_id: str | None, run_id: str | None = None) -> str | None:
    """``{host}/jobs/{job_id}[/runs/{run_id}]``, or None without a host (the embedded demo) or a job."""
    if not host or not job_id:
        return None
    base = f"{host.rstrip('/')}/jobs/{quote(str(job_id), safe='')}"
    return f"{base}/runs/{quote(str(run_id), safe='')}" if run_id else base
