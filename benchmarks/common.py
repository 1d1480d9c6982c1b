"""Helpers shared by the benchmark scripts: child processes with their peak memory, medians, markdown."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_child(code: str) -> tuple[float, float, dict]:
    """Run Python code in a fresh process; return (wall seconds, peak RSS in MB, the JSON it printed last).

    A child per step makes the peak memory that of the step alone: the child reports its own ru_maxrss.
    """
    code += "\nimport json as _j, resource as _r\nprint(_j.dumps({'peak_kb': _r.getrusage(_r.RUSAGE_SELF).ru_maxrss}))"
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    wall = time.perf_counter() - started
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    lines = [json.loads(ln) for ln in out.stdout.splitlines() if ln.startswith("{")]
    peak_kb = lines[-1]["peak_kb"]
    return wall, peak_kb / 1024, lines[-2] if len(lines) > 1 else {}


def median_ms(fn, repeat: int = 7) -> float:
    """Median wall time of ``fn()`` in milliseconds over ``repeat`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
