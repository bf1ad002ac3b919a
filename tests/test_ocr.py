"""OCR of scanned PDFs and photos (issue 21): scans made here from invented report text with the
project's CJK font, read through the real readers, normalisation, identification and extraction."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from evaluation.evaluate_ocr import cer, photo, render_pages, scanned_pdf
from pipeline.config import ConfigError, load_config, validate_against_schema
from pipeline.extract.extractor import extract_text
from pipeline.ingest import ocr
from pipeline.ingest.errors import UnreadableFile
from pipeline.ingest.normalise import normalise_text
from pipeline.ingest.ocr import OcrBox, OcrPage, OcrSettings, evidence_pages, page_lines, page_of
from pipeline.ingest.readers import read_document
from pipeline.ingest.stage import profile_file
from pipeline.settings import CONFIG_DIR

# Invented report, two short pages (figures made up).
PAGE_1 = ("青川县人民政府关于2023年度法治政府建设情况的报告\n"
          "2023年，县政府坚持以习近平法治思想为指导，全面推进依法行政，现将有关情况报告如下。\n"
          "一、完善制度体系。全年共审核规范性文件27件，清理行政规范性文件143件，废止11件。\n"
          "二、严格规范执法。全县行政执法机关办理行政处罚案件1568件，罚没款共计326.5万元。")
PAGE_2 = ("三、化解行政争议。县政府共收到行政复议申请46件，受理41件，审结39件，纠错率为12.8%。"
          "全县发生行政诉讼案件58件，行政机关负责人出庭应诉率达到100%。\n"
          "四、加强法治宣传。组织领导干部学法活动12次，培训行政执法人员2350人次。")
REPORT = PAGE_1 + "\n\f\n" + PAGE_2


def _box(x0: float, y0: float, x1: float, y1: float, text: str, score: float = 0.99) -> OcrBox:
    return OcrBox(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), text, score)


def test_boxes_become_lines_with_wrapped_lines_joined_and_table_cells_separated():
    boxes = [
        _box(100, 100, 700, 130, "报告标题"),                       # short: a line of its own
        _box(100, 150, 1000, 180, "全年共审核规范性文件27件，清理"),  # reaches the right edge: wrapped
        _box(100, 200, 400, 230, "文件143件。"),
        _box(100, 250, 300, 280, "行政复议"), _box(600, 252, 700, 281, "46件"),  # far apart: table cells
    ]
    assert page_lines(list(reversed(boxes))) == ["报告标题", "全年共审核规范性文件27件，清理文件143件。", "行政复议｜46件"]
    text, spans = ocr.page_layout(boxes)
    assert text == "报告标题\n全年共审核规范性文件27件，清理文件143件。\n行政复议｜46件"
    assert [(text[a:b], box.left, box.top) for a, b, box in spans] == [
        ("报告标题", 100, 100), ("全年共审核规范性文件27件，清理", 100, 150), ("文件143件。", 100, 200),
        ("行政复议", 100, 250), ("46件", 600, 252)]


def test_evidence_maps_to_its_page_and_line_boxes():
    pages = [OcrPage("第一页标题\n行政复议46件", 0.99, 2, ((0, 5, 72.0, 72.0, 300.0, 86.0), (6, 13, 72.0, 91.0, 250.0, 105.0))),
             OcrPage("全年共审核规范性文件27件，清理", 0.98, 2, ((0, 13, 72.0, 72.0, 200.0, 86.0), (13, 16, 205.0, 72.5, 320.0, 86.5)))]
    decoded = ocr.assemble_pages(pages, OcrSettings(), "pdf-ocr", "pt")
    assert decoded.text == "第一页标题\n行政复议46件\n\n全年共审核规范性文件27件，清理"
    assert ocr.box_unit(decoded.flags) == "pt" and decoded.boxes[2] == (15, 28, 2, 72.0, 72.0, 200.0, 86.0)
    offsets = np.arange(len(decoded.text))
    found = decoded.text.index("46件"), decoded.text.index("27件"), decoded.text.index("件，清理"), 0
    spans = ([found[0], found[1], found[2], 2], [found[0] + 3, found[1] + 3, found[2] + 4, 3])
    assert ocr.evidence_boxes(*spans, offsets, decoded.boxes) == [
        "[72, 91, 250, 105]", "[72, 72, 200, 86]", "[72, 72, 320, 86.5]", "[72, 72, 300, 86]"]  # 3rd: two boxes
    assert ocr.evidence_boxes([0], [3], offsets, []) == [None]
    assert evidence_pages(*spans, offsets, decoded.flags) == ["1", "2", "2", "1"]


def test_page_numbers_of_raw_offsets_and_evidence_spans():
    flags = ["ocr:x", "ocr_pages:0,120,300", "ocr_confidence:0.99,0.98,0.97"]
    assert [page_of(o, flags) for o in (0, 119, 120, 299, 300, 5000)] == [1, 1, 2, 2, 3, 3]
    assert page_of(10, ["decode_errors:2"]) is None
    offsets = np.arange(400)
    assert evidence_pages([5, 118, 310], [9, 125, 320], offsets, flags) == ["1", "1-2", "3"]
    assert evidence_pages([5], [9], offsets, []) == [None]


class _Decoder:
    """Stands in for RapidOCR's CTC decoder: class 0 is the blank."""

    def __init__(self) -> None:
        self.character = ["blank", "4", "1", "8", ".", "7", "万", "件"]

    def __call__(self, preds, return_word_box=False, **_kwargs):
        return [("".join(self.character[c] for c in row.argmax(axis=1) if c), 0.99) for row in preds]


def _frames(best: list[int], point: dict[int, float]) -> np.ndarray:
    """Frame scores: the best class of each frame at 0.7, the ``.`` class at ``point[t]`` where given."""
    frames = np.full((len(best), 8), 0.001)
    for t, cls in enumerate(best):
        frames[t, cls] = 0.7
        if t in point:
            frames[t, 4] = point[t]
    return frames


def test_a_point_the_recogniser_hesitated_over_is_a_doubt():
    decoder = ocr.DoubtingDecoder(_Decoder(), 0.2)
    lost = _frames([1, 0, 2, 0, 3, 0, 0, 5, 0, 6], {5: 0.33})  # 418 . 7万: the point lost at frame 5
    kept = _frames([1, 0, 2, 0, 3, 4, 0, 5, 0, 6], {})  # 418.7万
    faint = _frames([1, 0, 2, 0, 3, 0, 0, 5, 0, 6], {5: 0.05})  # a trace of a point: not a doubt
    at_end = _frames([6, 0, 1, 2, 3, 0], {5: 0.4})  # 万418 and the line ends: the point may be at the break
    after_word = _frames([1, 6, 0, 7], {2: 0.5})  # 4万 . 件: not between digits
    results = decoder(np.stack([lost, kept]))
    assert [r[0] for r in results] == ["4187万", "418.7万"]  # the decoder's own results unchanged
    assert decoder.gaps == {"4187万": ((3, 0.33),)}
    assert decoder.line_gaps(faint) == ((3, 0.05),)  # a gap, under the doubt score
    assert decoder.line_doubts(lost) == (3,) and decoder.line_doubts(faint) == ()
    assert decoder.line_doubts(at_end) == (4,) and decoder.line_doubts(after_word) == ()
    offsets = np.arange(40)
    flags = ["ocr_pages:0", "ocr_point_doubts:13,30"]
    assert ocr.evidence_doubts([10, 0, 28], [16, 8, 31], offsets, flags) == [True, False, True]
    assert ocr.evidence_doubts([10], [16], offsets, ["ocr_pages:0"]) == [False]


def test_the_lost_point_of_a_150_dpi_scan_is_found():
    """The silent error of the evaluation (418.7 read as 4187 at 150 dpi, page confidence 0.996) is a
    point doubt at the place the point was lost."""
    from evaluation.evaluate_ocr import REPORTS

    settings = OcrSettings()
    pdf = scanned_pdf(REPORTS["yanta"], dpi=150, seed=4)
    page = ocr.ocr_page(ocr.make_engine(settings), next(iter(ocr.pdf_page_images(pdf, settings))), settings)
    assert page.confidence > 0.99 and "4187万元" in page.text and len(page.point_doubts) == 1
    assert page.text[page.point_doubts[0] - 3:page.point_doubts[0] + 1] == "4187"


def test_ocr_config_is_schema_checked():
    settings = ocr.load_ocr_settings()
    assert settings == OcrSettings(**load_config("ocr")) and 0 < settings.min_page_confidence < 1
    import yaml

    doc = yaml.safe_load((CONFIG_DIR / "ocr.yaml").read_text(encoding="utf-8"))
    doc["min_page_confidence"] = 1.5
    schema = json.loads((CONFIG_DIR / "ocr.schema.json").read_text(encoding="utf-8"))
    with pytest.raises(ConfigError, match="min_page_confidence"):
        validate_against_schema(doc, schema, CONFIG_DIR / "ocr.yaml")


class _FakeEngine:
    """Stands in for RapidOCR in the logic tests: returns fixed boxes per page."""

    def __init__(self, pages: list[list[tuple[str, float]]]) -> None:
        self.pages = iter(pages)

    def __call__(self, _image, **_options):
        rows = next(self.pages)
        return [[[[0, 40 * i], [900, 40 * i], [900, 40 * i + 30], [0, 40 * i + 30]], t, s]
                for i, (t, s) in enumerate(rows)] or None, None


def test_a_page_under_the_confidence_floor_quarantines_the_document_with_its_page(monkeypatch):
    good = [("某县人民政府2023年度法治政府建设情况报告，全年办理行政复议案件12件。", 0.98)] * 3
    bad = [("模糊不清的文字共计若干件", 0.41), ("难以辨认", 0.55)]
    monkeypatch.setattr(ocr, "make_engine", lambda settings: _FakeEngine([good, bad]))
    with pytest.raises(UnreadableFile) as caught:
        ocr.ocr_pages(iter([None, None]), OcrSettings(), "pdf-ocr")
    assert caught.value.reason == "ocr_low_confidence" and "page 2" in str(caught.value) and "0.45" in str(caught.value)  # (12*0.41+4*0.55)/16
    monkeypatch.setattr(ocr, "make_engine", lambda settings: _FakeEngine([good, [], good]))  # a blank page is fine
    decoded = ocr.ocr_pages(iter([None, None, None]), OcrSettings(), "pdf-ocr")
    starts = ocr.page_starts(decoded.flags)
    assert starts is not None and len(starts) == 3 and decoded.text[starts[2]:].startswith("某县")
    assert "ocr_confidence:0.980,1.000,0.980" in decoded.flags and decoded.encoding == "ocr"


def test_image_guards_refuse_bombs_garbage_and_overruns():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (800, 800), 255).save(buffer, "PNG")
    png = buffer.getvalue()
    with pytest.raises(UnreadableFile) as caught:
        ocr.read_image(png, OcrSettings(max_image_pixels=100_000))
    assert caught.value.reason == "image_too_large"
    with pytest.raises(UnreadableFile) as caught:
        read_document(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, ".png")
    assert caught.value.reason == "corrupt_image"
    with pytest.raises(UnreadableFile) as caught:
        read_document(b"GIF89a not a scan", ".jpg")
    assert caught.value.reason == "corrupt_image"
    with pytest.raises(UnreadableFile) as caught:  # OCR that overruns its time is stopped
        ocr.read_image(png, OcrSettings(timeout_seconds=0.05))
    assert caught.value.reason == "parser_timeout"
    with pytest.raises(UnreadableFile) as caught:  # a blank page has no text
        ocr.read_image(png, OcrSettings())
    assert caught.value.reason == "empty"


def test_each_tiff_frame_is_a_page_and_too_many_frames_are_refused(monkeypatch):
    from PIL import Image

    frames = [Image.new("L", (300, 200), 255), Image.new("L", (300, 200), 128), Image.new("L", (300, 200), 0)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:])
    tiff = buffer.getvalue()
    pages = list(ocr.image_pages(tiff, OcrSettings()))
    assert [p.shape for p in pages] == [(200, 300, 3)] * 3 and [int(p[0, 0, 0]) for p in pages] == [255, 128, 0]
    with pytest.raises(UnreadableFile) as caught:
        list(ocr.image_pages(tiff, OcrSettings(max_pages=2)))
    assert caught.value.reason == "ocr_too_many_pages"
    line = [("某县人民政府2023年度法治政府建设情况报告，全年办理行政复议案件12件。", 0.97)]
    monkeypatch.setattr(ocr, "make_engine", lambda settings: _FakeEngine([line, line, line]))  # forked child too
    decoded = read_document(tiff, ".tif")
    assert decoded.fmt == "image-ocr" and ocr.page_starts(decoded.flags) == [0, len(line[0][0]) + 2,
                                                                            2 * (len(line[0][0]) + 2)]


def _png(frames: int = 1, size: tuple[int, int] = (300, 200)) -> bytes:
    from PIL import Image

    images = [Image.new("L", size, 255 - 60 * i) for i in range(frames)]
    buffer = io.BytesIO()
    if frames == 1:
        images[0].save(buffer, "PNG")
    else:
        images[0].save(buffer, "TIFF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def test_scan_pages_are_cut_into_ocr_items():
    from pipeline.batches import ocr_items

    assert ocr_items([2, 20, 1, 1, 3], 8, 100) == [[(0, 1, 2), (1, 1, 6)], [(1, 7, 14)],
                                                   [(1, 15, 20), (2, 1, 1), (3, 1, 1)], [(4, 1, 3)]]
    assert ocr_items([100], 8, 4) == [[(0, 1, 25)], [(0, 26, 50)], [(0, 51, 75)], [(0, 76, 100)]]  # at most 4 items
    assert ocr_items([], 8, 4) == [] and ocr_items([0, 2], 8, 4) == [[(1, 1, 2)]]
    with pytest.raises(ValueError, match="positive"):
        ocr_items([1], 0, 4)


def test_scans_get_batches_and_ocr_items_of_their_own(tmp_path: Path, monkeypatch):
    from pipeline import io as pio
    from pipeline.catalog import Catalog
    from pipeline.ingest.ocr_tasks import ocr_plan_path, plan_year
    from pipeline.settings import RunSettings
    from tests.test_ingest import REPORT as TEXT_REPORT
    from tests.test_ingest import _pdf_bytes

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(3):
        (inbox / f"r{i}.txt").write_bytes("某县人民政府报告".encode() * 100)
    (inbox / "a-photo.png").write_bytes(_png())
    (inbox / "b-scan.tif").write_bytes(_png(frames=3))
    (inbox / "c-text-layer.pdf").write_bytes(_pdf_bytes(TEXT_REPORT))  # has a text layer: read as text
    (inbox / "d-broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50)  # refused at ingest, nothing to OCR
    monkeypatch.setenv("ROLINDEX_BATCH_BYTES", str(10 ** 9))
    import pipeline.ingest.ocr_tasks as tasks

    monkeypatch.setattr(tasks, "load_ocr_settings", lambda: OcrSettings(pages_per_task=2))
    settings = RunSettings(year=2023, inbox=inbox, out=tmp_path / "out")
    plan = plan_year(settings)
    assert plan == {"text": [0], "scans": [1], "ocr": [0, 1], "all": [0, 1]}
    catalog = Catalog(tmp_path / "out", 2023)
    batches = pio.read_parquet(catalog.submissions).set_index("source_file")["batch"].to_dict()
    assert batches == {"r0.txt": 0, "r1.txt": 0, "r2.txt": 0, "c-text-layer.pdf": 0, "d-broken.png": 0,
                       "a-photo.png": 1, "b-scan.tif": 1}
    items = pio.read_parquet(ocr_plan_path(catalog))
    segments = [(r.item, r.source_file, r.first_page, r.last_page) for r in items.itertuples()]
    assert segments == [(0, "a-photo.png", 1, 1), (0, "b-scan.tif", 1, 1), (1, "b-scan.tif", 2, 3)]


class _CountingEngine:
    """A fake engine that notes each page it recognises in a file (calls happen in forked children)."""

    def __init__(self, log: Path) -> None:
        self.log = log

    def __call__(self, image, **_options):
        shade = int(image[0, 0, 0])
        with self.log.open("a") as fh:
            fh.write(f"{shade}\n")
        text = f"某县人民政府2023年度法治政府建设情况报告，第{shade}页办理行政复议案件12件。"
        return [[[[10, 20], [290, 20], [290, 50], [10, 50]], text, 0.97 if shade > 150 else 0.4]], None


def test_the_ocr_cache_is_resumable_and_ingest_reads_it(tmp_path: Path, monkeypatch):
    from pipeline.ingest.ocr_tasks import fill_cache, read_with_ocr_cache

    calls = tmp_path / "calls.txt"
    monkeypatch.setattr(ocr, "make_engine", lambda settings: _CountingEngine(calls))
    import pipeline.ingest.ocr_tasks as tasks

    monkeypatch.setattr(tasks, "make_engine", lambda settings: _CountingEngine(calls))
    tiff = _png(frames=2)  # shades 255 and 195
    cache = tmp_path / "cache"
    key_folder = cache / tasks.cache_key(tiff, OcrSettings())
    assert fill_cache(tiff, ".tif", key_folder, OcrSettings(), [2]) == 1  # an ocr task did page 2
    decoded = read_with_ocr_cache(tiff, ".tif", cache, OcrSettings())  # ingest: only page 1 is left
    assert calls.read_text().split() == ["195", "255"]
    assert decoded.fmt == "image-ocr" and "第255页" in decoded.text.split("\n\n")[0]
    assert ocr.page_starts(decoded.flags) == [0, len(decoded.text.split("\n\n")[0]) + 2]
    assert "ocr_box_unit:px" in decoded.flags
    assert decoded.boxes[1][2] == 2 and decoded.boxes[1][3:] == (10.0, 20.0, 290.0, 50.0)
    again = read_with_ocr_cache(tiff, ".tif", cache, OcrSettings())  # a re-run: nothing is recognised again
    assert again == decoded and len(calls.read_text().split()) == 2
    dark = _png(frames=3)  # page 3 (shade 135) ... recognised with a low score: quarantined, cached
    with pytest.raises(UnreadableFile) as caught:
        read_with_ocr_cache(dark, ".tif", cache, OcrSettings())
    assert caught.value.reason == "ocr_low_confidence" and "page 3" in str(caught.value)
    n_calls = len(calls.read_text().split())
    with pytest.raises(UnreadableFile):
        read_with_ocr_cache(dark, ".tif", cache, OcrSettings())
    assert len(calls.read_text().split()) == n_calls
    with pytest.raises(UnreadableFile) as caught:  # a refused file is remembered with its reason
        read_with_ocr_cache(dark, ".tif", cache, OcrSettings(max_pages=2))
    assert caught.value.reason == "ocr_too_many_pages"
    with pytest.raises(UnreadableFile) as caught:  # the image guards hold on the cached path too
        read_with_ocr_cache(_png(size=(800, 800)), ".png", cache, OcrSettings(max_image_pixels=100_000))
    assert caught.value.reason == "image_too_large"
    with pytest.raises(UnreadableFile) as caught:
        read_with_ocr_cache(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, ".png", cache, OcrSettings())
    assert caught.value.reason == "corrupt_image"


def test_a_scanned_pdf_is_read_by_ocr_and_its_facts_and_pages_are_found(tmp_path: Path):
    pdf = scanned_pdf(REPORT, dpi=200, angle=0.8, noise=8.0, quality=70)
    assert len(render_pages(REPORT)) == 2
    from pypdf import PdfReader

    assert not "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).strip()  # no text layer
    path = tmp_path / "qingchuan-2023-scan.pdf"
    path.write_bytes(pdf)
    decoded = read_document(pdf, ".pdf")
    assert decoded.encoding == "ocr" and decoded.fmt == "pdf-ocr"
    assert cer(REPORT.replace("\f", ""), decoded.text) <= 0.02
    flags = list(decoded.flags)
    assert any(f.startswith("ocr:rapidocr-onnxruntime") and "PP-OCRv4" in f for f in flags)
    confidences = [float(x) for f in flags if f.startswith("ocr_confidence:") for x in f.split(":")[1].split(",")]
    assert len(confidences) == 2 and min(confidences) >= OcrSettings().min_page_confidence

    profile, text = profile_file(path, run_year=2023)
    assert profile["status"] == "ok" and profile["report_year"] == 2023 and profile["unit_name"].startswith("青川县")
    assert any(f.startswith("ocr:") for f in profile["flags"])
    assert text is not None

    norm = normalise_text(decoded.text)
    records = extract_text("scan", norm.text, report_year=2023)
    by_value = {(r.value, r.unit): r for r in records if r.indicator}
    assert (46.0, "件") in by_value and (27.0, "件") in by_value
    review, drafts = by_value[(46.0, "件")], by_value[(27.0, "件")]
    assert evidence_pages([review.start, drafts.start], [review.end, drafts.end], norm.offsets, flags) == ["2", "1"]


def test_a_photographed_page_is_read_like_its_text(tmp_path: Path):
    path = tmp_path / "qingchuan-photo.jpg"
    path.write_bytes(photo(PAGE_1 + "\n" + PAGE_2, dpi=200, angle=-1.5, quality=60))
    profile, text = profile_file(path, run_year=2023)
    assert profile["status"] == "ok", profile["reason"]
    assert profile["encoding"] == "ocr" and any(f.startswith("ocr_pages:0") for f in profile["flags"])
    assert text is not None and "行政复议申请46件" in text and "2350人次" in text


@pytest.mark.e2e
def test_scan_ofd_and_doc_through_the_dag_with_evidence_pages(airflow_db, tmp_path: Path):
    """The real DAG (``rolindex run``'s quiet console) on an inbox of a two-page scanned PDF, an OFD, a
    legacy .doc and an RTF: every report accepted, its facts in the published indicators, OCR evidence on
    its page and line; the scan OCR'd by the mapped ocr task, and not again when the year is re-run."""
    from evaluation.evaluate_ocr import REPORTS
    from pipeline import io as pio
    from pipeline.catalog import Catalog
    from pipeline.console import run_quietly
    from pipeline.settings import RunSettings
    from tests.test_formats import DOC_TEXT, ofd_file, rtf_file, word_doc

    inbox = tmp_path / "inbox" / "2023"
    inbox.mkdir(parents=True)
    (inbox / "qingchuan-2023.pdf").write_bytes(scanned_pdf(REPORT, dpi=200))
    xinhui = REPORTS["xinhui"].split("\n")
    (inbox / "xinhui-2023.ofd").write_bytes(ofd_file([xinhui[:3], xinhui[3:]]))
    doc_2023 = DOC_TEXT.replace("2022", "2023")
    (inbox / "anyuan-2023.doc").write_bytes(word_doc(doc_2023))
    (inbox / "yanta-2023.rtf").write_bytes(rtf_file(REPORTS["yanta"].split("\n"), []))
    out = tmp_path / "out"
    outcome = run_quietly(RunSettings.resolve(2023, str(inbox), str(out)), stream=io.StringIO())
    assert outcome.state == "success", (outcome.cause, outcome.log_file)

    documents = pio.read_parquet(Catalog(out, 2023).documents).set_index("source_file")
    assert set(documents["disposition"]) == {"accepted"}, documents[["disposition", "reason"]]
    scan = documents.loc["qingchuan-2023.pdf"]
    assert scan["encoding"] == "ocr" and any(str(f).startswith("ocr:rapidocr") for f in scan["flags"])
    indicators = pio.read_parquet(out / "publish" / "year=2023" / "indicators.parquet")
    assert set(indicators["doc"]) == set(documents["doc"])  # each format's facts reach the published table
    rows = indicators[indicators["doc"] == scan["doc"]]
    offsets = np.load(str(Catalog(out, 2023).offsets(scan["doc"])))
    pages = evidence_pages(rows["start"].tolist(), rows["end"].tolist(), offsets, list(scan["flags"]))
    assert rows["page"].tolist() == pages  # the published evidence names its page
    assert indicators.loc[indicators["doc"] == documents.loc["anyuan-2023.doc", "doc"], "page"].isna().all()
    by_quote = dict(zip(rows["quote"], pages, strict=True))
    assert any("行政复议申请46件" in q and p == "2" for q, p in by_quote.items()), by_quote
    assert any("规范性文件27件" in q and p == "1" for q, p in by_quote.items()), by_quote

    # the evidence's box: on the rendered line (PDF points from the top-left corner; 0.8 degree tilt)
    from evaluation.evaluate_ocr import layout_lines

    page, top, _line = next(p for p in layout_lines(REPORT) if "申请46件" in p[2])
    fact = rows[rows["quote"].str.contains("行政复议申请46件")].iloc[0]
    x0, y0, x1, y1 = json.loads(fact["box"])
    assert (fact["page"], fact["box_unit"]) == (str(page + 1), "pt")
    assert abs(x0 - 72) < 10 and abs(y0 - top * 72 / 200) < 10 and 72 + 8 < y1 < 72 + 3 * 19.1 and x1 > x0 + 200
    assert indicators.loc[indicators["doc"] != scan["doc"], "box"].isna().all()  # OFD and .doc: no boxes
    unit_page = (out / "publish" / "year=2023" / "units" / f"{scan['unit_key']}.html").read_text(encoding="utf-8")
    assert f"box {fact['box']} pt" in unit_page

    # the scan went through the mapped ocr task; a re-run of the year reuses its cached pages
    from pipeline.ingest.ocr_tasks import ocr_cache_dir
    from pipeline.runner import load_dag

    cached = {p: p.stat().st_mtime_ns for p in ocr_cache_dir(Catalog(out, 2023)).rglob("page-*.json")}
    assert len(cached) == 2
    run = load_dag().test(run_conf={"year": 2023, "inbox": str(inbox), "out": str(out)})
    assert str(run.state) == "success"
    labels = {(ti.task_id, ti.rendered_map_index) for ti in run.get_task_instances() if ti.task_id.startswith(("ocr", "ingest"))}
    assert ("ocr", "ocr 0: qingchuan-2023.pdf p1-2") in labels and ("ingest_scans", "batch 1") in labels, labels
    assert ("ingest", "batch 0") in labels
    assert {p: p.stat().st_mtime_ns for p in cached} == cached  # not recognised again
    again = pio.read_parquet(out / "publish" / "year=2023" / "indicators.parquet")
    assert again["box"].tolist() == indicators["box"].tolist()


def test_published_values_carry_page_box_and_point_doubt(tmp_path: Path):
    import pandas as pd

    from pipeline.catalog import Catalog
    from pipeline.publish.stage import with_evidence_pages

    catalog = Catalog(tmp_path, 2023)
    catalog.offsets("d1").parent.mkdir(parents=True)
    np.save(catalog.offsets("d1"), np.arange(100, dtype=np.int32))
    ocr.write_boxes(ocr.boxes_path(catalog, "d1"), [(0, 50, 1, 72.0, 72.0, 500.0, 86.0)], "pt")
    documents = pd.DataFrame({"doc": ["d1", "t1"], "flags": [["ocr_pages:0", "ocr_point_doubts:13", "ocr_box_unit:pt"],
                                                             ["decode_errors:1"]]})
    indicators = pd.DataFrame({"doc": ["d1", "d1", "t1"], "start": [10, 20, 5], "end": [16, 25, 9],
                               "flags": [["range_ok"], [], []]})
    published = with_evidence_pages(indicators, documents, catalog)
    assert published["flags"].tolist() == [["range_ok", "ocr_point_doubt"], [], []]
    located = [[None if pd.isna(v) else v for v in row] for row in published[["page", "box", "box_unit"]].values]
    assert located == [["1", "[72, 72, 500, 86]", "pt"], ["1", "[72, 72, 500, 86]", "pt"],
                       [None, None, None]]  # a text report: no page, no box


@pytest.mark.e2e
def test_a_year_of_scans_only_runs_through_the_dag(airflow_db, tmp_path: Path):
    """No text file at all: the text side's ingest is skipped (nothing to map), and the scan still goes
    through ocr, ingest_scans, normalise ... publish."""
    from pipeline import io as pio
    from pipeline.runner import load_dag

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "qingchuan-photo.jpg").write_bytes(photo(PAGE_1 + "\n" + PAGE_2, dpi=200))
    run = load_dag().test(run_conf={"year": 2023, "inbox": str(inbox), "out": str(tmp_path / "out")})
    states = {(ti.task_id, ti.map_index): str(ti.state) for ti in run.get_task_instances()}
    assert str(run.state) == "success" and states[("ingest", -1)] == "skipped", states
    assert states[("ocr", 0)] == states[("ingest_scans", 0)] == states[("publish", -1)] == "success", states
    indicators = pio.read_parquet(tmp_path / "out" / "publish" / "year=2023" / "indicators.parquet")
    assert (indicators["box_unit"] == "px").all() and len(indicators) > 0
