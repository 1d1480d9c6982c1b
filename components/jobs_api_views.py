"""What only the Jobs API knows: runs in progress now, a job's settings (schedule, retries, clusters), and
the error text of a failed run.

System tables lag (about an hour) and lack retry and cluster settings; these panels ask the Jobs API
through the session's provider (the user's own token when the app runs on behalf of users). A failing or
slow API shows its reason in the panel; the rest of the page keeps working.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.loading import DataPanel, InPlace
from components.panes import PANE_CSS, esc, fmt_duration, key_values, text_pane
from components.table_values import cron_text
from components.tables import data_table
from monitor_app.state import AppState

# A message wraps (a workspace's are one long line); a trace keeps its lines and scrolls sideways.
RUN_ERROR_CSS = """
.run-error-block { border-left: 3px solid #c62828; padding: 2px 0 2px 10px; margin: 0 0 10px 0; }
.run-error-head { margin: 0 0 4px 0; }
pre { margin: 0 0 4px 0; font-size: 0.85em; }
.run-error-message { white-space: pre-wrap; overflow-wrap: anywhere; }
.run-error-trace { white-space: pre; overflow-x: auto; max-height: 24em; }
"""

# Runs in progress change by the minute: cache them per minute, not for the default five minutes.
ACTIVE_RUNS_CACHE_S = 60


def _minute_bucket() -> int:
    return int(time.time() // ACTIVE_RUNS_CACHE_S)


class ActiveRunsView(Viewer):
    """Runs in progress now, newest first, with how long each has been running."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state, "Runs in progress now (Jobs API)", self._load, self._render, css_class="active-runs"
        )

    def _load(self) -> pd.DataFrame:
        # The minute is part of the key only: a new minute asks the API again.
        return self._state.active_runs(_minute_bucket())

    def _render(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No run is in progress.")
        shown = frame.copy()
        now = pd.Timestamp.now(tz="UTC")
        shown["running_for"] = [fmt_duration((now - start).total_seconds()) for start in shown["start_time"]]
        cols = ["run_name", "state", "start_time", "running_for", "trigger", "job_id", "run_id"]
        return data_table(
            shown[cols],
            "runs_in_progress",
            titles={"start_time": "Start (UTC)", "running_for": "Running for"},
            on_click=lambda _i, row: self._state.select_job(row.get("workspace_id"), str(row["job_id"])),
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class JobSettingsView(Viewer):
    """The selected job's settings as the Jobs API returns them."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(state, "Job settings (Jobs API)", self._load, self._render, watch=["job_id"])

    def _load(self) -> pd.DataFrame | None:
        if not self._state.job_id:
            return None
        settings = self._state.job_settings()
        mine = settings["job_id"] == str(self._state.job_id)
        if (
            self._state.workspace_id and settings["workspace_id"].notna().any()
        ):  # ids repeat across workspaces
            mine &= settings["workspace_id"] == str(self._state.workspace_id)
        return settings[mine]

    def _render(self, frame: pd.DataFrame | None) -> Any:
        if frame is None:
            return text_pane("Select a job to see its settings.")
        if frame.empty:
            return text_pane("The Jobs API does not list this job (deleted, or in another workspace).")
        row = frame.iloc[0]
        schedule = "none"
        if row["schedule_cron"]:
            paused = ", paused" if row["pause_status"] == "PAUSED" else ""
            schedule = cron_text(row["schedule_cron"], row["schedule_timezone"]) + paused
        retries = "forever" if row["max_retries"] == -1 else row["max_retries"]
        workers = (
            f"{row['min_workers']}-{row['max_workers']} (autoscale)"
            if row["autoscale"]
            else row["max_workers"]
        )
        return key_values(
            [
                ("Schedule", schedule),
                ("Tasks", row["task_count"]),
                ("Max retries per task", retries),
                ("Retry on timeout", row["retry_on_timeout"]),
                ("Timeout", fmt_duration(row["timeout_seconds"]) if row["timeout_seconds"] else "none"),
                ("Duration health rule", fmt_duration(row["health_duration_threshold_seconds"])),
                ("Max concurrent runs", row["max_concurrent_runs"]),
                ("Node types", ", ".join(row["node_types"] or []) or "–"),
                ("Workers", workers),
                ("Failure notifications", "yes" if row["notifies_on_failure"] else "no"),
                ("Tags", ", ".join(f"{k}={v}" for k, v in (row["tags"] or {}).items()) or "none"),
            ]
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class RunErrorView(Viewer):
    """Why the selected run failed, in the words of the Jobs API: each failed task run's error and trace.

    System tables hold only a termination code (``RUN_EXECUTION_ERROR``); the message a user needs is in
    the task runs' output. Asked only for a run that failed (or whose first attempt failed), so opening a
    successful run costs no API call.
    """

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        # Shown only for a run with an error to show: a successful run's page keeps its space.
        self._shown = pn.Column(visible=False, sizing_mode="stretch_width")
        self._panel = DataPanel(
            state,
            "Error (Jobs API)",
            self._load,
            self._render,
            watch=["run_id", "workspace_id"],
            css_class="run-error",
        )
        self._shown.append(self._panel)

    def _load(self) -> pd.DataFrame | None:
        if not self._state.run_id:
            return None
        from monitor_app.analytics import drilldown
        from monitor_app.filters import Filters

        run = self._state.query(
            drilldown.run_summary, self._state.run_id, filters=Filters(workspace_id=self._state.workspace_id)
        )
        if run.empty or "failure" not in (run.outcome.iloc[0], run.first_outcome.iloc[0]):
            return None
        return self._state.run_errors(str(self._state.run_id), self._state.workspace_id)

    def _render(self, frame: pd.DataFrame | None) -> Any:
        if frame is None:
            pane = text_pane("The run did not fail: no error to show.", "empty")
        elif frame.empty:
            pane = text_pane(
                "The Jobs API lists no failed task run for this run (runs are kept 60 days).", "empty"
            )
        else:
            pane = pn.pane.HTML(
                run_errors_html(frame),
                sizing_mode="stretch_width",
                css_classes=["run-errors"],
                stylesheets=[PANE_CSS, RUN_ERROR_CSS],
            )

        def update() -> None:  # on the session's event loop, with the content
            self._shown.visible = frame is not None

        return InPlace(pane, update)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._shown


def run_errors_html(frame: pd.DataFrame) -> str:
    """One block per failed task run: what failed, its message, its trace folded, a link to it."""
    blocks = []
    for row in frame.to_dict("records"):
        what = f"Task {esc(row['task_key'])}" if not _missing(row["task_key"]) else "The run"
        attempt = "" if _missing(row["attempt_number"]) else f", attempt {int(row['attempt_number']) + 1}"
        code = "" if _missing(row["termination_code"]) else f" ({esc(row['termination_code'])})"
        head = f'<p class="run-error-head"><b>{what}</b>{attempt}: {esc(row["result_state"])}{code}</p>'
        message = row["error"] if not _missing(row["error"]) else "The Jobs API gives no message for it."
        body = f'<pre class="run-error-message">{esc(message)}</pre>'
        if not _missing(row["error_trace"]):
            body += (
                f"<details><summary>Stack trace (last lines)</summary>"
                f'<pre class="run-error-trace">{esc(row["error_trace"])}</pre></details>'
            )
        if not _missing(row["run_page_url"]) and str(row["run_page_url"]).startswith(("https://", "http://")):
            body += (
                f'<p><a href="{esc(row["run_page_url"])}" target="_blank" rel="noopener noreferrer">'
                "Open it in the workspace</a> (output and logs)</p>"
            )
        blocks.append(f'<div class="run-error-block">{head}{body}</div>')
    return "".join(blocks)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, list | dict | tuple) and pd.isna(value))


# Below the fold of their page (the Jobs API client takes seconds to import): built when opened.
FOLDED = {
    ActiveRunsView: "Runs in progress now (Jobs API)",
    JobSettingsView: "Job settings (Jobs API)",
}

# RunErrorView is part of the run's detail (drilldown_views.RunDetailView), between its facts and tasks.
VIEWS = {"overview": [ActiveRunsView], "runs": [JobSettingsView]}
