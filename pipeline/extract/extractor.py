"""Run quantity finding, indicator mapping and scoping over one document's normalised text.

Input: document id and normalised text. Output: a list of ``ExtractionRecord`` in text order,
one per quantity (indicator ``None`` when no catalogue indicator matches), each with its frame
(verb, noun, measure word, role; ``pipeline.extract.frame``); indicators are chosen among those whose
frame declaration (``configs/indicators.yaml``) accepts the quantity's verb, noun and role.
"""

from __future__ import annotations

import re

from pipeline.config import load_config
from pipeline.extract.frame import (
    Frame,
    SentenceLexicon,
    frame_of,
    frame_rules,
    part_cue_governs,
    stated_zeros,
    tier_levels,
    year_runs,
)
from pipeline.extract.mapper import Context, boundary_ok, index_text, map_indicator
from pipeline.extract.quantities import Quantity, find_quantities
from pipeline.extract.records import ExtractionRecord
from pipeline.extract.scope import scope_of, section_map

QUOTE_MAX_CHARS = 160
_COMPARED = re.compile(r"同比|环比|较上年|比上年|较去年|比去年|较上一年|比上一年|较\d{4}年|比\d{4}年")
EXCLUDED_QUOTE_CHARS = 30  # each side of an excluded number


def extractor_version() -> str:
    return str(load_config("extraction")["extractor_version"])


def _quote(text: str, sentence_start: int, sentence_end: int, start: int, end: int) -> str:
    s, e = sentence_start, sentence_end
    if e - s > QUOTE_MAX_CHARS:
        half = (QUOTE_MAX_CHARS - (end - start)) // 2
        s, e = max(s, start - half), min(e, end + half)
    return text[s:e].strip()


_ROUNDED: dict[float, float] = {}  # score -> round(score, 3): scores are sums of a few cue weights (few values)


def _rounded(score: float) -> float:
    """``round(score, 3)``, looked up (round() formats the float: about 1 us a call)."""
    rounded = _ROUNDED.get(score)
    if rounded is None:
        rounded = round(score, 3)
        if len(_ROUNDED) < 4096:
            _ROUNDED[score] = rounded
    return rounded


def _record(doc: str, text: str, q: Quantity, sentence_start: int, sentence_end: int, indicator: str | None,
            scope: str, rule_id: str, score: float, version: str, frame: Frame | None,
            exclude_reason: str | None = None) -> ExtractionRecord:
    s, e = sentence_start, sentence_end  # the quote: _quote, inlined
    if e - s > QUOTE_MAX_CHARS:
        half = (QUOTE_MAX_CHARS - (q.end - q.start)) // 2
        s, e = max(s, q.start - half), min(e, q.end + half)
    quote = text[s:e].strip()
    if frame is None:  # an excluded number
        return ExtractionRecord(doc, None, q.value, None, q.unit, q.kind, q.qualifier, scope, q.start, q.end, quote,
                                rule_id, 0.0, version, None, None, None, "excluded", exclude_reason,
                                f"exclude.{exclude_reason}", None)
    # positional (field order of RECORD_FIELDS): keywords cost twice as much; a score of 0.0 (most quantities) is
    # its own rounding
    return ExtractionRecord(
        doc, indicator, q.value, q.value_max, q.unit, q.kind, q.qualifier, scope, q.start, q.end, quote,
        rule_id, _rounded(score) if score else score, version, frame.verb, frame.noun, frame.measure_word, frame.role, None,
        frame.frame_rule, frame.body,
    )


def extract_text(doc: str, text: str, doc_is_plan: bool = False, admin_level: str | None = None,
                 report_year: int | None = None) -> list[ExtractionRecord]:
    """Every quantity in ``text`` as a record with indicator, scope, frame and evidence, in text order.

    Numbers that are no quantity (ordinals, times, dates, document numbers, names, the adverb 十分)
    come out as records of role ``excluded`` with their reason; a before->after pair adds a ``derived``
    record of the change; zeros stated in words (未发生…案件) are records of value 0 and qualifier
    ``stated_zero``. ``admin_level`` "department" makes system-wide totals (全省…系统) context;
    ``report_year`` makes a span since that year (2024年以来) the year's work."""
    version = extractor_version()
    sections = section_map(text)
    index = index_text(text)
    part_cue = frame_rules()["part_cue"]
    records: list[ExtractionRecord] = []
    same_sentence: list[ExtractionRecord] = []  # records of the sentence being read (text order)
    sentence_start = -1
    lexicon: SentenceLexicon | None = None  # the frame lexicon's words in the sentence being read
    quantities = find_quantities(text, keep_excluded=True)
    extra = [Quantity(s, e, 0.0, None, unit, "count", "stated_zero", text[s:e]) for s, e, _noun, unit in stated_zeros(text)]
    tiers = tier_levels(text)
    extra += [Quantity(s, e, value, None, "级", "count", "exact", text[s:e]) for s, e, value in tiers]
    runs = year_runs(text)
    extra += [Quantity(s, e, value, None, "年", "duration", "exact", text[s:e]) for s, e, value in runs]
    tier_starts = {s for s, _e, _v in tiers}
    run_starts = {s for s, _e, _v in runs}
    if extra:
        quantities = sorted(quantities + extra, key=lambda q: q.start)
    for q in quantities:
        if q.kind == "excluded":  # quoted with a window of the line around it (no sentence needed)
            line_start = max(text.rfind("\n", max(0, q.start - EXCLUDED_QUOTE_CHARS), q.start) + 1,
                             q.start - EXCLUDED_QUOTE_CHARS)
            line_end = text.find("\n", q.end, q.end + EXCLUDED_QUOTE_CHARS)
            line_end = min(len(text) if line_end < 0 else line_end, q.end + EXCLUDED_QUOTE_CHARS)
            records.append(_record(doc, text, q, line_start, line_end, None, "actual",
                                   f"qty.excluded|{q.exclude_reason}", 0.0, version, None, q.exclude_reason))
            continue
        ctx = index.context(q)
        if q.qualifier != "stated_zero" and q.unit not in ("级", "年") and not boundary_ok(text, q, ctx):
            continue
        sentence = ctx.sentence
        if sentence.start != sentence_start:
            sentence_start, same_sentence = sentence.start, []
        # 其中 after a total (办理复议案件210件，其中…68件); a rate after 其中 (纠错率) is no part
        after_part = bool(same_sentence) and q.kind not in ("rate", "change") and \
            text.find(part_cue, same_sentence[0].end, q.start) >= 0 and \
            part_cue_governs(text, same_sentence[0].end, q.start)  # not after the bracket around 其中 closed
        previous_before = same_sentence[-1].end if same_sentence and same_sentence[-1].role == "before" else None
        if lexicon is None or lexicon.start != sentence.start:
            lexicon = SentenceLexicon(sentence)
        frame = frame_of(text, q, ctx, after_part, admin_level, previous_before, lexicon)
        if q.qualifier == "stated_zero":
            frame.role, frame.frame_rule, frame.measure_word = "stated_zero", "role.stated_zero", None
        elif q.unit == "级" and q.start in tier_starts:
            frame.role, frame.frame_rule = "stock", "role.tier_levels"
        elif q.unit == "年" and q.start in run_starts:
            frame.role, frame.frame_rule = "stock", "role.years_in_a_row"
        # a verb borrowed from an earlier clause is kept in the frame but does not refuse indicators
        indicator, score = map_indicator(q, ctx, (frame.verb if frame.verb_local else None, frame.noun, frame.role,
                                                  frame.phrase), admin_level == "department")
        if q.unit is None:  # a number cut off before its measure word (text ends): no indicator's value
            indicator, score = None, 0.0
        scope, scope_rule = scope_of(q, ctx, sections, doc_is_plan, report_year)
        if frame.frame_rule == "role.years_in_a_row" and scope == "actual":
            scope, scope_rule = "cumulative", "scope.years_in_a_row"
        if scope == "delta" and frame.role in ("before", "after"):
            scope, scope_rule = "actual", "scope.level_of_pair"  # 从63项减少为40项: two levels, the change derived
        map_rule = "map." + indicator if indicator else "map.none"
        if indicator is None and scope == "delta" and same_sentence and frame.role == "flow" and q.unit is not None:
            # 受理79件，同比增长21.5% / 纠错率19.2%，较上年提高4.8个百分点: the change is about the
            # measure just named in the same sentence; a percentage after a rate is its change only when
            # compared (同比, 较上年): 网上可办率100%,承诺时限压缩94% is another measure
            previous = same_sentence[-1] if same_sentence[-1].indicator else None  # the measure just named
            if previous is not None and previous.scope != "planned" and not (
                    q.kind == "rate" and previous.kind == "rate" and not _COMPARED.search(ctx.clause())):
                indicator, score, map_rule = previous.indicator, previous.score, "map.delta_of_previous"
        record = _record(doc, text, q, sentence.start, sentence.end, indicator, scope,
                         f"qty.{q.kind}|{map_rule}|{scope_rule}", score, version, frame)
        records.append(record)
        if frame.role == "after" and same_sentence and same_sentence[-1].role == "before":
            derived = _derived(doc, text, q, ctx, same_sentence[-1], record, version)
            records.append(derived)
            same_sentence.append(record)
            same_sentence.append(derived)
            continue
        same_sentence.append(record)
    return records


def _derived(doc: str, text: str, q: Quantity, ctx: Context, before: ExtractionRecord, after: ExtractionRecord,
             version: str) -> ExtractionRecord:
    """The change of a before->after pair (由520项精简至317项 -> 203 items), citing both spans; its
    indicator is the one whose frame takes a derived change of this verb and noun."""
    frame = Frame(after.verb, after.noun or before.noun, after.measure_word, "derived",
                  f"pair.derived_from[{before.start}:{before.end}]+[{after.start}:{after.end}]")
    change = Quantity(before.start, after.end, abs(before.value - after.value), None, after.unit, after.kind, "exact",
                      text[before.start:after.end])
    indicator, score = (None, 0.0)
    if before.unit == after.unit:
        indicator, score = map_indicator(q, ctx, (frame.verb, frame.noun, "derived", ""))
    rule = f"qty.derived|{'map.' + indicator if indicator else 'map.none'}|scope.of_pair"
    return _record(doc, text, change, ctx.sentence_start, ctx.sentence_end, indicator, after.scope, rule, score,
                   version, frame)
