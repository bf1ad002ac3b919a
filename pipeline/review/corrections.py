"""Corrections as data (issue 23): an auditor's per-year YAML file, schema-checked, anchored, applied.

A corrections file (``configs/corrections.schema.json``, docs/review.md) holds rows that

- ``set_record``: set or clear a record's value, indicator, scope, role or qualifier;
- ``add_record``: add a fact the extractor missed (document, quote, value, indicator);
- ``set_document``: override a document's body (unit name, division code, level), year, kind or status
  (``accepted``: accept a quarantined report; ``rejected``: set aside an accepted look-alike).

Every row names its reviewer, reason and date, and is anchored on the submitted file's sha256 (``document``)
plus, for records, a ``quote`` as it stands in the clean text (and optionally ``start`` and ``match``).
A row that does not apply (unknown document, quote not found, no or several records in the quote, a record
that changed since the row was written) is reported with its reason in the ``corrections_report``; it is
never dropped silently.

The run stages the file once (``stage_corrections``: ``raw/year=Y/corrections.yaml``); the normalise stage's
de-duplication step applies the document rows (``correct_documents``), ``assemble_records`` the record rows
(``RecordCorrections``). Both keep the uncorrected version beside the corrected one (``documents_uncorrected``,
``baseline_panel``) so that the index stage can build the year without corrections and publish what moved
(``pipeline.review.changes``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline import io, storage
from pipeline.catalog import Catalog
from pipeline.config import ConfigError, validate_against_schema
from pipeline.settings import CONFIG_DIR

log = logging.getLogger(__name__)

# a corrected or added record outranks every extracted record of its unit and indicator in the panel rule
CORRECTION_SCORE = 1000.0
REPORT_COLUMNS = ["id", "action", "document", "doc", "stage", "status", "problem", "detail", "effect",
                  "reviewer", "reason", "date"]
LINEAGE_COLUMNS = ["doc", "unit_key", "start", "end", "indicator", "origin", "original_value",
                   "original_indicator", "correction_id", "reviewer", "reason", "date"]
DOCUMENT_FIELDS = ("unit_name", "division_code", "admin_level", "report_year", "doc_kind", "status")


class CorrectionsError(ConfigError):
    """A corrections file that cannot be used at all (not YAML, breaks its schema, another year, ids repeated)."""


def staged_path(catalog: Catalog) -> Any:
    """Where a run keeps its copy of the corrections file."""
    return catalog.zone("raw") / "corrections.yaml"


def _plain(value: Any) -> Any:
    """YAML dates (``date: 2026-12-01`` unquoted) as ISO strings, recursively."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def parse_corrections(data: bytes, source: str, year: int | None = None) -> list[dict[str, Any]]:
    """Bytes of a corrections file -> its rows (dicts), checked against ``configs/corrections.schema.json``,
    unique ids and (when given) the run year. Raises CorrectionsError naming the file and the problem."""
    import yaml

    try:
        doc = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CorrectionsError(f"{source}: not a UTF-8 YAML file ({exc})") from exc
    doc = _plain(doc)
    schema = json.loads((CONFIG_DIR / "corrections.schema.json").read_text(encoding="utf-8"))
    try:
        validate_against_schema(doc, schema, source)  # type: ignore[arg-type]
    except ConfigError as exc:
        raise CorrectionsError(str(exc)) from exc
    if year is not None and int(doc["year"]) != int(year):
        raise CorrectionsError(f"{source}: the file corrects {doc['year']}, not the run year {year}")
    rows: list[dict[str, Any]] = doc["corrections"]
    seen: set[str] = set()
    for row in rows:
        if row["id"] in seen:
            raise CorrectionsError(f"{source}: correction id {row['id']!r} is used twice")
        seen.add(row["id"])
    return rows


def stage_corrections(catalog: Catalog, source: str | None) -> dict[str, Any] | None:
    """Copy the run's corrections file (a path or URL; None = no corrections) to ``raw/year=Y/corrections.yaml``
    after checking it, or remove a copy left by an earlier run. Returns {source, sha256, rows} or None."""
    target = staged_path(catalog)
    if not source:
        if target.exists():
            target.unlink()
        return None
    if not storage.exists(source):
        raise CorrectionsError(f"corrections file {source} does not exist")
    data = storage.read_bytes(source)
    rows = parse_corrections(data, str(source), catalog.year)
    io.write_bytes(target, data)
    log.info("corrections: %d rows from %s staged (sha256 %s)", len(rows), source, io.sha256_bytes(data)[:12])
    return {"source": str(source).rstrip("/").rsplit("/", 1)[-1], "sha256": io.sha256_bytes(data), "rows": len(rows)}


def staged_rows(catalog: Catalog) -> list[dict[str, Any]] | None:
    """The staged corrections of the run (None when the run has none)."""
    path = staged_path(catalog)
    if not path.exists():
        return None
    return parse_corrections(path.read_bytes(), str(path), catalog.year)


def corrections_log(catalog: Catalog) -> dict[str, Any] | None:
    """What the build log records of the corrections: the staged file's path and sha256, and the files
    the uncorrected build reads (for ``rolindex rebuild``); None when the run has none."""
    path = staged_path(catalog)
    if not path.exists():
        return None
    baseline, uncorrected = baseline_panel_path(catalog), uncorrected_documents_path(catalog)
    return {"file": str(path), "sha256": io.sha256_file(path), "rows": len(staged_rows(catalog) or []),
            "baseline_panel": str(baseline), "baseline_panel_sha256": io.sha256_file(baseline),
            "documents_uncorrected": str(uncorrected),
            "documents_uncorrected_sha256": io.sha256_file(uncorrected)}


def uncorrected_documents_path(catalog: Catalog) -> Any:
    return catalog.zone("text") / "documents_uncorrected.parquet"


def baseline_panel_path(catalog: Catalog) -> Any:
    return catalog.zone("extracted") / "baseline_panel.parquet"


def lineage_path(catalog: Catalog) -> Any:
    return catalog.zone("extracted") / "lineage.parquet"


def report_path(catalog: Catalog, stage: str) -> Any:
    return catalog.zone("text" if stage == "documents" else "extracted") / "corrections_report.parquet"


def _report_row(row: dict[str, Any], stage: str, doc: str | None, status: str, problem: str | None,
                detail: str, effect: str | None = None) -> dict[str, Any]:
    return {"id": row["id"], "action": row["action"], "document": row["document"], "doc": doc, "stage": stage,
            "status": status, "problem": problem, "detail": detail, "effect": effect,
            "reviewer": row["reviewer"], "reason": row["reason"], "date": row["date"]}


def _write_report(catalog: Catalog, stage: str, rows: list[dict[str, Any]] | None) -> None:
    import pandas as pd
    import pyarrow as pa

    path = report_path(catalog, stage)
    if rows is None:
        if path.exists():
            path.unlink()
        return
    io.write_parquet(path, pd.DataFrame(rows, columns=REPORT_COLUMNS).astype(object),
                     schema=pa.schema([(c, pa.string()) for c in REPORT_COLUMNS]))


def find_document(documents: Any, anchor: str) -> tuple[str | None, str | None]:
    """(doc id, problem) of the one document whose submitted file's sha256 starts with ``anchor``."""
    hits = [d for d, s in zip(documents["doc"], documents["sha256"], strict=True)
            if isinstance(s, str) and s.startswith(anchor)]
    if len(set(hits)) == 1:
        return hits[0], None
    return None, ("unknown_document" if not hits else "ambiguous_document")


# ---------------------------------------------------------------- documents


def _apply_document_row(frame: Any, i: int, row: dict[str, Any], text: str, year: int) -> tuple[str | None, str]:
    """Apply one ``set_document`` row to row ``i`` of the documents frame in place: (problem, effect or detail)."""
    from pipeline.ingest.identify import manifest_body

    changes = row["set"]
    said: list[str] = []
    flags = list(frame.at[i, "flags"]) if frame.at[i, "flags"] is not None else []
    if any(k in changes for k in ("unit_name", "division_code", "admin_level")):
        name = changes.get("unit_name") or frame.at[i, "unit_name"]
        level = changes.get("admin_level")  # the old level would force the old kind of body
        code = changes.get("division_code") or frame.at[i, "division_code"]
        body = manifest_body(name if isinstance(name, str) else None, level if isinstance(level, str) else None,
                             code if isinstance(code, str) else None, text, None)
        if body is None:
            return "unknown_body", f"no reporting body found for unit_name={name!r}, division_code={code!r}"
        before = frame.at[i, "unit_key"]
        for col in ("unit_key", "unit_kind", "parent_division", "tier", "dept_type", "division_code"):
            frame.at[i, col] = getattr(body, col)
        frame.at[i, "unit_name"] = changes.get("unit_name") or body.unit_name
        # the level follows the body (a department's level is "department") unless the row sets it
        frame.at[i, "admin_level"] = changes.get("admin_level") or (
            "department" if body.unit_kind == "department" else body.tier)
        for col in ("unit_name", "division_code", "admin_level"):
            if col in changes:
                frame.at[i, f"{col}_source"] = f"correction:{row['id']}"
        said.append(f"body {before} -> {body.unit_key}")
    if "report_year" in changes:
        said.append(f"report_year {frame.at[i, 'report_year']} -> {changes['report_year']}")
        frame.at[i, "report_year"], frame.at[i, "report_year_source"] = changes["report_year"], f"correction:{row['id']}"
    if "doc_kind" in changes:
        said.append(f"doc_kind {frame.at[i, 'doc_kind']} -> {changes['doc_kind']}")
        frame.at[i, "doc_kind"], frame.at[i, "doc_kind_source"] = changes["doc_kind"], f"correction:{row['id']}"
        if changes["doc_kind"] == "annual_report":
            frame.at[i, "doc_kind_reason"] = None
    status = changes.get("status")
    by = f"{row['reviewer']}, correction {row['id']}"
    if status == "accepted":
        if frame.at[i, "unit_key"] is None or frame.at[i, "unit_key"] != frame.at[i, "unit_key"]:
            return "no_reporting_body", "cannot accept a report without a reporting body: set unit_name as well"
        if "doc_kind" not in changes:
            frame.at[i, "doc_kind"], frame.at[i, "doc_kind_source"] = "annual_report", f"correction:{row['id']}"
            frame.at[i, "doc_kind_reason"] = None
        said.append(f"{frame.at[i, 'disposition']} -> accepted")
        frame.at[i, "status"], frame.at[i, "disposition"] = "ok", "accepted"
        frame.at[i, "reason"], frame.at[i, "duplicate_of"] = None, None
    elif status == "rejected":
        said.append(f"{frame.at[i, 'disposition']} -> quarantined")
        frame.at[i, "status"], frame.at[i, "disposition"] = "quarantined", "quarantined"
        frame.at[i, "reason"] = f"rejected_by_reviewer: {row['reason']} ({by})"
    if frame.at[i, "disposition"] == "accepted":
        ry = frame.at[i, "report_year"]
        if "report_year" in changes and int(ry) != int(year):
            frame.at[i, "status"], frame.at[i, "disposition"] = "quarantined", "quarantined"
            frame.at[i, "reason"] = f"wrong_year: the report describes {ry}, not the run year {year} ({by})"
            said.append("quarantined (wrong_year)")
        elif "doc_kind" in changes and changes["doc_kind"] != "annual_report":
            frame.at[i, "status"], frame.at[i, "disposition"] = "quarantined", "quarantined"
            frame.at[i, "reason"] = f"not_annual_report: {changes['doc_kind']} ({by})"
            said.append("quarantined (not_annual_report)")
    frame.at[i, "flags"] = [*flags, *(f"corrected:{k}" for k in sorted(changes))]
    return None, "; ".join(said)


def apply_document_rows(documents: Any, rows: list[dict[str, Any]], text_of: Callable[[str], str | None],
                        year: int) -> tuple[Any, list[dict[str, Any]]]:
    """Pure but for reading texts: (documents, correction rows, doc -> clean text, run year) -> (documents with
    the ``set_document`` rows applied, one report row per ``set_document`` row)."""
    frame = documents.reset_index(drop=True).copy()
    frame["flags"] = frame["flags"].astype(object)
    report: list[dict[str, Any]] = []
    for row in rows:
        if row["action"] != "set_document":
            continue
        doc, problem = find_document(frame, row["document"])
        if doc is None:
            report.append(_report_row(row, "documents", None, "inapplicable", problem,
                                      f"no submitted file of {year} has sha256 {row['document']}..."))
            continue
        text = text_of(doc)
        if text is None:
            report.append(_report_row(row, "documents", doc, "inapplicable", "unreadable",
                                      "the file was not readable, so it has no text to accept"))
            continue
        i = int(frame.index[frame["doc"] == doc][0])
        before = frame.loc[i].copy()
        problem, said = _apply_document_row(frame, i, row, text, year)
        if problem:
            frame.loc[i] = before
            report.append(_report_row(row, "documents", doc, "inapplicable", problem, said))
        else:
            report.append(_report_row(row, "documents", doc, "applied", None, "document fields overridden", said))
    return frame, report


def correct_documents(catalog: Catalog, documents: Any, finish: Callable[[Any], Any],
                      text_of: Callable[[str], str | None]) -> Any:
    """The de-duplicated documents with the staged ``set_document`` rows applied, then ``finish`` (the
    one-report-per-body rule) on the result. With corrections, the uncorrected documents (``finish`` on the
    input) go to ``text/documents_uncorrected.parquet`` and a report of every document row to
    ``text/corrections_report.parquet``; without, stale copies of both are removed."""
    rows = staged_rows(catalog)
    uncorrected = uncorrected_documents_path(catalog)
    if rows is None:
        if uncorrected.exists():
            uncorrected.unlink()
        _write_report(catalog, "documents", None)
        return finish(documents)
    io.write_parquet(uncorrected, finish(documents.copy()))
    frame, report = apply_document_rows(documents, rows, text_of, catalog.year)
    _write_report(catalog, "documents", report)
    log.info("corrections: %d document rows, %d applied", len(report),
             sum(r["status"] == "applied" for r in report))
    return finish(frame)


def extraction_docs(catalog: Catalog, documents: Any) -> Any:
    """Boolean mask over ``documents``: the ones to extract (accepted, or accepted before the corrections,
    whose records the uncorrected build needs)."""
    accepted = documents["disposition"] == "accepted"
    path = uncorrected_documents_path(catalog)
    if not path.exists():
        return accepted
    before = io.read_parquet(path)
    return accepted | documents["doc"].isin(set(before.loc[before["disposition"] == "accepted", "doc"]))


# ---------------------------------------------------------------- records


def _catalogue_units() -> tuple[dict[str, str], dict[str, str | None]]:
    """indicator -> its canonical unit, and indicator -> the quantity kind its panel value has."""
    from pipeline.extract.catalogue import load_catalogue
    from pipeline.extract.quantities import rules

    kind_of_word = {info["canonical"]: info["kind"] for info in rules()["words"].values()}
    indicators = load_catalogue().indicators
    return {i.code: i.unit for i in indicators}, {i.code: kind_of_word.get(i.unit) for i in indicators}


def quote_spans(text: str, quote: str, start: int | None) -> list[tuple[int, int]]:
    """Spans of ``quote`` in ``text``: all of them, or the one nearest to ``start`` when given."""
    spans, at = [], text.find(quote)
    while at >= 0:
        spans.append((at, at + len(quote)))
        at = text.find(quote, at + 1)
    if start is not None and spans:
        spans = [min(spans, key=lambda s: 0 if s[0] <= start < s[1] else min(abs(s[0] - start), abs(s[1] - start)))]
    return spans


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return f"{float(value):g}"


@dataclass
class RecordCorrections:
    """The staged record rows of a run, applied batch part by batch part in ``assemble_records``.

    ``apply(part, batch)`` returns the corrected part (records of documents set aside by a correction
    dropped, rows applied, added facts appended) and keeps the uncorrected mapped records for the
    baseline; ``finish(year)`` writes the lineage, the report and the uncorrected (baseline) panel."""

    catalog: Catalog
    rows: list[dict[str, Any]] | None
    documents: Any = None
    uncorrected: Any = None
    baseline_inputs: list[Any] = field(default_factory=list)
    lineage: list[dict[str, Any]] = field(default_factory=list)
    report: list[dict[str, Any]] = field(default_factory=list)
    done: set[str] = field(default_factory=set)

    @classmethod
    def for_run(cls, catalog: Catalog) -> RecordCorrections:
        rows = staged_rows(catalog)
        found = cls(catalog, None if rows is None else [r for r in rows if r["action"] != "set_document"])
        if rows is not None:
            found.documents = io.read_parquet(catalog.documents)
            found.uncorrected = io.read_parquet(uncorrected_documents_path(catalog))
        return found

    def apply(self, part: Any, batch: int) -> Any:
        """One batch's records part -> the corrected part (unchanged without corrections)."""
        import pandas as pd

        if self.rows is None:
            return part
        before_accepted = set(self.uncorrected.loc[self.uncorrected["disposition"] == "accepted", "doc"])
        now_accepted = set(self.documents.loc[self.documents["disposition"] == "accepted", "doc"])
        self.baseline_inputs.append(part[part["indicator"].notna() & part["doc"].isin(before_accepted)])
        part = part[part["doc"].isin(now_accepted)].reset_index(drop=True).copy()
        batch_docs = set(io.read_parquet(self.catalog.normalised_documents(batch))["doc"])
        added: list[dict[str, Any]] = []
        for row in self.rows:
            if row["id"] in self.done:
                continue
            doc, _ = find_document(self.documents, row["document"])
            if doc is None:
                continue  # reported by close_report()
            if doc not in batch_docs:
                continue
            self.done.add(row["id"])
            if doc not in now_accepted:
                self.report.append(_report_row(row, "records", doc, "inapplicable", "document_not_accepted",
                                               "the document is not an accepted report of this run"))
                continue
            text = self.catalog.text(doc).read_text(encoding="utf-8")
            if row["action"] == "add_record":
                new = self._added(row, doc, text)
                if new is not None:
                    added.append(new)
            else:
                self._set(part, row, doc, text)
        if added:
            part = pd.concat([part, pd.DataFrame(added, columns=part.columns)], ignore_index=True)
            part = part.sort_values(["doc", "start", "end"], kind="stable").reset_index(drop=True)
        return part

    def _added(self, row: dict[str, Any], doc: str, text: str) -> dict[str, Any] | None:
        units, kinds = _catalogue_units()
        values = row["set"]
        if values["indicator"] not in units:
            self.report.append(_report_row(row, "records", doc, "inapplicable", "unknown_indicator",
                                           f"{values['indicator']!r} is not in configs/indicators.yaml"))
            return None
        spans = quote_spans(text, row["quote"], row.get("start"))
        if not spans:
            self.report.append(_report_row(row, "records", doc, "inapplicable", "quote_not_found",
                                           f"the quote {row['quote']!r} is not in the document's clean text"))
            return None
        if len(spans) > 1:
            self.report.append(_report_row(row, "records", doc, "inapplicable", "ambiguous_quote",
                                           f"the quote stands {len(spans)} times in the text: give start"))
            return None
        start, end = spans[0]
        unit_key = self.documents.loc[self.documents["doc"] == doc, "unit_key"].iloc[0]
        record = {"doc": doc, "unit_key": unit_key, "indicator": values["indicator"], "value": float(values["value"]),
                  "value_max": None, "unit": units[values["indicator"]], "kind": kinds[values["indicator"]],
                  "qualifier": values.get("qualifier", "exact"), "scope": values.get("scope", "actual"),
                  "start": start, "end": end, "quote": row["quote"], "rule_id": f"correction:{row['id']}",
                  "score": CORRECTION_SCORE, "extractor_version": "correction", "verb": None, "noun": None,
                  "measure_word": None, "role": values.get("role", "flow"), "exclude_reason": None,
                  "frame_rule": f"correction:{row['id']}", "body": None}
        self._lineage(record, "added", None, None, row)
        self.report.append(_report_row(row, "records", doc, "applied", None, f"fact added at {start}-{end}",
                                       f"added {values['indicator']} = {_fmt(values['value'])}"))
        return record

    def _set(self, part: Any, row: dict[str, Any], doc: str, text: str) -> None:
        units, kinds = _catalogue_units()
        spans = quote_spans(text, row["quote"], row.get("start"))
        if not spans:
            self.report.append(_report_row(row, "records", doc, "inapplicable", "quote_not_found",
                                           f"the quote {row['quote']!r} is not in the document's clean text"))
            return
        inside = part.index[(part["doc"] == doc) & part.apply(
            lambda r: any(s <= int(r["start"]) and int(r["end"]) <= e for s, e in spans), axis=1)] \
            if len(part) else part.index
        candidates = list(inside)
        match = row.get("match") or {}
        if "indicator" in match:
            candidates = [i for i in candidates if part.at[i, "indicator"] == match["indicator"]]
        if "value" in match:
            candidates = [i for i in candidates if float(part.at[i, "value"]) == float(match["value"])]
        if not candidates:
            found = ", ".join(f"{part.at[i, 'indicator']}={_fmt(part.at[i, 'value'])}" for i in inside) or "none"
            self.report.append(_report_row(
                row, "records", doc, "inapplicable", "stale",
                f"no extracted record inside the quote matches {match or 'it'} (records there now: {found}); "
                "the text or the extractor changed since the row was written"))
            return
        if len(candidates) > 1:
            self.report.append(_report_row(
                row, "records", doc, "inapplicable", "ambiguous_record",
                f"{len(candidates)} records inside the quote ("
                + ", ".join(f"{part.at[i, 'indicator']}={_fmt(part.at[i, 'value'])}" for i in candidates)
                + "): add match.value or match.indicator"))
            return
        i = candidates[0]
        values = row["set"]
        if values.get("indicator") and values["indicator"] not in units:
            self.report.append(_report_row(row, "records", doc, "inapplicable", "unknown_indicator",
                                           f"{values['indicator']!r} is not in configs/indicators.yaml"))
            return
        original_value, original_indicator = float(part.at[i, "value"]), part.at[i, "indicator"]
        said = []
        if "indicator" in values:
            part.at[i, "indicator"] = values["indicator"]
            if values["indicator"] is not None and part.at[i, "kind"] != kinds[values["indicator"]]:
                part.at[i, "kind"], part.at[i, "unit"] = kinds[values["indicator"]], units[values["indicator"]]
            said.append(f"indicator {original_indicator} -> {values['indicator']}")
        if "value" in values:
            if values["value"] is None:  # cleared: the record stays as evidence but counts for nothing
                part.at[i, "indicator"], part.at[i, "role"] = None, "excluded"
                part.at[i, "exclude_reason"] = f"cleared_by_correction:{row['id']}"
                said.append(f"value {_fmt(original_value)} cleared")
            else:
                part.at[i, "value"] = float(values["value"])
                said.append(f"value {_fmt(original_value)} -> {_fmt(values['value'])}")
        for col in ("scope", "role", "qualifier"):
            if col in values:
                said.append(f"{col} {part.at[i, col]} -> {values[col]}")
                part.at[i, col] = values[col]
        part.at[i, "score"] = CORRECTION_SCORE
        part.at[i, "rule_id"] = f"{part.at[i, 'rule_id']}|correction:{row['id']}"
        self._lineage(part.loc[i].to_dict(), "corrected", original_value, original_indicator, row)
        self.report.append(_report_row(row, "records", doc, "applied", None,
                                       f"record at {int(part.at[i, 'start'])}-{int(part.at[i, 'end'])}",
                                       "; ".join(said) + (f" ({original_indicator or 'no indicator'})"
                                                          if "indicator" not in values else "")))

    def _lineage(self, record: dict[str, Any], origin: str, original_value: float | None,
                 original_indicator: str | None, row: dict[str, Any]) -> None:
        self.lineage.append({"doc": record["doc"], "unit_key": record["unit_key"], "start": int(record["start"]),
                             "end": int(record["end"]), "indicator": record["indicator"], "origin": origin,
                             "original_value": original_value, "original_indicator": original_indicator,
                             "correction_id": row["id"], "reviewer": row["reviewer"], "reason": row["reason"],
                             "date": row["date"]})

    def accepted_outcomes(self, outcomes: Any) -> Any:
        """The extraction outcomes of accepted reports only (a report a correction set aside was extracted
        for the uncorrected build alone); unchanged without corrections."""
        if self.rows is None:
            return outcomes
        accepted = set(self.documents.loc[self.documents["disposition"] == "accepted", "doc"])
        return outcomes[outcomes["doc"].isin(accepted)].reset_index(drop=True)

    def close_report(self, year: int) -> list[dict[str, Any]]:
        """The report of the record rows, after every batch: rows no batch could place are reported too."""
        for row in self.rows or []:
            if row["id"] not in self.done:
                doc, problem = find_document(self.documents, row["document"])
                self.report.append(_report_row(row, "records", doc, "inapplicable", problem or "document_not_accepted",
                                               f"no submitted file of {year} has sha256 {row['document']}..."
                                               if doc is None else "the document was not extracted"))
                self.done.add(row["id"])
        order = {r["id"]: n for n, r in enumerate(self.rows or [])}
        self.report.sort(key=lambda r: order[r["id"]])
        return self.report

    def finish(self, year: int, build_panel: Callable[[Any, Any, int], Any]) -> None:
        """Write ``extracted/lineage.parquet``, the record rows' report and ``extracted/baseline_panel.parquet``
        (the panel of the uncorrected records and documents); remove stale ones without corrections."""
        import pandas as pd

        paths = (lineage_path(self.catalog), baseline_panel_path(self.catalog))
        if self.rows is None:
            for path in paths:
                if path.exists():
                    path.unlink()
            _write_report(self.catalog, "records", None)
            return
        self.close_report(year)
        _write_report(self.catalog, "records", self.report)
        lineage = pd.DataFrame(self.lineage, columns=LINEAGE_COLUMNS).astype(
            {"start": "int64", "end": "int64", "original_value": "float64"})
        io.write_parquet(paths[0], lineage.astype({c: object for c in LINEAGE_COLUMNS
                                                   if c not in ("start", "end", "original_value")}),
                         schema=_lineage_schema())
        inputs = [p for p in self.baseline_inputs if len(p)]
        mapped = pd.concat(inputs, ignore_index=True) if inputs else None
        if mapped is None:
            from pipeline.extract.records import RECORD_FIELDS

            mapped = pd.DataFrame(columns=["unit_key", *RECORD_FIELDS])
        io.write_parquet(paths[1], build_panel(mapped, self.uncorrected, year))
        log.info("corrections: %d record rows, %d applied", len(self.report),
                 sum(r["status"] == "applied" for r in self.report))


def _lineage_schema() -> Any:
    import pyarrow as pa

    return pa.schema([(c, pa.int64() if c in ("start", "end") else pa.float64() if c == "original_value"
                       else pa.string()) for c in LINEAGE_COLUMNS])


def read_report(catalog: Catalog) -> Any:
    """Every row of the run's corrections with what happened to it (documents stage, then records stage)."""
    import pandas as pd

    frames = [io.read_parquet(report_path(catalog, s)) for s in ("documents", "records")
              if report_path(catalog, s).exists()]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REPORT_COLUMNS})
    return pd.concat(frames, ignore_index=True)[REPORT_COLUMNS]


def read_lineage(catalog: Catalog) -> Any:
    """The run's corrected and added records (empty without corrections)."""
    import pandas as pd

    path = lineage_path(catalog)
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LINEAGE_COLUMNS})
    return io.read_parquet(path)


def with_lineage(indicators: Any, lineage: Any) -> Any:
    """Published indicators + ``origin`` (extracted / corrected / added), ``original_value`` (the value as
    extracted: the raw value itself when not corrected, empty for an added fact), ``correction_id`` and
    (not published) ``original_indicator``."""
    frame = indicators.reset_index(drop=True)
    keys = ["doc", "start", "indicator"]
    lin = lineage.drop_duplicates(keys, keep="last")[[*keys, "origin", "original_value", "original_indicator",
                                                      "correction_id"]]
    if len(frame):
        lin = lin.astype({"start": frame["start"].dtype}) if len(lin) else lin
        merged = frame.merge(lin, on=keys, how="left") if len(lin) else frame.assign(
            origin=None, original_value=float("nan"), original_indicator=None, correction_id=None)
    else:
        merged = frame.assign(origin=None, original_value=float("nan"), original_indicator=None, correction_id=None)
    origin = merged["origin"].where(merged["origin"].notna(), "extracted")
    original = merged["original_value"].astype("float64").where(origin != "extracted", merged["raw_value"])
    return merged.assign(origin=origin.astype(object), original_value=original,
                         correction_id=merged["correction_id"].astype(object))


def stage_run_corrections(settings: Any, params: dict[str, Any]) -> dict[str, Any] | None:
    """The DAG's hook: stage the file named by the run's ``corrections`` param, else by
    ``$ROLINDEX_CORRECTIONS`` (set by ``rolindex run --corrections``), else none."""
    import os

    source = (params or {}).get("corrections") or os.environ.get("ROLINDEX_CORRECTIONS") or None
    return stage_corrections(Catalog(settings.out, settings.year), source)
