"""Find every number that measures something in normalised report text.

A quantity is a number (Arabic or Chinese numerals, decimals, thousands separators, 万/亿
multipliers, ranges, 百分之X) followed by a measure word from ``configs/extraction.yaml``.
Years, dates, ordinals, document numbers and named concepts (三项制度, 十四五) are not quantities.

Output: ``Quantity`` records with value (multipliers applied; money keeps 万元/亿元), unit,
kind, qualifier, character span and the clause/sentence around it. Scope and indicator come later.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import accumulate
from operator import itemgetter, methodcaller
from typing import Any

from pipeline.config import load_config
from pipeline.extract.regex_filter import with_start_filter

QUALIFIERS = ("exact", "approx", "at_least", "at_most")
BRACKET_WINDOW = 80  # how far back an unclosed 《 or “ still puts a number inside a title or quote
NAMED_MAX_CHARS = 12  # longest named concept (三项制度, 最多跑一次 ...) plus slack


@dataclass(slots=True)
class Quantity:
    start: int  # span of number + measure word in the text
    end: int
    value: float
    value_max: float | None  # upper end of a range
    unit: str
    kind: str  # count / rate / money / duration / change
    qualifier: str
    surface: str
    exclude_reason: str | None = None  # set (kind "excluded") for numbers read but refused, when asked for


@cache
def rules() -> dict[str, Any]:
    cfg = load_config("extraction")
    words = sorted(cfg["measure_words"], key=lambda w: len(w["word"]), reverse=True)
    cn = cfg["chinese_numeral_chars"]
    arabic = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
    chinese = rf"[{cn}]+(?:点[零〇○一二三四五六七八九]+)?"
    # A number starts where a run of digits or numerals starts: a match inside a run (the "021" of
    # "2021") would be refused later anyway, and not trying there saves time on number-dense text.
    # Atomic groups (?>...): once the digits are read they are not given back; a shorter prefix of a
    # number is never followed by a measure word anyway, so this only saves failed attempts ("2021年").
    number = rf"(?<![\d.])(?>{arabic})\s*(?:(?:万|亿)(?!元)|千)?|(?<![{cn}])(?>{chinese})"
    unit_alt = "|".join(re.escape(w["word"]) for w in words)
    unit_first = "".join(sorted({re.escape(w["word"][0]) for w in words}))
    approx_mid = r"(?:余|多|来|左右)?"
    # The lookahead lets the regex engine skip positions that cannot start a number quickly (about 2x
    # faster on report text); it does not change what matches.
    pattern = re.compile(
        rf"(?=[\d{cn}])(?:(?P<pct_cn>百分之(?P<pct_num>[{cn}]+(?:点[零〇○一二三四五六七八九]+)?|\d+(?:\.\d+)?))"
        rf"|(?P<num>{number})(?:\s*(?P<range_sep>[-—–~～至到])\s*(?P<num2>{number}))?"
        rf"\s*(?P<mid>{approx_mid})\s*(?=[{unit_first}])(?P<unit>{unit_alt}))"
    )
    # find_quantities unpacks ``m.groups()`` in this order
    assert list(pattern.groupindex) == ["pct_cn", "pct_num", "num", "range_sep", "num2", "mid", "unit"]
    blockers = {w: re.compile(f"(?:{p})") for w, p in cfg["measure_word_blockers"].items()}  # .match(text, pos)
    return {
        "cfg": cfg,
        "pattern": pattern,
        "words": {w["word"]: w for w in words},
        "blockers": blockers,
        "cn_chars": set(cn),
        "prefix": {q: re.compile(f"(?:{p})$") for q, p in cfg["qualifier_prefix"].items()},
        # searched before every quantity: see regex_filter for why it gets a look-ahead
        "any_prefix": with_start_filter(re.compile("|".join(f"(?:{p})$" for p in cfg["qualifier_prefix"].values()))),
        "any_suffix": re.compile("|".join(f"(?:{p})" for p in cfg["qualifier_suffix"].values())),
        "suffix": {q: re.compile(p) for q, p in cfg["qualifier_suffix"].items()},
        # the characters a suffix cue can start with (a cheap test before the regex)
        "suffix_first": _first_chars(cfg["qualifier_suffix"].values()),
        "exclude_before": re.compile(f"(?:{cfg['exclude_before']})\\s*$"),
        "named": re.compile(cfg["named_concepts"]),
        "named_may_have_digits": bool(re.search(r"[0-9]|\\d", cfg["named_concepts"])),
        "prefix_window": int(cfg["prefix_window"]),
        "brackets": [tuple(b) for b in cfg["exclude_inside"]],
        "table_unit": re.compile(cfg["table_unit_caption"]),
        "ordinal_before": re.compile(cfg["frame"]["ordinal_before"]),
        "ordinal_after": re.compile(cfg["frame"]["ordinal_after"]),
        "time_before": re.compile(cfg["frame"]["time_before"]),
        "adverb": re.compile(cfg["frame"]["adverb"]),
        "bare_nouns": frozenset(cfg["frame"]["bare_nouns"]),
        "slogan_expansion": re.compile(cfg["frame"]["slogan_expansion"]) if cfg["frame"].get("slogan_expansion") else None,
    }


def _first_chars(patterns: Any) -> frozenset[str]:
    """The characters the qualifier suffix patterns can start with: each is ``^(a|b|…)`` of literal
    alternatives (checked here, so that a pattern of another shape fails loudly instead of silently)."""
    first: set[str] = set()
    for p in patterns:
        m = re.fullmatch(r"\^\(([^()\\.*+?\[\]{}^$]+)\)", p)
        if m is None:
            raise ValueError(f"qualifier suffix pattern {p!r} is not ^(literal|literal…)")
        first.update(alt[0] for alt in m.group(1).split("|"))
    return frozenset(first)


_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_MULTIPLIERS = {"万": 10_000, "亿": 100_000_000, "千": 1_000}
_YEAR_NUMBER = re.compile(r"(19|20)\d{2}")
_DATE_AFTER = re.compile(r"\s*[月日号时]")
_DATE_CHARS = frozenset("月日号时")
_SPAN_1 = methodcaller("span", 1)  # the characters _DATE_AFTER ends with
_REASON_UNITS = frozenset(("次", "分"))  # the measure words _exclusion_reason looks at (or a Chinese numeral)
_BAD_BEFORE = frozenset("0123456789.〔[")
_CLAUSE_END_AFTER_ONE = re.compile(r"\s*($|[,，。；;、)）\n])")


@cache
def _parse_chinese(token: str) -> float | None:
    import cn2an

    if token[:1] in ("百", "千"):
        token = "一" + token  # 近千件, 百余人: an implicit 一
    try:
        return float(cn2an.cn2an(token.replace("○", "〇"), "smart"))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def parse_number(token: str) -> float | None:
    """'1,234.5' -> 1234.5; '1.2万' -> 12000; '一百零八' -> 108; '两' -> 2. None if unparsable."""
    if token.isdecimal():
        return float(token)  # the common case: digits only (the same float as the Decimal path below)
    token = token.replace(" ", "").replace(",", "")
    multiplier = 1
    if token and token[-1] in _MULTIPLIERS and token[0].isdigit():
        multiplier = _MULTIPLIERS[token[-1]]
        token = token[:-1]
    if _ARABIC.fullmatch(token):
        if multiplier == 1:
            return float(token)  # the same float as float(Decimal(token)), without the Decimal
        return float(Decimal(token) * multiplier)  # Decimal: 64.71万 is exactly 647100
    value = _parse_chinese(token)
    return None if value is None else value * multiplier


def _inside_quote_marks(text: str, pos: int, mark: str, window: int) -> bool:
    """An odd number of ``mark`` (a pair written with one character, "") in the window, the last one
    on the same line as ``pos``."""
    lo = max(0, pos - window)
    return text.count(mark, lo, pos) % 2 == 1 and text.find("\n", text.rfind(mark, lo, pos), pos) < 0


def _inside_brackets(text: str, pos: int, window: int = BRACKET_WINDOW) -> bool:
    """Is ``pos`` inside a title or quote opened at most ``window`` characters earlier (on the same line)?
    (The definition; ``_Brackets`` answers it for a whole text at once.)"""
    lo = max(0, pos - window)
    for opening, closing in rules()["brackets"]:
        if opening == closing:
            if _inside_quote_marks(text, pos, opening, window):
                return True
            continue
        last_open, last_close = text.rfind(opening, lo, pos), text.rfind(closing, lo, pos)
        if last_open > last_close and text.find("\n", last_open, pos) < 0:
            return True
    return False


@cache
def _bracket_reach(opening: str, closing: str, window: int) -> re.Pattern[str]:
    """An opening, with group 1 covering what follows it up to its closing or a line break (at most
    ``window`` - 1 characters)."""
    return re.compile(f"{re.escape(opening)}(?=([^{re.escape(closing)}\\n]{{0,{window - 1}}}))")


class _Brackets:
    """``_inside_brackets`` for every position of one text, answered by a bisect.

    For a pair like 《》 a position is inside when an opening stands at most ``window`` characters
    before it with no closing and no line break in between: each opening covers the positions after
    it up to its closing or line break (inclusive), at most ``window`` away. A position is inside when
    the last span starting at or before it, or an earlier one, reaches it. Pairs written with one
    character ("") count the marks in the window, so they are checked per position, and only when
    the text has that character."""

    def __init__(self, text: str, window: int = BRACKET_WINDOW) -> None:
        self.text, self.window = text, window
        self.marks: list[str] = []
        spans: list[tuple[int, int]] = []
        for opening, closing in rules()["brackets"]:
            if opening == closing:
                if opening in text:
                    self.marks.append(opening)
                continue
            if opening not in text:
                continue
            # every opening (overlapping ones too) and its reach: the first closing or line break within
            # the window, else the window's end (one regex pass instead of two finds per opening)
            # (group 1 starts right after the one-character opening; C-level calls, no Python loop)
            spans.extend(map(_SPAN_1, _bracket_reach(opening, closing, window).finditer(text)))
        spans.sort()
        self.starts = list(map(itemgetter(0), spans))
        self.reach = list(accumulate(map(itemgetter(1), spans), max))  # furthest end so far (inclusive)

    def inside(self, pos: int) -> bool:
        i = bisect_right(self.starts, pos) - 1
        if i >= 0 and pos <= self.reach[i]:
            return True
        for mark in self.marks:  # noqa: SIM110 (a loop: any() over a generator costs more per call)
            if _inside_quote_marks(self.text, pos, mark, self.window):
                return True
        return False


def _is_year_or_date(text: str, start: int, end: int, num: str) -> bool:
    if len(num) == 4 and _YEAR_NUMBER.fullmatch(num) and (text[end:end + 1] in ("年", "-", "/", ".")
                                                          or text[end - 1:end] == "年"):
        return True
    following = text[start + len(num):start + len(num) + 1]
    if following not in _DATE_CHARS and not following.isspace():
        return False  # the common case, without the regex: no 月/日/号/时 (nor a space) right after the number
    after = _DATE_AFTER.match(text, start + len(num), start + len(num) + 2)
    if after and after.group(0).strip() == "日" and "月" not in text[max(0, start - 3):start]:
        return False  # 30日内, 不少于30日: a number of days; a date names its month (5月30日, 本月28日)
    return bool(after)


def _excluded(start: int, end: int, reason: str, num: str, unit: str) -> Quantity:
    """A number read but refused: its value and measure word are kept for the auditor."""
    value = parse_number(num.strip())
    return Quantity(start, end, 0.0 if value is None else value, None, rules()["words"][unit]["canonical"], "excluded",
                    "exact", num + unit, reason)


def _exclusion_reason(text: str, start: int, end: int, num: str, unit: str) -> str | None:
    """Why a number with a measure word after it is no quantity (ordinal, time, adverb), or None."""
    r = rules()
    if unit == "次" and (r["ordinal_before"].search(text, max(0, start - 3), start) or r["ordinal_after"].match(text, end)):
        return "ordinal"  # 十届五次全会 (新一届12名法律顾问 is a count)
    if num[0] in r["cn_chars"] and (text[end:end + 1] == "“" or text[start - 1:start] == "”"):
        return "name"  # a numeral glued to a quoted slogan: 三个“一号工程”, “经济翻身、亚运攻坚”两场硬仗
    if unit == "分":
        if r["time_before"].search(text, max(0, start - 5), start):
            return "time"  # 16时40分
        if r["adverb"].match(text, start) and text[end:end + 1] not in "以左多余":
            return "adverb"  # 十分重要
    return None


def find_quantities(text: str, keep_excluded: bool = False) -> list[Quantity]:
    """Every measuring number in ``text``, in order, with value, unit and qualifier. With
    ``keep_excluded``, numbers read with a measure word but refused as an ordinal, a time, a date, a
    document number, a name or an adverb are kept too, as kind ``excluded`` with ``exclude_reason``."""
    r = rules()
    found: list[Quantity] = []
    words, blockers, exclude_before, named = r["words"], r["blockers"], r["exclude_before"], r["named"]
    named_may_have_digits, cn_chars = r["named_may_have_digits"], r["cn_chars"]
    bare_nouns = r["bare_nouns"]
    # _qualifier's cues, looked up here once (its common case, no cue after the number, is inlined below)
    suffix_first, any_prefix, prefix_window = r["suffix_first"], r["any_prefix"], r["prefix_window"]
    brackets = _Brackets(text)
    # a slogan spelt out in brackets needs ”( or ”（ somewhere in the text (_in_slogan_expansion's own first test)
    slogans = "”(" in text or "”（" in text
    append = found.append
    for m in r["pattern"].finditer(text):
        start, end = m.span()
        pct_cn, pct_num, num, _range_sep, num2, mid, unit = m.groups()  # the groups of ``rules()["pattern"]``
        if pct_cn:
            value = parse_number(pct_num)
            if value is None:
                continue
            found.append(Quantity(start, end, value, None, "%", "rate", _qualifier(text, start, end, ""),
                                  m.group(0)))
            continue
        num = num.strip()
        info = words[unit]
        # not a quantity: 2019年, 3月5日, 第3次, 〔2017〕3号, 十九大, 三项制度, 《…3项…》 (the date test is
        # called only when the number has four characters or a date character or space follows it)
        following = text[start + len(num):start + len(num) + 1]
        if (len(num) == 4 or following in _DATE_CHARS or following.isspace()) and \
                _is_year_or_date(text, start, end, num):
            if keep_excluded:
                found.append(_excluded(start, end, "date", num, unit))
            continue
        if start > 0 and text[start - 1] in _BAD_BEFORE:
            if keep_excluded and text[start - 1] in "〔[":
                found.append(_excluded(start, end, "document_number", num, unit))
            continue
        before = exclude_before.search(text, max(0, start - 4), start)  # its ``$`` anchors at ``start``
        if before:
            if keep_excluded:
                kind = "ordinal" if before.group(0).lstrip().startswith("第") else "document_number"
                found.append(_excluded(start, end, kind, num, unit))
            continue
        blocker = blockers.get(unit)
        if blocker and blocker.match(text, end, end + 4):
            continue
        # (named concepts are made of Chinese numerals: skipped for Arabic numbers unless configured)
        if (named_may_have_digits or not num[0].isdigit()) and (
                named.match(text, start) or _named_around(text, start, end)):
            if keep_excluded:
                found.append(_excluded(start, end, "name", num, unit))
            continue
        reason = _exclusion_reason(text, start, end, num, unit) if (unit in _REASON_UNITS or num[0] in cn_chars) \
            else None
        if reason is None and slogans and _in_slogan_expansion(text, start):
            reason = "name"  # “四个百分百”(案中100%调解、…): the items of a numbered slogan spelt out
        if reason is not None:
            if keep_excluded:
                found.append(_excluded(start, end, reason, num, unit))
            continue
        if unit in bare_nouns and num in ("一", "1"):
            continue  # 一方面 is a connective, not a count
        if brackets.inside(start):
            continue
        if num[0] in cn_chars:
            if num == "一" and not _CLAUSE_END_AFTER_ONE.match(text[end:end + 2]):
                continue  # 一次性, 一件事 ...: a bare 一 counts only when the unit ends the clause
            if start > 0 and text[start - 1] in cn_chars:
                continue  # inside a longer numeral word (e.g. 统一 + 项)
        value = float(num) if num.isdecimal() else parse_number(num)  # (parse_number's own first case, inlined)
        if value is None:
            continue
        if num2:
            value_max = parse_number(num2.strip())
            if value_max is not None and value_max < value:
                value_max = None
        else:
            value_max = None
        kind = info["kind"]
        if kind == "rate" and unit == "%" and value > 1000:
            continue
        if mid or text[end:end + 1] in suffix_first or any_prefix.search(text[max(0, start - prefix_window):start]):
            qualifier = _qualifier(text, start, end, mid or "")
            if value_max is not None and qualifier == "exact":
                qualifier = "at_least"
        else:
            qualifier = "exact" if value_max is None else "at_least"  # _qualifier finds no cue
        append(Quantity(start, end, value, value_max, info["canonical"], kind, qualifier, m.group(0)))
    if "|" in text:
        found = sorted(found + _table_cell_quantities(text), key=lambda q: q.start)
    cut = _cut_at_end(text)
    if cut is not None and (not found or found[-1].end <= cut.start):
        found.append(cut)
    return found


# an Arabic number ending the text, right after a Chinese character: the text was cut before its unit
_CUT_NUMBER = re.compile(r"(?<=[\u4e00-\u9fff])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*\Z")


def _cut_at_end(text: str) -> Quantity | None:
    """A number the text ends with, its measure word cut off (a page or excerpt cut mid-phrase:
    发放宣传资料25000 | end), as a quantity of unknown unit (``unit`` None, kind count); None when the
    text does not end so, or the number looks like a year."""
    m = _CUT_NUMBER.search(text, max(0, len(text) - 40))
    if m is None or _YEAR_NUMBER.fullmatch(m.group("num")):
        return None
    value = parse_number(m.group("num"))
    if value is None:
        return None
    start, end = m.span("num")
    return Quantity(start, end, value, None, None, "count", _qualifier(text, start, end, ""),  # type: ignore[arg-type]
                    m.group("num"))


_TABLE_LINE = re.compile(r"^[^\n]*\|[^\n]*$", re.M)
# a cell holding a number, optionally after a short label: "3276", "自然人 1,046"
_CELL_NUMBER = re.compile(r"\s*(?:[^\d|\s][^\d|]{0,15}?\s*)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*$")


def _table_cell_quantities(text: str) -> list[Quantity]:
    """Bare numbers in the cells of flattened tables whose caption or header declares their unit.

    A table is a block of lines with ``|`` cell separators (blank lines between them allowed): two
    lines or more, or one line with three cells or more; its unit comes from ``table_unit_caption`` in
    the nearest line above the block or in the block's first line. A cell counts only when it ends
    with its number, so cells with a measure word (12.8%, 19件) are left to the main pattern; numbers
    that look like years are not counted."""
    r = rules()
    lines = [m.span() for m in _TABLE_LINE.finditer(text)]
    out: list[Quantity] = []
    i = 0
    while i < len(lines):
        j = i  # the block: lines i..j, with nothing but blank lines between them
        while j + 1 < len(lines) and not text[lines[j][1]:lines[j + 1][0]].strip():
            j += 1
        block = lines[i:j + 1]
        i = j + 1
        if len(block) < 2 and text.count("|", *block[0]) < 2:  # one "a|b" line is not a table
            continue
        above_end = len(text[:block[0][0]].rstrip())  # the nearest non-blank line above the block
        above_start = text.rfind("\n", 0, above_end) + 1
        caption = r["table_unit"].search(text, above_start, block[0][1])
        info = r["words"].get(caption.group("unit")) if caption else None
        if info is None:
            continue
        for line_start, line_end in block:
            cell_start = line_start
            while cell_start <= line_end:
                cell_end = text.find("|", cell_start, line_end)
                cell_end = line_end if cell_end < 0 else cell_end
                m = _CELL_NUMBER.match(text, cell_start, cell_end)
                if m and m.end() == cell_end:
                    start, end = m.span("num")
                    num = m.group("num")
                    if not _YEAR_NUMBER.fullmatch(num):
                        value = parse_number(num)
                        if value is not None:
                            out.append(Quantity(start, end, value, None, info["canonical"], info["kind"], "exact", num))
                cell_start = cell_end + 1
    return out


SLOGAN_WINDOW = 60  # how far back the bracket spelling out a numbered slogan may open


def _in_slogan_expansion(text: str, start: int) -> bool:
    """Is the number at ``start`` inside the bracket right after a quoted numbered slogan, which spells out its
    items (“四个百分百”(案中100%调解、案后100%释法))? (A cheap look for ”( first; the slogan's regex only then.)"""
    pattern = rules()["slogan_expansion"]
    if pattern is None:
        return False
    lo = max(0, start - SLOGAN_WINDOW)
    opening = max(text.rfind("”(", lo, start), text.rfind("”（", lo, start))
    if opening < 0 or ")" in text[opening + 2:start] or "）" in text[opening + 2:start]:
        return False
    return pattern.search(text, max(0, opening - 12), opening + 1) is not None


def _named_around(text: str, start: int, end: int) -> bool:
    """True when the quantity is part of a named concept that begins a few characters earlier."""
    named = rules()["named"]
    pos, endpos = max(0, start - 3), start + NAMED_MAX_CHARS
    m = named.search(text, pos, endpos)
    while m is not None and m.start() < start:
        if m.end() > start:
            return True
        m = named.search(text, m.start() + 1, endpos)
    return False


def _qualifier(text: str, start: int, end: int, mid: str) -> str:
    r = rules()
    # one combined regex answers "is there any cue?"; the per-qualifier ones run only when there is
    if mid and r["any_suffix"].match(mid):
        for q, pattern in r["suffix"].items():
            if pattern.match(mid):
                return q
    after = text[end:end + 3]
    if after[:1] in r["suffix_first"] and r["any_suffix"].match(after):
        for q, pattern in r["suffix"].items():
            if pattern.match(after):
                return q
    before = text[max(0, start - r["prefix_window"]):start]
    if r["any_prefix"].search(before):
        for q in ("at_least", "at_most", "approx"):
            if r["prefix"][q].search(before):
                return q
    return "exact"
