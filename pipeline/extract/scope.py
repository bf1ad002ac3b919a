"""Decide each quantity's scope: ``actual`` (this year's result), ``cumulative``, ``delta`` or ``planned``.

Section context first: every number under a forward-looking heading (下一步, 2020年工作思路 ...)
is planned until the next heading of the same or higher rank. Then cues near the number:
planned (力争, 确保 ...), delta (同比增长, 提高X个百分点 ...), cumulative (累计, 截至, 以来 ...).
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

SCOPES = ("actual", "cumulative", "delta", "planned")
# the delta cue (at most ~8 characters) plus `delta_window` must fit in the clause tail searched
DELTA_TAIL_CHARS = 24


@cache
def _rules() -> dict[str, Any]:
    cfg = load_config("extraction")
    scope = cfg["scope"]
    return {
        "cumulative": re.compile(scope["cumulative"]),
        "delta": re.compile(f"(?:{scope['delta']})[^,，。;；]{{0,{int(scope['delta_window'])}}}$"),
        "planned": re.compile(scope["planned"]),
        "planned_window": int(scope["planned_window"]),
        "planned_headings": re.compile(cfg["planned_headings"]),
        "headings": [(h["rank"], re.compile(h["pattern"])) for h in cfg["heading_patterns"]],
    }


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
    for rank, pattern in _rules()["headings"]:
        if pattern.match(line):
            return rank
    return None


def section_map(text: str) -> SectionMap:
    """Find forward-looking sections: (heading start .. next heading of rank <= its rank)."""
    rules = _rules()
    first = rules["planned_headings"].search(text)
    if first is None:
        return SectionMap([], [], [])  # no forward-looking heading anywhere
    # no section can open before the line holding the first forward-looking cue
    pos = text.rfind("\n", 0, first.start()) + 1
    lines: list[tuple[int, str]] = []
    for line in text[pos:].split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    starts, ends, names = [], [], []
    open_rank: int | None = None
    for start, line in lines:
        stripped = line.strip()
        heading_text = stripped[:40]
        # the heading rank matters only to close an open section or to open one at a forward-looking line
        opens = rules["planned_headings"].search(heading_text) is not None
        if open_rank is None and not opens:
            continue
        rank = _heading_rank(stripped)
        is_short_heading = rank is None and len(stripped) <= 20 and not re.search(r"[,，。]", stripped)
        if open_rank is not None and rank is not None and rank <= open_rank:
            ends.append(start)
            open_rank = None
        if open_rank is None and (rank is not None or is_short_heading) and opens:
            starts.append(start)
            names.append(heading_text)
            open_rank = rank if rank is not None else 1
    if open_rank is not None:
        ends.append(len(text))
    return SectionMap(starts, ends, names)


def scope_of(text: str, q: Quantity, ctx: Context, sections: SectionMap, doc_is_plan: bool = False) -> tuple[str, str]:
    """Return (scope, the rule that decided it)."""
    rules = _rules()
    if doc_is_plan:
        return "planned", "scope.document_is_plan"
    heading = sections.planned_heading_at(q.start)
    if heading is not None:
        return "planned", "scope.planned_section"
    near_before = ctx.clause[-rules["planned_window"]:]
    if rules["planned"].search(near_before):
        return "planned", "scope.planned_cue"
    if q.kind == "change":
        return "delta", "scope.percentage_points"
    if rules["delta"].search(ctx.clause[-DELTA_TAIL_CHARS:]):
        return "delta", "scope.delta_cue"
    if rules["cumulative"].search(ctx.before_sentence + ctx.clause):
        return "cumulative", "scope.cumulative_cue"
    return "actual", "scope.default_actual"
