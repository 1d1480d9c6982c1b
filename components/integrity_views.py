"""Pipeline integrity views (PIPE-01, PIPE-02): the tables our jobs write, and runs green but broken.

- Data page: every table written in the window, flagged and drifted ones first (latest write, baseline,
  deviation, writer jobs, upstream tables); a click shows that table's writes against their baseline and
  its schema changes. What the collection could not use is counted below.
- Runs page, a job selected: the job's flagged writes and the schema changes of the tables it writes.
- Overview: runs that succeeded but wrote a flagged row count or changed a schema ("green but broken"),
  each opening its run.

Data come from :mod:`monitor_app.analytics.integrity` through ``state.query``; no queries here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn
from panel.viewable import Viewer

from components.charts import BASELINE, FAILED, MEASURED, holoviews
from components.html_box import HtmlBox
from components.loading import DataPanel, InPlace
from components.panes import PANE_CSS, esc, text_pane
from components.tables import KeptTable, data_table
from monitor_app.analytics import integrity
from monitor_app.state import AppState

TABLE_TITLES = {
    "table_full_name": "Table",
    "last_status": "Status",
    "last_rows_written": "Rows",
    "last_baseline_rows": "Baseline",
    "last_delta_pct": "Change %",
    "flagged_writes": "Flagged",
    "schema_changes": "Drift",
    "writer_jobs": "Written by",
    "last_write_time": "Last write (UTC)",
}
TABLE_WIDTHS = {
    "table_full_name": "26%",
    "last_status": "9%",
    "last_rows_written": "9%",
    "last_baseline_rows": "9%",
    "last_delta_pct": "8%",
    "flagged_writes": "7%",
    "schema_changes": "6%",
    "writer_jobs": "14%",
    "last_write_time": "12%",
}
WRITE_TITLES = {
    "commit_time": "Committed (UTC)",
    "table_full_name": "Table",
    "status": "Status",
    "rows_written": "Rows",
    "baseline_rows": "Baseline",
    "delta_pct": "Change %",
    "job_run_id": "Run",
    "version": "Version",
    "reason": "Why",
}
WRITE_WIDTHS = {
    "commit_time": "13%",
    "table_full_name": "17%",
    "status": "9%",
    "rows_written": "8%",
    "baseline_rows": "8%",
    "delta_pct": "8%",
    "job_run_id": "10%",
    "version": "7%",
    "reason": "20%",
}
ONE_TABLE_WRITE_WIDTHS = {
    "commit_time": "16%",
    "status": "10%",
    "rows_written": "10%",
    "baseline_rows": "10%",
    "delta_pct": "9%",
    "job_run_id": "12%",
    "version": "8%",
    "reason": "25%",
}
DRIFT_TITLES = {
    "table_full_name": "Table",
    "column_name": "Column",
    "change": "Change",
    "old_type": "Old type",
    "new_type": "New type",
    "detected_at": "First seen (UTC)",
    "job_name": "Next writer",
    "job_run_id": "Run",
    "version": "Version",
}
DRIFT_WIDTHS = {
    "table_full_name": "21%",
    "column_name": "11%",
    "change": "11%",
    "old_type": "9%",
    "new_type": "9%",
    "detected_at": "13%",
    "job_name": "11%",
    "job_run_id": "8%",
    "version": "7%",
}
BROKEN_TITLES = {
    "job_name": "Job",
    "team": "Team",
    "job_run_id": "Run",
    "commit_time": "Wrote at (UTC)",
    "problems": "What is wrong",
}
NONE_BROKEN = "No successful run wrote a flagged row count or changed a table's schema in this window."
# in the CSV and for the row click, not shown
BROKEN_HIDDEN = ("workspace_id", "job_id", "tables", "row_count_flags", "schema_changes")


def _texts(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """List columns as one line of text (a table cell shows text, never a Python list)."""
    out = frame.copy()
    for column in columns:
        if column in out:
            out[column] = out[column].map(
                lambda v: (
                    "; ".join(str(x) for x in v) if isinstance(v, list | tuple) or hasattr(v, "tolist") else v
                )
            )
    return out


def _shown(frame: pd.DataFrame, titles: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    others = [c for c in frame.columns if c not in titles]
    return frame[[c for c in titles if c in frame.columns] + others], others


def writes_chart(writes: pd.DataFrame) -> Any:
    """Rows written per write against the baseline (median of the previous writes), flagged writes in red."""
    hv = holoviews()
    frame = writes.copy()
    frame["time"] = pd.to_datetime(frame["commit_time"], utc=True).dt.tz_convert(None)
    frame = frame.sort_values("time")
    frame["rows"] = pd.to_numeric(frame["rows_written"], errors="coerce").astype(float)
    frame["baseline"] = pd.to_numeric(frame["baseline_rows"], errors="coerce").astype(float)
    vdims = ["rows", "status", "job_run_id"]
    written = hv.Curve(frame, "time", vdims, label="rows written").opts(color=MEASURED, tools=["hover"])
    baseline = hv.Curve(frame, "time", ["baseline"], label="baseline (median of previous writes)").opts(
        color=BASELINE, line_dash="dashed"
    )
    flagged = hv.Scatter(frame[frame["flagged"]], "time", vdims, label="flagged").opts(
        color=FAILED, size=8, tools=["hover"]
    )
    return hv.Overlay([written, baseline, flagged]).opts(
        responsive=True,
        height=260,
        xlabel="commit time (UTC)",
        ylabel="rows",
        yformatter="%.0f",
        title="Rows written per write against the baseline; red: flagged",
        legend_position="top_left",
    )


def _writes_table(writes: pd.DataFrame, state: AppState, name: str, one_table: bool = False) -> Any:
    """The writes, newest first; ``one_table``: the table column is left out (the title names it)."""
    frame, others = _shown(writes, WRITE_TITLES)
    widths = WRITE_WIDTHS
    if one_table:
        others.append("table_full_name")
        widths = ONE_TABLE_WRITE_WIDTHS
    return data_table(
        frame,
        name,
        titles=WRITE_TITLES,
        numbers={"rows_written": "0,0", "baseline_rows": "0,0", "delta_pct": "0.0", "version": "0"},
        widths=widths,
        hidden=others,
        on_click=lambda _i, row: (
            state.select_run(str(row["workspace_id"]), _run(row), str(row["job_id"])) if _run(row) else None
        ),
        css_class="integrity-writes-table",
    )


def _drift_table(drift: pd.DataFrame, name: str) -> Any:
    frame, others = _shown(drift, DRIFT_TITLES)
    return data_table(
        frame,
        name,
        titles=DRIFT_TITLES,
        numbers={"version": "0"},
        widths=DRIFT_WIDTHS,
        hidden=others,
        css_class="schema-drift-table",
    )


def _run(row: pd.Series) -> str | None:
    value = row.get("job_run_id")
    return None if value is None or pd.isna(value) or not row.get("job_id") else str(value)


class DataView(Viewer):
    """The Data page: every table our jobs wrote in the window, the ones needing a look first."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._chosen: str | None = None
        self._detail = pn.Column(sizing_mode="stretch_width", css_classes=["table-detail"])
        self._panel = DataPanel(
            state,
            "Tables our jobs write",
            lambda: (
                state.query(state.metric(integrity.tables_written)),
                state.query(integrity.integrity_data_issues),
            ),
            self._render,
            css_class="data-tables",
        )

    def _render(self, data: tuple[pd.DataFrame, pd.DataFrame]) -> Any:
        tables, issues = data
        parts: list[Any] = []
        if tables.empty:
            parts.append(
                text_pane(
                    "No table writes collected in this window. On a workspace they come from DESCRIBE HISTORY "
                    "of the tables in the lineage (collected before each refresh).",
                    "empty",
                )
            )
        else:
            flagged = int((tables["flagged_writes"] > 0).sum())
            drifted = int((tables["schema_changes"] > 0).sum())
            parts.append(
                text_pane(
                    f"{len(tables):,} tables written in this window; {flagged} with a flagged row count, "
                    f"{drifted} with a schema change. Click a table for its writes and columns.",
                    "data-headline",
                    tag="p",
                )
            )
            frame, others = _shown(_texts(tables, ("writer_jobs", "source_tables")), TABLE_TITLES)
            parts.append(
                data_table(
                    frame,
                    "tables_written",
                    titles=TABLE_TITLES,
                    numbers={
                        "last_rows_written": "0,0",
                        "last_baseline_rows": "0,0",
                        "last_delta_pct": "0.0",
                        "flagged_writes": "0",
                        "schema_changes": "0",
                    },
                    widths=TABLE_WIDTHS,
                    hidden=others,
                    on_click=lambda _i, row: self.show_table(str(row["table_full_name"])),
                    css_class="tables-written-table",
                )
            )
        if not issues.empty:
            text = "; ".join(
                f"{r.kind.replace('_', ' ')}: {int(r.items):,} ({', '.join(list(r.examples)[:3])})"
                for r in issues.itertuples()
            )
            parts.append(text_pane(f"Not used as is: {text}.", "integrity-issues", tag="p"))
        parts.append(self._detail)
        return pn.Column(*parts, sizing_mode="stretch_width")

    def show_table(self, table: str) -> None:
        """The table's writes against their baseline, its schema changes, writers and upstream."""
        self._chosen = table
        state = self._state
        whole = state.filters().with_(row_limit=None)
        writes = state.query(state.metric(integrity.writes_of_table), table, filters=whole)
        drift = state.query(integrity.schema_drift, filters=whole)
        drift = drift[drift["table_full_name"] == table]
        parts: list[Any] = [text_pane(table, "table-detail-title", tag="h3")]
        if not writes.empty:
            parts.append(
                pn.pane.HoloViews(
                    writes_chart(writes), sizing_mode="stretch_width", css_classes=["writes-chart"]
                )
            )
            parts.append(_writes_table(writes, state, "table_writes", one_table=True))
        if drift.empty:
            parts.append(text_pane("No schema change in this window.", "empty", tag="p"))
        else:
            parts.append(_drift_table(drift, "schema_changes"))
        self._detail.objects = parts

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class JobIntegrityView(Viewer):
    """The selected job's table writes (flagged first) and the schema changes of the tables it writes."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._panel = DataPanel(
            state,
            "Data integrity of the job's tables",
            self._load,
            self._render,
            active=lambda: state.page == "runs" and bool(state.job_id),
            css_class="job-integrity",
        )

    def _load(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        state = self._state
        if not state.job_id:
            return pd.DataFrame(), pd.DataFrame()
        whole = state.filters().with_(row_limit=None)
        return (
            state.query(state.metric(integrity.row_count_changes), filters=whole),
            state.query(integrity.schema_drift, filters=whole),
        )

    def _render(self, data: tuple[pd.DataFrame, pd.DataFrame]) -> Any:
        writes, drift = data
        if not self._state.job_id:
            return text_pane("Pick a job to see the tables it writes.", "empty")
        if writes.empty and drift.empty:
            return text_pane("No table write of this job is collected in this window.", "empty")
        flagged = writes[writes["flagged"]] if not writes.empty else writes
        tables = writes["table_full_name"].nunique() if not writes.empty else 0
        parts: list[Any] = [
            text_pane(
                f"{len(writes):,} writes to {tables} table(s); {len(flagged)} flagged; "
                f"{len(drift)} schema change(s).",
                "job-integrity-headline",
                tag="p",
            )
        ]
        if not writes.empty:
            parts.append(
                pn.pane.HoloViews(
                    writes_chart(writes), sizing_mode="stretch_width", css_classes=["writes-chart"]
                )
            )
            single = writes["table_full_name"].nunique() == 1
            parts.append(_writes_table(writes, self._state, "job_table_writes", one_table=single))
        if not drift.empty:
            parts.append(_drift_table(drift, "job_schema_changes"))
        return pn.Column(*parts, sizing_mode="stretch_width")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


class GreenButBrokenView(Viewer):
    """Runs that succeeded but wrote a flagged row count or changed a schema: green, and still broken.

    It is on the overview, so every cross-filter changes it: its headline box and table are kept and
    refilled in place (a new Tabulator per selection was most of a selection's browser work)."""

    def __init__(self, state: AppState, **params: Any) -> None:
        super().__init__(**params)
        self._state = state
        self._headline = HtmlBox(height=28, sizing_mode="stretch_width", stylesheets=[PANE_CSS])
        self._table = KeptTable(
            "green_but_broken_runs",
            titles=BROKEN_TITLES,
            on_click=lambda _i, row: state.select_run(
                str(row["workspace_id"]), str(row["job_run_id"]), str(row["job_id"])
            ),
            css_class="green-but-broken-table",
            hidden=BROKEN_HIDDEN,
            page_size=10,
        )
        self._view = pn.Column(self._headline, self._table.view, sizing_mode="stretch_width")
        self._panel = DataPanel(
            state,
            "Green but broken: succeeded, yet wrote wrong data",
            lambda: state.query(state.metric(integrity.green_but_broken_runs)),
            self._render,
            css_class="green-but-broken",
        )

    def _render(self, runs: pd.DataFrame) -> Any:
        if runs.empty and self._table.table is None:
            return text_pane(NONE_BROKEN, "empty")
        if runs.empty:  # the kept table emptied, not swapped for a text (a cross-filter to a clean team)
            rows = self._table.cleared()
            headline = f'<p class="green-but-broken-headline empty">{esc(NONE_BROKEN)}</p>'
        else:
            frame, _others = _shown(_texts(runs, ("problems", "tables")), BROKEN_TITLES)
            rows = self._table.prepare(frame)
            headline = (
                f'<p class="green-but-broken-headline">{len(runs)} run(s) succeeded but wrote a row count off '
                "its baseline or changed a schema: nothing else tells you. Click one for its run.</p>"
            )

        def update() -> None:
            rows()
            self._headline.html = headline

        return InPlace(self._view, update)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._panel


def job_integrity(state: AppState) -> JobIntegrityView:
    """Runs page (a job selected): the job's table writes and schema changes."""
    return JobIntegrityView(state)


FOLDED = {job_integrity: "Data integrity of the job: rows written against baseline, schema changes"}

VIEWS = {"data": [DataView], "overview": [GreenButBrokenView], "runs": [job_integrity]}
