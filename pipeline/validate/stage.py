"""Validate stage: the gate between extraction and the index.

Reads ``text/`` documents and ``extracted/`` records and panel; writes ``validated/`` accepted
records and panel, ``quarantine.parquet`` (every rejected row with the rule that caught it) and
``validation_results.json``. Row-level failures of ``critical`` rules move rows to quarantine,
``warning`` rules only flag them; dataset-level critical failures raise ``ValidationGateError``
after the results are written, so nothing is published.
"""

from __future__ import annotations

import json
import logging
from itertools import chain
from typing import Any

from pipeline import io
from pipeline.catalog import Catalog
from pipeline.config import load_config
from pipeline.errors import PermanentError
from pipeline.publish.schemas import write_typed
from pipeline.settings import RunSettings
from pipeline.validate.gx_runner import RuleOutcome, run_suite
from pipeline.validate.suites import read_suite

log = logging.getLogger(__name__)
TABLE_LEVEL = {"expect_table_columns_to_match_set", "expect_column_to_exist", "expect_table_row_count_to_be_between"}


class ValidationGateError(PermanentError, RuntimeError):
    """A critical dataset-level rule failed; the run must not publish."""


def accounting(documents: Any, submitted_files: int, outcomes: Any | None = None) -> dict[str, Any]:
    """Check submitted = accepted + quarantined + duplicates, that every file has a row, and (given the
    extraction outcomes) that every accepted document has records or an explicit "no indicator found"."""
    counts = {k: int(v) for k, v in documents["disposition"].value_counts().items()}
    accepted, quarantined, duplicates = (counts.get(k, 0) for k in ("accepted", "quarantined", "duplicate"))
    ok = accepted + quarantined + duplicates == len(documents) == submitted_files
    result: dict[str, Any] = {"submitted": submitted_files, "rows": len(documents), "accepted": accepted,
              "quarantined": quarantined,
              "duplicates": duplicates, "balanced": ok}
    if outcomes is not None:
        accepted_docs = set(documents.loc[documents["disposition"] == "accepted", "doc"])
        without = sorted(accepted_docs - set(outcomes["doc"]))
        result["extraction_outcomes"] = {k: int(v) for k, v in outcomes["outcome"].value_counts().items()}
        result["accepted_without_outcome"] = without
        result["balanced"] = ok and not without
    return result


def _condition_text(condition: Any) -> str | None:
    """GX 1.x hands row conditions back as {'pass_through_filter': '...'}: keep the readable string."""
    if isinstance(condition, dict):
        return str(condition.get("pass_through_filter") or condition)
    return None if condition is None else str(condition)


# what an auditor sees of a failing row: where it came from and, for records, the frame that gave its
# indicator (verb, counted noun, role, the rule that fired)
EVIDENCE_COLUMNS = ("doc", "unit_name", "indicator", "value", "unit", "verb", "noun", "role", "frame_rule", "quote")
MAX_EXAMPLE_ROWS = 50


def rule_summaries(name: str, outcomes: list[RuleOutcome]) -> list[dict[str, Any]]:
    """One JSON-ready summary per expectation outcome (for validation_results.json and the report)."""
    return [{"dataset": name, "rule": o.rule, "expectation": o.expectation, "severity": o.severity,
             "success": o.success, "column": o.column, "row_condition": _condition_text(o.row_condition),
             "n_failing_rows": len(o.failing_rows), "failing_rows": o.failing_rows[:200],
             "observed": o.observed if isinstance(o.observed, (int, float, str, list, type(None))) else str(o.observed)}
            for o in outcomes]


def _apply_outcomes(name: str, frame: Any, outcomes: list[RuleOutcome], row_offset: int = 0) -> tuple[
        Any, list[dict[str, Any]], list[str], list[dict[str, Any]]]:
    """Split a frame into (accepted rows, quarantine rows, gate failures, rule summaries); reported row
    numbers are positions in the frame plus ``row_offset`` (the frame's start in its dataset)."""
    import pandas as pd

    quarantine: dict[int, list[str]] = {}
    flags: dict[int, list[str]] = {}
    gate: list[str] = []
    rules = rule_summaries(name, outcomes)
    for summary, o in zip(rules, outcomes, strict=True):
        # the failing rows themselves, with their evidence, for the auditor's report
        summary["rows"] = [{"row": i + row_offset,
                            **{c: _jsonable(frame.iloc[i][c]) for c in EVIDENCE_COLUMNS if c in frame}}
                           for i in o.failing_rows[:MAX_EXAMPLE_ROWS] if i < len(frame)]
        summary["failing_rows"] = [i + row_offset for i in summary["failing_rows"]]
    for o in outcomes:
        if o.success:
            continue
        if o.expectation in TABLE_LEVEL or (not o.failing_rows and o.severity == "critical"):
            if o.severity == "critical":
                gate.append(f"{name}: critical rule {o.rule} failed ({o.expectation}, observed {o.observed})")
            continue
        target = quarantine if o.severity == "critical" else flags
        for i in o.failing_rows:
            target.setdefault(i, []).append(o.rule)
    frame = frame.reset_index(drop=True).copy()
    # an object column even when the frame is empty (a list column built from [] would be float64)
    frame["validation_flags"] = pd.Series([sorted(flags.get(i, [])) for i in range(len(frame))],
                                          index=frame.index, dtype=object)
    bad = sorted(quarantine)
    rejected = []
    for i in bad:
        row = frame.iloc[i]
        rejected.append({"dataset": name, "row": i + row_offset, "rules": ";".join(sorted(set(quarantine[i]))),
                         "severity": "critical", "doc": row.get("doc"), "indicator": row.get("indicator"),
                         "value": row.get("value"), "unit": row.get("unit"), "quote": row.get("quote"),
                         "record": json.dumps({k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False)})
    accepted = frame.drop(index=bad).reset_index(drop=True)
    return accepted, rejected, gate, rules


def _jsonable(v: Any) -> Any:
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, float) and v != v:
        return None
    return v if isinstance(v, (int, float, str, bool, list, dict, type(None))) else str(v)


def cross_year_checks(panel: Any, previous: Any, jump_factor: float) -> list[dict[str, Any]]:
    """Warnings for values identical to last year's (boilerplate) or jumping beyond ``jump_factor``."""
    if previous is None or previous.empty or panel.empty:
        return []
    prev = previous[["unit_key", "indicator", "raw_value"]].rename(columns={"raw_value": "previous_value"})
    joined = panel.merge(prev, on=["unit_key", "indicator"], how="inner")
    warnings = []
    for row in joined.itertuples(index=False):
        value, before = float(row.value), float(row.previous_value)
        if value == before and value not in (0.0, 100.0):
            kind = "identical_to_previous_year"
        elif min(value, before) > 0 and max(value, before) / min(value, before) > jump_factor:
            kind = "jump_beyond_factor"
        else:
            continue
        warnings.append({"check": kind, "unit_key": row.unit_key, "unit_name": row.unit_name,
                         "indicator": row.indicator, "value": value, "previous_value": before, "quote": row.quote})
    return warnings


PANEL_TYPES = {"year": "int64", "value": "float64", "start": "int64", "end": "int64", "n_candidates": "int64",
               "validation_flags": "list_string"}  # every other panel column holds text


def empty_panel_schema(columns: list[str]) -> Any:
    """The arrow schema of an empty accepted panel with these columns (an empty frame has no types to
    infer: without it every column would be written as null)."""
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(),
             "list_string": pa.list_(pa.string())}
    return pa.schema([(c, types[PANEL_TYPES.get(c, "string")]) for c in columns])


RECORD_CHUNK_ROWS = 250_000  # rows of records.parquet validated at a time (about 0.5 GB of GX working memory)


def _merge_rule_summaries(merged: list[dict[str, Any]], chunk: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Combine the per-chunk summaries of the same suite, rule by rule."""
    if not merged:
        return chunk
    for total, part in zip(merged, chunk, strict=True):
        if total["success"] and not part["success"]:
            total["observed"] = part["observed"]
        total["success"] = total["success"] and part["success"]
        total["n_failing_rows"] += part["n_failing_rows"]
        total["failing_rows"] = (total["failing_rows"] + part["failing_rows"])[:200]
        total["rows"] = (total["rows"] + part["rows"])[:MAX_EXAMPLE_ROWS]
    return merged


def _validate_records_in_chunks(catalog: Catalog) -> tuple[dict[str, int], list[dict[str, Any]], list[str],
                                                           list[dict[str, Any]]]:
    """Run the records suite on ``records.parquet`` RECORD_CHUNK_ROWS rows at a time; write the accepted rows
    (with their flags) to ``validated/records.parquet`` as they come. Returns (counts, quarantined rows,
    gate failures, rule summaries); row numbers are positions in ``records.parquet``."""
    import pyarrow as pa

    from pipeline.extract.stage import stage_records_schema

    source = io.open_parquet(catalog.records)
    schema = stage_records_schema().append(pa.field("validation_flags", pa.list_(pa.string())))
    suite = read_suite("records")
    counts = {"rows": 0, "accepted": 0, "quarantined": 0, "flagged": 0}
    quarantined: list[dict[str, Any]] = []
    gate: list[str] = []
    rules: list[dict[str, Any]] = []
    chunks = source.iter_batches(batch_size=RECORD_CHUNK_ROWS)
    first = next(chunks, None)  # an empty file is still validated once (its columns, its row count)
    with io.parquet_writer(catalog.accepted_records, schema) as write:
        for batch in chain([first if first is not None else source.schema_arrow.empty_table()], chunks):
            frame = batch.to_pandas()
            accepted, rejected, failures, chunk_rules = _apply_outcomes("records", frame, run_suite(suite, frame),
                                                                        row_offset=counts["rows"])
            write(accepted)
            counts["rows"] += len(frame)
            counts["accepted"] += len(accepted)
            counts["quarantined"] += len(rejected)
            counts["flagged"] += int(sum(bool(f) for f in accepted["validation_flags"]))
            quarantined.extend(rejected)
            gate.extend(f for f in failures if f not in gate)
            rules = _merge_rule_summaries(rules, chunk_rules)
    return counts, quarantined, gate, rules


def run_validate(settings: RunSettings) -> dict[str, Any]:
    """Run the suites and the gate for one year. Raises ValidationGateError on critical failures."""
    import pandas as pd

    from pipeline.ingest.inbox import list_submissions, read_manifest_checked

    cfg = load_config("validation")
    catalog = Catalog(settings.out, settings.year)
    documents = io.read_parquet(catalog.documents)
    panel = io.read_parquet(catalog.panel)
    outcomes = io.read_parquet(catalog.extraction_outcomes)
    account = accounting(documents, len(list_submissions(settings.inbox)), outcomes)
    gate: list[str] = []
    if account["accepted_without_outcome"]:
        gate.append(f"accounting: accepted documents without an extraction outcome: {account['accepted_without_outcome']}")
    elif not account["balanced"]:
        gate.append(f"accounting: submitted {account['submitted']} != accepted {account['accepted']} + quarantined "
                    f"{account['quarantined']} + duplicates {account['duplicates']} (rows {account['rows']})")
    results: dict[str, Any] = {"year": settings.year, "accounting": account, "rules": [], "gate_failures": gate}
    # manifest rows that do not parse are no submissions, values that do not look right are not used: say so
    results["manifest_problems"] = [p.as_dict() for p in read_manifest_checked(settings.inbox)[1]]
    quarantined: list[dict[str, Any]] = []
    accepted_frames = {}
    # records: validated chunk by chunk and streamed to validated/records.parquet (bounded memory)
    counts, rejected, failures, rules = _validate_records_in_chunks(catalog)
    results["records_counts"] = counts
    quarantined.extend(rejected)
    gate.extend(failures)
    results["rules"].extend(rules)
    outcomes = run_suite(read_suite("panel"), panel)
    accepted_panel, rejected, failures, rules = _apply_outcomes("panel", panel, outcomes)
    accepted_frames["panel"] = accepted_panel
    quarantined.extend(rejected)
    gate.extend(failures)
    results["rules"].extend(rules)
    results["panel_counts"] = {"rows": len(panel), "accepted": len(accepted_panel), "quarantined": len(rejected),
                               "flagged": int(sum(bool(f) for f in accepted_panel["validation_flags"]))}
    for name in ("records", "panel"):
        c = results[f"{name}_counts"]
        share = c["quarantined"] / c["rows"] if c["rows"] else 0.0
        if share > float(cfg["max_quarantine_share"]):
            gate.append(f"{name}: {share:.0%} of rows quarantined (limit {cfg['max_quarantine_share']:.0%})")
    previous_path = Catalog(settings.out, settings.year - 1).publish_dir / "indicators.parquet"
    previous = io.read_parquet(previous_path) if previous_path.exists() else None
    results["cross_year"] = cross_year_checks(accepted_frames["panel"], previous, float(cfg["cross_year_jump_factor"]))
    results["previous_year_available"] = previous is not None
    results["documents_set_aside"] = documents[documents["disposition"] != "accepted"][
        ["doc", "source_file", "disposition", "reason"]].to_dict("records")
    quarantine = pd.DataFrame(quarantined, columns=["dataset", "row", "rules", "severity", "doc", "indicator",
                                                    "value", "unit", "quote", "record"])
    quarantine = quarantine.astype({"value": "float64", "row": "int64"})
    write_typed(catalog.quarantine, quarantine)  # typed even when no row was quarantined
    accepted_panel = accepted_frames["panel"]
    io.write_parquet(catalog.accepted_panel, accepted_panel,
                     schema=empty_panel_schema(list(accepted_panel.columns)) if accepted_panel.empty else None)
    results["passed"] = not gate
    io.write_json(catalog.validation_results, results)
    if gate:
        raise ValidationGateError("validation gate failed, nothing will be published:\n  " + "\n  ".join(gate))
    log.info("validate: records %s, panel %s", results["records_counts"], results["panel_counts"])
    return {"validation_results": str(catalog.validation_results), "quarantined_rows": len(quarantine),
            "panel_rows": results["panel_counts"]["accepted"]}
