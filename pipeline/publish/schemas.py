"""Explicit pyarrow schemas for the published tables, from ``configs/published_tables.yaml``.

``table_schema(name, dimensions, method_version)`` -> a ``pyarrow.Schema`` whose fields carry
``description_zh`` / ``description_en`` metadata and whose schema metadata names the dataset, its
description and the method version. ``conform(frame, schema)`` orders and types a DataFrame's
columns to that schema (missing columns are an error, not a silent null column).
"""

from __future__ import annotations

from typing import Any

from pipeline.config import ConfigError, load_config

PUBLISHED_TABLES = ("scores", "indicators", "documents", "audit", "year_over_year", "missing", "changes",
                    "review_queue", "corrections_report", "profiles", "sensitivity")


def _arrow_type(name: str) -> Any:
    import pyarrow as pa

    return {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(),
            "list_string": pa.list_(pa.string())}[name]


def table_schema(name: str, dimensions: tuple[str, ...], method_version: str) -> Any:
    import pyarrow as pa

    spec = load_config("published_tables")["tables"][name]
    fields = []
    for col in spec["columns"]:
        names = [f"dim_{d}" for d in dimensions] if col["name"] == "dim_*" else [col["name"]]
        for column in names:
            zh = f"{col['zh']}：{column[4:]}" if col["name"] == "dim_*" else col["zh"]
            fields.append(pa.field(column, _arrow_type(col["type"]), nullable=True,
                                   metadata={"description_zh": zh, "description_en": col["en"]}))
    return pa.schema(fields, metadata={"dataset": name, "description_en": spec["description_en"],
                                       "description_zh": spec["description_zh"], "method_version": method_version})


def conform(frame: Any, schema: Any) -> Any:
    """The frame's columns in schema order, ready for ``pa.Table.from_pandas(frame, schema=schema)``."""
    missing = [f.name for f in schema if f.name not in frame.columns]
    if missing:
        raise ConfigError(f"table {schema.metadata.get(b'dataset', b'?').decode()}: columns {missing} are declared "
                          "in configs/published_tables.yaml but not produced")
    import pandas as pd

    out = frame[[f.name for f in schema]].copy()
    for f in schema:  # object columns even for an empty frame (a column built from [] would be float64)
        if str(f.type) == "list<item: string>":
            out[f.name] = pd.Series([list(v) if v is not None and not isinstance(v, float) else []
                                     for v in out[f.name]], index=out.index, dtype=object)
        elif str(f.type) == "string":
            out[f.name] = pd.Series([None if v is None or (isinstance(v, float) and v != v) else str(v)
                                     for v in out[f.name]], index=out.index, dtype=object)
    return out


def empty_table_schema(frame: Any, name: str | None = None) -> Any:
    """The arrow schema to write an empty frame with (an empty frame has no values to infer types from:
    its object columns would be written as null): the published table's declared type for each declared
    column (``dim_<code>`` included), the frame's own numeric or boolean dtype for the others, text for the
    rest. ``name``: the table in ``configs/published_tables.yaml``, if any."""
    import pandas as pd
    import pyarrow as pa

    declared: dict[str, str] = {}
    if name is not None:
        for col in load_config("published_tables")["tables"][name]["columns"]:
            declared[col["name"]] = col["type"]

    def arrow_type(column: str) -> Any:
        kind = declared.get(column) or (declared.get("dim_*") if column.startswith("dim_") else None)
        if kind:
            return _arrow_type(kind)
        dtype = frame[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            return pa.bool_()
        if pd.api.types.is_integer_dtype(dtype):
            return pa.int64()
        if pd.api.types.is_float_dtype(dtype):
            return pa.float64()
        return pa.string()

    return pa.schema([(str(c), arrow_type(str(c))) for c in frame.columns])


def write_typed(target: Any, frame: Any, name: str | None = None) -> Any:
    """``io.write_parquet``, with ``empty_table_schema`` when the frame is empty."""
    import pyarrow as pa

    from pipeline import io

    if not frame.empty:
        return io.write_parquet(target, frame)
    schema = empty_table_schema(frame, name)
    text_or_list = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_list(f.type)]
    return io.write_parquet(target, frame.astype(dict.fromkeys(text_or_list, object)), schema=schema)
