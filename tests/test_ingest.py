"""Ingest on real samples (golden identification, defects cleaned) and on a generated bad-input corpus."""

from __future__ import annotations

import hashlib
import io as _io
import zipfile
from pathlib import Path

import pytest

from pipeline.ingest.inbox import list_submissions
from pipeline.ingest.normalise import normalise_text
from pipeline.ingest.readers import UnreadableFile, read_document
from pipeline.ingest.stage import profile_file, run_ingest, run_normalise
from pipeline.settings import RunSettings

GOLDEN = {
    # short name: (unit name contains, level, unit id, year, kind)
    "neimenggu-fazhiban": ("内蒙古自治区", "department", "150000", 2017, "annual_report"),
    "zhoushan-city": ("舟山市", "prefecture", "330900", 2019, "annual_report"),
    "etuoke-banner": ("鄂托克旗", "county", "150624", 2022, "annual_report"),
    "liujiang-district": ("柳江区", "county", "450206", 2017, "work_plan"),
    "zhenxing-district": ("振兴区", "county", "210603", 2017, "annual_report"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_real_samples_are_identified_without_manifest(sample_files, name):
    unit, level, unit_id, year, kind = GOLDEN[name]
    profile, _ = profile_file(sample_files[name])
    assert unit in profile["unit_name"]
    assert (profile["admin_level"], profile["division_code"], profile["report_year"], profile["doc_kind"]) == (
        level, unit_id, year, kind)
    assert profile["status"] == ("quarantined" if kind == "work_plan" else "ok")


def test_sample_defects_are_cleaned(sample_files):
    def clean(name: str) -> str:
        return normalise_text(sample_files[name].read_text(encoding="utf-8")).text

    neimenggu = clean("neimenggu-fazhiban")
    assert "(rèn)" not in neimenggu and "認" not in neimenggu and "认真贯彻" in neimenggu
    zhoushan = clean("zhoushan-city")
    assert "bet" not in zhoushan.lower() and "体育是正规的吗" not in zhoushan and "舟山群岛新区" in zhoushan
    etuoke = clean("etuoke-banner")
    assert "ICP备" not in etuoke and "Email" not in etuoke and "字号" not in etuoke
    assert etuoke.startswith("鄂托克旗2022年法治政府建设工作报告")
    liujiang = clean("liujiang-district")
    assert liujiang.count("进一步加强法治政府宣传力度") == 1
    assert len(liujiang) < 0.6 * len(sample_files["liujiang-district"].read_text(encoding="utf-8"))
    zhenxing = clean("zhenxing-district")
    assert "打印本页" not in zhenxing and "Baidu" not in zhenxing


def test_offsets_map_back_to_raw_text(sample_files):
    for path in sample_files.values():
        raw = path.read_text(encoding="utf-8")
        norm = normalise_text(raw)
        assert len(norm.offsets) == len(norm.text)
        assert (norm.offsets[1:] >= norm.offsets[:-1]).all()
        # characters untouched by t2s/NFKC are identical at their raw offset
        same = sum(norm.text[i] == raw[norm.offsets[i]] for i in range(len(norm.text)))
        assert same / len(norm.text) > 0.6


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "gb18030", "big5"])
def test_encodings_are_detected(sample_files, encoding):
    text = sample_files["etuoke-banner"].read_text(encoding="utf-8")
    if encoding == "big5":  # Big5 carries traditional text: use the traditional sample
        text = sample_files["neimenggu-fazhiban"].read_text(encoding="utf-8")[:1500]
        text = text.encode("big5", errors="ignore").decode("big5")
    decoded = read_document(text.encode(encoding), ".txt")
    assert decoded.text.replace("\ufeff", "") == text


def _docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buffer = _io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf_bytes(text: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pipeline.publish.style import use_house_style

    use_house_style()
    fig = plt.figure()
    for i, line in enumerate(text.split("\n")):
        fig.text(0.02, 0.8 - 0.1 * i, line, fontsize=8)
    buffer = _io.BytesIO()
    fig.savefig(buffer, format="pdf")
    plt.close(fig)
    return buffer.getvalue()


REPORT = "振兴区2017年度法治政府建设工作报告\n2017年,我区共审核规范性文件32件,办理行政复议案件15件。"


def test_docx_html_and_pdf_readers():
    assert "行政复议案件15件" in read_document(_docx_bytes(REPORT.split("\n")), ".docx").text
    html = f"<html><head><meta charset='gbk'><script>var x='广告广告广告广告广告广告广告广告广告广告广告';</script></head>" \
           f"<body><nav>首页 导航</nav><p>{REPORT}</p></body></html>".encode("gbk")
    text = read_document(html, ".html").text
    assert "行政复议案件15件" in text and "广告" not in text and "导航" not in text
    assert "法治政府" in read_document(_pdf_bytes(REPORT), ".pdf").text


def _zip_bomb() -> bytes:
    buffer = _io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"0" * (300 * 1024 * 1024))
    return buffer.getvalue()


BAD_INPUTS = {
    "empty.txt": (b"", "empty"),
    "garbage.txt": (bytes(range(256)) * 40, None),
    "corrupt.docx": (b"PK\x03\x04 this is not a zip", "corrupt_docx"),
    "encrypted.docx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "encrypted_or_legacy_doc"),
    "bomb.docx": (None, "zip_bomb"),
    "corrupt.pdf": (b"%PDF-1.4\n garbage", "corrupt_pdf"),
    "notes.xyz": (REPORT.encode(), "unsupported_extension"),
    "english.txt": (b"This is an English text without Chinese characters." * 10, "no_chinese_text"),
}


def test_bad_inputs_are_quarantined_with_reasons_and_accounted(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, (data, _reason) in BAD_INPUTS.items():
        (inbox / name).write_bytes(_zip_bomb() if data is None else data)
    (inbox / "ok.txt").write_text(REPORT * 20, encoding="utf-8")
    (inbox / "big.txt").write_text(REPORT * 6000, encoding="utf-8")
    (inbox / "manifest.csv").write_text(
        "file,unit_name,admin_level,report_year\n../outside.txt,x,county,2017\n/etc/passwd,x,county,2017\n"
        "missing.txt,x,county,2017\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in inbox.iterdir()}
    settings = RunSettings(year=2017, inbox=inbox, out=tmp_path / "out", max_file_bytes=400_000)
    run_ingest(settings)
    result = run_normalise(settings)
    import pandas as pd

    docs = pd.read_parquet(tmp_path / "out" / "text" / "year=2017" / "documents.parquet").set_index("source_file")
    assert len(docs) == len(list_submissions(inbox)) == len(BAD_INPUTS) + 2 + 3
    for name, (_data, reason) in BAD_INPUTS.items():
        assert docs.loc[name, "status"] == "quarantined", name
        if reason:
            assert docs.loc[name, "reason"].startswith(reason), (name, docs.loc[name, "reason"])
    assert docs.loc["big.txt", "reason"].startswith("too_large")
    assert docs.loc["../outside.txt", "reason"].startswith("unsafe_path")
    assert docs.loc["/etc/passwd", "reason"].startswith("unsafe_path")
    assert docs.loc["missing.txt", "reason"].startswith("missing_file")
    assert docs.loc["ok.txt", "disposition"] == "accepted"
    assert result["submitted"] == result["accepted"] + result.get("quarantined", 0) + result.get("duplicate", 0)
    # originals untouched
    assert {p.name: p.read_bytes() for p in inbox.iterdir()} == before


def test_exact_and_near_duplicates_are_set_aside(tmp_path: Path, sample_files):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    text = sample_files["zhenxing-district"].read_text(encoding="utf-8")
    (inbox / "a.txt").write_text(text, encoding="utf-8")
    (inbox / "b_copy.txt").write_text(text, encoding="utf-8")
    (inbox / "c_mirror.txt").write_text("转载自某网站\n" + text.replace("2017年", "2017 年", 3), encoding="utf-8")
    settings = RunSettings(year=2017, inbox=inbox, out=tmp_path / "out")
    run_ingest(settings)
    result = run_normalise(settings)
    assert result["accepted"] == 1 and result["duplicate"] == 2


def test_empty_bytes_are_unreadable():
    with pytest.raises(UnreadableFile):
        read_document(b"", ".txt")


def _docs(out: Path, year: int):
    import pandas as pd

    return pd.read_parquet(out / "text" / f"year={year}" / "documents.parquet").set_index("source_file")


def test_yaml_manifest_wins_over_inference_and_is_recorded(tmp_path: Path, sample_files):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "report.txt").write_bytes(sample_files["etuoke-banner"].read_bytes())
    (inbox / "plain.txt").write_bytes(sample_files["zhenxing-district"].read_bytes())
    (inbox / "manifest.yaml").write_text(
        "files:\n"
        "  - file: report.txt\n"
        "    unit_name: 鄂托克旗人民政府（经核对）\n"
        "    admin_level: county\n"
        "    report_year: 2022\n", encoding="utf-8")
    settings = RunSettings(year=2022, inbox=inbox, out=tmp_path / "out")
    run_ingest(settings)
    run_normalise(settings)
    docs = _docs(tmp_path / "out", 2022)
    row = docs.loc["report.txt"]
    assert row["unit_name"] == "鄂托克旗人民政府（经核对）"
    assert (row["unit_name_source"], row["admin_level_source"], row["report_year_source"]) == ("manifest",) * 3
    assert row["division_code_source"].startswith("inferred:") and row["division_code"] == "150624"
    assert "manifest_overrides_unit_name" in list(row["flags"])
    # no manifest row: everything inferred, and the 2017 report is set aside for the 2022 run
    other = docs.loc["plain.txt"]
    assert other["report_year_source"].startswith("inferred:") and other["reason"].startswith("wrong_year")


def test_broken_yaml_manifest_is_a_clear_inbox_error(tmp_path: Path):
    from pipeline.ingest.inbox import InboxError, read_manifest_checked

    (tmp_path / "manifest.yaml").write_text("- file: a.txt\n  admin_level: village\n", encoding="utf-8")
    # a value that does not look right is reported with its line and not used (issue 24); the run goes on
    manifest, problems = read_manifest_checked(tmp_path)
    assert manifest == {"a.txt": {}} and problems[0].line == 1 and "village" in problems[0].problem
    (tmp_path / "manifest.yaml").write_text("files: [unclosed\n", encoding="utf-8")
    with pytest.raises(InboxError, match="not valid YAML"):
        list_submissions(tmp_path)


def test_object_storage_inbox_through_fsspec(tmp_path: Path, sample_files):
    """An inbox given as a URL is listed and read through fsspec (the in-memory backend stands in
    for S3 here: same AbstractFileSystem API, no network)."""
    import fsspec

    fs = fsspec.filesystem("memory")
    root = "/rolindex-test-inbox/2017"
    if fs.exists("/rolindex-test-inbox"):
        fs.rm("/rolindex-test-inbox", recursive=True)
    for name in ("zhenxing-district", "liujiang-district", "neimenggu-fazhiban"):
        fs.pipe(f"{root}/reports/{name}.txt", sample_files[name].read_bytes())
    fs.pipe(f"{root}/empty.txt", b"")
    fs.pipe(f"{root}/manifest.csv", "file,unit_name,admin_level,report_year\n"
            "reports/zhenxing-district.txt,丹东市振兴区人民政府,county,2017\n".encode())
    settings = RunSettings.resolve(2017, inbox=f"memory://{root}", out=tmp_path / "out")
    assert settings.inbox == f"memory://{root}"
    run_ingest(settings)
    result = run_normalise(settings)
    docs = _docs(tmp_path / "out", 2017)
    assert sorted(docs.index) == ["empty.txt", "reports/liujiang-district.txt", "reports/neimenggu-fazhiban.txt",
                                  "reports/zhenxing-district.txt"]
    assert docs.loc["reports/zhenxing-district.txt", "unit_name_source"] == "manifest"
    assert docs.loc["empty.txt", "reason"].startswith("empty")
    assert docs.loc["reports/liujiang-district.txt", "reason"].startswith("not_annual_report")
    assert docs.loc["reports/zhenxing-district.txt", "sha256"] == hashlib.sha256(
        sample_files["zhenxing-district"].read_bytes()).hexdigest()
    assert result["submitted"] == 4 == result["accepted"] + result["quarantined"] + result.get("duplicate", 0)
    fs.rm("/rolindex-test-inbox", recursive=True)


@pytest.mark.parametrize(("text", "unit_name", "level", "year"), [
    # a 地区's government is its 行政公署, not a department
    ("和田地区行政公署关于2022年度法治政府建设情况的报告\n\n2022年，和田地区行政公署坚持以习近平新时代中国特色社会主义思想为指导，"
     "深入推进依法行政。" + "全面推进法治政府建设各项工作。" * 20, "和田地区行政公署", "prefecture", 2022),
    # no title: the opening sentence names a long unit before 坚持 (more than 12 characters)
    ("2022年,六盘水市六枝特区市场监督管理局坚持以习近平法治思想为指导，全面推进法治政府建设。\n"
     "一、主要工作\n完成“十四五”规划(2021-2025年)中期评估。" + "依法履行市场监管职责。" * 20, None, None, 2022),
])
def test_identification_of_prefecture_governments_and_long_opening_units(text, unit_name, level, year):
    from pipeline.ingest.identify import identify

    found = identify(normalise_text(text).text, None)
    assert found.report_year == year
    if unit_name:
        assert (found.unit_name, found.admin_level) == (unit_name, level)


def test_a_numbered_section_heading_is_not_taken_for_the_title():
    """A report without a title: its 二、2023年…工作安排 heading must not make it a work plan."""
    from pipeline.ingest.identify import identify

    text = ("2022年，黔西县人民政府坚持以习近平法治思想为指导，全面推进法治政府建设。\n"
            "一、2022年法治政府建设主要工作\n全年审查规范性文件12件，办理行政复议案件35件。\n"
            "二、2023年法治政府建设工作安排\n持续深化行政执法体制改革。\n" + "严格规范公正文明执法。" * 30)
    found = identify(normalise_text(text).text, None)
    assert found.title is None or not found.title.startswith("二、")
    assert (found.doc_kind, found.report_year) == ("annual_report", 2022)


def test_the_end_of_a_plan_period_is_not_counted_as_the_report_year():
    from pipeline.ingest.identify import identify_year

    text = ("一、主要工作\n落实《法治政府建设实施纲要(2021-2025年)》，编制“十四五”规划(2021—2025年)，"
            "对照(2021至2025年)目标推进。2022年完成年度任务，2022年全面推进依法行政。")
    assert identify_year(None, text, None, "annual_report") == (2022, "most_frequent_year")


_COUNTY_BODY = ("\n2022年，我局在县委、县政府的坚强领导下，认真贯彻落实班玛县法治政府建设要求。全县行政执法案件办理120件，"
                "班玛县各乡镇依法行政水平稳步提升。我局组织学法培训3次。\n" + "严格规范公正文明执法。" * 20)


@pytest.mark.parametrize(("title", "unit_name", "unit_id"), [
    ("班玛县审计局2022年度法治政府建设工作总结", "班玛县审计局", "632622"),  # the full name, for reference
    ("县审计局关于2022年度法治政府建设情况的报告", "班玛县审计局", "632622"),  # generic place: the body's county
    ("审计局2022年度法治政府建设工作总结", "班玛县审计局", "632622"),       # spam took the place name away
    ("林业局关于2022年度法治政府建设工作情况的报告", "班玛县林业局", "632622"),
    ("市司法局2022年法治政府建设年度报告", "果洛藏族自治州司法局", "632600"),  # 市: the city above the body's county
    ("县市场监督管理局2022年法治政府建设年度报告", "班玛县市场监督管理局", "632622"),  # 市场 is a word, not 市
])
def test_a_department_named_without_its_place_is_a_department_of_the_bodys_place(title, unit_name, unit_id):
    """市司法局 / 县审计局 / a bare 审计局 in the title is a department (it was classified as the government
    of the place found in the body); the place comes from the body at the level the generic word names."""
    from pipeline.ingest.identify import identify

    found = identify(normalise_text(title + _COUNTY_BODY).text, None)
    assert (found.unit_name, found.admin_level, found.unit_id) == (unit_name, "department", unit_id)


def test_a_title_less_web_page_opens_after_its_navigation_lines():
    """Menu and breadcrumb lines above the opening sentence must not hide the unit it names."""
    from pipeline.ingest.identify import identify

    text = ("首页\n\n首页\n>\n政务公开\n> 法治政府建设\n\n"
            "2022年,富阳区交通运输局认真学习贯彻习近平法治思想,大力推动法治政府建设,为全区各项事业发展提供了有力的"
            "法治保障。现将有关情况汇报如下:\n\n一、2022年推进法治政府建设的主要举措和成效\n" + "推进交通运输综合行政执法改革。" * 20)
    found = identify(normalise_text(text).text, None)
    assert (found.unit_name, found.admin_level, found.unit_id, found.report_year) == (
        "富阳区交通运输局", "department", "330111", 2022)


@pytest.mark.parametrize(("raw", "clean"), [
    ("澳门新葡京官网_百家乐最新技巧_乐鱼体育平台林业局2022年度法治政府建设工作报告", "林业局2022年度法治政府建设工作报告"),
    ("澳门新葡京娱乐场官网_pg电子游戏试玩平台2020年法治政府建设工作报告", "2020年法治政府建设工作报告"),
    # words of the spam tail in normal text, with no spam before them, stay
    ("全市网吧和电子游戏经营场所检查120家,依法查处违规平台3个。", "全市网吧和电子游戏经营场所检查120家,依法查处违规平台3个。"),
    ("严厉打击跨境赌博、网络博彩违法犯罪,关停境外博彩网站12个。", "严厉打击跨境赌博、网络博彩违法犯罪,关停境外博彩网站12个。"),
])
def test_spam_runs_are_removed_with_the_words_that_continue_them(raw, clean):
    assert normalise_text(raw).text == clean


def test_the_opening_sentence_gives_the_year_over_more_frequent_other_years():
    """2022年,<unit>全面贯彻… names the reported year even when 2021 is mentioned more often below."""
    from pipeline.ingest.identify import identify_year

    text = ("2022年,营口市科学技术局全面贯彻《法治政府建设实施纲要(2021-2025年)》,全面落实法治政府建设重点任务。\n"
            "2021年至2022年,市政府印发《关于落实规范性文件制度的通知》(营政办发〔2021〕68号)。2021年完成清理。")
    assert identify_year(None, text, None, "annual_report") == (2022, "opening_sentence")


@pytest.mark.parametrize(("text", "expected"), [
    # news about a report, with a news outlet's dateline: another kind of document
    ("四川公布2021年度法治政府建设情况报告全省行政复议纠错率达13.8%\n2022-03-31 08:12 来源:四川日报\n"
     "3月30日,四川省人民政府公布了报告。" + "全省法治政府建设取得新成效。" * 20, {"doc_kind": "other"}),
    # a speech
    ("在全市法治政府建设推进会上的讲话\n(2021年7月9日)\n同志们:\n今天召开全市法治政府建设推进会。"
     + "我市法治政府建设取得新成效。" * 20, {"doc_kind": "other"}),
    # the unit on its own line above a heading that is not a report title
    ("厦门市中级人民法院\n2022年度行政审判白皮书\n前言\n2022年,厦门两级法院依法履行行政审判职能。"
     + "全市行政机关负责人出庭应诉率稳步提升。" * 20, {"doc_kind": "other", "admin_level": "department",
                                               "unit_id": "350200"}),
    # a government's office issues the government's plan
    ("无锡市人民政府办公室关于印发无锡市2023年法治政府建设工作要点的通知\n各市(县)、区人民政府:\n"
     + "全面推进依法行政。" * 20, {"doc_kind": "work_plan", "admin_level": "prefecture", "unit_id": "320200",
                                "unit_name": "无锡市人民政府"}),
    # a district name shared by several cities, told apart by the region's vocabulary (治藏, 布达拉宫)
    ("城关区2021年法治政府建设年度报告\n2021年,区政府在自治区党委、政府的坚强领导下,全面贯彻新时代党的治藏方略。"
     "配合开展布达拉宫、大昭寺周边环境秩序综合整治。" + "推进法治政府建设取得新成效。" * 10,
     {"admin_level": "county", "unit_id": "540102"}),
])
def test_identification_rules_from_the_second_holdout(text, expected):
    from pipeline.ingest.identify import identify

    found = identify(normalise_text(text).text, None).as_dict()
    assert {k: found[k] for k in expected} == expected


@pytest.mark.parametrize(("title", "unit_name"), [
    ("烟台市市场监管局2022年法治政府建设年度报告", "烟台市市场监督管理局"),
    ("烟台市市场监督管理局2022年法治政府建设年度报告", "烟台市市场监督管理局"),  # already official: unchanged
    ("莱山区卫健局2022年法治政府建设年度报告", "莱山区卫生健康局"),
])
def test_a_department_is_named_by_its_official_name(title, unit_name):
    from pipeline.ingest.identify import identify

    body = "\n2022年,我局坚持以习近平法治思想为指导,全面推进依法行政。烟台市持续推进。\n" + "严格规范公正文明执法。" * 20
    found = identify(normalise_text(title + body).text, None)
    assert (found.unit_name, found.admin_level) == (unit_name, "department")
