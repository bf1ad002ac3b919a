"""Run quantity finding, indicator mapping and scoping over one document's normalised text.

Input: document id and normalised text. Output: a list of ``ExtractionRecord`` in text order,
one per quantity (indicator ``None`` when no catalogue indicator matches).
"""

from __future__ import annotations

import re

from pipeline.config import load_config
from pipeline.extract.mapper import boundary_ok, context_of, index_text, map_indicator
from pipeline.extract.quantities import find_quantities
from pipeline.extract.records import ExtractionRecord
from pipeline.extract.scope import scope_of, section_map

QUOTE_MAX_CHARS = 160


def extractor_version() -> str:
    return str(load_config("extraction")["extractor_version"])


def _quote(text: str, sentence_start: int, sentence_end: int, start: int, end: int) -> str:
    s, e = sentence_start, sentence_end
    if e - s > QUOTE_MAX_CHARS:
        half = (QUOTE_MAX_CHARS - (end - start)) // 2
        s, e = max(s, start - half), min(e, end + half)
    return text[s:e].strip()


def extract_text(doc: str, text: str, doc_is_plan: bool = False) -> list[ExtractionRecord]:
    """Every quantity in ``text`` as a record with indicator, scope and evidence."""
    version = extractor_version()
    part_cue = re.compile(load_config("extraction")["part_of_total_cue"])
    sections = section_map(text)
    index = index_text(text)
    records: list[ExtractionRecord] = []
    same_sentence: list[ExtractionRecord] = []  # records of the sentence being read (text order)
    sentence_start = -1
    for q in find_quantities(text):
        ctx = context_of(text, q, index)
        if not boundary_ok(text, q, ctx):
            continue
        if ctx.sentence_start != sentence_start:
            sentence_start, same_sentence = ctx.sentence_start, []
        indicator, score = map_indicator(text, q, ctx)
        scope, scope_rule = scope_of(text, q, ctx, sections, doc_is_plan)
        map_rule = "map." + indicator if indicator else "map.none"
        if indicator is None and scope == "delta" and same_sentence:
            # 受理79件，同比增长21.5% / 纠错率19.2%，较上年提高4.8个百分点: the change is about the
            # measure just named in the same sentence
            previous = next((r for r in reversed(same_sentence) if r.indicator), None)
            if previous is not None and previous.scope != "planned":
                indicator, score, map_rule = previous.indicator, previous.score, "map.delta_of_previous"
        elif indicator is not None:
            # 清理规范性文件312件，其中废止27件: a part of a total already counted for this indicator
            total = next((r for r in reversed(same_sentence) if r.indicator == indicator and r.scope == scope), None)
            if total is not None and part_cue.search(text, total.end, q.start):
                indicator, score, map_rule = None, 0.0, f"map.part_of_{total.indicator}"
        record = ExtractionRecord(
            doc=doc, indicator=indicator, value=q.value, value_max=q.value_max, unit=q.unit, kind=q.kind,
            qualifier=q.qualifier, scope=scope, start=q.start, end=q.end,
            quote=_quote(text, ctx.sentence_start, ctx.sentence_end, q.start, q.end),
            rule_id=f"qty.{q.kind}|{map_rule}|{scope_rule}", score=round(score, 3), extractor_version=version,
        )
        records.append(record)
        same_sentence.append(record)
    return records
