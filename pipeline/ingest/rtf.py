"""RTF (``.rtf``, and ``.doc``/``.wps`` files that are really RTF, as Word and WPS Office save them).

Text by ``striprtf``: the code page the file declares (``\\ansicpg936`` for GBK Chinese, font charsets)
decodes ``\\'xx`` escapes, ``\\uN`` escapes are Unicode; pictures and other ``\\*`` destinations are
skipped, fields keep their result. A table row (cells ``\\cell``, row end ``\\row``) becomes one line
with the table separator of the other readers. Parsing runs in the guarded child (time, memory).
"""

from __future__ import annotations

from pipeline.ingest.errors import UnreadableFile
from pipeline.ingest.readers import TABLE_CELL_SEPARATOR, DecodedFile, _is_data_row, check_is_text

TIMEOUT_SECONDS = 60.0
MEMORY_BYTES = 1024 * 1024 * 1024


def is_rtf(data: bytes) -> bool:
    """Does the file start (after white space) with the RTF signature ``{\\rtf``?"""
    return data.lstrip()[:5].lower() == b"{\\rtf"


def rtf_lines(text: str) -> str:
    """striprtf's text with its table rows (cells ended by ``|``) as separator-joined lines."""
    lines = []
    for line in text.split("\n"):
        if line.endswith("|"):
            cells = [c.strip() for c in line[:-1].split("|")]
            line = TABLE_CELL_SEPARATOR.join(cells) if _is_data_row(cells) else "\n".join(cells)
        lines.append(line)
    return "\n".join(lines)


def _read_rtf_unguarded(data: bytes) -> DecodedFile:
    from striprtf.striprtf import rtf_to_text

    if not is_rtf(data):
        raise UnreadableFile("corrupt_rtf", "the file does not start with {\\rtf")
    try:
        source = data.decode("latin-1")  # RTF is 7-bit; other bytes are kept as they are for the code page
        text = rtf_to_text(source, encoding="gb18030", errors="replace")
    except (LookupError, ValueError, IndexError) as exc:
        raise UnreadableFile("corrupt_rtf", f"striprtf could not read it: {exc}") from exc
    text = rtf_lines(text)
    check_is_text(text, replaced="\ufffd" in text)
    return DecodedFile(text, "rtf", "rtf")


def read_rtf(data: bytes, timeout: float = TIMEOUT_SECONDS, memory_bytes: int = MEMORY_BYTES) -> DecodedFile:
    """RTF bytes -> DecodedFile (encoding and format ``rtf``), in a child with a time and memory limit."""
    from pipeline.ingest.guard import run_limited

    result: DecodedFile = run_limited(_read_rtf_unguarded, data, timeout, memory_bytes)
    return result
