"""OCR as its own mapped tasks (issue 21): plan the year's scans into work items, OCR each item's pages
into the year's cache, and read scans from that cache at ingest.

Planning (``plan_scans``, called by ``plan_ingest``): every PDF or image of the inbox is probed in a
guarded child (pdfium: page count and characters of its text layer; PIL: frames). A PDF with a text
layer is read like any text file; the other PDFs and the images are scans. Text files and scans never
share a batch, so the text batches can be ingested while the scans are OCR'd. Scan pages are cut into
work items (``pipeline.batches.ocr_items``: at most ``pages_per_task`` pages, long scans split into page
ranges, at most ``max_ocr_tasks`` items), written to ``raw/year=Y/ocr_plan.parquet``.

Cache: ``raw/year=Y/ocr/<key>/page-00001.json`` per page (``OcrPage``: text, confidence, spans with
their line boxes), each written atomically once its page is done, so a re-run (or a retried task)
only does the pages that are missing. ``<key>`` is the SHA-256 of the file's bytes, the engine and
model versions and the settings that change the text, so a changed file or setting is OCR'd again.
A file the OCR refuses (bomb, corrupt, timeout) gets ``error.json`` with the reason instead.

Ingest (``read_with_ocr_cache``) reads a scan from the cache, OCR'ing any page still missing (a year
run without the ``ocr`` tasks, e.g. ``run_ingest``, does the OCR there), and assembles the pages
(``ocr.assemble_pages``): same text, flags and quarantine reasons as the uncached reader.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from pipeline.ingest.errors import UnreadableFile
from pipeline.ingest.ocr import (
    IMAGE_EXTENSIONS,
    OcrPage,
    OcrSettings,
    assemble_pages,
    box_scale,
    check_page,
    engine_version,
    image_pages,
    load_ocr_settings,
    make_engine,
    ocr_page,
    open_pdf,
    pdf_page_images,
)
from pipeline.ingest.readers import OCR_FALLBACK_REASONS, DecodedFile, read_document, read_pdf

log = logging.getLogger(__name__)

SCAN_EXTENSIONS = (".pdf", *IMAGE_EXTENSIONS)
PROBE_TIMEOUT_SECONDS = 30.0
PROBE_MEMORY_BYTES = 1024 << 20
MIN_TEXT_LAYER_CHARS = 20  # a PDF whose text layer has fewer CJK characters is a scan (as the reader decides)
PLAN_COLUMNS = ["item", "doc", "source_file", "location", "key", "first_page", "last_page", "n_pages"]


def ocr_cache_dir(catalog: Any) -> Any:
    """The year's OCR cache folder: ``raw/year=Y/ocr``."""
    return catalog.zone("raw") / "ocr"


def ocr_plan_path(catalog: Any) -> Any:
    """The year's OCR work items, one row per segment: ``raw/year=Y/ocr_plan.parquet``."""
    return catalog.zone("raw") / "ocr_plan.parquet"


def cache_key(data: bytes, settings: OcrSettings) -> str:
    """SHA-256 of the file, the engine and models, and the settings that change the recognised pages."""
    digest = hashlib.sha256(data)
    digest.update(json.dumps([engine_version(), settings.render_dpi, settings.min_box_score,
                              settings.cell_gap_heights, settings.wrap_right_share,
                              settings.point_doubt_score]).encode())
    return digest.hexdigest()


def _page_path(folder: Any, number: int) -> Any:
    return folder / f"page-{number:05d}.json"


def _unit(ext: str) -> str:
    return "pt" if ext == ".pdf" else "px"


def _count_pages_unguarded(data: bytes, ext: str, settings: OcrSettings, pdf: Any = None) -> int:
    """Pages of a scan (``pdf``: the document when the caller has it open already); raises UnreadableFile."""
    if ext == ".pdf":
        pdf = pdf if pdf is not None else open_pdf(data)
        n = len(pdf)
        pdf.close()
    else:
        import io

        from PIL import Image, UnidentifiedImageError

        Image.MAX_IMAGE_PIXELS = settings.max_image_pixels  # as image_pages: a bomb is refused, not decoded
        try:
            n = getattr(Image.open(io.BytesIO(data)), "n_frames", 1)
        except Image.DecompressionBombError as exc:
            raise UnreadableFile("image_too_large", f"decompression bomb refused: {exc}") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise UnreadableFile("corrupt_image", f"the image could not be decoded: {exc}") from exc
    if n > settings.max_pages:
        raise UnreadableFile("ocr_too_many_pages", f"{n} scanned pages; at most {settings.max_pages} are OCR'd")
    return n


def _probe_unguarded(data: bytes, ext: str, settings: OcrSettings) -> int:
    """Pages to OCR: 0 for a PDF whose text layer has Chinese text (read as text), else its page count."""
    pdf = None
    if ext == ".pdf":
        import re

        try:
            pdf = open_pdf(data)
        except UnreadableFile:
            return 0  # the reader quarantines it
        cjk = 0
        for index in range(len(pdf)):
            text = pdf[index].get_textpage().get_text_range()
            cjk += len(re.findall(r"[\u4e00-\u9fff]", text))
            if cjk >= MIN_TEXT_LAYER_CHARS:
                return 0
    try:
        return _count_pages_unguarded(data, ext, settings, pdf)
    except UnreadableFile:
        return 0  # refused at ingest with its reason; nothing to OCR


def probe_scan(data: bytes, ext: str, settings: OcrSettings) -> int:
    """How many pages of this file the ``ocr`` tasks should recognise (0: not a scan, or refused later),
    decided in a guarded child. A PDF whose pdfium text layer has Chinese text is not a scan; should
    the reader's own check disagree, ingest OCRs it itself."""
    from pipeline.ingest.guard import run_limited

    ext = ext.lower()
    if ext not in SCAN_EXTENSIONS or (ext == ".pdf" and not data.startswith(b"%PDF")):
        return 0
    try:
        pages: int = run_limited(lambda d: _probe_unguarded(d, ext, settings), data, PROBE_TIMEOUT_SECONDS,
                                 PROBE_MEMORY_BYTES)
    except UnreadableFile:
        return 0
    return pages


def _ocr_one_page_unguarded(data: bytes, ext: str, number: int, settings: OcrSettings) -> OcrPage:
    images = pdf_page_images(data, settings, {number}) if ext == ".pdf" else image_pages(data, settings, {number})
    for image in images:
        return ocr_page(make_engine(settings), image, settings, box_scale(_unit(ext), settings))
    raise UnreadableFile("corrupt_image", f"page {number} could not be rendered")


def _write_error(folder: Any, exc: UnreadableFile) -> None:
    from pipeline import io

    io.write_text(folder / "error.json", json.dumps({"reason": exc.reason, "message": str(exc)}), durable=False)


def _raise_cached_error(folder: Any) -> None:
    error = folder / "error.json"
    if error.exists():
        found = json.loads(error.read_text(encoding="utf-8"))
        raise UnreadableFile(found["reason"], found["message"])


def fill_cache(data: bytes, ext: str, folder: Any, settings: OcrSettings, pages: Iterable[int],
               stop_below_floor: bool = False) -> int:
    """OCR the ``pages`` (1-based) of a scan that are not in its cache ``folder`` yet, each in a guarded
    child (``page_timeout_seconds``, ``memory_mib``), each page written atomically when done. Returns the
    number of pages recognised. A refused file leaves ``error.json`` and raises UnreadableFile;
    ``stop_below_floor`` stops (raising) at the first page under the confidence floor."""
    from pipeline import io
    from pipeline.ingest.guard import run_limited

    _raise_cached_error(folder)
    done = 0
    for number in pages:
        target = _page_path(folder, number)
        if target.exists():
            continue
        import rapidocr_onnxruntime  # noqa: F401  (loaded once here: each forked child starts with it)

        try:
            page: OcrPage = run_limited(partial(_ocr_one_page_unguarded, ext=ext, number=number, settings=settings),
                                        data, settings.page_timeout_seconds, settings.memory_mib << 20)
        except UnreadableFile as exc:
            _write_error(folder, exc)
            raise
        io.write_text(target, json.dumps(page.to_json(), ensure_ascii=False), durable=False)
        done += 1
        if stop_below_floor:
            check_page(number, page, settings)
    return done


def read_cached_scan(data: bytes, ext: str, folder: Any, settings: OcrSettings) -> DecodedFile:
    """A scan's DecodedFile from its cache folder, OCR'ing the pages still missing first."""
    from pipeline.ingest.guard import run_limited

    _raise_cached_error(folder)
    n_pages: int = run_limited(lambda d: _count_pages_unguarded(d, ext, settings), data, PROBE_TIMEOUT_SECONDS,
                               PROBE_MEMORY_BYTES)
    fill_cache(data, ext, folder, settings, range(1, n_pages + 1), stop_below_floor=True)
    pages = [OcrPage.from_json(json.loads(_page_path(folder, n).read_text(encoding="utf-8")))
             for n in range(1, n_pages + 1)]
    return assemble_pages(pages, settings, "pdf-ocr" if ext == ".pdf" else "image-ocr", _unit(ext))


def read_with_ocr_cache(data: bytes, extension: str, cache: Any, settings: OcrSettings | None = None) -> DecodedFile:
    """``read_document``, with scans (a PDF without a usable text layer, an image) read from the year's
    OCR ``cache`` folder (``read_cached_scan``). Raises UnreadableFile."""
    ext = extension.lower()
    if ext not in SCAN_EXTENSIONS or (ext == ".pdf" and not data.startswith(b"%PDF")):
        return read_document(data, ext)
    if ext == ".pdf":
        try:
            return read_pdf(data)
        except UnreadableFile as exc:
            if exc.reason not in OCR_FALLBACK_REASONS:
                raise
    elif not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return read_document(data, ext)  # refused with the image reader's reason
    settings = settings or load_ocr_settings()
    return read_cached_scan(data, ext, cache / cache_key(data, settings), settings)


def plan_scans(submissions: Sequence[Any], settings: OcrSettings | None = None) -> tuple[list[bool], list[dict[str, Any]]]:
    """Which submissions are scans, and the OCR plan rows (``PLAN_COLUMNS``) of their pages cut into
    work items. Reads each PDF and image once (guarded probe); other files are not opened."""
    from pipeline import storage
    from pipeline.batches import ocr_items

    settings = settings or load_ocr_settings()
    is_scan: list[bool] = []
    scans: list[tuple[Any, str, int]] = []
    for sub in submissions:
        ext = ("." + sub.source_file.rsplit(".", 1)[-1].lower()) if "." in sub.source_file else ""
        pages = 0
        if ext in SCAN_EXTENSIONS and sub.location is not None and not sub.refused and (sub.size or 0) > 0:
            data = storage.read_bytes(sub.location)
            pages = probe_scan(data, ext, settings)
            if pages:
                scans.append((sub, cache_key(data, settings), pages))
        is_scan.append(pages > 0)
    rows = [{"item": item, "doc": scans[scan][0].doc, "source_file": scans[scan][0].source_file,
             "location": str(scans[scan][0].location), "key": scans[scan][1], "first_page": first, "last_page": last,
             "n_pages": scans[scan][2]}
            for item, segments in enumerate(ocr_items([n for _, _, n in scans], settings.pages_per_task,
                                                      settings.max_ocr_tasks))
            for scan, first, last in segments]
    return is_scan, rows


def item_label(catalog: Any, item: int) -> str:
    """What the UI shows for an ``ocr`` task: ``ocr 0: scan.pdf p1-2, photo.jpg p1``."""
    from pipeline import io

    plan = io.read_parquet(ocr_plan_path(catalog))
    rows = plan[plan["item"] == item]
    parts = [f"{r.source_file} p{r.first_page}" + (f"-{r.last_page}" if r.last_page != r.first_page else "")
             for r in rows.itertuples()]
    label = ", ".join(parts[:3]) + (f" +{len(parts) - 3}" if len(parts) > 3 else "")
    return f"ocr {item}: {label}"


def ocr_item(settings: Any, item: int) -> dict[str, Any]:
    """The ``ocr`` task: recognise one work item's pages into the year's cache (pages already there are
    kept). A refused file is left to ingest, which quarantines it with the reason. Returns counts."""
    from pipeline import io, storage
    from pipeline.catalog import Catalog

    catalog = Catalog(settings.out, settings.year)
    ocr_settings = load_ocr_settings()
    plan = io.read_parquet(ocr_plan_path(catalog))
    rows = plan[plan["item"] == item]
    recognised = refused = 0
    for row in rows.itertuples():
        data = storage.read_bytes(row.location)
        ext = "." + row.source_file.rsplit(".", 1)[-1].lower()
        folder = ocr_cache_dir(catalog) / cache_key(data, ocr_settings)
        try:
            recognised += fill_cache(data, ext, folder, ocr_settings, range(row.first_page, row.last_page + 1))
        except UnreadableFile as exc:
            refused += 1
            log.warning("ocr item %d: %s refused (%s: %s)", item, row.source_file, exc.reason, exc)
    pages = int((rows["last_page"] - rows["first_page"] + 1).sum()) if len(rows) else 0
    log.info("ocr item %d: %d pages of %d scans, %d recognised now, %d cached before", item, pages, len(rows),
             recognised, pages - recognised)
    return {"item": item, "pages": pages, "recognised": recognised, "refused": refused}


def plan_year(settings: Any) -> dict[str, list[int]]:
    """The DAG's plan: ``plan_ingest`` (the year's batches and OCR items), split into what the mapped
    tasks take: ``text`` batches (ingested at once), ``ocr`` items, ``scans`` batches (ingested once the
    OCR is done) and ``all`` batches (normalised)."""
    from pipeline import io
    from pipeline.catalog import Catalog
    from pipeline.ingest.stage import plan_ingest

    batches = plan_ingest(settings)
    catalog = Catalog(settings.out, settings.year)
    plan = io.read_parquet(ocr_plan_path(catalog))
    submissions = io.read_parquet(catalog.submissions)
    scans = sorted({int(b) for b in submissions.loc[submissions["doc"].isin(set(plan["doc"])), "batch"]})
    return {"text": [b for b in batches if b not in scans], "scans": scans,
            "ocr": sorted({int(i) for i in plan["item"]}), "all": batches}
