"""The one place charts get HoloViews from: imported on the first chart, drawn on a canvas."""

from __future__ import annotations

from typing import Any


def holoviews() -> Any:
    """HoloViews with its Bokeh plotting registered, imported on the first chart (1-2 s of imports the
    server need not pay before it answers), drawing on a canvas."""
    import holoviews as hv
    import holoviews.plotting.bokeh  # noqa: F401  (registers the bokeh options the plots use)

    # Canvas, not WebGL (HoloViews' default): these plots hold hundreds of points, and without a GPU
    # (headless browsers, many VMs) WebGL is emulated and each repaint blits a full image.
    hv.renderer("bokeh").webgl = False
    return hv
