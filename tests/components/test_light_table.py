"""The light table's HTML, order, filter, pages and messages, outside a server (exact strings)."""

from __future__ import annotations

import pandas as pd
import pytest

from components.light_table import LightTable, number_format, pager_html, table_html, view_rows

FRAME = pd.DataFrame(
    {
        "job": ["b<script>", "a", 'O\'Brien "ops"', "c"],
        "team": ["ops", "data", "ops", None],
        "runs": [3, 1, None, 2],
    }
)


def test_table_html_escapes_every_cell_and_title_and_keeps_each_rows_position():
    rows = FRAME.iloc[[0, 2]]
    out = table_html(
        rows, {"job": "Job <b>", "runs": "Runs"}, styles={"runs": lambda v: "color: red" if v == 3 else ""}
    )
    assert out == (
        "<table><thead><tr>"
        '<th data-field="job" aria-sort="none"><button type="button" data-sort="job">Job &lt;b&gt;</button></th>'
        '<th data-field="runs" aria-sort="none"><button type="button" data-sort="runs">Runs</button></th>'
        "</tr></thead><tbody>"
        '<tr class="light-row" tabindex="0" data-row="0"><td data-field="job">b&lt;script&gt;</td>'
        '<td data-field="runs" style="color: red">3.0</td></tr>'
        '<tr class="light-row" tabindex="0" data-row="2"><td data-field="job">O&#x27;Brien &quot;ops&quot;</td>'
        '<td data-field="runs"></td></tr>'
        "</tbody></table>"
    )


def test_rows_filter_by_text_in_any_case_and_sort_with_empty_values_last():
    assert list(view_rows(FRAME, filter_column="team", text=" OPS ").index) == [0, 2]
    assert list(view_rows(FRAME, sort="runs").index) == [1, 3, 0, 2]
    assert list(view_rows(FRAME, sort="runs", descending=True).index) == [0, 3, 1, 2]
    assert list(view_rows(FRAME, sort="no_such_column").index) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("pattern", "value", "shown"),
    [
        ("$0,0.00", 1234.5, "$1,234.50"),
        ("$0,0.00", -2.125, "-$2.12"),
        ("0.0%", 0.1234, "12.3%"),
        ("0,0", 1234567.4, "1,234,567"),
        ("0,0.00", -0.001, "0.00"),
        ("0,0", None, ""),
    ],
)
def test_number_formats_match_the_tabulator_ones(pattern, value, shown):
    assert number_format(pattern)(value) == shown


def test_pager_says_where_the_reader_is():
    assert pager_html(1, 1, 5) == ""
    assert pager_html(2, 3, 45) == (
        '<button type="button" data-page="1">Previous</button>'
        '<span class="light-page">Page 2 of 3 (45 rows)</span>'
        '<button type="button" data-page="3">Next</button>'
    )
    assert 'data-page="0" disabled' in pager_html(1, 3, 45)


def test_sort_messages_flip_the_order_and_a_new_order_starts_on_page_one():
    table = LightTable(FRAME, {"job": "Job", "runs": "Runs"}, page_size=2)
    assert "Page 1 of 2 (4 rows)" in table.body
    table.page = 2
    assert 'data-row="2"' in table.body and 'data-row="0"' not in table.body
    table._handle_msg({"sort": "runs"})
    assert (table.sort, table.descending, table.page) == ("runs", False, 1)
    assert table.body.index('data-row="1"') < table.body.index('data-row="3"')
    table._handle_msg({"sort": "runs"})
    assert table.descending is True
    table._handle_msg({"sort": "team"})  # not a shown column: ignored
    assert table.sort == "runs"


def test_the_filter_box_filters_and_a_click_gets_the_row_of_the_whole_frame():
    clicked = []
    table = LightTable(FRAME, {"job": "Job", "team": "Team"}, filter_column="team")
    table.on_click(lambda position, row: clicked.append((position, row["job"])))
    table.filter_text = "data"
    assert table.body.count("light-row") == 1
    table._handle_msg({"row": 1})
    table._handle_msg({"row": 99})  # out of range: ignored
    table._handle_msg("not a message")
    table._handle_msg({"row": "1; DROP TABLE"})  # not a number: ignored
    assert clicked == [(1, "a")]
    table.filter_text = "nothing like it"
    assert "No rows match." in table.body


def test_rows_are_positions_even_when_a_new_frame_has_its_own_index():
    clicked = []
    table = LightTable(FRAME, {"job": "Job"}, filter_column="job")
    assert table.filter_placeholder == "Filter by job"
    table.on_click(lambda position, row: clicked.append((position, row["job"])))
    table.frame = pd.DataFrame({"job": ["x", "y"]}, index=[10, 11])
    assert 'data-row="0"' in table.body and 'data-row="1"' in table.body and 'data-row="10"' not in table.body
    table._handle_msg({"row": 1})
    assert clicked == [(1, "y")]


def test_only_texts_past_twenty_characters_may_wrap():
    frame = pd.DataFrame({"t": ["2026-12-07 06:15", "At 05:35 · 0 35 5 * * ?", "x" * 41]})
    out = table_html(frame, {"t": "T"})
    assert '<td data-field="t">2026-12-07 06:15</td>' in out  # a time stays on one line
    assert '<td data-field="t" class="words">At 05:35 · 0 35 5 * * ?</td>' in out
    assert f'<td data-field="t" class="wrap">{"x" * 41}</td>' in out


def test_a_drawn_column_is_put_in_as_drawn_and_cannot_be_sorted():
    frame = pd.DataFrame({"job": ["<b>x</b>"], "spark": [3]})
    out = table_html(frame, {"job": "Job", "spark": "Runs"}, markup={"spark": lambda v: f"<svg>{v}</svg>"})
    assert '<th data-field="spark"><span>Runs</span></th>' in out  # no sort button
    assert '<td data-field="spark" class="markup"><svg>3</svg></td>' in out
    assert '<td data-field="job">&lt;b&gt;x&lt;/b&gt;</td>' in out  # other cells still escaped
    table = LightTable(frame, {"job": "Job", "spark": "Runs"}, markup={"spark": lambda v: "<svg/>"})
    table._handle_msg({"sort": "spark"})
    assert table.sort == ""
