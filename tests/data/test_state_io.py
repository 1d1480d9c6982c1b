"""The app state travels with export and import: team rules, SLA targets and budgets, merged once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data.io import export_dir
from data.state_io import STATE_FOLDER
from data.state_store import StateStore
from monitor_app import cli
from tests.data.io_workspace import populate

RULE = (
    "INSERT INTO app_state.team_rules VALUES ('ml', 'tag', :value, 'ml-research', 1, 'ann@x', "
    "TIMESTAMP '2026-11-01 10:00:00', TRUE)"
)
TARGET = (
    "INSERT INTO app_state.sla_targets VALUES ('w1', '42', '07:00', 'Asia/Tokyo', 3600, 'bob@x', "
    "TIMESTAMP '2026-11-02 09:30:00.123456', TRUE), ('w1', '43', '06:00', 'UTC', NULL, 'bob@x', "
    "TIMESTAMP '2026-11-02 09:31:00', TRUE)"
)
BUDGET = (
    "INSERT INTO app_state.budgets VALUES ('team', 'ml-research', NULL, NULL, 1234.56, 'cy@x', "
    "TIMESTAMP '2026-11-03 08:00:00', TRUE)"
)


pytestmark = pytest.mark.usefixtures("isolated_cli")


def state(db: Path) -> StateStore:
    return StateStore.embedded(db.with_name(db.name.removesuffix(".duckdb") + ".state.duckdb"))


def rows(store: StateStore, table: str) -> list[tuple]:
    return [
        tuple(r)
        for r in store.engine.execute(f"SELECT * FROM {table} ORDER BY set_at").itertuples(index=False)
    ]


@pytest.fixture
def exported(engine, tmp_path) -> Path:
    """A workspace with one saved team rule, SLA target and budget, exported through the CLI."""
    populate(engine)
    source = tmp_path / "source.duckdb"
    export_dir(engine, tmp_path / "raw")
    assert cli.main(["import", str(tmp_path / "raw"), "--db", str(source), "--no-refresh"]) == 0
    store = state(source)
    for statement in (RULE, TARGET, BUDGET):
        store.engine.execute(statement, {"value": "ml's <b>"})
    dest = tmp_path / "export"
    assert cli.main(["export", str(dest), "--db", str(source)]) == 0
    return dest


def test_export_writes_every_version_of_the_state(exported, capsys):
    files = sorted(p.name for p in (exported / STATE_FOLDER).iterdir())
    assert files == [
        "app_state.budgets.parquet",
        "app_state.sla_targets.parquet",
        "app_state.team_rules.parquet",
    ]
    table = pq.read_table(exported / STATE_FOLDER / "app_state.team_rules.parquet").to_pylist()
    assert [(r["rule_name"], r["match_value"], r["team"], r["priority"]) for r in table] == [
        ("ml", "ml's <b>", "ml-research", 1)
    ]


def test_import_carries_the_state_and_a_second_import_adds_nothing(exported, tmp_path, capsys):
    db = tmp_path / "copy.duckdb"
    assert cli.main(["import", str(exported), "--db", str(db), "--no-refresh"]) == 0
    err = capsys.readouterr().err
    assert "app state: added 1 team rule versions, 2 SLA target versions, 1 budget versions" in err
    store = state(db)
    assert rows(store, "app_state.team_rules") == [
        ("ml", "tag", "ml's <b>", "ml-research", 1, "ann@x", pd.Timestamp("2026-11-01 10:00", tz="UTC"), True)
    ]
    assert rows(store, "app_state.sla_targets") == [
        (
            "w1",
            "42",
            "07:00",
            "Asia/Tokyo",
            3600,
            "bob@x",
            pd.Timestamp("2026-11-02 09:30:00.123456", tz="UTC"),
            True,
        ),
        ("w1", "43", "06:00", "UTC", pd.NA, "bob@x", pd.Timestamp("2026-11-02 09:31", tz="UTC"), True),
    ]
    assert rows(store, "app_state.budgets") == [
        ("team", "ml-research", None, None, 1234.56, "cy@x", pd.Timestamp("2026-11-03 08:00", tz="UTC"), True)
    ]
    assert cli.main(["import", str(exported), "--db", str(db), "--no-refresh"]) == 0
    assert "added 0 team rule versions, 0 SLA target versions, 0 budget versions" in capsys.readouterr().err
    assert len(rows(store, "app_state.sla_targets")) == 2


def test_import_keeps_the_apps_own_newer_versions(exported, tmp_path):
    db = tmp_path / "copy.duckdb"
    store = state(db)
    store.engine.execute(
        "INSERT INTO app_state.team_rules VALUES ('ml', 'tag', 'ml', 'platform', 1, 'dee@x', "
        "TIMESTAMP '2026-12-01 00:00:00', TRUE)"
    )
    assert cli.main(["import", str(exported), "--db", str(db), "--no-refresh"]) == 0
    assert [(r[3], r[5]) for r in rows(store, "app_state.team_rules")] == [
        ("ml-research", "ann@x"),
        ("platform", "dee@x"),
    ]


def test_an_export_without_state_says_so(engine, tmp_path, capsys):
    populate(engine)
    export_dir(engine, tmp_path / "raw")
    assert (
        cli.main(["import", str(tmp_path / "raw"), "--db", str(tmp_path / "x.duckdb"), "--no-refresh"]) == 0
    )
    assert f"has no {STATE_FOLDER}/ folder: team rules, SLA targets and budgets were not imported" in (
        capsys.readouterr().err
    )


def test_a_bad_state_file_refuses_the_import_before_writing(exported, tmp_path, capsys):
    pq.write_table(
        pa.table({"rule_name": ["x"], "colour": ["red"]}),
        exported / STATE_FOLDER / "app_state.team_rules.parquet",
    )
    db = tmp_path / "copy.duckdb"
    assert cli.main(["import", str(exported), "--db", str(db), "--no-refresh"]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line == (
        f"error: {STATE_FOLDER}/app_state.team_rules.parquet (table app_state.team_rules): missing column(s) "
        "match_kind, match_value, team, priority, set_by, set_at, is_active; unknown column(s) colour"
    )
    assert not db.exists()
