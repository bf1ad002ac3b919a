"""Spreadsheet attachments: ``.xlsx`` (openpyxl, after the ZIP-bomb and XML-entity checks) and ``.xls``
(xlrd). Each sheet becomes its name on a line, then one line per non-empty row with the cells joined
by the table separator the other readers use (``｜``); numbers keep their written form (12.0 -> 12).
A workbook with more than ``MAX_CELLS`` cells is refused. Parsing runs in the guarded child.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from pipeline.ingest.errors import UnreadableFile
from pipeline.ingest.readers import TABLE_CELL_SEPARATOR, DecodedFile, check_is_text, check_zip_safety

MAX_CELLS = 2_000_000
MAX_UNCOMPRESSED = 200 * 1024 * 1024
TIMEOUT_SECONDS = 120.0
MEMORY_BYTES = 2048 * 1024 * 1024


def cell_text(value: Any) -> str:
    """One cell's value as text: whole floats without ``.0``, None empty, strings stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_to_lines(sheet_name: str, rows: Iterable[Iterable[Any]], budget: list[int]) -> list[str]:
    """A sheet's rows -> its lines (name first, then one line per non-empty row). ``budget`` is the
    number of cells left to read (shared by the workbook's sheets); UnreadableFile when exhausted."""
    lines = [sheet_name]
    for row in rows:
        cells = [cell_text(v) for v in row]
        budget[0] -= len(cells)
        if budget[0] < 0:
            raise UnreadableFile("too_large", f"the workbook has more than {MAX_CELLS} cells; refused")
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            lines.append(TABLE_CELL_SEPARATOR.join(cells))
    return lines


def _read_xlsx_unguarded(data: bytes) -> DecodedFile:
    import openpyxl

    archive = check_zip_safety(data, MAX_UNCOMPRESSED)
    for name in archive.namelist():
        if name.endswith(".xml") and (b"<!ENTITY" in archive.read(name) or b"<!DOCTYPE" in archive.read(name)[:2000]):
            raise UnreadableFile("xml_entities", f"{name} declares a DTD/entities; refused (entity expansion risk)")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for broken parts
        raise UnreadableFile("corrupt_xlsx", f"openpyxl could not open it: {exc}") from exc
    budget = [MAX_CELLS]
    lines: list[str] = []
    for sheet in book.worksheets:
        lines += rows_to_lines(sheet.title, sheet.iter_rows(values_only=True), budget)
    book.close()
    text = "\n".join(lines)
    check_is_text(text)
    return DecodedFile(text, "xlsx", "xlsx")


def _read_xls_unguarded(data: bytes) -> DecodedFile:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as exc:  # xlrd.XLRDError, struct errors, compound-document errors
        raise UnreadableFile("corrupt_xls", f"xlrd could not open it: {exc}") from exc
    budget = [MAX_CELLS]
    lines: list[str] = []
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        if sheet.nrows * max(sheet.ncols, 1) > budget[0]:
            raise UnreadableFile("too_large", f"the workbook has more than {MAX_CELLS} cells; refused")
        lines += rows_to_lines(sheet.name, (sheet.row_values(r) for r in range(sheet.nrows)), budget)
        book.unload_sheet(index)
    text = "\n".join(lines)
    check_is_text(text)
    return DecodedFile(text, "xls", "xls")


def read_sheet(data: bytes, extension: str, timeout: float = TIMEOUT_SECONDS,
               memory_bytes: int = MEMORY_BYTES) -> DecodedFile:
    """``.xlsx``/``.xls`` bytes -> DecodedFile (cells as table text), in a child with time and memory limits."""
    from pipeline.ingest.guard import run_limited

    if extension == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise UnreadableFile("corrupt_xlsx", "an .xlsx file that is not a ZIP container")
        func = _read_xlsx_unguarded
    else:
        if not data.startswith(b"\xd0\xcf\x11\xe0"):
            raise UnreadableFile("corrupt_xls", "an .xls file that is not an OLE compound file")
        func = _read_xls_unguarded
    result: DecodedFile = run_limited(func, data, timeout, memory_bytes)
    return result
