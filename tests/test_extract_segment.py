"""The extractor's own word segmentation (``mapper.segment``, used by the boundary check) must cut
exactly as jieba's dictionary mode does with the same tokenizer."""

from __future__ import annotations

from pipeline.extract.mapper import _tokenizer, segment
from pipeline.ingest.normalise import normalise_text
from pipeline.settings import SAMPLE_INBOX_ROOT

INVENTED = [
    "全年办理行政复议案件236件，其中涉企领域59件。",
    "市政府常务会议学法12次,2512家协会商会完成脱钩",
    "行政许可事项由433项精简至289项 ABC 12345 热线 a1b2 3.5% 一网通办",
    "  \r\n 5个工作日内办结，平均用时1.96个/件；#&_%-+ 混合 mixed 文本",
    "",
]


def _same(s: str) -> None:
    assert segment(s) == list(_tokenizer().tokenize(s, HMM=False)), s


def test_segment_cuts_invented_sentences_as_jieba_does():
    for s in INVENTED:
        _same(s)


def test_segment_cuts_every_window_of_the_sample_reports_as_jieba_does():
    texts = [normalise_text(p.read_text(encoding="utf-8", errors="ignore")).text
             for p in sorted(SAMPLE_INBOX_ROOT.rglob("*.txt"))]
    assert texts
    for text in texts:
        for start in range(0, len(text), 97):
            _same(text[start:start + 31])
