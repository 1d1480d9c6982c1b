"""Kept tables: rows swapped in place, drawn and hidden columns, priming (outside a server)."""

from __future__ import annotations

import pandas as pd

from components.tables import KeptTable
from monitor_app.cache import ResultCache
from monitor_app.state import AppState


def _state(**params) -> AppState:
    return AppState(cache=ResultCache(), **params)


def test_a_kept_table_swaps_rows_and_keeps_its_table_while_the_columns_stay():
    clicked = []
    table = KeptTable("runs", money=["cost"], on_click=lambda i, row: clicked.append((i, row["name"])))
    table.prepare(pd.DataFrame({"name": ["a", "b"], "cost": [1.0, 2.0]}))()
    first = table.table
    assert list(first.frame["name"]) == ["a", "b"]
    assert '<td data-field="cost">$2.00</td>' in first.body  # money as money

    table.prepare(pd.DataFrame({"name": ["<img src=x>"], "cost": [3.0]}))()
    assert table.table is first  # the same widget: the browser gets new rows, not a new table
    assert list(first.frame["name"]) == ["<img src=x>"]
    assert "&lt;img src=x&gt;" in first.body and "<img" not in first.body  # workspace text stays text
    first._handle_msg({"row": 0})
    assert clicked == [(0, "<img src=x>")]

    table.prepare(pd.DataFrame({"name": ["c"], "runs": [4]}))()
    assert table.table is not first  # other columns: a new table


def test_a_primed_table_has_the_columns_and_no_rows_and_never_overwrites_data():
    table = KeptTable("jobs", money=["cost"])
    empty = pd.DataFrame({"name": pd.Series([], dtype=object), "cost": pd.Series([], dtype=float)})
    assert table.prime(empty)() is True
    primed = table.table
    assert list(primed.frame.columns) == ["name", "cost"] and len(primed.frame) == 0

    table.prepare(pd.DataFrame({"name": ["a"], "cost": [1.0]}))()
    assert table.table is primed  # the first rows swap into the primed table
    assert table.prime(empty)() is False  # a late prime leaves the rows alone
    assert list(table.table.frame["name"]) == ["a"]


def test_a_kept_tables_drawn_column_is_shown_but_not_in_its_csv():
    kept = KeptTable("jobs", markup={"runs_by_day": lambda days: "<svg/>"})
    kept.prepare(pd.DataFrame({"name": ["etl"], "runs_by_day": [[("2026-11-20", 1, 0)]], "runs": [1]}))()
    assert list(kept.table.titles) == ["name", "runs_by_day", "runs"]
    csv = kept.view.objects[1].callback().getvalue()
    assert csv.splitlines() == ["name,runs", "etl,1"]


def test_a_kept_tables_hidden_column_is_in_its_csv_not_on_screen():
    kept = KeptTable("jobs", hidden=("succeeded",))
    kept.prepare(pd.DataFrame({"name": ["etl"], "succeeded": [3]}))()
    assert list(kept.table.titles) == ["name"]
    assert kept.view.objects[1].callback().getvalue().splitlines() == ["name,succeeded", "etl,3"]
