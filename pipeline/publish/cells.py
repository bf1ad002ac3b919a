"""Spreadsheet safety for published text: the OWASP CSV-injection rule.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by
spreadsheet programs (``=HYPERLINK(...)`` in a unit name or a quote from a report). ``neutralise_text_cells``
prefixes such cells with a single quote, in text columns only: a negative number in a numeric column
stays a number. Used wherever a CSV or XLSX file is written (``publish.stage.csv_bytes``,
``publish.package.write_workbook``).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text value that a spreadsheet would take for a formula, prefixed with ``'``; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_text_cells(frame: Any) -> Any:
    """A copy of the frame with every text cell neutralised (numeric, boolean and date columns untouched)."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise, na_action="ignore")
    return out
