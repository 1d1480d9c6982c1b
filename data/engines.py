"""Engines run Databricks SQL and return small pandas DataFrames.

Engines share one interface (``dialect``, ``execute(sql, params)``, ``execute_script``, ``writing()``):

- ``DuckDBEngine``: a DuckDB database file (or memory) holding the system tables, opened as it is.
- ``LiveDuckDBEngine``: the embedded workspace file as the server and the CLI read it: read-only, and
  following each replacement of the file that a writer makes (see ``data/live_file.py``).
- ``FileStateEngine``: a small DuckDB file opened for each statement (the app's state store), so the server
  and the CLI take turns writing it instead of locking each other out.
- ``WarehouseEngine``: a Databricks SQL warehouse through databricks-sql-connector; SQL is sent as written.

Values always travel as bound parameters (``:name`` in the SQL, a dict in Python).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pandas as pd

from data.dialects import literal_frame_bounds, placeholders, split_statements, to_duckdb, to_warehouse
from data.frames import result_frame

log = logging.getLogger(__name__)

# A query that runs longer than this is interrupted: no view may hang a session on one slow query.
DEFAULT_TIMEOUT_S = 60.0
# A database file is attached under this catalog name, whatever the file is called: DuckDB would otherwise
# name the catalog after the file, and a file called demo.duckdb meets the schema ``demo`` ("Ambiguous
# reference to catalog or schema").
FILE_CATALOG = "workspace_file"
# The connector's own retries (429 and 503, with exponential back-off between these delays) bounded for an
# interactive app: its defaults wait up to 900 s over 30 attempts (a stopped warehouse starting), which
# would hold a panel for 15 minutes; after ~2 minutes the panel says the warehouse is not answering.
WAREHOUSE_RETRIES = {
    "_retry_stop_after_attempts_count": 5,
    "_retry_stop_after_attempts_duration": 120.0,
    "_retry_delay_min": 1.0,
    "_retry_delay_max": 10.0,
}
# How long a statement on the state store waits for another process's lock on the file before failing.
STATE_LOCK_WAIT_S = 15.0


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

    @contextlib.contextmanager
    def writing(self) -> Iterator[Engine]:
        """The engine to write the workspace data with (refresh, import, re-attribution).

        Most engines write in place: a warehouse's Delta tables give readers a snapshot, a DuckDB file
        opened read-write is its process's own. ``LiveDuckDBEngine`` builds the new data in a copy beside
        the file and swaps it in when complete, so its readers never see half-written data.
        """
        yield self

    @property
    def data_version(self) -> Any:
        """Changes whenever the data readers see changes as a whole (a swapped file); part of cache keys."""
        return None


def connect_file(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to a database file attached as ``FILE_CATALOG`` (the default catalog).

    Also a fresh database instance every time (DuckDB caches instances by path): a reader that reopens a
    replaced file gets the new file, not the instance still holding the old one.
    """
    con = duckdb.connect(":memory:")
    mode = " (READ_ONLY)" if read_only else ""
    con.execute(f"ATTACH {_literal(str(path))} AS {FILE_CATALOG}{mode}")
    con.execute(f"USE {FILE_CATALOG}")
    # Spill beside the file, as DuckDB does for a database it opened itself (an in-memory one spills to ./.tmp).
    con.execute(f"SET temp_directory = {_literal(str(path) + '.tmp')}")
    con.execute("SET TimeZone = 'UTC'")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBEngine(Engine):
    """The embedded engine: one DuckDB file, the system tables in schemas named after the real ones."""

    engine_type = "duckdb"
    dialect = "duckdb"
    # DECIMAL columns as Decimal objects instead of float64 (frames.result_frame); the CLI sets it.
    exact_decimals = False

    def __init__(self, path: str | Path = ":memory:", read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only
        self._lock = threading.Lock()
        if self.path == ":memory:":
            self._con = duckdb.connect(":memory:")
            self._con.execute("SET TimeZone = 'UTC'")
            self._catalog: str | None = None
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._con = connect_file(self.path, read_only=read_only)
            self._catalog = FILE_CATALOG

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for a thread (DuckDB connections are not shared between threads)."""
        cur = self._con.cursor()
        cur.execute("SET TimeZone = 'UTC'")
        if self._catalog:
            cur.execute(f"USE {self._catalog}")
        return cur

    def execute(
        self, sql: str, params: dict[str, Any] | None = None, timeout_s: float | None = DEFAULT_TIMEOUT_S
    ) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return self._run(cur, sql, params, timeout_s, self.exact_decimals)
        finally:
            cur.close()

    def execute_atomically(
        self, statements: list[str], params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> None:
        cur = self.cursor()
        try:
            _in_transaction(cur, statements, params, timeout_s)
        finally:
            cur.close()

    @staticmethod
    def _run(
        cur: duckdb.DuckDBPyConnection,
        sql: str,
        params: dict[str, Any] | None,
        timeout_s: float | None,
        exact_decimals: bool = False,
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
            return result_frame(rel, exact_decimals=True) if exact_decimals else result_frame(rel)
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

    def configure(self, statement: str) -> None:
        """Apply a database setting (``SET memory_limit = ...``), kept across reopenings where there are any."""
        self._con.execute(statement)

    def close(self) -> None:
        self._con.close()

    def describe(self) -> str:
        return f"embedded DuckDB ({self.path})"


class LiveDuckDBEngine(DuckDBEngine):
    """The embedded workspace file, read-only, following each replacement a writer makes.

    Writers (refresh, import, demo, a team rule saved in the app) never write the file in place: through
    ``writing()`` they build the new data in a copy and swap it in whole (``data/live_file.py``). Before
    each query this engine compares the file's identity (inode, size, mtime) with the one it opened and,
    when a writer swapped it, opens the new file; queries already running finish on the old one. So any
    number of processes read while one writes, and readers see the old data until the new is complete.
    The file is opened at the first query, so the engine can exist before the demo is built.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.read_only = True
        self._lock = threading.Lock()
        self._catalog = FILE_CATALOG
        self._settings: list[str] = []
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened: tuple[int, int, int] | None = None
        self._generation = 0

    def _current(self) -> duckdb.DuckDBPyConnection:
        seen = _file_identity(self.path)
        if seen is None:
            raise QueryError(
                f"{self.path}: no database; run `python -m monitor_app demo` or `import DIR` first"
            )
        if self._con is None or seen != self._opened:
            with self._lock:
                if self._con is None or seen != self._opened:
                    con = connect_file(self.path, read_only=True)
                    for statement in self._settings:
                        con.execute(statement)
                    # The previous connection is not closed: queries running on it finish; it goes
                    # (and with it the replaced file's last handle) when its cursors are done.
                    self._con, self._opened = con, seen
                    self._generation += 1
        return self._con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._current().cursor()
        cur.execute("SET TimeZone = 'UTC'")
        cur.execute(f"USE {self._catalog}")
        return cur

    def raw(self) -> duckdb.DuckDBPyConnection:
        return self._current()

    def configure(self, statement: str) -> None:
        with self._lock:
            self._settings.append(statement)
            con = self._con
        if con is not None:
            con.execute(statement)

    @property
    def data_version(self) -> Any:
        self._current()
        return self._generation

    @contextlib.contextmanager
    def writing(self) -> Iterator[Engine]:
        from data.live_file import replace_file

        with replace_file(self.path) as building:
            writer = DuckDBEngine(building)
            try:
                yield writer
                writer.raw().execute("CHECKPOINT")
            finally:
                writer.close()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None

    def describe(self) -> str:
        return f"embedded DuckDB ({self.path})"


def _in_transaction(
    con: duckdb.DuckDBPyConnection,
    statements: list[str],
    params: dict[str, Any] | None,
    timeout_s: float | None,
) -> None:
    """Run ``statements`` on ``con`` between BEGIN and COMMIT; ROLLBACK on any error (then re-raised)."""
    con.execute("BEGIN TRANSACTION")
    try:
        for sql in statements:
            DuckDBEngine._run(con, sql, params, timeout_s)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _file_identity(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class FileStateEngine(Engine):
    """A small DuckDB file opened for each statement: the app's state store on the embedded setup.

    The server, the CLI (refresh reads the saved team rules; alerts are acknowledged from scripts) and
    the bundle's job all write it. DuckDB lets one process hold a file at a time, so none holds it: each
    statement opens it, runs and closes (~20 ms), and one that meets another process's lock retries for up
    to ``STATE_LOCK_WAIT_S``.
    """

    engine_type = "duckdb"
    dialect = "duckdb"

    def __init__(self, path: str | Path, lock_wait_s: float = STATE_LOCK_WAIT_S) -> None:
        self.path = str(path)
        self.lock_wait_s = lock_wait_s
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # one statement at a time within this process

    @contextlib.contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        deadline = time.monotonic() + self.lock_wait_s
        delay = 0.02
        with self._lock:
            while True:
                try:
                    con = connect_file(self.path)
                    break
                except duckdb.IOException as err:
                    if "lock" not in str(err).lower() or time.monotonic() > deadline:
                        raise QueryError(
                            f"{self.path}: the state store is held by another process ({err}); "
                            "try again, or stop the process that keeps it open"
                        ) from err
                    time.sleep(delay)
                    delay = min(delay * 2, 0.5)
            try:
                yield con
            finally:
                con.close()

    def execute(
        self, sql: str, params: dict[str, Any] | None = None, timeout_s: float | None = DEFAULT_TIMEOUT_S
    ) -> pd.DataFrame:
        with self._connection() as con:
            return DuckDBEngine._run(con, sql, params, timeout_s)

    def execute_script(self, text: str, params: dict[str, Any] | None = None) -> None:
        with self._connection() as con:
            for statement in split_statements(text):
                DuckDBEngine._run(con, statement, params, DEFAULT_TIMEOUT_S)

    def execute_atomically(
        self, statements: list[str], params: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> None:
        with self._connection() as con:
            _in_transaction(con, statements, params, timeout_s)

    def close(self) -> None:
        """Nothing stays open between statements."""

    def describe(self) -> str:
        return f"state store ({self.path})"


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
            **WAREHOUSE_RETRIES,
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
        try:
            sql = literal_frame_bounds(sql, params)
        except ValueError as err:
            raise QueryError(str(err)) from err
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
                        sql = literal_frame_bounds(sql, params)
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
