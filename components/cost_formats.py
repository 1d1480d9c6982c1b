"""What the cost views share: the list-price note, the money label, and how DBUs and shares read."""

from __future__ import annotations

from typing import Any

import pandas as pd
import panel as pn

from components.panes import text_pane

LIST_PRICE_NOTE = "All $ are list prices (system.billing.list_prices), not your contract prices."
MONEY = "$, list price"
TOP_N = 10
WINDOW_PARAMS = ("as_of", "window_days", "start_date", "end_date", "workspace_id")


def list_price_note() -> pn.pane.HTML:
    return text_pane(LIST_PRICE_NOTE, "list-price-note", tag="p")


IDS = ("workspace_id", "job_id")  # hidden in the summary tables: the row click opens the job


def pct_text(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{100 * float(value):.1f}%"


def dbus_text(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):,.1f} DBU"
