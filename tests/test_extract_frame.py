"""Regression tests for section C of shared/spec/real-text-phenomena.md (what a number means), one or more
per row C1-C17, on invented sentences and figures. Each checks the frame an auditor sees (role, verb,
noun, measure word, exclusion reason) as well as value, scope and indicator.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.extract.catalogue import load_catalogue
from pipeline.extract.extractor import extract_text
from pipeline.extract.panel import build_panel
from pipeline.extract.records import RECORD_FIELDS, records_schema


def _records(text: str, **kwargs):
    return extract_text("c", text, **kwargs)


def _one(records, surface: str, text: str):
    found = [r for r in records if text[r.start:r.end] == surface]
    assert len(found) == 1, (surface, [(text[r.start:r.end], r.role) for r in records])
    return found[0]


def test_c1_before_after_pair_gives_a_derived_change_citing_both_spans():
    text = "市级行政许可事项由433项精简至289项。"
    records = _records(text)
    before, after = _one(records, "433项", text), _one(records, "289项", text)
    assert (before.role, after.role) == ("before", "after")
    # the level after a change of licensing items is the licensing list's size (issue 19 holdout review:
    # both annotators label it so); the level before is nothing's
    assert before.indicator is None and after.indicator == "licensing_items_listed"
    derived = [r for r in records if r.role == "derived"]
    assert len(derived) == 1
    change = derived[0]
    assert change.value == 144 and change.unit == "项" and change.scope == "actual"
    assert change.indicator == "approval_items_streamlined"
    assert (change.start, change.end) == (before.start, after.end)
    assert f"[{before.start}:{before.end}]" in change.frame_rule and f"[{after.start}:{after.end}]" in change.frame_rule


def test_c1_a_from_without_a_second_number_is_no_pair():
    text = "从五方面推进审批改革。"
    records = _records(text)
    assert [r.role for r in records] == ["plan_structure"]
    assert not any(r.role == "derived" for r in records)


def test_c2_level_reached_is_actual_and_a_percentage_change_is_delta():
    text = "依法行政考核权重提高至15%，审批材料压减42%。"
    records = _records(text)
    level, change = _one(records, "15%", text), _one(records, "42%", text)
    assert level.scope == "actual" and "level_reached" in level.rule_id
    assert change.scope == "delta"
    rates = {i.code for i in load_catalogue().indicators if i.type == "rate"}
    assert change.indicator not in rates


def test_c3_a_standing_count_is_a_stock_not_the_years_work():
    text = "全区执法人员达到4300人，目前持有执法证件的人员3900人。"
    records = _records(text)
    staff, holders = _one(records, "4300人", text), _one(records, "3900人", text)
    assert staff.role == "stock" and staff.scope == "actual"
    assert holders.role == "stock" and holders.verb == "持有"


def test_c4_cumulative_within_the_year_is_actual_and_a_span_of_years_is_cumulative():
    text = "全年累计办理行政复议案件187件；先后召开政府常务会议学法5次。自2016年以来累计办理行政复议案件1320件。"
    records = _records(text)
    assert _one(records, "187件", text).scope == "actual"
    assert _one(records, "5次", text).scope == "actual"
    assert _one(records, "1320件", text).scope == "cumulative"


def test_c4_a_span_since_the_report_year_is_the_year():
    text = "2024年以来，办理行政复议案件315件。2019年以来累计办理行政复议案件1600件。"
    records = _records(text, report_year=2024)
    assert _one(records, "315件", text).scope == "actual"
    assert _one(records, "1600件", text).scope == "cumulative"
    assert _one(_records(text), "315件", text).scope == "cumulative"  # without the report year: a span


def test_c5_plan_structure_counts_are_no_results():
    text = "印发实施方案，制定6个方面47项措施，分解为4大类31项任务。"
    records = _records(text)
    for surface in ("6个", "47项", "31项"):
        record = _one(records, surface, text)
        assert record.role == "plan_structure" and record.indicator is None, record


@pytest.mark.parametrize(("text", "surface", "reason"), [
    ("会议传达了市委九届六次全会精神。", "六次", "ordinal"),
    ("召开第四次会议审议方案。", "四次", "ordinal"),
    ("于9时25分启动应急响应。", "25分", "time"),
    ("自当年6月18日起施行。", "18日", "date"),
    ("这项工作十分重要。", "十分", "adverb"),
])
def test_c6_ordinals_times_dates_and_adverbs_are_excluded_with_their_reason(text, surface, reason):
    record = _one(_records(text), surface, text)
    assert record.role == "excluded" and record.exclude_reason == reason and record.indicator is None


def test_c6_a_session_number_is_a_count_when_no_times_follow():
    text = "市政府聘请新一届15名法律顾问。"
    assert _one(_records(text), "15名", text).role != "excluded"


def test_c7_the_counted_noun_and_measure_word_decide():
    text = "28个行政审批单位进驻政务大厅；取消28项审批事项；举办培训9期1200人次。"
    records = _records(text)
    units = _one(records, "28个", text)
    assert units.noun == "单位" and units.indicator is None
    items = _one(records, "28项", text)
    assert items.noun == "审批事项" and items.indicator == "approval_items_streamlined"
    assert _one(records, "9期", text).measure_word == "期"
    assert _one(records, "1200人次", text).measure_word == "人次"


def test_c8_in_a_jiang_construction_the_verb_after_the_noun_decides():
    text = "将14项行政许可事项的审批权限由市级调整为区级。"
    record = _one(_records(text), "14项", text)
    assert record.indicator == "approval_items_streamlined"


def test_c8_review_filing_repeal_amendment_and_enactment_are_distinct():
    text = "审查规范性文件64件，备案58件，废止规章5件，修改规章7件，制定规章4件。"
    records = _records(text)
    assert _one(records, "64件", text).verb == "审查"
    assert _one(records, "64件", text).indicator == "normative_doc_legality_reviews"
    filed = _one(records, "58件", text)
    assert filed.verb == "备案" and filed.indicator != "normative_doc_legality_reviews"
    for surface, verb in (("5件", "废止"), ("7件", "修改")):
        record = _one(records, surface, text)
        assert record.verb == verb and record.indicator != "rules_enacted", record
    assert _one(records, "4件", text).indicator == "rules_enacted"


def test_c8_coordinated_verbs_accept_when_one_of_them_does():
    text = "全年制定、修改政府规章9件。"
    record = _one(_records(text), "9件", text)
    assert record.verb == "制定、修改" and record.indicator == "rules_enacted"


def test_c8_cleanup_results_are_not_the_cleanup_headline():
    text = "开展规范性文件清理，清理文件420件，其中废止31件、修改18件。"
    records = _records(text)
    assert _one(records, "420件", text).indicator == "normative_doc_cleanup"
    for surface in ("31件", "18件"):
        record = _one(records, surface, text)
        assert record.indicator is None and record.role == "part_of"


def test_c8_a_light_verb_before_the_number_takes_the_activity_named_after_it():
    # 完成/开展/召开 + number: what was done is named at the end of the object, past its 、 list
    text = "全年完成74件政府合同、重大行政决策事项和涉法事务的合法性审查。"
    record = _one(_records(text), "74件", text)
    assert record.indicator == "legality_review_count"
    text = "开展9次党组理论学习中心组集体学习，学习了宪法和民法典。"
    assert _one(_records(text), "9次", text).indicator == "leadership_law_study_sessions"


def test_c8_a_study_session_counts_only_when_its_sentence_says_it_was_on_law():
    general = "局党组召开7次理论学习中心组集体学习会，学习贯彻全会精神。"
    assert _one(_records(general), "7次", general).indicator is None
    on_law = "局党组召开7次理论学习中心组集体学习会，学习贯彻习近平法治思想。"
    assert _one(_records(on_law), "7次", on_law).indicator == "leadership_law_study_sessions"


def test_c7_the_departments_study_is_not_the_leaderships():
    text = "县政府常务会议学法10次，带动各部门学法150余次。"
    records = _records(text)
    assert _one(records, "10次", text).indicator == "leadership_law_study_sessions"
    departments = _one(records, "150余次", text)
    assert departments.noun == "部门" and departments.indicator is None


def test_c7_study_mixed_with_the_staffs_is_not_the_leaderships():
    staff = "以局党组中心组学法和“青年讲堂”等活动为载体，集中学习法律法规20次。"
    assert _one(_records(staff), "20次", staff).indicator is None
    leaders = "以局党组中心组学法为载体，集中学习法律法规20次。"
    assert _one(_records(leaders), "20次", leaders).indicator == "leadership_law_study_sessions"


def test_c8_a_veto_later_in_the_own_clause_still_counts():
    text = "全年，局机关18名同志通过了行政执法资格考试。"
    assert _one(_records(text), "18名", text).indicator is None


def test_c8_counsel_hired_is_no_coverage_and_items_taken_over_are_no_streamlining():
    text = "县政府聘请法律顾问6名。"
    record = _one(_records(text), "6名", text)
    assert record.verb == "聘请" and record.indicator is None
    text = "取消行政许可事项6项，下放11项，承接4项。"
    records = _records(text)
    assert _one(records, "6项", text).indicator == "approval_items_streamlined"
    assert _one(records, "11项", text).indicator == "approval_items_streamlined"
    taken_over = _one(records, "4项", text)
    assert taken_over.verb == "承接" and taken_over.indicator is None


def test_c12_lenient_enforcement_counted_in_times():
    text = "全年共实施首违不罚214次。"
    assert _one(_records(text), "214次", text).indicator == "lenient_enforcement_cases"


def test_c9_standards_are_not_rules():
    text = "制定地方标准11项。"
    record = _one(_records(text), "11项", text)
    assert record.noun == "地方标准" and record.indicator is None


def test_c10_a_part_after_qizhong_is_never_the_headline():
    text = "办理行政复议案件236件，其中涉企领域59件。"
    records = _records(text)
    assert _one(records, "236件", text).indicator == "reconsideration_cases"
    part = _one(records, "59件", text)
    assert part.role == "part_of" and part.indicator is None


def test_c10_a_rate_after_qizhong_is_no_part():
    text = "审结行政复议案件300件，其中纠错36件，纠错率12%。"
    records = _records(text)
    assert _one(records, "12%", text).role == "flow"
    assert _one(records, "12%", text).indicator == "reconsideration_correction_rate"


def test_c11_zeros_stated_in_words_are_zero_values():
    text = "本年度无重大行政决策事项；全年未发生行政复议被纠错案件。"
    records = _records(text)
    zeros = [r for r in records if r.role == "stated_zero"]
    assert [text[r.start:r.end] for r in zeros] == ["无", "未发生"]
    assert all(r.value == 0 and r.qualifier == "stated_zero" for r in zeros)
    assert zeros[0].unit == "项" and zeros[0].indicator == "major_decisions_count"


def test_c11_words_with_wu_are_no_zeros():
    text = "推行无纸化办公，无差别受理，无论线上线下。"
    assert not [r for r in _records(text) if r.role == "stated_zero"]


@pytest.mark.parametrize(("surface", "unit"), [
    ("460笔", "笔"), ("7宗", "宗"), ("15批次", "批次"), ("83户", "户"), ("26家", "家"), ("5场", "场"), ("3期", "期"),
])
def test_c12_measure_words_beyond_the_common_ones(surface, unit):
    text = f"全年办理相关业务{surface}。"
    record = _one(_records(text), surface, text)
    assert record.unit == unit and record.measure_word == unit


def test_c12_a_count_of_provinces_keeps_its_noun():
    text = "协作机制覆盖9个省。"
    record = _one(_records(text), "9个", text)
    assert record.measure_word == "个" and record.noun == "省"


def test_c13_a_numeral_and_a_bare_countable_noun():
    text = "从六方面推进，一方面加强培训，另一方面完善制度。"
    records = _records(text)
    six = _one(records, "六方面", text)
    assert six.value == 6 and six.unit == "方面" and six.role == "plan_structure"
    assert not [r for r in records if text[r.start:r.end] == "一方面"]


def test_c13_tiers_counted_after_a_list_of_them():
    text = "建成省、市、县三级贯通的平台，推进市、区两级机构改革。"
    records = _records(text)
    assert (_one(records, "三级", text).value, _one(records, "两级", text).value) == (3, 2)
    assert all(r.role == "stock" and r.indicator is None for r in records)


def test_c14_numbers_that_are_names_are_not_counts():
    text = "落实中央八项规定精神，推行一网通办，书籍人手一本。"
    records = _records(text)
    assert all(r.role == "excluded" and r.exclude_reason == "name" for r in records), records
    assert not [r for r in _records("12345热线和110报警平台运行平稳。") if r.role != "excluded"]


def test_c14_a_numeral_glued_to_a_quoted_slogan_is_a_name():
    text = "全力推进四个“重点工程”，打好“稳增长、防风险”两场硬仗，办理复议案件42件。"
    records = _records(text)
    assert _one(records, "四个", text).exclude_reason == "name"
    assert _one(records, "两场", text).exclude_reason == "name"
    assert _one(records, "42件", text).role == "flow"


def test_years_in_a_row_are_a_cumulative_span():
    text = "连续五年获评全省法治政府建设先进单位，连续6年开展会前学法。"
    records = _records(text)
    for surface, value in (("五年", 5), ("6年", 6)):
        record = _one(records, surface, text)
        assert (record.value, record.unit, record.role, record.scope) == (value, "年", "stock", "cumulative")


def test_c15_table_cells_take_the_column_unit_and_empty_cells_are_not_zeros():
    text = "行政复议办理情况(单位:件)\n类别|收到|受理|纠错\n行政复议|215|198|无\n"  # as normalised
    records = [r for r in _records(text) if r.role != "excluded"]
    assert sorted(r.value for r in records) == [198, 215]
    assert all(r.unit == "件" for r in records)


def test_c16_a_departments_system_totals_are_context():
    text = "全省各级行政复议机关共收到申请8.6万件，本厅办理行政复议案件1450件。"
    records = _records(text, admin_level="department")
    system = _one(records, "8.6万件", text)
    assert system.role == "stock" and system.indicator is None and system.body.startswith("全省")
    own = _one(records, "1450件", text)
    assert own.role == "flow" and own.indicator == "reconsideration_cases"
    government = _records(text, admin_level="province")
    assert _one(government, "8.6万件", text).role == "flow"


def test_c17_a_count_under_a_rates_name_is_never_the_rate():
    text = "纠错案件41件，负责人出庭应诉187人次，败诉9件。"
    rates = {i.code for i in load_catalogue().indicators if i.type == "rate"}
    for record in _records(text):
        assert record.indicator not in rates, record


def test_only_years_work_roles_reach_the_panel():
    text = "行政许可事项由433项精简至289项。办理行政复议案件236件，其中涉企领域59件。本年度无重大行政决策事项。"
    rows = [r.as_dict() for r in extract_text("d1", text)]
    records = pd.DataFrame(rows, columns=list(RECORD_FIELDS))
    documents = pd.DataFrame([{"doc": "d1", "unit_key": "u1", "unit_name": "某市", "admin_level": "prefecture",
                               "sha256": "0" * 64, "disposition": "accepted"}])
    panel = build_panel(records, documents, 2024)
    values = dict(zip(panel["indicator"], panel["value"], strict=True))
    assert values == {"approval_items_streamlined": 144, "reconsideration_cases": 236, "major_decisions_count": 0}


def test_the_frame_is_a_column_of_records_parquet():
    names = set(records_schema().names)
    assert {"verb", "noun", "measure_word", "role", "exclude_reason", "frame_rule", "body"} <= names
    assert set(RECORD_FIELDS) == names


# ---- issue 19, generalisation: the frame decides, not the nearby noun (invented sentences)

def test_g1_an_indicator_that_declares_its_verbs_refuses_another_action_verb():
    text = "深化审批制度改革，取消行政审批事项12项，受理行政许可申请823件。"
    records = _records(text)
    assert _one(records, "12项", text).indicator == "approval_items_streamlined"
    received = _one(records, "823件", text)
    assert received.verb == "受理" and received.indicator is None


def test_g1_light_verbs_are_neutral_for_an_indicator_with_declared_verbs():
    from pipeline.extract.catalogue import load_catalogue

    streamlined = load_catalogue().by_code()["approval_items_streamlined"]
    assert streamlined.verbs  # it declares the verbs that define it
    assert streamlined.accepts("开展", "审批事项", "flow")  # a light verb says nothing of the action
    assert streamlined.accepts("开展、取消", "审批事项", "flow")
    assert not streamlined.accepts("受理", "审批事项", "flow")
    assert not streamlined.accepts("开展、受理", "审批事项", "flow")


def test_g6_other_tasks_of_the_legal_office_are_not_legality_reviews():
    text = "加强合法性审查，处理涉法事务17件，出具法律意见书43份，审查政府合同25份。"
    records = _records(text)
    assert _one(records, "17件", text).indicator is None
    assert _one(records, "43份", text).indicator is None
    assert _one(records, "25份", text).indicator == "legality_review_count"


def test_g3_a_modal_base_is_not_the_achieved_count():
    text = "严格执法资格管理，全县应持证执法人员96人，已持证93人。"
    records = _records(text)
    assert _one(records, "96人", text).indicator is None  # 应持证: the base of the certification rate
    achieved = _one(records, "93人", text)
    assert achieved.role == "stock" and achieved.indicator == "enforcement_certified_staff"
    text = "应出庭应诉案件24件，行政机关负责人出庭应诉22件。"
    assert _one(_records(text), "24件", text).indicator is None


def test_g4_a_stock_only_indicator_refuses_the_years_new_certificates():
    from pipeline.extract.catalogue import load_catalogue

    assert load_catalogue().by_code()["enforcement_certified_staff"].roles == frozenset({"stock"})
    text = "加强执法队伍建设，新增取得执法证件31人，全市持证执法人员达到1250名。"
    records = _records(text)
    new = _one(records, "31人", text)
    assert new.role == "flow" and new.indicator is None
    standing = _one(records, "1250名", text)
    assert standing.role == "stock" and standing.indicator == "enforcement_certified_staff"


def test_g5_a_rate_needs_its_defining_term_in_its_own_clause():
    text = "推进网上办事，政务服务事项100%进驻政务大厅，网上可办率达到98%，即办率达到85%。"
    records = _records(text)
    assert _one(records, "100%", text).indicator is None  # entering the hall is not being online
    assert _one(records, "98%", text).indicator == "online_service_rate"
    assert _one(records, "85%", text).indicator is None  # 即办率 is another rate


def test_g8_a_party_committees_study_is_not_the_governments():
    text = "严格落实学法制度，县委理论学习中心组学法6次，政府常务会议学法12次。"
    records = _records(text)
    assert _one(records, "6次", text).indicator is None
    assert _one(records, "12次", text).indicator == "leadership_law_study_sessions"
    # named only in an earlier clause beside the government's own sessions, the committee vetoes nothing
    text = "严格落实市委常委会会前学法、市政府常务会议会前学法制度，全年学法14次。"
    assert _one(_records(text), "14次", text).indicator == "leadership_law_study_sessions"
    staff = "组织全体机关干部集中学习法律法规8次。"
    assert _one(_records(staff), "8次", staff).indicator is None


def test_g2_after_dui_the_verb_after_the_counted_noun_is_the_quantitys():
    text = "严格决策程序，全年对45件重大行政决策事项草案进行审查。"
    record = _one(_records(text), "45件", text)
    assert record.verb == "审查"  # the reviews are counted, not the decisions
    assert record.indicator == "legality_review_count"
    text = "对12件规范性文件开展合法性审核。"
    record = _one(_records(text), "12件", text)
    assert record.verb == "合法性审核" and record.indicator == "normative_doc_legality_reviews"
    # a verb inside the noun phrase (处罚 in 行政处罚案件) is no verb of the quantity
    text = "对8件行政处罚案件进行评查。"
    assert _one(_records(text), "8件", text).verb == "评查"


def test_g7_a_list_of_items_is_the_lists_size_and_the_cut_is_derived():
    text = "深化放管服改革，全面施行170项行政许可事项清单管理。"
    record = _one(_records(text), "170项", text)
    assert (record.role, record.frame_rule) == ("stock", "role.list_size")
    assert record.indicator == "licensing_items_listed"
    text = "行政许可事项由400项减少到250项。"
    records = _records(text)
    assert _one(records, "250项", text).indicator == "licensing_items_listed"
    derived = next(r for r in records if r.role == "derived")
    assert derived.value == 150 and derived.indicator == "approval_items_streamlined"
    # kept on another list (the power list) is not the licensing list
    text = "编制公布部门权责清单，保留行政权力事项468项。"
    assert _one(_records(text), "468项", text).indicator is None



def test_g1_declared_verbs_of_penalty_supervision_and_cleanup_counts():
    text = "严格规范执法，全年查处违法案件86件，公开行政处罚决定75件。"
    records = _records(text)
    assert _one(records, "86件", text).indicator == "penalty_cases"
    assert _one(records, "75件", text).indicator is None  # publishing decisions is not penalising
    text = "加强行政执法监督，开展行政执法检查14次，纠正违法或不当执法行为23件。"
    records = _records(text)
    assert _one(records, "14次", text).indicator is None  # the inspections are not the corrections
    assert _one(records, "23件", text).indicator == "enforcement_supervision_cases"
    text = "开展规范性文件专项清理，清理规范性文件210件，对37件规范性文件开展立法后评估。"
    records = _records(text)
    assert _one(records, "210件", text).indicator == "normative_doc_cleanup"
    assert _one(records, "37件", text).indicator is None  # evaluated, not cleaned up


def test_g5_a_percentage_named_as_another_rate_is_not_the_indicators():
    text = "深化政务服务改革，“最多跑一次”事项实现率100%，政务服务事项网上可办率98%。"
    records = _records(text)
    assert _one(records, "100%", text).indicator is None  # 实现率 is not an online-service rate
    assert _one(records, "98%", text).indicator == "online_service_rate"
    text = "加强行政复议工作，通过调解、和解方式结案81件，调解和解结案率27.5%。"
    assert _one(_records(text), "27.5%", text).indicator == "reconsideration_mediation_rate"
    text = "行政复议案件办理规范，备案审查及时率达100%。"
    assert _one(_records(text), "100%", text).indicator is None


def test_g1_reconsideration_cases_are_received_or_closed_not_corrected():
    text = "全年新收行政复议案件312件，审结298件，撤销、变更、确认违法41件。"
    records = _records(text)
    assert _one(records, "312件", text).indicator == "reconsideration_cases"
    assert _one(records, "298件", text).indicator == "reconsideration_cases"
    assert _one(records, "41件", text).indicator is None  # the correction rate's numerator (C17)


def test_g2_with_no_verb_before_the_number_the_verb_after_its_noun_is_its_own():
    text = "加强执法队伍建设，170人通过考试取得执法证。"
    record = _one(_records(text), "170人", text)
    assert record.verb == "考试" and record.indicator is None  # new certificates are a flow
    text = "行政复议案件52件全部审结。"
    record = _one(_records(text), "52件", text)
    assert record.verb == "审结" and record.indicator == "reconsideration_cases"


def test_g7_a_count_reached_after_a_change_verb_is_a_level_not_the_cut():
    text = "深化简政放权，市级行政许可事项精简至250项。"
    record = _one(_records(text), "250项", text)
    assert (record.role, record.frame_rule) == ("after", "role.level_reached")
    assert record.indicator == "licensing_items_listed"  # the list's size, not 250 items streamlined
    text = "依法行政考核权重提高至15%。"
    assert _one(_records(text), "15%", text).role == "flow"  # a rate reached stays the year's level


def test_g1_disclosure_requests_are_received_or_answered_and_bing_joins_verbs():
    text = "收到政府信息公开申请26件，受理并公开政府信息公开申请19件，主动公开政府信息1200条。"
    records = _records(text)
    received = _one(records, "26件", text)
    assert received.verb == "收到" and received.indicator == "disclosure_requests"  # 公开 of 信息公开 is a noun's
    both = _one(records, "19件", text)
    assert both.verb == "受理、公开" and both.indicator == "disclosure_requests"
    assert _one(records, "1200条", text).indicator is None


def test_g2_the_verb_before_a_list_governs_it_and_a_verb_before_de_only_modifies():
    text = "审核规范性文件26件、合同17份。"
    contracts = _one(_records(text), "17份", text)
    assert contracts.verb == "审核" and contracts.indicator == "legality_review_count"
    text = "州政府主要负责同志先后研究行政立法、行政执法监督等工作11次。"
    meetings = _one(_records(text), "11次", text)
    assert meetings.verb == "研究" and meetings.indicator is None  # meetings on the work, not corrections
    text = "审查省政府拟签订的合同、协议59件。"
    record = _one(_records(text), "59件", text)
    assert record.verb == "审查" and record.indicator == "legality_review_count"
    text = "现区级保留的政务服务事项515项。"
    assert _one(_records(text), "515项", text).verb == "保留"  # no other verb: the modifier is the verb


def test_g8_several_governments_study_sessions_together_are_not_this_ones():
    text = "推行常务会议会前学法制度，市县两级政府常务会议共学法64次。"
    assert _one(_records(text), "64次", text).indicator is None
    text = "推行常务会议会前学法制度，市政府常务会议学法11次。"
    assert _one(_records(text), "11次", text).indicator == "leadership_law_study_sessions"


def test_g1_declared_verbs_cover_the_indicators_own_phrasings():
    """A verb list that defines an indicator must not refuse the catalogue's own phrasings of it (a verb the
    frame refuses on purpose, 废止 for the cleanup headline, is no gap of the list)."""
    from pipeline.config import load_config
    from pipeline.extract.catalogue import light_verbs

    phrasings = {r["code"]: r["phrasings"] for r in load_config("indicators")["indicators"]}
    gaps = []
    for ind in load_catalogue().indicators:
        if not ind.verbs:
            continue
        for phrasing in phrasings[ind.code]:
            if "X" not in phrasing:
                continue
            text = phrasing.replace("X", "17", 1).replace("X", "9") + "。"
            for record in _records(text):
                if not text[record.start:record.end].startswith("17") or not record.verb \
                        or record.unit not in ind.allowed_units:  # 提出修改意见X条: a measure word it never takes
                    continue
                actions = [v for v in record.verb.split("、") if v not in light_verbs() and v not in ind.refuse_verbs]
                if actions and not set(actions) & ind.verbs:
                    gaps.append((ind.code, phrasing, record.verb))
    assert not gaps, gaps


def test_g1_a_verb_inside_a_noun_is_no_verb_of_the_quantity():
    for text in ("全年受理依申请公开32件。", "共办理依申请公开政府信息32件。", "收到政府信息公开申请32件。"):
        record = _one(_records(text), "32件", text)
        assert record.verb != "公开" and record.indicator == "disclosure_requests", record


def test_g2_a_verb_right_before_a_noun_may_only_modify_it():
    text = "取消调整行政审批事项23项，承接上级下放事项15项。"
    records = _records(text)
    taken_over = _one(records, "15项", text)
    assert taken_over.verb == "承接" and taken_over.indicator is None  # 下放事项: items delegated from above
    for text, verb in (("审查规范性文件26件。", "审查"), ("受理并审查规范性文件26件。", "受理、审查"),
                       ("组织审核规范性文件26件。", "审核")):
        record = _one(_records(text), "26件", text)
        assert record.verb == verb and record.indicator == "normative_doc_legality_reviews", record


def test_h1_a_part_cue_in_brackets_governs_only_inside_them():
    text = "提请审议的法规草案12件（其中新制定5件，修改7件），提请发布的规章8件（其中新制定2件，修改6件）。"
    records = _records(text)
    assert [_one(records, s, text).role for s in ("5件", "7件", "2件", "6件")] == ["part_of"] * 4
    drafts, rules = _one(records, "12件", text), _one(records, "8件", text)
    assert rules.role == "flow" and rules.indicator == "rules_enacted"  # a new total after the bracket closed
    assert drafts.indicator is None  # drafts of the congress's laws are not the government's rules
    mixed = "全年提请审议地方性法规草案和政府规章草案共10件，制定政府规章3份。"
    records = _records(mixed)
    assert _one(records, "10件", mixed).indicator is None  # a total mixing them is not the rules'
    assert _one(records, "3份", mixed).indicator == "rules_enacted"  # rules are documents: 份 is their measure word
    requests = "全年收到政府信息公开申请64份。"
    assert [r.indicator for r in _records(requests)] == ["disclosure_requests"]  # so are applications


def test_h3_a_rate_before_its_noun_finds_its_online_term_later_in_its_clause():
    text = "全县87%的县级依申请政务服务事项实现全程网办。全县93%的政务服务事项进驻政务服务大厅。"
    records = _records(text)
    assert _one(records, "87%", text).indicator == "online_service_rate"
    assert _one(records, "93%", text).indicator is None  # entering the hall, no online term in the clause


def test_h4_documents_declared_invalid_or_repealed_in_a_cleanup_are_its_results():
    text = ("组织开展规范性文件集中清理，宣布失效规范性文件7件，废止3件，继续有效21件。"
            "年内废止规范性文件4件。")
    records = _records(text)
    assert _one(records, "7件", text).indicator == "normative_doc_cleanup"
    assert _one(records, "3件", text).indicator == "normative_doc_cleanup"
    assert _one(records, "21件", text).indicator is None  # kept, not cleaned up
    assert _one(records, "4件", text).indicator is None  # outside a cleanup 废止 stays a repeal


def test_h4_when_the_cleanup_is_counted_its_results_are_a_breakdown():
    text = "开展规范性文件专项清理，共清理规范性文件150件，宣布失效9件，废止5件。"
    records = _records(text)
    assert _one(records, "150件", text).indicator == "normative_doc_cleanup"
    assert _one(records, "9件", text).indicator is None and _one(records, "5件", text).indicator is None


def test_h5_the_governments_meetings_in_a_departments_report_are_context():
    text = "局主要负责人参加县政府常务会议学法7场次，局党组会议会前学法11次。"
    records = _records(text, admin_level="department")
    assert _one(records, "7场次", text).indicator is None  # the government's study, not the department's
    assert _one(records, "11次", text).indicator == "leadership_law_study_sessions"
    mayor = "列席市长办公会学法3次。"
    assert [r.indicator for r in _records(mayor, admin_level="department")] == [None]
    own = _records("县政府常务会议会前学法7场次。", admin_level="county")
    assert [r.indicator for r in own] == ["leadership_law_study_sessions"]  # the government's own report


def test_h2_a_list_of_noun_and_number_items_shares_the_verb():
    text = "审核房屋征收补偿决定36份、搬迁安置决定14份。全年审查行政协议22份、重大行政决策9件、规范性文件17件。"
    records = _records(text)
    assert [_one(records, s, text).indicator for s in ("36份", "14份", "22份", "9件")] == ["legality_review_count"] * 4
    # a sibling item's noun (协议, 决策) is no other topic vetoing this item: its own noun is a normative document
    assert _one(records, "17件", text).indicator == "normative_doc_legality_reviews"
    # what is said before the first item's noun is said of every item (filing review, no legality review)
    filed = "审查报送备案的区政府规章6件、规范性文件31件。"
    assert _one(_records(filed), "31件", filed).indicator is None
    # a list fronted by 对: the verb after the whole list is every item's
    fronted = "对土地征收决定27份、搬迁补偿决定13份进行合法性审查。"
    assert [_one(_records(fronted), s, fronted).indicator for s in ("27份", "13份")] == ["legality_review_count"] * 2
    # a rule repealed in a cleanup of rules and documents is no normative document cleaned up
    rules = "开展规章和规范性文件清理，废止规章2件、规范性文件6件。"
    assert [_one(_records(rules), s, rules).indicator for s in ("2件", "6件")] == [None, "normative_doc_cleanup"]
    # a decision taken after a review is no reviewed decision
    assert [r.indicator for r in _records("经审查决定不予受理8件。")] == [None]


def test_h4_a_cleanup_named_earlier_in_the_paragraph_and_the_kept_documents_beside_its_results():
    text = ("配合司法局开展规范性文件清理工作，对不适应实际的规范性文件予以废止或修订。"
            "对本局牵头起草的规范性文件，建议保留5份，建议宣布失效2份。")
    records = _records(text, admin_level="department")
    assert _one(records, "5份", text).indicator is None  # kept
    assert _one(records, "2份", text).indicator == "normative_doc_cleanup"  # a result of the cleanup named before
    other = "对本局牵头起草的规范性文件，建议保留5份，建议宣布失效2份。"
    assert _one(_records(other), "2份", other).indicator is None  # no cleanup named: the kept ones still veto


def test_i19_recall_measure_words_the_finder_did_not_know():
    # compound and object measure words (台次, 艘, 套), departments counted after a list (等N部门), a
    # numeral + 人 before 社会 (人社 is the labour bureau's abbreviation only before 局/部/厅)
    text = ("抽查营运车辆315台次，清退渔船76艘，编印学习手册6套。"
            "服务站获民政部等3部门联合通报表扬。组建15人社会监督队伍。")
    records = _records(text)
    got = {text[r.start:r.end]: (r.value, r.unit) for r in records}
    assert got["315台次"] == (315, "台次") and got["76艘"] == (76, "艘") and got["6套"] == (6, "套")
    assert got["3部门"] == (3, "部门") and got["15人"] == (15, "人")
    tasks = "全年有9项工作获得市级督查表扬。"
    assert [(r.value, r.unit) for r in _records(tasks)] == [(9, "项")]  # N项工作 is a count of tasks
    # a measure word followed by a noun that jieba would glue to it (个 + 子项 is no 个子)
    sub = "公布行政许可事项12个(31个子项)的办事指南。"
    assert [(r.value, r.unit) for r in _records(sub)] == [(12, "个"), (31, "个")]


def test_i19_a_number_cut_off_at_the_end_of_the_text_keeps_its_value_without_unit():
    text = "全年开展宣传活动64次,发放宣传资料18500"
    records = _records(text)
    cut = _one(records, "18500", text)
    assert (cut.value, cut.unit, cut.scope) == (18500, None, "actual")
    # a number without its measure word is no indicator's value, even where its noun would name one
    reviews = "全年共审查规范性文件17件,出具合法性审查意见书23"
    assert _one(_records(reviews), "23", reviews).indicator is None
    # a year at the end is no cut quantity, nor a number inside a finished sentence
    assert [r.value for r in _records("相关工作持续推进至2026")] == []
    done = "发放宣传资料18500份。"
    assert [done[r.start:r.end] for r in _records(done)] == ["18500份"]


def test_i19_tiers_counted_before_a_tiered_structure_without_their_list():
    text = "推动平台向三级体系延伸，完善“村—镇—县—市”四级相互衔接的网络。启动二级应急响应。"
    records = _records(text)
    tiers = [(text[r.start:r.end], r.value, r.role) for r in records]
    assert tiers == [("三级", 3, "stock"), ("四级", 4, "stock")]  # a response grade (二级响应) is no tier count
    governments = "经验推广至县区,两级政府常务会学法12次。"
    assert [(r.value, r.unit) for r in _records(governments)] == [(2, "级"), (12, "次")]


def test_i19_up_to_a_day_of_the_report_year_or_its_end_is_the_year_not_a_span():
    text = "截至10月31日，提请审议的法规草案14件。截至年底，持证执法人员共有820名。截至2022年底，累计建成站点35个。"
    records = _records(text)
    assert _one(records, "14件", text).scope == "actual"
    assert _one(records, "820名", text).scope == "actual"
    assert _one(records, "35个", text).scope == "cumulative"  # a year named: a span


def test_i19_scope_a_nearer_part_of_the_year_a_reduced_object_and_new_additions():
    # a half year named after a span cue, nearer the number, decides (the span keeps what it governs)
    text = "自2019年5月以来,共清理积案7起,2021年上半年,全市共办结案件31起。"
    records = _records(text)
    assert (_one(records, "7起", text).scope, _one(records, "31起", text).scope) == ("cumulative", "actual")
    # a reducing verb, then what it reduces, then the percentage: a change
    cut = "为企业精简申报材料35%以上,缩短审批时限55%。网上可办率为98%。"
    records = _records(cut)
    assert [_one(records, s, cut).scope for s in ("35%", "55%", "98%")] == ["delta", "delta", "actual"]
    # 新增加 is the year's additions, a count; 增加 after the measured noun is still a change
    added = "全年新增加执法人员6名。受理案件增加9件。"
    records = _records(added)
    assert (_one(records, "6名", added).scope, _one(records, "9件", added).scope) == ("actual", "delta")


def test_i19_a_plan_named_as_a_noun_or_done_as_required_is_no_planned_cue():
    text = "专题研究年度立法工作计划等事项8次。按要求完成25个事项上线。计划开展培训4次。"
    records = _records(text)
    assert [_one(records, s, text).scope for s in ("8次", "25个", "4次")] == ["actual", "actual", "planned"]


# Session 7: rules written from the error kinds of real dev set 3 (evaluation/extract/real_dev3), each tested
# on invented text.

def test_j1_a_party_branchs_study_and_a_party_lecture_are_no_leadership_law_study():
    text = "局党组中心组开展习近平法治思想专题学习6次，各支部集中学习研讨9次，班子成员讲授3次法治专题党课。"
    records = _records(text, admin_level="department")
    assert _one(records, "6次", text).indicator == "leadership_law_study_sessions"
    assert _one(records, "9次", text).indicator is None and _one(records, "3次", text).indicator is None
    # a lecture named in an earlier clause does not veto the government's own session after it
    later = "县政府党组中心组开展法治专题学习4次，讲法治专题党课2场次，政府全体会议专题学法3次。"
    assert _one(_records(later), "3次", later).indicator == "leadership_law_study_sessions"


def test_j1_a_light_verbs_list_item_with_its_own_number_is_a_count_of_its_own():
    text = "通过开展5次中心组法治专题学习、2期读书班、4次支部集中学习研讨，提升法治素养。"
    records = _records(text, admin_level="department")
    assert _one(records, "5次", text).indicator == "leadership_law_study_sessions"  # 支部 is another item's
    assert _one(records, "2期", text).indicator is None


def test_j2_a_justice_bureau_reporting_its_governments_court_figures_keeps_them_as_context():
    text = ("区政府负责人出庭应诉率100%，镇街负责人出庭应诉率97.5%。区政府作为被告的行政诉讼案件败诉率4.2%。"
            "县政府行政应诉案件23件。")
    records = _records(text, admin_level="department")
    assert [_one(records, s, text).indicator for s in ("100%", "97.5%", "4.2%", "23件")] == [None] * 4
    own = _records(text, admin_level="county")  # the government's own report: its own figures
    assert [_one(own, s, text).indicator for s in ("100%", "4.2%", "23件")] == \
        ["head_appearance_rate", "litigation_loss_rate", "litigation_cases"]


def test_j3_opinions_given_on_decisions_are_no_decisions():
    text = "法律顾问为县政府重大决策提供法律意见40余件。"
    assert [r.indicator for r in _records(text)] == [None]
    assert [r.indicator for r in _records("纳入目录的重大行政决策事项12项。")] == ["major_decisions_count"]


def test_j4_a_legal_check_up_for_enterprises_is_no_government_legality_review():
    text = "开展民营企业“法治体检”活动，律师为180家企业解答咨询300次，审查合同950份。"
    records = _records(text)
    assert _one(records, "950份", text).indicator is None
    own = "司法局审查区政府合同协议64份。"
    assert [r.indicator for r in _records(own)] == ["legality_review_count"]


def test_j5_the_power_list_is_no_approval_list_and_the_items_cut_must_be_named_in_the_sentence():
    text = "清理规范行政审批中介服务事项25项。对市级权责清单进行动态调整，取消44项，增加9项。"
    records = _records(text)
    assert _one(records, "44项", text).indicator is None  # the power list's items (the approval topic is a sentence away)
    items = "落实行政许可事项清单要求，将原其他权力事项6项，调整为各4项。"
    assert _one(_records(items), "4项", items).indicator is None
    own = "调整部门权力清单，取消行政许可事项7项，下放12项。"
    assert [_one(_records(own), s, own).indicator for s in ("7项", "12项")] == ["approval_items_streamlined"] * 2


def test_j6_replying_to_another_bodys_consultation_is_no_public_consultation():
    text = "回复上级征求意见文件65件。"
    assert [r.indicator for r in _records(text)] == [None]
    own = "通过政府网站公开征求意见草案14件。"
    assert [r.indicator for r in _records(own)] == ["public_consultation_drafts"]


def test_j7_accountability_counts_only_after_an_audit_named_in_the_paragraph():
    text = "全面完成督察反馈问题整改，追责问责27人。全年向纪检监察机关移送问题线索60余个。"
    assert [r.indicator for r in _records(text)] == [None, None]
    audit = "全年完成审计项目31个；向纪检监察机关移送问题线索8件，已有5人受到处分。"
    assert [_one(_records(audit), s, audit).indicator for s in ("31个", "8件", "5人")] == ["audit_accountability"] * 3


def test_j8_documents_in_force_are_a_stock_not_a_cleanup_result():
    text = "清理规范性文件3次、90余件，废止6件，现行有效行政规范性文件71件。"
    records = _records(text)
    in_force = _one(records, "71件", text)
    assert (in_force.role, in_force.verb, in_force.indicator) == ("stock", "现行有效", None)


def test_j9_a_bare_number_in_a_list_counts_the_lists_object():
    text = "清理规范性文件3次、90余件，废止6件。"
    assert _one(_records(text), "90余件", text).indicator == "normative_doc_cleanup"
    # an item cut off at the end of the text may have lost its own noun: no indicator
    cut = "完成行政规范性文件合法性审核15件、7件"
    assert _one(_records(cut), "7件", cut).indicator is None


def test_j9_rate_names_in_a_list_share_the_value_after_the_last():
    text = "向县人大常委会备案规范性文件8件，报备率、及时率、规范率均达100%。"
    assert _one(_records(text), "100%", text).indicator == "normative_doc_filing_rate"
    # a list whose earlier item has its own value: each rate is read alone (31% is not the correction rate)
    own = "行政复议纠错率12.5%、调解率31%。"
    assert [r.indicator for r in _records(own)] == ["reconsideration_correction_rate", None]


def test_j10_a_year_span_in_brackets_names_a_documents_term_not_a_span():
    text = "制定贯彻落实改革纲要（2024—2028年）任务分工方案，推动完成任务160项。"
    assert _one(_records(text), "160项", text).scope == "actual"
    span = "2019—2023年累计取消行政许可事项54项。"
    assert _one(_records(span), "54项", span).scope == "cumulative"


def test_j11_a_plans_parts_named_before_their_number_by_a_plan_making_verb():
    text = "出台优化营商环境措施18条，制定配套举措21个，推出47项具体措施，形成政策措施9项，推动完成任务130项。"
    records = _records(text)
    roles = [_one(records, s, text).role for s in ("18条", "21个", "47项", "9项", "130项")]
    assert roles == ["plan_structure", "plan_structure", "plan_structure", "flow", "flow"]
    assert _one(records, "18条", text).frame_rule == "role.plan_noun_before"


def test_j12_a_heading_naming_the_report_years_own_programme_is_no_plan():
    text = "一、2023年重点工作及主要工作举措\n全年召开局党组会38次，成立调解组织12个。\n二、2024年工作打算\n力争新建调解组织5个。"
    records = _records(text, report_year=2023)
    assert _one(records, "38次", text).scope == "actual" and _one(records, "12个", text).scope == "actual"
    assert _one(records, "5个", text).scope == "planned"  # the next year's plan stays planned
    # without the report year the heading still opens a planned section (unchanged behaviour)
    assert _one(_records(text), "38次", text).scope == "planned"


def test_j13_a_change_is_about_the_measure_just_named_not_an_earlier_one():
    text = "办理行政复议案件85件，新增市场主体3200户，同比增长12%。"
    records = _records(text)
    change = _one(records, "12%", text)
    assert change.scope == "delta" and change.indicator is None  # the change of the market entities
    own = "办理行政复议案件85件，同比增长12%。"
    assert _one(_records(own), "12%", own).indicator == "reconsideration_cases"  # right after its measure


def test_j14_a_proposal_rate_names_its_proposals_in_its_own_sentence():
    text = "全年办结行政复议案件41件，纠错5件；群众满意率96.5%。"
    assert _one(_records(text), "96.5%", text).indicator is None  # 复议案件 holds 议案, a sentence away
    own = "办理人大代表建议和政协提案85件，满意率98.2%。"
    assert _one(_records(own), "98.2%", own).indicator == "npc_cppcc_proposal_completion"


# k: general rules from the error kinds of the first half of real set 3 (invented sentences and figures)


def test_k1_cases_mediated_or_withdrawn_are_no_caseload_and_recommendations_are_no_cases():
    text = "调撤一审行政诉讼案件57件，调撤率38.2%。"
    mediated = _one(_records(text), "57件", text)
    assert mediated.verb == "调撤" and mediated.indicator is None
    own = "全年行政复议14件、行政诉讼21件，出庭率100%。"
    records = _records(own, admin_level="department")
    assert _one(records, "14件", own).indicator == "reconsideration_cases"  # the procedure alone names the caseload
    assert _one(records, "21件", own).indicator == "litigation_cases"
    advice = "把行政复议意见书作为抓手，制发检察建议31件、复议意见书3件。"
    assert _one(_records(advice), "3件", advice).indicator is None


def test_k2_contracts_handled_and_reforms_awarded_are_no_legality_reviews():
    text = "全区各单位共承办生效合同2310件，对7份重大行政合同进行合法性审查。"
    records = _records(text)
    assert _one(records, "2310件", text).verb == "承办" and _one(records, "2310件", text).indicator is None
    assert _one(records, "7份", text).indicator == "legality_review_count"
    award = "镇街合法性审查提质增效等3项改革获评年度最佳实践。"
    reforms = _one(_records(award), "3项", award)
    assert reforms.noun == "改革" and reforms.indicator is None


def test_k3_a_drafts_to_be_issued_were_reviewed_this_year_not_planned():
    text = "审查县政府拟发规范性文件23件；审查拟签订的合同19份；县政府拟发文的8件规范性文件均进行合法性审查。"
    records = _records(text)
    assert [_one(records, s, text).scope for s in ("23件", "19份", "8件")] == ["actual"] * 3
    cleanup = "共清理规范性文件160件，拟废止9件。"
    assert _one(_records(cleanup), "9件", cleanup).scope == "planned"  # a repeal still to come stays planned


def test_k4_the_decision_catalogues_items_and_decision_documents_issued_are_decisions():
    text = "推行重大行政决策目录化管理，县政府公布目录事项6个，均履行法定程序。"
    assert _one(_records(text), "6个", text).indicator == "major_decisions_count"
    other = "编制政务服务事项目录，公布目录事项120个。"
    assert _one(_records(other), "120个", other).indicator is None  # another list's catalogue
    issued = "依法出台《某某片区发展规划》重大行政决策文件2份。"
    assert _one(_records(issued), "2份", issued).indicator == "major_decisions_count"


def test_k5_a_mobile_handling_rate_is_an_online_rate_and_a_lecture_is_a_meetings_study():
    text = "政务服务网办、掌办率达到98%。"
    assert _one(_records(text), "98%", text).indicator == "online_service_rate"
    study = "县政府常务会议举办3次专题报告会、4次专题学法。"
    records = _records(study)
    assert [_one(records, s, study).indicator for s in ("3次", "4次")] == ["leadership_law_study_sessions"] * 2


def test_k6_the_own_verb_read_after_the_noun_names_the_action_however_far_after_the_number():
    text = "县政府拟发文的12件行政规范性文件均依法进行合法性审查。"
    reviews = _one(_records(text), "12件", text)
    assert reviews.verb == "合法性审查" and reviews.scope == "actual"
    assert reviews.indicator == "normative_doc_legality_reviews"


def test_k7_a_verb_inside_a_book_title_names_no_action_of_the_sentence():
    text = "全年制定《某市城市绿化管理办法（修订）》等4件政府规章，废止《某市养犬管理规定》等2件政府规章。"
    records = _records(text)
    enacted = _one(records, "4件", text)
    assert enacted.verb == "制定" and enacted.indicator == "rules_enacted"
    assert _one(records, "2件", text).indicator is None  # a repeal stays no enactment


def test_k8_another_body_leading_a_list_is_the_subject_of_an_item_that_names_none():
    text = "市委理论学习中心组举办了3次专题报告会、4次专题学法；市政府常务会议举办2次专题报告会、6次专题学法。"
    records = _records(text)
    got = [r.indicator for r in records if r.unit == "次"]
    assert got == [None, None, "leadership_law_study_sessions", "leadership_law_study_sessions"]
    own = "区委常委会学法2次、区政府常务会议学法4次。"  # the second item names its own body
    assert _one(_records(own), "4次", own).indicator == "leadership_law_study_sessions"


def test_k9_example_sub_units_many_units_party_groups_and_rules_in_the_making_are_not_the_bodys_own():
    text = "坚持政府常务会议学法制度，如甲县、乙县等县达到年度9次。"
    example = _one(_records(text), "9次", text)
    assert (example.role, example.frame_rule, example.indicator) == ("part_of", "role.examples_of_units", None)
    groups = "正处级以上党委(党组)组织学习贯彻习近平法治思想专题学习会70多场。"
    assert _one(_records(groups), "70多场", groups).indicator is None
    making = "推进《某市公共停车管理办法》等3件政府规章立法工作。"
    assert _one(_records(making), "3件", making).indicator is None
    done = "年内完成市政府规章立法项目4件。"  # legislative projects completed are rules made
    assert _one(_records(done), "4件", done).indicator == "rules_enacted"


def test_k10_a_target_in_brackets_and_an_expectation_are_planned():
    text = "行政诉讼败诉率下降至4.1%，有望降至4%以下（市考核指标4%以下）。"
    records = _records(text)
    assert [r.scope for r in records if r.unit == "%"] == ["actual", "planned", "planned"]
    done = "完成考核指标12项。"  # indicators met are no target
    assert _one(_records(done), "12项", done).scope == "actual"


def test_k11_a_span_of_months_across_years_is_cumulative_within_one_year_it_is_not():
    text = "开展2018年4月至2020年3月期间生效合同统计工作，全区各单位共承办生效合同3120件。"
    assert _one(_records(text), "3120件", text).scope == "cumulative"
    year = "2023年1月至2023年10月，共办理行政复议案件40件。"
    assert _one(_records(year), "40件", year).scope == "actual"


def test_k12_an_object_fronted_by_dui_takes_its_verb_after_the_clause_that_holds_none():
    text = "实施向开发区放权，对市级96项行政许可事项，通过直接下放、委托办理等形式下放办理。"
    cut = _one(_records(text), "96项", text)
    assert cut.verb == "下放" and cut.indicator == "approval_items_streamlined"
    repeal = "对23件规范性文件，依法予以废止。"
    assert _one(_records(repeal), "23件", repeal).verb == "废止"


def test_k13_a_noun_and_count_clause_after_a_count_in_the_same_measure_word_shares_its_verb():
    text = "调整后，市级共保留行政权力事项3500项，行政许可事项250项。"
    listed = _one(_records(text), "250项", text)
    assert (listed.verb, listed.role, listed.indicator) == ("保留", "stock", "licensing_items_listed")
    other = "审查规范性文件26件，合同17份。"  # another measure word: no parallel item, the verb stays borrowed
    assert _one(_records(other), "17份", other).role == "flow"


def test_k14_the_items_of_a_numbered_slogan_spelt_out_in_brackets_are_names():
    text = "推行“三个百分百”（案中100%调解、案后100%释法、纠错100%建议）工作法，行政复议调解率35%。"
    records = _records(text)
    slogan = [r for r in records if r.value == 100]
    assert len(slogan) == 3 and {(r.role, r.exclude_reason) for r in slogan} == {("excluded", "name")}
    assert _one(records, "35%", text).indicator == "reconsideration_mediation_rate"  # after the bracket: a figure


def test_l1_a_leadership_body_studying_the_rule_of_law_thought_n_times_is_law_study():
    # 学习 alone is general study; its object 习近平法治思想 (or 宪法, 民法典) makes it law study
    text = "县政府党组学习习近平法治思想7次，开展集中研讨3次。"
    assert _one(_records(text), "7次", text).indicator == "leadership_law_study_sessions"
    general = "县政府党组学习党的二十大精神7次。"
    assert _one(_records(general), "7次", general).indicator is None
