"""Explicit pyarrow schemas for the published tables, from ``configs/published_tables.yaml``.

``table_schema(name, dimensions, method_version)`` -> a ``pyarrow.Schema`` whose fields carry
``description_zh`` / ``description_en`` metadata and whose schema metadata names the dataset, its
description and the method version. ``conform(frame, schema)`` orders and types a DataFrame's
columns to that schema (missing columns are an error, not a silent null column).
"""

from __future__ import annotations

from typing import Any

from pipeline.config import ConfigError, load_config

PUBLISHED_TABLES = ("scores", "indicators", "documents", "audit", "year_over_year", "missing")


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
