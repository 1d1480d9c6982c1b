"""The drill-down views: teams -> a team's jobs -> a job's runs -> a run's tasks, plus the breadcrumb.

Thin views: each one reads its data through ``state.query(drilldown.fn)`` inside a ``DataPanel`` and only
lays out and formats. Clicking a row (or picking from the select beside the table, for keyboard users)
calls ``state.select_*``; the shell turns that into a new page and a browser history entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.forms import picker
from components.jobs_api_views import RunErrorView
from components.loading import PRIMARY, DataPanel, InPlace
from components.panes import PANE_CSS, esc, fmt_duration, fmt_money, key_values_html, text_pane
from components.sparkline import runs_sparkline
from components.table_values import enum_text, moment_text
from components.tables import KeptTable
from components.task_timeline import TaskTimeline
from components.theme import button_stylesheets
from monitor_app.analytics import drilldown
from monitor_app.links import workspace_url
from monitor_app.state import AppState
from monitor_app.termination import TERMINATION_HINTS

MONEY_TITLE = "Cost ($, list price)"
# A team, job or run id no workspace has: the query of a view primed while hidden returns no row.
NO_MATCH = "\uffffno match\uffff"


class Breadcrumb(Viewer):
    """All teams > team > job > run, each level a button that goes back up (names are plain text).

    One per session, above the drill-down pages: its buttons are kept and only their labels and
    visibility change, so a click sends a few values, not new models.
    """

    def __init__(self, state: AppState, visible: bool = True, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._teams = self._button("All teams", lambda: state.clear_selection("team"), "crumb-teams")
        self._team = self._button("", lambda: state.clear_selection("job"), "crumb-team")
        self._job = self._button("", lambda: state.clear_selection("run"), "crumb-job")
        self._run = pn.pane.HTML("", css_classes=["crumb-run"], margin=(8, 5))
        self._row = pn.Row(
            self._teams,
            self._team,
            self._job,
            self._run,
            css_classes=["breadcrumb"],
            sizing_mode="stretch_width",
            margin=(0, 0, 5, 0),
            visible=visible,
        )
        self._stale = True
        state.param.watch(self._update, ["team", "job_id", "run_id"])
        self._update()

    @property
    def visible(self) -> bool:
        return self._row.visible

    @visible.setter
    def visible(self, value: bool) -> None:
        if value and self._stale:
            self._stale = False  # its labels set first, then shown: one change for the browser
            self._relabel()
        if self._row.visible != value:
            self._row.visible = value

    def _job_name(self) -> str:
        state = self._state
        if not state.job_id:
            return ""
        try:
            jobs = state.query(drilldown.team_jobs, filters=state.filters().with_(team=None, job_id=None))
            name = jobs.loc[jobs.job_id == state.job_id, "name"]
            return str(name.iloc[0]) if len(name) else f"job {state.job_id}"
        except Exception:
            return f"job {state.job_id}"

    def prime(self) -> Callable[[], None]:
        """Every job's name read into the result cache (in a worker, while nothing is selected), so that
        the first job click does not run this query on the session's event loop."""
        state = self._state
        state.query(drilldown.team_jobs, filters=state.filters().with_(team=None, job_id=None))
        return lambda: None

    @staticmethod
    def _button(label: str, action: Any, css: str) -> pn.widgets.Button:
        button = pn.widgets.Button(
            label=label, color="light", css_classes=[css], margin=(0, 2), stylesheets=button_stylesheets()
        )
        button.on_click(lambda _event: action())
        return button

    def _update(self, *events: Any) -> None:
        if not self._row.visible:
            # hidden (the overview): updated when shown. A cross-filter changed its labels on a hidden
            # row, and the browser re-rendered the hidden drill-down pages for it.
            self._stale = True
            return
        self._stale = False
        self._relabel()

    def _relabel(self) -> None:
        state = self._state
        shown = {
            self._team: f"Team: {state.team}" if state.team else None,
            self._job: f"Job: {self._job_name()}" if state.job_id else None,
        }
        for button, label in shown.items():
            if label is not None and button.label != label:
                button.label = label
            if button.visible != (label is not None):
                button.visible = label is not None
        # Always shown, empty without a run: one change per click (every change in the page is a layout
        # pass in the browser).
        run = f'<span class="crumb-run">Run {esc(state.run_id)}</span>' if state.run_id else ""
        if self._run.object != run:
            self._run.object = run

    def __panel__(self) -> pn.viewable.Viewable:
        return self._row


def _termination(code: Any) -> Any:
    """A termination code as words with the code beside it, as the Jobs API and the docs name it:
    ``Run execution error (RUN_EXECUTION_ERROR)``."""
    words = enum_text(code)
    return f"{words} ({code})" if isinstance(code, str) and words != code else code


def _picker_options(label: str, options: dict[str, str]) -> dict[str, str]:
    return {f"Open {label.lower()}…": "", **options}


class TeamsView(Viewer):
    """Every team: jobs, runs, failures, success rate and list-price cost; click a team for its jobs."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._table = KeptTable(
            "teams",
            titles={
                "list_cost_usd": MONEY_TITLE,
                "success_rate": "Success rate",
                "last_run_time": "Last run (UTC)",
            },
            money=["list_cost_usd"],
            percent=["success_rate"],
            numbers={"dbus": "0,0.0"},
            on_click=lambda _i, row: state.select_team(row["team"]),
            css_class="teams-table",
        )
        self._pick = picker("Team", {}, state.select_team, "team-picker")
        self._view = pn.Column(self._pick, self._table.view, sizing_mode="stretch_width")
        self._panel = DataPanel(
            state,
            "Teams",
            lambda: state.query(
                drilldown.teams_summary, filters=state.filters().with_(team=None, job_id=None)
            ),
            self._render,
            watch=("as_of", "window_days", "start_date", "end_date", "workspace_id"),
            active=lambda: state.page == "teams",
            css_class="teams-view",
            priority=PRIMARY,
        )

    def _render(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No team has jobs in this window.", "empty")
        rows = self._table.prepare(frame)
        options = _picker_options("Team", {str(t): str(t) for t in frame["team"]})

        def update() -> None:
            rows()
            self._pick.options = options

        return InPlace(self._view, update)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


def with_runs_by_day(jobs: pd.DataFrame, days: pd.DataFrame, filters: Any) -> pd.DataFrame:
    """``jobs`` with a ``runs_by_day`` column after the team: each job's ``(day, runs, failed)`` series."""
    series = drilldown.daily_series(days, filters) if len(days) else {}
    idle = [(day, 0, 0) for day in drilldown.window_calendar(filters)]
    values = [series.get((str(w), str(j)), idle) for w, j in jobs[["workspace_id", "job_id"]].values]
    out = jobs.copy()
    out.insert(list(out.columns).index("team") + 1, "runs_by_day", values)
    return out


class JobsView(Viewer):
    """The jobs of the selected team (all jobs when none): runs, outcomes, cost; click a job for its runs."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._title = pn.pane.HTML(sizing_mode="stretch_width")
        state.param.watch(self._set_title, ["team"])
        self._set_title()
        self._table = KeptTable(
            "jobs",
            titles={
                "list_cost_usd": MONEY_TITLE,
                "runs_by_day": "Runs per day",
                "success_rate": "Success rate",
                "p50_duration_seconds": "Median duration",
                "last_run_time": "Last run (UTC)",
            },
            money=["list_cost_usd"],
            percent=["success_rate"],
            numbers={"dbus": "0,0.0"},
            on_click=lambda _i, row: state.select_job(row["workspace_id"], row["job_id"]),
            css_class="jobs-table",
            markup={"runs_by_day": runs_sparkline},
            # runs, failed, the success rate and the last outcome say as much; the CSV has both
            hidden=("succeeded", "running"),
        )
        self._pick = picker("Job", {}, lambda v: state.select_job(*v.split("/", 1)), "job-picker")
        self._view = pn.Column(self._pick, self._table.view, sizing_mode="stretch_width")
        self._panel = DataPanel(
            state,
            "Jobs",
            self._load,
            self._render,
            watch=("as_of", "window_days", "start_date", "end_date", "workspace_id", "team"),
            active=lambda: state.page == "jobs",
            css_class="jobs-view",
            priority=PRIMARY,
            show_title=False,
        )

    def _load(self) -> pd.DataFrame:
        """The jobs in scope, each with its runs per day of the window (the sparkline)."""
        state = self._state
        filters = state.filters().with_(job_id=None)
        jobs = state.query(drilldown.team_jobs, filters=filters)
        return with_runs_by_day(jobs, state.query(drilldown.job_days, filters=filters), filters)

    def prime(self) -> Callable[[], None]:
        """Its table built empty (while the page is hidden): see ``KeptTable.prime``."""
        state = self._state
        filters = state.filters().with_(team=NO_MATCH, job_id=None)
        empty = with_runs_by_day(state.query(drilldown.team_jobs, filters=filters), pd.DataFrame(), filters)
        table = self._table.prime(empty.drop(columns=["is_deleted"]))

        def update() -> None:
            if table():
                self._panel.place(self._view)

        return update

    def _set_title(self, *events: Any) -> None:
        team = self._state.team
        self._title.object = (
            f'<h2 class="jobs-title">Jobs of team {esc(team)}</h2>'
            if team
            else '<h2 class="jobs-title">Jobs of all teams</h2>'
        )

    def _render(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane("No jobs in this scope and window.", "empty")
        frame = frame.drop(columns=["is_deleted"])
        rows = self._table.prepare(frame)
        options = _picker_options(
            "Job",
            {
                f"{name} ({job_id})": f"{ws}/{job_id}"
                for ws, job_id, name in frame[["workspace_id", "job_id", "name"]].values
            },
        )

        def update() -> None:
            rows()
            self._pick.options = options

        return InPlace(self._view, update)

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self._title, self._panel, sizing_mode="stretch_width")


class RunsView(Viewer):
    """The selected job's runs (else every run in scope) as a table; click a run.

    The job's duration chart is the health views' "Run history" on the same page (baseline band, SLA
    line, retries): this view has none of its own.
    """

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._title = pn.pane.HTML("", sizing_mode="stretch_width")
        self._table = KeptTable(
            "runs",
            titles={"list_cost_usd": MONEY_TITLE, "start_time": "Start (UTC)", "end_time": "End (UTC)"},
            money=["list_cost_usd"],
            numbers={"dbus": "0,0.00"},
            on_click=lambda _i, row: state.select_run(row["workspace_id"], row["run_id"], row["job_id"]),
            css_class="runs-table",
            page_size=20,
        )

        def pick(value: str) -> None:
            ws, job, run = value.split("/", 2)
            state.select_run(ws, run, job)

        self._pick = picker("Run", {}, pick, "run-picker")
        self._view = pn.Column(self._pick, self._title, self._table.view, sizing_mode="stretch_width")
        self._panel = DataPanel(
            state,
            "Runs",
            lambda: state.query(
                drilldown.job_runs, filters=state.filters().with_(row_limit=drilldown.MAX_RUNS)
            ),
            self._render,
            watch=AppState.FILTER_PARAMS,
            active=lambda: state.page == "runs" and not state.run_id,
            css_class="runs-view",
            priority=PRIMARY,
        )

    def prime(self) -> Callable[[], None]:
        """Its table built empty with a job's columns (while the page is hidden): see ``KeptTable.prime``."""
        state = self._state
        empty = state.query(drilldown.job_runs, filters=state.filters().with_(job_id=NO_MATCH))
        table = self._table.prime(empty.drop(columns=["job_name", "team"]))

        def update() -> None:
            if table():
                self._panel.place(self._view)

        return update

    def _render(self, frame: pd.DataFrame) -> Any:
        state = self._state
        if frame.empty:
            return text_pane("No runs in this scope and window.", "empty")
        title = ""
        if state.job_id:
            name = frame["job_name"].iloc[0]
            title = f'<h2 class="runs-title">Runs of job {esc(name)} ({esc(state.job_id)})</h2>'
        shown = frame.drop(columns=[c for c in ("job_name", "team") if state.job_id and c in frame])
        rows = self._table.prepare(shown)
        options = _picker_options(
            "Run",
            {
                f"{r.run_id} · {r.start_time:%Y-%m-%d %H:%M} · {r.outcome}": f"{r.workspace_id}/{r.job_id}/{r.run_id}"
                for r in frame.head(200).itertuples()
            },
        )

        def update() -> None:
            self._title.object = title
            self._title.visible = bool(title)
            rows()
            self._pick.options = options

        return InPlace(self._view, update)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class RunDetailView(Viewer):
    """One run: outcome, repairs, list-price cost, the task timeline and every task attempt."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._title = pn.pane.HTML("", sizing_mode="stretch_width")
        self._facts = pn.pane.HTML("", sizing_mode="stretch_width", stylesheets=[PANE_CSS])
        self._summary_view = pn.Column(self._title, self._facts, sizing_mode="stretch_width")
        self._timeline = TaskTimeline()
        self._table = KeptTable(
            "tasks",
            titles={
                "attempt_number": "Attempt",
                "is_retry": "Retry",
                "start_time": "Start (UTC)",
                "end_time": "End (UTC)",
            },
            css_class="tasks-table",
            page_size=25,
        )
        self._tasks_view = pn.Column(self._timeline.pane, self._table.view, sizing_mode="stretch_width")
        active = lambda: state.page == "runs" and bool(state.run_id)  # noqa: E731
        self._summary = DataPanel(
            state,
            "Run",
            lambda: state.query(drilldown.run_summary, state.run_id, filters=self._run_filters()),
            self._render_summary,
            watch=("run_id", "workspace_id"),
            active=active,
            css_class="run-summary",
            priority=PRIMARY,
            show_title=False,
        )
        self._error = RunErrorView(state)  # the Jobs API's error text of a failed run
        self._tasks = DataPanel(
            state,
            "Tasks",
            lambda: state.query(drilldown.run_tasks, state.run_id, filters=self._run_filters()),
            self._render_tasks,
            watch=("run_id", "workspace_id"),
            active=active,
            css_class="run-tasks",
            priority=PRIMARY,
        )

    def prime(self) -> Callable[[], None]:
        """Its summary and tasks views in place and the tasks table built empty (while hidden)."""
        empty = self._state.query(drilldown.run_tasks, NO_MATCH, filters=self._run_filters())
        table = self._table.prime(empty)

        def update() -> None:
            if table():
                self._summary.place(self._summary_view)
                self._tasks.place(self._tasks_view)

        return update

    def _run_filters(self) -> Any:
        from monitor_app.filters import Filters

        return Filters(workspace_id=self._state.workspace_id)

    def _render_summary(self, frame: pd.DataFrame) -> Any:
        if frame.empty:
            return text_pane(f"Run {self._state.run_id} was not found.", "empty")
        run = frame.iloc[0]
        title = f'<h2 class="run-title">Run {esc(run.run_id)} of job {esc(run.job_name)}</h2>'
        pairs = [
            ("Outcome", f"{run.outcome} ({enum_text(run.result_state) or 'running'})"),
            ("First attempt", run.first_outcome),
            ("Team", run.team),
            ("Start", moment_text(run.start_time)),
            ("End", moment_text(run.end_time) if pd.notna(run.end_time) else "still running"),
            ("Duration", fmt_duration(run.duration_seconds)),
            ("Repairs", run.repair_count),
            ("Tasks / attempts / retries", f"{run.tasks} / {run.task_runs} / {run.task_retries}"),
            ("Cost (list price)", fmt_money(run.list_cost_usd)),
            ("DBUs (net of corrections)", "–" if pd.isna(run.dbus) else f"{run.dbus:,.3f}"),
            ("Unpriced DBUs", "–" if pd.isna(run.unpriced_dbus) else f"{run.unpriced_dbus:,.3f}"),
            ("SKUs", run.sku_names),
            ("Termination", _termination(run.termination_code)),
        ]
        hint = TERMINATION_HINTS.get(run.termination_code) if run.outcome == "failure" else None
        if hint:
            pairs.append(("What it usually means", hint))
        facts = key_values_html(pairs, "run-facts")
        url = workspace_url(getattr(self._state.settings, "host", None), run.job_id, run.run_id)
        if url:
            facts += (
                f'<p class="run-links"><a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
                "Open the run in the workspace</a> (its output, error and logs)</p>"
            )

        def update() -> None:
            self._title.object = title
            self._facts.object = facts

        return InPlace(self._summary_view, update)

    def _render_tasks(self, tasks: pd.DataFrame) -> Any:
        if tasks.empty:
            return text_pane("No task runs recorded for this run.", "empty")
        chart, rows = self._timeline.prepare(tasks), self._table.prepare(tasks)

        def update() -> None:
            chart()
            rows()

        return InPlace(self._tasks_view, update)

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(self._summary, self._error, self._tasks, sizing_mode="stretch_width")
