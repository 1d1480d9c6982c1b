"""The registry of named metrics, shared by the CLI, the views and the reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

MetricFn = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Metric:
    name: str
    fn: MetricFn
    summary: str


METRICS: dict[str, Metric] = {}


def metric(name: str) -> Callable[[MetricFn], MetricFn]:
    """Register ``fn(engine, filters) -> DataFrame`` under ``name``; the docstring's first line is its summary."""

    def register(fn: MetricFn) -> MetricFn:
        if name in METRICS and METRICS[name].fn is not fn:
            raise ValueError(f"metric {name!r} registered twice")
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else name
        METRICS[name] = Metric(name, fn, summary)
        return fn

    return register


def load_all() -> dict[str, Metric]:
    """Import every analytics module so their metrics register, then return the registry."""
    import importlib
    import pkgutil

    import monitor_app.analytics as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name != "registry":
            importlib.import_module(f"monitor_app.analytics.{mod.name}")
    return METRICS
