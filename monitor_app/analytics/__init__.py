"""Analytics: plain functions ``fn(engine, filters) -> DataFrame``, one module per concern, SQL beside it.

Register a public metric with ``@metric("name")`` so the CLI (``python -m monitor_app metrics NAME``),
views, alerts and reports all find the same function. Analytics never import Panel.
"""

from monitor_app.analytics.registry import METRICS, metric

__all__ = ["METRICS", "metric"]
