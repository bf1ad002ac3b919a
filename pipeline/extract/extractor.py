"""Run quantity finding, indicator mapping and scoping over one document's normalised text.

Input: document id and normalised text. Output: a list of ``ExtractionRecord`` in text order,
one per quantity (indicator ``None`` when no catalogue indicator matches).
"""

from __future__ import annotations

import re

from pipeline.config import load_config
from pipeline.extract.mapper import boundary_ok, index_text, map_indicator
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
        ctx = index.context(q)
        if not boundary_ok(text, q, ctx):
            continue
        sentence = ctx.sentence
        if sentence.start != sentence_start:
            sentence_start, same_sentence = sentence.start, []
        indicator, score = map_indicator(q, ctx)
        scope, scope_rule = scope_of(q, ctx, sections, doc_is_plan)
        map_rule = "map." + indicator if indicator else "map.none"
        if indicator is None and scope == "delta" and same_sentence:
            # 受理79件，同比增长21.5% / 纠错率19.2%，较上年提高4.8个百分点: the change is about the
            # measure just named in the same sentence
            previous = next((r for r in reversed(same_sentence) if r.indicator), None)
            if previous is not None and previous.scope != "planned":
                indicator, score, map_rule = previous.indicator, previous.score, "map.delta_of_previous"
        elif indicator is not None:
            # 清理规范性文件312件，其中废止27件: a part of a total already counted for this indicator
            for total in reversed(same_sentence):  # the latest record of the same indicator and scope
                if total.indicator == indicator and total.scope == scope:
                    if part_cue.search(text, total.end, q.start):
                        indicator, score, map_rule = None, 0.0, f"map.part_of_{total.indicator}"
                    break
        record = ExtractionRecord(  # positional (field order of RECORD_FIELDS): keywords cost twice as much
            doc, indicator, q.value, q.value_max, q.unit, q.kind, q.qualifier, scope, q.start, q.end,
            _quote(text, sentence.start, sentence.end, q.start, q.end),
            f"qty.{q.kind}|{map_rule}|{scope_rule}", round(score, 3), version,
        )
        records.append(record)
        same_sentence.append(record)
    return records
