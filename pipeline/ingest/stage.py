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
from pipeline.ingest.identify import ident_body, identify, manifest_body
from pipeline.ingest.inbox import Submission, doc_id, list_submissions
from pipeline.ingest.normalise import normalise_text
from pipeline.ingest.readers import UnreadableFile, read_document
from pipeline.settings import RunSettings

log = logging.getLogger(__name__)

DOCUMENT_COLUMNS = [
    "doc", "source_file", "sha256", "size_bytes", "extension", "encoding", "status", "disposition", "reason",
    "flags", "unit_key", "unit_name", "unit_name_source", "unit_kind", "admin_level", "admin_level_source",
    "division_code", "division_code_source", "parent_division", "tier", "dept_type",
    "region_path", "report_year", "report_year_source", "doc_kind", "doc_kind_source", "doc_kind_reason", "title",
    "publish_date",
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
    unit_key: str | None = None  # the reporting body: <division code>-gov | <division code>-dept-<type>
    unit_name: str | None = None
    unit_name_source: str | None = None
    unit_kind: str | None = None  # government / department
    admin_level: str | None = None
    admin_level_source: str | None = None
    division_code: str | None = None  # 6-digit code of the body's division (100000: national)
    division_code_source: str | None = None
    parent_division: str | None = None
    tier: str | None = None  # national / province / prefecture / county
    dept_type: str | None = None  # 司法, 人社 ... (departments)
    region_path: str | None = None
    report_year: int | None = None
    report_year_source: str | None = None
    doc_kind: str | None = None
    doc_kind_source: str | None = None
    doc_kind_reason: str | None = None  # why a document is not an annual report (news_article, speech ...)
    title: str | None = None
    publish_date: str | None = None
    duplicate_of: str | None = None
    n_chars_raw: int | None = None
    n_chars_text: int | None = None
    text_sha256: str | None = None  # of the clean text file, checked by the extract stage
    ocr_boxes: tuple[Any, ...] = field(default=(), repr=False)  # OCR line boxes (not a column): ingest writes them

    def quarantine(self, reason: str) -> None:
        self.status, self.disposition, self.reason = "quarantined", "quarantined", reason


def _read_submission(sub: Submission, max_bytes: int, ocr_cache: Any = None) -> tuple[DocumentRecord, str | None]:
    """Read one submission's bytes; returns its record and decoded text (None when quarantined). With
    ``ocr_cache`` (the year's OCR cache folder) scans are read from the pages the ``ocr`` tasks wrote."""
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
        if ocr_cache is None:
            decoded = read_document(data, rec.extension or "")
        else:
            from pipeline.ingest.ocr_tasks import read_with_ocr_cache

            decoded = read_with_ocr_cache(data, rec.extension or "", ocr_cache)
    except UnreadableFile as exc:
        rec.quarantine(f"{exc.reason}: {exc}")
        return rec, None
    rec.encoding = decoded.encoding
    rec.flags.extend(decoded.flags)  # decode_errors:N when a few undecodable bytes were replaced
    rec.n_chars_raw = len(decoded.text)
    rec.ocr_boxes = decoded.boxes
    return rec, decoded.text


def _apply_identification(rec: DocumentRecord, text: str, publish_date: str | None,
                          manifest: dict[str, Any]) -> None:
    """Fill identification fields: manifest values win, the rest is inferred from the text; the body
    (unit key, kind, division, tier, department type) follows the unit the fields name."""
    ident = identify(text, publish_date)
    rec.title, rec.publish_date = ident.title, publish_date
    rec.doc_kind, rec.doc_kind_source, rec.doc_kind_reason = ident.doc_kind, ident.doc_kind_source, ident.doc_kind_reason
    if ident.year_inferred and not manifest.get("report_year"):
        rec.flags.append("year_inferred")
    if ident.ambiguous_place and not (manifest.get("division_code") or manifest.get("unit_id")):
        rec.flags.append(f"ambiguous_place:{ident.ambiguous_place}")  # an auditor should confirm the body
    given_code = manifest.get("division_code") or manifest.get("unit_id")
    inferred = {
        "unit_name": (ident.unit_name, ident.unit_name_source),
        "admin_level": (ident.admin_level, ident.admin_level_source),
        "division_code": (ident.division_code, ident.unit_id_source),
        "report_year": (ident.report_year, ident.report_year_source),
    }
    given_values = {"unit_name": manifest.get("unit_name"), "admin_level": manifest.get("admin_level"),
                    "division_code": given_code, "report_year": manifest.get("report_year")}
    for name, (value, source) in inferred.items():
        given_value = given_values[name]
        if given_value:
            given: Any = int(given_value) if name == "report_year" else given_value
            setattr(rec, name, given)
            setattr(rec, f"{name}_source", "manifest")
            if value is not None and str(value) != str(given):
                rec.flags.append(f"manifest_overrides_{name}")
        else:
            setattr(rec, name, value)
            setattr(rec, f"{name}_source", f"inferred:{source}" if value is not None else None)
    rec.region_path = ident.region_path
    body = ident_body(ident)
    if any(given_values[k] for k in ("unit_name", "admin_level", "division_code")):
        body = manifest_body(given_values["unit_name"], given_values["admin_level"], given_code, text, body)
    if body is not None:
        rec.unit_key, rec.unit_kind, rec.parent_division = body.unit_key, body.unit_kind, body.parent_division
        rec.tier, rec.dept_type = body.tier, body.dept_type
        rec.division_code = rec.division_code or body.division_code
        if not given_values["unit_name"]:
            rec.unit_name = body.unit_name
    else:
        rec.tier = ident.tier  # no body named, but the tier the text speaks at (我区: county)
    if rec.division_code is None and rec.unit_name:
        rec.flags.append("no_division_code")


def _records_frame(records: list[DocumentRecord]) -> Any:
    import pandas as pd

    rows = [{c: getattr(r, c) for c in DOCUMENT_COLUMNS} for r in records]
    frame = pd.DataFrame(rows, columns=DOCUMENT_COLUMNS)
    frame["report_year"] = frame["report_year"].astype("Int64")
    for col in ("size_bytes", "n_chars_raw", "n_chars_text"):
        frame[col] = frame[col].astype("Int64")
    return frame.sort_values("doc", kind="stable").reset_index(drop=True)


# what an auditor reads for each look-alike reason (doc_kind_reason)
LOOKALIKE_WHY = {
    "policy_interpretation": "an interpretation of a report, not the report",
    "news_article": "a news item about a report or meeting, not the body's own report",
    "yearbook_entry": "a yearbook or chronicle entry",
    "assessment_notice": "an assessment, inspection or ranking notice about other bodies",
    "speech": "a speech",
    "statistics_release": "a statistics release or a yearly report on another subject",
    "disclosure_report": "a government-information disclosure report",
    "other_subject": "a report on another subject or by a body that is not a government",
    "multi_year_review": "a review of several years, not a yearly report",
    "no_reporting_body": "no reporting body: commentary or a study",
}

SUBMISSION_COLUMNS = ["doc", "source_file", "location", "size", "manifest", "refused", "refused_message", "batch"]


def plan_ingest(settings: RunSettings) -> list[int]:
    """List the year's inbox and cut it into batches (``raw/year=Y/submissions.parquet``).

    Parts left by an earlier run of the year are removed first. Returns the batch numbers."""
    import json

    import pandas as pd

    from pipeline.batches import assign_batches, batch_bytes

    catalog = Catalog(settings.out, settings.year)
    submissions = list_submissions(settings.inbox)
    from pipeline.ingest.ocr_tasks import PLAN_COLUMNS, ocr_plan_path, plan_scans

    # scans get batches of their own, after the text files' (read while the ``ocr`` tasks run)
    is_scan, ocr_plan = plan_scans(submissions)
    texts = assign_batches([s.size for s, scan in zip(submissions, is_scan, strict=True) if not scan], batch_bytes())
    scans = iter(assign_batches([s.size for s, scan in zip(submissions, is_scan, strict=True) if scan], batch_bytes()))
    first_scan_batch = (max(texts) + 1) if texts else 0
    text_batches = iter(texts)
    batches = [first_scan_batch + next(scans) if scan else next(text_batches) for scan in is_scan]
    frame = pd.DataFrame([{
        "doc": s.doc, "source_file": s.source_file, "location": None if s.location is None else str(s.location),
        "size": s.size, "manifest": json.dumps(s.manifest, ensure_ascii=False, sort_keys=True),
        "refused": s.refused, "refused_message": s.refused_message, "batch": b,
    } for s, b in zip(submissions, batches, strict=True)], columns=SUBMISSION_COLUMNS)
    frame = frame.astype({"size": "Int64", "batch": "int64"})
    for zone in ("raw", "text", "extracted"):
        storage.remove_tree(catalog.zone(zone) / "parts")
    io.write_parquet(ocr_plan_path(catalog), pd.DataFrame(ocr_plan, columns=PLAN_COLUMNS).astype(
        {"item": "int64", "first_page": "int64", "last_page": "int64", "n_pages": "int64"}))
    io.write_parquet(catalog.submissions, frame)
    n_batches = (max(batches) + 1) if batches else 0
    log.info("ingest: %d files submitted, %d batches of about %d MB", len(frame), n_batches, batch_bytes() >> 20)
    return list(range(n_batches))


def _batch_submissions(catalog: Catalog, batch: int) -> list[Submission]:
    import json

    frame = io.read_parquet(catalog.submissions)
    rows = frame[frame["batch"] == batch]
    return [Submission(doc=r["doc"], source_file=r["source_file"], location=r["location"],
                       size=None if _isna(r["size"]) else int(r["size"]), manifest=json.loads(r["manifest"]),
                       refused=None if _isna(r["refused"]) else r["refused"],
                       refused_message=None if _isna(r["refused_message"]) else r["refused_message"])
            for r in rows.to_dict("records")]


def ingest_batch(settings: RunSettings, batch: int) -> int:
    """Read one batch's files: decoded text to ``raw/year=Y/text/``, provenance rows to its part."""
    from pipeline.ingest.ocr import box_unit, boxes_path, write_boxes
    from pipeline.ingest.ocr_tasks import ocr_cache_dir

    catalog = Catalog(settings.out, settings.year)
    records = []
    submissions = _batch_submissions(catalog, batch)
    for i, sub in enumerate(submissions, start=1):
        rec, text = _read_submission(sub, settings.max_file_bytes, ocr_cache_dir(catalog))
        if text is not None:
            io.write_text(catalog.raw_text(rec.doc), text, durable=False)
        if rec.ocr_boxes:  # where each OCR'd line is on its page, for the published evidence
            write_boxes(boxes_path(catalog, rec.doc), rec.ocr_boxes, box_unit(rec.flags) or "px")
        rec.flags.extend(f"manifest:{k}" for k in sorted(sub.manifest))
        records.append(rec)
        if i % 1000 == 0:
            log.info("ingest batch %d: read %d/%d files", batch, i, len(submissions))
    io.flush_all()  # the texts are on disk before the part that says the batch is done
    io.write_parquet(catalog.raw_documents(batch), _records_frame(records))
    log.info("ingest batch %d: %d files", batch, len(records))
    return batch


def run_ingest(settings: RunSettings) -> dict[str, Any]:
    """The whole ingest stage in this process: plan, then every batch. Returns a small summary."""
    batches = plan_ingest(settings)
    for batch in batches:
        ingest_batch(settings, batch)
    return {"batches": batches}


def _normalise_one(rec: DocumentRecord, raw: str, manifest: dict[str, Any], run_year: int | None) -> tuple[
        DocumentRecord, Any]:
    norm = normalise_text(raw)
    rec.flags.extend(norm.flags)
    rec.n_chars_text = len(norm.text)
    _apply_identification(rec, norm.text, norm.publish_date, manifest)
    if rec.doc_kind != "annual_report":
        rec.quarantine(f"not_annual_report: {rec.doc_kind_reason or rec.doc_kind} (document kind {rec.doc_kind}: "
                       f"{'targets, not results' if rec.doc_kind == 'work_plan' else LOOKALIKE_WHY.get(rec.doc_kind_reason or '', 'not a report')})")
    elif run_year is not None and rec.report_year is not None and rec.report_year != run_year:
        rec.quarantine(f"wrong_year: the report describes {rec.report_year}, not the run year {run_year}")
    elif rec.report_year is None:
        rec.quarantine("no_year: the year the report describes could not be determined")
    elif len(norm.text) < 200:
        rec.quarantine(f"too_short: only {len(norm.text)} characters of report text after cleaning")
    return rec, norm


def normalise_batch(settings: RunSettings, batch: int) -> int:
    """Clean and identify one batch's readable documents: clean text and offset maps per document,
    the batch's document rows and de-duplication fingerprints."""
    import pandas as pd

    from pipeline.ingest.dedupe import fingerprint

    catalog = Catalog(settings.out, settings.year)
    raw_docs = io.read_parquet(catalog.raw_documents(batch))
    manifests = {s.doc: s.manifest for s in _batch_submissions(catalog, batch)}
    records: list[DocumentRecord] = []
    prints: list[dict[str, Any]] = []
    for row in raw_docs.to_dict("records"):
        fields: dict[str, Any] = {k: (None if _isna(v) else v) for k, v in row.items() if k in DOCUMENT_COLUMNS}
        rec = DocumentRecord(**fields)
        rec.flags = list(row["flags"]) if row["flags"] is not None else []
        if rec.status == "ok":
            raw = catalog.raw_text(rec.doc).read_text(encoding="utf-8")
            rec, norm = _normalise_one(rec, raw, manifests.get(rec.doc, {}), settings.year)
            io.write_text(catalog.text(rec.doc), norm.text, durable=False)
            rec.text_sha256 = io.sha256_bytes(norm.text.encode("utf-8"))
            with io.atomic_path(catalog.offsets(rec.doc), durable=False) as tmp, tmp.open("wb") as fh:
                np.save(fh, norm.offsets.astype(np.int32))
            if rec.status == "ok":
                fp = fingerprint(norm.text)
                prints.append({"doc": rec.doc, "digest": fp.digest, "minhash": fp.minhash.tobytes(),
                               "n_flags": len(rec.flags), "n_chars": len(norm.text)})
        records.append(rec)
    io.flush_all()  # the texts are on disk before the parts that say the batch is done
    io.write_parquet(catalog.fingerprints(batch),
                     pd.DataFrame(prints, columns=["doc", "digest", "minhash", "n_flags", "n_chars"]).astype(
                         {"n_flags": "int64", "n_chars": "int64"}))
    io.write_parquet(catalog.normalised_documents(batch), _records_frame(records))
    log.info("normalise batch %d: %d documents, %d readable", batch, len(records), len(prints))
    return batch


def deduplicate(settings: RunSettings, batches: list[int]) -> dict[str, Any]:
    """Set duplicates aside across all batches and write the year's ``text/documents.parquet``."""
    import pandas as pd

    from pipeline.ingest.dedupe import deduplicate_documents

    catalog = Catalog(settings.out, settings.year)
    frame = pd.concat([io.read_parquet(catalog.normalised_documents(b)) for b in batches], ignore_index=True) \
        if batches else _records_frame([])
    prints = pd.concat([io.read_parquet(catalog.fingerprints(b)) for b in batches], ignore_index=True) \
        if batches else pd.DataFrame(columns=["doc", "digest", "minhash", "n_flags", "n_chars"])
    frame = deduplicate_documents(frame, prints, lambda doc: catalog.text(doc).read_text(encoding="utf-8"))
    from pipeline.review.corrections import correct_documents  # an auditor's document overrides (issue 23)

    frame = correct_documents(catalog, frame, one_report_per_body,
                              lambda doc: catalog.text(doc).read_text(encoding="utf-8") if catalog.text(doc).exists()
                              else None)
    frame = frame.sort_values("doc", kind="stable").reset_index(drop=True)
    io.write_parquet(catalog.documents, frame)
    counts = {k: int(v) for k, v in frame["disposition"].value_counts().items()}
    log.info("normalise: %s", counts)
    accepted = frame[frame["disposition"] == "accepted"]
    return {"documents": str(catalog.documents), "submitted": len(frame), **counts,
            "accepted_docs": len(accepted), "units": int(pd.Series(accepted["unit_key"]).nunique()),
            "batches": batches}


def one_report_per_body(documents: Any) -> Any:
    """Two accepted reports of the same body for one year are a duplicate pair, never two units: the
    cleanest (fewest flags), then longest, then first by name is kept; the other is set aside as a
    ``duplicate`` with reason ``same_body`` and both carry ``same_body:<partner>`` flags."""
    frame = documents.reset_index(drop=True).copy()
    accepted = frame[(frame["disposition"] == "accepted") & frame["unit_key"].notna()]
    flags = [list(f) if f is not None else [] for f in frame["flags"]]
    for _key, group in accepted.groupby("unit_key", sort=True):
        if len(group) < 2:
            continue
        order = sorted(group.index, key=lambda i: (len(flags[i]), -(frame.at[i, "n_chars_text"] or 0), frame.at[i, "doc"]))
        kept = order[0]
        for i in order[1:]:
            frame.loc[i, ["disposition", "status", "duplicate_of"]] = ["duplicate", "quarantined", frame.at[kept, "doc"]]
            frame.loc[i, "reason"] = (f"same_body: another report of {frame.at[kept, 'unit_name']} for this year "
                                      f"({frame.at[kept, 'doc']}) is kept; a body is one unit")
            flags[i] = [*flags[i], "duplicate", f"same_body:{frame.at[kept, 'doc']}"]
            flags[kept] = [*flags[kept], f"same_body:{frame.at[i, 'doc']}"]
    from pipeline.ingest.dedupe import pd_object

    frame["flags"] = pd_object(flags, frame.index)
    return frame


def batches_of(settings: RunSettings) -> list[int]:
    """The batch numbers planned for the year (from ``submissions.parquet``)."""
    frame = io.read_parquet(Catalog(settings.out, settings.year).submissions)
    return sorted(int(b) for b in frame["batch"].unique())


def run_normalise(settings: RunSettings) -> dict[str, Any]:
    """The whole normalise stage in this process: every batch, then de-duplication."""
    batches = batches_of(settings)
    for batch in batches:
        normalise_batch(settings, batch)
    return deduplicate(settings, batches)


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
        "encoding": rec.encoding, "unit_key": rec.unit_key, "unit_name": rec.unit_name, "unit_kind": rec.unit_kind,
        "admin_level": rec.admin_level, "division_code": rec.division_code, "parent_division": rec.parent_division,
        "tier": rec.tier, "dept_type": rec.dept_type, "region_path": rec.region_path,
        "report_year": rec.report_year, "doc_kind": rec.doc_kind, "doc_kind_reason": rec.doc_kind_reason,
        "title": rec.title, "publish_date": rec.publish_date, "flags": rec.flags,
        "status": rec.status, "reason": rec.reason,
        "sources": {k: getattr(rec, f"{k}_source") for k in ("unit_name", "admin_level", "division_code", "report_year",
                                                            "doc_kind")},
    }
    return profile, text
