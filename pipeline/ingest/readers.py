"""Turn the bytes of one submitted file into text, or say exactly why it can't be used.

Formats: ``.txt`` (any of UTF-8, UTF-16, GB18030/GBK, Big5; detected), ``.html``/``.htm``
(BeautifulSoup + lxml, scripts/styles/navigation dropped), ``.docx`` (python-docx, after a ZIP
safety check), ``.pdf`` (pypdf text layer; a PDF without a usable one is OCR'd), images
``.png``/``.jpg``/``.jpeg``/``.tif``/``.tiff`` (OCR, ``pipeline/ingest/ocr.py``), ``.doc``/``.wps``
(OLE Word, ``legacy_word.py``), ``.ofd`` (``ofd.py``), ``.xlsx``/``.xls`` (cells as table text,
``sheets.py``), ``.rtf`` (``rtf.py``). Every failure raises ``UnreadableFile`` with a short machine reason (``reason``) and a
human message.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from pipeline.ingest.errors import UnreadableFile

SUPPORTED_EXTENSIONS = (".txt", ".text", ".html", ".htm", ".docx", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff",
                        ".doc", ".wps", ".ofd", ".xlsx", ".xls", ".rtf")
OCR_FALLBACK_REASONS = ("no_text_layer", "no_chinese_text")  # a PDF read like this is a scan: OCR it
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")


MAX_UNDECODABLE_SHARE = 0.01  # a text with fewer undecodable bytes than this share is read with them replaced
LENIENT_ENCODINGS = ("utf-8", "gb18030", "big5")


@dataclass(frozen=True)
class DecodedFile:
    """Text read from a file, with the encoding (or container format) it was read as, flags about the
    reading (``decode_errors:N``: N undecodable bytes were replaced by U+FFFD) and, for OCR'd files, the
    line box of each recognised piece: raw-text span, 1-based page, corners (unit in ``ocr_box_unit:``)."""

    text: str
    encoding: str
    fmt: str
    flags: tuple[str, ...] = ()
    boxes: tuple[tuple[int, int, int, float, float, float, float], ...] = ()  # OCR: (start, end, page, x0, y0, x1, y1)


def decode_leniently(data: bytes, encodings: tuple[str, ...] = LENIENT_ENCODINGS) -> tuple[str, str, int]:
    """Decode bytes that no encoding reads strictly: (text, encoding, number of undecodable bytes).

    Each candidate encoding decodes with the undecodable bytes kept aside (``surrogateescape``); the one
    with the fewest such bytes wins (ties: the earlier encoding) and each run of them becomes one U+FFFD.
    Raises UnreadableFile (``undecodable``) when MAX_UNDECODABLE_SHARE or more of the bytes are bad: a
    mostly undecodable file is not a damaged text."""
    best: tuple[int, str, str] | None = None
    for encoding in encodings:
        text = data.decode(encoding, errors="surrogateescape")
        bad = len(_ESCAPED_BYTE.findall(text))
        if best is None or bad < best[0]:
            best = (bad, encoding, text)
    assert best is not None
    bad, encoding, text = best
    if bad >= MAX_UNDECODABLE_SHARE * max(len(data), 1):
        raise UnreadableFile("undecodable", f"{bad} of {len(data)} bytes ({bad / max(len(data), 1):.1%}) are not "
                                            f"valid {' or '.join(encodings)}")
    return _ESCAPED_RUN.sub("\ufffd", text), encoding, bad


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # an undecodable byte kept aside by surrogateescape
_ESCAPED_RUN = re.compile("[\udc80-\udcff]+")


def detect_and_decode(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding. Returns (text, encoding name).

    BOMs first, then strict UTF-8, then charset-normalizer restricted to the encodings Chinese
    reports use, then strict GB18030 and Big5. Raises UnreadableFile if nothing yields text
    (``decode_text`` reads such bytes leniently).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UnreadableFile("undecodable", f"UTF-16 BOM but invalid UTF-16: {exc}") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[str, str]] = []
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16_le", "utf_16_be", "utf_8"]).best()
    if best is not None:
        candidates.append((str(best), best.encoding))
    for encoding in ("gb18030", "big5"):
        try:
            candidates.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise UnreadableFile("undecodable", "bytes are not valid UTF-8, UTF-16, GB18030 or Big5")
    # prefer the candidate with the most common CJK characters and the fewest control characters
    text, encoding = max(candidates, key=lambda c: _text_quality(c[0]))
    return text, encoding


_COMMON = set("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严")


def _text_quality(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return -1.0
    cjk = _CJK.findall(sample)
    common = sum(1 for c in cjk if c in _COMMON)
    control = len(_CONTROL.findall(sample))
    return (common - 5 * control) / len(sample)


def check_is_text(text: str, min_chars: int = 20, replaced: bool = False) -> None:
    """Raise UnreadableFile if decoded text is empty, binary garbage or has no Chinese content.

    ``replaced``: the decoder replaced undecodable bytes by U+FFFD (already bounded): those do not count."""
    stripped = text.strip()
    if not stripped:
        raise UnreadableFile("empty", "the file holds no text")
    sample = stripped[:50000]
    control = _CONTROL.findall(sample)
    control_share = (len(control) - (control.count("\ufffd") if replaced else 0)) / len(sample)
    if control_share > 0.02:
        raise UnreadableFile("binary_garbage", f"{control_share:.0%} control/replacement characters: not text")
    if len(_CJK.findall(sample)) < min_chars:
        raise UnreadableFile("no_chinese_text", "fewer than 20 Chinese characters: not a report")


def decode_text(data: bytes) -> tuple[str, str, tuple[str, ...]]:
    """Bytes of unknown encoding -> (text, encoding, flags), leniently: a few undecodable bytes (under
    MAX_UNDECODABLE_SHARE) are replaced and flagged ``decode_errors:N``; raises UnreadableFile otherwise.

    UTF-8 first when the bytes are UTF-8 but for a few bad ones (random or GB18030 bytes almost never
    are), then strict detection (``detect_and_decode``), then the most readable lenient decoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        text, _, bad = decode_leniently(data[3:], ("utf-8",))
        return text, "utf-8-sig", (f"decode_errors:{bad}",) if bad else ()
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text, _, bad = decode_leniently(data, ("utf-8",))
                return text, "utf-8", (f"decode_errors:{bad}",)
            except UnreadableFile:
                pass  # not UTF-8: detect the encoding
    try:
        text, encoding = detect_and_decode(data)
    except UnreadableFile:
        text, encoding, bad = decode_leniently(data)
        return text, encoding, (f"decode_errors:{bad}",)
    return text, encoding, ()


def read_txt(data: bytes) -> DecodedFile:
    text, encoding, flags = decode_text(data)
    check_is_text(text, replaced=bool(flags))
    return DecodedFile(text, encoding, "txt", flags)


TABLE_CELL_SEPARATOR = "｜"  # a table row is one line, its cells separated by this (NFKC: "|")
TABLE_CELL_MAX_CHARS = 40  # longer cells mean a layout table (menu beside body text): left as blocks


def _is_data_row(cells: list[str]) -> bool:
    """A row of a data table (short cells, at least two), not of a page-layout table."""
    return len(cells) >= 2 and all(len(c) <= TABLE_CELL_MAX_CHARS for c in cells)


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, one block element per line; scripts, styles and nav dropped."""
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(html, "lxml")
        for tag in soup(["script", "style", "noscript", "template", "iframe", "svg", "nav", "header", "footer",
                         "form", "button", "select", "head"]):
            tag.decompose()
        for row in reversed(soup.find_all("tr")):  # inner tables first
            cells = [cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"], recursive=False)]
            if _is_data_row(cells):
                row.replace_with(soup.new_string("\n" + TABLE_CELL_SEPARATOR.join(cells) + "\n"))
        text = soup.get_text("\n")
    except RecursionError as exc:
        raise UnreadableFile("html_too_deep", "HTML nesting too deep to parse safely") from exc
    return re.sub(r"\n\s*\n+", "\n\n", text)


def read_html(data: bytes) -> DecodedFile:
    head = data[:4096].decode("ascii", errors="ignore")
    declared = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", head, re.IGNORECASE)
    html: str | None = None
    encoding = ""
    if declared:
        name = declared.group(1).lower()
        name = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}.get(name, name)
        try:
            html, encoding = data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            html = None
    flags: tuple[str, ...] = ()
    if html is None:
        html, encoding, flags = decode_text(data)
    text = html_to_text(html)
    check_is_text(text, replaced=bool(flags))
    return DecodedFile(text, encoding, "html", flags)


def check_zip_safety(data: bytes, max_uncompressed: int, max_ratio: float = 200.0) -> zipfile.ZipFile:
    """Open a ZIP container, refusing ZIP bombs (total size or compression ratio too large)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise UnreadableFile("encrypted_or_legacy_doc",
                                 "an OLE container (password-protected DOCX or legacy .doc), not a DOCX") from exc
        raise UnreadableFile("corrupt_docx", f"not a valid DOCX (ZIP) container: {exc}") from exc
    total = sum(info.file_size for info in archive.infolist())
    packed = sum(info.compress_size for info in archive.infolist()) or 1
    if total > max_uncompressed or total / packed > max_ratio:
        raise UnreadableFile("zip_bomb", f"DOCX expands to {total} bytes (ratio {total / packed:.0f}:1); refused")
    return archive


def read_docx(data: bytes, max_uncompressed: int = 200 * 1024 * 1024) -> DecodedFile:
    archive = check_zip_safety(data, max_uncompressed)
    if "word/document.xml" not in archive.namelist():
        raise UnreadableFile("corrupt_docx", "ZIP container without word/document.xml: not a DOCX")
    document_xml = archive.read("word/document.xml")
    if b"<!DOCTYPE" in document_xml[:2000] or b"<!ENTITY" in document_xml:
        raise UnreadableFile("xml_entities", "DOCX XML declares a DTD/entities; refused (entity expansion risk)")
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for broken parts
        raise UnreadableFile("corrupt_docx", f"python-docx could not open it: {exc}") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:  # a merged cell is repeated by python-docx: keep it once
                text = cell.text.strip()
                if not cells or text != cells[-1]:
                    cells.append(text)
            lines.append(TABLE_CELL_SEPARATOR.join(cells) if _is_data_row(cells) else "\n".join(cells))
    text = "\n".join(lines)
    check_is_text(text)
    return DecodedFile(text, "docx", "docx")


PDF_TIMEOUT_SECONDS = 60.0
PDF_MEMORY_BYTES = 1536 * 1024 * 1024


def read_pdf(data: bytes, timeout: float = PDF_TIMEOUT_SECONDS, memory_bytes: int = PDF_MEMORY_BYTES) -> DecodedFile:
    """The PDF's text layer, parsed in a child process with a time and memory limit."""
    from pipeline.ingest.guard import run_limited

    result: DecodedFile = run_limited(_read_pdf_unguarded, data, timeout, memory_bytes)
    return result


def _read_pdf_unguarded(data: bytes) -> DecodedFile:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile("encrypted_pdf", "the PDF is password-protected")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except UnreadableFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFile("corrupt_pdf", f"pypdf could not read it: {exc}") from exc
    if not text.strip():
        raise UnreadableFile("no_text_layer", "the PDF has no text layer (scanned image?)")
    check_is_text(text)
    return DecodedFile(text, "pdf", "pdf")


def read_document(data: bytes, extension: str) -> DecodedFile:
    """Read one file's bytes according to its extension. Raises UnreadableFile."""
    ext = extension.lower()
    if ext in (".txt", ".text"):
        if data.startswith((b"PK\x03\x04", b"%PDF")):
            raise UnreadableFile("wrong_extension", "a .txt file that is really a ZIP/DOCX or PDF")
        return read_txt(data)
    if ext in (".html", ".htm"):
        return read_html(data)
    if ext == ".docx":
        return read_docx(data)
    if ext == ".pdf":
        if not data.startswith(b"%PDF"):
            raise UnreadableFile("corrupt_pdf", "the file does not start with a PDF header")
        try:
            return read_pdf(data)
        except UnreadableFile as exc:
            if exc.reason not in OCR_FALLBACK_REASONS:
                raise
        from pipeline.ingest.ocr import read_scanned_pdf

        return read_scanned_pdf(data)
    if ext in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        from pipeline.ingest.ocr import read_image

        return read_image(data)
    if ext in (".doc", ".wps"):
        from pipeline.ingest.legacy_word import read_legacy_word

        return read_legacy_word(data, ext)
    if ext == ".ofd":
        if not data.startswith(b"PK\x03\x04"):
            raise UnreadableFile("corrupt_ofd", "an .ofd file that is not a ZIP container")
        from pipeline.ingest.ofd import read_ofd

        return read_ofd(data)
    if ext in (".xlsx", ".xls"):
        from pipeline.ingest.sheets import read_sheet

        return read_sheet(data, ext)
    if ext == ".rtf":
        from pipeline.ingest.rtf import read_rtf

        return read_rtf(data)
    raise UnreadableFile("unsupported_extension",
                         f"extension {extension!r} is not one of {', '.join(SUPPORTED_EXTENSIONS)}")
