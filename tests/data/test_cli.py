"""The import and export commands end to end: exit codes, one-line errors, and --help of every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from data.io import export_dir
from data.schema import table_schemas
from monitor_app import cli
from tests.data.io_workspace import populate

REPO = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("isolated_cli")


@pytest.fixture
def export(engine, tmp_path) -> Path:
    populate(engine)
    dest = tmp_path / "export"
    export_dir(engine, dest)
    return dest


def error_line(stderr: str) -> str:
    """The last stderr line, which must be the only one starting with 'error:'."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert [ln for ln in lines if ln.startswith("error:")] == lines[-1:]
    return lines[-1]


def test_import_then_export(export, tmp_path, capsys):
    db = tmp_path / "imported.duckdb"
    assert cli.main(["import", str(export), "--db", str(db), "--no-refresh"]) == 0
    assert "imported 14 rows into 13 tables" in capsys.readouterr().err
    out = tmp_path / "again"
    assert cli.main(["export", str(out), "--db", str(db)]) == 0
    assert "exported 14 rows from 13 tables" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*(f"{n}.parquet" for n in table_schemas()), "_app_state"]
    )


def test_bad_import_exits_1_with_one_error_line(export, tmp_path, capsys):
    (export / "system.billing.usage.parquet").write_bytes(b"")
    assert cli.main(["import", str(export), "--db", str(tmp_path / "x.duckdb"), "--no-refresh"]) == 1
    line = error_line(capsys.readouterr().err)
    assert line == (
        "error: system.billing.usage.parquet (table system.billing.usage): empty file (0 bytes), not a Parquet file"
    )


def test_import_of_missing_folder(tmp_path, capsys):
    assert (
        cli.main(["import", str(tmp_path / "nope"), "--db", str(tmp_path / "x.duckdb"), "--no-refresh"]) == 1
    )
    assert error_line(capsys.readouterr().err) == f"error: {tmp_path / 'nope'}: no such folder"


def test_export_of_missing_database(tmp_path, capsys):
    db = tmp_path / "none.duckdb"
    assert cli.main(["export", str(tmp_path / "out"), "--db", str(db)]) == 1
    assert error_line(capsys.readouterr().err) == (
        f"error: {db}: no database; run `python -m monitor_app demo` or `import DIR` first"
    )
    assert not db.exists()


def test_subprocess_import_and_export(export, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "DATABRICKS_"))}
    env["PYTHONPATH"] = str(REPO)
    db = tmp_path / "sub.duckdb"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "monitor_app", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ok = run("import", str(export), "--db", str(db), "--no-refresh")
    assert ok.returncode == 0, ok.stderr
    ok = run("export", str(tmp_path / "out"), "--db", str(db))
    assert ok.returncode == 0, ok.stderr
    (export / "system.foo.bar.parquet").write_bytes(b"PAR1")
    bad = run("import", str(export), "--db", str(db), "--no-refresh")
    assert bad.returncode == 1
    assert error_line(bad.stderr).startswith("error: system.foo.bar.parquet: unknown table 'system.foo.bar'")
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_help_of_every_subcommand(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([command, "--help"])
    assert info.value.code == 0
    assert f"usage: python -m monitor_app {command}" in capsys.readouterr().out


def test_every_documented_subcommand_exists():
    assert set(cli.COMMANDS) == {
        "demo",
        "import",
        "export",
        "refresh",
        "serve",
        "metrics",
        "alerts",
        "budgets",
        "report",
    }
