"""HTML our code builds, shown in a box that a new value only refills.

A Panel HTML pane whose text changes makes Bokeh lay the page out again; on a page that keeps its hidden
pages laid out (the shell does, so a click does not redraw their tables from zero width) that cost
100 ms of a drill-down click on a 2-core machine (docs/benchmarks.md). This box sets its content with
``innerHTML`` and keeps its size (give it a height): nothing else on the page moves. The HTML must be
built by our own code, workspace text escaped (``components.panes.esc``).
"""

from __future__ import annotations

import param
from panel.custom import JSComponent


class HtmlBox(JSComponent):
    """A box showing ``html`` (ours, escaped where it holds workspace text)."""

    html = param.String(default="", doc="The content: HTML built by our code.")

    _esm = """
    export function render({ model, el }) {
      const fill = () => { el.innerHTML = model.html; };
      fill();
      model.on("html", fill);
    }
    """
