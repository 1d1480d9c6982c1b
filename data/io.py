"""Import and export of Parquet exports of the system tables.

Layout (the same both ways): one entry per table in a folder, named by the table's full name, either a
single file ``system.lakeflow.jobs.parquet`` or a folder ``system.lakeflow.jobs/`` (or
``system.lakeflow.jobs.parquet/``, as Spark writes it) of part files ``*.parquet``. Spark's ``_SUCCESS``
and ``_committed_*`` markers and hidden files are skipped. Export writes single files.

Import is all or nothing. Every file is checked against the declared schema (``data/schema``) before a
single row is written; the load then runs in one transaction that is rolled back on any error, so a
failed import leaves the database exactly as it was.

Safety: table names, column names and types written into SQL come only from ``table_schemas()`` (a
whitelist). File names inside the folder are untrusted: they never reach SQL. Files are opened by
pyarrow (which does not expand glob patterns, unlike DuckDB's ``read_parquet``) and handed to DuckDB as a
registered Arrow dataset; the export path is a bound parameter.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from data.engines import DuckDBEngine
from data.schema import REQUIRED_TABLES, TableSchema, create_tables, table_schemas

Progress = Callable[[str], None] | None

PARQUET_SUFFIX = ".parquet"

# Columns an export may lack; they are loaded as NULL. Databricks added them to the jobs tables around
# December 2025 and fills them only for rows emitted since (shared/reference/system-tables.md), so an
# export from an older workspace, or written by an older client, has no such column at all. Every other
# column is essential: a file without it is rejected rather than half-loaded.
NEWER_COLUMNS: dict[str, frozenset[str]] = {
    "system.lakeflow.jobs": frozenset(
        {
            "trigger",
            "trigger_type",
            "run_as_user_name",
            "creator_user_name",
            "paused",
            "timeout_seconds",
            "health_rules",
            "deployment",
            "create_time",
        }
    ),
    "system.lakeflow.job_run_timeline": frozenset(
        {
            "source_task_run_id",
            "root_task_run_id",
            "compute",
            "termination_type",
            "setup_duration_seconds",
            "queue_duration_seconds",
            "run_duration_seconds",
            "cleanup_duration_seconds",
            "execution_duration_seconds",
        }
    ),
    "system.lakeflow.job_task_run_timeline": frozenset(
        {
            "compute",
            "termination_type",
            "task_parameters",
            "setup_duration_seconds",
            "cleanup_duration_seconds",
            "execution_duration_seconds",
        }
    ),
}

_SIGNED = ("tinyint", "smallint", "integer", "bigint")
_UNSIGNED = ("utinyint", "usmallint", "uinteger")
_TIMESTAMPS = ("timestamp with time zone", "timestamp", "timestamp_ns", "timestamp_ms", "timestamp_s")

# File column types (DuckDB type ids) accepted for each declared scalar type: only conversions that lose
# nothing. Anything else is rejected, not converted: a STRING timestamp, a DOUBLE amount or an INT id means
# the export went wrong somewhere and guessing would hide it. Naive timestamps are taken as UTC, which is
# what Databricks means by every system-table timestamp (the engine's session time zone is UTC).
ACCEPTED_TYPES: dict[str, frozenset[str]] = {
    "varchar": frozenset({"varchar"}),
    "boolean": frozenset({"boolean"}),
    "date": frozenset({"date"}),
    "timestamp with time zone": frozenset(_TIMESTAMPS),
    "integer": frozenset({"tinyint", "smallint", "integer", "utinyint", "usmallint"}),
    "bigint": frozenset(_SIGNED + _UNSIGNED),
    "double": frozenset(_SIGNED + _UNSIGNED + ("float", "double", "decimal")),
}

# Integer digits each integer type may need, to check it fits a declared DECIMAL(p, s).
_INT_DIGITS = {
    "tinyint": 3,
    "smallint": 5,
    "integer": 10,
    "bigint": 19,
    "utinyint": 3,
    "usmallint": 5,
    "uinteger": 10,
}

# Columns every row must have: the model joins and groups on them, so a NULL there drops or merges rows
# silently (a NULL job_id in the run timeline left run_health empty). A file with a NULL in one is refused.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "system.lakeflow.jobs": ("workspace_id", "job_id"),
    "system.lakeflow.job_tasks": ("workspace_id", "job_id", "task_key"),
    "system.lakeflow.job_run_timeline": ("workspace_id", "job_id", "run_id", "period_start_time"),
    "system.lakeflow.job_task_run_timeline": ("workspace_id", "job_id", "run_id", "job_run_id", "task_key"),
    "system.billing.usage": ("record_id", "workspace_id", "sku_name", "usage_date"),
    "system.billing.list_prices": ("sku_name",),
    "system.compute.clusters": ("cluster_id",),
    "system.compute.node_timeline": ("cluster_id", "instance_id"),
    "system.compute.node_types": ("node_type",),
}

# Columns whose value identifies one row of the table: a repeated value is the same record twice (an
# export whose part files were copied twice doubled every cost). Refused, never summed.
UNIQUE_COLUMNS: dict[str, str] = {"system.billing.usage": "record_id"}

# The name under which a file is shown to DuckDB while it is loaded (fixed: never derived from input).
_SOURCE_VIEW = "_monitor_import_source"
_MAX_PROBLEMS_SHOWN = 5


class ImportValidationError(ValueError):
    """An export cannot be imported; the message names the file, table and column at fault.

    ``problems`` holds every problem found (the message shows the first few, on one line).
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = "; ".join(self.problems[:_MAX_PROBLEMS_SHOWN])
        more = len(self.problems) - _MAX_PROBLEMS_SHOWN
        super().__init__(shown + (f"; and {more} more problem(s)" if more > 0 else ""))


@dataclass
class _FilePlan:
    """One validated file: where it is, how to name it in messages, which declared columns it has."""

    path: Path
    label: str
    columns: list[str] = field(default_factory=list)


def import_dir(engine: DuckDBEngine, source: Path, progress: Progress = None) -> dict[str, int]:
    """Load a folder of Parquet files exported from a workspace, replacing the system tables.

    An import replaces the content of every table it contains and empties the optional tables it does
    not contain, so the database always reflects exactly one export. Tables of
    ``data.schema.REQUIRED_TABLES`` must be present. Nothing is written unless every file is valid, and
    the load runs in one transaction, so after a failed import the database is exactly as before.

    Columns are matched by name (order may differ). Extra columns, and extra fields of struct columns,
    are ignored (with a progress note). Declared struct fields missing from a file are loaded as NULL.
    A missing column is an error unless it is one of ``NEWER_COLUMNS``, which are loaded as NULL. File
    types must convert losslessly to the declared type (``ACCEPTED_TYPES``).

    Parameters
    ----------
    engine
        The embedded engine; its tables are created if missing.
    source
        The export folder: ``<table full name>.parquet`` files or ``<table full name>/`` part folders.
    progress
        Called with one-line progress messages and notes.

    Returns
    -------
    dict[str, int]
        Rows loaded per table full name, for every table (0 for the optional tables absent).

    Raises
    ------
    ImportValidationError
        The folder is missing, a file is unreadable, empty or not Parquet, a table is unknown or a
        required one missing or without rows, a column is missing or has the wrong type, a key column
        (``KEY_COLUMNS``) holds NULL, a unique column (``UNIQUE_COLUMNS``) repeats a value, or the load
        failed.
    """
    note = progress or (lambda _message: None)
    source = Path(source)
    schemas = table_schemas()
    found = _discover(source, schemas, note)
    declared = _declared_types()

    problems: list[str] = []
    plans: dict[str, list[_FilePlan]] = {}
    for full_name, files in found.items():
        plans[full_name] = []
        for path in files:
            plan = _FilePlan(path, path.relative_to(source).as_posix())
            problems += _check_file(plan, schemas[full_name], declared[full_name], note)
            plans[full_name].append(plan)
    if problems:
        raise ImportValidationError(problems)

    con = engine.raw()
    counts: dict[str, int] = {}
    where = str(source)  # what a load error names: the file (and table) being loaded
    con.execute("BEGIN TRANSACTION")
    try:
        create_tables(con)
        for full_name, ts in schemas.items():
            where = f"{source} (table {full_name})"
            con.execute(f"DELETE FROM {ts.duckdb_name}")
            counts[full_name] = 0
            for plan in plans.get(full_name, []):
                where = f"{plan.label} (table {full_name})"
                counts[full_name] += _load_file(con, ts, plan, declared[full_name])
                _check_unique(con, ts, plan)
            if full_name in plans:
                if not counts[full_name] and full_name in REQUIRED_TABLES:
                    files = ", ".join(p.label for p in plans[full_name])
                    raise ImportValidationError(
                        f"{files} (table {full_name}): no rows; a required table cannot be empty "
                        "(export it again: importing it would empty the workspace)"
                    )
                note(f"{full_name}: {counts[full_name]} rows")
            else:
                note(f"{full_name}: not in the export, left empty")
        con.execute("COMMIT")
    except ImportValidationError:
        con.execute("ROLLBACK")
        raise
    except Exception as err:
        con.execute("ROLLBACK")
        raise ImportValidationError(f"{where}: could not load: {_one_line(err)}") from err
    return counts


def _check_unique(con: duckdb.DuckDBPyConnection, ts: TableSchema, plan: _FilePlan) -> None:
    """Refuse the file that brings a value of the table's unique column a second time."""
    column = UNIQUE_COLUMNS.get(ts.full_name)
    if column is None:
        return
    repeated = con.execute(
        f'SELECT "{column}", COUNT(*) AS n FROM {ts.duckdb_name} GROUP BY ALL HAVING COUNT(*) > 1 '
        f'ORDER BY n DESC, "{column}" LIMIT 1'
    ).fetchone()
    if repeated is None:
        return
    extra = con.execute(f'SELECT COUNT(*) - COUNT(DISTINCT "{column}") FROM {ts.duckdb_name}').fetchone()[0]
    raise ImportValidationError(
        f"{plan.label} (table {ts.full_name}, column {column}): {extra:,} rows repeat a {column} "
        f"(e.g. {str(repeated[0])[:60]!r} {repeated[1]} times); each record must appear once, or its cost "
        "would count more than once (was a part file copied twice?)"
    )


def export_dir(engine: DuckDBEngine, dest: Path, progress: Progress = None) -> dict[str, int]:
    """Write every table as ``<table full name>.parquet`` in ``dest``, the layout ``import_dir`` reads.

    Existing files of the same names are replaced; a part folder of the same name is an error (the
    folder would then hold the table twice). Each file is written beside its final name and renamed
    into place, so a reader never sees half a file.

    Parameters
    ----------
    engine
        The embedded engine (may be read-only).
    dest
        The destination folder, created if missing.
    progress
        Called with one line per table written.

    Returns
    -------
    dict[str, int]
        Rows written per table full name.
    """
    note = progress or (lambda _message: None)
    dest = Path(dest)
    schemas = table_schemas()
    clashes = [f"{dest / name}/" for name in schemas if (dest / name).is_dir()]
    if clashes:
        raise ValueError(f"{clashes[0]}: a part folder of the same table exists; export to an empty folder")
    dest.mkdir(parents=True, exist_ok=True)
    cur = engine.cursor()
    counts: dict[str, int] = {}
    try:
        for full_name, ts in schemas.items():
            target = dest / f"{full_name}{PARQUET_SUFFIX}"
            partial = dest / f"{full_name}{PARQUET_SUFFIX}.partial"
            row = cur.execute(
                f"COPY (SELECT * FROM {ts.duckdb_name}) TO ? (FORMAT parquet)", [str(partial)]
            ).fetchone()
            partial.replace(target)
            counts[full_name] = int(row[0]) if row else 0
            note(f"{full_name}: {counts[full_name]} rows -> {target.name}")
    finally:
        cur.close()
    return counts


def _discover(
    source: Path, schemas: dict[str, TableSchema], note: Callable[[str], None]
) -> dict[str, list[Path]]:
    """The files of each table in the export folder; raises on unknown, ambiguous or missing tables."""
    if not source.exists():
        raise ImportValidationError(f"{source}: no such folder")
    if not source.is_dir():
        raise ImportValidationError(f"{source}: not a folder (expected a folder of Parquet files)")
    problems: list[str] = []
    found: dict[str, list[Path]] = {}
    for entry in sorted(source.iterdir()):
        name = entry.name
        if name.startswith((".", "_")):
            continue
        if entry.is_dir():
            # Spark's df.write.parquet("<table>.parquet") makes a folder with the file's name: accept both.
            full_name, label = name.removesuffix(PARQUET_SUFFIX), f"{name}/"
        elif name.endswith(PARQUET_SUFFIX):
            full_name, label = name[: -len(PARQUET_SUFFIX)], name
        else:
            note(f"{name}: not a .parquet file or table folder, ignored")
            continue
        if full_name not in schemas:
            problems.append(
                f"{label}: unknown table {full_name!r} (known tables: {', '.join(sorted(schemas))})"
            )
            continue
        if full_name in found:
            problems.append(f"{label} (table {full_name}): the table is given both as a file and as a folder")
            continue
        if entry.is_dir():
            children = [c for c in sorted(entry.iterdir()) if not c.name.startswith((".", "_"))]
            subdirs = [c for c in children if c.is_dir()]
            if subdirs:
                problems.append(
                    f"{label}{subdirs[0].name}/ (table {full_name}): nested folders are not supported "
                    "(write each table as plain part files, without partitioning)"
                )
            parts = [c for c in children if c.is_file() and c.name.endswith(PARQUET_SUFFIX)]
            if not parts and not subdirs:
                problems.append(f"{label} (table {full_name}): the folder holds no .parquet part files")
            found[full_name] = parts
        else:
            found[full_name] = [entry]
    for full_name in sorted(REQUIRED_TABLES - set(found)):
        problems.append(
            f"{source}: required table {full_name} is missing "
            f"(expected {full_name}{PARQUET_SUFFIX} or a {full_name}/ folder of part files)"
        )
    if problems:
        raise ImportValidationError(problems)
    return found


@functools.cache
def _declared_types() -> dict[str, dict[str, duckdb.DuckDBPyType]]:
    """The DuckDB type of every declared column, read from the tables created on a scratch database."""
    con = duckdb.connect()
    try:
        create_tables(con)
        out = {}
        for full_name, ts in table_schemas().items():
            rel = con.sql(f"SELECT * FROM {ts.duckdb_name}")
            out[full_name] = dict(zip(rel.columns, rel.types, strict=True))
        return out
    finally:
        con.close()


def _check_file(
    plan: _FilePlan,
    ts: TableSchema,
    declared: dict[str, duckdb.DuckDBPyType],
    note: Callable[[str], None],
) -> list[str]:
    """Problems of one file against its table's schema; fills ``plan.columns`` with what will load."""
    where = f"{plan.label} (table {ts.full_name})"
    try:
        size = plan.path.stat().st_size
    except OSError as err:
        return [f"{where}: cannot read the file ({_one_line(err)})"]
    if size == 0:
        return [f"{where}: empty file (0 bytes), not a Parquet file"]
    try:
        schema = pq.read_schema(plan.path)
    except Exception as err:  # pyarrow raises several types for a damaged or foreign file
        return [f"{where}: not a readable Parquet file ({_one_line(err)})"]

    names = schema.names
    problems: list[str] = []
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"{where}: duplicate column(s) {', '.join(map(repr, duplicates))}")
    present = [c for c in declared if c in names]
    con = duckdb.connect()
    try:
        # Only the declared columns are typed: extra columns may hold types DuckDB cannot read.
        rel = con.from_arrow(schema.empty_table().select(present))
        file_types = dict(zip(rel.columns, rel.types, strict=True))
    except Exception as err:
        return problems + [f"{where}: column types not readable ({_one_line(err)})"]
    finally:
        con.close()

    newer = NEWER_COLUMNS.get(ts.full_name, frozenset())
    missing = [c for c in declared if c not in names]
    for column in missing:
        if column not in newer:
            problems.append(f"{where}: missing column {column!r} ({ts.columns[column]})")
    filled = [c for c in missing if c in newer]
    if filled:
        note(f"{where}: older export, loading NULL for the newer column(s) {', '.join(filled)}")
    extra = [n for n in names if n not in declared]
    if extra:
        note(f"{where}: ignoring extra column(s) {_some(extra)}")

    for column in present:
        reason = _compatible(file_types[column], declared[column], column)
        if reason:
            problems.append(f"{where}: column {column!r} {reason} (declared {ts.columns[column]})")
    ignored = [f for c in present for f in _extra_fields(file_types[c], declared[c], c)]
    if ignored:
        note(f"{where}: ignoring extra struct field(s) {_some(ignored)}")
    plan.columns = present
    return problems


def _compatible(found: duckdb.DuckDBPyType, want: duckdb.DuckDBPyType, path: str) -> str | None:
    """Why a file type cannot load into the declared type (None when it can); ``path`` names nested fields."""
    fid, wid = found.id, want.id
    if fid == "null":  # a column pyarrow wrote without values: NULL fits every type
        return None
    if wid in ("list", "map", "struct"):
        if wid == "list" and fid in ("list", "array"):
            return _compatible(found.children[0][1], want.children[0][1], f"{path}[]")
        if wid == "map" and fid == "map":
            return _compatible(found.children[0][1], want.children[0][1], f"{path} key") or _compatible(
                found.children[1][1], want.children[1][1], f"{path} value"
            )
        if wid == "struct" and fid == "struct":
            have = dict(found.children)
            shared = [name for name, _ in want.children if name in have]
            if not shared:
                return _mismatch(path, found, want, "has no field of the declared struct")
            for name, sub in want.children:
                if name in have:
                    reason = _compatible(have[name], sub, f"{path}.{name}")
                    if reason:
                        return reason
            return None
        return _mismatch(path, found, want)
    if wid == "decimal":
        precision, scale = (v for _, v in want.children)
        if fid == "decimal":
            fp, fs = (v for _, v in found.children)
            return None if fs <= scale and fp - fs <= precision - scale else _mismatch(path, found, want)
        return (
            None if _INT_DIGITS.get(fid, precision + 1) <= precision - scale else _mismatch(path, found, want)
        )
    if fid in ACCEPTED_TYPES.get(wid, frozenset({wid})):
        return None
    return _mismatch(path, found, want)


def _mismatch(path: str, found: duckdb.DuckDBPyType, want: duckdb.DuckDBPyType, why: str = "") -> str:
    field_note = "" if "." not in path and "[" not in path and " " not in path else f" at {path}"
    return f"has type {found}{field_note} in the file{', which ' + why if why else ''}, expected {want}"


def _extra_fields(found: duckdb.DuckDBPyType, want: duckdb.DuckDBPyType, path: str) -> list[str]:
    """Struct fields in the file that the declared type lacks (they are ignored), as dotted paths."""
    if found.id == "struct" and want.id == "struct":
        wanted = dict(want.children)
        out = []
        for name, sub in found.children:
            if name in wanted:
                out += _extra_fields(sub, wanted[name], f"{path}.{name}")
            else:
                out.append(f"{path}.{name}")
        return out
    if found.id in ("list", "array") and want.id == "list":
        return _extra_fields(found.children[0][1], want.children[0][1], f"{path}[]")
    if found.id == "map" and want.id == "map":
        return _extra_fields(found.children[1][1], want.children[1][1], f"{path} value")
    return []


def _load_file(
    con: duckdb.DuckDBPyConnection,
    ts: TableSchema,
    plan: _FilePlan,
    declared: dict[str, duckdb.DuckDBPyType],
) -> int:
    """Insert one validated file into its table (inside the caller's transaction); returns its rows."""
    whole = pq.read_schema(plan.path)
    # Only the declared columns are exposed to DuckDB: extra columns are never read or converted.
    dataset = ds.dataset(
        [str(plan.path)],
        schema=pa.schema([whole.field(c) for c in plan.columns]),
        format="parquet",
        filesystem=pafs.LocalFileSystem(),
    )
    columns = ", ".join(f'"{c}"' for c in plan.columns)
    values = ", ".join(f'CAST("{c}" AS {declared[c]})' for c in plan.columns)
    con.register(_SOURCE_VIEW, dataset)
    try:
        keys = [c for c in KEY_COLUMNS.get(ts.full_name, ()) if c in plan.columns]
        if keys:
            nulls = con.execute(
                "SELECT "
                + ", ".join(f'COUNT(*) FILTER (WHERE "{c}" IS NULL)' for c in keys)
                + f" FROM {_SOURCE_VIEW}"
            ).fetchone()
            found = [(c, n) for c, n in zip(keys, nulls, strict=True) if n]
            if found:
                raise ImportValidationError(
                    [
                        f"{plan.label} (table {ts.full_name}, column {c}): {n:,} rows with NULL; every row needs a {c}"
                        for c, n in found
                    ]
                )
        row = con.execute(
            f"INSERT INTO {ts.duckdb_name} ({columns}) SELECT {values} FROM {_SOURCE_VIEW}"
        ).fetchone()
    finally:
        # After a failed statement the transaction is aborted and unregister fails too: the first
        # error (e.g. "Corrupt snappy compressed data") is the one to report.
        with contextlib.suppress(duckdb.Error):
            con.unregister(_SOURCE_VIEW)
    return int(row[0]) if row else 0


def _some(names: list[str], shown: int = 8) -> str:
    """A list of names for a one-line note (real usage_metadata has dozens of fields we do not declare)."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def _one_line(err: BaseException) -> str:
    """An exception as one short line (pyarrow and DuckDB messages span several lines)."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:300]}"
