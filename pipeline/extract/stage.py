"""Extract stage: normalised texts of accepted documents -> records.parquet and panel.parquet."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pipeline import io
from pipeline.catalog import Catalog
from pipeline.extract.extractor import extract_text
from pipeline.extract.panel import build_panel
from pipeline.extract.records import RECORD_FIELDS, records_schema
from pipeline.faults import maybe_kill
from pipeline.settings import RunSettings

log = logging.getLogger(__name__)


def run_extract(settings: RunSettings) -> dict[str, Any]:
    """Extract every accepted document of the year; write records and the per-unit panel."""
    import pandas as pd

    catalog = Catalog(settings.out, settings.year)
    documents = io.read_parquet(catalog.documents)
    accepted = documents[documents["disposition"] == "accepted"]
    rows: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    expected_sha = dict(zip(accepted["doc"], accepted["text_sha256"], strict=True))
    for i, doc in enumerate(accepted["doc"], start=1):
        data = catalog.text(doc).read_bytes()
        if expected_sha[doc] and io.sha256_bytes(data) != expected_sha[doc]:
            raise io.IntegrityError(f"{catalog.text(doc)} was changed after normalisation (sha256 differs from "
                                    "text/documents.parquet): refusing to extract from it; re-run normalise")
        text = data.decode("utf-8")
        found = [r.as_dict() for r in extract_text(doc, text)]
        rows.extend(found)
        mapped = sum(1 for r in found if r["indicator"])
        maybe_kill("extract", i)
        outcomes.append({"doc": doc, "n_records": len(found), "n_mapped": mapped,
                         "outcome": "indicators_found" if mapped else (
                             "no_indicator_found" if found else "no_quantity_found")})
        if i % 200 == 0:
            log.info("extract: %d/%d documents", i, len(accepted))
    records = pd.DataFrame(rows, columns=list(RECORD_FIELDS))
    io.write_parquet(catalog.extraction_outcomes,
                     pd.DataFrame(outcomes, columns=["doc", "n_records", "n_mapped", "outcome"]).astype(
                         {"n_records": "int64", "n_mapped": "int64"}))
    io.write_parquet(catalog.records, records, schema=records_schema())
    panel = build_panel(records, documents, settings.year)
    io.write_parquet(catalog.panel, panel)
    mapped = int(records["indicator"].notna().sum()) if len(records) else 0
    log.info("extract: %d records (%d mapped), panel %d values", len(records), mapped, len(panel))
    return {"records": str(catalog.records), "panel": str(catalog.panel), "n_records": len(records),
            "n_mapped": mapped, "n_panel": len(panel)}


def extract_file(path: Path) -> list[dict[str, Any]]:
    """Profile + extract one file (for ``rolindex extract``): a list of record dicts."""
    from pipeline.ingest.stage import profile_file

    profile, text = profile_file(path)
    if text is None:
        return []
    return [r.as_dict() for r in extract_text(profile["doc"], text, doc_is_plan=profile["doc_kind"] == "work_plan")]
