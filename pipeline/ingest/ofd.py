"""OFD (GB/T 33190, China's fixed-layout format): a ZIP of XML files; the text objects are read.

``OFD.xml`` -> ``DocBody/DocRoot`` (the document's ``Document.xml``) -> ``Pages/Page@BaseLoc`` (each
page's ``Content.xml``) -> ``TextObject`` (``Boundary`` "x y w h", font ``Size``) -> ``TextCode``
(``X``/``Y`` inside the boundary, the characters). Text pieces are placed by their positions and put
into lines the way OCR boxes are (``ocr.page_lines``: one line per baseline, wrapped lines joined,
far-apart pieces as table cells); pages are separated by a blank line and their raw offsets flagged
``ofd_pages:``. The ZIP is checked for bombs first and XML with a DTD/entities is refused; parsing runs
in the guarded child (time, memory).
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from pipeline.ingest.errors import UnreadableFile
from pipeline.ingest.readers import DecodedFile, check_is_text, check_zip_safety

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_PAGES = 2000
TIMEOUT_SECONDS = 60.0
MEMORY_BYTES = 1024 * 1024 * 1024


def _xml(archive: Any, name: str) -> Any:
    """Parse one XML member safely (no DTD, no entities, no network)."""
    from lxml import etree

    try:
        data = archive.read(name)
    except KeyError as exc:
        raise UnreadableFile("corrupt_ofd", f"the OFD names {name!r}, which is not in the package") from exc
    if b"<!DOCTYPE" in data[:4000] or b"<!ENTITY" in data:
        raise UnreadableFile("xml_entities", f"{name} declares a DTD/entities; refused (entity expansion risk)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile("corrupt_ofd", f"{name} is not well-formed XML: {exc}") from exc


def _children(node: Any, local: str) -> list[Any]:
    return [n for n in node.iter() if isinstance(n.tag, str) and n.tag.rsplit("}", 1)[-1] == local]


def _member(base: str, ref: str) -> str:
    """A path the OFD gives (relative to ``base``'s folder, or absolute from the package root)."""
    ref = ref.strip().replace("\\", "/")
    path = ref.lstrip("/") if ref.startswith("/") else posixpath.join(posixpath.dirname(base), ref)
    return posixpath.normpath(path)


def _numbers(value: str | None) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", value or "")]


def page_boxes(content: Any) -> list[Any]:
    """A page's ``Content.xml`` tree -> OcrBox-like pieces (position in mm, characters, score 1)."""
    from pipeline.ingest.ocr import OcrBox

    boxes = []
    for obj in _children(content, "TextObject"):
        bx, by, bw, _bh = (_numbers(obj.get("Boundary")) + [0.0] * 4)[:4]
        size = (_numbers(obj.get("Size")) or [3.5])[0]
        for code in _children(obj, "TextCode"):
            text = code.text or ""
            if not text.strip():
                continue
            x = bx + ((_numbers(code.get("X")) or [0.0])[0])
            baseline = by + ((_numbers(code.get("Y")) or [size])[0])
            width = max(min(len(text) * size, bw or len(text) * size), size)
            boxes.append(OcrBox(((x, baseline - size), (x + width, baseline - size), (x + width, baseline),
                                 (x, baseline)), text, 1.0))
    return boxes


def _read_ofd_unguarded(data: bytes) -> DecodedFile:
    from pipeline.ingest.ocr import OcrSettings, page_lines

    archive = check_zip_safety(data, MAX_UNCOMPRESSED)
    if "OFD.xml" not in archive.namelist():
        raise UnreadableFile("corrupt_ofd", "ZIP container without OFD.xml: not an OFD")
    ofd = _xml(archive, "OFD.xml")
    roots = [n.text for n in _children(ofd, "DocRoot") if n.text]
    if not roots:
        raise UnreadableFile("corrupt_ofd", "OFD.xml names no DocRoot")
    texts: list[str] = []
    starts: list[int] = []
    offset = 0
    settings = OcrSettings()
    for root in roots[:1]:  # the first document of the package is the one submitted
        document_path = _member("OFD.xml", root)
        document = _xml(archive, document_path)
        pages = [p.get("BaseLoc") for p in _children(document, "Page") if p.get("BaseLoc")]
        if len(pages) > MAX_PAGES:
            raise UnreadableFile("too_large", f"{len(pages)} pages; at most {MAX_PAGES} are read")
        for loc in pages:
            content = _xml(archive, _member(document_path, loc))
            page_text = "\n".join(page_lines(page_boxes(content), settings))
            starts.append(offset)
            texts.append(page_text)
            offset += len(page_text) + 2
    text = "\n\n".join(texts)
    check_is_text(text)
    return DecodedFile(text, "ofd", "ofd", ("ofd_pages:" + ",".join(map(str, starts)),))


def read_ofd(data: bytes, timeout: float = TIMEOUT_SECONDS, memory_bytes: int = MEMORY_BYTES) -> DecodedFile:
    """OFD bytes -> DecodedFile, parsed in a child with a time and memory limit."""
    from pipeline.ingest.guard import run_limited

    result: DecodedFile = run_limited(_read_ofd_unguarded, data, timeout, memory_bytes)
    return result
