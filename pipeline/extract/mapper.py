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
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.extract.catalogue import Indicator, load_catalogue
from pipeline.extract.quantities import Quantity
from pipeline.settings import CONFIG_DIR

SENTENCE_END = re.compile(r"[。；;!?！？\n]")
CLAUSE_END = re.compile(r"[。；;!?！？\n,，、:：]")
_TITLES = re.compile(r"《[^》\n]{0,80}》")
POST_WINDOW = 12
NEAR_WINDOW = 8


@dataclass(frozen=True)
class Context:
    sentence_start: int
    sentence_end: int
    clause_start: int
    before_sentence: str  # sentence text before the clause
    clause: str  # clause text before the number
    after: str  # text after the number, to the clause end (at most POST_WINDOW chars)


def context_of(text: str, q: Quantity) -> Context:
    s_start = q.start
    while s_start > 0 and not SENTENCE_END.match(text[s_start - 1]):
        s_start -= 1
    s_end = q.end
    while s_end < len(text) and not SENTENCE_END.match(text[s_end]):
        s_end += 1
    c_start = q.start
    while c_start > s_start and not CLAUSE_END.match(text[c_start - 1]):
        c_start -= 1
    after_end = q.end
    while after_end < min(s_end, q.end + POST_WINDOW) and not CLAUSE_END.match(text[after_end]):
        after_end += 1

    def blank_titles(s: str) -> str:
        return _TITLES.sub(lambda m: "#" * len(m.group(0)), s)

    return Context(s_start, s_end, c_start, blank_titles(text[s_start:c_start]), blank_titles(text[c_start:q.start]),
                   blank_titles(text[q.end:after_end]))


def _score(ind: Indicator, q: Quantity, ctx: Context) -> float | None:
    if q.unit not in ind.allowed_units or not ind.all_of:
        return None
    local = ctx.clause + " " + ctx.after
    if any(term in local for term in ind.none_of):
        return None
    score = 0.0
    local_hit = False
    for group in ind.all_of:
        if any(term in local for term in group):
            score += 2.0
            local_hit = True
        elif any(term in ctx.before_sentence for term in group):
            score += 1.0
        else:
            return None
    if not local_hit:
        return None  # the quantity's own clause must name part of the indicator
    tail = ctx.clause[-NEAR_WINDOW:]
    if any(term in tail for term in ind.near):
        score += 3.0
    elif any(term in ctx.after for term in ind.near):
        score += 1.5
    # more specific rules (more groups) win ties
    return score + 0.1 * len(ind.all_of)


def map_indicator(text: str, q: Quantity, ctx: Context | None = None) -> tuple[str | None, float]:
    """Return (indicator code or None, match score)."""
    if q.kind not in ("count", "rate", "money", "duration"):
        return None, 0.0
    ctx = ctx or context_of(text, q)
    best: tuple[float, str] | None = None
    for ind in load_catalogue().indicators:
        score = _score(ind, q, ctx)
        if score is not None and (best is None or score > best[0]):
            best = (score, ind.code)
    return (best[1], best[0]) if best else (None, 0.0)


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


def boundary_ok(text: str, q: Quantity, ctx: Context) -> bool:
    """True when the quantity's span starts and ends on jieba word boundaries of its sentence."""
    sentence = text[ctx.sentence_start:ctx.sentence_end]
    bounds = {0, len(sentence)}
    for _word, start, end in _tokenizer().tokenize(sentence):
        bounds.add(start)
        bounds.add(end)
    return (q.start - ctx.sentence_start) in bounds and (q.end - ctx.sentence_start) in bounds
