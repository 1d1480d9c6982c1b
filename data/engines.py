"""Engines run Databricks SQL and return small pandas DataFrames.

Two engines share one interface (``dialect``, ``execute(sql, params)``, ``execute_script``):

- ``DuckDBEngine``: the embedded default, a DuckDB database file holding the system tables.
- ``WarehouseEngine``: a Databricks SQL warehouse through databricks-sql-connector; SQL is sent as written.

Values always travel as bound parameters (``:name`` in the SQL, a dict in Python).
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pandas as pd

from data.dialects import placeholders, split_statements, to_duckdb, to_warehouse
from data.frames import result_frame

log = logging.getLogger(__name__)

# A query that runs longer than this is interrupted: no view may hang a session on one slow query.
DEFAULT_TIMEOUT_S = 60.0


class QueryError(RuntimeError):
    """A query failed; the message says which query and why, without any secret."""


class Engine:
    """Common interface; subclasses register under ``engine_type``."""

    engine_type: ClassVar[str] = ""
    # Whether the engine can hold the derived model tables itself (both can; a read-only one could not).
    supports_refresh: ClassVar[bool] = True
    dialect: ClassVar[str] = "databricks"

    def execute(
        self, sql: str, params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> pd.DataFrame:
        """Run one Databricks SQL statement with bound parameters and return its result."""
        raise NotImplementedError

    def execute_script(self, text: str, params: dict[str, Any] | None = None) -> None:
        """Run several statements in order (refresh and schema creation)."""
        for statement in split_statements(text):
            self.execute(statement, params)

    def execute_atomically(
        self, statements: list[str], params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> None:
        """Run several statements as one transaction: all of them take effect or none (a refresh's
        delete-then-insert of one relation, so a refresh killed between them loses no rows)."""
        raise NotImplementedError

    def describe(self) -> str:
        """A one-line description for headers and logs (never a secret)."""
        raise NotImplementedError


class DuckDBEngine(Engine):
    """The embedded engine: one DuckDB file, the system tables in schemas named after the real ones."""

    engine_type = "duckdb"
    dialect = "duckdb"

    def __init__(self, path: str | Path = ":memory:", read_only: bool = False) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(self.path, read_only=read_only)
        self._con.execute("SET TimeZone = 'UTC'")
        self._lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for a thread (DuckDB connections are not shared between threads)."""
        cur = self._con.cursor()
        cur.execute("SET TimeZone = 'UTC'")
        return cur

    def execute(
        self, sql: str, params: dict[str, Any] | None = None, timeout_s: float | None = DEFAULT_TIMEOUT_S
    ) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return self._run(cur, sql, params, timeout_s)
        finally:
            cur.close()

    def execute_atomically(
        self, statements: list[str], params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> None:
        cur = self.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                for sql in statements:
                    self._run(cur, sql, params, timeout_s)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        finally:
            cur.close()

    @staticmethod
    def _run(
        cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None, timeout_s: float | None
    ) -> pd.DataFrame:
        """One statement on ``cur``: translated, parameters bound, interrupted after ``timeout_s``."""
        duck_sql = to_duckdb(sql)
        used = placeholders(sql)
        missing = used - set(params or {})
        if missing:
            raise QueryError(f"missing query parameters: {', '.join(sorted(missing))}")
        bound = {k: v for k, v in (params or {}).items() if k in used}
        timer = threading.Timer(timeout_s, cur.interrupt) if timeout_s else None
        try:
            if timer:
                timer.start()
            rel = cur.execute(duck_sql, bound) if bound else cur.execute(duck_sql)
            if rel.description is None:
                return pd.DataFrame()
            return result_frame(rel)
        except duckdb.InterruptException as err:
            raise QueryError(f"query interrupted after {timeout_s:.0f} s: {_first_line(sql)}") from err
        except duckdb.Error as err:
            raise QueryError(f"{type(err).__name__}: {err}") from err
        finally:
            if timer:
                timer.cancel()

    def raw(self) -> duckdb.DuckDBPyConnection:
        """The underlying connection, for bulk loading (simulator, import) only; never for queries."""
        return self._con

    def close(self) -> None:
        self._con.close()

    def describe(self) -> str:
        return f"embedded DuckDB ({self.path})"


class WarehouseEngine(Engine):
    """A Databricks SQL warehouse. Deliberately thin: it sends the project's SQL as written.

    ``connect`` is databricks.sql.connect by default; tests pass a stand-in with the same signature.
    Credentials come from the SDK's Config (env, profile, OAuth) or an on-behalf-of-user token, which is
    held only in the connection and never logged.
    """

    engine_type = "warehouse"
    dialect = "databricks"

    def __init__(
        self,
        host: str,
        warehouse_id: str,
        catalog: str,
        schema: str,
        access_token: str | None = None,
        connect: Any = None,
    ) -> None:
        self.host = re.sub(r"^https?://", "", host).rstrip("/")
        self.warehouse_id = warehouse_id
        self.catalog, self.schema = catalog, schema
        self._token = access_token
        self._connect = connect

    def _connection(self) -> Any:
        kwargs: dict[str, Any] = {
            "server_hostname": self.host,
            "http_path": f"/sql/1.0/warehouses/{self.warehouse_id}",
            "_socket_timeout": DEFAULT_TIMEOUT_S,
        }
        if self._token:
            kwargs["access_token"] = self._token
        else:
            from databricks.sdk.core import Config

            cfg = Config(host=f"https://{self.host}")
            kwargs["credentials_provider"] = lambda: cfg.authenticate
        if self._connect is None:
            from databricks import sql as dbsql

            self._connect = dbsql.connect
        return self._connect(**kwargs)

    def execute(
        self, sql: str, params: dict[str, Any] | None = None, timeout_s: float | None = DEFAULT_TIMEOUT_S
    ) -> pd.DataFrame:
        text = to_warehouse(sql, self.catalog, self.schema)
        used = placeholders(sql)
        bound = {k: v for k, v in (params or {}).items() if k in used}
        try:
            with self._connection() as conn, conn.cursor() as cur:
                cur.execute(text, bound or None)
                if cur.description is None:
                    return pd.DataFrame()
                cols = [d[0] for d in cur.description]
                return pd.DataFrame(cur.fetchall(), columns=cols)
        except Exception as err:  # the connector raises many types; report one clear error
            raise QueryError(f"warehouse {self.warehouse_id}: {type(err).__name__}: {err}") from err

    def execute_atomically(
        self, statements: list[str], params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> None:
        """On one connection inside BEGIN TRANSACTION ... COMMIT (Databricks multi-statement transactions
        on Unity Catalog managed tables); ROLLBACK on any error. A warehouse that refuses BEGIN runs the
        statements in order on that connection, as before transactions existed, and says so in the log."""
        try:
            with self._connection() as conn, conn.cursor() as cur:

                def run_all() -> None:
                    for sql in statements:
                        used = placeholders(sql)
                        bound = {k: v for k, v in (params or {}).items() if k in used}
                        cur.execute(to_warehouse(sql, self.catalog, self.schema), bound or None)

                try:
                    cur.execute("BEGIN TRANSACTION")
                except Exception as err:
                    log.warning(
                        "warehouse %s has no multi-statement transactions (%s): statements run one by one, "
                        "so a refresh stopped between them leaves a relation short until the next one",
                        self.warehouse_id,
                        type(err).__name__,
                    )
                    run_all()
                    return
                try:
                    run_all()
                    cur.execute("COMMIT")
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
        except Exception as err:
            raise QueryError(f"warehouse {self.warehouse_id}: {type(err).__name__}: {err}") from err

    def describe(self) -> str:
        return f"SQL warehouse {self.warehouse_id} on {self.host} ({self.catalog}.{self.schema})"


def _first_line(sql: str) -> str:
    line = next((ln.strip() for ln in sql.splitlines() if ln.strip()), "")
    return line[:80]
