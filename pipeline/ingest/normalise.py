"""Normalise decoded report text and keep a map from every output character back to the raw text.

Steps, in order (each one optional in effect, each recorded as a flag when it changed something):

1. NFKC (full-width letters, digits and punctuation to their plain forms), line endings, spaces;
2. removal of pinyin glosses after characters (``認(rèn)真`` -> ``認真``);
3. traditional -> simplified (OpenCC ``t2s``) when the text is mostly traditional;
4. removal of web-page chrome lines (headers, footers, ICP lines, widgets);
5. removal of injected spam strings (gambling/SEO runs from mirror sites);
6. removal of a repeated copy of the body.

Input: the decoded raw text. Output: ``NormalisedText`` with ``text``, ``offsets`` (``offsets[i]``
is the index in the raw text of output character ``i``), ``flags`` and the removed spans.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from pipeline.config import load_config

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
# One pinyin syllable (with or without tone marks, precomposed or with combining marks).
_PINYIN_SYLLABLE = (
    rf"(?:[zcs]h|[bpmfdtnlgkhjqxrzcsyw])?[aeiouv{_TONE_VOWELS}\u0300-\u036f]{{1,4}}(?:ng|n|r)?"
)
_PINYIN_GLOSS = re.compile(rf"(?<=[{CJK}])\(({_PINYIN_SYLLABLE})\)|\?({_PINYIN_SYLLABLE})\)")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])[ \t\u3000]+(?=[{CJK}])")


@dataclass
class TextWithOffsets:
    """A string plus, for each character, its index in the original raw text."""

    text: str
    offsets: np.ndarray

    @classmethod
    def from_raw(cls, raw: str) -> TextWithOffsets:
        return cls(raw, np.arange(len(raw), dtype=np.int64))

    def sub(self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> int:
        """Replace every match of ``pattern``; replaced characters map to the match's first raw index.

        Returns the number of replacements made.
        """
        pieces: list[str] = []
        offset_pieces: list[np.ndarray] = []
        last = 0
        count = 0
        for match in pattern.finditer(self.text):
            start, end = match.span()
            new = repl if isinstance(repl, str) else repl(match)
            if new == match.group(0):
                continue
            count += 1
            pieces.append(self.text[last:start])
            offset_pieces.append(self.offsets[last:start])
            if new:
                pieces.append(new)
                anchor = self.offsets[start] if start < len(self.offsets) else self._end_anchor()
                if len(new) == end - start:
                    offset_pieces.append(self.offsets[start:end])
                else:
                    offset_pieces.append(np.full(len(new), anchor, dtype=np.int64))
            last = end
        if count:
            pieces.append(self.text[last:])
            offset_pieces.append(self.offsets[last:])
            self.text = "".join(pieces)
            self.offsets = np.concatenate(offset_pieces) if offset_pieces else np.zeros(0, dtype=np.int64)
        return count

    def delete_spans(self, spans: Iterable[tuple[int, int]]) -> int:
        """Delete the given (start, end) spans of the current text; returns characters removed."""
        merged: list[list[int]] = []
        for start, end in sorted((max(0, s), min(len(self.text), e)) for s, e in spans):
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        if not merged:
            return 0
        keep_text: list[str] = []
        keep_offsets: list[np.ndarray] = []
        last = 0
        for start, end in merged:
            keep_text.append(self.text[last:start])
            keep_offsets.append(self.offsets[last:start])
            last = end
        keep_text.append(self.text[last:])
        keep_offsets.append(self.offsets[last:])
        removed = sum(end - start for start, end in merged)
        self.text = "".join(keep_text)
        self.offsets = np.concatenate(keep_offsets)
        return removed

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the current text to the corresponding span of the raw text."""
        if start >= end:
            anchor = int(self.offsets[start]) if start < len(self.offsets) else self._end_anchor()
            return anchor, anchor
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1

    def _end_anchor(self) -> int:
        return int(self.offsets[-1]) + 1 if len(self.offsets) else 0


@dataclass
class NormalisedText:
    """Result of normalisation: clean text, its offset map into the raw text, and what was done."""

    text: str
    offsets: np.ndarray
    flags: list[str] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    publish_date: str | None = None

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        return TextWithOffsets(self.text, self.offsets).raw_span(start, end)


@cache
def _rules() -> dict[str, Any]:
    cfg = load_config("normalise")
    return {
        "chrome": re.compile("|".join(f"(?:{p})" for p in cfg["chrome_line_patterns"])),
        "chrome_max": int(cfg["chrome_max_line_chars"]),
        "spam_term": re.compile("|".join(f"(?:{p})" for p in cfg["spam_terms"]), re.IGNORECASE),
        "spam_sep": re.compile(cfg["spam_separators"]),
        "spam_tail": re.compile(f"(?:{cfg['spam_tail']})"),
        "repeat_min_lines": int(cfg["repeat_min_lines"]),
        "repeat_min_chars": int(cfg["repeat_min_chars"]),
        "repeat_line_min_chars": int(cfg["repeat_line_min_chars"]),
        "traditional_min_share": float(cfg["traditional_min_share"]),
    }


# Full-width ASCII and the ideographic space: NFKC maps each to one ASCII character that composes with
# nothing, so a translation table gives the same text (and the same offsets) as NFKC, at C speed.
_FULLWIDTH_TABLE = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in [0x3000, *range(0xFF01, 0xFF5F)]}


@cache
def _nfkc_changing_chars() -> re.Pattern[str]:
    """A character class of every other BMP character that NFKC changes (built once, lazily)."""
    changing = [chr(cp) for cp in range(0x80, 0x10000) if not 0xD800 <= cp <= 0xDFFF
                and cp not in _FULLWIDTH_TABLE and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)]
    return re.compile("[" + "".join(re.escape(c) for c in changing) + "]+")


@cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def _nfkc(doc: TextWithOffsets) -> int:
    """NFKC in place; returns how many places changed (full-width forms counted as one)."""
    translated = doc.text.translate(_FULLWIDTH_TABLE)
    changed = int(translated != doc.text)
    doc.text = translated  # one character for one: the offsets stay as they are
    return changed + doc.sub(_nfkc_changing_chars(), lambda m: unicodedata.normalize("NFKC", m.group(0)))




_NOT_CJK = re.compile(f"[^{CJK}]+")


def traditional_share(text: str) -> float:
    """Share of CJK characters that OpenCC t2s would change (0 for simplified text)."""
    sample = _NOT_CJK.sub("", text)[:20000]
    if not sample:
        return 0.0
    converted = _t2s().convert(sample)
    if len(converted) != len(sample):
        return 1.0
    before = np.frombuffer(sample.encode("utf-32-le"), dtype=np.uint32)
    after = np.frombuffer(converted.encode("utf-32-le"), dtype=np.uint32)
    return int(np.count_nonzero(before != after)) / len(sample)


def _to_simplified(doc: TextWithOffsets) -> bool:
    """Convert to simplified Chinese line by line, keeping the offset map; True if anything changed."""
    converter = _t2s()
    lines = doc.text.split("\n")
    out_lines: list[str] = []
    out_offsets: list[np.ndarray] = []
    pos = 0
    changed = False
    for line in lines:
        line_offsets = doc.offsets[pos:pos + len(line)]
        converted = converter.convert(line) if line else line
        if converted != line:
            changed = True
        if len(converted) == len(line):
            out_offsets.append(line_offsets)
        else:  # a phrase changed length: map every output char into the line, proportionally
            idx = np.minimum((np.arange(len(converted)) * max(len(line), 1)) // max(len(converted), 1),
                             max(len(line) - 1, 0))
            out_offsets.append(line_offsets[idx] if len(line) else np.zeros(len(converted), dtype=np.int64))
        out_lines.append(converted)
        pos += len(line)
        if pos < len(doc.offsets):
            out_offsets.append(doc.offsets[pos:pos + 1])  # the newline
        pos += 1
    doc.text = "\n".join(out_lines)
    doc.offsets = np.concatenate(out_offsets) if out_offsets else np.zeros(0, dtype=np.int64)
    return changed


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, end excluding the newline."""
    spans = []
    start = 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _chrome_lines(text: str) -> list[tuple[int, int]]:
    """Spans (including the trailing newline) of lines that are web-page chrome."""
    rules = _rules()
    spans = []
    for start, end in _line_spans(text):
        line = text[start:end].strip()
        if line and len(line) <= rules["chrome_max"] and rules["chrome"].search(line):
            spans.append((start, min(end + 1, len(text))))
    return spans


DATELINE_WINDOW = 400
_DATELINE = re.compile(r"(?:^|\n)[ \t]*(?:——|—|-)?[ \t]*(\d{4})[ \t]*[-年/.][ \t]*(\d{1,2})[ \t]*[-月/.][ \t]*(\d{1,2})日?"
                       r"[ \t\u3000]*(?:\d{1,2}:\d{2}|来源|在.{2,40}(?:会议|大会)上)")


def find_publish_date(text: str) -> str | None:
    """The page's publish date (YYYY-MM-DD) from a 发布日期/发布时间 chrome line, if any."""
    match = re.search(r"(?:发布|发文|成文)(?:日期|时间)\s*[:：]\s*(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})", text)
    # a dateline under the title: "2022-11-08 10:21 来源：…", "——2021年1月18日在…会议上"
    match = match or _DATELINE.search(text[:DATELINE_WINDOW])
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


_SPAM_RUN = re.compile(r"[^\s,.;:!?，。；：！？、()（）《》“”\"']+")


def _spam_spans(text: str) -> list[tuple[int, int]]:
    """Spans of SEO/gambling spam runs: a run of non-punctuation text that holds a spam term.

    Within such a run, the spam part is the prefix up to the last spam term or separator, so
    that ``365体育是正规的吗_bat365入口_365bet最新技巧人民政府2019年度`` keeps ``人民政府2019年度``; words
    that continue the spam right after it (``spam_tail``: 平台, 试玩 ...) go with it.
    """
    rules = _rules()
    spans: list[tuple[int, int]] = []
    if not rules["spam_term"].search(text):
        return spans  # no spam term anywhere (most reports): no run can hold one
    for run in _SPAM_RUN.finditer(text):
        chunk = run.group(0)
        terms = list(rules["spam_term"].finditer(chunk))
        if not terms:
            continue
        seps = list(rules["spam_sep"].finditer(chunk))
        if not seps and len(terms) < 2:
            continue  # a lone ambiguous word (e.g. 入口) inside normal text is not spam
        cut_start = min(m.start() for m in terms + seps)
        # include Latin letters/digits glued to the first term ("365" in "365体育是正规的吗")
        glued = re.search(r"[0-9A-Za-z]*$", chunk[:cut_start])
        start = cut_start - (len(glued.group(0)) if glued else 0)
        end = max(m.end() for m in terms + seps)
        while tail := rules["spam_tail"].match(chunk, end):  # 乐鱼体育 + 平台, _ + pg电子游戏试玩平台
            end = tail.end()
        spans.append((run.start() + start, run.start() + end))
    return spans


def _repeated_block_spans(text: str) -> list[tuple[int, int]]:
    """Spans of later copies of blocks of consecutive lines that already appeared earlier."""
    rules = _rules()
    lines = _line_spans(text)
    keys = [re.sub(r"\s+", "", text[s:e]) for s, e in lines]
    first_seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if len(key) >= rules["repeat_line_min_chars"]:
            first_seen.setdefault(key, i)
    spans: list[tuple[int, int]] = []
    i = 0
    significant = [len(k) >= rules["repeat_line_min_chars"] for k in keys]
    while i < len(lines):
        j0 = first_seen.get(keys[i]) if significant[i] else None
        if j0 is None or j0 >= i:
            i += 1
            continue
        # walk both copies in step over significant lines
        a, b, n_lines, n_chars = j0, i, 0, 0
        last_b = i
        while a < i and b < len(lines):
            while a < i and not significant[a]:
                a += 1
            while b < len(lines) and not significant[b]:
                b += 1
            if a >= i or b >= len(lines) or keys[a] != keys[b]:
                break
            n_lines += 1
            n_chars += len(keys[b])
            last_b = b
            a += 1
            b += 1
        if n_lines >= rules["repeat_min_lines"] and n_chars >= rules["repeat_min_chars"]:
            spans.append((lines[i][0], min(lines[last_b][1] + 1, len(text))))
            i = last_b + 1
        else:
            i += 1
    return spans


def normalise_text(raw: str) -> NormalisedText:
    """Normalise decoded report text; see the module docstring for the steps."""
    rules = _rules()
    doc = TextWithOffsets.from_raw(raw)
    flags: list[str] = []
    removed: list[dict[str, Any]] = []

    def record_removal(reason: str, spans: list[tuple[int, int]]) -> None:
        for start, end in spans:
            raw_start, raw_end = doc.raw_span(start, end)
            removed.append({"reason": reason, "raw_start": raw_start, "raw_end": raw_end,
                            "text": doc.text[start:end][:200]})
        doc.delete_spans(spans)

    # 1. characters and whitespace
    doc.sub(re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]"), "\n")
    doc.sub(re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u200b-\u200f\ufeff\u00ad]+"), "")
    if _nfkc(doc):
        flags.append("nfkc_changed")
    doc.sub(_SPACE_BETWEEN_CJK, "")
    doc.sub(re.compile(r"[ \t\u00a0]{2,}"), " ")
    doc.sub(re.compile(r"^[ \t]+|[ \t]+$", re.MULTILINE), "")
    # 2. pinyin glosses
    if doc.sub(_PINYIN_GLOSS, ""):
        flags.append("pinyin_glosses_removed")
    # 3. traditional -> simplified
    if traditional_share(doc.text) >= rules["traditional_min_share"] and _to_simplified(doc):
        flags.append("traditional_converted")
    publish_date = find_publish_date(doc.text)
    # 4. chrome
    chrome = _chrome_lines(doc.text)
    if chrome:
        flags.append("web_chrome_removed")
        record_removal("web_chrome", chrome)
    # 5. spam
    spam = _spam_spans(doc.text)
    if spam:
        flags.append("spam_removed")
        record_removal("spam", spam)
    # 6. repeated body
    repeats = _repeated_block_spans(doc.text)
    if repeats:
        flags.append("repeated_body_removed")
        record_removal("repeated_body", repeats)
    doc.sub(re.compile(r"\n{3,}"), "\n\n")
    doc.sub(re.compile(r"\A\n+|\n+\Z"), "")
    return NormalisedText(doc.text, doc.offsets, flags, removed, publish_date)
