"""Publish stage: index and validation outputs -> publish/year=Y/ (parquet, CSV, charts, HTML report)."""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline import io
from pipeline.catalog import Catalog
from pipeline.config import load_config
from pipeline.demo import is_generated
from pipeline.index.framework import load_framework
from pipeline.publish.cells import neutralise_text_cells
from pipeline.publish.charts import dimension_heatmap, ranked_bar, save_chart, slope_chart
from pipeline.publish.package import datapackage, write_workbook
from pipeline.publish.report import render_report
from pipeline.publish.run_summary import build_run_summary
from pipeline.publish.schemas import conform, table_schema
from pipeline.publish.summary import render_summary
from pipeline.settings import RunSettings

log = logging.getLogger(__name__)


def csv_bytes(frame: Any) -> bytes:
    """CSV for spreadsheets: UTF-8 with BOM (Excel opens Chinese correctly), lists joined with ';', text cells
    that a spreadsheet would take for a formula neutralised (``cells.neutralise_text_cells``); lines end in
    CRLF (RFC 4180, the Frictionless default dialect), so a cell holding a CR or LF is always quoted."""
    flat = frame.copy()
    for column in flat.columns:
        if flat[column].map(lambda v: isinstance(v, list)).any():
            flat[column] = flat[column].map(lambda v: ";".join(v) if isinstance(v, list) else v)
    return neutralise_text_cells(flat).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


GENERATED_BANNER = ("<div style='background:#b03a2e;color:#fff;padding:.5em 1em;font-weight:bold'>"
                    "生成数据，非真实数字 · Generated data — not real figures (rolindex demo)</div>")


def _mark_generated_pages(out: Path) -> None:
    """Stamp every HTML page of a demo year's publication with the generated-data banner."""
    for page in sorted(out.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        io.write_text(page, html.replace("<body>", "<body>" + GENERATED_BANNER, 1))


def _chart(fig: Any, generated: bool) -> Any:
    """A chart, stamped "generated data — not real figures" for a demo year."""
    if generated:
        fig.text(0.5, 0.5, "生成数据 · GENERATED DATA — NOT REAL FIGURES", ha="center", va="center", fontsize=22,
                 color="#b03a2e", alpha=0.25, rotation=20, transform=fig.transFigure, zorder=100)
    return fig


def with_evidence_pages(indicators: Any, documents: Any, catalog: Catalog) -> Any:
    """``indicators`` with ``page``, ``box`` and ``box_unit`` columns: the page(s) of each value's evidence
    in a scanned or OFD report (from its page-start flag and offset map), and for a scan the recognised
    line box(es) of the evidence on its page (``ocr.evidence_boxes``: ``[x0, y0, x1, y1]`` in PDF points
    or image pixels from the top-left corner); None for text reports. A value whose evidence holds a
    possibly lost decimal point (``ocr.evidence_doubts``) gets the flag ``ocr_point_doubt``."""
    import io as std_io

    import numpy as np

    from pipeline.ingest.dedupe import pd_object
    from pipeline.ingest.ocr import (
        boxes_path,
        evidence_boxes,
        evidence_doubts,
        evidence_pages,
        page_starts,
        read_boxes,
    )

    flags_of = {d: list(f) if f is not None else [] for d, f in zip(documents["doc"], documents["flags"], strict=True)}
    pages: list[str | None] = [None] * len(indicators)
    boxes: list[str | None] = [None] * len(indicators)
    units: list[str | None] = [None] * len(indicators)
    doubtful: set[int] = set()
    frame = indicators.reset_index(drop=True)
    for doc, rows in frame.groupby("doc", sort=True):
        flags = flags_of.get(doc, [])
        if page_starts(flags) is None:
            continue
        offsets = np.load(std_io.BytesIO(catalog.offsets(doc).read_bytes()))
        starts, ends = rows["start"].astype(int).tolist(), rows["end"].astype(int).tolist()
        unit, doc_boxes = read_boxes(boxes_path(catalog, doc))
        for i, page, box, doubt in zip(rows.index, evidence_pages(starts, ends, offsets, flags),
                                       evidence_boxes(starts, ends, offsets, doc_boxes),
                                       evidence_doubts(starts, ends, offsets, flags), strict=True):
            pages[i], boxes[i], units[i] = page, box, (unit if box else None)
            if doubt:  # the OCR may have lost a decimal point inside this value's evidence
                doubtful.add(i)
    if doubtful:
        flagged = [[*(list(f) if f is not None else []), "ocr_point_doubt"] if i in doubtful else f
                   for i, f in enumerate(frame["flags"])]
        frame = frame.assign(flags=pd_object(flagged, frame.index))
    return frame.assign(page=pages, box=boxes, box_unit=units)


def _write_unit_pages(out: Path, settings: RunSettings, catalog: Catalog, scores: Any, indicators: Any,
                      missing: Any, yoy: Any, method_version: str) -> dict[str, str]:
    """``units/<unit_key>.html`` for every unit (evidence from the accepted reports' clean texts);
    returns unit_key -> relative path."""
    from pipeline.extract.catalogue import load_catalogue
    from pipeline.publish.unit_pages import write_unit_pages

    def text_of(doc: str) -> str | None:
        try:
            return catalog.text(doc).read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None

    dimension_names = {d["code"]: d.get("name_zh", d["code"]) for d in load_config("framework")["dimensions"]}
    indicator_names = {i.code: i.name_zh for i in load_catalogue().indicators}
    records = io.open_parquet(catalog.accepted_records)
    if "role" in records.schema_arrow.names and len(indicators):  # each published value's role (issue 19)
        roles = records.read(columns=["doc", "start", "role"]).to_pandas().drop_duplicates(["doc", "start"])
        indicators = indicators.merge(roles, on=["doc", "start"], how="left")
    return write_unit_pages(out, scores, indicators, missing, yoy, settings.year, method_version, dimension_names,
                            indicator_names, text_of, io.write_text)


def run_publish(settings: RunSettings) -> dict[str, Any]:
    """Write every published file of the year into a staging folder, then swap it in by rename:
    a failure (disk full, a killed worker) leaves the previous publication untouched."""
    catalog = Catalog(settings.out, settings.year)
    with io.atomic_directory(catalog.publish_dir, manifest="datapackage.json") as staging:
        result = _publish_into(staging, settings, catalog)
    final = catalog.publish_dir
    result["charts"] = [str(final / Path(c).relative_to(staging)) for c in result["charts"]]
    log.info("publish: %s", final)
    return {**result, "publish_dir": str(final)}


def _publish_into(out: Path, settings: RunSettings, catalog: Catalog) -> dict[str, Any]:
    scores = io.read_parquet(catalog.scores)
    indicators = io.read_parquet(catalog.indicator_scores)
    documents = io.read_parquet(catalog.documents)
    quarantine = io.read_parquet(catalog.quarantine)
    results = io.read_json(catalog.validation_results)
    audit = io.read_parquet(catalog.audit)
    yoy = io.read_parquet(catalog.year_over_year)
    missing = io.read_parquet(catalog.missing)
    method_version = str(load_config("index")["method_version"])
    dimensions = load_framework(settings.year).dimensions
    indicators = with_evidence_pages(indicators, documents, catalog)
    from pipeline.review.publish import review_tables, with_review_sections  # the auditor's loop (issue 23)

    indicators, review = review_tables(catalog, indicators, scores)
    # per-unit profiles and the Sobol table of the ranks (issue 20)
    profiles = io.read_parquet(catalog.zone("index") / "profiles.parquet")
    sensitivity = io.read_parquet(catalog.zone("index") / "sensitivity.parquet")
    tables = {"scores": scores, "indicators": indicators, "documents": documents, "audit": audit,
              "year_over_year": yoy, "missing": missing, "profiles": profiles, "sensitivity": sensitivity, **review}
    schemas, conformed = {}, {}
    for name, frame in tables.items():
        schemas[name] = table_schema(name, dimensions, method_version)
        conformed[name] = conform(frame, schemas[name])
        io.write_parquet(out / f"{name}.parquet", conformed[name], schema=schemas[name])
        if name != "documents":
            io.write_bytes(out / f"{name}.csv", csv_bytes(conformed[name]))
    write_workbook(out / f"rolindex_{settings.year}.xlsx", conformed, schemas, settings.year, method_version)
    io.write_text(out / "validation_report.html", with_review_sections(
        render_report(results, documents, quarantine, scores, audit, yoy, missing), review))
    io.write_bytes(out / "validation_results.json", catalog.validation_results.read_bytes())
    charts: list[str] = []
    generated = is_generated(settings.out)  # a demo year: every chart and page says so
    for level in sorted(scores["peer_group"].dropna().unique()):  # a group nobody passed: its disclosure chart
        charts += map(str, save_chart(_chart(ranked_bar(scores, level, settings.year, method_version), generated),
                                      out / "charts" / f"ranked_{level}"))
    if scores["score"].notna().any():
        names = {d["code"]: d.get("name_zh", d["code"]) for d in load_config("framework")["dimensions"]}
        charts += map(str, save_chart(_chart(dimension_heatmap(scores, names, settings.year, method_version),
                                             generated),
                                      out / "charts" / "dimensions_heatmap"))
    if len(yoy):
        charts += map(str, save_chart(_chart(slope_chart(yoy, settings.year, method_version), generated),
                                      out / "charts" / "year_over_year_slope"))
    io.write_json(out / "run_summary.json", build_run_summary(results, documents, scores))
    unit_pages = _write_unit_pages(out, settings, catalog, scores, indicators, missing, yoy, method_version)
    relative_charts = [str(Path(c).relative_to(out).as_posix()) for c in charts]
    files = sorted(p.relative_to(out).as_posix() for p in out.iterdir()
                   if p.is_file() and p.suffix in (".parquet", ".csv", ".xlsx", ".json", ".html")
                   and not p.name.startswith(".") and p.name != "index.html")
    io.write_text(out / "index.html", render_summary(settings.year, method_version, scores, yoy,
                                                     relative_charts, [*files, "datapackage.json"],
                                                     n_accepted=int(results["accounting"]["accepted"]),
                                                     unit_pages=unit_pages))
    # no local path in a published file: the inbox by its last path component, the build log relative to
    # the data root (the same bytes whatever the output root)
    inputs = {"inbox": PurePosixPath(str(settings.inbox).rstrip("/")).name,
              "validation_results": "validation_results.json",
              "build_log": f"index/year={settings.year}/build_log.json"}
    if generated:
        _mark_generated_pages(out)
    io.write_json(out / "datapackage.json", datapackage(out, schemas, settings.year, method_version, inputs))
    return {"publish_dir": str(out), "year": settings.year, "charts": charts}
