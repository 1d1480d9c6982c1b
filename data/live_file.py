"""Replace the embedded workspace file whole, so that readers keep reading while one writer writes.

DuckDB lets a file be open either by one read-write process or by any number of read-only ones. The
server must keep answering while the hourly refresh, an import or a demo rebuild runs, so nobody writes
the live file in place:

1. a writer takes the file's writer lock (``<file>.lock``, an advisory ``flock``; a second writer waits);
2. copies the live file to ``.<file>.building`` beside it (or starts empty) and writes there;
3. checkpoints and closes it, then ``os.replace``-s it over the live path (atomic on one file system).

Readers (``data.engines.LiveDuckDBEngine``) open the file read-only and notice the new inode at their
next query; queries already running finish on the old file, which the OS frees once its last handle
closes. A writer that fails or is killed leaves the live file untouched (its half-built copy is removed
then or by the next writer). Cost: one copy of the file per write (measured in docs/benchmarks.md) and
twice its size on disk while a write runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

# A second writer waits this long for the first (a large workspace's full refresh takes minutes).
WRITER_WAIT_S = 1800.0


class WriterBusy(RuntimeError):
    """Another process has been writing the workspace file for longer than a writer waits."""


def building_path(path: str | Path) -> Path:
    """Where a writer builds the next version of ``path`` (hidden, beside it, same file system)."""
    live = Path(path)
    return live.with_name(f".{live.name}.building")


@contextlib.contextmanager
def writer_lock(path: str | Path, wait_s: float = WRITER_WAIT_S) -> Iterator[None]:
    """Hold the writer lock of ``path``: one writer at a time, across processes and threads."""
    live = Path(path)
    live.parent.mkdir(parents=True, exist_ok=True)
    with open(live.with_name(live.name + ".lock"), "a+") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WriterBusy(
                        f"{live}: another refresh, import or demo build has been writing it for over "
                        f"{wait_s:.0f} s; wait for it to finish (or stop it) and run this again"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def replace_file(path: str | Path, fresh: bool = False, wait_s: float = WRITER_WAIT_S) -> Iterator[Path]:
    """Yield a path to write the next version of the DuckDB file ``path`` at; swap it in on success.

    ``fresh``: start from no file (the demo generates everything) instead of a copy of the live one.
    The caller must have closed every connection to the yielded path when the block ends.
    """
    live = Path(path)
    building = building_path(live)
    with writer_lock(live, wait_s):
        _remove(building)
        if not fresh and live.exists():
            shutil.copyfile(live, building)
            wal = live.with_name(live.name + ".wal")
            if wal.exists():  # written in place by an older version: its changes belong to the copy
                shutil.copyfile(wal, building.with_name(building.name + ".wal"))
        try:
            yield building
        except BaseException:
            _remove(building)
            raise
        if building.with_name(building.name + ".wal").exists():
            _remove(building)
            raise RuntimeError(f"{building}: still open when the write ended; nothing was replaced")
        _fsync(building)
        with contextlib.suppress(FileNotFoundError):
            os.remove(live.with_name(live.name + ".wal"))
        os.replace(building, live)
        _fsync(live.parent)
        shutil.rmtree(building.with_name(building.name + ".tmp"), ignore_errors=True)


def _remove(building: Path) -> None:
    for leftover in (building, building.with_name(building.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            os.remove(leftover)
    shutil.rmtree(building.with_name(building.name + ".tmp"), ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
