"""The registry of named metrics, shared by the CLI, the views and the reports."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

MetricFn = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Metric:
    name: str
    fn: MetricFn
    summary: str


METRICS: dict[str, Metric] = {}


def metric(name: str, thresholds: tuple[str, ...] | None = None) -> Callable[[MetricFn], MetricFn]:
    """Register ``fn(engine, filters) -> DataFrame`` under ``name``; the docstring's first line is its summary.

    ``thresholds``: the threshold names ``fn`` takes, when it refuses others (health metrics do, so a
    misspelt ``--threshold`` is an error); None for a metric that ignores names it does not use.
    """

    def register(fn: MetricFn) -> MetricFn:
        if name in METRICS and METRICS[name].fn is not fn:
            raise ValueError(f"metric {name!r} registered twice")
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else name
        METRICS[name] = Metric(name, fn, summary)
        fn.threshold_names = thresholds  # type: ignore[attr-defined]
        return fn

    return register


def bound(fn: MetricFn, thresholds: Mapping[str, Any], **extra: Any) -> MetricFn:
    """``fn`` with the configured ``thresholds`` it takes (monitor.yaml's ``thresholds:``) and ``extra`` bound.

    One dict configures every metric: a health metric gets only its own names. The result's qualified
    name carries what was bound, so result-cache keys tell two configurations apart.
    """
    takes = getattr(fn, "threshold_names", None)
    chosen = {k: v for k, v in thresholds.items() if takes is None or k in takes}
    chosen.update(extra)
    if not chosen:
        return fn
    wrapped = functools.partial(fn, **chosen)
    functools.update_wrapper(wrapped, fn)
    wrapped.__qualname__ = f"{fn.__qualname__}[{sorted(chosen.items())!r}]"
    return wrapped


def load_all() -> dict[str, Metric]:
    """Import every analytics module so their metrics register, then return the registry."""
    import importlib
    import pkgutil

    import monitor_app.analytics as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name != "registry":
            importlib.import_module(f"monitor_app.analytics.{mod.name}")
    return METRICS
