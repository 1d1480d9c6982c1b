"""A light table for the first page: HTML rendered on the server, sorted, filtered and paged there.

Why not Panel's Tabulator here: on the overview's first paint, Tabulator's layout passes (column fitting,
row height measuring) took 0.5-0.75 s of a 2-core browser's main thread, for one 20-row table, and its
Python widgets (narwhals, pandas' Styler) ~0.5 s of the server's start: the overview missed its 5 s
target by about that (docs/benchmarks.md). This table is one HTML string per page of rows; the browser
only sets it. Sorting, the text filter and paging are a message to the server, which holds the frame.

Keyboard: rows are focusable and open with Enter or Space, like a click; sort headers and page buttons
are buttons. Every cell is escaped (workspace names can hold HTML); styles come from our own functions.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

import pandas as pd
import param
from panel.custom import JSComponent

from components.table_titles import WRAP_CHARS
from components.theme import var

Formatter = Callable[[Any], str]
# A cell's text this short stays on one line ("2026-12-07 06:15", a team); longer ones may wrap.
SHORT_CHARS = 20
# Inline CSS of a cell from its value (our own constants only, never workspace text).
CellStyle = Callable[[Any], str]
# A cell's markup from its value, built by our own code from numbers (a sparkline's SVG).
Markup = Callable[[Any], str]


def plain_text(value: Any) -> str:
    """A cell's text: empty for a missing value (None, NaN, NaT), else ``str`` (not escaped)."""
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return ""
    return str(value)


# The "pattern" of a column of seconds shown as a duration (``1h 02m``), sorted as the number it is.
DURATION = "duration"


def duration_text(seconds: Any) -> str:
    """``3725`` -> ``1h 02m``; ``725`` -> ``12m 05s``; ``45`` -> ``45s``; two days and more ``2d 03h``;
    a missing value is empty. Rounded half up, as the Tabulator's template does in the browser."""
    if seconds is None or isinstance(seconds, str) or pd.isna(seconds):
        return plain_text(seconds)
    total = math.floor(abs(float(seconds)) + 0.5)
    sign = "-" if float(seconds) < 0 and total > 0 else ""
    if total < 60:
        return f"{sign}{total}s"
    if total < 3600:
        return f"{sign}{total // 60}m {total % 60:02d}s"
    if total < 86400:
        return f"{sign}{total // 3600}h {total % 3600 // 60:02d}m"
    return f"{sign}{total // 86400}d {total % 86400 // 3600:02d}h"


def number_format(pattern: str) -> Formatter:
    """A formatter for a numbro-style pattern as Bokeh's ``NumberFormatter`` takes them: ``$0,0.00``
    (money), ``0.0%`` (a share shown as a percentage), ``0,0`` (grouped integer); or ``DURATION``."""
    if pattern == DURATION:
        return duration_text
    money, percent = pattern.startswith("$"), pattern.endswith("%")
    core = pattern.strip("$%")
    grouping = "," if "," in core else ""
    decimals = len(core.split(".", 1)[1]) if "." in core else 0

    def fmt(value: Any) -> str:
        if value is None or isinstance(value, str) or pd.isna(value):
            return plain_text(value)
        number = float(value) * (100 if percent else 1)
        text = f"{abs(number):{grouping}.{decimals}f}"
        sign = "-" if number < 0 and float(text.replace(",", "")) != 0 else ""
        return f"{sign}{'$' if money else ''}{text}{'%' if percent else ''}"

    return fmt


def view_rows(
    frame: pd.DataFrame, sort: str = "", descending: bool = False, filter_column: str = "", text: str = ""
) -> pd.DataFrame:
    """The frame's rows as shown: those whose ``filter_column`` holds ``text`` (any case), then sorted
    (stable, empty values last); the index keeps each row's position in ``frame`` (for clicks)."""
    rows = frame
    if filter_column and text.strip():
        needle = text.strip().casefold()
        rows = rows[rows[filter_column].map(lambda v: needle in plain_text(v).casefold())]
    if sort and sort in rows.columns:
        rows = rows.sort_values(sort, ascending=not descending, kind="stable", na_position="last")
    return rows


def table_html(
    rows: pd.DataFrame,
    titles: dict[str, str],
    formats: dict[str, Formatter] | None = None,
    styles: dict[str, CellStyle] | None = None,
    sort: str = "",
    descending: bool = False,
    markup: dict[str, Markup] | None = None,
    hovers: dict[str, Formatter] | None = None,
) -> str:
    """One page of rows as an HTML table; each ``<tr>`` carries its row's position in the whole frame.

    ``hovers`` give a cell its ``title`` (a time shown in the user's zone says its UTC time on hover).

    ``markup`` columns are drawn by our own functions (a sparkline), put in the cell unescaped and not
    sortable: those functions must build their markup from numbers, never from workspace text."""
    formats, styles, markup, hovers = formats or {}, styles or {}, markup or {}, hovers or {}
    head = []
    for col, title in titles.items():
        if col in markup:
            head.append(f'<th data-field="{html.escape(col)}"><span>{html.escape(title)}</span></th>')
            continue
        state = ("descending" if descending else "ascending") if col == sort else "none"
        cell = f'<button type="button" data-sort="{html.escape(col)}">{html.escape(title)}</button>'
        head.append(f'<th data-field="{html.escape(col)}" aria-sort="{state}">{cell}</th>')
    body = []
    for position, values in zip(rows.index, rows.to_dict("records"), strict=True):
        cells = []
        for col in titles:
            value = values.get(col)
            if col in markup:
                cells.append(f'<td data-field="{html.escape(col)}" class="markup">{markup[col](value)}</td>')
                continue
            shown = formats[col](value) if col in formats else plain_text(value)
            style = styles[col](value) if col in styles else ""
            style_attr = f' style="{html.escape(style)}"' if style else ""
            if col in hovers and (hover := hovers[col](value)):
                style_attr += f' title="{html.escape(hover)}"'
            wrap = (
                ' class="wrap"'
                if len(shown) > WRAP_CHARS
                else (' class="words"' if len(shown) > SHORT_CHARS else "")
            )
            cells.append(f'<td data-field="{html.escape(col)}"{wrap}{style_attr}>{html.escape(shown)}</td>')
        body.append(f'<tr class="light-row" tabindex="0" data-row="{int(position)}">{"".join(cells)}</tr>')
    return f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def pager_html(page: int, pages: int, total: int) -> str:
    """Previous / next buttons and where the reader is (nothing when one page holds every row)."""
    if pages <= 1:
        return ""
    prev = f'<button type="button" data-page="{page - 1}"{" disabled" if page <= 1 else ""}>Previous</button>'
    nxt = f'<button type="button" data-page="{page + 1}"{" disabled" if page >= pages else ""}>Next</button>'
    return f'{prev}<span class="light-page">Page {page} of {pages} ({total} rows)</span>{nxt}'


CSS = f"""
:host {{ display: block; width: 100%; }}
.light-filter {{ margin: 0 0 6px 0; padding: 3px 6px; width: 220px; font: inherit; color: {var("text")};
                 background: {var("surface")}; border: 1px solid {var("border")}; border-radius: 4px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th {{ text-align: left; vertical-align: bottom; background: {var("header-bg")}; color: {var("header-text")};
     border-bottom: 1px solid {var("border")}; padding: 0; }}
th > span {{ display: block; padding: 6px 5px; font-weight: 600; }}
td.markup {{ padding: 2px 5px; line-height: 0; }}
th button {{ all: unset; cursor: pointer; display: block; padding: 6px 5px; font-weight: 600; }}
th button:focus-visible {{ outline: 2px solid {var("focus")}; }}
th[aria-sort="ascending"] button::after {{ content: " \\25B2"; font-size: 10px; }}
th[aria-sort="descending"] button::after {{ content: " \\25BC"; font-size: 10px; }}
td {{ padding: 6px 5px; border-bottom: 1px solid {var("row-border")}; white-space: nowrap; max-width: 24em; }}
/* a text past SHORT_CHARS wraps between words when the table would be wider than its place, one past
   WRAP_CHARS (a described schedule) anywhere: a table fits where its names, ids and numbers do; never cut */
td.words {{ white-space: normal; }}
td.wrap {{ white-space: normal; overflow-wrap: anywhere; min-width: 12em; }}
tr.light-row {{ cursor: pointer; }}
tr.light-row:hover td {{ background-color: {var("row-hover")}; }}
tr.light-row:focus {{ outline: 2px solid {var("focus")}; outline-offset: -2px; }}
.light-scroll {{ overflow-x: auto; max-width: 100%; }}
/* a wide table scrolled sideways keeps the row's name in sight (KeptTable sets the class) */
:host(.freeze-first) th:first-child, :host(.freeze-first) td:first-child {{
  position: sticky; left: 0; z-index: 1; background: {var("surface")}; }}
:host(.freeze-first) th:first-child {{ background: {var("header-bg")}; }}
.light-pager {{ display: flex; gap: 8px; align-items: center; margin-top: 6px; font-size: 13px; }}
.light-pager button {{ font: inherit; padding: 2px 10px; border: 1px solid {var("border")}; border-radius: 4px;
                      background: {var("surface")}; color: {var("text")}; cursor: pointer; }}
.light-pager button:disabled {{ opacity: 0.5; cursor: default; }}
.light-empty {{ color: {var("muted")}; padding: 8px 0; }}
"""


class LightTable(JSComponent):
    """A read-only table (see the module's docstring). ``on_click(callback)``: ``callback(position, row)``
    with the row's position in ``frame`` and the row itself, on click or Enter."""

    frame = param.DataFrame(default=None, precedence=-1, doc="All rows (the server keeps them).")
    titles = param.Dict(default={}, precedence=-1, doc="Shown columns and their titles, in order.")
    page_size = param.Integer(default=20, bounds=(1, None), precedence=-1)
    filter_column = param.String(default="", precedence=-1, doc="Column the text box filters (none: no box).")
    sort = param.String(default="", doc="Column sorted by (empty: the frame's order).")
    descending = param.Boolean(default=False)
    page = param.Integer(default=1, bounds=(1, None))
    filter_text = param.String(default="", doc="Text the filter column must contain.")
    body = param.String(default="", doc="The current page's table and pager, as HTML (server-rendered).")
    filter_placeholder = param.String(default="", doc="The box's hint (default: from the column's title).")

    _esm = """
export function render({ model, el }) {
  const box = document.createElement("div");
  let filter = null;
  if (model.filter_placeholder) {
    filter = document.createElement("input");
    filter.className = "light-filter";
    filter.type = "search";
    filter.placeholder = model.filter_placeholder;
    filter.setAttribute("aria-label", model.filter_placeholder);
    filter.value = model.filter_text;
    let timer = null;
    filter.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => { model.filter_text = filter.value; }, 150);
    });
    box.appendChild(filter);
  }
  const content = document.createElement("div");
  content.className = "light-scroll";
  content.innerHTML = model.body;
  box.appendChild(content);
  model.on("body", () => { content.innerHTML = model.body; });
  const act = (target) => {
    const sort = target.closest("[data-sort]");
    if (sort) { model.send_msg({ sort: sort.dataset.sort }); return true; }
    const page = target.closest("[data-page]");
    if (page && !page.disabled) { model.page = parseInt(page.dataset.page); return true; }
    const row = target.closest("[data-row]");
    if (row) { model.send_msg({ row: parseInt(row.dataset.row) }); return true; }
    return false;
  };
  content.addEventListener("click", (event) => act(event.target));
  content.addEventListener("keydown", (event) => {
    const row = event.target.closest("[data-row]");
    if (row && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); act(row); }
  });
  return box;
}
"""
    _stylesheets = [CSS]
    # Kept on the server only: the browser gets ``body`` (and the few values it sets back).
    _rename = {"frame": None, "titles": None, "page_size": None, "filter_column": None}

    def __init__(
        self,
        frame: pd.DataFrame,
        titles: dict[str, str],
        formats: dict[str, Formatter] | None = None,
        styles: dict[str, CellStyle] | None = None,
        markup: dict[str, Markup] | None = None,
        hovers: dict[str, Formatter] | None = None,
        **params: Any,
    ) -> None:
        self._formats, self._styles, self._markup = formats or {}, styles or {}, markup or {}
        self._hovers = hovers or {}
        self._callbacks: list[Callable[[int, pd.Series], None]] = []
        if params.get("filter_column") and "filter_placeholder" not in params:
            params["filter_placeholder"] = f"Filter by {titles.get(params['filter_column'], '').lower()}"
        super().__init__(frame=frame, titles=titles, **params)
        self._render()
        self.param.watch(self._render, ["frame", "sort", "descending", "page", "filter_text", "page_size"])

    def shown_rows(self) -> pd.DataFrame:
        """Every row that passes the filter, in the shown order (all pages); indexed by position."""
        frame = self.frame.reset_index(drop=True)
        return view_rows(frame, self.sort, self.descending, self.filter_column, self.filter_text)

    def _render(self, *events: Any) -> None:
        if any(e.name in ("filter_text", "sort", "descending", "frame") for e in events) and self.page != 1:
            self.page = 1  # a new order or filter starts again on the first page (this renders again)
            return
        rows = self.shown_rows()
        pages = max(1, -(-len(rows) // self.page_size))
        page = min(self.page, pages)
        shown = rows.iloc[(page - 1) * self.page_size : page * self.page_size]
        if shown.empty:
            table = '<div class="light-empty">No rows match.</div>'
        else:
            table = table_html(
                shown,
                self.titles,
                self._formats,
                self._styles,
                self.sort,
                self.descending,
                self._markup,
                self._hovers,
            )
        pager = pager_html(page, pages, len(rows))
        self.body = table + (f'<div class="light-pager">{pager}</div>' if pager else "")

    def _handle_msg(self, msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        if "sort" in msg and msg["sort"] in self.titles and msg["sort"] not in self._markup:
            column = str(msg["sort"])
            # first click ascending, then it flips
            self.param.update(sort=column, descending=self.sort == column and not self.descending)
        elif "row" in msg:
            try:
                position = int(msg["row"])
            except (TypeError, ValueError):
                return  # not a row the table sent
            if 0 <= position < len(self.frame):
                row = self.frame.iloc[position]
                for callback in list(self._callbacks):
                    callback(position, row)

    def on_click(self, callback: Callable[[int, pd.Series], None]) -> None:
        """Call ``callback(position, row)`` when a row is clicked or opened with the keyboard."""
        self._callbacks.append(callback)
