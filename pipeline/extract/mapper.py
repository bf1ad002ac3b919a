"""Map a quantity to an indicator code (or none) from the words around it.

For each quantity: the sentence before it (titles in 《》 blanked out), its own clause, and a short
window after it are searched for each indicator's cue groups (``configs/indicators.yaml``). An
indicator matches when its measure word is allowed, every ``all_of`` group has a term present and
no ``none_of`` term stands in the quantity's own clause. The best-scoring match wins; cue terms in
the quantity's own clause score higher than terms earlier in the sentence. Since issue 19 an indicator is
a candidate only when its ``frame`` declaration accepts the quantity's verb, noun and role and no
``none_of`` term stands in the noun phrase after the measure word (``_Rule.fits``).

Cue terms are found once per sentence (one Aho-Corasick pass, shared by every quantity in it) and
then sorted into the parts of each quantity's context by position.

Spans whose edges cut through a jieba word are rejected (``boundary_ok``).
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from math import log
from typing import Any

import numpy as np

from pipeline.config import ConfigError, load_config
from pipeline.extract.catalogue import Indicator, load_catalogue
from pipeline.extract.quantities import Quantity
from pipeline.settings import CONFIG_DIR

_SENTENCE_CHARS = "。；;!?！？\n"  # end a sentence
_CLAUSE_CHARS = _SENTENCE_CHARS + ",，、:："  # end a clause
_TITLES = re.compile(r"《[^》\n]{0,80}》")
_TITLE_BLANK = "#"  # book titles are blanked with this character; no cue term may contain it
POST_WINDOW = 12
PARAGRAPH_WINDOW = 160  # earlier sentences of the paragraph that can set the topic
NEAR_WINDOW = 8
_DISPOSAL = frozenset("将把")  # 将/把 right before a number: its verb follows the noun
_NOT_FRONTING = frozenset("核比校反应面相绝配")  # 核对, 比对, 应对, 相对 …: 对 is no preposition there
# a light verb right before a number (开展7次…集体学习, 完成287件…的合法性审查): what was done is named after
# the number, so the rest of the clause is read with the quantity
_LIGHT_VERBS = frozenset(("开展", "召开", "举办", "举行", "组织", "完成", "进行"))
_PHRASE_END = re.compile(r"[,，:：。；;!?！？\n]")  # the light verb's object runs over 、 to one of these
_NEXT_COUNT_ITEM = re.compile(r"、(?=[\d一二两三四五六七八九十])")  # … unless the next 、 item starts with a number

_NOT_A_BREAK, _CLAUSE_BREAK, _SENTENCE_BREAK = 0, 1, 2


@cache
def _break_kinds() -> np.ndarray:
    """Lookup table: code point -> _NOT_A_BREAK, _CLAUSE_BREAK or _SENTENCE_BREAK (1.1 MB, built once)."""
    table = np.zeros(sys.maxunicode + 1, dtype=np.uint8)
    table[[ord(c) for c in _CLAUSE_CHARS]] = _CLAUSE_BREAK
    table[[ord(c) for c in _SENTENCE_CHARS]] = _SENTENCE_BREAK
    return table


def _blank_titles(s: str) -> str:
    return _TITLES.sub(lambda m: _TITLE_BLANK * len(m.group(0)), s) if "《" in s else s


def _title_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the titles that ``_blank_titles(text[start:end])`` blanks, in ``text`` coordinates."""
    return [m.span() for m in _TITLES.finditer(text, start, end)]  # no anchors: same as on the slice


class Sentence:
    """One sentence of a text and what every quantity in it shares: the cue terms and the frame
    lexicon's verbs and nouns found in the sentence (one automaton pass for all three) and the
    paragraph's text before it, each computed on first use."""

    __slots__ = ("_cue_starts", "_lexicon", "_matches", "_paragraph", "_starts", "_terms", "end", "has_titles", "single",
                 "start", "text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text, self.start, self.end = text, start, end
        self.has_titles = text.find("《", start, end) >= 0
        self.single = False  # set by TextIndex.context: no sentence break lies inside the sentence
        self._matches: tuple[list[int], list[str]] | None = None
        self._lexicon: tuple[list[int], list[str], list[int], list[str]] | None = None
        self._starts: tuple[list[int], list[int]] | None = None
        self._cue_starts: list[int] | None = None
        self._paragraph: str | None = None
        self._terms: frozenset[str] | None = None

    def _scan(self) -> None:
        """One pass of the word automaton over the sentence, its occurrences sorted by kind in one loop (the
        automaton's cost is mostly per character, so one pass for the three kinds costs about a third of three
        passes; a plain loop over the ~12 occurrences of a sentence is cheaper than a dozen C-level map/compress
        calls). Each word's value carries its length - 1, so where a verb or noun starts comes in the same loop."""
        cue_lasts: list[int] = []
        cue_words: list[str] = []
        cue_starts: list[int] = []
        verb_lasts: list[int] = []
        verb_words: list[str] = []
        verb_starts: list[int] = []
        noun_lasts: list[int] = []
        noun_words: list[str] = []
        noun_starts: list[int] = []
        base = self.start  # (the automaton copies the string it is given: the sentence, not the whole text)
        for last, (word, is_cue, is_verb, is_noun, extra) in _word_automaton().iter(self.text[base:self.end]):
            last += base
            if is_cue:
                cue_lasts.append(last)
                cue_words.append(word)
                cue_starts.append(last - extra)
            if is_verb:
                verb_lasts.append(last)
                verb_words.append(word)
                verb_starts.append(last - extra)
            if is_noun:
                noun_lasts.append(last)
                noun_words.append(word)
                noun_starts.append(last - extra)
        self._matches = (cue_lasts, cue_words)
        self._cue_starts = cue_starts
        self._lexicon = (verb_lasts, verb_words, noun_lasts, noun_words)
        self._starts = (verb_starts, noun_starts)

    def cue_matches(self) -> tuple[list[int], list[str]]:
        """Every cue-term occurrence in the sentence (overlapping ones included), ordered by where it
        ends (at the same end, longest first): the index of its last character, and the term."""
        if self._matches is None:
            self._scan()
        return self._matches  # type: ignore[return-value]

    def cue_starts(self) -> list[int]:
        """Where each cue-term occurrence of ``cue_matches`` starts."""
        if self._cue_starts is None:
            self._scan()
        return self._cue_starts  # type: ignore[return-value]

    def lexicon_matches(self) -> tuple[list[int], list[str], list[int], list[str]]:
        """The frame lexicon's verbs and nouns (two characters or more) in the sentence, in the same
        order: (verb ends, verbs, noun ends, nouns)."""
        if self._lexicon is None:
            self._scan()
        return self._lexicon  # type: ignore[return-value]

    def lexicon_starts(self) -> tuple[list[int], list[int]]:
        """Where each verb and each noun of ``lexicon_matches`` starts (verb starts, noun starts)."""
        if self._starts is None:
            self._scan()
        return self._starts  # type: ignore[return-value]

    def terms(self) -> frozenset[str]:
        """Every cue term standing anywhere in the sentence (book titles included)."""
        if self._terms is None:
            self._terms = frozenset(self.cue_matches()[1])
        return self._terms

    def paragraph(self) -> str:
        """The same paragraph's text before the sentence (at most PARAGRAPH_WINDOW chars, titles blanked)."""
        if self._paragraph is None:
            # (a line break further back than the window would not matter: look no further)
            line_start = self.text.rfind("\n", max(0, self.start - PARAGRAPH_WINDOW), self.start) + 1
            self._paragraph = _blank_titles(self.text[max(line_start, self.start - PARAGRAPH_WINDOW):self.start])
        return self._paragraph


@dataclass(slots=True)
class Context:
    """Where a quantity stands: its sentence, the start of its clause, the end of the short tail
    after it (to the clause end, at most POST_WINDOW characters) and the end of its clause."""

    sentence: Sentence
    clause_start: int
    after_end: int
    start: int  # the quantity's span
    end: int
    clause_end: int = -1  # -1: the end of the short tail
    _clause: str | None = None  # clause(), once computed

    @property
    def sentence_start(self) -> int:
        return self.sentence.start

    @property
    def sentence_end(self) -> int:
        return self.sentence.end

    def is_later_list_item(self) -> bool:
        """Is the quantity's clause an item of a 、 list after its first (a 、 right before the clause)?"""
        return self.clause_start > self.sentence.start and self.sentence.text[self.clause_start - 1] == "、"

    def clause(self) -> str:
        """The clause text before the number (titles blanked)."""
        clause = self._clause
        if clause is None:
            sentence = self.sentence
            clause = sentence.text[self.clause_start:self.start]
            if sentence.has_titles:
                clause = _blank_titles(clause)
            self._clause = clause
        return clause

    def sentence_to_number(self) -> str:
        """The sentence text before the number: the earlier clauses, then the own clause, each with
        its titles blanked."""
        text, sentence_start = self.sentence.text, self.sentence.start
        if not self.sentence.has_titles:
            return text[sentence_start:self.start]
        return _blank_titles(text[sentence_start:self.clause_start]) + self.clause()


class TextIndex:
    """Sentence and clause break positions of one text, computed once per document, and the context
    of each quantity (quantities of the same sentence share one ``Sentence``)."""

    __slots__ = ("_sentence", "clause_breaks", "sentence_breaks", "text")

    def __init__(self, text: str) -> None:
        # one vectorised scan of the text's code points
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        kinds = _break_kinds().take(codes)
        clause_breaks = kinds.nonzero()[0]
        self.text = text
        self.sentence_breaks: list[int] = clause_breaks[kinds[clause_breaks] == _SENTENCE_BREAK].tolist()
        self.clause_breaks: list[int] = clause_breaks.tolist()
        self._sentence: Sentence | None = None

    def context(self, q: Quantity) -> Context:
        """The sentence, clause and short tail around a quantity. Quantities are asked for in text order."""
        text = self.text
        start, end = q.start, q.end
        sentence = self._sentence
        if sentence is not None and sentence.single and sentence.start <= start and end <= sentence.end:
            # the same sentence as the quantity before (no break inside it, so the look-ups would agree)
            s_start, s_end = sentence.start, sentence.end
        else:
            sb = self.sentence_breaks
            i = bisect_left(sb, start)
            s_start = sb[i - 1] + 1 if i > 0 else 0
            j = bisect_left(sb, end, i)
            s_end = sb[j] if j < len(sb) else len(text)
            if sentence is None or sentence.start != s_start or sentence.end != s_end:
                sentence = self._sentence = Sentence(text, s_start, s_end)
                # no sentence break strictly inside: every span within it has this sentence
                sentence.single = i == j
        cb = self.clause_breaks
        k = bisect_left(cb, start)
        c_start = cb[k - 1] + 1 if k > 0 else 0
        if c_start < s_start:
            c_start = s_start
        m = bisect_left(cb, end, k)
        clause_end = cb[m] if m < len(cb) else len(text)
        if clause_end > s_end:
            clause_end = s_end
        # 将2项行政许可…调整为区级: in a 将/把 construction the verb comes after the counted noun, so the
        # whole rest of the clause is read with the quantity
        fronted = fronted_object(text, start)
        if (start > 1 and text[start - 2:start] in _LIGHT_VERBS) or fronted or (
                text[c_start] == "对" and text[clause_end:clause_end + 1] == "、"):
            # 完成287件重大行政决策事项、规范性文件和协议的合法性审查: the object runs over 、 to the clause's end;
            # so does a list fronted by 对 (对征收决定40份、安置决定12份进行合法性审查: the verb follows the list)
            stop = _PHRASE_END.search(text, end, s_end)
            clause_end = stop.start() if stop else s_end
            # 开展8次中心组专题学习、1期读书班、7次支部学习: an item with its own number is a count of its own
            item = _NEXT_COUNT_ITEM.search(text, end, clause_end)
            if item is not None:
                clause_end = item.start()
            window = len(text)
        else:
            window = len(text) if start > 0 and text[start - 1] in _DISPOSAL else POST_WINDOW  # (not fronted here)
        after_end = end + window  # max(min(clause_end, end + window), end), without the calls
        if after_end > clause_end:
            after_end = clause_end
        if after_end < end:
            after_end = end
        return Context(sentence, c_start, after_end, start, end, clause_end if clause_end > after_end else after_end)


def fronted_object(text: str, start: int) -> bool:
    """Does the preposition 对 stand right before the number at ``start`` (对45件重大行政决策事项草案进行合法性审查)?
    The counted noun is then the object of a verb that follows it (进行/开展/实施 V), as after 将/把."""
    return start > 0 and text[start - 1] == "对" and not (start > 1 and text[start - 2] in _NOT_FRONTING)


def index_text(text: str) -> TextIndex:
    """Sentence and clause break positions of ``text``."""
    return TextIndex(text)


class _Rule:
    """One indicator's cue groups as sets, for fast intersection tests."""

    __slots__ = ("all_of", "code", "department_vetoes", "has_campaign", "in_paragraph", "in_sentence", "indicator", "near",
                 "none_before", "none_of", "none_re", "number", "other_bodies", "paragraph_topic", "rate_words",
                 "sentence_vetoes", "specificity", "topic_in_clause")

    def __init__(self, indicator: Indicator) -> None:
        self.indicator = indicator  # its frame declaration: ``accepts(verb, noun, role)``
        self.code, self.number, self.paragraph_topic = indicator.code, indicator.number, indicator.paragraph_topic
        self.topic_in_clause = indicator.topic_in_clause
        self.all_of = tuple(frozenset(group) for group in indicator.all_of)
        self.none_of, self.near = frozenset(indicator.none_of), frozenset(indicator.near)
        # vetoes from an earlier clause the topic is borrowed from: other bodies only veto in the own clause
        self.other_bodies = frozenset(indicator.other_bodies)
        self.none_before = self.none_of - self.other_bodies
        self.in_sentence = frozenset(indicator.in_sentence)
        self.department_vetoes = frozenset(indicator.department_other_bodies)
        self.sentence_vetoes = frozenset(indicator.sentence_none_of)  # anywhere before the number in its sentence
        self.in_paragraph = frozenset(indicator.in_paragraph)  # needed in the sentence or the paragraph before it
        self.rate_words = indicator.rate_words  # the names of the rate (可办率, 网办率 …), matched as endings
        # the none_of terms, searched in the noun phrase after the measure word
        self.none_re = re.compile("|".join(map(re.escape, indicator.none_of))) if indicator.none_of else None
        self.specificity = 0.1 * len(indicator.all_of)  # more specific rules (more groups) win ties
        self.has_campaign = bool(indicator.result_of)  # (in_campaign is False without one)

    def fits(self, verb: str | None, noun: str | None, role: str, phrase: str,
             earlier: Callable[[], str] | None = None) -> bool:
        """Does a quantity of this frame fit the indicator (and no none_of term stand in its noun phrase)?
        ``earlier``: the paragraph's text before the number, looked at only for a result verb of a campaign (废止 after
        清理)."""
        return self.indicator.accepts(verb, noun, role, self.has_campaign and self.in_campaign(verb, earlier)) and not (
            phrase and self.none_re is not None and self.none_re.search(phrase))

    def in_campaign(self, verb: str | None, earlier: Callable[[], str] | None) -> bool:
        """Is the verb a result verb of a campaign named (and not counted) earlier in the paragraph?"""
        ind = self.indicator
        return bool(ind.result_of) and verb is not None and earlier is not None and any(
            v in ind.result_verbs for v in verb.split("、")) and _campaign_named(ind.result_of, earlier())


@dataclass(frozen=True)
class _CueIndex:
    """Every cue term of the catalogue, and which indicators use it."""

    terms: frozenset[str]
    # measure word -> cue term -> the rules that allow the measure word and have the term in an all_of group
    rules_by_unit_and_term: dict[str, dict[str, tuple[_Rule, ...]]]


@cache
def _cue_index() -> _CueIndex:
    all_terms: set[str] = set()
    by_unit_and_term: dict[str, dict[str, list[_Rule]]] = {}
    for ind in load_catalogue().indicators:
        terms = {t for g in ind.all_of for t in g} | set(ind.none_of) | set(ind.near) | set(ind.in_sentence) \
            | set(ind.department_other_bodies) | set(ind.sentence_none_of) | set(ind.in_paragraph)
        if any(_TITLE_BLANK in t for t in terms):
            raise ConfigError(f"configs/indicators.yaml: a cue term of {ind.code} contains {_TITLE_BLANK!r}, "
                              "the character that blanks book titles")
        all_terms |= terms
        if not ind.all_of:
            continue
        rule = _Rule(ind)
        for unit in ind.allowed_units:
            by_term = by_unit_and_term.setdefault(unit, {})
            for term in {t for g in ind.all_of for t in g}:
                by_term.setdefault(term, []).append(rule)
    return _CueIndex(frozenset(all_terms), {unit: {term: tuple(rules) for term, rules in by_term.items()}
                                            for unit, by_term in by_unit_and_term.items()})


@cache
def _word_automaton() -> Any:
    """One Aho-Corasick automaton of every word looked up in a sentence: the catalogue's cue terms and
    the frame lexicon's verbs and nouns of two characters or more (one-character nouns, 省 and 市, would
    match everywhere: pipeline.extract.frame checks them in place). Each word's value is (word, is a
    cue term, is a verb, is a noun, its length - 1)."""
    import ahocorasick

    frame = load_config("extraction")["frame"]
    cues = _cue_index().terms
    verbs = {w for w in frame["verbs"] if len(w) > 1}
    nouns = {w for w in frame["nouns"] if len(w) > 1}
    automaton = ahocorasick.Automaton()
    for word in cues | verbs | nouns:
        automaton.add_word(word, (word, word in cues, word in verbs, word in nouns, len(word) - 1))
    automaton.make_automaton()
    return automaton


def _cues_around(ctx: Context) -> tuple[set[str], set[str], set[str], set[str], set[str]]:
    """Cue terms of a quantity's context: (local: its clause and the tail after it, before: the
    sentence before its clause, tail: the last NEAR_WINDOW characters before the number, after,
    rest: the rest of its clause after the tail)."""
    sentence = ctx.sentence
    lasts, terms = sentence.cue_matches()
    starts = sentence.cue_starts()
    clause_start, number_start, number_end, after_end = ctx.clause_start, ctx.start, ctx.end, ctx.after_end
    tail_from = number_start - NEAR_WINDOW
    local: set[str] = set()
    tail: set[str] = set()
    after: set[str] = set()
    rest: set[str] = set()
    before_end = bisect_left(lasts, clause_start)  # occurrences [:before_end] end before the clause
    context_end = bisect_left(lasts, after_end, before_end)  # the later ones end after the context
    for i in range(context_end, bisect_left(lasts, ctx.clause_end, context_end)):
        if starts[i] >= number_end:
            rest.add(terms[i])
    if not sentence.has_titles:
        before = set(terms[:before_end])
        for i in range(before_end, context_end):
            start = starts[i]
            if start < clause_start:
                continue  # across the clause break
            term = terms[i]
            if lasts[i] < number_start:
                local.add(term)
                if start >= tail_from:
                    tail.add(term)
            elif start >= number_end:
                local.add(term)
                after.add(term)
        return local, before, tail, after, rest
    # Titles are blanked in each part (earlier clauses, own clause, tail) separately, as a title cut by
    # a clause break is not one: a term counts only where it overlaps no title of its own part.
    text = sentence.text
    before_titles = _title_spans(text, sentence.start, clause_start)
    clause_titles = _title_spans(text, clause_start, number_start)
    after_titles = _title_spans(text, number_end, after_end)
    before = set()
    for i in range(context_end):
        term = terms[i]
        end = lasts[i] + 1
        start = end - len(term)
        if end <= clause_start:
            if not before_titles or _outside(before_titles, start, end):
                before.add(term)
        elif start < clause_start:
            continue
        elif end <= number_start:
            if not clause_titles or _outside(clause_titles, start, end):
                local.add(term)
                if start >= tail_from:
                    tail.add(term)
        elif start >= number_end and (not after_titles or _outside(after_titles, start, end)):
            local.add(term)
            after.add(term)
    return local, before, tail, after, rest


def _outside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    for span_start, span_end in spans:  # noqa: SIM110 (a loop: all() over a generator costs more per call)
        if end > span_start and start < span_end:
            return False
    return True


def map_indicator(q: Quantity, ctx: Context, frame: tuple[str | None, str | None, str, str] | None = None,
                  department: bool = False) -> tuple[str | None, float]:
    """Return (indicator code or None, match score). ``frame``: the quantity's (verb, noun, role, noun phrase
    after the measure word); indicators whose frame declaration refuses it are not candidates. ``department``:
    the text is a department's report (another body's sessions named in the own clause veto: 区政府常务会议学法)."""
    if q.kind not in ("count", "rate", "money", "duration"):
        return None, 0.0
    by_term = _cue_index().rules_by_unit_and_term.get(q.unit)
    if by_term is None:
        return None, 0.0  # no indicator takes this measure word
    if ctx.is_later_list_item():
        # 清理规范性文件2次、100余件 / 报备率、及时率、规范率达100%: a list item that names nothing of its own
        ctx = _with_list_head(q, ctx)
    # a quick pass over the terms ending inside the clause and tail (a superset of ``local``): most
    # quantities have no candidate at all, and are done without sorting the context's terms
    lasts, terms = ctx.sentence.cue_matches()
    lo = bisect_left(lasts, ctx.clause_start)
    if by_term.keys().isdisjoint(terms[lo:bisect_left(lasts, ctx.after_end, lo)]):
        return None, 0.0
    local, before, tail, after, rest = _cues_around(ctx)
    if frame is not None and frame[0] is not None:
        # 区政府拟发文的17件规范性文件均进行合法性审查 / 对214项许可事项，通过…等形式下放: the quantity's own verb, read
        # after its noun, names its action in its own clause however far after the number it stands
        verbs = [v for v in frame[0].split("、") if v not in local]
        if verbs:
            later = terms[bisect_left(lasts, ctx.end):]
            local.update(v for v in verbs if v in later)
    if not local:
        return None, 0.0  # the own clause must name part of an indicator
    # 审查行政合同40份、重大行政决策12件、规范性文件5件: an item of a 、 list that names its own noun borrows the
    # list's verb, but its siblings' nouns (合同, 决策) are no other topic that would veto it: only the text
    # before the list may
    vetoes_before = before if q.kind != "count" else _before_list(ctx, before)
    candidates: set[_Rule] = set()
    for term in local:
        candidates.update(by_term.get(term, ()))
    best: tuple[float, int, str] | None = None
    paragraph: Callable[[], str] = ctx.sentence.paragraph

    def earlier() -> str:  # the paragraph's clause chain before the number (a campaign named there: 清理)
        return paragraph() + _SENTENCE_MARK + ctx.sentence_to_number()
    rate_name: str | None = "" if q.kind == "rate" else None  # "": not yet looked up
    for rule in candidates:
        if frame is not None and not rule.fits(*frame, earlier):
            continue
        if rule.rate_words and rate_name is not None:
            if rate_name == "":
                rate_name = _rate_name(ctx.clause())
            if rate_name is not None and not rate_name.endswith(rule.rate_words):
                continue  # 即办率达到85%: the percentage is named as another rate
        if rule.in_sentence and rule.in_sentence.isdisjoint(ctx.sentence.terms()):
            continue  # 召开12次中心组集体学习会,学习贯彻…精神: the sentence never says the study was on law
        if rule.in_paragraph and rule.in_paragraph.isdisjoint(ctx.sentence.terms()) \
                and not _occurs_in(rule.in_paragraph, paragraph()):
            continue  # 督察反馈意见整改，追责问责36人: no audit named, so no audit's accountability
        if department and rule.department_vetoes and not local.isdisjoint(rule.department_vetoes):
            continue  # a department's report: 区政府常务会议学法6场次 is the government's study, not its own
        if rest and not rest.isdisjoint(rule.none_of):
            continue  # 25名同志通过了行政执法资格考试: a veto later in the quantity's own clause
        if rule.other_bodies and _other_body_leads_list(ctx, rule, local):
            continue  # 市委中心组举办2次报告会、5次专题学法: the list's subject is another body
        if rule.sentence_vetoes and not (rule.sentence_vetoes.isdisjoint(before)
                                         and rule.sentence_vetoes.isdisjoint(local)):
            continue  # 民营企业“法治体检”…审查合同1239份: a service to firms, not the government's own review
        rule_vetoes = vetoes_before
        if rule.indicator.result_kept and frame is not None and rule.in_campaign(frame[0], earlier):
            # 建议保留3份，建议宣布失效3份 in a cleanup: the documents kept earlier are another result, no other topic
            rule_vetoes = (before if vetoes_before is None else vetoes_before) - rule.indicator.result_kept
        score = _score(rule, local, before, tail, after, rest, paragraph, rule_vetoes)
        # ties go to the indicator listed first in the catalogue
        if score is not None and (best is None or (score, -rule.number) > best[:2]):
            best = (score, -rule.number, rule.code)
    return (best[2], best[0]) if best else (None, 0.0)


LIST_BREAKS = "，,；;：:。！？!?\n"  # a 、 list runs between these


def list_start(text: str, lo: int, hi: int) -> int:
    """Where the 、 list that position ``hi`` stands in starts: just after the last list break in [lo, hi), or
    ``lo`` when there is none."""
    return max(lo, max(text.rfind(c, lo, hi) for c in LIST_BREAKS) + 1)


_BARE_ITEM_ENDS = "，,；;。、"  # punctuation that closes a bare count of a 、 list


def _with_list_head(q: Quantity, ctx: Context) -> Context:
    """The context of a quantity in a 、 list item (its clause follows a 、), with its clause widened to the start
    of the list when the item names nothing of its own: a bare count (清理规范性文件2次、100余件: nothing before or
    after 100余件 in its clause counts the list's object too), or a rate after rate names that share its value
    (报备率、及时率、规范率达100%: no number in the list before it). Otherwise ``ctx`` itself."""
    text, sentence_start, clause_start = ctx.sentence.text, ctx.sentence_start, ctx.clause_start
    if q.kind == "count":
        if ctx.start != clause_start or ctx.end >= len(text) or text[ctx.end] not in _BARE_ITEM_ENDS:
            return ctx  # (a line end may be a page cut off before the item's noun: 完成18件…、9件)
    elif q.kind != "rate":
        return ctx
    head = list_start(text, sentence_start, clause_start)
    if q.kind == "rate" and _DIGITS.search(text, head, clause_start):
        return ctx  # 纠错率12%、调解率30%: each rate has its own value
    return Context(ctx.sentence, head, ctx.after_end, ctx.start, ctx.end, ctx.clause_end)


def _before_list(ctx: Context, before: set[str]) -> set[str]:
    """The cue terms of the sentence before the 、 list a quantity's clause is an item of (``before`` when the
    clause is no list item after the first)."""
    if not ctx.is_later_list_item():
        return before
    sentence, clause_start = ctx.sentence, ctx.clause_start
    text = sentence.text
    start = list_start(text, sentence.start, clause_start)
    # the list's shared head runs to the first item's noun (审查|行政合同40份; 审查报送备案的|规章42件、…: 备案 is said
    # of every item and still vetoes)
    first_number = _DIGITS.search(text, start, clause_start)
    if first_number is None:
        return before
    noun_lasts, noun_words = sentence.lexicon_matches()[2:]
    head_end = first_number.start()
    for k in range(bisect_left(noun_lasts, start), bisect_left(noun_lasts, first_number.start())):
        noun_start = noun_lasts[k] + 1 - len(noun_words[k])
        if noun_start >= start and noun_lasts[k] == first_number.start() - 1:
            head_end = min(head_end, noun_start)  # the longest noun right before the number
    lasts, terms = sentence.cue_matches()
    blanked = _blank_titles(text[sentence.start:head_end]) if sentence.has_titles else None
    found = set()
    for i in range(bisect_left(lasts, head_end)):
        term = terms[i]
        if blanked is None or term in blanked:
            found.add(term)
    return found


_LIST_COUNT = re.compile(r"[\d零一二两三四五六七八九十百]+(?:场次|次|场|期|件|项|个|份)")  # an item's own count


def _other_body_leads_list(ctx: Context, rule: _Rule, local: set[str]) -> bool:
    """Is one of the rule's other bodies (市委, 县委 …) the subject of the 、 list whose item the quantity's clause is?
    It is when it stands in the list's head, before the list's first count (an earlier item holds one), and the
    clause names no body of its own (市委中心组举办2次报告会、5次专题学法: no other group of the rule in it; 区委常委会
    学法2次、区政府常务会议学法4次: 4次 is the government's own). Bodies listed together before one count (县委常委会、
    县政府常务会议学法12次) are left alone: the real sets' annotators disagree on such joint counts."""
    if not ctx.is_later_list_item():
        return False
    sentence, clause_start = ctx.sentence, ctx.clause_start
    text = sentence.text
    start = list_start(text, sentence.start, clause_start)
    first = _LIST_COUNT.search(text, start, clause_start)
    if first is None or any(not local.isdisjoint(group) for group in rule.all_of[1:]):
        return False  # a joint count, or the item names its own body
    head_end = first.start()
    lasts, terms = sentence.cue_matches()
    for i in range(bisect_left(lasts, start), bisect_left(lasts, head_end)):
        if terms[i] in rule.other_bodies and lasts[i] + 1 - len(terms[i]) >= start:
            return True
    return False


_RATE_NAME_DROP = str.maketrans("", "", "“”\"'‘’「」『』")


def _rate_name(clause: str) -> str | None:
    """The name of the rate a percentage gives (the clause text up to its last 率, quotes dropped:
    “一网通办”率 -> …一网通办率), or None when its clause names no rate."""
    end = clause.rfind("率")
    return clause[max(0, end - 12):end + 1].translate(_RATE_NAME_DROP) if end >= 0 else None


def _score(rule: _Rule, local: set[str], before: set[str], tail: set[str], after: set[str], rest: set[str],
           paragraph: Callable[[], str], vetoes_before: set[str] | None = None) -> float | None:
    """The rule's match score, or None. (Every candidate has a term of some group in ``local``, so
    the quantity's own clause always names part of the indicator.)"""
    if not local.isdisjoint(rule.none_of):
        return None
    score = 0.0
    borrowed = False  # a group named only before the clause: the topic is borrowed from earlier text
    for i, group in enumerate(rule.all_of):
        if not local.isdisjoint(group):
            score += 2.0
        elif i == 0 and rule.topic_in_clause:
            # 联合检查21次 after 执法检查计划: the indicator's topic must be named in the clause, anywhere in it
            # (85%的区级政务服务事项实现全程网办: a rate before its noun names its topic after the tail)
            if rest.isdisjoint(group):
                return None
            score += 1.5
        elif not before.isdisjoint(group):
            score += 1.0
            borrowed = True
        elif rule.paragraph_topic and _occurs_in(group, paragraph()):
            score += 0.5  # the paragraph's topic (行政复议 ... 审结76件 in the next sentence)
            borrowed = True
        else:
            return None
    if borrowed and not (before if vetoes_before is None else vetoes_before).isdisjoint(rule.none_before):
        return None  # the sentence's earlier clauses name another topic (受理人民调解案件X件,调解成功率Y%)
    if not tail.isdisjoint(rule.near):
        score += 3.0
    elif not after.isdisjoint(rule.near):
        score += 1.5
    return score + rule.specificity


_SENTENCE_MARK = "\x00"  # between the paragraph and the sentence in the text given to _campaign_named
_CAMPAIGN_CLAUSE_END = re.compile("[,，:：;；。、\x00]")
_DIGITS = re.compile(r"\d")


def _campaign_named(terms: tuple[str, ...], earlier: str) -> bool:
    """Is a campaign (清理) named, and not counted, in ``earlier`` (the paragraph before a number's sentence,
    _SENTENCE_MARK, its sentence before the number)? Named: one of ``terms`` stands in the sentence, or in the
    paragraph before it with no number after it there (its results not given yet); not counted: no number follows
    it in its clause (开展规范性文件清理，宣布失效5件: the results are the campaign's figures; 共清理208件，宣布失效35件:
    the campaign's own count is given, and the results are its breakdown)."""
    mark = earlier.rfind(_SENTENCE_MARK)
    for term in terms:
        pos = earlier.rfind(term)
        if pos < 0:
            continue
        end = _CAMPAIGN_CLAUSE_END.search(earlier, pos + len(term))
        if _DIGITS.search(earlier, pos + len(term), end.start() if end else len(earlier)):
            continue  # counted
        if pos > mark or not _DIGITS.search(earlier, pos, mark):
            return True
    return False


def _occurs_in(terms: frozenset[str], s: str) -> bool:
    """Does one of ``terms`` occur in ``s``? (For the few groups looked up in the paragraph, a substring
    test per term is cheaper than finding every cue term of the paragraph with the automaton.)"""
    for term in terms:  # noqa: SIM110 (a loop: any() over a generator costs more per call)
        if term in s:
            return True
    return False


@cache
def _tokenizer() -> Any:
    """An isolated jieba tokenizer with the domain lexicon and every catalogue cue term."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    lexicon = CONFIG_DIR / "lexicon" / "domain_words.txt"
    for line in lexicon.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not line.startswith("#"):
            tok.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None)
    for ind in load_catalogue().indicators:
        for term in {t for g in ind.all_of for t in g} | set(ind.near):
            if len(term) >= 2:
                tok.add_word(term, 500)
    return tok


# jieba's own block and word patterns (jieba.re_han_default, re_skip_default, re_eng)
_JIEBA_HAN = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
_JIEBA_SKIP = re.compile("(\r\n|\\s)")
_JIEBA_ENG = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@cache
def _log_weights() -> dict[str, float]:
    """log(frequency) - log(total) of the words segmented so far (filled on use: the same floats as
    jieba's ``calc`` computes for each edge)."""
    return {}


def segment(s: str) -> list[tuple[str, int, int]]:
    """(word, start, end) of every word of ``s``: the same cut as ``_tokenizer().tokenize(s, HMM=False)``
    (jieba's dictionary-mode DAG and best route, the same tie-breaks and the same merging of single
    letters and digits), about three times faster (no generators, no per-call set-up, log weights
    looked up instead of recomputed)."""
    tok = _tokenizer()
    freq, weights = tok.FREQ, _log_weights()
    logtotal = log(tok.total)
    out: list[tuple[str, int, int]] = []
    pos = 0
    for block in _JIEBA_HAN.split(s):
        if not block:
            continue
        if not _JIEBA_HAN.match(block):
            for piece in _JIEBA_SKIP.split(block):
                if _JIEBA_SKIP.match(piece):
                    out.append((piece, pos, pos + len(piece)))
                    pos += len(piece)
                else:
                    for ch in piece:
                        out.append((ch, pos, pos + 1))
                        pos += 1
            continue
        n = len(block)
        # the DAG: for each start, the ends of the dictionary words starting there (itself when none)
        dag = []
        for k in range(n):
            ends = []
            i, frag = k, block[k]
            while i < n and frag in freq:
                if freq[frag]:
                    ends.append(i)
                i += 1
                frag = block[k:i + 1]
            dag.append(ends or [k])
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best: tuple[float, int] | None = None
            for x in dag[idx]:
                word = block[idx:x + 1]
                weight = weights.get(word)
                if weight is None:
                    weight = weights[word] = log(freq.get(word) or 1) - logtotal
                candidate = (weight + route[x + 1][0], x)
                if best is None or candidate > best:
                    best = candidate
            route[idx] = best  # type: ignore[assignment]
        x, buf = 0, ""
        while x < n:
            y = route[x][1] + 1
            word = block[x:y]
            if len(word) == 1 and word in _JIEBA_ENG:
                buf += word
            else:
                if buf:
                    out.append((buf, pos, pos + len(buf)))
                    pos += len(buf)
                    buf = ""
                out.append((word, pos, pos + len(word)))
                pos += len(word)
            x = y
        if buf:
            out.append((buf, pos, pos + len(buf)))
            pos += len(buf)
    return out


SEGMENT_WINDOW = 12  # characters on either side of a quantity segmented by boundary_ok
QUALIFIER_TAILS = frozenset(("内", "以内", "以上", "左右", "余", "多"))
RARE_WORD_FREQ = 10  # a word this rare across a measure word's end does not cut it (家协会 in 2512家协会)
MAX_WORD_CHARS = 8  # longer dictionary words are not considered when looking for a word across an edge


def _word_across(text: str, pos: int, freq: dict[str, int]) -> bool:
    """Is there a dictionary word ``text[i:j]`` with ``i < pos < j``? (jieba's FREQ holds every
    word and, with count 0, every prefix of a word, so ``text[i:pos + 1]`` must be in it for a word
    from ``i`` to cross ``pos``, and each scan stops at the first non-prefix.)"""
    for i in range(pos - 1, max(-1, pos - MAX_WORD_CHARS), -1):
        j = pos + 1
        while j <= len(text) and j - i <= MAX_WORD_CHARS:
            count = freq.get(text[i:j])
            if count is None:
                break
            if count > 0:
                return True
            j += 1
    return False


@cache
def _edge_pairs() -> tuple[frozenset[str], frozenset[str]]:
    """Adjacent character pairs inside dictionary words that could straddle a quantity's edge:
    (any, numeral) pairs for the start edge, (measure-word character, any) pairs for the end edge.
    A word can only cross an edge if it contains the two characters on either side of it."""
    from pipeline.extract.quantities import rules

    r = rules()
    numeral_chars = set(r["cn_chars"]) | set("0123456789")
    unit_chars = {w[-1] for w in r["words"]}
    starts, ends = set(), set()
    for word, count in _tokenizer().FREQ.items():
        if count <= 0 or len(word) < 2:
            continue
        for a, b in pairwise(word):
            if b in numeral_chars:
                starts.add(a + b)
            if a in unit_chars:
                ends.add(a + b)
    return frozenset(starts), frozenset(ends)


def boundary_ok(text: str, q: Quantity, ctx: Context) -> bool:
    """True when the quantity's span starts and ends on word boundaries of jieba's segmentation
    (dictionary mode, domain lexicon included) of its sentence.

    Segmentation runs only where needed: when no dictionary word crosses either edge, no segmentation
    can cut there, so jieba is called only for the few quantities with a word across an edge.
    """
    start_pair, end_pair = text[max(0, q.start - 1):q.start + 1], text[q.end - 1:q.end + 1]
    if (len(start_pair) == 2 and start_pair.isascii() and start_pair.isalnum()) or (
            len(end_pair) == 2 and end_pair.isascii() and end_pair.isalnum()):
        return False  # jieba keeps runs of ASCII letters and digits together
    starts, ends = _edge_pairs()
    if start_pair not in starts and end_pair not in ends:
        return True  # no dictionary word holds the characters on either side of an edge
    tok = _tokenizer()
    crossed = (start_pair in starts and _word_across(text, q.start, tok.FREQ)) or (
        end_pair in ends and _word_across(text, q.end, tok.FREQ))
    if not crossed:
        return True
    # segment the sentence around the quantity (a window wide enough that its own edges, clipped to
    # the sentence, do not change how the words at the quantity's edges are cut)
    lo = max(ctx.sentence_start, q.start - SEGMENT_WINDOW)
    hi = min(ctx.sentence_end, q.end + SEGMENT_WINDOW)
    bounds = {0, hi - lo}
    # a word from inside the quantity across its end that is rare (2512|家协会|商会) or only adds a
    # qualifier (5个|工作日内) does not cut the measure word
    rare_merge = False
    q_start, q_end = q.start - lo, q.end - lo
    for word, start, end in segment(text[lo:hi]):
        bounds.add(start)
        bounds.add(end)
        if q_start < start < q_end < end and (tok.FREQ.get(word, 0) < RARE_WORD_FREQ
                                             or word[q_end - start:] in QUALIFIER_TAILS):
            rare_merge = True
    return (q.start - lo) in bounds and ((q.end - lo) in bounds or rare_merge)
