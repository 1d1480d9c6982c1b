"""The app installs as a package: its ``job-monitor`` console script works from any folder, SQL included.

Built from a copy of the sources (setuptools writes ``build/`` beside them) into a virtual environment
that sees this machine's packages, so the test installs nothing from the network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("monitor_app", "data", "components", "reports")


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "DATABRICKS_", "PYTHON"))}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_installed_console_script_runs_from_any_folder(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "requirements.txt"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=False)
    python = env_dir / "bin" / "python"
    installed = run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        source,
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = env_dir / "bin" / "job-monitor"
    shown = run(script, "--help", cwd=elsewhere)
    assert shown.returncode == 0 and shown.stdout.startswith("usage: job-monitor"), shown.stderr
    demo = run(
        script,
        "demo",
        "--jobs",
        "6",
        "--days",
        "3",
        "--end",
        "2026-11-25T00:00:00",
        "--db",
        "w.duckdb",
        cwd=elsewhere,
    )
    assert demo.returncode == 0, demo.stderr
    rates = run(
        script, "metrics", "success_rates", "--db", "w.duckdb", "--now", "2026-11-25T00:00:00", cwd=elsewhere
    )
    assert rates.returncode == 0, rates.stderr
    assert len(json.loads(rates.stdout)) == 6
    # The package's code, not the checkout's: the module comes from the environment's site-packages.
    where = run(python, "-c", "import data.model, monitor_app; print(monitor_app.__file__)", cwd=elsewhere)
    assert str(env_dir) in where.stdout, where.stderr
    # Its dependencies are requirements.txt's pins (what Databricks Apps install).
    requires = run(
        python,
        "-c",
        "import importlib.metadata as m; print(m.requires('databricks-job-monitor'))",
        cwd=elsewhere,
    )
    pins = [
        ln for ln in (ROOT / "requirements.txt").read_text().splitlines() if ln and not ln.startswith("#")
    ]
    assert requires.stdout.strip() == repr(pins), requires.stderr
