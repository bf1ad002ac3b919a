"""Map a quantity to an indicator code (or none) from the words around it.

For each quantity: the sentence before it (titles in 《》 blanked out), its own clause, and a short
window after it are searched for each indicator's cue groups (``configs/indicators.yaml``). An
indicator matches when its measure word is allowed, every ``all_of`` group has a term present and
no ``none_of`` term stands in the quantity's own clause. The best-scoring match wins; cue terms in
the quantity's own clause score higher than terms earlier in the sentence.

Spans whose edges cut through a jieba word are rejected (``boundary_ok``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

import numpy as np

from pipeline.extract.catalogue import Indicator, load_catalogue
from pipeline.extract.quantities import Quantity
from pipeline.settings import CONFIG_DIR

_SENTENCE_CHARS = "。；;!?！？\n"  # end a sentence
_CLAUSE_CHARS = _SENTENCE_CHARS + ",，、:："  # end a clause
_TITLES = re.compile(r"《[^》\n]{0,80}》")
POST_WINDOW = 12
PARAGRAPH_WINDOW = 160  # earlier sentences of the paragraph that can set the topic
NEAR_WINDOW = 8


@dataclass(slots=True)
class Context:
    sentence_start: int
    sentence_end: int
    clause_start: int
    before_paragraph: str  # the same paragraph's text before the sentence (at most PARAGRAPH_WINDOW chars)
    before_sentence: str  # sentence text before the clause
    clause: str  # clause text before the number
    after: str  # text after the number, to the clause end (at most POST_WINDOW chars)


@dataclass(frozen=True)
class TextIndex:
    """Sentence and clause break positions of one text, computed once per document."""

    sentence_breaks: list[int]
    clause_breaks: list[int]


_CLAUSE_CODES = np.array([ord(c) for c in _CLAUSE_CHARS], dtype=np.uint32)
_SENTENCE_CODES = np.array([ord(c) for c in _SENTENCE_CHARS], dtype=np.uint32)


def index_text(text: str) -> TextIndex:
    """Sentence and clause break positions, from one vectorised scan of the text's code points."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    clause_breaks = np.flatnonzero(np.isin(codes, _CLAUSE_CODES))
    sentence_breaks = clause_breaks[np.isin(codes[clause_breaks], _SENTENCE_CODES)]
    return TextIndex(sentence_breaks.tolist(), clause_breaks.tolist())


def _blank_titles(s: str) -> str:
    return _TITLES.sub(lambda m: "#" * len(m.group(0)), s) if "《" in s else s


def context_of(text: str, q: Quantity, index: TextIndex | None = None) -> Context:
    """The sentence, clause and short tail around a quantity (book titles blanked with ``#``)."""
    index = index or index_text(text)
    sb, cb = index.sentence_breaks, index.clause_breaks
    i = bisect_left(sb, q.start)
    s_start = sb[i - 1] + 1 if i > 0 else 0
    j = bisect_left(sb, q.end)
    s_end = sb[j] if j < len(sb) else len(text)
    k = bisect_left(cb, q.start)
    c_start = max(s_start, cb[k - 1] + 1 if k > 0 else 0)
    m = bisect_left(cb, q.end)
    after_end = min(cb[m] if m < len(cb) else len(text), s_end, q.end + POST_WINDOW)
    after_end = max(after_end, q.end)
    line_start = text.rfind("\n", 0, s_start) + 1
    p_start = max(line_start, s_start - PARAGRAPH_WINDOW)
    return Context(s_start, s_end, c_start, _blank_titles(text[p_start:s_start]), _blank_titles(text[s_start:c_start]),
                   _blank_titles(text[c_start:q.start]), _blank_titles(text[q.end:after_end]))


@dataclass(frozen=True)
class _CueIndex:
    """Every cue term of the catalogue in one Aho-Corasick automaton, and which indicators use it."""

    automaton: Any
    indicators_by_term: dict[str, tuple[Indicator, ...]]
    units: frozenset[str]  # every measure word some indicator allows

    def terms_in(self, s: str) -> set[str]:
        """All cue terms occurring in ``s`` (overlapping occurrences included)."""
        if not s:
            return set()
        return {term for _end, term in self.automaton.iter(s)}


@cache
def _cue_index() -> _CueIndex:
    import ahocorasick

    by_term: dict[str, list[Indicator]] = {}
    automaton = ahocorasick.Automaton()
    for ind in load_catalogue().indicators:
        for term in {t for g in ind.all_of for t in g} | set(ind.none_of) | set(ind.near):
            by_term.setdefault(term, []).append(ind)
            automaton.add_word(term, term)
    automaton.make_automaton()
    units = frozenset(u for ind in load_catalogue().indicators if ind.all_of for u in ind.allowed_units)
    return _CueIndex(automaton, {t: tuple(inds) for t, inds in by_term.items()}, units)


@dataclass(slots=True)
class _Found:
    """Cue terms found in each part of a quantity's context."""

    local: set[str]  # the quantity's clause and the short tail after it
    before: set[str]  # the sentence before the clause
    tail: set[str]  # the last NEAR_WINDOW characters before the number
    after: set[str]
    paragraph_text: str  # earlier sentences of the paragraph; searched only when a cue is missing
    _paragraph: set[str] | None = None

    @property
    def paragraph(self) -> set[str]:
        if self._paragraph is None:
            self._paragraph = _cue_index().terms_in(self.paragraph_text)
        return self._paragraph


def _score(ind: Indicator, q: Quantity, found: _Found) -> float | None:
    if q.unit not in ind.allowed_units or not ind.all_of:
        return None
    if not found.local.isdisjoint(ind.none_of):
        return None
    score = 0.0
    local_hit = False
    for group in ind.all_of:
        if not found.local.isdisjoint(group):
            score += 2.0
            local_hit = True
        elif not found.before.isdisjoint(group):
            score += 1.0
        elif not found.paragraph.isdisjoint(group):
            score += 0.5  # the paragraph's topic (行政复议 ... 审结76件 in the next sentence)
        else:
            return None
    if not local_hit:
        return None  # the quantity's own clause must name part of the indicator
    if not found.tail.isdisjoint(ind.near):
        score += 3.0
    elif not found.after.isdisjoint(ind.near):
        score += 1.5
    # more specific rules (more groups) win ties
    return score + 0.1 * len(ind.all_of)


def map_indicator(text: str, q: Quantity, ctx: Context | None = None) -> tuple[str | None, float]:
    """Return (indicator code or None, match score)."""
    if q.kind not in ("count", "rate", "money", "duration"):
        return None, 0.0
    cues = _cue_index()
    if q.unit not in cues.units:
        return None, 0.0  # no indicator takes this measure word
    ctx = ctx or context_of(text, q)
    # one automaton pass over "before|clause|after"; each match is sorted by where it ends
    joined = f"{ctx.before_sentence}\x00{ctx.clause}\x00{ctx.after}"
    clause_from = len(ctx.before_sentence) + 1
    after_from = clause_from + len(ctx.clause) + 1
    tail_from = max(clause_from, after_from - 1 - NEAR_WINDOW)
    before: set[str] = set()
    local: set[str] = set()
    tail: set[str] = set()
    after: set[str] = set()
    for end, term in cues.automaton.iter(joined):
        if end < clause_from:
            before.add(term)
        else:
            local.add(term)
            if end >= after_from:
                after.add(term)
            elif end - len(term) + 1 >= tail_from:
                tail.add(term)
    if not local:
        return None, 0.0  # the own clause must name part of an indicator
    found = _Found(local, before, tail, after, ctx.before_paragraph)
    candidates = {ind.code: ind for term in local for ind in cues.indicators_by_term[term]}
    best: tuple[float, int, str] | None = None
    for ind in candidates.values():
        score = _score(ind, q, found)
        # ties go to the indicator listed first in the catalogue
        if score is not None and (best is None or (score, -ind.number) > best[:2]):
            best = (score, -ind.number, ind.code)
    return (best[2], best[0]) if best else (None, 0.0)


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


SEGMENT_WINDOW = 12  # characters on either side of a quantity segmented by boundary_ok
MAX_WORD_CHARS = 8  # longer dictionary words are not considered when looking for a word across an edge


def _word_across(text: str, pos: int, freq: dict[str, int]) -> bool:
    """Is there a dictionary word ``text[i:j]`` with ``i < pos < j``? (jieba's FREQ holds every
    word and, with count 0, every prefix of a word, so each scan stops at the first non-prefix.)"""
    for i in range(pos - 1, max(-1, pos - MAX_WORD_CHARS), -1):
        j = i + 1
        while j <= len(text) and j - i <= MAX_WORD_CHARS:
            count = freq.get(text[i:j])
            if count is None:
                break
            if count > 0 and j > pos:
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
    for _word, start, end in tok.tokenize(text[lo:hi], HMM=False):
        bounds.add(start)
        bounds.add(end)
    return (q.start - lo) in bounds and (q.end - lo) in bounds
