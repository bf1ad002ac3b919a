"""Choose one value per (unit, year, indicator) from the extracted records, keeping the evidence.

Rule (documented in the README): among the records of accepted annual reports with scope
``actual`` and an indicator, take the one with the highest mapping score; ties go to the more
certain qualifier (exact, at_least, approx, at_most), then to the earliest position in the text.
Cumulative, delta and planned records never enter the panel, nor do records whose measure is of another
kind than the indicator's own unit (罚没款X万元 is evidence for ``penalty_cases``, whose panel value is
a count of cases; 公职律师X名 for ``legal_counsel_coverage``, whose panel value is a rate). Only records whose
role measures the year's work (``PANEL_ROLES``: flow, stock, derived, stated_zero) enter; parts of a total,
the ends of a before->after pair, plan structure and excluded numbers stay in records.parquet only (the
mapper gives a stock or a part an indicator only when that indicator takes the role).
"""

from __future__ import annotations

from typing import Any

QUALIFIER_RANK = {"exact": 0, "stated_zero": 0, "at_least": 1, "approx": 2, "at_most": 3}
PANEL_COLUMNS = ["unit_key", "unit_name", "unit_kind", "division_code", "parent_division", "tier", "dept_type",
                 "admin_level", "year", "indicator", "value", "unit", "qualifier", "doc",
                 "sha256", "start", "end", "quote", "rule_id", "n_candidates"]


def build_panel(records: Any, documents: Any, year: int) -> Any:
    """records (records.parquet) x documents (text/documents.parquet) -> the long indicator panel."""
    import pandas as pd

    from pipeline.ingest.bodies import BODY_COLUMNS, with_unit_keys

    docs = with_unit_keys(documents[documents["disposition"] == "accepted"]).reindex(
        columns=["doc", "unit_key", "unit_name", *BODY_COLUMNS, "admin_level", "sha256"])
    from pipeline.extract.catalogue import load_catalogue
    from pipeline.extract.quantities import rules

    kind_of_word = {info["canonical"]: info["kind"] for info in rules()["words"].values()}
    panel_kind = {ind.code: kind_of_word.get(ind.unit) for ind in load_catalogue().indicators}
    from pipeline.extract.records import PANEL_ROLES

    usable = records[(records["scope"] == "actual") & records["indicator"].notna()]
    if "role" in usable.columns:  # records written before the frame (issue 19) carry no role
        usable = usable[usable["role"].isin(PANEL_ROLES) | usable["role"].isna()]
    usable = usable[usable["kind"] == usable["indicator"].map(panel_kind)].drop(
        columns=["unit_key"], errors="ignore").merge(docs, on="doc")
    if usable.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PANEL_COLUMNS})
    usable = usable.assign(_q=usable["qualifier"].map(QUALIFIER_RANK))
    usable = usable.sort_values(["unit_key", "indicator", "score", "_q", "doc", "start"],
                                ascending=[True, True, False, True, True, True], kind="stable")
    counts = usable.groupby(["unit_key", "indicator"]).size().rename("n_candidates")
    chosen = usable.drop_duplicates(["unit_key", "indicator"], keep="first").join(counts, on=["unit_key", "indicator"])
    chosen = chosen.assign(year=year)
    return chosen[PANEL_COLUMNS].reset_index(drop=True)
