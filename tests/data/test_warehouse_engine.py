"""The SQL warehouse adapter: the project's SQL goes out as written (Databricks dialect, bound `:name`
parameters, the app's schemas qualified), credentials stay inside the connection.

databricks-sql-connector needs a real warehouse, which cannot run here: the stand-in below is the thinnest
possible (it records what the adapter hands to `connect` and `cursor.execute`, and answers one row).
"""

from __future__ import annotations

from typing import Any

import pytest

from data.engines import QueryError, WarehouseEngine

TOKEN = "dapi-user-token-0123456789"


class StandInConnector:
    """Same signature as databricks.sql.connect; remembers the calls."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.connect_kwargs: dict[str, Any] = {}
        self.executed: list[tuple[str, Any]] = []
        self.fail = fail

    def __call__(self, **kwargs: Any) -> StandInConnector:
        self.connect_kwargs = kwargs
        return self

    def __enter__(self) -> StandInConnector:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def cursor(self) -> StandInConnector:
        return self

    def execute(self, sql: str, params: Any = None) -> None:
        if self.fail:
            raise self.fail
        self.executed.append((sql, params))
        self.description = [("job_id",), ("runs",)]

    def fetchall(self) -> list[tuple]:
        return [("42", 7)]


def test_sql_is_sent_as_databricks_sql_with_bound_parameters():
    connector = StandInConnector()
    engine = WarehouseEngine(
        "https://adb-1.azuredatabricks.net/", "wh1", "main", "ops", TOKEN, connect=connector
    )
    frame = engine.execute(
        "SELECT r.job_id, COUNT(*) AS runs FROM monitor.job_runs AS r JOIN system.lakeflow.jobs AS j "
        "ON j.job_id = r.job_id WHERE j.name = :name GROUP BY r.job_id",
        {"name": "x' OR '1'='1", "unused": 1},
    )
    assert frame.to_dict("records") == [{"job_id": "42", "runs": 7}]
    assert connector.executed == [
        (
            "SELECT r.job_id, COUNT(*) AS runs FROM main.ops.job_runs AS r JOIN system.lakeflow.jobs AS j "
            "ON j.job_id = r.job_id WHERE j.name = :name GROUP BY r.job_id",
            {"name": "x' OR '1'='1"},
        )
    ]
    assert connector.connect_kwargs["server_hostname"] == "adb-1.azuredatabricks.net"
    assert connector.connect_kwargs["http_path"] == "/sql/1.0/warehouses/wh1"
    assert connector.connect_kwargs["access_token"] == TOKEN


def test_the_token_never_shows_in_descriptions_or_errors():
    engine = WarehouseEngine(
        "adb-1.azuredatabricks.net",
        "wh1",
        "main",
        "ops",
        TOKEN,
        connect=StandInConnector(fail=OSError("refused")),
    )
    assert TOKEN not in engine.describe()
    assert TOKEN not in repr(engine)
    with pytest.raises(QueryError) as info:
        engine.execute("SELECT 1 AS x")
    assert str(info.value) == "warehouse wh1: OSError: refused"
    assert TOKEN not in str(info.value)


class FailingInsert(StandInConnector):
    """Refuses any INSERT, as a warehouse would on a failing statement."""

    def execute(self, sql: str, params: Any = None) -> None:
        if sql.startswith("INSERT"):
            self.executed.append(("(failed) " + sql, params))
            raise RuntimeError("warehouse stopped")
        super().execute(sql, params)


def test_statements_that_must_go_together_run_in_one_transaction_on_one_connection():
    connector = StandInConnector()
    engine = WarehouseEngine("h", "wh1", "main", "ops", TOKEN, connect=connector)
    engine.execute_atomically(
        ["DELETE FROM monitor.job_daily WHERE run_date = :d", "INSERT INTO monitor.job_daily SELECT 1"],
        {"d": "2026-11-01", "unused": 1},
    )
    assert connector.executed == [
        ("BEGIN TRANSACTION", None),
        ("DELETE FROM main.ops.job_daily WHERE run_date = :d", {"d": "2026-11-01"}),
        ("INSERT INTO main.ops.job_daily SELECT 1", None),
        ("COMMIT", None),
    ]


def test_a_failed_statement_rolls_the_transaction_back():
    connector = FailingInsert()
    engine = WarehouseEngine("h", "wh1", "main", "ops", TOKEN, connect=connector)
    with pytest.raises(QueryError, match="warehouse wh1: RuntimeError: warehouse stopped"):
        engine.execute_atomically(["DELETE FROM monitor.job_daily", "INSERT INTO monitor.job_daily SELECT 1"])
    assert [sql for sql, _ in connector.executed] == [
        "BEGIN TRANSACTION",
        "DELETE FROM main.ops.job_daily",
        "(failed) INSERT INTO main.ops.job_daily SELECT 1",
        "ROLLBACK",
    ]


class NoTransactions(StandInConnector):
    """A warehouse without multi-statement transactions: BEGIN is refused."""

    def execute(self, sql: str, params: Any = None) -> None:
        if sql == "BEGIN TRANSACTION":
            raise RuntimeError("TRANSACTIONS_NOT_SUPPORTED")
        super().execute(sql, params)


def test_a_warehouse_without_transactions_runs_the_statements_in_order_and_says_so(caplog):
    connector = NoTransactions()
    engine = WarehouseEngine("h", "wh1", "main", "ops", TOKEN, connect=connector)
    engine.execute_atomically(["DELETE FROM monitor.job_daily", "INSERT INTO monitor.job_daily SELECT 1"])
    assert [sql for sql, _ in connector.executed] == [
        "DELETE FROM main.ops.job_daily",
        "INSERT INTO main.ops.job_daily SELECT 1",
    ]
    assert "wh1 has no multi-statement transactions (RuntimeError)" in caplog.text
    assert TOKEN not in caplog.text


def test_window_frame_bounds_go_to_the_warehouse_as_literals():
    """Spark SQL (so Databricks SQL) refuses a parameter in a frame bound ("Frame bound value must be a
    literal"); found by tests/spark. The bound is folded to a number, other parameters stay bound."""
    connector = StandInConnector()
    engine = WarehouseEngine("adb-1.azuredatabricks.net", "wh1", "main", "ops", TOKEN, connect=connector)
    engine.execute(
        "SELECT SUM(r.duration_seconds) OVER (PARTITION BY r.job_id ORDER BY r.start_micros "
        "RANGE BETWEEN :days * 86400000000 PRECEDING AND 1 PRECEDING) AS s FROM monitor.job_runs AS r "
        "WHERE r.job_id = :job_id",
        {"days": 30.0, "job_id": "42"},
    )
    sql, params = connector.executed[0]
    assert "RANGE BETWEEN 2592000000000 PRECEDING AND 1 PRECEDING" in sql
    assert params == {"job_id": "42"}


def test_a_frame_bound_that_is_not_a_number_is_refused_before_it_is_sent():
    connector = StandInConnector()
    engine = WarehouseEngine("adb-1.azuredatabricks.net", "wh1", "main", "ops", TOKEN, connect=connector)
    with pytest.raises(
        QueryError, match=r"frame bound parameter :n must be a number, got '3 PRECEDING; DROP'"
    ):
        engine.execute(
            "SELECT SUM(x) OVER (ORDER BY t ROWS BETWEEN :n PRECEDING AND CURRENT ROW) AS s FROM monitor.job_runs",
            {"n": "3 PRECEDING; DROP"},
        )
    assert connector.executed == []


def test_the_connector_retries_throttling_a_bounded_number_of_times_with_back_off():
    """429 and 503 are retried by databricks-sql-connector itself; the adapter bounds it (5 attempts,
    2 minutes, 1-10 s apart) and every socket read to 60 s, so a hung warehouse fails one panel in
    bounded time instead of holding it for the connector's default 15 minutes."""
    connector = StandInConnector()
    WarehouseEngine("adb-1.azuredatabricks.net", "wh1", "main", "ops", TOKEN, connect=connector).execute(
        "SELECT 1 AS job_id, 2 AS runs"
    )
    kwargs = connector.connect_kwargs
    assert {k: kwargs[k] for k in kwargs if k.startswith("_")} == {
        "_socket_timeout": 60.0,
        "_retry_stop_after_attempts_count": 5,
        "_retry_stop_after_attempts_duration": 120.0,
        "_retry_delay_min": 1.0,
        "_retry_delay_max": 10.0,
    }
