"""The ``severity`` column of a metric's flagged rows, as the alert rule that reads the flag decides it.

Severity is the alert engine's decision (``monitor_app/alerts/config.py``): a metric only says which rows it
flags, and this stamps them with the rule's default severity, so no SQL file or view writes P1/P2/P3.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from monitor_app.alerts.config import default_severity

__all__ = ["default_severity", "with_severity"]


def with_severity(frame: pd.DataFrame, after: str, rules: Sequence[tuple[Any, str]]) -> pd.DataFrame:
    """``frame`` with a ``severity`` column inserted right after ``after`` (in place: the metrics pass the
    frame their query just returned): for each (mask, rule), the rows the mask flags get that rule's
    severity (the first matching rule wins); the other rows get none."""
    values = np.full(len(frame), None, dtype=object)
    for mask, rule in reversed(rules):
        values = np.where(np.asarray(mask, dtype=bool), default_severity(rule), values)
    frame.insert(frame.columns.get_loc(after) + 1, "severity", pd.array(values, dtype="str"))
    return frame
