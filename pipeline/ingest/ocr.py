"""OCR of scanned PDFs and page images (PNG/JPEG/TIFF), offline, in a guarded child process.

Engine: ``rapidocr-onnxruntime`` (PP-OCRv4 Chinese detection and recognition, a direction classifier),
whose ONNX models ship inside the wheel: nothing is downloaded at run time. PDF pages are rendered with
``pypdfium2``. Settings come from ``configs/ocr.yaml``.

What a read returns (``DecodedFile``): the text of every page, pages separated by a blank line;
encoding ``ocr``; flags ``ocr:<engine and model versions>``, ``ocr_pages:<raw offset of each page>``
and ``ocr_confidence:<mean score of each page>``. ``page_of`` turns a raw-text offset (the offset maps
of the normalise stage lead from clean-text evidence to it) into a 1-based page number. A page whose
confidence is under ``min_page_confidence`` makes the document unreadable (``ocr_low_confidence``),
so it is quarantined with the page and its score in the reason.
"""

from __future__ import annotations

import bisect
import io
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.ingest.errors import UnreadableFile
from pipeline.ingest.readers import TABLE_CELL_SEPARATOR, DecodedFile, check_is_text

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
OCR_ENGINE = "rapidocr-onnxruntime"
OCR_MODELS = "PP-OCRv4-det-ch+PP-OCRv4-rec-ch+mobile-v2.0-cls"
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


@dataclass(frozen=True)
class OcrSettings:
    """``configs/ocr.yaml`` as typed values."""

    render_dpi: int = 200
    min_page_confidence: float = 0.90
    min_box_score: float = 0.5
    max_pages: int = 60
    max_image_pixels: int = 60_000_000
    timeout_seconds: float = 900.0
    memory_mib: int = 3072
    threads: int = 1
    cell_gap_heights: float = 1.5
    wrap_right_share: float = 0.93
    point_doubt_score: float = 0.05
    page_timeout_seconds: float = 300.0
    pages_per_task: int = 8
    max_ocr_tasks: int = 512


def load_ocr_settings() -> OcrSettings:
    """The OCR settings from ``configs/ocr.yaml`` (schema-checked)."""
    from pipeline.config import load_config

    return OcrSettings(**load_config("ocr"))


Span = tuple[int, int, float, float, float, float]  # (start, end, x0, y0, x1, y1): chars of a page text and their box


@dataclass(frozen=True)
class OcrBox:
    """One recognised text line piece: its corner points (x, y pixels), text, score (0..1) and, when the
    engine gives them, the score of each numeral (digits, decimal point, percent sign)."""

    points: tuple[tuple[float, float], ...]
    text: str
    score: float
    numeral_scores: tuple[float, ...] = ()

    @property
    def left(self) -> float:
        return min(p[0] for p in self.points)

    @property
    def right(self) -> float:
        return max(p[0] for p in self.points)

    @property
    def top(self) -> float:
        return min(p[1] for p in self.points)

    @property
    def bottom(self) -> float:
        return max(p[1] for p in self.points)


@dataclass(frozen=True)
class OcrPage:
    """One page's text (lines joined), its mean score weighted by characters, its box count and the
    character span and line box of each recognised piece (``Span``; PDF points or image pixels)."""

    text: str
    confidence: float
    n_boxes: int
    spans: tuple[Span, ...] = ()
    numeral_confidence: float = 1.0  # lowest score of a recognised numeral (digit, point, %) on the page
    point_doubts: tuple[int, ...] = ()  # page-text offsets where a decimal point may be missing
    point_gap_score: float = 0.0  # highest "." score of a skipped frame beside digits (calibration)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": self.confidence, "n_boxes": self.n_boxes,
                "spans": [list(s) for s in self.spans], "numeral_confidence": self.numeral_confidence,
                "point_doubts": list(self.point_doubts), "point_gap_score": self.point_gap_score}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> OcrPage:
        spans = tuple((int(a), int(b), float(x0), float(y0), float(x1), float(y1))
                      for a, b, x0, y0, x1, y1 in obj["spans"])
        return cls(str(obj["text"]), float(obj["confidence"]), int(obj["n_boxes"]), spans,
                   float(obj.get("numeral_confidence", 1.0)), tuple(int(d) for d in obj.get("point_doubts", ())),
                   float(obj.get("point_gap_score", 0.0)))


@cache
def engine_version() -> str:
    """``rapidocr-onnxruntime <v>/onnxruntime <v>/<models>``: what a reader of the flag needs to redo it."""
    from importlib.metadata import version

    return f"{OCR_ENGINE} {version(OCR_ENGINE)}/onnxruntime {version('onnxruntime')}/{OCR_MODELS}"


def page_layout(boxes: Sequence[OcrBox], settings: OcrSettings = OcrSettings()) -> tuple[str, list[tuple[int, int, OcrBox]]]:
    """Boxes of one page -> (its text, lines joined by newlines, in reading order; each box's
    ``(start, end, box)`` character span in that text).

    Boxes whose vertical centres fall within half a line height of each other form one line (left to
    right); pieces further apart than ``cell_gap_heights`` line heights are table cells, joined by the
    table separator the other readers use. A line that reaches ``wrap_right_share`` of the page's text
    width was wrapped by the layout: the next line continues it (no line break inside a sentence)."""
    if not boxes:
        return "", []
    ordered = sorted(boxes, key=lambda b: ((b.top + b.bottom) / 2, b.left))
    rows: list[list[OcrBox]] = []
    for box in ordered:
        centre = (box.top + box.bottom) / 2
        if rows:
            last = rows[-1]
            height = sum(b.bottom - b.top for b in last) / len(last)
            last_centre = sum((b.top + b.bottom) / 2 for b in last) / len(last)
            if abs(centre - last_centre) < height / 2:
                last.append(box)
                continue
        rows.append([box])
    left_edge = min(b.left for b in boxes)
    right_edge = max(b.right for b in boxes)
    width = max(right_edge - left_edge, 1.0)
    text = ""
    spans: list[tuple[int, int, OcrBox]] = []
    wrapped = False
    for row in rows:
        row.sort(key=lambda b: b.left)
        height = sum(b.bottom - b.top for b in row) / len(row)
        if text and not wrapped:
            text += "\n"
        for i, box in enumerate(row):
            if i and box.left - row[i - 1].right > settings.cell_gap_heights * height:
                text += TABLE_CELL_SEPARATOR
            spans.append((len(text), len(text) + len(box.text), box))
            text += box.text
        wrapped = len(row) == 1 and (row[-1].right - left_edge) >= settings.wrap_right_share * width
    return text, spans


def page_lines(boxes: Sequence[OcrBox], settings: OcrSettings = OcrSettings()) -> list[str]:
    """Boxes of one page -> its text lines, in reading order (``page_layout`` without the spans)."""
    text, _spans = page_layout(boxes, settings)
    return text.split("\n") if boxes else []


NUMERALS = frozenset("0123456789.%．％")


def boxes_from_engine(result: Any) -> list[OcrBox]:
    """The engine's ``[[points, text, score], ...]`` (or None for a blank page) as OcrBox objects; rows
    with word details (``return_word_box``: ``[..., word boxes, words, word scores]``) also give the
    scores of the numerals."""
    boxes = []
    for row in result or []:
        points, text, score = row[0], row[1], row[2]
        numerals: tuple[float, ...] = ()
        if len(row) >= 6:
            numerals = tuple(float(c) for word, c in zip(row[4], row[5], strict=False) if word in NUMERALS)
        boxes.append(OcrBox(tuple((float(x), float(y)) for x, y in points), str(text), float(score), numerals))
    return boxes


def page_confidence(boxes: Sequence[OcrBox]) -> float:
    """Mean box score weighted by the number of characters (1.0 for a page with no text)."""
    chars = sum(len(b.text) for b in boxes)
    if not chars:
        return 1.0
    return sum(b.score * len(b.text) for b in boxes) / chars


class DoubtingDecoder:
    """Wraps the recogniser's CTC decoder (same results) and notes, per recognised line, where a decimal
    point may have been lost: a frame between two digits (or after the line's last digit) whose best
    guess is no character but which gives ``.`` some score. A point the model hesitated over is what a
    ten-fold wrong value looks like in the scores: the line's mean score stays high. ``gaps[text]`` =
    ``(insertion offset in the line's text, highest ``.`` score)`` of each such gap scoring 0.01 or more;
    a gap scoring ``point_score`` or more is a doubt."""

    def __init__(self, decoder: Any, point_score: float) -> None:
        self.decoder = decoder
        self.point_score = point_score
        self.character = decoder.character
        self.gaps: dict[str, tuple[tuple[int, float], ...]] = {}
        self.point = self.character.index(".") if "." in self.character else -1
        self.digits = frozenset(i for i, c in enumerate(self.character) if c.isdigit())

    def __call__(self, preds: Any, return_word_box: bool = False, **kwargs: Any) -> Any:
        result = self.decoder(preds, return_word_box, **kwargs)
        if self.point >= 0:
            for frames, row in zip(preds, result, strict=False):
                found = self.line_gaps(frames)
                if found:
                    self.gaps[str(row[0])] = found
        return result

    def line_gaps(self, frames: Any) -> tuple[tuple[int, float], ...]:
        """(insertion offset in the decoded text, ``.`` score) of the gaps of one line's frame scores."""
        best = frames.argmax(axis=1)
        emitted: list[int] = []  # class of each emitted character, in order
        gaps: list[tuple[int, float]] = []
        previous = -1
        pending = 0.0  # highest "." score of a skipped frame since the last emitted character
        for t, cls in enumerate(best):
            cls = int(cls)
            if cls != 0 and cls != previous:
                if pending >= 0.01 and emitted and emitted[-1] in self.digits and cls in self.digits:
                    gaps.append((len(emitted), round(pending, 4)))
                pending = 0.0
                emitted.append(cls)
            elif cls != self.point:
                pending = max(pending, float(frames[t, self.point]))
            previous = cls
        if pending >= 0.01 and emitted and emitted[-1] in self.digits:
            gaps.append((len(emitted), round(pending, 4)))  # at the end of a line: the number may go on
        return tuple(gaps)

    def line_doubts(self, frames: Any) -> tuple[int, ...]:
        """Insertion offsets of the gaps of one line that score ``point_score`` or more."""
        return tuple(k for k, score in self.line_gaps(frames) if score >= self.point_score)


def make_engine(settings: OcrSettings) -> Any:
    """A RapidOCR engine with the bundled models (``threads`` onnxruntime threads), its decoder wrapped
    in a ``DoubtingDecoder``."""
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(intra_op_num_threads=settings.threads, inter_op_num_threads=1, text_score=settings.min_box_score)
    engine.text_rec.postprocess_op = DoubtingDecoder(engine.text_rec.postprocess_op, settings.point_doubt_score)
    return engine


def ocr_page(engine: Any, image: Any, settings: OcrSettings = OcrSettings(), scale: float = 1.0) -> OcrPage:
    """OCR one page image (RGB numpy array) -> its text, confidence, box count and spans; box corners are
    image pixels times ``scale`` (72 / dpi for a rendered PDF page: PDF points from the top-left corner)."""
    decoder = getattr(getattr(engine, "text_rec", None), "postprocess_op", None)
    gaps_of: dict[str, tuple[tuple[int, float], ...]] = decoder.gaps if isinstance(decoder, DoubtingDecoder) else {}
    gaps_of.clear()
    result, _elapsed = engine(image, text_score=settings.min_box_score, return_word_box=True)
    boxes = [b for b in boxes_from_engine(result) if b.text.strip()]
    text, spans = page_layout(boxes, settings)
    numerals = [c for b in boxes for c in b.numeral_scores]
    gaps = [(a + k, score) for a, _b, box in spans for k, score in gaps_of.get(box.text, ())]
    return OcrPage(text, page_confidence(boxes), len(boxes),
                   tuple((a, b, round(box.left * scale, 1), round(box.top * scale, 1), round(box.right * scale, 1),
                          round(box.bottom * scale, 1)) for a, b, box in spans),
                   round(min(numerals), 4) if numerals else 1.0,
                   tuple(sorted(k for k, score in gaps if score >= settings.point_doubt_score)),
                   max((score for _k, score in gaps), default=0.0))


def open_pdf(data: bytes) -> Any:
    """A PDF's bytes opened by pdfium (a ``PdfDocument``); raises UnreadableFile (encrypted_pdf /
    corrupt_pdf) when pdfium cannot open it."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = "encrypted_pdf" if "password" in str(exc).lower() else "corrupt_pdf"
        raise UnreadableFile(reason, f"pdfium could not open it: {exc}") from exc


def pdf_page_images(data: bytes, settings: OcrSettings, pages: Collection[int] | None = None) -> Iterator[Any]:
    """Each page of a PDF (or only the 1-based ``pages``) rendered at ``render_dpi`` as an RGB numpy
    array. Raises UnreadableFile."""
    pdf = open_pdf(data)
    n_pages = len(pdf)
    if n_pages > settings.max_pages:
        raise UnreadableFile("ocr_too_many_pages", f"{n_pages} scanned pages; at most {settings.max_pages} are OCR'd")
    scale = settings.render_dpi / 72
    for index in range(n_pages):
        if pages is not None and index + 1 not in pages:
            continue
        page = pdf[index]
        width, height = page.get_size()
        if width * scale * height * scale > settings.max_image_pixels:
            raise UnreadableFile("image_too_large", f"page {index + 1} renders to more than "
                                                    f"{settings.max_image_pixels} pixels at {settings.render_dpi} dpi")
        yield page.render(scale=scale).to_numpy()[:, :, :3][:, :, ::-1].copy()  # BGR(x) -> RGB
        page.close()
    pdf.close()


def image_pages(data: bytes, settings: OcrSettings, pages: Collection[int] | None = None) -> Iterator[Any]:
    """Each frame of a PNG/JPEG/TIFF (or only the 1-based ``pages``) as an RGB numpy array; refuses
    decompression bombs before decoding."""
    import numpy as np
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    if not data.startswith(_IMAGE_MAGIC):
        raise UnreadableFile("corrupt_image", "not a PNG, JPEG or TIFF image")
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels  # PIL raises past twice this; checked exactly below
    try:
        image = Image.open(io.BytesIO(data))
        n_frames = getattr(image, "n_frames", 1)
        if n_frames > settings.max_pages:
            raise UnreadableFile("ocr_too_many_pages", f"{n_frames} image frames; at most {settings.max_pages} are OCR'd")
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if pages is not None and number not in pages:
                continue
            if frame.width * frame.height > settings.max_image_pixels:
                raise UnreadableFile("image_too_large", f"{frame.width}x{frame.height} pixels is over "
                                                        f"{settings.max_image_pixels}")
            upright = ImageOps.exif_transpose(frame.convert("RGB"))
            yield np.asarray(upright)
    except Image.DecompressionBombError as exc:
        raise UnreadableFile("image_too_large", f"decompression bomb refused: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnreadableFile("corrupt_image", f"the image could not be decoded: {exc}") from exc


def check_page(number: int, page: OcrPage, settings: OcrSettings) -> None:
    """Raise UnreadableFile ``ocr_low_confidence`` if page ``number`` (1-based) is under the floor."""
    if page.n_boxes and page.confidence < settings.min_page_confidence:
        raise UnreadableFile("ocr_low_confidence", f"page {number}: OCR confidence {page.confidence:.2f} is under "
                                                   f"{settings.min_page_confidence:.2f} ({page.n_boxes} text boxes)")


def assemble_pages(pages: Sequence[OcrPage], settings: OcrSettings, fmt: str, unit: str) -> DecodedFile:
    """OCR'd pages -> one DecodedFile: texts joined by a blank line, the flags of the module doc plus
    ``ocr_box_unit:<pt|px>``, and every span's box at its raw-text offsets with its page. Raises
    UnreadableFile ``ocr_low_confidence`` naming the first page under the floor, ``empty`` if no text."""
    starts: list[int] = []
    boxes: list[tuple[int, int, int, float, float, float, float]] = []
    doubts: list[int] = []
    offset = 0
    for number, page in enumerate(pages, start=1):
        check_page(number, page, settings)
        starts.append(offset)
        boxes.extend((offset + a, offset + b, number, x0, y0, x1, y1) for a, b, x0, y0, x1, y1 in page.spans)
        doubts.extend(offset + d for d in page.point_doubts)
        offset += len(page.text) + 2  # pages are joined by a blank line
    text = "\n\n".join(p.text for p in pages)
    if not text.strip():
        raise UnreadableFile("empty", f"OCR found no text on {len(pages)} page(s)")
    check_is_text(text)
    flags = (f"ocr:{engine_version()}", "ocr_pages:" + ",".join(map(str, starts)),
             "ocr_confidence:" + ",".join(f"{p.confidence:.3f}" for p in pages), f"ocr_box_unit:{unit}",
             *(["ocr_point_doubts:" + ",".join(map(str, doubts))] if doubts else []))
    return DecodedFile(text, "ocr", fmt, flags, tuple(boxes))


def box_scale(unit: str, settings: OcrSettings) -> float:
    """Factor from page-image pixels to the published box unit: ``pt`` (PDF points, 72 per inch, of a
    page rendered at ``render_dpi``) or ``px`` (pixels of a submitted image)."""
    return 72 / settings.render_dpi if unit == "pt" else 1.0


def ocr_pages(images: Iterator[Any], settings: OcrSettings, fmt: str, unit: str = "px") -> DecodedFile:
    """OCR page images into one DecodedFile (``assemble_pages``); stops at the first page under the
    confidence floor."""
    engine = make_engine(settings)
    pages: list[OcrPage] = []
    for number, image in enumerate(images, start=1):
        page = ocr_page(engine, image, settings, box_scale(unit, settings))
        check_page(number, page, settings)
        pages.append(page)
    return assemble_pages(pages, settings, fmt, unit)


def _ocr_pdf_unguarded(data: bytes, settings: OcrSettings) -> DecodedFile:
    return ocr_pages(pdf_page_images(data, settings), settings, "pdf-ocr", "pt")


def _ocr_image_unguarded(data: bytes, settings: OcrSettings) -> DecodedFile:
    return ocr_pages(image_pages(data, settings), settings, "image-ocr", "px")


def read_scanned_pdf(data: bytes, settings: OcrSettings | None = None) -> DecodedFile:
    """OCR every page of a PDF without a usable text layer, in a child with time and memory limits."""
    from pipeline.ingest.guard import run_limited

    settings = settings or load_ocr_settings()
    result: DecodedFile = run_limited(lambda d: _ocr_pdf_unguarded(d, settings), data, settings.timeout_seconds,
                                      settings.memory_mib << 20)
    return result


def read_image(data: bytes, settings: OcrSettings | None = None) -> DecodedFile:
    """OCR a PNG/JPEG/TIFF (each TIFF frame a page), in a child with time and memory limits."""
    from pipeline.ingest.guard import run_limited

    settings = settings or load_ocr_settings()
    result: DecodedFile = run_limited(lambda d: _ocr_image_unguarded(d, settings), data, settings.timeout_seconds,
                                      settings.memory_mib << 20)
    return result


def page_starts(flags: Sequence[str]) -> list[int] | None:
    """The raw-text offset where each page starts (the ``ocr_pages:`` flag of an OCR'd document, or
    ``ofd_pages:`` of an OFD), or None."""
    for flag in flags:
        if flag.startswith(("ocr_pages:", "ofd_pages:")):
            return [int(x) for x in flag.split(":", 1)[1].split(",") if x]
    return None


def page_of(raw_offset: int, flags: Sequence[str]) -> int | None:
    """1-based page number of a raw-text offset of an OCR'd document (None for a text document)."""
    starts = page_starts(flags)
    if not starts:
        return None
    return max(bisect.bisect_right(starts, raw_offset), 1)


def evidence_pages(starts: Sequence[int], ends: Sequence[int], offsets: Any, flags: Sequence[str]) -> list[str | None]:
    """Page(s) of each evidence span (clean-text ``start``/``end``) via the normalise offset map:
    ``"3"`` or ``"3-4"`` for a span across a page break; None for documents that were not OCR'd."""
    if page_starts(flags) is None:
        return [None] * len(starts)
    pages: list[str | None] = []
    last = len(offsets) - 1
    for start, end in zip(starts, ends, strict=True):
        first = page_of(int(offsets[min(max(start, 0), last)]), flags)
        final = page_of(int(offsets[min(max(end - 1, 0), last)]), flags)
        pages.append(str(first) if first == final else f"{first}-{final}")
    return pages


Box = tuple[int, int, int, float, float, float, float]  # (raw start, raw end, page, x0, y0, x1, y1)


def boxes_path(catalog: Any, doc: str) -> Any:
    """Where ingest keeps the line boxes of an OCR'd document: ``raw/year=Y/text/<doc>.boxes.json``."""
    return catalog.zone("raw") / "text" / f"{doc}.boxes.json"


def write_boxes(target: Any, boxes: Sequence[Box], unit: str) -> None:
    """Write a document's boxes (``boxes_to_json``, compact) to ``target``."""
    import json

    from pipeline import io

    io.write_text(target, json.dumps(boxes_to_json(boxes, unit), separators=(",", ":")), durable=False)


def read_boxes(target: Any) -> tuple[str, list[Box]]:
    """(unit, boxes) of a document written by ``write_boxes``; ("", []) if there is no such file."""
    import json

    if not target.exists():
        return "", []
    return boxes_from_json(json.loads(target.read_bytes()))


def boxes_to_json(boxes: Sequence[Box], unit: str) -> dict[str, Any]:
    """The boxes of one document as JSON: ``{"unit": "pt", "boxes": [[start, end, page, x0, y0, x1, y1], ...]}``."""
    return {"unit": unit, "boxes": [list(b) for b in boxes]}


def boxes_from_json(obj: dict[str, Any]) -> tuple[str, list[Box]]:
    """(unit, boxes) back from ``boxes_to_json``."""
    return str(obj["unit"]), [(int(a), int(b), int(p), float(x0), float(y0), float(x1), float(y1))
                              for a, b, p, x0, y0, x1, y1 in obj["boxes"]]


def box_unit(flags: Sequence[str]) -> str | None:
    """``pt`` or ``px`` from the ``ocr_box_unit:`` flag of an OCR'd document, else None."""
    return next((f.split(":", 1)[1] for f in flags if f.startswith("ocr_box_unit:")), None)


def evidence_boxes(starts: Sequence[int], ends: Sequence[int], offsets: Any, boxes: Sequence[Box]) -> list[str | None]:
    """The box of each evidence span (clean-text ``start``/``end``, mapped to raw text by the normalise
    offset map): the union of the recognised line boxes the span overlaps on its first page, as
    ``"[x0, y0, x1, y1]"`` (top-left origin, y down); None when no box overlaps (or no boxes)."""
    if not boxes:
        return [None] * len(starts)
    last = len(offsets) - 1
    found: list[str | None] = []
    for start, end in zip(starts, ends, strict=True):
        raw_start = int(offsets[min(max(start, 0), last)])
        raw_end = int(offsets[min(max(end - 1, 0), last)]) + 1
        hits = [b for b in boxes if b[0] < raw_end and b[1] > raw_start]
        if not hits:
            found.append(None)
            continue
        page = min(b[2] for b in hits)
        on_page = [b for b in hits if b[2] == page]
        x0, y0 = min(b[3] for b in on_page), min(b[4] for b in on_page)
        x1, y1 = max(b[5] for b in on_page), max(b[6] for b in on_page)
        found.append(f"[{x0:g}, {y0:g}, {x1:g}, {y1:g}]")
    return found


def point_doubts(flags: Sequence[str]) -> list[int]:
    """Raw-text offsets where the OCR may have lost a decimal point (``ocr_point_doubts:`` flag)."""
    for flag in flags:
        if flag.startswith("ocr_point_doubts:"):
            return [int(x) for x in flag.split(":", 1)[1].split(",") if x]
    return []


def evidence_doubts(starts: Sequence[int], ends: Sequence[int], offsets: Any, flags: Sequence[str]) -> list[bool]:
    """For each evidence span (clean-text ``start``/``end``): does a possibly lost decimal point
    (``point_doubts``) fall inside it?"""
    doubts = point_doubts(flags)
    if not doubts:
        return [False] * len(starts)
    last = len(offsets) - 1
    found = []
    for start, end in zip(starts, ends, strict=True):
        raw_start = int(offsets[min(max(start, 0), last)])
        raw_end = int(offsets[min(max(end - 1, 0), last)]) + 1
        found.append(any(raw_start < d < raw_end for d in doubts))
    return found
