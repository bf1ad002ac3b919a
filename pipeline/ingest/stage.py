"""Ingest and normalise stages for one run year.

``run_ingest``: inbox -> ``raw/year=Y/documents.parquet`` (one row per submitted file) and the
decoded text of every readable file. ``run_normalise``: those -> ``text/year=Y/documents.parquet``
with identification, flags and de-duplication, plus clean text and offset maps per document.
``profile_file``: the same steps on one file, as a dict (for ``rolindex profile``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import io, storage
from pipeline.catalog import Catalog
from pipeline.ingest.identify import identify
from pipeline.ingest.inbox import Submission, doc_id, list_submissions
from pipeline.ingest.normalise import normalise_text
from pipeline.ingest.readers import UnreadableFile, read_document
from pipeline.settings import RunSettings

log = logging.getLogger(__name__)

DOCUMENT_COLUMNS = [
    "doc", "source_file", "sha256", "size_bytes", "extension", "encoding", "status", "disposition", "reason",
    "flags", "unit_name", "unit_name_source", "admin_level", "admin_level_source", "unit_id", "unit_id_source",
    "region_path", "report_year", "report_year_source", "doc_kind", "doc_kind_source", "title", "publish_date",
    "duplicate_of", "n_chars_raw", "n_chars_text", "text_sha256",
]


@dataclass
class DocumentRecord:
    """Provenance and status of one submitted file; becomes one row of ``documents.parquet``."""

    doc: str
    source_file: str
    sha256: str | None = None
    size_bytes: int | None = None
    extension: str | None = None
    encoding: str | None = None
    status: str = "ok"  # ok / quarantined
    disposition: str = "accepted"  # accepted / quarantined / duplicate
    reason: str | None = None
    flags: list[str] = field(default_factory=list)
    unit_name: str | None = None
    unit_name_source: str | None = None
    admin_level: str | None = None
    admin_level_source: str | None = None
    unit_id: str | None = None
    unit_id_source: str | None = None
    region_path: str | None = None
    report_year: int | None = None
    report_year_source: str | None = None
    doc_kind: str | None = None
    doc_kind_source: str | None = None
    title: str | None = None
    publish_date: str | None = None
    duplicate_of: str | None = None
    n_chars_raw: int | None = None
    n_chars_text: int | None = None
    text_sha256: str | None = None  # of the clean text file, checked by the extract stage

    def quarantine(self, reason: str) -> None:
        self.status, self.disposition, self.reason = "quarantined", "quarantined", reason


def _read_submission(sub: Submission, max_bytes: int) -> tuple[DocumentRecord, str | None]:
    """Read one submission's bytes; returns its record and decoded text (None when quarantined)."""
    rec = DocumentRecord(doc=sub.doc, source_file=sub.source_file, extension=Path(sub.source_file).suffix.lower())
    if sub.refused or sub.location is None:
        rec.quarantine(f"{sub.refused}: {sub.refused_message}")
        return rec, None
    size = sub.size if sub.size is not None else len(storage.read_bytes(sub.location))
    rec.size_bytes = size
    if size > max_bytes:
        rec.quarantine(f"too_large: {size} bytes is over the {max_bytes}-byte limit")
        return rec, None
    data = storage.read_bytes(sub.location)
    rec.sha256 = io.sha256_bytes(data)
    if not data:
        rec.quarantine("empty: the file has 0 bytes")
        return rec, None
    try:
        decoded = read_document(data, rec.extension or "")
    except UnreadableFile as exc:
        rec.quarantine(f"{exc.reason}: {exc}")
        return rec, None
    rec.encoding = decoded.encoding
    rec.n_chars_raw = len(decoded.text)
    return rec, decoded.text


def _apply_identification(rec: DocumentRecord, text: str, publish_date: str | None,
                          manifest: dict[str, Any]) -> None:
    """Fill identification fields: manifest values win, the rest is inferred from the text."""
    ident = identify(text, publish_date)
    rec.title, rec.publish_date = ident.title, publish_date
    rec.doc_kind, rec.doc_kind_source = ident.doc_kind, ident.doc_kind_source
    inferred = {
        "unit_name": (ident.unit_name, ident.unit_name_source),
        "admin_level": (ident.admin_level, ident.admin_level_source),
        "unit_id": (ident.unit_id, ident.unit_id_source),
        "report_year": (ident.report_year, ident.report_year_source),
    }
    for name, (value, source) in inferred.items():
        if manifest.get(name):
            given: Any = int(manifest[name]) if name == "report_year" else manifest[name]
            setattr(rec, name, given)
            setattr(rec, f"{name}_source", "manifest")
            if value is not None and str(value) != str(given):
                rec.flags.append(f"manifest_overrides_{name}")
        else:
            setattr(rec, name, value)
            setattr(rec, f"{name}_source", f"inferred:{source}" if value is not None else None)
    rec.region_path = ident.region_path
    if rec.unit_id is None and rec.unit_name:
        rec.flags.append("no_division_code")


def _records_frame(records: list[DocumentRecord]) -> Any:
    import pandas as pd

    rows = [{c: getattr(r, c) for c in DOCUMENT_COLUMNS} for r in records]
    frame = pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)
    frame["report_year"] = frame["report_year"].astype("Int64")
    for col in ("size_bytes", "n_chars_raw", "n_chars_text"):
        frame[col] = frame[col].astype("Int64")
    return frame.sort_values("doc", kind="stable").reset_index(drop=True)


def run_ingest(settings: RunSettings) -> dict[str, Any]:
    """Read every submitted file of the year's inbox. Returns a small manifest for XCom."""
    catalog = Catalog(settings.out, settings.year)
    submissions = list_submissions(settings.inbox)
    records = []
    for i, sub in enumerate(submissions, start=1):
        rec, text = _read_submission(sub, settings.max_file_bytes)
        if text is not None:
            io.write_text(catalog.raw_text(rec.doc), text)
        rec.flags.extend(f"manifest:{k}" for k in sorted(sub.manifest))
        records.append(rec)
        if i % 500 == 0:
            log.info("ingest: read %d/%d files", i, len(submissions))
    frame = _records_frame(records)
    io.write_parquet(catalog.raw_documents, frame)
    counts = frame["disposition"].value_counts().to_dict()
    log.info("ingest: %d submitted, %s", len(frame), counts)
    return {"documents": str(catalog.raw_documents), "submitted": len(frame),
            "readable": int((frame["status"] == "ok").sum())}


def _normalise_one(rec: DocumentRecord, raw: str, manifest: dict[str, Any], run_year: int | None) -> tuple[
        DocumentRecord, Any]:
    norm = normalise_text(raw)
    rec.flags.extend(norm.flags)
    rec.n_chars_text = len(norm.text)
    _apply_identification(rec, norm.text, norm.publish_date, manifest)
    if rec.doc_kind != "annual_report":
        rec.quarantine(f"not_annual_report: document kind is {rec.doc_kind} "
                       f"({'targets, not results' if rec.doc_kind == 'work_plan' else 'not a report'})")
    elif run_year is not None and rec.report_year is not None and rec.report_year != run_year:
        rec.quarantine(f"wrong_year: the report describes {rec.report_year}, not the run year {run_year}")
    elif rec.report_year is None:
        rec.quarantine("no_year: the year the report describes could not be determined")
    elif len(norm.text) < 200:
        rec.quarantine(f"too_short: only {len(norm.text)} characters of report text after cleaning")
    return rec, norm


def run_normalise(settings: RunSettings) -> dict[str, Any]:
    """Clean, identify and de-duplicate the year's readable documents."""
    import pandas as pd

    from pipeline.ingest.dedupe import find_duplicates

    catalog = Catalog(settings.out, settings.year)
    raw_docs = io.read_parquet(catalog.raw_documents)
    manifests = {s.doc: s.manifest for s in list_submissions(settings.inbox)}
    records: list[DocumentRecord] = []
    texts: dict[str, str] = {}
    for row in raw_docs.to_dict("records"):
        fields: dict[str, Any] = {k: (None if _isna(v) else v) for k, v in row.items() if k in DOCUMENT_COLUMNS}
        rec = DocumentRecord(**fields)
        rec.flags = list(row["flags"]) if row["flags"] is not None else []
        if rec.status == "ok":
            raw = catalog.raw_text(rec.doc).read_text(encoding="utf-8")
            rec, norm = _normalise_one(rec, raw, manifests.get(rec.doc, {}), settings.year)
            io.write_text(catalog.text(rec.doc), norm.text)
            rec.text_sha256 = io.sha256_bytes(norm.text.encode("utf-8"))
            with io.atomic_path(catalog.offsets(rec.doc)) as tmp, tmp.open("wb") as fh:
                np.save(fh, norm.offsets.astype(np.int32))
            if rec.status == "ok":
                texts[rec.doc] = norm.text
        records.append(rec)
    by_doc = {r.doc: r for r in records}
    candidates = [(doc, text, (-len(by_doc[doc].flags), len(text), _neg(doc))) for doc, text in texts.items()]
    for doc, (kept, reason) in find_duplicates(candidates).items():
        rec = by_doc[doc]
        rec.disposition, rec.status, rec.reason, rec.duplicate_of = "duplicate", "quarantined", reason, kept
        rec.flags.append("duplicate")
    frame = _records_frame(records)
    io.write_parquet(catalog.documents, frame)
    counts = {k: int(v) for k, v in frame["disposition"].value_counts().items()}
    log.info("normalise: %s", counts)
    accepted = frame[frame["disposition"] == "accepted"]
    return {"documents": str(catalog.documents), "submitted": len(frame), **counts,
            "accepted_docs": len(accepted), "units": int(pd.Series(accepted["unit_name"]).nunique())}


def _neg(doc: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in doc)


def _isna(value: Any) -> bool:
    try:
        return bool(value is None or (not isinstance(value, (list, np.ndarray, str)) and value != value))
    except (TypeError, ValueError):
        return False


def profile_file(path: Path, run_year: int | None = None) -> tuple[dict[str, Any], str | None]:
    """Ingest + normalise + identify one file outside any inbox. Returns (profile dict, clean text)."""
    sub = Submission(doc=doc_id(path.name), source_file=path.name, location=str(path),
                     size=path.stat().st_size)
    rec, raw = _read_submission(sub, 50 * 1024 * 1024)
    text = None
    if raw is not None:
        rec, norm = _normalise_one(rec, raw, {}, run_year)
        text = norm.text
    profile = {
        "doc": rec.doc, "source_file": str(path), "sha256": rec.sha256, "size_bytes": rec.size_bytes,
        "encoding": rec.encoding, "unit_name": rec.unit_name, "unit_id": rec.unit_id,
        "admin_level": rec.admin_level, "region_path": rec.region_path, "report_year": rec.report_year,
        "doc_kind": rec.doc_kind, "title": rec.title, "publish_date": rec.publish_date, "flags": rec.flags,
        "status": rec.status, "reason": rec.reason,
        "sources": {k: getattr(rec, f"{k}_source") for k in ("unit_name", "admin_level", "unit_id", "report_year",
                                                            "doc_kind")},
    }
    return profile, text
