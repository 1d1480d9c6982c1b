"""A refresh killed between a relation's DELETE and INSERT: rows before, rows after reopening.

On a copy of the generated default workspace (``bench_data.py --size default`` first), for each scoped
relation an incremental refresh (the last 2 days) is run in a child process that SIGKILLs itself when it
sends that relation's INSERT (the child of ``tests/data/test_refresh_kill.py``). The copy is then
opened again and counted. Also times one incremental refresh that is not killed (what the transaction
costs). Writes ``benchmarks/out/bench_refresh_kill.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.bench_data import END
from benchmarks.common import ROOT, machine
from data.engines import DuckDBEngine
from data.refresh import SCOPED, refresh
from tests.data.test_refresh_kill import CHILD

OUT = ROOT / "benchmarks" / "out"


def counts(path: Path) -> dict[str, int]:
    engine = DuckDBEngine(path)
    try:
        return {
            name: int(engine.execute(f"SELECT COUNT(*) AS n FROM monitor.{name}")["n"].iloc[0])
            for name in SCOPED
        }
    finally:
        engine.close()


def main() -> None:
    source = OUT / "default.duckdb"
    if not source.exists():
        sys.exit("run `python benchmarks/bench_data.py --size default` first")
    since = datetime.fromisoformat(END) - timedelta(days=2)
    work = OUT / "kill.duckdb"
    result: dict = {"since": since.isoformat(), "machine": machine(), "killed_at": {}}
    for relation in SCOPED:
        shutil.copy(source, work)
        before = counts(work)
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(ROOT), str(work), relation, since.isoformat()],
            capture_output=True,
            text=True,
        )
        after = counts(work)
        result["killed_at"][relation] = {"exit": child.returncode, "before": before, "after": after}
        print(relation, child.returncode, before, after, flush=True)
    shutil.copy(source, work)
    engine = DuckDBEngine(work)
    started = time.perf_counter()
    refresh(engine, since=since)
    result["incremental_refresh_s"] = round(time.perf_counter() - started, 2)
    engine.close()
    work.unlink()
    (OUT / "bench_refresh_kill.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
