"""Legacy Word ``.doc`` (Word 97-2003 binary, an OLE compound file) and ``.wps`` saved in that format.

The main document's text is found the way Word stores it ([MS-DOC]): the FIB at the start of the
``WordDocument`` stream names the table stream (``0Table``/``1Table``) and the offset of its CLX; the
CLX's piece table maps character positions to byte ranges of the ``WordDocument`` stream, each piece
UTF-16LE or "compressed" (one byte per character, cp1252). Only the first ``ccpText`` characters
(the body, not headers, footnotes or comments) are kept. Field instructions are dropped, their results
kept; table cells (mark U+0007) become the table separator of the other readers.

Files named ``.doc``/``.wps`` that are really DOCX, HTML or RTF (common on government sites) are
read as what they are, flagged ``docx_named_wps`` and so on. Parsing runs in the guarded child (time,
memory). ``.wps`` variants: WPS Office (Kingsoft, 2000 and later) writes OLE Word 97 binaries, read
here; when told to save DOCX or RTF under a ``.wps`` name those are read as DOCX or RTF. Two other
``.wps`` formats are refused with their own reason: Microsoft Works documents (OLE with a ``CONTENTS``
stream and no ``WordDocument``: ``works_wps``) and the pre-2000 DOS/early-Windows Kingsoft WPS binary
(neither OLE, ZIP, RTF nor HTML: ``unsupported_wps``).
"""

from __future__ import annotations

import io
import re
import struct

from pipeline.ingest.errors import UnreadableFile
from pipeline.ingest.readers import TABLE_CELL_SEPARATOR, DecodedFile, check_is_text

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_TEXT_CHARS = 20_000_000  # a body longer than this is not a report: refused
TIMEOUT_SECONDS = 60.0
MEMORY_BYTES = 1024 * 1024 * 1024

_FIELD = re.compile("\x13[^\x13\x14\x15]*\x14([^\x13\x14\x15]*)\x15|\x13[^\x13\x14\x15]*\x15")


def _u16(data: bytes, at: int) -> int:
    return int(struct.unpack_from("<H", data, at)[0])


def _u32(data: bytes, at: int) -> int:
    return int(struct.unpack_from("<I", data, at)[0])


def word_text(word_document: bytes, table: bytes) -> str:
    """Main-document text of a Word 97+ file from its ``WordDocument`` and table streams (raw Word
    marks still in: U+000D paragraph, U+0007 cell, U+0013-15 fields)."""
    if len(word_document) < 0x1AA or _u16(word_document, 0) != 0xA5EC:
        raise UnreadableFile("corrupt_doc", "WordDocument stream without a Word 97+ FIB (older Word or not Word)")
    ccp_text = _u32(word_document, 0x4C)
    fc_clx, lcb_clx = _u32(word_document, 0x1A2), _u32(word_document, 0x1A6)
    if ccp_text > MAX_TEXT_CHARS:
        raise UnreadableFile("too_large", f"the body has {ccp_text} characters; refused")
    clx = table[fc_clx:fc_clx + lcb_clx]
    if len(clx) != lcb_clx or not lcb_clx:
        raise UnreadableFile("corrupt_doc", "the piece table (CLX) lies outside the table stream")
    at = 0
    while at < len(clx) and clx[at] == 0x01:  # Prc: property modifiers, skipped
        at += 3 + _u16(clx, at + 1)
    if at >= len(clx) or clx[at] != 0x02:
        raise UnreadableFile("corrupt_doc", "no piece table (Pcdt) in the CLX")
    lcb = _u32(clx, at + 1)
    plc = clx[at + 5:at + 5 + lcb]
    n = (len(plc) - 4) // 12
    if n <= 0 or len(plc) < 4 + 12 * n:
        raise UnreadableFile("corrupt_doc", "empty or truncated piece table")
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    parts: list[str] = []
    for i in range(n):
        start, end = cps[i], min(cps[i + 1], ccp_text)
        if start >= end:
            break
        fc = _u32(plc, 4 * (n + 1) + 8 * i + 2)
        count = end - start
        if fc & 0x40000000:  # compressed: one byte per character
            offset = (fc & ~0x40000000) // 2
            chunk, expected = word_document[offset:offset + count], count
            parts.append(chunk.decode("cp1252", errors="replace"))
        else:
            chunk, expected = word_document[fc:fc + 2 * count], 2 * count
            parts.append(chunk.decode("utf-16-le", errors="replace"))
        if len(chunk) < expected:
            raise UnreadableFile("corrupt_doc", "a text piece lies outside the WordDocument stream")
    return "".join(parts)


def clean_word_marks(raw: str) -> str:
    """Word's marks -> plain lines: fields keep their result, cells are separated, rows and paragraphs
    end lines, drawing/object anchors and other control characters go."""
    text = raw
    for _ in range(4):  # nested fields, innermost first
        text = _FIELD.sub(lambda m: m.group(1) or "", text)
    # a row ends with its last cell's mark and the row mark (U+0007 twice), or a cell mark and U+000D
    text = text.replace("\x07\x07", "\n").replace("\x07\r", "\n").replace("\x07", TABLE_CELL_SEPARATOR)
    text = re.sub("[\r\x0b\x0c]", "\n", text)
    return re.sub("[\x00-\x08\x0e-\x1f]", "", text)


def _read_ole_word(data: bytes) -> DecodedFile:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, struct.error) as exc:
        raise UnreadableFile("corrupt_doc", f"not a readable OLE compound file: {exc}") from exc
    with ole:
        if not ole.exists("WordDocument") and ole.exists("CONTENTS"):
            raise UnreadableFile("works_wps", "a Microsoft Works document (OLE CONTENTS stream), not WPS Office "
                                              "or Word; Works documents are not read")
        if not ole.exists("WordDocument"):
            raise UnreadableFile("not_word_document", "an OLE file without a WordDocument stream "
                                                      "(a spreadsheet, presentation or old WPS format?)")
        word_document = ole.openstream("WordDocument").read()
        if len(word_document) < 12:
            raise UnreadableFile("corrupt_doc", "WordDocument stream too short")
        flags = _u16(word_document, 0x0A)
        if flags & 0x0100:
            raise UnreadableFile("encrypted_doc", "the Word document is password-protected")
        table_name = "1Table" if flags & 0x0200 else "0Table"
        if not ole.exists(table_name):
            raise UnreadableFile("corrupt_doc", f"the {table_name} stream the FIB names is missing")
        table = ole.openstream(table_name).read()
    text = clean_word_marks(word_text(word_document, table))
    check_is_text(text)
    return DecodedFile(text, "utf-16-le", "doc")


def _read_legacy_unguarded(data: bytes, extension: str) -> DecodedFile:
    from pipeline.ingest.readers import read_docx, read_html

    if data.startswith(OLE_MAGIC):
        return _read_ole_word(data)
    if data.startswith(b"PK\x03\x04"):
        decoded = read_docx(data)
        return DecodedFile(decoded.text, decoded.encoding, "docx", (*decoded.flags, f"docx_named_{extension[1:]}"))
    from pipeline.ingest.rtf import _read_rtf_unguarded, is_rtf

    if is_rtf(data):
        decoded = _read_rtf_unguarded(data)
        return DecodedFile(decoded.text, decoded.encoding, "rtf", (*decoded.flags, f"rtf_named_{extension[1:]}"))
    head = data[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head or b"mime-version" in head:
        decoded = read_html(data)
        return DecodedFile(decoded.text, decoded.encoding, "html", (*decoded.flags, f"html_named_{extension[1:]}"))
    if extension == ".wps":
        raise UnreadableFile("unsupported_wps", "a .wps file that is neither OLE Word (WPS Office 2000 and later), "
                                                "DOCX, RTF nor HTML: an early Kingsoft WPS format, not read")
    raise UnreadableFile("corrupt_doc", f"a {extension} file that is neither OLE Word, DOCX, RTF nor HTML")


def read_legacy_word(data: bytes, extension: str = ".doc", timeout: float = TIMEOUT_SECONDS,
                     memory_bytes: int = MEMORY_BYTES) -> DecodedFile:
    """``.doc``/``.wps`` bytes -> DecodedFile, parsed in a child with a time and memory limit."""
    from pipeline.ingest.guard import run_limited

    result: DecodedFile = run_limited(lambda d: _read_legacy_unguarded(d, extension), data, timeout, memory_bytes)
    return result
