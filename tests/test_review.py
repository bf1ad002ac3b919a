"""The auditor's loop (issue 23): corrections as data, lineage, changes, review queue. Fast tests on invented
frames; the acceptance test (sample inbox, one uncorrected and one corrected run, rebuild) is in
``tests/test_review_dag.py``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.config import load_config
from pipeline.review.changes import correction_ids_by_unit, diff_builds
from pipeline.review.corrections import (
    CorrectionsError,
    apply_document_rows,
    find_document,
    parse_corrections,
    quote_spans,
    with_lineage,
)
from pipeline.review.queue import correction_template, doubt_of, explained_share, rank_impacts, review_queue

SHA_A = "a" * 64
SHA_B = "b" * 64
SHA_C = "c" * 64


def _file(rows: list[dict], year: int = 2031) -> bytes:
    return yaml.safe_dump({"year": year, "corrections": rows}, allow_unicode=True).encode("utf-8")


def _row(**fields) -> dict:
    return {"id": "r1", "action": "set_record", "document": SHA_A[:12], "quote": "受理案件12件",
            "set": {"value": 21}, "reviewer": "审核员甲", "reason": "typo in the extraction", "date": "2031-03-02",
            **fields}


def test_a_valid_file_parses_and_yaml_dates_are_read_as_text():
    data = _file([_row()]).replace(b"'2031-03-02'", b"2031-03-02")
    rows = parse_corrections(data, "c.yaml", 2031)
    assert rows[0]["date"] == "2031-03-02" and rows[0]["set"] == {"value": 21}


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.pop("reviewer"), "reviewer"),
    (lambda r: r.update(action="set_document", set={"status": "accepted"}), "quote"),  # a document row has no quote
    (lambda r: r.update(action="add_record", set={"value": 3}), "indicator"),
    (lambda r: r.update(set={"status": "accepted"}), "status"),  # a record row cannot set a document field
    (lambda r: r.update(document="not-a-hash"), "document"),
    (lambda r: r.update(set={"value": -4}), "minimum"),
])
def test_schema_rejects_broken_rows(change, message):
    row = _row()
    change(row)
    with pytest.raises(CorrectionsError, match=message):
        parse_corrections(_file([row]), "c.yaml", 2031)


def test_another_year_and_repeated_ids_are_refused():
    with pytest.raises(CorrectionsError, match="not the run year 2032"):
        parse_corrections(_file([_row()]), "c.yaml", 2032)
    with pytest.raises(CorrectionsError, match="used twice"):
        parse_corrections(_file([_row(), _row()]), "c.yaml", 2031)


def test_quote_spans_choose_the_repeat_nearest_to_start():
    text = "甲乙丙受理案件12件。丁戊受理案件12件。"
    assert quote_spans(text, "受理案件12件", None) == [(3, 10), (13, 20)]
    assert quote_spans(text, "受理案件12件", 15) == [(13, 20)]
    assert quote_spans(text, "不在文中", None) == []


def _documents() -> pd.DataFrame:
    return pd.DataFrame({
        "doc": ["d-plan", "d-news", "d-report"], "sha256": [SHA_A, SHA_B, SHA_C],
        "status": ["quarantined", "ok", "ok"], "disposition": ["quarantined", "accepted", "accepted"],
        "reason": ["not_annual_report: work_plan", None, None], "flags": [[], ["nfkc_changed"], []],
        "unit_key": ["110101-gov", "110102-gov", None], "unit_name": ["东城区", "西城区", None],
        "admin_level": ["county"] * 3, "division_code": ["110101", "110102", None], "report_year": [2031] * 3,
        "report_year_source": [None] * 3, "doc_kind": ["work_plan", "annual_report", "annual_report"],
        "doc_kind_source": [None] * 3, "doc_kind_reason": [None] * 3, "duplicate_of": [None] * 3})


def _doc_row(rid: str, document: str, **changes) -> dict:
    return {"id": rid, "action": "set_document", "document": document, "set": changes, "reviewer": "乙",
            "reason": "checked by hand", "date": "2031-03-02"}


def test_document_rows_accept_reject_and_report_what_does_not_apply():
    rows = [_doc_row("accept", SHA_A[:16], status="accepted"), _doc_row("reject", SHA_B, status="rejected"),
            _doc_row("nobody", SHA_C, status="accepted"), _doc_row("unknown", "d" * 20, status="rejected"),
            _doc_row("later", SHA_C, report_year=2030)]
    frame, report = apply_document_rows(_documents(), rows, lambda doc: "正文", 2031)
    by_doc = frame.set_index("doc")
    assert by_doc.at["d-plan", "disposition"] == "accepted" and by_doc.at["d-plan", "doc_kind"] == "annual_report"
    assert pd.isna(by_doc.at["d-plan", "reason"]) and "corrected:status" in by_doc.at["d-plan", "flags"]
    assert by_doc.at["d-news", "disposition"] == "quarantined"
    assert by_doc.at["d-news", "reason"].startswith("rejected_by_reviewer: checked by hand (乙, correction reject)")
    assert by_doc.at["d-report", "disposition"] == "quarantined"  # a report of another year is set aside
    assert by_doc.at["d-report", "reason"].startswith("wrong_year")
    outcome = {r["id"]: (r["status"], r["problem"]) for r in report}
    assert outcome == {"accept": ("applied", None), "reject": ("applied", None),
                       "nobody": ("inapplicable", "no_reporting_body"),
                       "unknown": ("inapplicable", "unknown_document"), "later": ("applied", None)}
    assert find_document(_documents(), SHA_B[:12]) == ("d-news", None)


def test_a_document_row_moves_the_report_to_another_body():
    documents = _documents().assign(unit_kind="government", parent_division="110000", tier="county", dept_type=None,
                                    unit_name_source=None, admin_level_source=None, division_code_source=None)
    row = _doc_row("bureau", SHA_B, unit_name="丹东市振兴区司法局", division_code="210603")
    frame, report = apply_document_rows(documents, [row], lambda doc: "丹东市振兴区司法局2031年法治政府建设情况报告", 2031)
    moved = frame.set_index("doc").loc["d-news"]
    assert report[0]["effect"] == "body 110102-gov -> 210603-dept-justice"
    assert (moved["unit_key"], moved["unit_kind"], moved["admin_level"], moved["dept_type"]) == (
        "210603-dept-justice", "department", "department", "司法")
    assert moved["unit_name_source"] == "correction:bureau" and "corrected:unit_name" in moved["flags"]


def test_lineage_keeps_the_original_value_beside_the_corrected_one():
    indicators = pd.DataFrame({"doc": ["d1", "d1", "d2"], "start": [5, 40, 7], "indicator": ["x", "y", "x"],
                               "raw_value": [21.0, 9.0, 4.0]})
    lineage = pd.DataFrame({"doc": ["d1", "d1"], "unit_key": ["u1", "u1"], "start": [5, 40], "end": [8, 44],
                            "indicator": ["x", "y"], "origin": ["corrected", "added"],
                            "original_value": [12.0, float("nan")], "original_indicator": ["x", None],
                            "correction_id": ["fix", "add"], "reviewer": ["甲"] * 2, "reason": ["r"] * 2,
                            "date": ["2031-03-02"] * 2})
    out = with_lineage(indicators, lineage)
    assert list(out["origin"]) == ["corrected", "added", "extracted"]
    assert out["original_value"].iloc[0] == 12.0 and math.isnan(out["original_value"].iloc[1])
    assert out["original_value"].iloc[2] == 4.0 and list(out["correction_id"])[:2] == ["fix", "add"]


def _scores(values: dict[str, float | None], group: str = "county") -> pd.DataFrame:
    ranked = sorted((k for k, v in values.items() if v is not None), key=lambda k: -values[k])
    return pd.DataFrame({"unit_key": list(values), "unit_name": [f"单位{k}" for k in values],
                         "peer_group": [group] * len(values), "score": [values[k] for k in values],
                         "rank": pd.array([ranked.index(k) + 1 if k in ranked else None for k in values],
                                          dtype="Int64"),
                         "completeness": [50.0] * len(values)})


def test_diff_lists_every_value_score_rank_and_unit_that_moved():
    s0, s1 = _scores({"u1": 60.0, "u2": 55.0, "u3": 40.0}), _scores({"u1": 50.0, "u2": 55.0, "u4": 30.0})
    i0 = pd.DataFrame({"unit_key": ["u1", "u2"], "indicator": ["x", "x"], "raw_value": [12.0, 8.0]})
    i1 = pd.DataFrame({"unit_key": ["u1", "u2", "u1"], "indicator": ["x", "x", "y"], "raw_value": [21.0, 8.0, 3.0]})
    changes = diff_builds((s0, i0), (s1, i1), {"u1": ["fix"], "u3": ["reject"], "u4": ["accept"]})
    got = {(r.unit_key, r.change, r.indicator if isinstance(r.indicator, str) else None): (r.before, r.after)
           for r in changes.itertuples()}
    assert got[("u1", "value", "x")] == (12.0, 21.0)
    assert math.isnan(got[("u1", "value", "y")][0]) and got[("u1", "value", "y")][1] == 3.0
    assert got[("u1", "score", None)] == (60.0, 50.0) and got[("u1", "rank", None)] == (1.0, 2.0)
    assert got[("u2", "rank", None)] == (2.0, 1.0)
    assert ("u4", "unit_added", None) in got and ("u3", "unit_removed", None) in got
    u2 = changes[(changes["unit_key"] == "u2") & (changes["change"] == "rank")].iloc[0]
    assert pd.isna(u2["correction_ids"]) and "peer group" in u2["note"]  # moved because u1 moved
    assert not ((changes["unit_key"] == "u2") & (changes["change"] == "value")).any()  # u2's value is unchanged


def test_correction_ids_follow_documents_into_units_before_and_after():
    lineage = pd.DataFrame({"unit_key": ["u1"], "correction_id": ["fix"]})
    report = pd.DataFrame({"id": ["reject", "bad"], "stage": ["documents"] * 2, "status": ["applied", "inapplicable"],
                           "doc": ["d3", "d9"]})
    before = pd.DataFrame({"doc": ["d3", "d9"], "unit_key": ["u3", "u9"]})
    ids = correction_ids_by_unit(lineage, report, [pd.DataFrame({"doc": [], "unit_key": []}), before])
    assert ids == {"u1": ["fix"], "u3": ["reject"]}


def test_doubt_combines_the_extractors_signals():
    cfg = load_config("review")
    sure, reasons = doubt_of({"confidence": 9.0, "raw_value": 5.0, "role": "flow", "qualifier": "exact"}, 1,
                             (0.0, 100.0), cfg)
    assert sure == cfg["doubt"]["floor"] and reasons == []
    doubt, reasons = doubt_of({"confidence": 1.0, "raw_value": 500.0, "role": "stock", "qualifier": "at_least",
                               "flags": np.array(["panel.some_warning"])}, 3, (0.0, 100.0), cfg)
    assert doubt > 0.99 and {r.split(":")[0] for r in reasons} == {
        "low_confidence", "conflicting_values", "outside_range", "validation_flag", "role", "qualifier"}
    assert doubt_of({"origin": "corrected", "confidence": 0.0}, 5, None, cfg) == (cfg["doubt"]["floor"], ["reviewed"])


def test_rank_impact_counts_places_lost_and_needs_enough_ranked_units():
    scores = _scores({"u1": 80.0, "u2": 70.0, "u3": 60.0, "u4": None})
    rows = pd.DataFrame({"unit_key": ["u1", "u1", "u4"], "score_impact": [25.0, 5.0, 10.0]})
    assert rank_impacts(rows, scores, 3) == [2.0, 0.0, None]
    assert rank_impacts(rows, scores, 4) == [None, None, None]  # only 3 ranked: score basis instead


def test_queue_ranks_by_impact_times_doubt_and_its_correction_row_applies():
    text = "本年度共受理行政复议案件12件,办结11件。"
    indicators = pd.DataFrame({
        "unit_key": ["u1", "u1"], "unit_name": ["单位u1"] * 2, "admin_level": ["county"] * 2,
        "indicator": ["reconsideration_cases", "reconsideration_closed"], "raw_value": [12.0, 11.0],
        "unit": ["件", "件"], "qualifier": ["exact", "exact"], "normalised": [60.0, 40.0], "weight": [0.1, 0.1],
        "flags": [[], []], "doc": ["d1", "d1"], "sha256": [SHA_A, SHA_A], "quote": [text, text],
        "start": [12, 19], "end": [15, 21], "origin": ["extracted"] * 2, "original_value": [12.0, 11.0],
        "original_indicator": [None, None], "correction_id": [None, None]})
    records = pd.DataFrame({"doc": ["d1", "d1", "d1"], "unit_key": ["u1"] * 3, "start": [12, 19, 30],
                            "indicator": ["reconsideration_cases", "reconsideration_closed", "reconsideration_cases"],
                            "value": [12.0, 11.0, 14.0], "scope": ["actual"] * 3, "score": [2.0, 8.0, 1.0],
                            "role": ["flow"] * 3, "rule_id": ["r"] * 3, "frame_rule": [None] * 3})
    queue = review_queue(indicators, _scores({"u1": None}), records, lambda doc: text, load_config("review"))
    assert list(queue["indicator"]) == ["reconsideration_cases", "reconsideration_closed"]
    first = queue.iloc[0]
    assert first["impact_basis"] == "score" and first["score_impact"] == pytest.approx(6.0)
    assert "conflicting_values:2" in first["doubt_reasons"] and first["context"].count("【12件】") == 1
    assert explained_share(queue, 1) == pytest.approx(6.0 / 10.0)
    row = yaml.safe_load(first["correction"])[0]
    assert row["match"] == {"value": 12.0, "indicator": "reconsideration_cases"} and row["document"] == SHA_A
    row.update(reviewer="丙", reason="checked against the report", date="2031-03-02", set={"value": 13})
    assert parse_corrections(_file([row]), "filled.yaml", 2031)[0]["quote"] in text
    assert correction_template(indicators.iloc[1].to_dict(), None, 12).startswith("- id: u1.reconsideration_closed")


def test_run_refuses_a_broken_corrections_file_before_running(tmp_path, capsys, monkeypatch):
    from pipeline.cli import main

    monkeypatch.delenv("ROLINDEX_CORRECTIONS", raising=False)
    bad = tmp_path / "corrections.yaml"
    bad.write_bytes(_file([_row(reviewer="")], year=2017))
    assert main(["run", "--year", "2017", "--out", str(tmp_path / "out"), "--corrections", str(bad)]) == 1
    assert "reviewer" in capsys.readouterr().err and not (tmp_path / "out" / "raw").exists()
    assert "ROLINDEX_CORRECTIONS" not in __import__("os").environ
