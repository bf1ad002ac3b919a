"""Faster ``search`` for configured patterns: a look-ahead for the characters a match can start with.

Python's regex engine tries every alternative of a pattern at every position of the text, unless the
pattern starts with a literal or a character set. Configured cue patterns such as
``\\d{4}...年|[一二三]年间|累计|截至|(?<!今年)以来|...`` do not, so ``search`` over a sentence tried twenty
alternatives at each character. ``with_start_filter`` puts ``(?=[...])`` in front, listing every
character a match can start with (read from the parsed pattern); the engine then skips all other
positions cheaply. What matches is unchanged: the look-ahead only rules out positions where no match
can start. When those characters cannot be listed (the pattern can match an empty string, or starts
with ``.``, a negated set, a back-reference, a scoped flag ...), the pattern is returned as it is.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]  # the parsed-pattern opcodes (CPython)
from re import _parser  # type: ignore[attr-defined]
from typing import Any

_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)  # anchors and look-arounds consume no character
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def _set_items(items: list[tuple[Any, Any]]) -> list[str] | None:
    """A parsed character set ``[...]`` written back as set items, or None (negated or unusual sets)."""
    out = []
    for op, av in items:
        if op is sre.LITERAL:
            out.append(re.escape(chr(av)))
        elif op is sre.RANGE:
            out.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is sre.CATEGORY and av in _CATEGORIES:
            out.append(_CATEGORIES[av])
        else:
            return None
    return out


def _first_chars(sequence: Any) -> tuple[list[str], bool] | None:
    """(set items covering every first character of a match of ``sequence``, whether it can match an
    empty string), or None when they cannot be listed."""
    items: list[str] = []
    for op, av in sequence:
        if op in _ZERO_WIDTH:
            continue
        if op is sre.LITERAL:
            return [*items, re.escape(chr(av))], False
        if op is sre.IN:
            in_set = _set_items(av)
            return None if in_set is None else ([*items, *in_set], False)
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            inner = None if add_flags or del_flags else _first_chars(sub)
        elif op is sre.ATOMIC_GROUP:
            inner = _first_chars(av)
        elif op is sre.BRANCH:
            alternatives = [_first_chars(alternative) for alternative in av[1]]
            if any(a is None for a in alternatives):
                return None
            inner = ([i for a in alternatives if a for i in a[0]], any(a[1] for a in alternatives if a))
        elif op in _REPEATS:
            low, _high, sub = av
            repeated = _first_chars(sub)
            inner = None if repeated is None else (repeated[0], repeated[1] or low == 0)
        else:
            return None  # any character (.), a negated literal, a back-reference ...
        if inner is None:
            return None
        items += inner[0]
        if not inner[1]:
            return items, False
    return items, True  # every part can be skipped: the pattern can match an empty string


def with_start_filter(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with a look-ahead for the characters its matches can start with (same matches)."""
    if pattern.flags & re.VERBOSE:
        return pattern  # a trailing comment would swallow the closing parenthesis
    try:
        first = _first_chars(_parser.parse(pattern.pattern, pattern.flags))
        if first is None or first[1] or not first[0]:
            return pattern
        return re.compile(f"(?=[{''.join(dict.fromkeys(first[0]))}])(?:{pattern.pattern})", pattern.flags)
    except (re.error, ValueError, TypeError, AttributeError):
        return pattern  # e.g. global inline flags (?i) that must stay at the start


_CONTEXT_OPS = (sre.AT, sre.ASSERT, sre.ASSERT_NOT, sre.GROUPREF_EXISTS)  # look at text outside the match


def _reads_context(items: Any) -> bool:
    for op, av in items:
        if op in _CONTEXT_OPS:
            return True
        if op is sre.SUBPATTERN and _reads_context(av[3]):
            return True
        if op is sre.ATOMIC_GROUP and _reads_context(av):
            return True
        if op is sre.BRANCH and any(_reads_context(alternative) for alternative in av[1]):
            return True
        if op in _REPEATS and _reads_context(av[2]):
            return True
    return False


def matches_only_its_own_text(pattern: re.Pattern[str]) -> bool:
    """True when whether ``pattern`` matches a stretch of text depends on that stretch alone: no anchor,
    word boundary or look-around. Then a match found in a slice is a match at the same place in the
    whole text, and the other way round for matches that lie inside the slice."""
    try:
        return not _reads_context(_parser.parse(pattern.pattern, pattern.flags))
    except (re.error, ValueError, TypeError, AttributeError):
        return False
