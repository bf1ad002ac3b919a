"""The publish stage's part of the auditor's loop (issue 23): lineage columns on the indicators, and the
``changes``, ``review_queue`` and ``corrections_report`` tables; their sections of the validation report."""

from __future__ import annotations

from html import escape
from typing import Any

from pipeline import io
from pipeline.catalog import Catalog
from pipeline.config import load_config
from pipeline.review.changes import CHANGE_COLUMNS, changes_path
from pipeline.review.corrections import read_lineage, read_report, with_lineage
from pipeline.review.queue import queue_section, review_queue


def review_tables(catalog: Catalog, indicators: Any, scores: Any) -> tuple[Any, dict[str, Any]]:
    """(catalog of the run, indicators to publish, scores) -> (indicators with ``origin``, ``original_value``,
    ``correction_id``; {"changes", "review_queue", "corrections_report"} frames)."""
    import pandas as pd

    indicators = with_lineage(indicators, read_lineage(catalog))
    path = changes_path(catalog)
    changes = io.read_parquet(path) if path.exists() else pd.DataFrame(columns=CHANGE_COLUMNS)
    records = io.read_parquet(catalog.accepted_records)

    def text_of(doc: str) -> str | None:
        try:
            return str(catalog.text(doc).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    queue = review_queue(indicators, scores, records, text_of, load_config("review"))
    return indicators, {"changes": changes, "review_queue": queue, "corrections_report": read_report(catalog)}


def with_review_sections(html: str, tables: dict[str, Any]) -> str:
    """The validation report with the review queue and, when the run had corrections, their outcome and
    what they changed, inserted before the end of the page."""
    rows = int(load_config("review")["report_rows"])
    parts = [queue_section(tables["review_queue"], rows)]
    report, changes = tables["corrections_report"], tables["changes"]
    if len(report):
        applied = int((report["status"] == "applied").sum())
        parts.append("<h2 id='corrections'>Corrections</h2>")
        parts.append(f"<p>{applied} of {len(report)} correction rows applied; an inapplicable row says why "
                     "(table <code>corrections_report</code>). Values they changed are published with "
                     "<code>origin</code> corrected or added and their <code>original_value</code>.</p>")
        parts.append(_table(["id", "action", "status", "problem", "effect or detail", "reviewer", "reason", "date"],
                            [[r.id, r.action, r.status, r.problem or "", r.effect or r.detail or "", r.reviewer,
                              r.reason, r.date] for r in report.itertuples()]))
        parts.append(f"<p>What moved (the year built with and without them): {len(changes)} changes.</p>")
        if len(changes):
            parts.append(_table(["unit", "change", "indicator", "before", "after", "corrections", "note"],
                                [[r.unit_name or r.unit_key, r.change, r.indicator or "", _num(r.before),
                                  _num(r.after), r.correction_ids or "", r.note or ""] for r in changes.itertuples()]))
    section = "\n".join(parts)
    end = html.rfind("</body>")
    return html[:end] + section + "\n" + html[end:] if end >= 0 else html + section


def _num(v: Any) -> str:
    return "—" if v is None or v != v else f"{float(v):g}"


def _table(head: list[str], rows: list[list[Any]]) -> str:
    return ("<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
            + "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
            + "</tbody></table>")
