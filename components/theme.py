"""The app's colours as CSS custom properties, one set per theme (``?theme=dark`` or the browser's choice).

The app's own stylesheets (tables, notices, the overview) use ``var(--monitor-...)`` with the light value
as fallback. Custom properties inherit through the shadow roots Panel renders panes in, so defining them
once on the document's root reaches every pane; a stylesheet with a hard-coded colour would not follow the
theme (dark headers on dark ground were unreadable).
"""

from __future__ import annotations

LIGHT = {
    "text": "#212529",
    "muted": "#555",
    "surface": "#fff",
    "header-bg": "#f3f4f6",
    "header-text": "#212529",
    "border": "#d0d4da",
    "row-border": "#eceef1",
    "row-hover": "#eef4ff",
    "focus": "#1f6feb",
    "link": "#0b5cad",
    "error-bg": "#f8d7da",
    "error-text": "#842029",
    "error-border": "#f5c2c7",
    "notice-bg": "#fff3cd",
    "notice-text": "#664d03",
    "notice-border": "#ffecb5",
    "soon-bg": "#f8f9fa",
    "status-critical-bg": "#f8d7da",
    "status-critical-text": "#842029",
    "status-warn-bg": "#fff3cd",
    "status-warn-text": "#664d03",
    "status-ok-bg": "#d1e7dd",
    "status-ok-text": "#0f5132",
    "status-no_data-bg": "#e9ecef",
    "status-no_data-text": "#495057",
}
DARK = {
    "text": "#e6e8eb",
    "muted": "#aab1ba",
    "surface": "#2b3035",
    "header-bg": "#343a40",
    "header-text": "#f1f3f5",
    "border": "#495057",
    "row-border": "#3a4046",
    "row-hover": "#24364d",
    "focus": "#6ea8fe",
    "link": "#8bb9fe",
    "error-bg": "#2c0b0e",
    "error-text": "#ea868f",
    "error-border": "#842029",
    "notice-bg": "#332701",
    "notice-text": "#ffda6a",
    "notice-border": "#997404",
    "soon-bg": "#2b3035",
    "status-critical-bg": "#2c0b0e",
    "status-critical-text": "#ea868f",
    "status-warn-bg": "#332701",
    "status-warn-text": "#ffda6a",
    "status-ok-bg": "#051b11",
    "status-ok-text": "#75b798",
    "status-no_data-bg": "#343a40",
    "status-no_data-text": "#adb5bd",
}
THEMES = {"default": LIGHT, "dark": DARK}


def var(name: str) -> str:
    """``var(--monitor-<name>, <light value>)``: a colour that follows the theme."""
    return f"var(--monitor-{name}, {LIGHT[name]})"


def theme_css(theme: str) -> str:
    """The document-level CSS of a theme (unknown names get the light one)."""
    colours = THEMES.get(theme, LIGHT)
    props = "; ".join(f"--monitor-{k}: {v}" for k, v in colours.items())
    return f":root {{ {props}; }}"


# Bootstrap's "light" buttons are Bokeh buttons in a shadow root: they stay white on a dark page.
DARK_BUTTON_CSS = f"""
.bk-btn {{ background-color: {var("surface")}; color: {var("text")}; border-color: {var("border")}; }}
.bk-btn.bk-active {{ background-color: {var("header-bg")}; color: {var("header-text")}; }}
"""


def session_theme() -> str:
    """The session's theme: ``dark`` from ``?theme=dark`` (Panel reads it), else ``default``."""
    import panel as pn

    return "dark" if pn.config.theme == "dark" else "default"


def button_stylesheets() -> list[str]:
    """The stylesheets a light button needs to follow the session's theme."""
    return [DARK_BUTTON_CSS] if session_theme() == "dark" else []
