"""The one extraction record type carried to the end of the pipeline, and its table schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RECORD_FIELDS = ("doc", "indicator", "value", "value_max", "unit", "kind", "qualifier", "scope", "start", "end",
                 "quote", "rule_id", "score", "extractor_version")


@dataclass(slots=True)
class ExtractionRecord:
    """One quantitative fact found in one document.

    ``start``/``end`` are character offsets into the normalised text; ``quote`` is the sentence
    (trimmed) it came from; ``value`` has multipliers applied (money keeps 万元/亿元 in ``unit``).
    """

    doc: str
    indicator: str | None
    value: float
    value_max: float | None
    unit: str
    kind: str
    qualifier: str
    scope: str
    start: int
    end: int
    quote: str
    rule_id: str
    score: float
    extractor_version: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in RECORD_FIELDS}


def records_schema() -> Any:
    """The pyarrow schema of ``records.parquet``."""
    import pyarrow as pa

    return pa.schema([
        ("doc", pa.string()), ("indicator", pa.string()), ("value", pa.float64()), ("value_max", pa.float64()),
        ("unit", pa.string()), ("kind", pa.string()), ("qualifier", pa.string()), ("scope", pa.string()),
        ("start", pa.int64()), ("end", pa.int64()), ("quote", pa.string()), ("rule_id", pa.string()),
        ("score", pa.float64()), ("extractor_version", pa.string()),
    ])
