"""Find every number that measures something in normalised report text.

A quantity is a number (Arabic or Chinese numerals, decimals, thousands separators, 万/亿
multipliers, ranges, 百分之X) followed by a measure word from ``configs/extraction.yaml``.
Years, dates, ordinals, document numbers and named concepts (三项制度, 十四五) are not quantities.

Output: ``Quantity`` records with value (multipliers applied; money keeps 万元/亿元), unit,
kind, qualifier, character span and the clause/sentence around it. Scope and indicator come later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from pipeline.config import load_config

QUALIFIERS = ("exact", "approx", "at_least", "at_most")


@dataclass(frozen=True)
class Quantity:
    start: int  # span of number + measure word in the text
    end: int
    value: float
    value_max: float | None  # upper end of a range
    unit: str
    kind: str  # count / rate / money / duration / change
    qualifier: str
    surface: str


@cache
def rules() -> dict[str, Any]:
    cfg = load_config("extraction")
    words = sorted(cfg["measure_words"], key=lambda w: len(w["word"]), reverse=True)
    cn = cfg["chinese_numeral_chars"]
    arabic = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
    chinese = rf"[{cn}]+(?:点[零〇○一二三四五六七八九]+)?"
    number = rf"(?:{arabic})\s*(?:(?:万|亿)(?!元)|千)?|{chinese}"
    unit_alt = "|".join(re.escape(w["word"]) for w in words)
    approx_mid = r"(?:余|多|来|左右)?"
    pattern = re.compile(
        rf"(?P<pct_cn>百分之(?P<pct_num>[{cn}]+(?:点[零〇○一二三四五六七八九]+)?|\d+(?:\.\d+)?))"
        rf"|(?P<num>{number})(?:\s*(?P<range_sep>[-—–~～至到])\s*(?P<num2>{number}))?"
        rf"\s*(?P<mid>{approx_mid})\s*(?P<unit>{unit_alt})"
    )
    blockers = {w: re.compile(f"^(?:{p})") for w, p in cfg["measure_word_blockers"].items()}
    return {
        "cfg": cfg,
        "pattern": pattern,
        "words": {w["word"]: w for w in words},
        "blockers": blockers,
        "cn_chars": set(cn),
        "prefix": {q: re.compile(f"(?:{p})$") for q, p in cfg["qualifier_prefix"].items()},
        "suffix": {q: re.compile(p) for q, p in cfg["qualifier_suffix"].items()},
        "exclude_before": re.compile(f"(?:{cfg['exclude_before']})\\s*$"),
        "named": re.compile(cfg["named_concepts"]),
        "prefix_window": int(cfg["prefix_window"]),
        "brackets": [tuple(b) for b in cfg["exclude_inside"]],
    }


def parse_number(token: str) -> float | None:
    """'1,234.5' -> 1234.5; '1.2万' -> 12000; '一百零八' -> 108; '两' -> 2. None if unparsable."""
    token = token.replace(" ", "").replace(",", "")
    multiplier = 1
    if token and token[-1] in "万亿千" and re.match(r"^\d", token):
        multiplier = {"万": 10_000, "亿": 100_000_000, "千": 1_000}[token[-1]]
        token = token[:-1]
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(Decimal(token) * multiplier)  # Decimal: 64.71万 is exactly 647100
    import cn2an

    try:
        return float(cn2an.cn2an(token.replace("○", "〇"), "smart")) * multiplier
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _inside_brackets(text: str, pos: int, window: int = 80) -> bool:
    left = text[max(0, pos - window):pos]
    for opening, closing in rules()["brackets"]:
        if opening == closing:
            if left.count(opening) % 2 == 1 and "\n" not in left[left.rfind(opening):]:
                return True
            continue
        last_open, last_close = left.rfind(opening), left.rfind(closing)
        if last_open > last_close and "\n" not in left[last_open:]:
            return True
    return False


def _is_year_or_date(text: str, start: int, end: int, num: str) -> bool:
    after = text[end:end + 2]
    if re.fullmatch(r"(19|20)\d{2}", num) and (after[:1] in ("年", "-", "/", ".") or text[end - 1:end] == "年"):
        return True
    return bool(re.match(r"^\s*[月日号时]", text[start + len(num):start + len(num) + 2]))


def find_quantities(text: str) -> list[Quantity]:
    """Every measuring number in ``text``, in order, with value, unit and qualifier."""
    r = rules()
    found: list[Quantity] = []
    for m in r["pattern"].finditer(text):
        start, end = m.span()
        if m.group("pct_cn"):
            value = parse_number(m.group("pct_num"))
            if value is None:
                continue
            found.append(Quantity(start, end, value, None, "%", "rate", _qualifier(text, start, end, ""),
                                  m.group(0)))
            continue
        num, unit = m.group("num").strip(), m.group("unit")
        info = r["words"][unit]
        # not a quantity: 2019年, 3月5日, 第3次, 〔2017〕3号, 十九大, 三项制度, 《…3项…》
        if _is_year_or_date(text, start, end, num):
            continue
        if r["exclude_before"].search(text[max(0, start - 4):start]):
            continue
        if start > 0 and re.match(r"[\d.〔\[]", text[start - 1]):
            continue
        blocker = r["blockers"].get(unit)
        if blocker and blocker.match(text[end:end + 4]):
            continue
        if r["named"].match(text, start) or _named_around(text, start, end):
            continue
        if _inside_brackets(text, start):
            continue
        is_chinese = num[0] in r["cn_chars"]
        if is_chinese and num == "一" and not re.match(r"^\s*($|[,，。；;、)）\n])", text[end:end + 2]):
            continue  # 一次性, 一件事 ...: a bare 一 counts only when the unit ends the clause
        if is_chinese and start > 0 and text[start - 1] in r["cn_chars"]:
            continue  # inside a longer numeral word (e.g. 统一 + 项)
        value = parse_number(num)
        if value is None:
            continue
        value_max = parse_number(m.group("num2").strip()) if m.group("num2") else None
        if value_max is not None and value_max < value:
            value_max = None
        if info["kind"] == "rate" and unit == "%" and value > 1000:
            continue
        qualifier = _qualifier(text, start, end, m.group("mid") or "")
        if value_max is not None and qualifier == "exact":
            qualifier = "at_least"
        found.append(Quantity(start, end, value, value_max, info["canonical"], info["kind"], qualifier, m.group(0)))
    return found


def _named_around(text: str, start: int, end: int) -> bool:
    """True when the quantity is part of a named concept that begins a few characters earlier."""
    for back in range(1, 4):
        m = rules()["named"].match(text, max(0, start - back))
        if m and m.end() > start:
            return True
    return False


def _qualifier(text: str, start: int, end: int, mid: str) -> str:
    r = rules()
    if mid:
        for q, pattern in r["suffix"].items():
            if pattern.match(mid):
                return q
    after = text[end:end + 3]
    for q, pattern in r["suffix"].items():
        if pattern.match(after):
            return q
    before = text[max(0, start - r["prefix_window"]):start]
    for q in ("at_least", "at_most", "approx"):
        if r["prefix"][q].search(before):
            return q
    return "exact"
