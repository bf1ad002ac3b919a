"""Property-based tests (Hypothesis): arbitrary Unicode never crashes the normaliser or the quantity
finder, and every offset maps back into the raw text."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import load_config
from pipeline.extract.extractor import extract_text
from pipeline.extract.quantities import _Brackets, _inside_brackets, find_quantities
from pipeline.extract.regex_filter import matches_only_its_own_text, with_start_filter
from pipeline.ingest.normalise import normalise_text

# report-like text: CJK, digits, Chinese numerals, measure words, punctuation, pinyin, chrome, plus anything
REPORT_ALPHABET = st.sampled_from(list("行政复议案件出庭应诉率规范性文件审核年月日第其中累计同比提高下降余近以上不足"
                                       "零一二两三四五六七八九十百千万亿0123456789.,%，。；、：（）()《》“”\n 件项人次名个起元"
                                       "rènzhēnāáǎà|_365bet"))
TEXT = st.one_of(st.text(max_size=400), st.text(alphabet=REPORT_ALPHABET, max_size=400))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_normaliser_never_crashes_and_offsets_map_into_the_raw_text(raw):
    norm = normalise_text(raw)
    assert len(norm.offsets) == len(norm.text)
    for i in range(len(norm.text)):
        assert 0 <= int(norm.offsets[i]) < max(len(raw), 1)
    if norm.text:
        start, end = norm.raw_span(0, len(norm.text))
        assert 0 <= start <= end <= len(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_quantity_finder_and_extractor_never_crash_and_spans_are_inside(text):
    for q in find_quantities(text):
        assert 0 <= q.start < q.end <= len(text)
        assert q.value == q.value  # not NaN
    for r in extract_text("d", text):
        assert text[r.start:r.end] in r.quote or len(r.quote) >= 150
        assert r.scope in ("actual", "cumulative", "delta", "planned")


# configured cue patterns searched with a start filter, and patterns that exercise every branch of it
_FILTER_CASES = [
    load_config("extraction")["scope"]["cumulative"], load_config("extraction")["planned_headings"],
    "|".join(f"(?:{p})$" for p in load_config("extraction")["qualifier_prefix"].values()),
    r"(?<!今年)以来|\d{4}\s*年", r"(?:第|No\.)?\d+项", r"(?>[一二]+)?件|(?:x|y)*z", r"[^件]项", r"件*", r"\b\w+年",
    r"(?i)no\.\d", r"(?i:no)\.\d", r"(十[二三四]五)(期间|\1)",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_start_filter_never_changes_what_a_pattern_finds(text):
    for source in _FILTER_CASES:
        pattern = re.compile(source)
        filtered = with_start_filter(pattern)
        assert [m.span() for m in filtered.finditer(text)] == [m.span() for m in pattern.finditer(text)], source
        for end in range(0, len(text), 7):  # search with an end position, as the extractor does on prefixes
            assert bool(filtered.search(text, 0, end)) == bool(pattern.search(text, 0, end)), source


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, st.text(alphabet=list("《》〈〉“”\"\n 3件"), max_size=300)))
def test_bracket_spans_agree_with_the_window_definition(text):
    brackets = _Brackets(text)
    for pos in range(len(text) + 1):
        assert brackets.inside(pos) == _inside_brackets(text, pos), pos


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.integers(0, 400), st.integers(0, 400))
def test_a_context_free_pattern_matches_a_slice_where_it_matches_the_text(text, a, b):
    assert not any(matches_only_its_own_text(re.compile(p)) for p in (r"^a", r"(?<!x)a", r"a(?=b)", r"\bw", r"a$"))
    a, b = sorted((min(a, len(text)), min(b, len(text))))
    for source in _FILTER_CASES:
        pattern = re.compile(source)
        if matches_only_its_own_text(pattern):
            found = pattern.search(text[a:b])
            assert found is None or pattern.match(text, a + found.start()) is not None, source
