"""A unit's page shows where each value comes from: its role, page and box, and a reviewer's hand."""

from __future__ import annotations

import pandas as pd

from pipeline.publish.unit_pages import render_unit_page

TEXT = "本年度共审查规范性文件46件，办理行政复议案件15件。"


def _page(indicators: pd.DataFrame) -> str:
    unit = {"unit_name": "某县人民政府", "unit_key": "999001-gov", "tier": "county", "unit_kind": "government",
            "dept_type": None, "peer_group": "county", "rank": None, "not_ranked": "below the screen",
            "completeness": 40.0, "coverage": 0.2, "dim_functions": 55.0}
    group = pd.DataFrame([unit])
    missing = pd.DataFrame(columns=["unit_key", "indicator", "dimension", "status"])
    return render_unit_page(unit, group, indicators, missing, pd.DataFrame(), 2024, "0.4.0",
                            {"functions": "职能"}, {"normative_doc_legality_reviews": "规范性文件审查",
                                                   "reconsideration_cases": "行政复议案件"},
                            lambda doc: TEXT if doc == "d1" else None)


def test_corrected_and_added_values_say_so_and_keep_the_extracted_value():
    rows = pd.DataFrame({
        "unit_key": ["999001-gov"] * 2, "indicator": ["normative_doc_legality_reviews", "reconsideration_cases"],
        "raw_value": [48.0, 15.0], "unit": ["件", "件"], "role": ["flow", "flow"], "normalised": [60.0, 30.0],
        "quote": ["审查规范性文件46件", "办理行政复议案件15件"], "doc": ["d1", "d1"], "start": [TEXT.index("46"), TEXT.index("15")],
        "end": [TEXT.index("46") + 3, TEXT.index("15") + 3], "page": pd.array([2, None], dtype="Int64"), "box": ["[10, 20, 90, 40]", None], "box_unit": ["pt", None],
        "origin": ["corrected", "added"], "original_value": [46.0, float("nan")]})
    page = _page(rows)
    assert "48 件 · corrected (extracted 46)" in page
    assert "15 件 · added" in page
    assert "第2页 page 2" in page and "box [10, 20, 90, 40] pt" in page
    assert "<mark>46件</mark>" in page and "<mark>15件</mark>" in page
    assert "未排名 Not ranked" in page and "below the screen" in page


def test_an_extracted_value_carries_no_origin_note():
    rows = pd.DataFrame({
        "unit_key": ["999001-gov"], "indicator": ["reconsideration_cases"], "raw_value": [15.0], "unit": ["件"],
        "role": ["flow"], "normalised": [30.0], "quote": ["办理行政复议案件15件"], "doc": ["d1"], "start": [TEXT.index("15")],
        "end": [TEXT.index("15") + 3], "origin": ["extracted"], "original_value": [15.0]})
    page = _page(rows)
    assert "15 件</td>" in page and "corrected" not in page and "added" not in page
