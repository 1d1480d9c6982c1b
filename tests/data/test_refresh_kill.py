"""A refresh killed half-way leaves the previous model whole.

The refresh runs in a child process that is killed (SIGKILL: no cleanup, no ROLLBACK) the moment it
sends the INSERT of a scoped relation, i.e. after that relation's DELETE of the keys in scope. The
database is then opened again, as the app would after a restart, and must hold exactly the rows the
previous refresh left.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from data.engines import DuckDBEngine
from data.refresh import refresh
from data.simulator import generate

ROOT = Path(__file__).resolve().parents[2]
END = datetime(2026, 11, 1, tzinfo=UTC)
SINCE = datetime(2026, 10, 29, tzinfo=UTC)

# The child: an incremental refresh whose connection kills its own process at the chosen INSERT.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    sys.path.insert(0, sys.argv[1])
    from data.engines import DuckDBEngine
    from data.refresh import refresh

    relation = sys.argv[3]

    class KillAtInsert:
        def __init__(self, cur):
            self._cur = cur
        def execute(self, sql, *args):
            if sql.lstrip().upper().startswith(f"INSERT INTO MONITOR.{relation.upper()} "):
                os.kill(os.getpid(), signal.SIGKILL)
            return self._cur.execute(sql, *args)
        def __getattr__(self, name):
            return getattr(self._cur, name)

    engine = DuckDBEngine(sys.argv[2])
    plain = engine.cursor
    engine.cursor = lambda: KillAtInsert(plain())
    refresh(engine, since=datetime.fromisoformat(sys.argv[4]))
    print("the refresh finished: it was never killed")
    """
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "workspace.duckdb"
    generate(path, seed=3, jobs=20, days=6, end=END)
    engine = DuckDBEngine(path)
    refresh(engine)
    engine.close()
    return path


def _counts(path: Path) -> dict[str, int]:
    engine = DuckDBEngine(path)
    try:
        return {
            name: int(engine.execute(f"SELECT COUNT(*) AS n FROM monitor.{name}")["n"].iloc[0])
            for name in ("job_runs", "task_runs", "run_costs", "job_daily")
        }
    finally:
        engine.close()


@pytest.mark.parametrize("relation", ["task_runs", "job_daily"])
def test_a_refresh_killed_between_delete_and_insert_loses_no_rows(workspace, relation):
    before = _counts(workspace)
    assert before["task_runs"] > 300  # the scope is a real part of the model, not nothing
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT), str(workspace), relation, SINCE.isoformat()],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -9, child.stdout + child.stderr  # killed, as planned
    assert _counts(workspace) == before
