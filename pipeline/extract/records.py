"""The one extraction record type carried to the end of the pipeline, and its table schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RECORD_FIELDS = ("doc", "indicator", "value", "value_max", "unit", "kind", "qualifier", "scope", "start", "end",
                 "quote", "rule_id", "score", "extractor_version",
                 "verb", "noun", "measure_word", "role", "exclude_reason", "frame_rule", "body")
# the roles whose records measure the year's work: only they can feed the panel (issue 19)
PANEL_ROLES = ("flow", "stock", "derived", "stated_zero")


@dataclass(slots=True)
class ExtractionRecord:
    """One quantitative fact found in one document.

    ``start``/``end`` are character offsets into the normalised text; ``quote`` is the sentence
    (trimmed) it came from; ``value`` has multipliers applied (money keeps 万元/亿元 in ``unit``).
    The frame (issue 19): ``verb`` (the action), ``noun`` (what is counted), ``measure_word``, ``role``
    (flow / stock / before / after / derived / part_of / stated_zero / plan_structure / excluded),
    ``exclude_reason`` (excluded only), ``frame_rule`` (the rule that set the role; a derived record
    names the spans it comes from) and ``body`` (the body a figure is about, when not the reporter).
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
    verb: str | None = None
    noun: str | None = None
    measure_word: str | None = None
    role: str = "flow"
    exclude_reason: str | None = None
    frame_rule: str | None = None
    body: str | None = None

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
        ("verb", pa.string()), ("noun", pa.string()), ("measure_word", pa.string()), ("role", pa.string()),
        ("exclude_reason", pa.string()), ("frame_rule", pa.string()), ("body", pa.string()),
    ])
