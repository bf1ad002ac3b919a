"""Phrase bank for the synthetic corpus: the five real sample reports cut into reusable templates.

Input: the sample files in ``examples/inbox/<year>/`` (read with ``read_document`` and cleaned with
``normalise_text``, as the pipeline does). Output: a ``Bank`` of report openings, content units
(one numbered or headed paragraph each: an optional lead phrase plus sentences, tagged with a topic
and a part of the report: achievements, problems, next steps, plan items) and section headings.
Every sentence is a *template*: a tuple of literal strings and tokens (place names by role,
self-references such as 我区/全旗, numbers, years, plan periods, synonyms) that
``generate_corpus`` renders for a generated unit and year.

Used by ``benchmarks/generate_corpus.py`` only; nothing here is part of the pipeline.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.ingest.normalise import normalise_text  # noqa: E402
from pipeline.ingest.readers import read_document  # noqa: E402
from pipeline.settings import SAMPLE_INBOX_ROOT  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Sources: what each sample is, and which of its words name places or refer to its own level.
# Roles: SELF (the reporting jurisdiction), PARENT (the level above), PROV (its province),
# CHILD1..3 (units below it), OTHER1..3 (other places), TOWN (a township); NOUN:role is a bare
# level noun (自治区 in 自治区法律专家库) standing for that role.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    key: str
    path: str  # relative to the sample inbox root
    year: int  # the year the sample describes
    kind: str  # report / plan
    level: str  # level of the author's jurisdiction: county / prefecture / province
    scale: float  # size of the author's counts relative to a county government
    places: tuple[tuple[str, str], ...]  # literal name -> role (longest match wins)
    chars: tuple[tuple[str, str], ...]  # level noun (区/旗/市/省/自治区) -> role, in compounds
    fixes: tuple[tuple[str, str], ...] = ()  # literal edits before tokenising (source quirks)


SOURCES = (
    Source("zhenxing", "2017/2017_zhenxing-district_annual-report.txt", 2017, "report", "county", 1.0,
           (("振兴区", "SELF"), ("丹东市", "PARENT"), ("丹东", "PARENT_SHORT"), ("辽宁省", "PROV"),
            ("辽宁", "PROV_SHORT")),
           (("区", "SELF"), ("市", "PARENT"), ("省", "PROV")),
           (("中共辽宁省委", "中共辽宁〈PROVPARTY〉"),)),
    Source("etuoke", "2022/2022_etuoke-banner_web-page.txt", 2022, "report", "county", 1.0,
           (("鄂托克旗", "SELF"), ("鄂托克", "SELF_SHORT"), ("内蒙古自治区", "PROV"), ("内蒙古", "PROV_SHORT")),
           (("旗", "SELF"), ("区", "PROV"), ("市", "PARENT")),
           (("旗人及旗政协", "旗人大及旗政协"), ("服务保障高质量发展“大讨论", "服务保障高质量发展”大讨论"),
            ("示范旗", "示范〈SELFNOUN〉"))),
    Source("zhoushan", "2019/2019_zhoushan-city_spam-injected.txt", 2019, "report", "prefecture", 3.0,
           (("舟山", "SELF_SHORT"), ("浙江", "PROV_SHORT"), ("定海区", "CHILD1"), ("普陀区", "CHILD2"),
            ("普陀", "CHILD2_SHORT"), ("岱山县", "CHILD3"), ("秀山乡", "TOWN"), ("上海崇明", "OTHER1"),
            ("台州", "OTHER2"), ("宁波", "OTHER3")),
           (("市", "SELF"), ("省", "PROV")),
           (("紧扣浙江自贸区、舟山群岛新区发展大局", "紧扣浙江高质量发展大局"), ("县(区)", "〈CHILDNOUN〉"), ("市县两级", "〈SELFNOUN〉〈CHILDNOUN〉两级"),
            ("市、县两级", "〈SELFNOUN〉、〈CHILDNOUN〉两级"), ("法治县(市、区)", "法治〈CHILDNOUN〉"),
            ("四县(区)", "各〈CHILDNOUN〉"))),
    Source("neimenggu", "2017/2017_neimenggu-fazhiban_traditional-pinyin.txt", 2017, "report", "province", 6.0,
           (("呼和浩特市", "CHILD1"), ("呼和浩特", "CHILD1_SHORT"), ("包头", "CHILD2_SHORT"), ("自治区", "NOUN:SELF")),
           (("自治区", "SELF"), ("区", "SELF")),
           (("法律专家?", "法律专家库"), ("《法律专家旃芾磙k法》", "《法律专家库管理办法》"),
            ("管理l例", "管理条例"), ("申请O(shè)立", "申请设立"), ("I造", "营造"), ("■", ""),
            ("各旗县(市、区)", "各〈GRANDNOUN〉"), ("39个旗县(市、区)", "39个〈GRANDNOUN〉"),
            ("示范旗县", "示范〈GRANDNOUN〉"), ("各盟市", "各〈CHILDNOUN〉"), ("4个盟市", "4个〈CHILDNOUN〉"),
            ("2个盟市", "2个〈CHILDNOUN〉"))),
    Source("liujiang", "2017/2017_liujiang-district_work-plan-duplicated.txt", 2017, "plan", "county", 1.0,
           (("柳江区", "SELF"), ("柳州市", "PARENT"), ("柳州", "PARENT_SHORT"), ("广西壮族自治区", "PROV"),
            ("自治区", "NOUN:PROV")),
           (("自治区", "PROV"), ("区", "SELF"), ("市", "PARENT"))),
)

# Inner Mongolia vocabulary (the samples come partly from there): kept for Inner Mongolia units,
# replaced elsewhere. Token ("im", imongolian word, elsewhere).
IM_WORDS = (("苏木镇", "乡镇"), ("嘎查村", "村"), ("苏木", "乡"), ("嘎查", "村"), ("乌兰牧骑", "文艺轻骑兵"),
            ("蒙速办", "〈PROVABBR〉速办"))

# Interchangeable phrasings (one group per line); each occurrence picks one per report.
SYNONYMS = (
    ("扎实推进", "稳步推进", "持续推进", "深入推进"),
    ("进一步加强", "持续加强", "不断加强"),
    ("认真落实", "严格落实", "全面落实"),
    ("大力推进", "全力推进", "加快推进"),
    ("有效提升", "不断提升", "全面提升"),
    ("认真贯彻", "深入贯彻", "全面贯彻"),
    ("组织开展", "积极开展", "广泛开展"),
    ("进一步", "持续", "不断"),
    ("截至目前", "截至年底", "截至12月底"),
    ("切实", "有效"),
    ("着力", "全力"),
    ("不断完善", "持续完善", "逐步完善"),
    ("严格执行", "认真执行", "全面执行"),
    ("建立健全", "健全完善"),
    ("积极", "主动"),
)

# Counting words after a number: the number is a quantity and may be perturbed.
MEASURES = ("个百分点", "人次", "批次", "场次", "户次", "家次", "万元", "亿元", "件", "项", "人", "名", "个", "次",
            "场", "期", "条", "家", "户", "批", "份", "起", "卷", "类", "部", "套", "路", "台", "元", "%", "篇",
            "所", "处", "支", "本", "册", "位", "宗", "笔", "天", "余", "多")
_CN_DIGIT_CHARS = "零一二三四五六七八九十百千万两"

TOPICS = ("functions", "rulemaking", "decisions", "enforcement", "oversight", "disputes", "emergency",
          "digital", "capacity", "leadership")
TOPIC_CUES = {
    "functions": "审批|放管服|简政放权|权责清单|负面清单|营商环境|证明事项|政务服务|双随机|信用|收费",
    "rulemaking": "规范性文件|立法|规章|备案审查|清理|地方性法规",
    "decisions": "重大行政决策|决策|合法性审查|法律顾问|公职律师|合同",
    "enforcement": "行政执法|执法|三项制度|处罚|案卷|城管",
    "oversight": "监督|政务公开|依申请公开|人大|政协|审计|问责|网站",
    "disputes": "复议|应诉|诉讼|调解|信访|纠纷|仲裁|争议",
    "emergency": "突发事件|应急",
    "digital": "信息化|数字|网上|平台|互联网|系统|掌上",
    "capacity": "学法|培训|普法|法治思维|法治素养|考试|宣传|讲座",
    "leadership": "领导|第一责任人|考核|督察|述法|考评|组织保障|工作要点",
}


# A template is a tuple of str (literal) and tuples (tokens):
#   ("place", role)                 a place name (role SELF/PARENT/PROV/CHILDn/OTHERn/TOWN, *_SHORT for short forms)
#   ("ref", prefix, role)           我/全/本 + the level noun of role (我区 -> 我县)
#   ("noun", role)                  the level noun of role (区政府 -> 县政府)
#   ("abbr", role)                  one-character abbreviation in document numbers (振政办发 -> X政办发)
#   ("num", text, unit)             a quantity in Arabic digits (unit: '%', '万', or '')
#   ("cnum", text)                  a quantity in Chinese numerals
#   ("year", offset)                a year, relative to the year the source describes
#   ("period", start, end, span)    a plan period such as 2015-2020 (offsets from the source year, length)
#   ("era", which, text)            十三五 (plan), “七五” (pufa), 十九大/十九届 (congress): the ones of the year
#   ("syn", group, text)            one of SYNONYMS[group]
#   ("im", mongolian, elsewhere)    Inner Mongolia vocabulary
#   ("party", role)                 the Party committee of role's level: 县委, 市委, 自治区党委
#   ("fazhiban", text)              (政府)法制办 before the 2018 reform, 司法局/司法厅 after
Token = tuple[Any, ...]
Template = tuple[str | Token, ...]


@dataclass
class Unit:
    """One paragraph-sized piece of content: an optional lead phrase and sentences."""

    source: str
    part: str  # opening / achievement / problem / next / plan / plan_intro / notice
    topic: str
    lead: Template | None
    sentences: list[Template]
    roles: frozenset[str]  # place roles used (a unit is skipped where a role has no meaning)
    chars: int  # approximate rendered length


@dataclass
class Bank:
    """Everything the generator renders from (built once per process)."""

    units: list[Unit]
    openings: list[tuple[str, Template]] = field(default_factory=list)  # (source, predicate)
    headings: dict[str, list[Template]] = field(default_factory=dict)  # topic -> section headings
    source_year: dict[str, int] = field(default_factory=dict)
    source_scale: dict[str, float] = field(default_factory=dict)
    gloss: dict[str, str] = field(default_factory=dict)  # traditional char -> pinyin gloss


# ---------------------------------------------------------------------------------------------
# Tokenising
# ---------------------------------------------------------------------------------------------

_NOUN_FOLLOWERS = ("政府", "委", "直", "本级", "人大", "政协", "领导", "属", "级", "法制办", "党委", "人民政府",
                   "公共", "门户", "城管局", "市场局", "各有关", "各行政", "各级", "各部门")
_NOUN_GUARD = "社园矿城新景片辖小街湾超都股上门夜节县乡镇省市区旗自治"


def _token_regex(src: Source) -> re.Pattern[str]:
    places = sorted((name for name, _ in src.places), key=lambda w: (-len(w), w))
    nouns = sorted((c for c, _ in src.chars), key=lambda w: (-len(w), w))
    noun_alt = "|".join(map(re.escape, nouns))
    measures = "|".join(re.escape(m) for m in sorted(MEASURES, key=lambda w: (-len(w), w)))
    syn = sorted({w for group in SYNONYMS for w in group}, key=lambda w: (-len(w), w))
    im = [w for w, _ in IM_WORDS]
    parts = [
        r"(?P<marker>〈[A-Z]+〉)",
        r"(?P<period>(?<!\d)(?:19|20)\d{2}\s*[-—–至]\s*(?:19|20)?\d{2,4}(?=\s*年|\)|版))",
        r"(?P<year>(?<!\d)(?:19|20)\d{2}(?=\s*年|版|\)|〕)|(?<=〔)(?:19|20)\d{2})",
        r"(?P<era>十[二三四五]五|“[七八]五”|十九大|二十大|十九届)",
        r"(?P<fazhiban>(?:人民)?(?:政府)?法制办(?:公室)?)",
        "(?P<im>" + "|".join(map(re.escape, im)) + ")",
        "(?P<place>" + "|".join(map(re.escape, places)) + ")",
        f"(?P<ref>(?:我|全|本)(?:{noun_alt})(?!长|场|民|域))",
        f"(?P<fazhi>依法治(?:{noun_alt}))",
        f"(?P<party>(?<![{_NOUN_GUARD}])(?:{noun_alt})(?:党委|委(?=[、,和]|政府)))",
        f"(?P<noun>(?<![{_NOUN_GUARD}])(?:{noun_alt})(?=" + "|".join(map(re.escape, _NOUN_FOLLOWERS)) + "))",
        r"(?P<abbr>(?<![\u4e00-\u9fff])[\u4e00-\u9fff](?=(?:政办发|政发|依法行政办发|依法行政发)))",
        rf"(?P<num>(?<![\d.〔“第\-])\d+(?:\.\d+)?(?=\s*(?:余|多)?(?:万|亿)?(?:余|多)?\s*(?:{measures})))",
        rf"(?P<cnum>(?<![第前后“])[{_CN_DIGIT_CHARS}]{{2,}}(?=(?:余|多)(?:件|项|人|名|次|场|期|家|个)))",
        "(?P<syn>" + "|".join(map(re.escape, syn)) + ")",
    ]
    return re.compile("|".join(parts))


_SYN_INDEX = {w: i for i, group in enumerate(SYNONYMS) for w in group}
_MARKERS = {"〈CHILDNOUN〉": ("noun", "CHILD"), "〈GRANDNOUN〉": ("noun", "GRAND"), "〈SELFNOUN〉": ("noun", "SELF"),
            "〈PROVABBR〉": ("abbr", "PROV"), "〈PROVPARTY〉": ("party", "PROV")}


def tokenise(text: str, src: Source) -> Template:
    """Cut one sentence of a source into literals and tokens."""
    pattern = _token_regex_cached(src.key)
    place_roles = dict(src.places)
    char_roles = dict(src.chars)
    out: list[str | Token] = []
    last = 0
    for m in pattern.finditer(text):
        kind = m.lastgroup
        value = m.group(0)
        token: Token | None = None
        if kind == "marker":
            token = _MARKERS[value]
        elif kind == "period":
            a, b = re.split(r"\s*[-—–至]\s*", value)
            a_i = int(a)
            b_i = int(b) if len(b) == 4 else int(a[:2] + b[-2:])
            token = ("period", a_i - src.year, b_i - src.year, b_i - a_i)
        elif kind == "year":
            token = ("year", int(value) - src.year)
        elif kind == "era":
            which = "pufa" if "五”" in value else ("congress" if value.endswith(("大", "届")) else "plan")
            token = ("era", which, value)
        elif kind == "fazhiban":
            token = ("fazhiban", value)
        elif kind == "im":
            token = ("im", value, dict(IM_WORDS)[value])
        elif kind == "place":
            role = place_roles[value]
            token = ("noun", role[5:]) if role.startswith("NOUN:") else ("place", role)
        elif kind == "ref":
            token = ("ref", value[0], char_roles[value[1:]])
        elif kind == "fazhi":
            out.append(text[last:m.start()] + "依法治")
            last = m.end()
            out.append(("noun", char_roles[value[3:]]))
            continue
        elif kind == "noun":
            token = ("noun", char_roles[value])
        elif kind == "party":
            token = ("party", char_roles[value.removesuffix("委").removesuffix("党")])
        elif kind == "abbr":
            abbr_role = {"振": "SELF", "江": "SELF", "柳": "PARENT", "桂": "PROV"}.get(value)
            token = ("abbr", abbr_role) if abbr_role else None
        elif kind == "num":
            following = text[m.end():m.end() + 4]
            unit = "%" if re.match(r"\s*%", following) else ("万" if re.match(r"\s*(?:余|多)?万", following) else "")
            token = ("num", value, unit)
        elif kind == "cnum":
            token = ("cnum", value)
        elif kind == "syn":
            token = ("syn", _SYN_INDEX[value], value)
        if token is None:
            continue
        if m.start() > last:
            out.append(text[last:m.start()])
        out.append(token)
        last = m.end()
    if last < len(text):
        out.append(text[last:])
    return _merge_literals(out)


def _merge_literals(parts: list[str | Token]) -> Template:
    merged: list[str | Token] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        elif part != "":
            merged.append(part)
    return tuple(merged)


@cache
def _token_regex_cached(key: str) -> re.Pattern[str]:
    return _token_regex(next(s for s in SOURCES if s.key == key))


def roles_of(template: Template) -> set[str]:
    """Place and noun roles a template needs."""
    roles = set()
    for part in template:
        if isinstance(part, tuple) and part[0] in ("place", "ref", "noun", "abbr", "party") and part[-1]:
            role = str(part[-1]).removesuffix("_SHORT")
            roles.add(re.sub(r"\d$", "", role))
    return roles


def template_chars(template: Template) -> int:
    return sum(len(p) if isinstance(p, str) else 3 for p in template)


# ---------------------------------------------------------------------------------------------
# Cutting the samples into units
# ---------------------------------------------------------------------------------------------

_SECTION = re.compile(r"^[一二三四五六七八九十]+、")
_SUB = re.compile(r"^\s*\(([一二三四五六七八九十]+)\)\s*")
_SENTENCE = re.compile(r"[^。!?]*[。!?]+|[^。!?]+$")


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph, each with its closing punctuation."""
    return [s for s in (m.group(0).strip() for m in _SENTENCE.finditer(paragraph)) if s]


def classify_topic(text: str) -> str:
    """The catalogue dimension a paragraph is mostly about (most cue hits; ties: first topic)."""
    counts = [(len(re.findall(TOPIC_CUES[t], text)), -i, t) for i, t in enumerate(TOPICS)]
    best = max(counts)
    return best[2] if best[0] else "leadership"


def _part_of_heading(heading: str, src_year: int) -> str | None:
    if re.search(r"问题|不足|短板", heading):
        return "problem"
    if re.search(r"下一步|思路|打算|安排|计划", heading) or re.search(rf"{src_year + 1}\s*年", heading):
        return "next"
    return None


def _clean_lines(src: Source) -> list[str]:
    path = SAMPLE_INBOX_ROOT / src.path
    decoded = read_document(path.read_bytes(), path.suffix)
    text = normalise_text(decoded.text).text
    for old, new in src.fixes:
        text = text.replace(old, new)
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def _unit(src: Source, part: str, paragraph: str, topic: str | None = None, heading_lead: bool = True) -> Unit:
    body = _SUB.sub("", paragraph)
    sentences = split_sentences(body)
    lead = None
    if heading_lead and len(sentences) > 1 and len(sentences[0]) <= 28:
        lead = tokenise(sentences[0], src)
        sentences = sentences[1:]
    templates = [tokenise(s, src) for s in sentences]
    roles: set[str] = set()
    for t in ([lead] if lead else []) + templates:
        roles |= roles_of(t)
    chars = sum(template_chars(t) for t in templates) + (template_chars(lead) if lead else 0)
    return Unit(src.key, part, topic or classify_topic(body), lead, templates, frozenset(roles), chars)


_OPENING_SUBJECT = re.compile(r"^(?:(?:19|20)\d{2}年,)?(?:我市法治政府建设工作|我旗|自治区政府法制办|振兴区政府)")


def _cut_report(src: Source, lines: list[str], bank: Bank) -> None:
    """Opening, headings and content units of an annual report sample."""
    body = lines[1:] if src.key != "neimenggu" else lines  # neimenggu has no title line
    part = "achievement"
    first = True
    for line in body:
        if first:
            first = False
            predicate = _OPENING_SUBJECT.sub("", line)
            bank.openings.append((src.key, tokenise(predicate, src)))
            continue
        section = _SECTION.match(line) and len(line) <= 60 and "。" not in line
        bare_heading = src.key == "neimenggu" and len(line) <= 40 and "。" not in line
        if section or bare_heading:
            part = _part_of_heading(line, src.year) or "achievement"
            if part == "achievement" and not re.search(r"回顾|情况|总体思想|经验|做法", line):
                heading = _SECTION.sub("", line)
                bank.headings.setdefault(classify_topic(heading), []).append(tokenise(heading, src))
            continue
        if re.match(rf"{src.year + 1}年", line):
            part = "next"  # neimenggu: "2018年工作总体思路是:…"
        if part == "achievement" and re.search(r"虽取得了?一些成绩|存在的问题|仍有不少", line[:60]):
            bank.units.append(_unit(src, "problem", line, heading_lead=False))
            continue
        bank.units.append(_unit(src, part, line))


def _cut_plan(src: Source, lines: list[str], bank: Bank) -> None:
    """Notice paragraph, plan introduction and plan items of the work-plan sample."""
    for line in lines:
        if line.startswith("为全面贯彻落实") and "印发给你们" in line:
            bank.units.append(_unit(src, "notice", line, "leadership", heading_lead=False))
        elif re.match(rf"{src.year}年是", line) or line.startswith("根据上述总体要求"):
            bank.units.append(_unit(src, "plan_intro", line, "leadership", heading_lead=False))
        elif _SUB.match(line) and len(line) > 60:
            bank.units.append(_unit(src, "plan", line, heading_lead=False))


def _pinyin_glosses() -> dict[str, str]:
    """Traditional character -> pinyin gloss, as found in the traditional-script sample."""
    raw = (SAMPLE_INBOX_ROOT / "2017/2017_neimenggu-fazhiban_traditional-pinyin.txt").read_text(encoding="utf-8")
    gloss: dict[str, str] = {}
    for char, syllable in re.findall(r"([\u4e00-\u9fff])\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+)\)", raw):
        gloss.setdefault(char, syllable)
    return dict(sorted(gloss.items()))


@cache
def load_bank() -> Bank:
    """Read and cut the five samples (about a second; cached per process)."""
    bank = Bank(units=[])
    for src in SOURCES:
        bank.source_year[src.key] = src.year
        bank.source_scale[src.key] = src.scale
        lines = _clean_lines(src)
        if src.kind == "plan":
            _cut_plan(src, lines, bank)
        else:
            _cut_report(src, lines, bank)
    bank.units = [u for u in bank.units if u.sentences]
    bank.gloss = _pinyin_glosses()
    return bank
