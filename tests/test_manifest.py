"""The manifest is input like any other (issue 24, failure 4): rows that do not parse are reported with
their line numbers and are no submissions; values are checked; text a spreadsheet would take for a formula
is neutralised wherever a CSV or XLSX file is written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from pipeline.ingest.inbox import InboxError, list_submissions, read_manifest_checked

HEADER = "file,unit_name,admin_level,report_year\n"


def _inbox(tmp_path: Path, manifest: str, name: str = "manifest.csv", files: tuple[str, ...] = ("a.txt", "b.txt")):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for f in files:
        (inbox / f).write_text("某县人民政府2017年法治政府建设情况报告", encoding="utf-8")
    (inbox / name).write_text(manifest, encoding="utf-8")
    return inbox


def test_a_malformed_row_is_reported_with_its_line_and_is_no_submission(tmp_path):
    """Failure 4: a malformed manifest row became a phantom 'missing_file' submission."""
    inbox = _inbox(tmp_path, HEADER + "a.txt,甲县人民政府,county,2017\n"
                                      "# b.txt belongs to 乙县\n"  # a comment line: one field
                                      "b.txt,乙县人民政府,county,2017,extra\n"  # five fields
                                      "乙县人民政府,b.txt,county,2017\n")  # columns shifted: no file name
    submissions = list_submissions(inbox)
    assert sorted(s.source_file for s in submissions) == ["a.txt", "b.txt"]  # the files, nothing else
    assert all(s.refused is None for s in submissions)
    manifest, problems = read_manifest_checked(inbox)
    assert manifest == {"a.txt": {"unit_name": "甲县人民政府", "admin_level": "county", "report_year": "2017"}}
    assert [(p.line, p.problem.split(" ")[0]) for p in problems] == [(3, "1"), (4, "5"), (5, "file")]
    assert "row ignored" in problems[0].problem and "header has 4" in problems[1].problem


def test_a_formula_as_unit_name_is_not_used(tmp_path):
    """Failure 4: a unit name =HYPERLINK("http://x") was accepted as given."""
    inbox = _inbox(tmp_path, HEADER + 'a.txt,"=HYPERLINK(""http://x"")",county,2017\n')
    manifest, problems = read_manifest_checked(inbox)
    assert manifest == {"a.txt": {"admin_level": "county", "report_year": "2017"}}
    assert len(problems) == 1 and problems[0].line == 2 and "unit_name" in problems[0].problem


@pytest.mark.parametrize(("column", "value", "ok"), [
    ("unit_name", "丹东市振兴区人民政府", True), ("unit_name", "中国（上海）自由贸易试验区管理委员会", True),
    ("unit_name", "x", False), ("unit_name", "@SUM(A1)", False), ("unit_name", "-2+3", False),
    ("admin_level", "county", True), ("admin_level", "village", False),
    ("report_year", "2017", True), ("report_year", "17", False), ("report_year", "2O17", False),
    ("unit_id", "210603", True), ("unit_id", "21060", False), ("division_code", "=1+1", False),
])
def test_manifest_values_must_look_like_their_column(tmp_path, column, value, ok):
    inbox = _inbox(tmp_path, f"file,{column}\na.txt,{value}\n")
    manifest, problems = read_manifest_checked(inbox)
    assert (manifest["a.txt"].get(column) == value) is ok
    assert (not problems) is ok


def test_yaml_manifest_problems_carry_line_numbers(tmp_path):
    inbox = _inbox(tmp_path, "files:\n  - file: a.txt\n    unit_name: 甲县人民政府\n  - just a string\n"
                             "  - file: b.txt\n    admin_level: village\n    colour: red\n", name="manifest.yaml")
    manifest, problems = read_manifest_checked(inbox)
    assert manifest == {"a.txt": {"unit_name": "甲县人民政府"}, "b.txt": {}}
    assert [(p.line, p.problem.split(" ")[0]) for p in problems] == [(4, "not"), (5, "admin_level"), (5, "unknown")]
    (inbox / "manifest.yaml").write_text("files: [unclosed\n", encoding="utf-8")
    with pytest.raises(InboxError, match="not valid YAML"):  # a manifest that does not parse at all
        read_manifest_checked(inbox)


def test_validation_results_and_report_list_the_manifest_problems(tmp_path):
    from pipeline.publish.report import render_report

    results = {"year": 2017, "passed": True, "gate_failures": [], "previous_year_available": False,
               "cross_year": [], "rules": [],
               "accounting": {"submitted": 2, "accepted": 2, "quarantined": 0, "duplicates": 0, "balanced": True},
               "manifest_problems": [{"line": 3, "problem": "1 fields where the header has 4: row ignored"}]}
    documents = pd.DataFrame([
        {"doc": "a1", "source_file": "a.txt", "disposition": "accepted", "unit_name": "甲县", "admin_level": "county",
         "unit_key": "320501-gov", "report_year": 2017, "flags": ["shared_template:b1"], "reason": None},
        {"doc": "b1", "source_file": "b.txt", "disposition": "accepted", "unit_name": "乙县", "admin_level": "county",
         "unit_key": "320502-gov", "report_year": 2017, "flags": ["shared_template:a1"], "reason": None}])
    quarantine = pd.DataFrame(columns=["dataset", "rules", "doc", "indicator", "value", "unit", "quote"])
    html = render_report(results, documents, quarantine, None)
    assert "Manifest problems" in html and "<td>3</td><td>1 fields where the header has 4: row ignored</td>" in html
    assert "<td>a.txt</td><td>shared_template</td><td>b.txt</td>" in html


HOSTILE_CELLS = ["=HYPERLINK(\"http://x\")", "+1", "-3", "@SUM(A1)", "\tpadded", "\rreturn", "正常文本", None]


def test_csv_cells_that_would_be_formulas_are_neutralised_but_numbers_stay_numbers():
    from pipeline.publish.stage import csv_bytes

    frame = pd.DataFrame({"quote": HOSTILE_CELLS, "value": [-5.0, 1.5, -3.0, 0.0, 2.0, -1.0, 7.0, None],
                          "flags": [["=cmd", "x"], [], [], [], [], [], [], []]})
    rows = list(csv.DictReader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"), newline="")))
    assert [r["quote"] for r in rows] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-3", "'@SUM(A1)", "'\tpadded",
                                          "'\rreturn", "正常文本", ""]
    assert [r["value"] for r in rows][:3] == ["-5.0", "1.5", "-3.0"]  # numeric column: untouched
    assert rows[0]["flags"] == "'=cmd;x"


def test_workbook_cells_that_would_be_formulas_are_text(tmp_path):
    import openpyxl
    import pyarrow as pa

    from pipeline.publish.package import write_workbook

    frame = pd.DataFrame({"quote": HOSTILE_CELLS, "value": [-5.0, 1.5, -3.0, 0.0, 2.0, -1.0, 7.0, None]})
    schema = pa.schema([pa.field("quote", pa.string()), pa.field("value", pa.float64())])
    target = write_workbook(tmp_path / "t.xlsx", {"scores": frame}, {"scores": schema}, 2017, "1.0")
    sheet = openpyxl.load_workbook(target)["scores"]
    quotes = [sheet.cell(row=i, column=1).value for i in range(2, 9)]
    assert quotes[0] == "'=HYPERLINK(\"http://x\")" and quotes[3] == "'@SUM(A1)" and quotes[6] == "正常文本"
    assert all(sheet.cell(row=i, column=1).data_type == "s" for i in range(2, 9))  # text, never a formula
    assert sheet.cell(row=2, column=2).value == -5.0 and sheet.cell(row=2, column=2).data_type == "n"
