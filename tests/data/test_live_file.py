"""The embedded workspace file is replaced whole: readers keep reading while one writer writes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from data.engines import DuckDBEngine, FileStateEngine, LiveDuckDBEngine, QueryError
from data.live_file import WriterBusy, building_path, replace_file, writer_lock


def _file_with(path: Path, value: int) -> None:
    engine = DuckDBEngine(path)
    engine.execute("CREATE SCHEMA IF NOT EXISTS demo")
    engine.execute("CREATE OR REPLACE TABLE demo.facts AS SELECT CAST(:v AS INT) AS v", {"v": value})
    engine.close()


def _value(engine: LiveDuckDBEngine) -> int:
    return int(engine.execute("SELECT v FROM demo.facts")["v"].iloc[0])


def test_a_reader_sees_the_old_data_until_the_write_is_complete_then_the_new(tmp_path: Path):
    live = tmp_path / "demo.duckdb"  # a file called demo next to a schema called demo
    _file_with(live, 1)
    reader = LiveDuckDBEngine(live)
    assert _value(reader) == 1
    version = reader.data_version
    with reader.writing() as writer:
        writer.execute("UPDATE demo.facts SET v = 2")
        assert _value(reader) == 1
        assert reader.data_version == version
    assert _value(reader) == 2
    assert reader.data_version == version + 1
    assert not building_path(live).exists()


def test_a_failed_write_leaves_the_file_as_it_was_and_no_copy_behind(tmp_path: Path):
    live = tmp_path / "workspace.duckdb"
    _file_with(live, 1)
    reader = LiveDuckDBEngine(live)
    with pytest.raises(QueryError, match="no_such_table"):
        with reader.writing() as writer:
            writer.execute("UPDATE demo.facts SET v = 3")
            writer.execute("SELECT * FROM demo.no_such_table")
    assert _value(reader) == 1
    assert not building_path(live).exists()


def test_a_first_write_that_fails_leaves_no_empty_database(tmp_path: Path):
    live = tmp_path / "new.duckdb"
    with pytest.raises(RuntimeError, match="refused"):
        with replace_file(live):
            raise RuntimeError("refused")
    assert not live.exists()
    with pytest.raises(QueryError, match="no database; run `python -m monitor_app demo`"):
        LiveDuckDBEngine(live).execute("SELECT 1")


def test_a_second_writer_waits_for_the_first_and_says_so_when_it_gives_up(tmp_path: Path):
    live = tmp_path / "workspace.duckdb"
    _file_with(live, 1)
    with writer_lock(live):
        with pytest.raises(WriterBusy, match="another refresh, import or demo build"):
            with replace_file(live, wait_s=0.3):
                pass
    order = []
    first_inside = threading.Event()

    def first() -> None:
        with LiveDuckDBEngine(live).writing() as writer:
            first_inside.set()
            threading.Event().wait(0.3)
            writer.execute("UPDATE demo.facts SET v = v * 10")
            order.append("first")

    thread = threading.Thread(target=first)
    thread.start()
    first_inside.wait(5)
    with LiveDuckDBEngine(live).writing() as writer:  # waits, then starts from the first one's result
        writer.execute("UPDATE demo.facts SET v = v + 1")
        order.append("second")
    thread.join()
    assert order == ["first", "second"]
    assert _value(LiveDuckDBEngine(live)) == 11


def test_readers_in_many_threads_never_fail_while_writers_replace_the_file(tmp_path: Path):
    live = tmp_path / "workspace.duckdb"
    _file_with(live, 0)
    reader = LiveDuckDBEngine(live)
    errors: list[str] = []
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(_value(reader))
            except Exception as err:  # any error is the failure this test looks for
                errors.append(f"{type(err).__name__}: {err}")

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for value in range(1, 11):
        with reader.writing() as writer:
            writer.execute("UPDATE demo.facts SET v = :v", {"v": value})
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _value(reader) == 10
    assert set(seen) <= set(range(11)) and len(seen) > 10


def _hold(path: Path, seconds: float) -> subprocess.Popen:
    """Another process keeping the file open read-write for ``seconds`` (as an old server did)."""
    code = (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
        "time.sleep(float(sys.argv[2]))"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(path), str(seconds)], stdout=subprocess.PIPE)
    assert holder.stdout.readline().strip() == b"held"
    return holder


def test_the_state_store_file_takes_turns_instead_of_locking_others_out(tmp_path: Path):
    path = tmp_path / "workspace.state.duckdb"
    one, two = FileStateEngine(path), FileStateEngine(path)
    one.execute("CREATE TABLE notes (n INT)")
    one.execute("INSERT INTO notes VALUES (1)")
    two.execute("INSERT INTO notes VALUES (2)")
    assert one.execute("SELECT SUM(n) AS s FROM notes")["s"].iloc[0] == 3

    holder = _hold(path, 30)
    try:
        with pytest.raises(QueryError, match="held by another process"):
            FileStateEngine(path, lock_wait_s=0.3).execute("SELECT 1")
    finally:
        holder.kill()
        holder.wait()

    holder = _hold(path, 0.5)  # a statement waits for a short hold to end
    try:
        FileStateEngine(path, lock_wait_s=10).execute("INSERT INTO notes VALUES (4)")
    finally:
        holder.wait()
    assert one.execute("SELECT SUM(n) AS s FROM notes")["s"].iloc[0] == 7
