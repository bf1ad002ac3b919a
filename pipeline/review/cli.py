"""``rolindex review``, ``rolindex correct`` and the corrections part of ``rolindex rebuild`` (issue 23)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pipeline import io, storage
from pipeline.catalog import Catalog


def _catalog(year: int, out: str | None) -> Catalog:
    from pipeline.settings import RunSettings

    settings = RunSettings.resolve(year, None, out)
    return Catalog(settings.out, settings.year)


def print_review(year: int, out: str | None, top: int, as_yaml: bool) -> int:
    """Print the top ``top`` rows of the year's published review queue (or their correction rows as YAML).
    Returns the exit code: 0, or 2 when the year has no published queue."""
    catalog = _catalog(year, out)
    path = catalog.publish_dir / "review_queue.parquet"
    if not path.exists():
        print(f"rolindex: no review queue for {year} in {catalog.publish_dir} (run the year first)", file=sys.stderr)
        return 2
    from pipeline.review.queue import explained_share

    queue = io.read_parquet(path)
    head = queue.head(top)
    if as_yaml:
        print(f"year: {year}\ncorrections:")
        for text in head["correction"]:
            print(text.rstrip("\n"))
        return 0
    print(f"rolindex: review queue of {year}: top {len(head)} of {len(queue)} values, "
          f"{explained_share(queue, top):.0%} of the total impact (priority = impact x doubt)")
    for r in head.itertuples():
        reasons = ", ".join(r.doubt_reasons) if r.doubt_reasons is not None and len(r.doubt_reasons) else "-"
        print(f"{r.queue_rank:>3}. {r.priority:7.3f}  {r.unit_name or r.unit_key} · {r.indicator} = {r.value:g}"
              f"{r.unit or ''}  doubt {r.doubt:.2f} ({reasons}); impact {r.impact:.2f} ({r.impact_basis})")
        print(f"       {(r.context or r.quote or '').replace(chr(10), ' ')}")
    print(f"Ready-made correction rows: rolindex review --year {year} --top {top} --yaml")
    return 0


def check_corrections(file: str, year: int, out: str | None) -> int:
    """Check a corrections file against the year's data (schema, anchors, records) without running anything:
    one line per row saying what it will change or why it will not apply. Exit code 0 when every row
    applies, 1 otherwise (or when the file is unusable), 2 when the year has no data."""
    from pipeline.review.corrections import (
        CorrectionsError,
        RecordCorrections,
        apply_document_rows,
        parse_corrections,
        uncorrected_documents_path,
    )

    try:
        rows = parse_corrections(storage.read_bytes(file), file, year)
    except (CorrectionsError, OSError) as exc:
        print(f"rolindex: {exc}", file=sys.stderr)
        return 1
    catalog = _catalog(year, out)
    if not catalog.documents.exists():
        print(f"rolindex: no data for {year} in {catalog.out} (run the year first)", file=sys.stderr)
        return 2
    base_path = uncorrected_documents_path(catalog)
    base = io.read_parquet(base_path if base_path.exists() else catalog.documents)

    def text_of(doc: str) -> str | None:
        path = catalog.text(doc)
        return path.read_text(encoding="utf-8") if path.exists() else None

    documents, report = apply_document_rows(base, rows, text_of, year)
    records = RecordCorrections(catalog, [r for r in rows if r["action"] != "set_document"], documents, base)
    from pipeline.ingest.stage import batches_of
    from pipeline.settings import RunSettings

    for batch in batches_of(RunSettings(year=year, inbox="", out=catalog.out)):
        part_path = catalog.batch_records(batch)
        if part_path.exists():
            records.apply(io.read_parquet(part_path), batch)
    report += records.close_report(year)
    order = {r["id"]: n for n, r in enumerate(rows)}
    report.sort(key=lambda r: order[r["id"]])
    for r in report:
        what = r["effect"] if r["status"] == "applied" else f"{r['problem']}: {r['detail']}"
        print(f"{r['id']}: {'will apply' if r['status'] == 'applied' else 'will NOT apply'} ({r['action']}, "
              f"{r['doc'] or r['document']}): {what}")
    bad = sum(r["status"] != "applied" for r in report)
    print(f"rolindex: {len(report) - bad} of {len(report)} rows apply; run them with "
          f"rolindex run --year {year} --corrections {file}")
    return 1 if bad else 0


def rebuild_changes(log_path: Path, scores: Any, indicators: Any) -> str | None:
    """For ``rolindex rebuild``: when the build applied corrections, check the corrections file and the
    uncorrected inputs are unchanged (sha256) and rebuild the ``changes`` table; None without corrections,
    else a sentence starting with "with" when identical, or what differs."""
    import tempfile

    import pandas as pd

    from pipeline.publish.schemas import write_typed
    from pipeline.review.changes import changes_from_files, changes_path

    logged = io.read_json(storage.location(log_path))
    entry = logged.get("corrections")
    if not entry:
        return None
    for name in ("file", "baseline_panel", "documents_uncorrected"):
        key = "sha256" if name == "file" else f"{name}_sha256"
        path = storage.location(entry[name])
        if not path.exists() or io.sha256_file(path) != entry[key]:
            return f"{path} changed since the build (sha256 differs from the build log)"
    catalog = Catalog(storage.location(log_path).parent.parent.parent, int(logged["year"]))
    changes = changes_from_files(int(logged["year"]), storage.location(entry["baseline_panel"]),
                                 storage.location(entry["documents_uncorrected"]), catalog, (scores, indicators),
                                 logged["spec"], logged["framework"])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            write_typed(Path(tmp) / "changes.parquet", changes, "changes")
            pd.testing.assert_frame_equal(io.read_parquet(Path(tmp) / "changes.parquet"),
                                          io.read_parquet(changes_path(catalog)), check_exact=True)
    except AssertionError as exc:
        return f"the changes table differs: {exc}"
    return f"with {entry['rows']} corrections (sha256 {entry['sha256'][:12]}), {len(changes)} changes identical"


def corrections_line(catalog: Catalog) -> str:
    """One line for the end of ``rolindex run --corrections``: rows applied, rows that did not apply and why,
    and how many changes were published."""
    from pipeline.review.changes import changes_path
    from pipeline.review.corrections import read_report

    report = read_report(catalog)
    bad = report[report["status"] != "applied"]
    path = changes_path(catalog)
    moved = len(io.read_parquet(path)) if path.exists() else 0
    why = "; ".join(f"{r.id}: {r.problem}" for r in bad.itertuples())
    return (f"  corrections: {len(report) - len(bad)} of {len(report)} rows applied, {moved} changes published"
            + (f"; not applied: {why}" if len(bad) else "") + " (corrections_report, changes)")
