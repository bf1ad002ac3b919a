"""Choose one value per (unit, year, indicator) from the extracted records, keeping the evidence.

Rule (documented in the README): among the records of accepted annual reports with scope
``actual`` and an indicator, take the one with the highest mapping score; ties go to the more
certain qualifier (exact, at_least, approx, at_most), then to the earliest position in the text.
Cumulative, delta and planned records never enter the panel, nor do records whose measure is of another
kind than the indicator's own unit (罚没款X万元 is evidence for ``penalty_cases``, whose panel value is
a count of cases; 公职律师X名 for ``legal_counsel_coverage``, whose panel value is a rate).
"""

from __future__ import annotations

from typing import Any

QUALIFIER_RANK = {"exact": 0, "at_least": 1, "approx": 2, "at_most": 3}
PANEL_COLUMNS = ["unit_id", "unit_name", "admin_level", "year", "indicator", "value", "unit", "qualifier", "doc",
                 "sha256", "start", "end", "quote", "rule_id", "n_candidates"]


def build_panel(records: Any, documents: Any, year: int) -> Any:
    """records (records.parquet) x documents (text/documents.parquet) -> the long indicator panel."""
    import pandas as pd

    docs = documents[documents["disposition"] == "accepted"][
        ["doc", "unit_id", "unit_name", "admin_level", "sha256"]]
    from pipeline.extract.catalogue import load_catalogue
    from pipeline.extract.quantities import rules

    kind_of_word = {info["canonical"]: info["kind"] for info in rules()["words"].values()}
    panel_kind = {ind.code: kind_of_word.get(ind.unit) for ind in load_catalogue().indicators}
    usable = records[(records["scope"] == "actual") & records["indicator"].notna()]
    usable = usable[usable["kind"] == usable["indicator"].map(panel_kind)].merge(docs, on="doc")
    if usable.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PANEL_COLUMNS})
    usable = usable.assign(
        unit_id=usable["unit_id"].fillna(usable["unit_name"]),
        _q=usable["qualifier"].map(QUALIFIER_RANK),
    )
    usable = usable.sort_values(["unit_id", "indicator", "score", "_q", "doc", "start"],
                                ascending=[True, True, False, True, True, True], kind="stable")
    counts = usable.groupby(["unit_id", "indicator"]).size().rename("n_candidates")
    chosen = usable.drop_duplicates(["unit_id", "indicator"], keep="first").join(counts, on=["unit_id", "indicator"])
    chosen = chosen.assign(year=year)
    return chosen[PANEL_COLUMNS].reset_index(drop=True)
