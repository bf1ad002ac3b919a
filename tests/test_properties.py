"""Property-based tests (Hypothesis): arbitrary Unicode never crashes the normaliser or the quantity
finder, and every offset maps back into the raw text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract.extractor import extract_text
from pipeline.extract.quantities import find_quantities
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
