"""A standing hostile inbox (issue 24): 30 kinds of submission a new user could drop into a year's inbox,
including the five failures the first hostile run found (template reports merged, a year that crashed,
three bad bytes losing a report, a manifest trusted too far, published files that were not
byte-identical). One DAG run through Airflow, then the same inbox through the stages in this process into
another output root: every file's disposition and reason, the accounting, the escaping and the
byte-identity of every published file. All texts and figures are invented."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

YEAR = 2017
MAX_FILE_BYTES = 120_000  # the run's size limit (ROLINDEX_MAX_FILE_BYTES), so that one file can exceed it

TEMPLATE = (
    "{county}人民政府关于{year}年度法治政府建设情况的报告\n"
    "{year}年，{county}在市委、市政府的坚强领导下，深入推进依法行政，加快建设法治政府，各项工作取得明显成效。现将有关情况报告如下。\n"
    "一、完善依法行政制度体系。全年制定规范性文件{a}件，全部经过合法性审查，报备率达到百分之百。\n"
    "二、推进严格规范公正文明执法。全面落实行政执法三项制度，开展执法人员培训{b}期，培训执法人员{c}人次。\n"
    "三、强化行政权力制约和监督。办理行政复议案件{d}件，行政机关负责人出庭应诉率达到{e}%。\n"
    "四、依法有效化解社会矛盾纠纷。调处各类矛盾纠纷{f}件，调解成功率保持在较高水平，群众满意度不断提升。\n"
    "五、存在的问题和下一步工作打算。我们将继续深化法治政府建设，推动各项任务落地见效，为经济社会发展提供法治保障。\n"
)
FIGURES = {"a": 12, "b": 6, "c": 830, "d": 41, "e": 95, "f": 327}


def report(county: str, year: int = YEAR, **figures: int) -> str:
    return TEMPLATE.format(county=county, year=year, **{**FIGURES, **figures})


def _docx(document_xml: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def build_inbox(inbox: Path, outside: Path) -> dict[str, tuple[str, str]]:
    """Write the hostile inbox; returns file -> (expected disposition, expected reason or flag)."""
    inbox.mkdir(parents=True)
    expected: dict[str, tuple[str, str]] = {}

    def put(name: str, data: bytes | str, disposition: str, why: str) -> None:
        path = inbox / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        expected[name] = (disposition, why)

    # failure 1: four counties' reports from one template (two with the same figures): all kept, flagged
    put("changshu.txt", report("常熟市"), "accepted", "shared_template")
    put("zhangjiagang.txt", report("张家港市"), "accepted", "shared_template")
    put("kunshan.txt", report("昆山市", d=57, f=402), "accepted", "shared_template")
    put("taicang.txt", report("太仓市", a=9, c=610), "accepted", "shared_template")
    # copies of one body's report are still duplicates
    put("changshu_copy.txt", report("常熟市"), "duplicate", "exact duplicate of")
    repost = report("常熟市").replace("现将有关情况报告如下。", "")  # a web copy, a little shorter: not kept first
    put("changshu_repost.html", "<html><body><p>" + repost.replace("\n", "</p><p>") + "</p></body></html>",
        "duplicate", "near duplicate of")
    # failure 3: three stray bytes in a UTF-8 report; and other encodings
    text = report("吴江区", d=33).encode("utf-8")
    put("wujiang_three_bad_bytes.txt", text[:90] + b"\xff" + text[90:300] + b"\xff" + text[300:600] + b"\xff"
        + text[600:], "accepted", "")
    put("xiangcheng_gb18030.txt", report("相城区", b=4).encode("gb18030"), "accepted", "")
    put("gusu_utf16.txt", report("姑苏区", e=88).encode("utf-16"), "accepted", "")
    put("subfolder/huqiu.txt", report("虎丘区", a=21), "accepted", "")
    # failure 4: a manifest with broken rows and a formula as unit name (for a real file)
    put("wuzhong.txt", report("吴中区", c=700), "accepted", "")
    # escaping: a file name that is HTML, and one a spreadsheet would take for a formula
    put("<img src=x onerror=alert(1)>.txt", report("高新区", f=155), "accepted", "")
    put("=HYPERLINK(x).txt", "通知\n" + "请各单位按时报送材料。" * 30, "quarantined", "not_annual_report")
    # unreadable or not a report: each refused with its own reason
    put("noise.txt", bytes((i * 97 + 13) % 256 for i in range(30_000)), "quarantined", "undecodable")
    put("zero.txt", b"", "quarantined", "empty")
    put("blank.txt", "   \n\t\n", "quarantined", "empty")
    put("english.txt", "Annual report on law-based government, written in English only. " * 10, "quarantined",
        "no_chinese_text")
    put("bomb.docx", _docx(b"<w:document>" + b"0" * 5_000_000 + b"</w:document>"), "quarantined", "zip_bomb")
    put("entities.docx", _docx(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><w:document>&a;'
                               b"</w:document>"), "quarantined", "xml_entities")
    put("broken.docx", b"PK\x03\x04 not really a zip " * 20, "quarantined", "corrupt_docx")
    put("legacy.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "quarantined", "encrypted_or_legacy_doc")
    put("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        "quarantined", "")
    put("really_a_pdf.txt", b"%PDF-1.4\n%%EOF", "quarantined", "wrong_extension")
    put("program.exe", b"MZ\x90\x00", "quarantined", "unsupported_extension")
    put("too_large.txt", report("姑苏区") * 400, "quarantined", "too_large")
    put("work_plan.txt", "苏州市吴中区2017年法治政府建设工作要点\n" + "一、主要任务。力争全年培训执法人员1000人次。\n" * 20,
        "quarantined", "not_annual_report")
    put("last_year.txt", report("常熟市", year=2016), "quarantined", "wrong_year")
    put("too_short.txt", "常熟市人民政府关于2017年度法治政府建设情况的报告\n全年办理行政复议案件41件。", "quarantined",
        "too_short")
    (inbox / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # hidden: not a submission
    (outside / "secret.txt").write_text("机密" * 50, encoding="utf-8")
    (inbox / "link_out.txt").symlink_to(outside / "secret.txt")
    expected["link_out.txt"] = ("quarantined", "unsafe_path")
    (inbox / "manifest.csv").write_text(
        "file,unit_name,admin_level,report_year\n"
        'wuzhong.txt,"=HYPERLINK(""http://x"")",county,2017\n'
        "# a comment line that used to become a phantom submission\n"
        "吴中区人民政府,wuzhong.txt,county,2017\n"
        "xiangcheng_gb18030.txt,苏州市相城区人民政府,county,2017,extra\n", encoding="utf-8")
    return expected


def _digests(publish: Path) -> dict[str, str]:
    return {p.relative_to(publish).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(publish.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def hostile_run(airflow_db, tmp_path_factory) -> dict:
    from pipeline.runner import load_dag
    from tests.test_empty_year import run_stages

    root = tmp_path_factory.mktemp("hostile")
    (root / "outside").mkdir()
    expected = build_inbox(root / "inbox", root / "outside")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ROLINDEX_MAX_FILE_BYTES", str(MAX_FILE_BYTES))
        dag_run = load_dag().test(run_conf={"year": YEAR, "inbox": str(root / "inbox"), "out": str(root / "dag")})
        run_stages(root / "inbox", root / "again" / "in_process", max_file_bytes=MAX_FILE_BYTES)
    return {"state": str(dag_run.state), "expected": expected, "out": root / "dag",
            "again": root / "again" / "in_process", "inbox": root / "inbox"}


def _documents(out: Path):
    import pandas as pd

    return pd.read_parquet(out / "publish" / f"year={YEAR}" / "documents.parquet").set_index("source_file")


def test_the_hostile_run_completes(hostile_run):
    assert hostile_run["state"] == "success"
    assert len(hostile_run["expected"]) >= 25


def test_every_file_has_its_disposition_and_reason(hostile_run):
    documents = _documents(hostile_run["out"])
    assert sorted(documents.index) == sorted(hostile_run["expected"])  # every file once, nothing else
    wrong = {}
    for name, (disposition, why) in hostile_run["expected"].items():
        row = documents.loc[name]
        said = f"{row['reason'] or ''} {' '.join(row['flags'])}"
        if row["disposition"] != disposition or why not in said or (disposition != "accepted" and not row["reason"]):
            wrong[name] = (row["disposition"], said[:120])
    assert wrong == {}


def test_template_reports_are_kept_and_copies_are_duplicates(hostile_run):
    documents = _documents(hostile_run["out"])
    docs = {row.doc: name for name, row in documents.iterrows()}
    for name in ("changshu.txt", "zhangjiagang.txt", "kunshan.txt", "taicang.txt"):
        partners = [f.split(":", 1)[1] for f in documents.loc[name, "flags"] if f.startswith("shared_template:")]
        assert partners and docs[partners[0]] != name
    assert docs[documents.loc["changshu_copy.txt", "duplicate_of"]] == "changshu.txt"
    assert docs[documents.loc["changshu_repost.html", "duplicate_of"]] == "changshu.txt"


def test_accounting_balances_and_manifest_problems_are_reported(hostile_run):
    import json

    publish = hostile_run["out"] / "publish" / f"year={YEAR}"
    results = json.loads((publish / "validation_results.json").read_text(encoding="utf-8"))
    account = results["accounting"]
    expected = hostile_run["expected"]
    assert account["submitted"] == len(expected) == account["rows"] and account["balanced"]
    assert account["accepted"] == sum(d == "accepted" for d, _ in expected.values())
    assert account["duplicates"] == sum(d == "duplicate" for d, _ in expected.values())
    lines = sorted((p["line"], p["problem"].split(" ")[0]) for p in results["manifest_problems"])
    assert lines == [(2, "unit_name"), (3, "1"), (4, "file"), (5, "5")]
    assert _documents(hostile_run["out"]).loc["wuzhong.txt", "unit_name"] != '=HYPERLINK("http://x")'


def test_report_text_and_file_names_are_escaped_everywhere(hostile_run):
    import openpyxl

    publish = hostile_run["out"] / "publish" / f"year={YEAR}"
    report = (publish / "validation_report.html").read_text(encoding="utf-8")
    assert "<img src=x" not in report and "&lt;img src=x onerror=alert(1)&gt;.txt" in report
    assert "shared_template" in report and "Manifest problems" in report
    sheet = openpyxl.load_workbook(publish / f"rolindex_{YEAR}.xlsx")["documents"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(x).txt" in {c.value for c in cells}
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)  # no formula anywhere


def test_every_published_file_is_byte_identical_in_another_output_root(hostile_run):
    first = _digests(hostile_run["out"] / "publish" / f"year={YEAR}")
    again = _digests(hostile_run["again"] / "publish" / f"year={YEAR}")
    assert len(first) >= 20 and first == again
