"""Text and HTML panes: escaping, notices, in-place errors, key-value lists, money and duration text.

Workspace text (job names, teams, tags) is untrusted: every helper here escapes it, and everything the
app shows as HTML goes through ``esc``. Panes render in shadow DOM, so their styles are inline or in
``PANE_CSS``.
"""

from __future__ import annotations

import concurrent.futures
import html
from typing import Any

import pandas as pd
import panel as pn

from components.light_table import duration_text, plain_text
from components.table_values import (
    yes_no,
)
from components.theme import var

# A panel gives up waiting after this long and says so; the query itself is interrupted by the engine's
# own timeout (data.engines.DEFAULT_TIMEOUT_S). Nothing on screen waits forever.
PANEL_TIMEOUT_S = 45.0


# Inline styles: panes render in shadow DOM, where the template's stylesheets do not reach.
_ERROR_STYLE = (
    f"background:{var('error-bg')};color:{var('error-text')};border:1px solid {var('error-border')};"
    "border-radius:4px;padding:8px 12px"
)
_NOTICE_STYLE = (
    f"background:{var('notice-bg')};color:{var('notice-text')};border:1px solid {var('notice-border')};"
    "border-radius:4px;padding:8px 12px"
)
_SOON_STYLE = (
    f"background:{var('soon-bg')};color:{var('muted')};border:1px dashed {var('border')};"
    "border-radius:4px;padding:8px 12px"
)
# Stylesheet of the HTML panes of the shell (applied per pane, inside its shadow root).
PANE_CSS = """
table th { text-align: left; padding: 2px 12px 2px 0; font-weight: 600; vertical-align: top; }
table td { padding: 2px 0; }
.kpi { font-size: 1.6em; font-weight: 600; }
.kpi-label { color: VAR_MUTED; font-size: 0.85em; }
.scope { color: VAR_MUTED; font-size: 0.9em; }
.identity { font-weight: 600; }
a { color: VAR_LINK; }
""".replace("VAR_MUTED", var("muted")).replace("VAR_LINK", var("link"))


def esc(value: Any) -> str:
    """HTML-escaped text of any value (None -> empty): for every workspace name shown in HTML."""
    return html.escape(plain_text(value), quote=True)


def text_pane(text: str, css_class: str | None = None, tag: str = "div", **kwargs: Any) -> pn.pane.HTML:
    """Plain text in an HTML pane (escaped; never interpreted as HTML or Markdown)."""
    classes = f' class="{esc(css_class)}"' if css_class else ""
    kwargs.setdefault("stylesheets", [PANE_CSS])
    return pn.pane.HTML(f"<{tag}{classes}>{esc(text)}</{tag}>", **kwargs)


def error_alert(title: str, err: BaseException) -> pn.pane.HTML:
    """The in-place error of a panel: what failed and why (the message never holds a secret)."""
    reason = str(err) or type(err).__name__
    if isinstance(err, concurrent.futures.TimeoutError | TimeoutError) and not str(err):
        reason = f"no answer within {PANEL_TIMEOUT_S:.0f} s"
    body = (
        f'<div class="panel-error-text" role="alert" style="{_ERROR_STYLE}"><b>{esc(title)} could not be loaded.</b> '
        f"{esc(type(err).__name__)}: {esc(reason)}</div>"
    )
    return pn.pane.HTML(body, css_classes=["panel-error"], sizing_mode="stretch_width")


def notice_html(text: str, css_class: str = "notice") -> str:
    """A warning line (escaped) for something the app ignored or changed on the user's behalf."""
    return f'<div class="{esc(css_class)}" role="status" style="{_NOTICE_STYLE}">{esc(text)}</div>'


def coming_soon(title: str, detail: str = "") -> pn.pane.HTML:
    """Placeholder of a view slot whose module is not there yet."""
    body = f'<div class="slot-coming-soon-text" style="{_SOON_STYLE}"><b>{esc(title)}</b>: coming soon. {esc(detail)}</div>'
    return pn.pane.HTML(body, css_classes=["slot-coming-soon"], sizing_mode="stretch_width")


def fmt_money(value: Any) -> str:
    """'$1,234.50 (list price)' or '–'."""
    if value is None or pd.isna(value):
        return "–"
    return f"${float(value):,.2f}"


def fmt_duration(seconds: Any) -> str:
    """A duration as every table shows it (``1h 02m``); ``–`` when unknown."""
    if seconds is None or pd.isna(seconds):
        return "–"
    return duration_text(seconds)


def key_values_html(pairs: list[tuple[str, Any]], css_class: str = "key-values") -> str:
    """A two-column HTML table of label / value, every value escaped (flags as yes / no)."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(yes_no(v))}</td></tr>" for k, v in pairs)
    return f'<table class="{esc(css_class)}">{rows}</table>'


def key_values(pairs: list[tuple[str, Any]], css_class: str = "key-values") -> pn.pane.HTML:
    """``key_values_html`` in its own pane."""
    return pn.pane.HTML(
        key_values_html(pairs, css_class), sizing_mode="stretch_width", stylesheets=[PANE_CSS]
    )
