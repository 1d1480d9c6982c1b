"""Results read through Arrow (data/frames.py) equal DuckDB's own ``.df()``: values, dtypes, index.

Type by type on hand-built rows (with and without NULLs, empty, all-NULL), then every registered metric
and drill-down query on a simulated workspace, each run once through ``result_frame`` and once through
``.df()``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pandas as pd
import pytest

import data.engines
from data.engines import DuckDBEngine
from data.frames import _readable, result_frame
from data.refresh import refresh
from data.simulator import generate
from monitor_app.analytics import drilldown
from monitor_app.analytics.registry import load_all
from monitor_app.analytics.sla import SLA_METRICS
from monitor_app.filters import Filters
from tests.monitor_app.analytics.sla_equivalence_workspace import _targets

ALL_TYPES = (
    "1::INTEGER AS i, 2::BIGINT AS bi, 3::SMALLINT AS si, 4::TINYINT AS ti, 5::UBIGINT AS ub, 1.5::DOUBLE AS d,"
    " 2.5::FLOAT AS fl, 1234567890123456.12::DECIMAL(18, 2) AS dec, 1.25::DECIMAL(18, 2) AS money,"
    " 'O''Brien \"ops\" <img src=x> é' AS s, TRUE AS b, DATE '2026-03-29' AS dt,"
    " TIMESTAMP '2026-03-29 01:30:00' AS ts, TIMESTAMPTZ '2026-03-29 01:30:00+00' AS tstz"
)
ALL_NULL = ", ".join(
    f"NULL::{t} AS {n}"
    for n, t in [
        ("i", "INTEGER"),
        ("bi", "BIGINT"),
        ("si", "SMALLINT"),
        ("ti", "TINYINT"),
        ("ub", "UBIGINT"),
        ("d", "DOUBLE"),
        ("fl", "FLOAT"),
        ("dec", "DECIMAL(18, 2)"),
        ("money", "DECIMAL(18, 2)"),
        ("s", "VARCHAR"),
        ("b", "BOOLEAN"),
        ("dt", "DATE"),
        ("ts", "TIMESTAMP"),
        ("tstz", "TIMESTAMPTZ"),
    ]
)

CASES = {
    "one row, no NULL": f"SELECT {ALL_TYPES}",
    "a NULL in every column": f"SELECT {ALL_TYPES} UNION ALL SELECT {ALL_NULL}",
    "only NULLs": f"SELECT {ALL_NULL} FROM range(3)",
    "no row": f"SELECT {ALL_TYPES} WHERE false",
    "strings and NULLs": "SELECT CASE WHEN range % 2 = 0 THEN 'x' || range END AS s, range AS r FROM range(5)",
    "a repeated column name (df renames it)": "SELECT 'x' AS a, 'y' AS a",
    "a list (read with df)": "SELECT [1, 2] AS l, 'a' AS s",
    "a struct and an interval (read with df)": "SELECT {'k': 1} AS st, INTERVAL 1 HOUR AS iv",
    "many rows": "SELECT 'job-' || (range % 97) AS job, range AS n, (range * 0.01)::DECIMAL(18, 2) AS x FROM range(20000)",
    "decimals of every scale": "SELECT"
    + ", ".join(f" ((random() - 0.5) * 10 ^ (range % 6))::DECIMAL(18, {k}) AS d{k}" for k in range(0, 13, 3))
    + " FROM range(50000)",
    "a wide DECIMAL (read with df)": "SELECT (range / 7)::DECIMAL(38, 18) AS x, 'a' AS s FROM range(1000)",
}
# The cases read through Arrow (the others check the fallback to .df()).
ARROW_CASES = {c for c in CASES if "read with df" not in c and "repeated" not in c}


@pytest.mark.parametrize("case", CASES)
def test_result_frame_equals_df(case):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SELECT setseed(0.25)")
    expected = con.execute(CASES[case]).df()
    con.execute("SELECT setseed(0.25)")
    cursor = con.execute(CASES[case])
    assert _readable(cursor.description) == (case in ARROW_CASES)
    got = result_frame(cursor)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # dtypes by name too: assert_frame_equal compares them, this says which one differs
    assert got.dtypes.astype(str).to_dict() == expected.dtypes.astype(str).to_dict()


def test_strings_are_pandas_default_string_dtype_and_values_are_kept():
    con = duckdb.connect()
    got = result_frame(con.execute(CASES["a NULL in every column"]))
    assert str(got["s"].dtype) == "str"
    assert got["s"].iloc[0] == 'O\'Brien "ops" <img src=x> é'
    assert pd.isna(got["s"].iloc[1])
    assert got["money"].tolist()[0] == 1.25
    assert str(got["i"].dtype) == "Int32" and got["i"].iloc[1] is pd.NA


END = datetime(2026, 11, 10, tzinfo=UTC)  # the SLA equivalence test's workspace, whose targets it reuses


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    path = tmp_path_factory.mktemp("frames_sim") / "workspace.duckdb"
    generate(path, seed=12, jobs=60, days=45, end=END.replace(tzinfo=None))
    engine = DuckDBEngine(path)
    refresh(engine)
    jobs = engine.execute(
        "SELECT j.workspace_id, j.job_id, j.schedule_timezone, t.team, COUNT(r.run_id) AS runs"
        " FROM monitor.jobs AS j"
        " JOIN monitor.job_teams AS t ON t.workspace_id = j.workspace_id AND t.job_id = j.job_id"
        " LEFT JOIN monitor.job_runs AS r ON r.workspace_id = j.workspace_id AND r.job_id = j.job_id"
        " GROUP BY ALL ORDER BY j.workspace_id, j.job_id"
    )
    yield engine, _targets(jobs)
    engine.close()


def _with_df(monkeypatch):
    monkeypatch.setattr(data.engines, "result_frame", lambda cursor: cursor.df())


@pytest.mark.parametrize("name", sorted(load_all()))
def test_every_metric_reads_the_same_through_arrow(simulated, monkeypatch, name):
    engine, targets = simulated
    fn = load_all()[name].fn
    filters = Filters(window_days=30, now=END)

    def call() -> pd.DataFrame:
        return fn(engine, filters, targets) if name in (*SLA_METRICS, "sla_at_risk") else fn(engine, filters)

    got = call()
    _with_df(monkeypatch)
    expected = call()
    assert len(got) > 0 or name in {"suspiciously_fast"}, (
        f"{name} returned no rows: the test would prove nothing"
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_drilldown_queries_read_the_same_through_arrow(simulated, monkeypatch):
    engine, _ = simulated
    filters = Filters(window_days=30, now=END)
    team = str(drilldown.teams_summary(engine, filters)["team"].iloc[0])
    jobs = drilldown.team_jobs(engine, filters.with_(team=team))
    job = filters.with_(
        team=team, workspace_id=str(jobs["workspace_id"].iloc[0]), job_id=str(jobs["job_id"].iloc[0])
    )
    run_id = str(drilldown.job_runs(engine, job)["run_id"].iloc[0])

    def calls() -> list[pd.DataFrame]:
        return [
            drilldown.team_jobs(engine, filters.with_(team=team)),
            drilldown.job_runs(engine, job),
            drilldown.run_summary(engine, job, run_id),
            drilldown.run_tasks(engine, job, run_id),
        ]

    got = calls()
    _with_df(monkeypatch)
    for g, e in zip(got, calls(), strict=True):
        assert len(g) > 0
        pd.testing.assert_frame_equal(g, e, check_exact=True)


@pytest.mark.parametrize("name", sorted(load_all()))
def test_every_metric_works_with_exact_decimals_and_keeps_its_numbers(simulated, name):
    """The CLI reads DECIMAL money as Decimal (exact_decimals): every metric still computes, and every
    Decimal it returns equals the float64 the views read, to float64's precision."""
    from decimal import Decimal

    engine, targets = simulated
    fn = load_all()[name].fn
    filters = Filters(window_days=30, now=END)

    def call() -> pd.DataFrame:
        return fn(engine, filters, targets) if name in (*SLA_METRICS, "sla_at_risk") else fn(engine, filters)

    floats = call()
    engine.exact_decimals = True
    try:
        exact = call()
    finally:
        engine.exact_decimals = False
    assert list(exact.columns) == list(floats.columns) and len(exact) == len(floats)
    for column in exact.columns:
        values = [v for v in exact[column] if isinstance(v, Decimal)]
        if values:
            assert exact[column].map(lambda v: v is None or isinstance(v, Decimal)).all(), column
            as_float = pd.to_numeric(exact[column].map(lambda v: None if v is None else float(v)))
            pd.testing.assert_series_equal(
                as_float, floats[column].astype(float), check_names=False, rtol=1e-12
            )
