"""DuckDB results as pandas frames, through Arrow, with exactly the dtypes DuckDB's own ``.df()`` gives.

Why: ``.df()`` builds one Python object per string value, which pandas 3 then copies into its
Arrow-backed ``str`` dtype; on a 10,000-row result with ten string columns that is about 25 ms, more than
the query itself. Through Arrow the strings are handed over without a Python object each. Every other
dtype is made what ``.df()`` makes (DECIMAL up to 18 digits as float64, DATE as datetime64[us], integers and booleans
with a NULL as pandas' nullable dtypes, without one as numpy's), so callers cannot tell the two apart;
``tests/data/test_frames.py`` compares them type by type. A result with any other type (lists, structs,
maps, intervals, wider DECIMALs, ...) or with a repeated column name is read with ``.df()`` itself.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

# DuckDB 2 warns that Arrow output of an executed statement copies its rows; so does .df(), and a cursor
# (unlike a relation) binds parameters once and can be interrupted by the engine's timeout.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)

# pandas 3's default string dtype (what ``.df()`` ends with): Arrow storage, NaN for missing.
_STR = pd.StringDtype(storage="pyarrow", na_value=np.nan)

_NULLABLE = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}

# DuckDB column types read through Arrow (``str`` of the type in the cursor's description), and
# DECIMAL(p, s) with p <= 18.
_ARROW_TYPES = frozenset(
    {
        "VARCHAR",
        "BIGINT",
        "INTEGER",
        "SMALLINT",
        "TINYINT",
        "UBIGINT",
        "UINTEGER",
        "USMALLINT",
        "UTINYINT",
        "DOUBLE",
        "FLOAT",
        "BOOLEAN",
        "DATE",
        "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE",
    }
)


def _readable(description: list[Any]) -> bool:
    names = [d[0] for d in description]
    if len(set(names)) != len(names):
        return False
    return all(str(d[1]) in _ARROW_TYPES or _short_decimal(str(d[1])) for d in description)


def _short_decimal(type_name: str) -> bool:
    """DECIMAL(p, s) with p <= 18: DuckDB holds it as int64 (wider ones, hugeint, convert its own way)."""
    match = re.fullmatch(r"DECIMAL\((\d+),\s*\d+\)", type_name)
    return match is not None and int(match.group(1)) <= 18


def _series(column: pa.ChunkedArray) -> pd.Series:
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if column.null_count == len(column):  # no string at all: .df() leaves the column object
            return pd.Series([None] * len(column), dtype=object)
        return column.to_pandas(types_mapper={kind: _STR}.get)
    if pa.types.is_decimal(kind):
        return pd.Series(_decimal_as_double(column.combine_chunks()))
    if pa.types.is_date(kind):
        return column.cast(pa.timestamp("us")).to_pandas()
    if kind in _NULLABLE and column.null_count:
        return column.to_pandas(types_mapper={kind: _NULLABLE[kind]}.get)
    return column.to_pandas()


def _decimal_as_double(values: pa.Array) -> np.ndarray:
    """DECIMAL(p <= 18) as float64 the way DuckDB converts it (its int64 unscaled value / 10**scale).

    Arrow's own cast can differ from DuckDB's in the last bit (0.35 and 0.41 do), and money must read the
    same whichever path a query took.
    """
    words = np.frombuffer(values.buffers()[1], dtype=np.int64)
    low = words[2 * values.offset : 2 * (values.offset + len(values)) : 2]
    result = low.astype(np.float64) / float(10**values.type.scale)
    if values.null_count:
        result[values.is_null().to_numpy(zero_copy_only=False)] = np.nan
    return result


def result_frame(cursor: duckdb.DuckDBPyConnection, exact_decimals: bool = False) -> pd.DataFrame:
    """The result of the statement just executed on ``cursor``, as ``cursor.df()`` would return it.

    ``exact_decimals``: DECIMAL columns as Python ``Decimal`` values (object dtype) instead of float64, so
    money keeps every digit (the CLI's metric output, which scripts reconcile with billing; float64 loses
    cents above ~$10^14). The views keep float64: they compute with the columns and show cents.
    """
    if exact_decimals and any(str(d[1]).startswith("DECIMAL") for d in cursor.description):
        return _exact_frame(cursor)
    if not _readable(cursor.description):
        return cursor.df()
    table = cursor.to_arrow_table()
    columns = {name: _series(table.column(i)) for i, name in enumerate(table.column_names)}
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def _exact_frame(cursor: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every column as ``result_frame`` reads it, but DECIMAL ones as ``Decimal`` objects."""
    names = [d[0] for d in cursor.description]
    if len(set(names)) != len(names):
        raise ValueError(f"a result with repeated column names cannot be read exactly: {names}")
    table = cursor.to_arrow_table()
    columns = {}
    for i, name in enumerate(table.column_names):
        column = table.column(i)
        type_name = str(cursor.description[i][1])
        if pa.types.is_decimal(column.type):
            columns[name] = pd.Series(column.to_pylist(), dtype=object)
        elif type_name in _ARROW_TYPES:
            columns[name] = _series(column)
        else:  # lists, structs, maps: Python values, as .df() gives them
            columns[name] = pd.Series(column.to_pylist(), dtype=object)
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))
