"""Tables with plain-text cells and a CSV download: Panel's Tabulator (``data_table``) and the kept
light table of the click path (``KeptTable``). Every cell reads as ``table_values`` says; the CSV keeps
the query's own values.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import panel as pn

from components.light_table import DURATION, LightTable, Markup, number_format
from components.table_titles import (
    column_title,
    frozen_column,
    min_width_px,
    reading_order,
    text_width_px,
    wraps,
)
from components.table_values import (
    Spec,
    local_time,
    local_title,
    table_spec,
    utc_hover,
)
from components.theme import button_stylesheets
from monitor_app.state import valid_zone

# light_table.duration_text in the browser: the cell keeps its number (a sort is by seconds).
DURATION_TEMPLATE = (
    "<% if (value === null || value === undefined || isNaN(value)) { %><% } else { "
    "var s = Math.floor(Math.abs(value) + 0.5), sign = (value < 0 && s > 0) ? '-' : '', "
    "p = function (n) { return (n < 10 ? '0' : '') + n; }; %><%= sign + (s < 60 ? s + 's' "
    ": s < 3600 ? Math.floor(s / 60) + 'm ' + p(s % 60) + 's' "
    ": s < 86400 ? Math.floor(s / 3600) + 'h ' + p(Math.floor(s % 3600 / 60)) + 'm' "
    ": Math.floor(s / 86400) + 'd ' + p(Math.floor(s % 86400 / 3600)) + 'h') %><% } %>"
)


def time_template(zone: str) -> str:
    """The Tabulator's time cell: the UTC text it holds shown in ``zone`` (a validated IANA name: the
    only text put in the template), the UTC time on hover; the cell keeps the UTC text (sorting)."""
    return (
        "<% if (!value) { %><% } else { var d = new Date(value.replace(' ', 'T') + ':00Z'); %>"
        '<span title="<%= value %> UTC"><%= d.toLocaleString("sv-SE", {timeZone: "'
        + valid_zone(zone)
        + '", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"}) %>'
        "</span><% } %>"
    )


def _formatters(spec: Spec) -> dict[str, Any]:
    from bokeh.models.widgets.tables import HTMLTemplateFormatter, NumberFormatter

    def formatter(kind: str, fmt: str) -> Any:
        if kind == "time" and fmt != "UTC":
            return HTMLTemplateFormatter(template=time_template(fmt))
        if kind != "number":
            return {"type": "plaintext"}
        if fmt == DURATION:
            return HTMLTemplateFormatter(template=DURATION_TEMPLATE)
        return NumberFormatter(format=fmt)

    return {col: formatter(kind, fmt) for col, kind, fmt in spec}


def _widest_numbers(values: pd.Series, pattern: str) -> list[str]:
    """The largest and the smallest number of a column, as the table shows them."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if numbers.empty:
        return []
    fmt = number_format(pattern)
    return [fmt(numbers.max()), fmt(numbers.min())]


def _tabulator(
    display: pd.DataFrame,
    spec: Spec,
    titles: dict[str, str] | None,
    page_size: int,
    css_class: str | None,
    widths: dict[str, str] | None = None,
    hidden: Iterable[str] = (),
) -> pn.widgets.Tabulator:
    # fit_columns: Tabulator shares the width out instead of measuring every cell (fit_data_table cost
    # ~0.6 s of browser time per table on a loaded 2-core machine). Each column keeps at least its
    # title's longest word (titles wrap between words); a table wider than its place scrolls sideways.
    # Text columns are as wide as their longest value (up to WRAP_CHARS; longer texts wrap).
    kinds = {col: (kind, fmt) for col, kind, fmt in spec}
    shown = {
        col: local_title((titles or {}).get(col) or column_title(col), *kinds.get(col, ("text", "")))
        for col in display.columns
    }
    texts = {
        col: [str(v) for v in display[col].dropna()] for col, kind, _fmt in spec if kind in ("text", "time")
    }
    wrapped = {col for col, values in texts.items() if wraps(values)}
    # a number column is as wide as its widest number as shown ("4,052,046" under a short title "Rows")
    texts |= {col: _widest_numbers(display[col], fmt) for col, kind, fmt in spec if kind == "number"}
    frozen = frozen_column([c for c in shown if c not in set(hidden)])
    columns = [
        {
            "field": col,
            "minWidth": max(min_width_px(title), text_width_px(texts.get(col, []))),
            "headerWordWrap": True,
            **({"cssClass": "wrap-cell"} if col in wrapped else {}),
            **({"frozen": True} if col == frozen else {}),  # the row's name stays while scrolled sideways
        }
        for col, title in shown.items()
    ]
    formatters = _formatters(spec)
    for col in wrapped:
        formatters[col] = {"type": "textarea"}  # escapes as plaintext does, and wraps
    return pn.widgets.Tabulator(
        display,
        titles=shown,
        configuration={"columns": columns},
        formatters=formatters,
        disabled=True,
        show_index=False,
        # remote: only the shown page's rows go to the browser (a 500-run table is 20 rows to build, not
        # 500); sorting and paging ask the server, which holds the frame anyway.
        pagination="remote",
        page_size=page_size,
        layout="fit_columns",
        stylesheets=[".wrap-cell { overflow-wrap: anywhere; }"],  # a long path wraps, not overflows
        widths=widths or {},
        hidden_columns=list(hidden),
        selectable=False,
        sizing_mode="stretch_width",
        css_classes=["data-table"] + ([css_class] if css_class else []),
    )


def _download(name: str, frame: Callable[[], pd.DataFrame]) -> pn.widgets.FileDownload:
    return pn.widgets.FileDownload(
        callback=lambda: io.StringIO(frame().to_csv(index=False)),
        filename=f"{name}.csv",
        label="Download CSV",
        color="light",
        stylesheets=button_stylesheets(),
        width=140,
        margin=(0, 5),
    )


def data_table(
    frame: pd.DataFrame,
    name: str,
    titles: dict[str, str] | None = None,
    money: Iterable[str] = (),
    percent: Iterable[str] = (),
    numbers: dict[str, str] | None = None,
    on_click: Callable[[int, pd.Series], None] | None = None,
    page_size: int = 15,
    css_class: str | None = None,
    widths: dict[str, str] | None = None,
    hidden: Iterable[str] = (),
) -> pn.Column:
    """A read-only Tabulator with plain-text string cells, a row-click callback and a CSV download button.

    Every text column uses Tabulator's ``plaintext`` formatter: workspace text (job names, teams, tags)
    is shown as text, never interpreted as HTML. ``on_click(iloc, row)`` gets the clicked row.
    ``widths`` gives columns their share of the width (e.g. ``{"title": "35%"}``) where an equal share
    would squeeze a long text column. ``hidden`` columns are not shown (the row click and the CSV have them).
    """
    frame = frame.reset_index(drop=True)
    display, spec = table_spec(frame[reading_order(list(frame.columns))], money, percent, numbers)
    table = _tabulator(display, spec, titles, page_size, css_class, widths, hidden)
    if on_click is not None:
        table.on_click(lambda event: on_click(event.row, frame.iloc[event.row]))
    return pn.Column(table, _download(name, lambda: frame), sizing_mode="stretch_width")


class KeptTable:
    """A drill-down table kept across data changes: ``prepare(frame)`` (in the worker) returns the update
    that swaps its rows in (when applied), so a drill-down click sends new rows, not a new table.

    It is a ``LightTable`` (one page of server-rendered HTML), not a Tabulator as ``data_table``: in a
    drill-down click, Tabulator's redraw of the new rows was ~0.3 s of the browser's work
    (docs/benchmarks.md). Same cells (text escaped, numbers formatted alike), sortable, paged, CSV.
    The table is rebuilt only when the columns or their formats change.
    """

    def __init__(
        self,
        name: str,
        titles: dict[str, str] | None = None,
        money: Iterable[str] = (),
        percent: Iterable[str] = (),
        numbers: dict[str, str] | None = None,
        on_click: Callable[[int, pd.Series], None] | None = None,
        page_size: int = 15,
        css_class: str | None = None,
        markup: dict[str, Markup] | None = None,
        hidden: Iterable[str] = (),
    ) -> None:
        self._name, self._titles, self._page_size, self._css = name, titles, page_size, css_class
        # drawn cells (a sparkline): shown, not in the CSV; hidden columns: in the CSV, not shown
        self._markup, self._hidden = markup or {}, set(hidden)
        self._money, self._percent, self._numbers = tuple(money), tuple(percent), numbers
        self._on_click = on_click
        self._frame = pd.DataFrame()
        self._spec: Spec | None = None
        self.table: LightTable | None = None
        self.view = pn.Column(sizing_mode="stretch_width")

    def prepare(self, frame: pd.DataFrame) -> Callable[[], None]:
        frame = frame.reset_index(drop=True)
        display, spec = table_spec(frame, self._money, self._percent, self._numbers)

        def update() -> None:
            self._frame = frame
            if (
                self.table is not None
                and spec == self._spec
                and list(display.columns) == list(self.table.frame.columns)
            ):
                self.table.frame = display  # the same sort, back to the first page
                return
            self._spec = spec
            # names and texts first, ids last (as data_table orders them); the CSV keeps the query's order
            kinds = {col: (kind, fmt) for col, kind, fmt in spec}
            titles = {
                col: local_title((self._titles or {}).get(col) or column_title(col), *kinds[col])
                for col in reading_order(list(display.columns))
                if col not in self._hidden
            }
            formats = {col: number_format(fmt) for col, kind, fmt in spec if kind == "number"}
            zoned = [(col, fmt) for col, kind, fmt in spec if kind == "time" and fmt != "UTC"]
            formats |= {col: local_time(zone) for col, zone in zoned}
            self.table = LightTable(
                display,
                titles=titles,
                formats=formats,
                hovers={col: utc_hover for col, _zone in zoned},
                page_size=self._page_size,
                markup=self._markup,
                sizing_mode="stretch_width",
                css_classes=["data-table"]
                + ([self._css] if self._css else [])
                + (["freeze-first"] if frozen_column(list(titles)) else []),
            )
            if self._on_click is not None:
                on_click = self._on_click
                self.table.on_click(lambda position, _row: on_click(position, self._frame.iloc[position]))
            drawn = list(self._markup)
            self.view.objects = [
                self.table,
                _download(self._name, lambda: self._frame.drop(columns=drawn, errors="ignore")),
            ]

        return update

    def cleared(self) -> Callable[[], None]:
        """The update that empties the table, keeping its columns (a view whose scope has no row now)."""

        def update() -> None:
            if self.table is None:
                return
            self._frame = self._frame.iloc[0:0]
            self.table.frame = self.table.frame.iloc[0:0]  # its formats kept (no row to infer them from)

        return update

    def prime(self, empty: pd.DataFrame) -> Callable[[], bool]:
        """The update that builds the table with no rows but the columns of ``empty`` (a query's result
        with no row), unless data came first (then it does nothing and returns False): the first real
        rows then only swap in (a new Tabulator in the browser is most of the first click into a view)."""
        update = self.prepare(empty)

        def build() -> bool:
            if self.table is not None:
                return False
            update()
            return True

        return build
