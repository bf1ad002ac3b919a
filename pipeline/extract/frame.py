"""The frame of a quantity: who did what to what, and what role the number plays (issue 19).

Input: the text, a ``Quantity`` and its ``Context`` (sentence and clause). Output: a ``Frame`` with the
action verb, the counted noun, the measure word, the body it is about (system-wide totals only), its
role and the rule that decided the role. Roles:

- ``flow``            the year's work (审查规范性文件85件), the default;
- ``stock``           a standing count (全市执法人员达到6800人), or a department's system-wide total;
- ``before``/``after``  the two ends of a change (由520项精简至317项); ``derived`` is made by the extractor;
- ``part_of``         a part of a total read earlier in the sentence (其中…68件);
- ``plan_structure``  the structure of a plan (制定7个方面58项措施);
- ``stated_zero``     a zero stated in words (未发生…败诉案件), found by ``stated_zeros``;
- ``excluded``        a number that is no quantity, with ``exclude_reason`` (set by the quantity finder).

Lexicons and cues are data in ``configs/extraction.yaml`` (``frame``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from itertools import compress
from typing import Any

from pipeline.config import load_config
from pipeline.extract.catalogue import light_verbs
from pipeline.extract.mapper import LIST_BREAKS, Context, Sentence, _title_spans, fronted_object
from pipeline.extract.quantities import Quantity, parse_number

ROLES = ("flow", "stock", "before", "after", "derived", "part_of", "stated_zero", "plan_structure", "excluded")
_COORDINATORS = frozenset("、和及与并")  # verbs joined by these are one coordinated verb (制定、修改; 受理并公开)
_LIST_BREAK = re.compile(f"[{LIST_BREAKS}]")  # a 、 list runs between these (mapper.LIST_BREAKS)
_LEVEL_LINKS = frozenset("至到为")  # the last character of every level_reached cue (checked first: cheap)
_PHRASE_STOP = re.compile(r"[\d，。；,;、:：()（）“”\"\n]")  # a noun phrase ends at these
MAX_NOUN_CHARS = 12  # longer than any noun of the lexicon
NOUN_AFTER_CHARS = 16  # how far after the measure word its noun phrase may run (36个行政审批单位)


@dataclass(slots=True)
class Frame:
    verb: str | None  # coordinated verbs are joined by 、 (制定、修改)
    noun: str | None
    measure_word: str | None
    role: str
    frame_rule: str
    body: str | None = None
    verb_local: bool = True  # the verb stands in the quantity's own clause (else borrowed from the sentence)
    phrase: str = ""  # the noun phrase after the measure word (indicators' none_of terms veto from it too)


@cache
def frame_rules() -> dict[str, Any]:
    """The compiled ``frame`` section of ``configs/extraction.yaml``."""
    cfg = load_config("extraction")["frame"]
    return {
        "verbs": frozenset(cfg["verbs"]),
        "nouns": frozenset(cfg["nouns"]),
        "plan_nouns": frozenset(cfg["plan_structure_nouns"]),
        "plan_before_units": frozenset(cfg["plan_before_units"]),
        "plan_make_verbs": frozenset(cfg["plan_make_verbs"]),
        "stock_cue": re.compile(cfg["stock_cue"]),
        "stock_verbs": frozenset(cfg["stock_verbs"]),
        "stock_units": frozenset(cfg["stock_units"]),
        "stock_durations": frozenset(cfg["stock_durations"]),
        "stock_nouns": frozenset(cfg["stock_nouns"]),
        "pair_before": re.compile(cfg["pair_before"]),
        "pair_link": re.compile(cfg["pair_link"]),
        "pair_next": re.compile(cfg["pair_next"]),
        "part_cue": cfg["part_cue"],
        # searched over whole texts: it starts with an alternation of literals, which the regex engine
        # already skips to quickly (a look-ahead from regex_filter made it three times slower)
        "stated_zero": re.compile(cfg["stated_zero"]),
        "stated_zero_units": [(e["noun_ending"], e["unit"]) for e in cfg["stated_zero_units"]],
        "system_body": re.compile(cfg["system_body"]),
        "examples_of_units": re.compile(cfg["examples_of_units"]) if cfg.get("examples_of_units") else None,
        "tier_levels": re.compile(cfg["tier_levels"]),
        "tier_system": re.compile(f"(?:{cfg['tier_system']})"),
        "year_runs": re.compile(cfg["year_runs"]),
        "rate_change": re.compile(cfg["rate_change"]),
        "level_reached": re.compile(cfg["level_reached"]),
    }


class SentenceLexicon:
    """The verbs and nouns of one sentence (one automaton pass, shared by its quantities). Each kind keeps
    its occurrences (index of the last character, word) ordered by where they end and, at the same end,
    longest first."""

    __slots__ = ("_list_breaks", "_noun_heads", "end", "noun_lasts", "noun_starts", "noun_words", "start", "text",
                 "verb_lasts", "verb_starts", "verb_words")

    def __init__(self, sentence: Sentence) -> None:
        self.start, self.end, self.text = sentence.start, sentence.end, sentence.text
        self.verb_lasts, self.verb_words, self.noun_lasts, self.noun_words = sentence.lexicon_matches()
        # where each occurrence starts (last + 1 - its length), found by the sentence's automaton pass
        self.verb_starts, self.noun_starts = sentence.lexicon_starts()
        if sentence.has_titles and self.verb_lasts:
            # a verb inside a book title names no action of the sentence (制定《…办法(修订)》等5件政府规章: 制定)
            titles = _title_spans(sentence.text, sentence.start, sentence.end)
            keep = [not any(a <= first and last < b for a, b in titles)
                    for first, last in zip(self.verb_starts, self.verb_lasts, strict=True)]
            if not all(keep):  # (new lists: the sentence's own stay as they are)
                self.verb_lasts = list(compress(self.verb_lasts, keep))
                self.verb_words = list(compress(self.verb_words, keep))
                self.verb_starts = list(compress(self.verb_starts, keep))
        self._list_breaks: list[int] | None = None
        self._noun_heads: frozenset[int] | None = None

    def list_start(self, lo: int, hi: int) -> int:
        """``mapper.list_start(text, lo, hi)`` (0 instead of ``lo`` when no break) for ``lo`` at or after the sentence's start:
        where a 、 list that ``hi`` stands in starts (0 when no list break lies in [lo, hi)); the breaks of the
        sentence are found once."""
        breaks = self._list_breaks
        if breaks is None:
            breaks = self._list_breaks = [m.start() for m in _LIST_BREAK.finditer(self.text, self.start, self.end)]
        i = bisect_left(breaks, hi) - 1
        return breaks[i] + 1 if i >= 0 and breaks[i] >= lo else 0

    def last(self, verb: bool, lo: int, hi: int) -> tuple[str, int] | None:
        """(word, start) of the last verb (or noun, two characters or more) lying inside [lo, hi), the
        longest at its end."""
        if verb:
            lasts, starts, words = self.verb_lasts, self.verb_starts, self.verb_words
        else:
            lasts, starts, words = self.noun_lasts, self.noun_starts, self.noun_words
        i = bisect_left(lasts, hi) - 1  # occurrences ending before hi, the last first
        while i >= 0:
            end = lasts[i]
            if end < lo:
                return None
            if starts[i] >= lo:
                # the words ending here stand longest first: take the longest that still starts inside
                while i > 0 and lasts[i - 1] == end and starts[i - 1] >= lo:
                    i -= 1
                return words[i], starts[i]
            i -= 1
        return None

    def first_verb_start(self, lo: int, hi: int) -> int | None:
        """Where the first verb lying inside [lo, hi) starts, leaving out a verb a noun follows at once
        (处罚 in 行政处罚案卷 is part of the noun)."""
        lasts, starts = self.verb_lasts, self.verb_starts
        best = None
        for k in range(bisect_left(lasts, lo), bisect_left(lasts, hi)):
            begin = starts[k]
            if begin >= lo and (best is None or begin < best) and not self._noun_starts_at(lasts[k] + 1):
                best = begin
        return best

    def _noun_starts_at(self, pos: int) -> bool:
        """Does a noun of the lexicon (of at most MAX_NOUN_CHARS characters) start at ``pos``?"""
        heads = self._noun_heads
        if heads is None:
            heads = self._noun_heads = frozenset(start for start, last in zip(self.noun_starts, self.noun_lasts,
                                                                              strict=True)
                                                 if last - start < MAX_NOUN_CHARS)
        return pos in heads

    def noun_after(self, lo: int, hi: int) -> str | None:
        """The counted noun of the phrase [lo, hi) after a measure word: its last noun of two characters
        or more, else a one-character noun right at its start (14个省)."""
        found = self.last(False, lo, hi)
        if found is not None:
            return found[0]
        if lo < hi and self.text[lo] in _one_char_nouns():
            return self.text[lo]
        return None


@cache
def _verbs() -> frozenset[str]:
    return frozenset(load_config("extraction")["frame"]["verbs"])


@cache
def _one_char_nouns() -> frozenset[str]:
    """One-character nouns (省, 市): not in the automaton (they would match everywhere), checked in place."""
    return frozenset(n for n in load_config("extraction")["frame"]["nouns"] if len(n) == 1)


@cache
def _nouns() -> frozenset[str]:
    return frozenset(load_config("extraction")["frame"]["nouns"])


def verb_of(text: str, ctx: Context, lex: SentenceLexicon) -> tuple[str | None, bool]:
    """(the action verb of the quantity, whether it stands in its own clause): the last verb of the
    lexicon before the number in its clause, with the verbs coordinated before it (制定、修改 -> "制定、修改"),
    leaving out a verb right after 行政 (行政处罚决定); after 对, or with no verb before the number in its clause,
    the first verb after its noun (对45件…草案进行合法性审查, 170人通过考试…), else the verb before the 、 list
    the number stands in (审核规范性文件26件、合同17份); else the last one earlier in the sentence (not its own).
    A verb right before 的 only modifies a noun (拟签订的合同) and is taken only when no other verb is there."""
    if not lex.verb_lasts:
        return None, False
    clause_start, sentence_start = ctx.clause_start, lex.start
    if fronted_object(text, ctx.start):
        after = _verb_after_object(ctx, lex) or _verb_after_fronted_clause(text, ctx, lex)
        if after is not None:
            return after, True
    found = _last_verb(text, lex, clause_start, ctx.start)
    if found is None:
        # 170人通过考试取得执法证: no verb before the number in its clause, the verb after its noun is its own
        after = _verb_after_object(ctx, lex) or _verb_after_fronted_clause(text, ctx, lex)
        if after is not None:
            return after, True
        # 审核规范性文件26件、合同17份 / 研究行政立法、执法监督等工作11次: the verb before a 、 list governs it
        list_start = lex.list_start(sentence_start, clause_start)
        found = _last_verb(text, lex, max(sentence_start, list_start), clause_start)
        comma = clause_start - 1
        if found is None and comma - 2 >= sentence_start and text[comma] in ("，", ",") \
                and text[comma - 1] == text[ctx.end - 1] and text[comma - 2].isdigit():
            # 保留行政权力事项3537项，行政许可事项256项: a clause of a noun and a count in the same measure word right
            # after a count shares that count's verb
            before_start = lex.list_start(sentence_start, comma)
            found = _last_verb(text, lex, max(sentence_start, before_start), comma)
    if found is None:
        earlier = lex.last(True, sentence_start, clause_start)
        return (earlier[0] if earlier else None), False
    verbs = [found[0]]
    begin = found[1]
    while begin - 2 >= sentence_start and text[begin - 1] in _COORDINATORS:
        before = lex.last(True, sentence_start, begin - 1)
        if before is None or before[1] + len(before[0]) != begin - 1:
            break
        verbs.insert(0, before[0])
        begin = before[1]
    return "、".join(verbs), True


def _last_verb(text: str, lex: SentenceLexicon, lo: int, hi: int) -> tuple[str, int] | None:
    """The last verb in [lo, hi), leaving out one right after 行政 (frame.noun_prefixes), which names the kind of
    a noun (公开行政处罚决定75件: the verb is 公开, 行政处罚决定 its object). A verb right before 的 or a noun
    may only modify that noun (审查…拟签订的合同、协议59件; 承接上级下放事项15项): an earlier verb that is no light
    verb is taken before it, else it is the verb (审查规范性文件26件; 保留的政务服务事项515项). A verb joined to
    another by 并/、 (受理并审查) is a verb of its own."""
    found = lex.last(True, lo, hi)
    modifier = None
    prefixes, longest = _noun_prefixes(), _longest_noun_prefix()
    while found is not None:
        word, start = found
        end = start + len(word)
        if (text.endswith(prefixes, 0, start) if start >= longest
                else any(text.startswith(p, start - len(p)) for p in prefixes)):
            pass  # 行政处罚决定: part of a noun
        elif modifier is None and text[start - 1:start] not in _COORDINATORS and (
                text.startswith("的", end) or lex._noun_starts_at(end)):
            modifier = found
        elif modifier is not None and word in light_verbs():
            return modifier  # 组织审核规范性文件: a light verb does not displace it
        else:
            return found
        found = lex.last(True, lo, start)
    return modifier


@cache
def _noun_prefixes() -> tuple[str, ...]:
    return tuple(load_config("extraction")["frame"]["noun_prefixes"])


@cache
def _longest_noun_prefix() -> int:
    """From this position on, ``text.endswith(prefixes, 0, pos)`` is the per-prefix ``startswith`` test."""
    return max(map(len, _noun_prefixes()), default=0)


def _verb_after_fronted_clause(text: str, ctx: Context, lex: SentenceLexicon) -> str | None:
    """The verb after the clause of an object fronted by 对 that holds no verb of its own (对市级214项行政许可事项，通过
    直接下放、委托办理等形式下放 -> 下放): the first one later in the sentence, as ``_verb_after_object`` finds it."""
    if text[ctx.clause_end:ctx.clause_end + 1] not in ("，", ",") or not (
            text[ctx.clause_start] == "对" or fronted_object(text, ctx.start)):
        return None
    return _verb_after_object(ctx, lex, ctx.sentence_end)


def _verb_after_object(ctx: Context, lex: SentenceLexicon, hi: int | None = None) -> str | None:
    """The verb of a quantity fronted by 对 (对45件重大行政决策事项草案进行合法性审查 -> 合法性审查): the first verb
    of the lexicon after the number in its clause (before ``hi`` when given) that is no light verb (进行, 开展 …)
    and no part of a noun (处罚 in 行政处罚案件), the longest at its end."""
    lasts, words, light = lex.verb_lasts, lex.verb_words, light_verbs()
    for k in range(bisect_left(lasts, ctx.end), bisect_left(lasts, ctx.clause_end if hi is None else hi)):
        word = words[k]
        if lasts[k] - len(word) + 1 >= ctx.end and word not in light and not lex._noun_starts_at(lasts[k] + 1):
            return word
    return None


def noun_of(text: str, q: Quantity, ctx: Context, lex: SentenceLexicon) -> tuple[str | None, bool, str]:
    """(the counted noun, whether it follows the measure word, the noun phrase after the measure word).

    The phrase after the measure word runs to the next clause break, number or verb (at most
    NOUN_AFTER_CHARS characters: 36个行政审批单位进驻 -> 行政审批单位); its last lexicon noun is the counted
    noun (27项省政府部门行政审批中介服务事项 -> 事项). Without one, the last noun of two characters or more
    before the number in its clause is (审查规范性文件85件; 省 and 市 count only after the measure word)."""
    end = q.end
    limit = min(end + NOUN_AFTER_CHARS, lex.end)
    stop = _PHRASE_STOP.search(text, end, limit)
    phrase_end = stop.start() if stop else limit
    verb_start = lex.first_verb_start(end, phrase_end) if lex.verb_lasts else None
    if verb_start is not None:
        phrase_end = verb_start
    noun = lex.noun_after(end, phrase_end)
    if noun is not None:
        return noun, True, text[end:phrase_end]
    before = lex.last(False, ctx.clause_start, ctx.start)
    return (before[0] if before else None), False, text[end:phrase_end]


def frame_of(text: str, q: Quantity, ctx: Context, after_part_cue: bool, admin_level: str | None = None,
             previous_before: int | None = None, lex: SentenceLexicon | None = None) -> Frame:
    """The frame of one (not excluded) quantity. ``after_part_cue``: a 其中 stands between a quantity read
    earlier in the sentence and this one; ``previous_before``: the end of the quantity just before it in
    the sentence when that one opened a pair (role ``before``); ``lex``: the sentence's lexicon words
    (computed here when not given)."""
    r = frame_rules()
    if lex is None:
        lex = SentenceLexicon(ctx.sentence)
    verb, verb_local = verb_of(text, ctx, lex)
    noun, noun_after, phrase = noun_of(text, q, ctx, lex)
    frame = Frame(verb, noun, q.unit, "flow", "role.flow", None, verb_local, phrase)
    if after_part_cue:
        frame.role, frame.frame_rule = "part_of", "role.part_of_total"
        return frame
    examples = r["examples_of_units"]
    if examples is not None:
        list_start = lex.list_start(lex.start, q.start)  # (the sentence's list breaks, found once)
        if examples.match(text, max(lex.start, list_start), q.start):
            # 如甲、乙等市达到年度8次: the figure of some sub-units named as examples, a part of the whole
            frame.role, frame.frame_rule = "part_of", "role.examples_of_units"
            return frame
    lead = text[max(ctx.clause_start, q.start - 8):q.start]
    if ("由" in lead or "从" in lead) and r["pair_before"].search(lead) and r["pair_next"].match(text, q.end, ctx.sentence_end):
        frame.role, frame.frame_rule = "before", "role.pair_before"
        return frame
    if previous_before is not None and r["pair_link"].fullmatch(text, previous_before, q.start):
        frame.role, frame.frame_rule = "after", "role.pair_after"
        return frame
    if q.kind == "count" and text[q.start - 1:q.start] in _LEVEL_LINKS and r["level_reached"].search(
            text, max(ctx.clause_start, q.start - 6), q.start):
        # 行政许可事项精简至250项: the level after a change (its before left unsaid), not the items cut
        frame.role, frame.frame_rule = "after", "role.level_reached"
        return frame
    if (noun_after and noun in r["plan_nouns"]) or q.unit in r["plan_nouns"]:
        frame.role, frame.frame_rule = "plan_structure", "role.plan_structure_noun"
        return frame
    if not noun_after and noun is not None and noun in r["plan_nouns"] and q.unit in r["plan_before_units"] \
            and text.startswith(noun, q.start - len(noun)) \
            and verb is not None and verb_local and any(v in r["plan_make_verbs"] for v in verb.split("、")):
        # 出台推进措施23条 / 制定配套举措24个: the plan's parts named right before their number (形成政策措施16项: results)
        frame.role, frame.frame_rule = "plan_structure", "role.plan_noun_before"
        return frame
    if admin_level == "department":
        body = r["system_body"].search(text, ctx.clause_start, q.start)  # 全国各级行政复议机关共收到申请25万件
        if body is not None:
            frame.body = body.group(0)
            frame.role, frame.frame_rule = "stock", "role.system_total_of_department"
            return frame
    if q.kind == "duration" and q.unit in r["stock_durations"]:
        frame.role, frame.frame_rule = "stock", "role.duration"  # a time limit or span (30分钟办结, 为期4天)
    elif verb_local and verb in r["stock_verbs"]:
        frame.role, frame.frame_rule = "stock", "role.stock_verb"  # 保留行政许可事项218项, 持有执法证件…
    elif (q.unit in r["stock_units"] and (noun is None or noun in r["stock_nouns"]) and not verb_local
            and r["stock_cue"].search(text, ctx.clause_start, q.start)):
        frame.role, frame.frame_rule = "stock", "role.stock_cue"  # 全市执法人员达到6800人; 已持证93人
    elif noun_after and noun in _list_nouns():
        frame.role, frame.frame_rule = "stock", "role.list_size"  # 全面施行180项行政许可事项清单管理
    return frame


def part_cue_governs(text: str, total_end: int, start: int) -> bool:
    """Does a part cue (其中) between a total read earlier in the sentence (ending at ``total_end``) and a
    quantity at ``start`` make it a part of that total? Not when the cue stands inside brackets that close
    before the quantity (法规草案15件（其中新制定3件，修改12件），提请发布的规章11件: 11件 is a new total)."""
    cue = frame_rules()["part_cue"]
    pos = text.rfind(cue, total_end, start)
    if pos < 0:
        return False
    for pair in _part_scope_brackets():
        opening, closing = pair[0], pair[1]
        between = text[pos:start]
        if between.count(closing) > between.count(opening):
            return False  # the bracket around the cue closed before the quantity
    return True


@cache
def _part_scope_brackets() -> tuple[str, ...]:
    return tuple(load_config("extraction")["frame"]["part_scope_brackets"])


@cache
def _list_nouns() -> frozenset[str]:
    """Nouns of a list (清单): a count of them counted after the measure word is the list's size."""
    return frozenset(load_config("extraction")["frame"]["list_nouns"])


def stated_zeros(text: str) -> list[tuple[int, int, str, str]]:
    """Zeros stated in words: (start, end, noun phrase, measure word) of the zero word (无, 未发生 ...) for
    each phrase like 本年度无重大行政决策事项 (项) / 未发生行政诉讼败诉案件 (件)."""
    r = frame_rules()
    units = r["stated_zero_units"]
    return [(m.start("zero"), m.end("zero"), m.group("noun"),
             next((u for ending, u in units if m.group("noun").endswith(ending)), "件"))
            for m in r["stated_zero"].finditer(text)]


_TIER_NUMERALS = frozenset("两二三四五")
TIER_LIST_CHARS = 24  # how far back a list of tiers may start


def tier_levels(text: str) -> list[tuple[int, int, float]]:
    """Tiers of government counted after a list of them (省、市、县三级 -> 3; 市、区两级 -> 2), or before a
    tiered structure (向三级体系延伸, 四级相互衔接: ``tier_system``): (start, end, value) of the numeral +
    级. (Each 级 is found with str.find and its numeral checked first; the list is looked for before
    it only then.)"""
    found = []
    rules = frame_rules()
    pattern, system = rules["tier_levels"], rules["tier_system"]
    pos = text.find("级", 1)
    while pos >= 0:
        if text[pos - 1] in _TIER_NUMERALS:
            end = pos + 1
            m = pattern.search(text, max(0, pos - 1 - TIER_LIST_CHARS), end)
            while m is not None and m.end() < end:
                m = pattern.search(text, m.end(), end)
            if m is not None and m.end() == end:
                value = parse_number(m.group("num"))
                if value is not None:
                    found.append((m.start("num"), end, value))
            elif system.match(text, end) and (pos < 2 or text[pos - 2] not in _TIER_NUMERALS):
                found.append((pos - 1, end, parse_number(text[pos - 1]) or 0.0))
        pos = text.find("级", pos + 1)
    return found


def year_runs(text: str) -> list[tuple[int, int, float]]:
    """Years in a row (连续三年 -> 3, 连续8年 -> 8): (start, end, value) of the number + 年."""
    if "连续" not in text:
        return []
    found = []
    for m in frame_rules()["year_runs"].finditer(text):
        value = parse_number(m.group("num"))
        if value is not None:
            found.append((m.start("num"), m.end(), value))
    return found
