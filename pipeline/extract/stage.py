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


def stage_records_schema() -> Any:
    """The schema of the stage's ``records.parquet``: the extractor's record fields, with the reporting
    body's ``unit_key`` after ``doc`` (every record says whose report it came from)."""
    import pyarrow as pa

    return records_schema().insert(1, pa.field("unit_key", pa.string()))


OUTCOME_COLUMNS = ["doc", "n_records", "n_mapped", "outcome"]


def extract_batch(settings: RunSettings, batch: int) -> int:
    """Extract the accepted documents of one batch into its records and outcomes parts."""
    import pandas as pd

    catalog = Catalog(settings.out, settings.year)
    documents = io.read_parquet(catalog.documents)
    batch_docs = set(io.read_parquet(catalog.normalised_documents(batch))["doc"])
    from pipeline.review.corrections import extraction_docs  # + reports a correction set aside (issue 23)

    accepted = documents[extraction_docs(catalog, documents) & documents["doc"].isin(batch_docs)]
    rows: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    expected_sha = dict(zip(accepted["doc"], accepted["text_sha256"], strict=True))
    level_of = dict(zip(accepted["doc"], accepted["admin_level"], strict=True)) if "admin_level" in accepted else {}
    year_of = dict(zip(accepted["doc"], accepted["report_year"], strict=True)) if "report_year" in accepted else {}
    unit_of = dict(zip(accepted["doc"], accepted["unit_key"], strict=True)) if "unit_key" in accepted else {}
    for i, doc in enumerate(accepted["doc"], start=1):
        data = catalog.text(doc).read_bytes()
        if expected_sha[doc] and io.sha256_bytes(data) != expected_sha[doc]:
            raise io.IntegrityError(f"{catalog.text(doc)} was changed after normalisation (sha256 differs from "
                                    "text/documents.parquet): refusing to extract from it; re-run normalise")
        text = data.decode("utf-8")
        level, year = level_of.get(doc), year_of.get(doc)
        found = [r.as_dict() for r in extract_text(doc, text, admin_level=level if isinstance(level, str) else None,
                                                   report_year=None if year is None or pd.isna(year) else int(year))]
        rows.extend(found)
        mapped = sum(1 for r in found if r["indicator"])  # excluded records never carry one
        maybe_kill("extract", i)
        outcomes.append({"doc": doc, "n_records": len(found), "n_mapped": mapped,
                         "outcome": "indicators_found" if mapped else (
                             "no_indicator_found" if any(r["role"] != "excluded" for r in found)
                             else "no_quantity_found")})
        if i % 1000 == 0:
            log.info("extract batch %d: %d/%d documents", batch, i, len(accepted))
    io.write_parquet(catalog.batch_outcomes(batch), pd.DataFrame(outcomes, columns=OUTCOME_COLUMNS).astype(
        {"n_records": "int64", "n_mapped": "int64"}))
    records = pd.DataFrame(rows, columns=list(RECORD_FIELDS))
    records.insert(1, "unit_key", records["doc"].map(unit_of).astype(object))
    io.write_parquet(catalog.batch_records(batch), records, schema=stage_records_schema())
    log.info("extract batch %d: %d documents, %d records", batch, len(accepted), len(rows))
    return batch


def assemble_records(settings: RunSettings, batches: list[int]) -> dict[str, Any]:
    """Join the batches' parts into the year's ``records.parquet`` and ``outcomes.parquet`` (streamed,
    one part at a time) and build the per-unit panel from the actual-scope mapped records."""
    import pandas as pd

    from pipeline.review.corrections import RecordCorrections

    catalog = Catalog(settings.out, settings.year)
    corrections = RecordCorrections.for_run(catalog)  # an auditor's record rows (issue 23); none: no change
    n_records, n_mapped, panel_inputs = 0, 0, []
    with io.parquet_writer(catalog.records, stage_records_schema()) as write:
        for batch in batches:
            part = corrections.apply(io.read_parquet(catalog.batch_records(batch)), batch)
            write(part)
            n_records += len(part)
            n_mapped += int(part["indicator"].notna().sum())
            panel_inputs.append(part[part["indicator"].notna()])
    outcomes = pd.concat([io.read_parquet(catalog.batch_outcomes(b)) for b in batches], ignore_index=True) \
        if batches else pd.DataFrame(columns=OUTCOME_COLUMNS)
    outcomes = corrections.accepted_outcomes(outcomes)  # not those of reports a correction set aside
    io.write_parquet(catalog.extraction_outcomes, outcomes.astype({"n_records": "int64", "n_mapped": "int64"}))
    mapped_records = pd.concat(panel_inputs, ignore_index=True) if panel_inputs else \
        pd.DataFrame(columns=list(RECORD_FIELDS))
    panel = build_panel(mapped_records, io.read_parquet(catalog.documents), settings.year)
    io.write_parquet(catalog.panel, panel)
    corrections.finish(settings.year, build_panel)  # lineage, report, the panel without corrections
    log.info("extract: %d records (%d mapped), panel %d values", n_records, n_mapped, len(panel))
    return {"records": str(catalog.records), "panel": str(catalog.panel), "n_records": n_records,
            "n_mapped": n_mapped, "n_panel": len(panel)}


def run_extract(settings: RunSettings) -> dict[str, Any]:
    """The whole extract stage in this process: every batch, then assembly."""
    from pipeline.ingest.stage import batches_of

    batches = batches_of(settings)
    for batch in batches:
        extract_batch(settings, batch)
    return assemble_records(settings, batches)


def extract_file(path: Path) -> list[dict[str, Any]]:
    """Profile + extract one file (for ``rolindex extract``): a list of record dicts."""
    from pipeline.ingest.stage import profile_file

    profile, text = profile_file(path)
    if text is None:
        return []
    return [{"doc": r.doc, "unit_key": profile.get("unit_key"), **r.as_dict()}
            for r in extract_text(profile["doc"], text, doc_is_plan=profile["doc_kind"] == "work_plan",
                                  admin_level=profile.get("admin_level"))]
