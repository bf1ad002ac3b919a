"""Every row of sections A and B of the real-text phenomena (shared spec), as invented text.

Place names and division codes are real (the gazetteer needs them); every sentence and figure is made up.
Each case goes through ``identify`` the way a submitted report does after normalisation.
"""

from __future__ import annotations

import pytest

from pipeline.ingest.bodies import department_type, match_national
from pipeline.ingest.identify import _place_scores, identify, signature_date

BODY = "坚持以习近平法治思想为指导，全面推进依法行政，各项工作取得新成效。一、主要举措和成效。存在的问题和不足。" * 3


def _id(text: str):
    return identify(text)


# --- A. Who is reporting ---------------------------------------------------------------------------

def test_a1_a_department_is_its_own_body_not_its_government():
    bureau = _id("舟山市人力资源和社会保障局2023年法治政府建设年度报告\n2023年，市人社局" + BODY)
    city = _id("舟山市人民政府2023年法治政府建设年度报告\n2023年，我市" + BODY)
    assert (bureau.unit_key, bureau.unit_kind, bureau.admin_level) == ("330900-dept-hrss", "department", "department")
    assert (bureau.division_code, bureau.parent_division, bureau.tier, bureau.dept_type) == (
        "330900", "330900", "prefecture", "人社")
    assert (city.unit_key, city.unit_kind, city.tier, city.parent_division) == ("330900-gov", "government",
                                                                               "prefecture", "330000")
    assert bureau.unit_key != city.unit_key


def test_a1_short_and_official_department_names_are_one_body():
    short = _id("舟山市市场监管局2022年法治政府建设年度报告\n2022年，我局" + BODY)
    full = _id("舟山市市场监督管理局2022年法治政府建设年度报告\n2022年，我局" + BODY)
    assert short.unit_key == full.unit_key == "330900-dept-market_regulation"
    assert short.unit_name == full.unit_name == "舟山市市场监督管理局"


def test_a1_two_unlisted_departments_of_one_division_are_never_merged():
    one = _id("舟山市海洋经济发展局2022年法治政府建设年度报告\n2022年，我局" + BODY)
    two = _id("舟山市港航和口岸管理局2022年法治政府建设年度报告\n2022年，我局" + BODY)
    assert one.unit_key.startswith("330900-dept-x") and two.unit_key.startswith("330900-dept-x")
    assert one.unit_key != two.unit_key


@pytest.mark.parametrize(("text", "key", "dept_type"), [
    ("水利部2022年法治政府建设年度报告\n2022年，水利部" + BODY, "100000-dept-water", "水利"),
    ("2018年，在党中央、国务院坚强领导下，海关总署认真贯彻落实" + BODY, "100000-dept-customs", "海关"),
    ("2017年，原环境保护部深入学习贯彻" + BODY, "100000-dept-ecology_environment", "生态环境"),
])
def test_a2_national_ministries_are_a_national_tier(text, key, dept_type):
    found = _id(text)
    assert (found.unit_key, found.tier, found.admin_level, found.dept_type) == (key, "national", "department",
                                                                               dept_type)


def test_a2_a_national_name_before_a_place_is_that_place_s_branch():
    found = _id("国家税务总局舟山市税务局2021年法治政府建设年度报告\n2021年，我局" + BODY)
    assert (found.unit_key, found.tier, found.dept_type) == ("330900-dept-taxation", "prefecture", "税务")


@pytest.mark.parametrize(("title", "key"), [
    ("黔东南州2021年法治政府建设情况报告", "522600-gov"),
    ("湘西州人民政府关于2020年度法治政府建设情况的报告", "433100-gov"),
    ("长阳县2019年法治政府建设工作情况报告", "420528-gov"),
])
def test_a3_autonomous_short_names_are_the_prefecture_or_county(title, key):
    found = _id(title + "\n" + BODY)
    assert found.unit_key == key
    assert found.tier == ("prefecture" if key.endswith("00-gov") else "county")


@pytest.mark.parametrize(("title", "key", "parent"), [
    ("徐汇区人民政府2022年法治政府建设情况报告", "310104-gov", "310000"),
    ("北京市朝阳区2021年法治政府建设年度情况报告", "110105-gov", "110000"),
    ("渝中区2020年法治政府建设工作情况报告", "500103-gov", "500000"),
])
def test_a4_districts_of_municipalities_are_county_tier_bodies(title, key, parent):
    found = _id(title + "\n" + "本市" * 5 + BODY)
    assert (found.unit_key, found.tier, found.admin_level, found.parent_division) == (key, "county", "county",
                                                                                      parent)


def test_a4_a_municipality_s_own_government_is_province_tier():
    found = _id("2022年，全市各区、各部门在市委、市政府的坚强领导下深入推进法治政府建设。上海市" + BODY)
    assert (found.unit_key, found.tier, found.admin_level) == ("310000-gov", "province", "province")


def test_a5_place_names_inside_ordinary_words_are_not_places():
    scores = _place_scores("维护社会长治久安，争创示范县，坚持和平方式解决纠纷。" * 3 + "本报北京电 记者某某")
    assert not scores  # 长治市, 范县, 和平区, 北京市: none of them is mentioned


def test_a5_the_body_comes_from_its_own_name_not_from_words_in_the_text():
    found = _id("定海区人民政府关于2021年法治政府建设情况的报告\n2021年，我区维护社会长治久安，争创示范县。" + BODY)
    assert found.unit_key == "330902-gov"


def test_a5_an_address_does_not_name_the_body():
    found = _id("如有疑问请联系（地址：舟山市定海区环城南路1号）\n2022年，我市" + BODY + "舟山市" * 3)
    assert found.unit_key == "330900-gov"


def test_a6_a_joint_party_government_report_is_the_government_s():
    found = _id("中共安吉县委 安吉县人民政府关于2022年度法治政府建设情况的报告\n" + BODY)
    assert (found.unit_key, found.unit_kind, found.unit_name) == ("330523-gov", "government", "安吉县人民政府")


def test_a7_an_implied_year_is_the_year_before_an_early_signature_date():
    text = ("关于法治政府建设工作情况的报告\n一年来，我市" + BODY + "\n舟山市人民政府\n2017年3月10日")
    found = _id(text)
    assert (found.report_year, found.year_inferred, found.doc_kind) == (2016, True, "annual_report")
    assert signature_date("…\n二〇一七年三月十日") == "2017-03-10"


def test_a8_titles_without_the_year_or_without_nian_du_are_annual_reports():
    chinese_year = _id("舟山市人民政府关于二〇一六年法治政府建设情况的报告\n" + BODY)
    no_year = _id("关于本市法治政府建设工作情况的报告\n今年以来，我市" + BODY + "\n舟山市人民政府\n2021年12月20日")
    assert (chinese_year.doc_kind, chinese_year.report_year) == ("annual_report", 2016)
    assert (no_year.doc_kind, no_year.report_year, no_year.unit_key) == ("annual_report", 2021, "330900-gov")


def test_a9_no_title_the_body_comes_from_the_signature():
    found = _id("今年以来，我区深入贯彻落实" + BODY + "\n定海区人民政府\n2021年12月28日")
    assert (found.doc_kind, found.report_year, found.unit_key) == ("annual_report", 2021, "330902-gov")


def test_a10_a_cover_letter_with_the_report_inside_is_the_report():
    found = _id("关于报送2021年度法治政府建设情况报告的函\n省政府：\n现将《舟山市人民政府2021年度法治政府建设情况报告》"
                "报送如下。\n" + BODY)
    assert (found.doc_kind, found.report_year, found.unit_key) == ("annual_report", 2021, "330900-gov")


# --- B. What is not a report ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "kind", "reason"), [
    ("《舟山市2022年法治政府建设年度报告》政策解读\n解读人：某某\n" + BODY, "other", "policy_interpretation"),
    ("本报讯 日前，舟山市发布了2022年法治政府建设年度报告。记者了解到，" + BODY, "other", "news_article"),
    ("【法治政府建设】2021年，全市推进依法行政。\n【行政执法】全年办理案件若干。\n【法律服务】" + BODY, "other",
     "yearbook_entry"),
    ("关于2022年度法治政府建设考评结果的通报\n" + BODY, "other", "assessment_notice"),
    ("舟山市2023年法治政府建设工作要点\n" + BODY, "work_plan", "work_plan"),
    ("在全市法治政府建设工作会议上的讲话\n同志们：今天我们召开会议。" + BODY, "other", "speech"),
    ("浙江省2021年行政复议行政应诉工作情况\n" + BODY, "other", "statistics_release"),
    ("舟山市人民政府2021年政府信息公开工作年度报告\n" + BODY, "other", "disclosure_report"),
    ("各县（区）人民政府，市政府各部门：\n2022年，全市法治政府建设考核结果如下。" + BODY, "other", "assessment_notice"),
    ("舟山市中级人民法院\n主任、副主任、各位委员：\n现将行政审判工作情况报告如下。" + BODY, "other", "other_subject"),
])
def test_b_look_alikes_are_other_with_a_reason(text, kind, reason):
    found = _id(text)
    assert (found.doc_kind, found.doc_kind_reason) == (kind, reason)


def test_department_types_and_national_names_are_data():
    assert department_type("人力资源和社会保障局").name == department_type("人社局").name == "人社"
    assert department_type("市场监督管理局").code == "market_regulation"
    assert match_national("中华人民共和国司法部")[0].name == "司法部"
    assert match_national("舟山市司法局") is None


def test_a_title_without_its_place_takes_the_body_the_opening_names():
    found = _id("某某平台体育局关于2022年度法治政府建设工作情况的报告\n2022年，德宏州体育局全面贯彻" + BODY)
    assert (found.unit_key, found.unit_kind) == ("533100-dept-sport", "department")


def test_an_ambiguous_district_name_is_a_mainland_district():
    found = _id("2022年度大安区行政审批服务局法治政府建设情况报告\n2022年，大安区行政审批服务局全面落实" + BODY)
    assert found.division_code == "510304"


def test_rolindex_profile_prints_the_reporting_body(tmp_path, capsys):
    import json

    from pipeline import cli

    report = tmp_path / "bureau.txt"
    report.write_text("舟山市人力资源和社会保障局2023年法治政府建设年度报告\n2023年，市人社局" + BODY, encoding="utf-8")
    assert cli.main(["profile", str(report)]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {k: printed[k] for k in ("unit_key", "unit_kind", "division_code", "parent_division", "tier",
                                    "dept_type", "admin_level")} == {
        "unit_key": "330900-dept-hrss", "unit_kind": "department", "division_code": "330900",
        "parent_division": "330900", "tier": "prefecture", "dept_type": "人社", "admin_level": "department"}


def test_a_place_name_the_text_cannot_resolve_is_flagged_for_review(tmp_path):
    from pipeline.ingest.stage import profile_file

    report = tmp_path / "xinhua.txt"
    report.write_text("新华区发展和改革局\n2022年度法治政府建设工作报告\n2022年，我局" + BODY, encoding="utf-8")
    profile, _ = profile_file(report)
    flag = next(f for f in profile["flags"] if f.startswith("ambiguous_place:"))
    assert profile["division_code"] in flag and len(flag.split(":")[1].split("/")) >= 2


def test_reports_that_look_a_little_like_look_alikes_stay_reports():
    to_congress = _id("各位委员：\n受市政府委托，现将2022年法治政府建设情况报告如下。\n2022年，舟山市" + BODY)
    dated_paragraph = _id("舟山市人民政府关于2022年法治政府建设情况的报告\n一、主要举措\n" + BODY
                          + "\n3月15日，市政府召开常务会议专题学法。\n" + BODY)
    assert (to_congress.doc_kind, to_congress.report_year) == ("annual_report", 2022)
    assert dated_paragraph.doc_kind == "annual_report"


def test_a_general_work_summary_is_another_subject_but_a_rule_of_law_summary_is_a_report():
    general = _id("2025年，舟山市司法局统筹推进党建、业务等重点工作。现将全年工作总结如下：\n一、党建\n" + BODY)
    own = _id("2025年，舟山市司法局扎实推进法治政府建设。现将法治政府建设工作总结如下：\n一、主要举措\n" + BODY)
    assert (general.doc_kind, general.doc_kind_reason) == ("other", "other_subject")
    assert own.doc_kind == "annual_report"


# --- Session 7: kinds of miss found on a third real set never seen before (invented text) ----------

def test_a_ministry_named_by_its_party_group_is_the_ministry():
    found = _id("2021年，水利部党组坚持以习近平法治思想为指导，推动法治政府建设取得新成效。现将有关情况报告如下：" + BODY)
    assert (found.unit_key, found.tier) == ("100000-dept-water", "national")


def test_a_joint_party_and_government_author_with_generic_places_is_that_government():
    found = _id("2019年，自治区党委和政府认真贯彻落实法治政府建设部署，习近平总书记视察宁夏重要讲话精神得到落实。"
                "现将有关情况报告如下：" + BODY)
    assert (found.unit_key, found.tier, found.admin_level) == ("640000-gov", "province", "province")


def test_a_city_compared_with_its_province_still_speaks_as_the_city():
    # 全省唯一 / 全省首批 compare the city with its province; 我市 is who speaks
    found = _id("2021年，我市深入推进法治舟山建设。舟山市获评全省唯一示范市，全省首批试点，全省仅3个，"
                "全省第一。现将2021年度我市法治政府建设情况报告如下：" + BODY)
    assert (found.unit_key, found.tier) == ("330900-gov", "prefecture")


def test_the_superior_named_before_a_bureau_s_first_person_is_not_the_author():
    found = _id("2023年，在市委市政府的领导部署下，我局围绕农业农村中心工作扎实推进依法行政，农业综合执法、"
                "农产品质量安全执法取得成效。舟山市农业农村系统法治建设稳步推进。现将本年度法治政府建设情况报告如下："
                + BODY)
    assert (found.admin_level, found.unit_kind) == ("department", "department")


@pytest.mark.parametrize(("text", "reason"), [
    ("一、背景链接\n近日，省委召开会议部署法治建设。\n二、深度解读\n★某省2023年法治政府建设情况\n" + BODY,
     "policy_interpretation"),
    ("网站首页 >> 法治工作\n州人大常委会审议州政府2020年法治政府建设工作情况报告\n发布日期：2021-05-19\n"
     "4月26日，州人大常委会会议听取和审议了州人民政府关于2020年度法治政府建设情况的报告。" + BODY,
     "news_article"),
    ("6月3日至4日，省人大常委会副主任一行来到某县，就法治政府建设工作进行调研。" + BODY, "news_article"),
    ("2022年，我局全面贯彻法治政府建设实施纲要和**区2022年法治政府建设工作要点，现将本年度法治政府建设"
     "工作情况总结报告如下：" + BODY, "other_subject"),
])
def test_lookalikes_seen_first_on_unseen_pages_are_set_aside(text, reason):
    found = _id(text)
    assert found.doc_kind == "other"
    assert found.doc_kind_reason == reason


def test_a_commentary_series_and_an_action_plan_are_not_reports():
    commentary = _id("良法善治——2022年自然资源工作系列述评之法治篇\n2022年，自然资源系统坚持依法行政。" + BODY)
    plan = _id("某省法治民政建设三年行动方案\n（2021-2023年）\n为深入推进民政法治化，结合实际，制定本实施方案。\n"
               "一、总体要求\n到2023年，依法行政能力进一步提升。")
    assert commentary.doc_kind == "other"
    assert plan.doc_kind == "work_plan"


def test_a_government_s_rule_of_law_white_paper_is_its_yearly_report_of_the_edition_year():
    paper = _id("会员热线\n舟山市法治政府建设白皮书（2021版）\n发布日期：2022年8月15日\n目录\n一、总报告\n"
                "（一）深入贯彻习近平法治思想，加强党对法治政府建设全面领导\n2021年，我市" + BODY)
    court = _id("舟山市中级人民法院2021年度行政审判白皮书\n2021年，全市法院" + BODY)
    assert (paper.doc_kind, paper.report_year) == ("annual_report", 2021)
    assert court.doc_kind == "other"


def test_an_excerpt_opening_on_its_first_section_is_a_report_when_the_body_speaks_for_itself():
    report = _id("一、基本情况\n（一）学习贯彻习近平法治思想情况。\n一是我委把习近平法治思想纳入理论学习中心组学习内容，"
                 "全年集中学习5次。二是组织干部职工参加学法考试。")
    essay = _id("习近平法治思想是全面依法治国的根本遵循。学习习近平法治思想，要把握其核心要义。")
    assert report.doc_kind == "annual_report"
    assert essay.doc_kind == "other"


def test_a_report_describing_an_anonymised_case_is_still_a_report():
    # 某某 anonymises a case's parties in real reports; only ** and XX mask a model text's own place
    found = _id("2022年，我县办理的张某某诉某某县人民政府行政复议案入选典型案例。现将2022年度法治政府建设情况报告如下："
                + BODY)
    assert found.doc_kind == "annual_report"
