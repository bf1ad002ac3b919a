"""Decide each quantity's scope: ``actual`` (this year's result), ``cumulative``, ``delta`` or ``planned``.

Section context first: every number under a forward-looking heading (下一步, 2020年工作思路 ...)
is planned until the next heading of the same or higher rank. Then cues near the number:
planned (力争, 确保 ...), a level reached (提高至12% is actual), a percentage change (缩减35%), delta
(同比增长, 提高X个百分点 ...), cumulative (a span of years: 截至, 以来, 五年来 ...; 累计 alone sums the year).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.config import load_config
from pipeline.extract.mapper import Context
from pipeline.extract.quantities import Quantity
from pipeline.extract.regex_filter import matches_only_its_own_text, with_start_filter

SCOPES = ("actual", "cumulative", "delta", "planned")
# the delta cue (at most ~8 characters) plus `delta_window` must fit in the clause tail searched
DELTA_TAIL_CHARS = 24
_CLAUSE_PUNCTUATION = re.compile(r"[,，。]")  # a heading line has none


@cache
def _rules() -> dict[str, Any]:
    cfg = load_config("extraction")
    scope = cfg["scope"]
    return {
        # searched over every quantity's sentence / every text: see regex_filter for why and how
        "cumulative": with_start_filter(re.compile(scope["cumulative"])),
        "year_anchor": re.compile(scope["year_anchor"]),
        # searched over every quantity's clause tail: their look-behinds keep the regex engine from skipping to the
        # characters a match can start with on its own (a look-ahead for them halves the search)
        "delta": with_start_filter(re.compile(f"(?:{scope['delta']})[^,，。;；]{{0,{int(scope['delta_window'])}}}$")),
        "planned": with_start_filter(re.compile(scope["planned"])),
        "planned_window": int(scope["planned_window"]),
        "planned_headings": with_start_filter(re.compile(cfg["planned_headings"])),
        "planned_headings_local": matches_only_its_own_text(re.compile(cfg["planned_headings"])),
        "headings": [(h["rank"], re.compile(h["pattern"])) for h in cfg["heading_patterns"]],
        "any_heading": _any_of([h["pattern"] for h in cfg["heading_patterns"]]),
        "level_reached": re.compile(cfg["frame"]["level_reached"]),
        "rate_change": with_start_filter(re.compile(cfg["frame"]["rate_change"])),
    }


def _any_of(patterns: list[str]) -> re.Pattern[str] | None:
    """One regex matching where any of ``patterns`` matches, or None when combining them could change a
    back-reference (``\\1``, ``(?P=name)``), a pattern sets global flags or two name the same group."""
    if any(re.search(r"\\\d|\(\?P=|\(\?[aiLmsux]+\)", p) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error:
        return None


@dataclass(frozen=True)
class SectionMap:
    """Character ranges of the text that lie under a forward-looking heading."""

    starts: list[int]
    ends: list[int]
    headings: list[str]

    def planned_heading_at(self, pos: int) -> str | None:
        i = bisect_right(self.starts, pos) - 1
        if i >= 0 and pos < self.ends[i]:
            return self.headings[i]
        return None


def _heading_rank(line: str) -> int | None:
    rules = _rules()
    if rules["any_heading"] is not None and not rules["any_heading"].match(line):
        return None  # one combined test rejects the lines that are no heading at all
    for rank, pattern in rules["headings"]:
        if pattern.match(line):
            return rank
    return None


def section_map(text: str) -> SectionMap:
    """Find forward-looking sections: (heading start .. next heading of rank <= its rank)."""
    rules = _rules()
    planned_headings = rules["planned_headings"]
    if rules["planned_headings_local"]:
        # the cue is only looked for at the start of each line, and found there as in the whole text
        pos = 0
    else:
        first = planned_headings.search(text)
        if first is None:
            return SectionMap([], [], [])  # no forward-looking heading anywhere
        # no section can open before the line holding the first forward-looking cue
        pos = text.rfind("\n", 0, first.start()) + 1
    starts, ends, names = [], [], []
    open_rank: int | None = None
    for line in text[pos:].split("\n"):
        start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        heading_text = stripped[:40]
        if open_rank is None:
            # a forward-looking heading opens a section: a numbered heading or a short line
            if planned_headings.search(heading_text) is None:
                continue
            rank = _heading_rank(stripped)
            if rank is not None or (len(stripped) <= 20 and not _CLAUSE_PUNCTUATION.search(stripped)):
                starts.append(start)
                names.append(heading_text)
                open_rank = rank if rank is not None else 1
            continue
        # the next heading of the same or a higher rank closes it (and may open the next section)
        rank = _heading_rank(stripped)
        if rank is None or rank > open_rank:
            continue
        ends.append(start)
        open_rank = None
        if planned_headings.search(heading_text) is not None:
            starts.append(start)
            names.append(heading_text)
            open_rank = rank
    if open_rank is not None:
        ends.append(len(text))
    return SectionMap(starts, ends, names)


_LEVEL_LINKS = frozenset("至到为")  # the last character of every level_reached cue (checked first: cheap)


def _report_years_work(heading: str, report_year: int | None) -> bool:
    """Is a forward-looking heading only the report year's own programme (一、2022年重点工作及主要工作举措 in the
    2022 report: what was done), its one planned cue being that year (not 下一步, 明年, 2023年工作打算)?"""
    if report_year is None:
        return False
    cues = [m.group(0) for m in _rules()["planned_headings"].finditer(heading)]
    return bool(cues) and all(c.startswith(f"{report_year}年") for c in cues)
_SINCE_YEAR = re.compile(r"(\d{4})\s*年(?:初|度)?\s*以来")


def scope_of(q: Quantity, ctx: Context, sections: SectionMap, doc_is_plan: bool = False,
             report_year: int | None = None) -> tuple[str, str]:
    """Return (scope, the rule that decided it). ``report_year``: a span since that year (2024年以来 in the
    2024 report) is the year's work, not cumulative."""
    if doc_is_plan:
        return "planned", "scope.document_is_plan"
    if sections.starts:
        heading = sections.planned_heading_at(q.start)
        if heading is not None and not _report_years_work(heading, report_year):
            return "planned", "scope.planned_section"
    rules = _rules()
    clause = ctx.clause()
    if rules["planned"].search(clause[-rules["planned_window"]:]):
        return "planned", "scope.planned_cue"
    if q.kind == "change":
        return "delta", "scope.percentage_points"
    tail = clause[-DELTA_TAIL_CHARS:]
    if tail[-1:] in _LEVEL_LINKS and rules["level_reached"].search(tail):
        return "actual", "scope.level_reached"  # 权重提高至12%: the level reached, not the change
    if q.kind == "rate" and rules["rate_change"].search(tail):
        return "delta", "scope.rate_change"  # 行政许可事项缩减35%
    if rules["delta"].search(tail):
        return "delta", "scope.delta_cue"
    before = ctx.sentence_to_number()
    cue = rules["cumulative"].search(before)
    if cue:
        since = _SINCE_YEAR.search(before, max(0, cue.start() - 8), cue.end() + 2) if report_year else None
        if since is not None and int(since.group(1)) == report_year and \
                rules["cumulative"].search(before, cue.end()) is None:
            return "actual", "scope.since_report_year"
        anchor = rules["year_anchor"].search(before, cue.end())
        if anchor is not None and rules["cumulative"].search(before, anchor.end()) is None:
            return "actual", "scope.year_anchor"  # 自2020年以来…，2021年上半年…23起: the nearer time decides
        return "cumulative", "scope.cumulative_cue"
    return "actual", "scope.default_actual"
