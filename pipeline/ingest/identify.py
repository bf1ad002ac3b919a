"""Identify a report: unit name, administrative level, unit id, report year, document kind.

Input: normalised text (and optionally its publish date). Output: ``Identification`` whose every
field says how it was obtained (``*_source``: ``title``, ``body``, ``places``, ``publish_date``...).
The rules (cue patterns, suffix lists, region hints) live in ``configs/identify.yaml``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any, NamedTuple

from pipeline.config import load_config
from pipeline.ingest import bodies
from pipeline.ingest.gazetteer import MUNICIPALITY_PREFIXES, Division, load_gazetteer

DOC_KINDS = ("annual_report", "work_plan", "other")
ADMIN_LEVELS = ("province", "prefecture", "county", "department")

OPENING_CHARS = 400  # the opening paragraph, where a report names its author
OUTSIDE_MAINLAND = ("71", "81", "82")  # division-code prefixes of Taiwan, Hong Kong, Macao
_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5",
              "六": "6", "七": "7", "八": "8", "九": "9"}
_YEAR = r"((?:19|20)\d{2}|[二][〇○零O][一二三四五六七八九〇○零O]{2})\s*年"
_RANGE_BEFORE = re.compile(r"\d{4}\s*年?\s*[-—–~～至到]\s*$")
# how a report's opening sentence goes on after "2022年，<unit>": 认真贯彻…, 坚持…, 全面落实…
_OPENING_VERBS = "认真|坚持|深入|紧紧|全面|大力|持续|始终|围绕|按照|以习近平|不断|积极|扎实|切实|着力|聚焦|牢固"
_COVER_LETTER = re.compile(r"报送.{0,40}(报告|情况)(的函)?$")  # 关于报送2021年度法治政府建设情况报告的函
_SELF_NAME = re.compile(r"(我|全|本)\w{0,2}")  # 我市, 全县, 本局: a self-reference, not a name
# why a look-alike is set aside, for the kinds decided by one rule (the others: lookalike_reasons in the config)
_REASON_OF_SOURCE = {"yearbook_headers": "yearbook_entry", "news_markers": "news_article",
                     "scholarly_markers": "other_subject", "multi_year_opening": "multi_year_review",
                     "general_summary": "other_subject", "non_government_author": "other_subject",
                     "no_reporting_body": "no_reporting_body", "interpretation_heading": "policy_interpretation",
                     "news_lead": "news_article", "masked_place": "other_subject"}


@dataclass
class Identification:
    unit_name: str | None = None
    unit_name_source: str | None = None
    admin_level: str | None = None
    admin_level_source: str | None = None
    unit_id: str | None = None
    unit_id_source: str | None = None
    region_path: str | None = None
    unit_key: str | None = None
    unit_kind: str | None = None
    division_code: str | None = None
    parent_division: str | None = None
    tier: str | None = None
    dept_type: str | None = None
    report_year: int | None = None
    report_year_source: str | None = None
    doc_kind: str | None = None
    doc_kind_source: str | None = None
    doc_kind_reason: str | None = None  # for `other` and `work_plan`: policy_interpretation, news_article ...
    year_inferred: bool = False  # the year is implied (a report dated early in Y about 一年来 -> Y-1)
    ambiguous_place: str | None = None  # codes of equally likely divisions when the text cannot tell them apart
    title: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _rules() -> dict[str, Any]:
    cfg = load_config("identify")
    return {
        **cfg,
        "title_subject_re": re.compile(cfg["title_subject"]),
        "navigation_re": re.compile(cfg["navigation_line"]),
        "section_heading_re": re.compile(cfg["section_heading"]),
        "short_name_stop_chars": frozenset(cfg["short_name_stop_chars"]),
        "other_title_re": re.compile(cfg["other_title"]),
        "report_heading_re": re.compile(cfg["report_heading"]),
        "unit_line_re": re.compile(f"(?:{'|'.join(map(re.escape, cfg['government_suffixes'] + cfg['department_suffixes']))})$"),
        "author_department_re": re.compile(cfg["author_department"]),
        "unit_tail_re": re.compile(f"(?:{cfg['unit_trailing_words']})$"),
        "kind_title_re": {k: re.compile(v) for k, v in cfg["kind_title_patterns"].items()},
        "kind_body_re": {k: re.compile(v) for k, v in cfg["kind_body_patterns"].items()},
        "self_ref_re": {k: re.compile(v) for k, v in cfg["self_reference_levels"].items()},
        "region_hints": [(re.compile(h["pattern"]), h["adcode"], h["name"]) for h in cfg["region_hints"]],
        "lookalike_reasons_re": [(r["reason"], re.compile(r["heading"]) if r.get("heading") else None,
                                  re.compile(r["head"]) if r.get("head") else None) for r in cfg["lookalike_reasons"]],
        "yearbook_headers_re": re.compile(cfg["yearbook_headers"]),
        "non_government_author_re": re.compile(cfg["non_government_author"]),
        "multi_year_opening_re": re.compile(cfg["multi_year_opening"]),
        "addressed_downward_re": re.compile(cfg["addressed_downward"]),
        "news_markers_re": re.compile(cfg["news_markers"]),
        "scholarly_markers_re": re.compile(cfg["scholarly_markers"]),
        "general_summary_re": re.compile(cfg["general_summary_handover"]),
        "interpretation_headings_re": re.compile(cfg["interpretation_headings"]),
        "masked_place_re": re.compile(cfg["masked_place"]),
        "news_lead_re": re.compile(cfg["news_lead"]),
        "weak_subject_re": re.compile(cfg["weak_subject"]),
        "joint_party_government_re": re.compile(cfg["joint_party_government"]),
        "party_group_suffix_re": re.compile(cfg["party_group_suffix"]),
    }


def parse_year(token: str) -> int:
    """'2019' -> 2019; '二〇一九' -> 2019."""
    return int("".join(_CN_DIGITS.get(c, c) for c in token))


def find_title(text: str) -> str | None:
    """The title: an early line (or two joined lines) naming the subject and a document type."""
    rules = _rules()
    # site navigation left over (首页, 政务公开, breadcrumbs "首页 > …") does not use up the search window
    lines = [ln.strip() for ln in text.split("\n") if len(ln.strip()) >= 2 and not rules["navigation_re"].search(ln)]
    lines = lines[: rules["title_search_lines"]]

    def is_title(cand: str) -> bool:
        return (len(cand) <= 80 and "。" not in cand and not rules["section_heading_re"].match(cand)
                and bool(rules["title_subject_re"].search(cand))
                and any(p.search(cand) for p in rules["kind_title_re"].values()))

    for i, line in enumerate(lines):
        if is_title(line):
            # a section heading of the site (法治政府建设年度报告和工作要点) above the document's own title,
            # which names its year: the title is the one with the year
            if not re.search(_YEAR, line):
                dated = next((ln for ln in lines[i + 1:i + 4] if is_title(ln) and re.search(_YEAR, ln)), None)
                return dated or line
            return line
        # a title broken over two lines; not when the next line is a whole title by itself
        # (then this line is something else: a site banner, a navigation bar)
        if i + 1 < len(lines) and len(line) < 40 and not is_title(lines[i + 1]) and is_title(line + lines[i + 1]):
            return line + lines[i + 1]
    return None


def _early_lines(text: str) -> list[str]:
    """The first lines of a text that are not site navigation (at least 6 characters)."""
    navigation = _rules()["navigation_re"]
    return [ln.strip() for ln in text[:600].split("\n") if len(ln.strip()) >= 6 and not navigation.search(ln)]


INTERPRETATION_LINES = 15  # the first non-empty lines searched for an interpretation page's section headings
_EDITION_YEAR = re.compile(r"[(（]\s*((?:19|20)\d{2})\s*(?:年度?)?版\s*[)）]")


def identify_kind(title: str | None, text: str) -> tuple[str, str]:
    """Document kind and where it was read from."""
    rules = _rules()
    body_hits = {k: len(p.findall(text[:20000])) for k, p in rules["kind_body_re"].items()}
    early = _early_lines(text)
    first_line = early[0] if early else ""
    if title and _COVER_LETTER.search(title):
        return "annual_report", "cover_letter"  # the report is inside the letter
    # another kind of document: a notice about reports, a disclosure report, a news item, a white paper
    # (with a title, the title decides; without one, the first lines)
    headings = [ln for ln in early[:3] if len(ln) <= 80 and "。" not in ln]  # heading-like first lines
    if title:
        # the title, and a heading on the same subject above it (在全市法治政府建设…会议上的讲话.pdf)
        above = headings[: next((i for i, h in enumerate(headings) if title.startswith(h)), len(headings))]
        headings = [title, *(h for h in above if rules["title_subject_re"].search(h))]
    for heading in headings:
        if rules["other_title_re"].search(heading) and "印发" not in heading:
            return "other", "title"
    if rules["scholarly_markers_re"].search(text[:1500]):
        return "other", "scholarly_markers"  # 关键词：…, 本文将…, 内容简介 本书…: a study of reports
    if rules["news_markers_re"].search(text[:800]):
        return "other", "news_markers"  # 本报讯, （记者 某某）: a newspaper article about the report
    lines = [ln.strip() for ln in text[:3000].split("\n") if ln.strip()][:INTERPRETATION_LINES]
    if any(rules["interpretation_headings_re"].search(line) for line in lines):
        return "other", "interpretation_heading"  # 二、深度解读 / 背景链接: a page interpreting a report
    if rules["news_lead_re"].search(_opening(text)[:20]):
        return "other", "news_lead"  # 4月26日，…会议听取了…报告: a news lead; a report never opens on a day
    if rules["masked_place_re"].search(text[:1500]):
        return "other", "masked_place"  # **区, XX县: a model text with its place masked, nobody's report
    if len(rules["yearbook_headers_re"].findall(text[:2000])) >= 2:
        return "other", "yearbook_headers"  # 【概况】…【行政执法】: a yearbook entry
    # a report whose title is about something else (行政复议和行政应诉工作情况报告)
    if title is None and any(len(line) <= 120 and rules["report_heading_re"].search(line)
                             and not rules["section_heading_re"].match(line)
                             and not rules["title_subject_re"].search(line) for line in early[:3]):
        return "other", "title"
    if title is None and rules["addressed_downward_re"].search(first_line):
        return "other", "addressed_downward"  # 各市人民政府，省政府各部门： a notice to subordinate bodies
    if title is None and len(first_line) <= 30 and rules["non_government_author_re"].search(first_line):
        return "other", "non_government_author"  # 某某市中级人民法院 above its report to the congress
    if title:
        # "关于印发《…工作要点》的通知" is a plan however the notice is worded
        inner = re.findall(r"《([^》]*)》", title)
        for candidate in [*inner, title]:
            if rules["kind_title_re"]["work_plan"].search(candidate) and not re.search(
                r"报告|总结|情况", candidate
            ):
                return "work_plan", "title"
        if rules["kind_title_re"]["annual_report"].search(title):
            if body_hits["other"] >= 2 and body_hits["annual_report"] == 0:
                return "other", "body"
            return "annual_report", "title"
    if title is None and rules["general_summary_re"].search(text[:1500]):
        return "other", "general_summary"  # 现将全年工作总结如下: a general work summary, not this subject
    if title is None and rules["multi_year_opening_re"].search(_opening(text)[:40]):
        return "other", "multi_year_opening"  # 近年来，… : a review of several years, not a yearly report
    if body_hits["other"] >= 1 and body_hits["other"] >= body_hits["annual_report"]:
        return "other", "body"
    if body_hits["work_plan"] > body_hits["annual_report"]:
        return "work_plan", "body"
    if body_hits["annual_report"] or _rules()["title_subject_re"].search(text[:3000]):
        return "annual_report", "body"
    if rules["weak_subject_re"].search(text[:3000]) and any(_self_reference_counts(text).first_person.values()):
        # an excerpt that opens on its first section (学习贯彻习近平法治思想情况。我委…) with no subject word yet:
        # a body's own account of it
        return "annual_report", "weak_subject"
    return "other", "body"


def lookalike_reason(title: str | None, text: str, kind: str, source: str) -> str:
    """Why a document that is not an annual report is set aside (``lookalike_reasons`` in the config)."""
    if kind == "work_plan":
        return "work_plan"
    if source in _REASON_OF_SOURCE:
        return _REASON_OF_SOURCE[source]
    if source == "addressed_downward":
        return "assessment_notice" if re.search(r"通报|考核|考评|评估|督察", text[:2000]) else "other_subject"
    headings = [h for h in ([title] if title else []) + _early_lines(text)[:2] if h]
    head = text[:800]
    rules = _rules()["lookalike_reasons_re"]
    for reason, heading_re, _ in rules:
        if heading_re is not None and any(heading_re.search(h) for h in headings):
            return reason
    for reason, _, head_re in rules:
        if head_re is not None and head_re.search(head):
            return reason
    return "other_subject"


def identify_year(title: str | None, text: str, publish_date: str | None, kind: str) -> tuple[int | None, str]:
    """The year the report describes (for a plan: the year it plans)."""
    if title:
        inner = " ".join(re.findall(r"《([^》]*)》", title)) or title
        for source in (inner, title):
            years = [parse_year(m.group(1)) for m in re.finditer(_YEAR, source)]
            # "(2015-2020年)" ranges name a plan period, not the report year
            years = [y for y in years if not re.search(rf"{y}\s*[-—–~至到]\s*\d{{4}}|\d{{4}}\s*[-—–~至到]\s*{y}", source)]
            if years:
                return years[-1] if kind == "work_plan" else years[0], "title"
    edition = _EDITION_YEAR.search(text[:600])  # 法治政府建设白皮书（2021版）: the year it describes
    if edition:
        return int(edition.group(1)), "edition"
    head = text[:1500]
    opening = re.search(rf"(?:^|\n)\s*{_YEAR}(?:度)?(?:以来)?\s*[,，]?\s*(?:我|全|本|在|.{{0,30}}(?:{_OPENING_VERBS}))", head)
    if opening:
        return parse_year(opening.group(1)), "opening_sentence"
    # a report issued in the first half of Y (一年来, 过去一年) describes Y-1; later in Y, Y itself
    for date, source in ((publish_date, "publish_date"), (signature_date(text), "signature_date")):
        if date:
            year, month = int(date[:4]), int(date[5:7])
            return (year - 1 if month <= 6 else year), source
    # the end of a span ("十四五"规划(2021-2025年)) names a plan period, not the year reported on
    counts = Counter(parse_year(m.group(1)) for m in re.finditer(_YEAR, text[:20000])
                     if not _RANGE_BEFORE.search(text, max(0, m.start() - 8), m.start()))
    if counts:
        return counts.most_common(1)[0][0], "most_frequent_year"
    return None, "none"


_CN_NUMBER = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_DATE_LINE = re.compile(rf"^\s*((?:19|20)\d{{2}}|二[〇○零O][一二三四五六七八九〇○零O]{{2}})\s*年\s*{_NUMBER}\s*月\s*{_NUMBER}\s*日\s*$")
SIGNATURE_LINES = 6  # the closing lines where a report is signed and dated


def _small_number(token: str) -> int:
    """'12' -> 12; '十二' -> 12; '二十' -> 20; '三十一' -> 31."""
    if token.isdigit():
        return int(token)
    if "十" not in token:
        return _CN_NUMBER.get(token, 0)
    tens, _, ones = token.partition("十")
    return (_CN_NUMBER.get(tens, 1) if tens else 1) * 10 + (_CN_NUMBER.get(ones, 0) if ones else 0)


def _closing_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text[-600:].split("\n") if ln.strip()][-SIGNATURE_LINES:]


def signature_date(text: str) -> str | None:
    """The date a report is signed with, on a line of its own among the closing lines (2017年3月10日,
    二〇一七年三月十日), as YYYY-MM-DD."""
    for line in reversed(_closing_lines(text)):
        match = _DATE_LINE.match(line)
        if match:
            year, month, day = parse_year(match.group(1)), _small_number(match.group(2)), _small_number(match.group(3))
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def signature_unit(text: str) -> str | None:
    """The body a report is signed by: a short unit line just above the closing date line."""
    lines = _closing_lines(text)
    for i in range(len(lines) - 1, 0, -1):
        if _DATE_LINE.match(lines[i]):
            above = lines[i - 1]
            if len(above) <= 30 and _is_unit_name(above) and "。" not in above:
                return above
            return None
    return None


_UNIT_BEFORE_YEAR = re.compile(rf"^(?:关于印发)?《?(?:关于)?(?P<unit>[^《》,，。、\s\d]{{2,40}}?)(?:关于)?(?:{_YEAR})")
_UNIT_AFTER_YEAR = re.compile(rf"{_YEAR}度?(?P<unit>[^《》,，。、\s\d]{{2,30}}?)(?:法治政府|依法行政|法治建设)")
_UNIT_BEFORE_ABOUT = re.compile(r"^(?P<unit>[^《》,，。、\s\d]{2,30}?)关于")


def _unit_from_title(title: str) -> str | None:
    inner = re.findall(r"《([^》]*)》", title)
    for source in [*inner, title]:
        for pattern in (_UNIT_BEFORE_YEAR, _UNIT_AFTER_YEAR):
            match = pattern.search(source)
            if match:
                unit = match.group("unit").strip("《》 ")
                unit = re.sub(r"^(关于印发|关于|印发)", "", unit)
                unit = unit.split("关于")[0] if len(unit.split("关于")[0]) >= 2 else unit
                unit = _rules()["unit_tail_re"].sub("", unit) or unit
                if len(unit) >= 2 and not re.fullmatch(r"(我|全|本)?(市|区|县|旗|省|州)", unit):
                    return unit
    return None


@cache
def _jieba() -> Any:
    """jieba, its logging quietened (loaded once, only when a rule needs word boundaries)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@cache
def _first_word(name: str) -> str:
    """The first jieba word of a unit name (市司法局 -> 市, 市场监督管理局 -> 市场)."""
    return next(iter(_jieba().cut(name)), "")


def _split_department(unit: str) -> tuple[str, str | None]:
    """'内蒙古自治区政府法制办' -> ('内蒙古自治区', '法制办'); '市司法局' -> ('市', '司法局');
    '审计局' -> ('', '审计局'); a government name -> (name, None)."""
    rules = _rules()
    for gov in rules["government_suffixes"]:
        idx = unit.find(gov)
        if idx >= 0:
            rest = unit[idx + len(gov):]
            if rest and any(rest.endswith(s) for s in rules["department_suffixes"]):
                return unit[:idx], rest
            return unit[:idx], None
    for suffix in sorted(rules["department_suffixes"], key=len, reverse=True):
        if unit.endswith(suffix) and len(unit) > len(suffix):
            # find the longest gazetteer name at the start; the rest is the department
            gaz = load_gazetteer()
            match = gaz.name_pattern.match(unit)
            while match and unit[match.end():].startswith(tuple(gaz.by_name)) :
                nxt = gaz.name_pattern.match(unit, match.end())
                if not nxt:
                    break
                match = nxt
            if match and match.end() < len(unit):
                return unit[: match.end()], unit[match.end():]
            if match is None:
                # no place name: a department under a generic place (市司法局, 县审计局) or a bare one (审计局)
                first = _first_word(unit)
                generic = first if first in rules["generic_place_levels"] and len(unit) > len(first) + 1 else ""
                return generic, unit[len(generic):]
            return unit, None
    return unit, None


def _resolve_place(name: str, context: str) -> tuple[Division | None, tuple[str, ...]]:
    """The division a place name (possibly 'A市B区') refers to, disambiguated by the text's other places,
    and the codes of the equally likely divisions when the text cannot tell them apart (else ())."""
    gaz = load_gazetteer()
    parts = [m.group(0) for m in gaz.name_pattern.finditer(name)]
    if not parts:
        return None, ()
    candidates: list[Division] = list(gaz.lookup(parts[-1]))
    for ancestor_name in parts[:-1]:
        ancestors = gaz.lookup(ancestor_name)
        narrowed = [c for c in candidates if any(gaz.is_within(c, a) for a in ancestors)]
        candidates = narrowed or candidates
    if len(candidates) > 1:
        # province-level municipalities appear twice (110000 and 110100): prefer the province
        provinces = [c for c in candidates if c.level == "province"]
        if provinces and all(c.code[:2] in MUNICIPALITY_PREFIXES for c in candidates):
            return provinces[0], ()
        scores = _place_scores(context)

        def rank(c: Division) -> tuple[bool, float]:
            # Taiwan, Hong Kong and Macao publish no such reports: a mainland namesake comes first (大安区)
            return c.code[:2] in OUTSIDE_MAINLAND, -sum(scores.get(a.code, 0.0) for a in gaz.path(c)[:-1])

        candidates.sort(key=rank)
        if rank(candidates[0]) == rank(candidates[1]):
            # nothing in the text tells 石家庄's 新华区 from 平顶山's: the first is taken, and the doubt shown
            return candidates[0], tuple(c.code for c in candidates if rank(c) == rank(candidates[0]))
    return (candidates[0] if candidates else None), ()


# lines that name places that are not the author: postal addresses and contact lines, news datelines
_NOT_A_NAME_POSITION = re.compile(r"(?:地址|住所|邮编|邮政编码|电话|传真|邮箱)\s*[:：][^\n。；;]*|本报.{0,8}电|新华社.{0,8}电")
NAME_POSITION_CHARS = 300  # the opening and the closing (signature, date) of a text are name positions


@cache
def _word_boundaries(window: str) -> frozenset[int]:
    """Offsets in ``window`` where jieba puts a word boundary."""
    edges, pos = {0}, 0
    for word in _jieba().cut(window):
        pos += len(word)
        edges.add(pos)
    return frozenset(edges)


def _whole_word(text: str, start: int, end: int, full_name: bool = False) -> bool:
    """Whether text[start:end] stands as whole words, not inside a longer word (示范县 is not 范县,
    长治久安 is not 长治). A full name with its level suffix may begin a longer word (湖北省博物馆)."""
    lo = max(0, start - 4)
    edges = _word_boundaries(text[lo:end + 4])
    return (start - lo) in edges and (full_name or (end - lo) in edges)


def _counts_in_body(name: str, divisions: tuple[Division, ...]) -> bool:
    """A place name found in running text counts only as a whole name: the official name, a short form
    with its level (黔东南州), or a province's short form of three characters (内蒙古); bare two-character
    short forms (长治, 北京) count only at name positions."""
    if any(d.name == name for d in divisions):
        return True
    if name[-1] in "州县旗盟":
        return True
    return len(name) >= 3 and all(d.level == "province" for d in divisions)


def _place_scores(text: str) -> dict[str, float]:
    """Mentions of each division in the text; an ambiguous name gives each candidate a share; the opening
    and the closing count three times; a region's distinctive vocabulary (``region_hints``) counts as one
    mention of its province. Addresses, contact lines and news datelines are not name positions."""
    gaz = load_gazetteer()
    scores: dict[str, float] = defaultdict(float)
    weak_first = _rules()["short_name_stop_chars"]
    window = text[:30000]
    excluded = [m.span() for m in _NOT_A_NAME_POSITION.finditer(window)]
    closing = len(window) - NAME_POSITION_CHARS
    for match in gaz.name_pattern.finditer(window):
        name = match.group(0)
        if len(name) == 2 and name[0] in weak_first:
            continue  # 市和县两级, 各县, 全区: a function word plus a level, not 和县 or 全区
        if any(a <= match.start() < b for a, b in excluded):
            continue
        divisions = gaz.lookup(name)
        at_name_position = match.start() < NAME_POSITION_CHARS or match.start() >= closing
        if not (at_name_position or _counts_in_body(name, divisions)):
            continue
        if not _whole_word(window, match.start(), match.end(), any(d.name == name for d in divisions)):
            continue
        weight = 3.0 if at_name_position else 1.0
        for division in divisions:
            scores[division.code] += weight / len(divisions)
    for pattern, code, _name in _rules()["region_hints"]:  # 治藏, 兵团, 盟市: the province without its name
        if pattern.search(window):
            scores[code] += 1.0
    return scores


def _infer_place_from_body(text: str, level: str | None) -> Division | None:
    """The division the text is most about, at the given level (the level implied by 我市/我县...)."""
    gaz = load_gazetteer()
    scores = _place_scores(text)
    if not scores:
        for pattern, code, _name in _rules()["region_hints"]:
            if pattern.search(text[:30000]):
                return gaz.by_code.get(code)
        return None
    totals: dict[str, float] = defaultdict(float)
    for code, score in scores.items():
        division = gaz.by_code[code]
        for i, ancestor in enumerate(reversed(gaz.path(division))):
            totals[ancestor.code] += score * (3.0 if i == 0 else 1.0)
    wanted = level if level in ("province", "prefecture", "county") else None

    def support(code: str) -> float:
        # its own mentions, plus (less) those of its province and city: 甘肃省 … 城关区 is Lanzhou's
        return totals[code] + 0.5 * sum(totals.get(a.code, 0.0) for a in gaz.path(gaz.by_code[code])[:-1])

    ranked = [gaz.by_code[c] for c in sorted(totals, key=lambda c: (-support(c), c))
              if wanted is None or gaz.by_code[c].level == wanted]
    return ranked[0] if ranked else None


def _opening(text: str) -> str:
    """The text from its first line of prose: web-page leftovers above it (首页 > 政务公开, a banner, a
    short unit line) are skipped, so rules about "how a report opens" see the opening sentence."""
    navigation = _rules()["navigation_re"]
    offset = 0
    for line in text[:2000].split("\n"):
        stripped = line.strip()
        if stripped and not navigation.search(stripped) and (len(stripped) > 30 or re.search(r"[。，,；;：:]", stripped)):
            return text[offset:]
        offset += len(line) + 1
    return text


def _is_first_person(form: str) -> bool:
    """A self-reference in the first person (我市, 本局), not one that may name a superior (全省, 市政府)."""
    return form[0] in "我本"


def _first_self_reference(opening: str) -> str | None:
    """The level implied by the opening's first self-reference (2022年，我局坚持… -> department);
    ``opening`` is the text from its first line of prose (``_opening``)."""
    head = opening[:OPENING_CHARS]
    found = [(m.start(), _is_first_person(m.group(0)), level) for level, p in _rules()["self_ref_re"].items()
             for m in p.finditer(head)]
    # a first-person form (我局) speaks as the author; 在市委市政府的领导下 names its superior
    first_person = [(start, level) for start, mine, level in found if mine]
    found_any = first_person or [(start, level) for start, _, level in found]
    return min(found_any)[1] if found_any else None


class SelfReferences(NamedTuple):
    """How often a text speaks as each level: in any form (我市, 全县, 县政府, 我局 ...) and in first-person
    forms only (我市, 本县, 我局)."""

    any_form: dict[str, int]
    first_person: dict[str, int]


def _self_reference_counts(text: str) -> SelfReferences:
    """The text's self-references per level (``SelfReferences``)."""
    window = text[:30000]
    any_form: dict[str, int] = {}
    first_person: dict[str, int] = {}
    for level, pattern in _rules()["self_ref_re"].items():
        found = [m.group(0) for m in pattern.finditer(window)]
        any_form[level] = len(found)
        first_person[level] = sum(1 for f in found if _is_first_person(f))
    return SelfReferences(any_form, first_person)


def _body_level(counts: SelfReferences, governments_only: bool = False) -> str | None:
    """The level the body speaks as most often (from ``_self_reference_counts``); governments only:
    never department. First-person forms (我市, 本县) decide when there are any: 全省唯一 in a city's report
    compares the city with its province, it does not speak as the province."""
    said = {level: n for level, n in counts.first_person.items() if not (governments_only and level == "department")}
    if not any(said.values()):
        said = {level: n for level, n in counts.any_form.items() if not (governments_only and level == "department")}
    best = max(said, key=lambda k: said[k])
    return best if said[best] else None


def _line_above(text: str, title: str) -> str | None:
    """The non-empty line just above the title's first line, if it is short."""
    lines = [ln.strip() for ln in text[:3000].split("\n") if ln.strip()]
    for i, line in enumerate(lines):
        if title.startswith(line) and i > 0:
            return lines[i - 1] if len(lines[i - 1]) <= 30 else None
    return None


def _government_name(division: Division) -> str:
    """The official name of a division's government: 人民政府, or 行政公署 for 盟 and 地区."""
    suffix = "行政公署" if division.name.endswith(("盟", "地区")) else "人民政府"
    return division.name + suffix


def identify_unit(title: str | None, text: str) -> dict[str, Any]:
    """Unit name, level, id and region path, with sources."""
    result: dict[str, Any] = {}
    unit: str | None = _unit_from_title(title) if title else None
    if unit is None and title:
        # the unit on its own line above the title (河南省人民政府法制办公室 / 二〇一五年度依法行政工作报告)
        above = _line_above(text, title)
        if above and _rules()["unit_line_re"].search(above) and not _rules()["title_subject_re"].search(above):
            unit = above
            result["unit_name_source"] = "line_above_title"
    if unit is None and title is None:
        # no subject title, but a first line naming a unit and a year (深圳市南山区司法局2022年度…报告,
        # 宁波市中级人民法院2020年度行政审判白皮书), or naming the unit above such a heading
        head_lines = [ln.strip() for ln in text[:600].split("\n") if len(ln.strip()) >= 2]
        first_line = next((ln for ln in head_lines if len(ln) >= 6), "")
        if (len(head_lines) >= 2 and len(head_lines[0]) <= 30 and _rules()["unit_line_re"].search(head_lines[0])
                and (_rules()["report_heading_re"].search(head_lines[1])
                     or _rules()["other_title_re"].search(head_lines[1]))):
            unit = head_lines[0]
            result["unit_name_source"] = "line_above_heading"
        heading = _rules()["report_heading_re"].search(first_line) or _rules()["other_title_re"].search(first_line)
        if unit is None and len(first_line) <= 80 and (heading or "关于" in first_line):
            unit = _unit_from_title(first_line)
            about = _UNIT_BEFORE_ABOUT.match(first_line)
            if unit is None and about and _rules()["unit_line_re"].search(about.group("unit")):
                unit = about.group("unit")
            if unit:
                result["unit_name_source"] = "first_line"
    opening_text = _opening(text)
    if unit is None:
        unit = _unit_from_opening(opening_text, text)
        if unit:
            result["unit_name_source"] = "opening_sentence"
    elif not load_gazetteer().name_pattern.search(unit) and bodies.match_national(unit) is None:
        # the title names no place (体育局关于…, spam took it; 市司法局): the opening may name the body whole
        opened = _unit_from_opening(opening_text, text)
        if opened and load_gazetteer().name_pattern.search(opened):
            unit = opened
            result["unit_name_source"] = "opening_sentence"
    if unit is None:
        unit = signature_unit(text)  # 我区… signed 某某区人民政府 / 2022年1月20日
        if unit:
            result["unit_name_source"] = "signature"
    elif "unit_name_source" not in result:
        result["unit_name_source"] = "title"
    return resolve_unit(unit, title, text, result)


_LEADING_CLAUSE = r"(?:在[^。\n]{2,60}?(?:领导|指导|支持|监督)下[,，]\s*)?"
_OPENING_UNIT = re.compile(
    rf"(?:^|\n)\s*{_YEAR}度?(?:以来)?[,，]?\s*{_LEADING_CLAUSE}(?:原)?(?P<unit>[^,，。、\s]{{2,30}}?)(?:{_OPENING_VERBS}|在)")
_SUBMITTED_UNIT = re.compile(rf"现将《?(?P<unit>[^,，。、\s《》]{{2,30}}?){_YEAR}度?[^。\n]{{0,24}}(?:报告|情况)")


def _is_unit_name(name: str) -> bool:
    """A name that can stand for a body: ends as a government or department does, or is a national body."""
    if _SELF_NAME.fullmatch(name):
        return False
    suffix = _rules()["unit_line_re"].search(name)
    return bool(suffix and suffix.start() >= 1) or bodies.match_national(name) is not None


def _unit_from_opening(opening_text: str, text: str) -> str | None:
    """The unit an opening sentence names ("2017年,自治区政府法制办认真贯彻…", "2018年,在党中央…领导下,
    交通运输部认真…"), or one the report hands itself over with ("现将市人社局2022年法治政府建设情况报告…")."""
    first = re.search(rf"^\s*{_YEAR}度?[,，]?\s*(?P<unit>[^,，。]{{2,30}}?)(?:{_OPENING_VERBS}|在)", opening_text[:400])
    if first and not _SELF_NAME.fullmatch(first.group("unit")):
        return first.group("unit")
    for pattern, window in ((_OPENING_UNIT, 1500), (_SUBMITTED_UNIT, 800)):
        for match in pattern.finditer(text[:window]):
            if _is_unit_name(match.group("unit")):
                return match.group("unit")
    return None


def body_from_name(name: str, text: str) -> dict[str, Any]:
    """Resolve a unit name given from outside the text (the manifest) into a body, the way a name read
    from the title is resolved; returns the same dict as ``identify_unit``."""
    return resolve_unit(name, None, text, {"unit_name_source": "manifest"})


def manifest_body(name: str | None, level: str | None, code: str | None, text: str,
                  inferred: bodies.ReportingBody | None) -> bodies.ReportingBody | None:
    """The body a manifest row names: its unit name resolved like a title's, its division code and level
    (when given) winning over what the name implies; without a name, the inferred body moved to the
    given division."""
    body = body_from_name(name, text).get("body") if name else inferred
    if body is None:
        return None
    division = load_gazetteer().by_code.get(code) if code else None
    if code and division is None and code == bodies.body_rules().national_code:
        return body
    wants_department = level == "department" if level else body.unit_kind == "department"
    if division is None and wants_department == (body.unit_kind == "department"):
        return body  # nothing given that changes the body
    division = division or (load_gazetteer().by_code.get(body.division_code or ""))
    if wants_department:
        dept = body.unit_name[len(division.name):] if division and body.unit_name.startswith(division.name) \
            else body.unit_name
        return bodies.department(division, dept, body.unit_name)
    if division is None:
        return bodies.unplaced_government(body.unit_name, level)
    return bodies.government(division, name or _government_name(division))


def resolve_unit(unit: str | None, title: str | None, text: str, result: dict[str, Any]) -> dict[str, Any]:
    """From a unit name as written (or None) to the body: national, department or government, its
    division, level and official name. ``result`` carries the sources found so far."""
    gaz = load_gazetteer()
    opening_text = _opening(text)
    if unit:
        unit = _strip_party_committee(unit)
    national = bodies.match_national(unit) if unit else None
    if national is not None and not national[1]:
        # a national ministry or agency (司法部, 中华人民共和国海关总署): the national tier
        body = bodies.national(national[0])
        result.update(unit_name=body.unit_name, admin_level=body.admin_level,
                      admin_level_source="national_body" if body.admin_level else None,
                      unit_id=body.division_code, unit_id_source="national_body", body=body)
        return result
    local_name = national[1] if national is not None else unit  # 国家税务总局天津市税务局 -> 天津市税务局
    place_part, department = _split_department(local_name) if local_name else ("", None)
    if department in _rules()["issuing_offices"] and title and "印发" in title:
        department = None  # 人民政府办公室关于印发…工作要点的通知: the plan is the government's, its office issues it
        unit = place_part
    division, tied = _resolve_place(place_part, text) if place_part else (None, ())
    if tied:
        result["ambiguous_place"] = "/".join(tied)
    self_references = _self_reference_counts(text)
    body_level = _body_level(self_references)
    if division is None:
        # a department named without its place takes the level its generic place names (市司法局: a city's),
        # or with none (审计局) the level of the government the body speaks for (全县 …)
        # (a government named by a generic place takes its level too: 自治区人民政府 is a province's)
        wanted = _rules()["generic_place_levels"].get(place_part) or (
            ("province" if place_part else _body_level(self_references, governments_only=True)) if department
            else body_level)
        division = _infer_place_from_body(text, wanted)
        if division is not None:
            result["unit_id_source"] = "places_in_body"
    else:
        result["unit_id_source"] = "gazetteer"
    level: str | None
    if department:
        level, level_source = "department", "unit_name"
    elif not place_part and (_rules()["author_department_re"].search(opening_text[:800])
                             or _first_self_reference(opening_text) == "department"):
        # no unit in the title, and the opening speaks as a department ("…领导下，我局坚持…")
        level, level_source = "department", "opening_self_reference"
    elif division is not None:
        level, level_source = bodies.tier_of(division), "gazetteer"  # 310100 上海市 is the municipality
    else:
        level, level_source = body_level, "self_reference"
    if division is not None:
        path = gaz.path(division)
        result["region_path"] = "/".join(d.name for d in path)
        result["unit_id"] = division.code
        generic_place = not place_part or re.fullmatch(r"(本|我|全)?(自治区|省|市|县|区|旗|州|盟)", place_part)
        if not unit:
            if level != "department":
                unit = f"{division.name}人民政府"
                result["unit_name_source"] = "places_in_body"
        elif generic_place and national is None:
            unit = division.name + unit[len(place_part):]
            result["unit_name_source"] = f"{result.get('unit_name_source')}+places_in_body"
        elif not department and level != "department":
            # a government: its official name (延边州 -> 延边朝鲜族自治州人民政府), the title keeps the wording
            official = _government_name(division)
            if official != unit:
                unit = official
                result["unit_name_source"] = f"{result.get('unit_name_source')}+gazetteer"
    if department and unit:
        # the official name of a department written in its short form (市场监管局 -> 市场监督管理局), so the
        # same unit carries one name across years and reports
        for short, official in _rules()["department_short_names"].items():
            if unit.endswith(short) and not unit.endswith(official):
                unit = unit[: -len(short)] + official
                department = department[: -len(short)] + official if department.endswith(short) else official
                result["unit_name_source"] = f"{result.get('unit_name_source')}+official_name"
                break
    tier_hint = (_rules()["generic_place_levels"].get(place_part)
                 or _body_level(self_references, governments_only=True)) if division is None else None
    if unit or (level == "department" and division is not None):
        result["body"] = _body(unit, level, division, department, opening_text, tier_hint)
        if not unit:
            unit = result["body"].unit_name
            result["unit_name_source"] = "places_in_body+department_type"
    else:
        # nobody named (我局 / 我区 only): no body to key, but the tier the text speaks at
        result["tier"] = level if level in ("province", "prefecture", "county") else tier_hint
    result.update(unit_name=unit, admin_level=level, admin_level_source=level_source if level else None)
    return result


def _strip_party_committee(unit: str) -> str:
    """A joint Party–government author is the government (中共某某县委 某某县人民政府 -> 某某县人民政府;
    自治区党委和政府 -> 自治区人民政府); a department's or ministry's Party group is the body (民政部党组 ->
    民政部); a Party committee alone stays as it is."""
    rules = _rules()
    joint = rules["joint_party_government_re"].match(unit)
    if joint:
        return joint.group("place") + "人民政府"
    group = rules["party_group_suffix_re"].search(unit)
    if group and group.start() >= 2:
        body = unit[:group.start()]
        if bodies.match_national(body) is not None or any(body.endswith(s) for s in rules["department_suffixes"]):
            return body
    match = re.match(r"^中共.{1,20}?(?:委员会|委)[\s、,，和及与暨]*(?P<rest>.+)$", unit)
    if match and any(match.group("rest").endswith(s) for s in _rules()["government_suffixes"]):
        return match.group("rest")
    return unit


def _department_name(division: Division | None, dtype: bodies.DepartmentType | None) -> str:
    """A name for a department known only by its field (我局 … 城市管理): place + the type's first core +
    厅 (a province's) or 局 (杭州市城市管理局)."""
    if dtype is None:
        return f"{division.name if division else ''}某部门"
    office = "厅" if division is not None and division.level == "province" and \
        division.code[:2] not in MUNICIPALITY_PREFIXES else "局"
    return f"{division.name if division else ''}{dtype.cores[0]}{office}"


def _body(unit: str | None, level: str | None, division: Division | None, department: str | None,
          opening_text: str, tier_hint: str | None = None) -> bodies.ReportingBody:
    """The reporting body of a unit whose name (None: a department known only as 我局/我委), level,
    division and department part are known; ``tier_hint``: the tier of an unplaced department."""
    if level == "department":
        if department is None:
            # named only by self-reference (我委, 我局): the type its own field's words name
            dtype = bodies.department_type_of_text(opening_text[:3000])
            if unit is None or dtype is not None:
                name = unit or _department_name(division, dtype)
                return bodies.department(division, dtype.cores[0] if dtype else name, name, tier_hint)
            department = unit[len(division.name):] if division and unit.startswith(division.name) else unit
        return bodies.department(division, department, unit or department, tier_hint)
    if division is not None:
        return bodies.government(division, unit or _government_name(division))
    return bodies.unplaced_government(unit or "", level)


def ident_body(ident: Identification) -> bodies.ReportingBody | None:
    """The body an ``Identification`` names (None when no unit was found)."""
    if ident.unit_key is None or ident.unit_name is None or ident.unit_kind is None:
        return None
    return bodies.ReportingBody(ident.unit_key, ident.unit_name, ident.unit_kind, ident.division_code,
                                ident.parent_division, ident.tier, ident.dept_type, ident.admin_level)


def _report_inside(title: str | None, text: str) -> str | None:
    """For a cover letter (关于报送…报告的函), the title of the report it carries (现将《…报告》报送…)."""
    if title and _COVER_LETTER.search(title):
        inner = re.search(r"《([^》]{6,80}(?:报告|情况))》", text[:1500])
        return inner.group(1) if inner else None
    return None


def identify(text: str, publish_date: str | None = None) -> Identification:
    """Identify unit, level, id, year and kind from normalised report text."""
    title = find_title(text)
    kind, kind_source = identify_kind(title, text)
    title = _report_inside(title, text) or title
    year, year_source = identify_year(title, text, publish_date, kind)
    unit = identify_unit(title, text)
    body: bodies.ReportingBody | None = unit.get("body")
    if kind == "annual_report":
        if unit.get("unit_name") and _rules()["non_government_author_re"].search(unit["unit_name"]):
            kind, kind_source = "other", "non_government_author"  # a court's or a congress's report
        elif unit.get("unit_name") is None and not any(_self_reference_counts(text).any_form.values()):
            kind, kind_source = "other", "no_reporting_body"  # nobody reports: commentary, a study
    reason = None
    if kind != "annual_report":
        reason = lookalike_reason(title, text, kind, kind_source)
    return Identification(
        unit_name=unit.get("unit_name"),
        unit_name_source=unit.get("unit_name_source"),
        admin_level=unit.get("admin_level"),
        admin_level_source=unit.get("admin_level_source"),
        unit_id=unit.get("unit_id"),
        unit_id_source=unit.get("unit_id_source"),
        region_path=unit.get("region_path"),
        unit_key=body.unit_key if body else None,
        unit_kind=body.unit_kind if body else None,
        division_code=body.division_code if body else None,
        parent_division=body.parent_division if body else None,
        tier=body.tier if body else unit.get("tier"),
        dept_type=body.dept_type if body else None,
        report_year=year,
        report_year_source=year_source,
        doc_kind=kind,
        doc_kind_source=kind_source,
        doc_kind_reason=reason,
        year_inferred=year_source in ("publish_date", "signature_date"),
        ambiguous_place=unit.get("ambiguous_place"),
        title=title,
    )
