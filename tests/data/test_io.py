"""Parquet import and export: round trip, every kind of bad export, and the older-export allowances."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import data.io as io_module
from data.engines import DuckDBEngine
from data.io import NEWER_COLUMNS, ImportValidationError, export_dir, import_dir
from data.schema import REQUIRED_TABLES, create_tables, table_schemas
from tests.data.io_workspace import populate


def snapshot(engine: DuckDBEngine) -> dict[str, tuple]:
    """Every table's column types and rows (order-independent), to compare databases exactly."""
    con = engine.raw()
    out = {}
    for ts in table_schemas().values():
        rel = con.sql(f"SELECT * FROM {ts.duckdb_name}")
        out[ts.full_name] = (
            tuple(map(str, rel.types)),
            tuple(sorted(repr(row) for row in rel.fetchall())),
        )
    return out


def rewrite(path: Path, change: Callable[[pa.Table], pa.Table]) -> None:
    """Replace a Parquet file by a changed copy of its content."""
    pq.write_table(change(pq.read_table(path)), path)


def file_of(folder: Path, full_name: str) -> Path:
    return folder / f"{full_name}.parquet"


@pytest.fixture
def export(engine: DuckDBEngine, tmp_path: Path) -> Path:
    """A folder exported from the hand-made workspace."""
    populate(engine)
    dest = tmp_path / "export"
    export_dir(engine, dest)
    return dest


@pytest.fixture
def target(tmp_path: Path) -> DuckDBEngine:
    """A second database that already holds one import (so a failed import has something to keep)."""
    eng = DuckDBEngine(tmp_path / "target.duckdb")
    create_tables(eng.raw())
    populate(eng)
    eng.raw().execute("DELETE FROM lakeflow.jobs WHERE job_id = '8'")  # differs from the export
    yield eng
    eng.close()


# --- round trip and layout ----------------------------------------------------------------------------


def test_export_writes_one_file_per_table(engine, tmp_path):
    populate(engine)
    counts = export_dir(engine, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{name}.parquet" for name in table_schemas()
    )
    assert counts["system.lakeflow.jobs"] == 2
    assert counts["system.billing.usage"] == 2
    assert counts["collected.column_snapshots"] == 1


def test_round_trip_into_a_fresh_database_is_exact(engine, export, tmp_path):
    fresh = DuckDBEngine(tmp_path / "fresh.duckdb")  # no tables yet: the import creates them
    counts = import_dir(fresh, export)
    assert snapshot(fresh) == snapshot(engine)
    assert counts == {name: len(snapshot(engine)[name][1]) for name in table_schemas()}
    fresh.close()


def test_import_replaces_previous_content(export, target):
    import_dir(target, export)
    assert target.raw().execute("SELECT count(*) FROM lakeflow.jobs").fetchone()[0] == 2


def test_export_from_a_read_only_database(engine, tmp_path):
    populate(engine)
    engine.close()
    ro = DuckDBEngine(tmp_path / "workspace.duckdb", read_only=True)
    assert export_dir(ro, tmp_path / "out")["system.lakeflow.jobs"] == 2
    ro.close()


def test_export_refuses_a_part_folder_of_the_same_table(engine, tmp_path):
    (tmp_path / "out" / "system.lakeflow.jobs").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"system\.lakeflow\.jobs/: a part folder of the same table exists"):
        export_dir(engine, tmp_path / "out")


def test_export_path_with_quote_and_unicode(engine, tmp_path):
    populate(engine)
    dest = tmp_path / "ex'p\"ort ✓"
    export_dir(engine, dest)
    fresh = DuckDBEngine(tmp_path / "fresh.duckdb")
    import_dir(fresh, dest)
    assert snapshot(fresh) == snapshot(engine)
    fresh.close()


# --- layouts and allowances ---------------------------------------------------------------------------


def split_into_parts(folder: Path, full_name: str, names: list[str]) -> None:
    """Turn ``<table>.parquet`` into a ``<table>/`` folder of part files, one row each (Spark-like)."""
    table = pq.read_table(file_of(folder, full_name))
    file_of(folder, full_name).unlink()
    parts = folder / full_name
    parts.mkdir()
    for i, name in enumerate(names):
        pq.write_table(table.slice(i, 1), parts / name)
    (parts / "_SUCCESS").write_text("")
    (parts / "_committed_123").write_text("{}")
    (parts / ".part-0.crc").write_bytes(b"\x00")


def test_part_folders_load(engine, export, target):
    split_into_parts(
        export, "system.lakeflow.jobs", ["part-00000.snappy.parquet", "part-00001.snappy.parquet"]
    )
    counts = import_dir(target, export)
    assert counts["system.lakeflow.jobs"] == 2
    assert snapshot(target) == snapshot(engine)


def test_spark_style_folder_named_like_a_file(engine, export, target):
    split_into_parts(export, "system.lakeflow.jobs", ["part-00000.parquet", "part-00001.parquet"])
    (export / "system.lakeflow.jobs").rename(export / "system.lakeflow.jobs.parquet")
    assert import_dir(target, export)["system.lakeflow.jobs"] == 2
    assert snapshot(target) == snapshot(engine)


def test_untrusted_part_file_names_are_not_sql_nor_globs(engine, export, target):
    # A quote would break a formatted SQL literal; '*' and '[0]' would be expanded by DuckDB's globbing.
    split_into_parts(export, "system.billing.usage", ["part-'0\".parquet", "pärt-✓.parquet"])
    split_into_parts(export, "system.lakeflow.jobs", ["part-0.parquet", "part-*.parquet"])
    counts = import_dir(target, export)
    assert counts["system.billing.usage"] == 2
    assert counts["system.lakeflow.jobs"] == 2  # 'part-*.parquet' read as itself, not as a pattern
    assert snapshot(target) == snapshot(engine)


def test_optional_tables_absent_are_emptied(export, target):
    optional = set(table_schemas()) - REQUIRED_TABLES
    for name in optional:
        file_of(export, name).unlink()
    notes: list[str] = []
    counts = import_dir(target, export, progress=notes.append)
    for name in optional:
        assert counts[name] == 0
        assert target.raw().execute(
            f"SELECT count(*) FROM {table_schemas()[name].duckdb_name}"
        ).fetchone() == (0,)
        assert f"{name}: not in the export, left empty" in notes
    assert counts["system.lakeflow.jobs"] == 2


def test_extra_columns_and_struct_fields_are_ignored(engine, export, target):
    def add_extras(t: pa.Table) -> pa.Table:
        t = t.append_column("brand_new_column", pa.array(["x"] * t.num_rows))
        meta = t["usage_metadata"].combine_chunks()
        wider = pa.StructArray.from_arrays(
            [meta.field(i) for i in range(meta.type.num_fields)] + [pa.array(["nb-1"] * len(meta))],
            names=[meta.type.field(i).name for i in range(meta.type.num_fields)] + ["notebook_extra"],
            mask=meta.is_null(),
        )
        return t.set_column(t.schema.get_field_index("usage_metadata"), "usage_metadata", wider)

    rewrite(file_of(export, "system.billing.usage"), add_extras)
    # and the columns in another order
    rewrite(file_of(export, "system.lakeflow.jobs"), lambda t: t.select(list(reversed(t.column_names))))
    notes: list[str] = []
    import_dir(target, export, progress=notes.append)
    assert snapshot(target) == snapshot(engine)
    assert any("ignoring extra column(s) brand_new_column" in n for n in notes)
    assert any("ignoring extra struct field(s) usage_metadata.notebook_extra" in n for n in notes)


def test_older_export_without_the_newer_columns_loads_them_as_null(export, target):
    for name, columns in NEWER_COLUMNS.items():
        rewrite(file_of(export, name), lambda t, cols=columns: t.drop_columns(sorted(cols)))
    notes: list[str] = []
    counts = import_dir(target, export, progress=notes.append)
    assert counts["system.lakeflow.jobs"] == 2
    con = target.raw()
    assert con.execute(
        "SELECT count(*) FROM lakeflow.jobs WHERE trigger IS NULL AND create_time IS NULL AND paused IS NULL"
    ).fetchone() == (2,)
    assert con.execute("SELECT job_id, name FROM lakeflow.jobs ORDER BY job_id").fetchall() == [
        ("7", "nightly ✓ etl"),
        ("8", "old job"),
    ]
    assert con.execute(
        "SELECT compute, run_duration_seconds, result_state FROM lakeflow.job_run_timeline"
    ).fetchall() == [(None, None, "FAILED")]
    assert any(
        "older export, loading NULL for the newer column(s)" in n and "create_time" in n for n in notes
    )


def test_newer_columns_are_declared_columns():
    for name, columns in NEWER_COLUMNS.items():
        assert columns <= set(table_schemas()[name].columns), name


def test_missing_struct_fields_load_as_null(export, target):
    def narrower(t: pa.Table) -> pa.Table:
        pf = t["product_features"].combine_chunks()
        keep = [i for i in range(pf.type.num_fields) if pf.type.field(i).name != "performance_target"]
        narrow = pa.StructArray.from_arrays(
            [pf.field(i) for i in keep], names=[pf.type.field(i).name for i in keep], mask=pf.is_null()
        )
        return t.set_column(t.schema.get_field_index("product_features"), "product_features", narrow)

    rewrite(file_of(export, "system.billing.usage"), narrower)
    import_dir(target, export)
    rows = (
        target.raw()
        .execute("SELECT record_id, product_features FROM billing.usage ORDER BY record_id")
        .fetchall()
    )
    assert rows[0][1]["jobs_tier"] == "CLASSIC"
    assert rows[0][1]["performance_target"] is None
    assert rows[1][1] is None  # a NULL struct stays NULL, not a struct of NULLs


def test_narrower_types_load(engine, export, target):
    # What other writers produce: INT32 for BIGINT, naive timestamps (taken as UTC), an all-NULL column.
    def narrow(t: pa.Table) -> pa.Table:
        i = t.schema.get_field_index("timeout_seconds")
        t = t.set_column(i, "timeout_seconds", pc.cast(t["timeout_seconds"], pa.int32()))
        i = t.schema.get_field_index("change_time")
        t = t.set_column(i, "change_time", pc.cast(t["change_time"], pa.timestamp("ns")))
        i = t.schema.get_field_index("delete_time")
        return t.set_column(i, "delete_time", pa.nulls(t.num_rows))

    rewrite(file_of(export, "system.lakeflow.jobs"), narrow)
    import_dir(target, export)
    assert snapshot(target) == snapshot(engine)


# --- bad imports: a clear error naming file, table and column; nothing changes --------------------------


def drop_column(full_name: str, column: str):
    return lambda folder: rewrite(file_of(folder, full_name), lambda t: t.drop_columns([column]))


def cast_column(full_name: str, column: str, to: pa.DataType):
    def change(t: pa.Table) -> pa.Table:
        i = t.schema.get_field_index(column)
        return t.set_column(i, column, pc.cast(t[column], to))

    return lambda folder: rewrite(file_of(folder, full_name), change)


def replace_column(full_name: str, column: str, values: Callable[[pa.Table], pa.Array]):
    def change(t: pa.Table) -> pa.Table:
        return t.set_column(t.schema.get_field_index(column), column, values(t))

    return lambda folder: rewrite(file_of(folder, full_name), change)


def truncate(full_name: str):
    def change(folder: Path) -> None:
        path = file_of(folder, full_name)
        path.write_bytes(path.read_bytes()[:-40])

    return change


def write_bytes(name: str, content: bytes):
    return lambda folder: (folder / name).write_bytes(content)


def remove(full_name: str):
    return lambda folder: file_of(folder, full_name).unlink()


def add_empty_part_folder(full_name: str):
    return lambda folder: (folder / full_name).mkdir()


def add_part_folder_too(full_name: str):
    def change(folder: Path) -> None:
        (folder / full_name).mkdir()
        shutil.copy(file_of(folder, full_name), folder / full_name / "part-0.parquet")

    return change


BAD_IMPORTS = {
    "missing required column": (
        drop_column("system.lakeflow.jobs", "job_id"),
        ["system.lakeflow.jobs.parquet (table system.lakeflow.jobs): missing column 'job_id' (STRING)"],
    ),
    "missing column of an optional table": (
        drop_column("system.compute.clusters", "cluster_id"),
        ["system.compute.clusters.parquet (table system.compute.clusters): missing column 'cluster_id'"],
    ),
    "string where a timestamp is declared": (
        cast_column("system.lakeflow.job_run_timeline", "period_start_time", pa.string()),
        [
            "system.lakeflow.job_run_timeline.parquet (table system.lakeflow.job_run_timeline): "
            "column 'period_start_time' has type VARCHAR in the file, expected TIMESTAMP WITH TIME ZONE "
            "(declared TIMESTAMP)"
        ],
    ),
    "integer id": (
        replace_column("system.lakeflow.jobs", "job_id", lambda t: pa.array(range(t.num_rows), pa.int64())),
        ["system.lakeflow.jobs.parquet (table system.lakeflow.jobs): column 'job_id' has type BIGINT"],
    ),
    "double where a decimal is declared": (
        cast_column("system.billing.usage", "usage_quantity", pa.float64()),
        [
            "system.billing.usage.parquet (table system.billing.usage): column 'usage_quantity' has type "
            "DOUBLE in the file, expected DECIMAL(38,18) (declared DECIMAL(38, 18))"
        ],
    ),
    "wrong type inside a struct list": (
        replace_column(
            "system.lakeflow.jobs",
            "health_rules",
            lambda t: pa.array(
                [[{"metric": "RUN_DURATION_SECONDS", "operator": "GREATER_THAN", "value": "7200"}]]
                * t.num_rows
            ),
        ),
        [
            "system.lakeflow.jobs.parquet (table system.lakeflow.jobs): column 'health_rules' has type "
            "VARCHAR at health_rules[].value in the file, expected BIGINT"
        ],
    ),
    "struct with none of the declared fields": (
        replace_column(
            "system.billing.usage", "usage_metadata", lambda t: pa.array([{"x": "1"}] * t.num_rows)
        ),
        [
            "column 'usage_metadata' has type STRUCT(x VARCHAR) in the file, which has no field of the declared struct"
        ],
    ),
    "corrupt file": (
        truncate("system.billing.list_prices"),
        [
            "system.billing.list_prices.parquet (table system.billing.list_prices): not a readable Parquet file"
        ],
    ),
    "empty file": (
        write_bytes("system.billing.usage.parquet", b""),
        [
            "system.billing.usage.parquet (table system.billing.usage): empty file (0 bytes), not a Parquet file"
        ],
    ),
    "not parquet": (
        write_bytes("system.compute.node_types.parquet", b"node_type,core_count\nm5,4\n"),
        ["system.compute.node_types.parquet (table system.compute.node_types): not a readable Parquet file"],
    ),
    "unknown table": (
        write_bytes("system.foo.bar.parquet", b"PAR1"),
        ["system.foo.bar.parquet: unknown table 'system.foo.bar' (known tables: collected.column_snapshots,"],
    ),
    "unknown table folder": (
        lambda folder: (folder / "system.lakeflow.jobz").mkdir(),
        ["system.lakeflow.jobz/: unknown table 'system.lakeflow.jobz'"],
    ),
    "missing required table": (
        remove("system.billing.usage"),
        [
            "required table system.billing.usage is missing "
            "(expected system.billing.usage.parquet or a system.billing.usage/ folder of part files)"
        ],
    ),
    "empty part folder": (
        lambda folder: (
            remove("system.lakeflow.jobs")(folder),
            add_empty_part_folder("system.lakeflow.jobs")(folder),
        ),
        ["system.lakeflow.jobs/ (table system.lakeflow.jobs): the folder holds no .parquet part files"],
    ),
    "table given twice": (
        add_part_folder_too("system.lakeflow.jobs"),
        ["(table system.lakeflow.jobs): the table is given both as a file and as a folder"],
    ),
    "partitioned folder": (
        lambda folder: (
            remove("system.billing.usage")(folder),
            (folder / "system.billing.usage" / "usage_date=2025-01-03").mkdir(parents=True),
        ),
        [
            "system.billing.usage/usage_date=2025-01-03/ (table system.billing.usage): nested folders are not supported"
        ],
    ),
}


@pytest.mark.parametrize("case", list(BAD_IMPORTS))
def test_bad_import_is_rejected_and_changes_nothing(case, export, target):
    change, expected = BAD_IMPORTS[case]
    change(export)
    before = snapshot(target)
    with pytest.raises(ImportValidationError) as info:
        import_dir(target, export)
    message = str(info.value)
    for part in expected:
        assert part in message
    assert "\n" not in message
    assert snapshot(target) == before


def test_all_problems_are_reported_together(export, target):
    drop_column("system.lakeflow.jobs", "job_id")(export)
    cast_column("system.billing.usage", "usage_date", pa.string())(export)
    with pytest.raises(ImportValidationError) as info:
        import_dir(target, export)
    assert len(info.value.problems) == 2
    assert "'job_id'" in str(info.value) and "'usage_date'" in str(info.value)


def test_quoted_unknown_file_name_is_named_not_executed(export, target):
    name = "system.x'; DROP TABLE lakeflow.jobs; --\".parquet"
    (export / name).write_bytes(b"PAR1")
    before = snapshot(target)
    with pytest.raises(ImportValidationError, match="unknown table"):
        import_dir(target, export)
    assert snapshot(target) == before


def test_missing_folder(target, tmp_path):
    before = snapshot(target)
    with pytest.raises(ImportValidationError, match=r"nowhere: no such folder"):
        import_dir(target, tmp_path / "nowhere")
    assert snapshot(target) == before


def test_source_is_a_file(target, tmp_path):
    (tmp_path / "a.parquet").write_bytes(b"")
    with pytest.raises(ImportValidationError, match="not a folder"):
        import_dir(target, tmp_path / "a.parquet")


def test_failure_during_load_rolls_everything_back(export, target, monkeypatch):
    # Valid files, but the load fails at the fourth table: the deletes and inserts before it are undone.
    real = io_module._load_file
    calls = []

    def failing(con, ts, plan, declared):
        calls.append(ts.full_name)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return real(con, ts, plan, declared)

    monkeypatch.setattr(io_module, "_load_file", failing)
    before = snapshot(target)
    with pytest.raises(ImportValidationError) as info:
        import_dir(target, export)
    assert str(info.value) == (
        f"{calls[-1]}.parquet (table {calls[-1]}): could not load: RuntimeError: disk full"
    )
    assert snapshot(target) == before
    # the connection is usable afterwards
    monkeypatch.setattr(io_module, "_load_file", real)
    import_dir(target, export)


def test_corrupt_data_pages_fail_at_load_and_roll_back(export, target):
    # The footer is intact, so validation passes; decoding the pages fails inside the transaction.
    path = file_of(export, "system.lakeflow.jobs")
    pq.write_table(pq.read_table(path), path, compression="none")
    raw = bytearray(path.read_bytes())
    footer_start = len(raw) - 8 - int.from_bytes(raw[-8:-4], "little")
    for i in range(4, footer_start):  # every page, not the footer after them
        raw[i] = 0xFF
    path.write_bytes(bytes(raw))
    before = snapshot(target)
    with pytest.raises(ImportValidationError) as info:
        import_dir(target, export)
    assert str(info.value).startswith(
        "system.lakeflow.jobs.parquet (table system.lakeflow.jobs): could not load: "
    )
    assert snapshot(target) == before


# --- content that would load but give wrong numbers ---------------------------------------------------


def refused(target: DuckDBEngine, export: Path) -> str:
    """The message of the import's refusal; the target database must be left exactly as it was."""
    before = snapshot(target)
    with pytest.raises(ImportValidationError) as caught:
        import_dir(target, export)
    assert snapshot(target) == before
    return str(caught.value)


def test_billing_rows_repeated_in_a_second_part_file_are_refused(export, target):
    # A part file copied twice: every record_id appears twice, every cost would double.
    table = pq.read_table(file_of(export, "system.billing.usage"))
    file_of(export, "system.billing.usage").unlink()
    (export / "system.billing.usage").mkdir()
    pq.write_table(table, export / "system.billing.usage" / "part-0.parquet")
    pq.write_table(table, export / "system.billing.usage" / "part-0 (copy).parquet")
    assert refused(target, export) == (
        "system.billing.usage/part-0.parquet (table system.billing.usage, column record_id): 2 rows repeat "
        "a record_id (e.g. 'u1' 2 times); each record must appear once, or its cost would count more than "
        "once (was a part file copied twice?)"
    )


def test_an_empty_required_table_is_refused(export, target):
    rewrite(file_of(export, "system.lakeflow.jobs"), lambda t: t.slice(0, 0))
    assert refused(target, export) == (
        "system.lakeflow.jobs.parquet (table system.lakeflow.jobs): no rows; a required table cannot be "
        "empty (export it again: importing it would empty the workspace)"
    )


def test_an_empty_optional_table_loads(export, target):
    rewrite(file_of(export, "system.compute.node_types"), lambda t: t.slice(0, 0))
    assert import_dir(target, export)["system.compute.node_types"] == 0


def test_a_null_key_column_is_refused_naming_file_table_and_column(export, target):
    def null_job_id(t: pa.Table) -> pa.Table:
        i = t.schema.get_field_index("job_id")
        return t.set_column(i, "job_id", pa.nulls(len(t), pa.string()))

    rewrite(file_of(export, "system.lakeflow.job_run_timeline"), null_job_id)
    assert refused(target, export) == (
        "system.lakeflow.job_run_timeline.parquet (table system.lakeflow.job_run_timeline, column job_id): "
        "1 rows with NULL; every row needs a job_id"
    )


def test_a_corrupt_data_page_reports_its_own_cause(export, target):
    # Valid footer and schema (the checks pass), damaged compressed data: the load itself fails, and the
    # message must say why rather than DuckDB's follow-up "Current transaction is aborted".
    path = file_of(export, "system.lakeflow.jobs")
    pq.write_table(pq.read_table(path), path, compression="snappy")
    data = bytearray(path.read_bytes())
    for i in range(8, 200):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    message = refused(target, export)
    assert message.startswith("system.lakeflow.jobs.parquet (table system.lakeflow.jobs): could not load: ")
    assert "transaction is aborted" not in message
