"""Measure OCR quality on scans made here from invented report texts (issue 21, item 4).

Usage (from the project root):

    uv run python evaluation/evaluate_ocr.py [--dpi 150 200 300] [--condition "very poor scan"] [--out table.md]

Each invented report (``REPORTS``, own words and figures) is rendered with the project's CJK font
(Noto Sans SC from pylopdf-fonts-zh-cn) onto A4 pages under each condition (``CONDITIONS``: 150, 200
and 300 dpi scans rotated 0.8 degrees with Gaussian noise and JPEG compression; a harsher scan; a phone
photo; a very poor 72 dpi scan that should be quarantined), saved as an image-only PDF (photo: JPEG) and read by the real reader (``read_document``: the
pypdf text-layer check, the guarded child, pdfium rendering, RapidOCR). The OCR text then goes through
the same normalisation, identification and extraction as the source text. Printed per condition:
character error rate (edit distance / source characters, NFKC, whitespace ignored) and the share of
the text run's facts (records with an indicator: indicator, value, unit, kind, scope, role) that the
scan's run gives identically. Targets: CER <= 2 % at 200 dpi, >= 95 % of facts identical. The render
helpers are also used by the tests.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Invented reports (names of real places, every figure made up).
REPORTS = {
    "qingchuan": (
        "青川县人民政府关于2023年度法治政府建设情况的报告\n"
        "2023年，县政府坚持以习近平法治思想为指导，全面推进依法行政，现将有关情况报告如下。\n"
        "一、完善制度体系。全年共审核规范性文件27件，清理行政规范性文件143件，废止11件，"
        "备案审查合格率为100%。\n"
        "二、严格规范执法。全县行政执法机关办理行政处罚案件1568件，罚没款共计326.5万元，"
        "同比下降8.2%。开展执法案卷评查2次，评查案卷210卷。\n"
        "三、化解行政争议。县政府共收到行政复议申请46件，受理41件，审结39件，纠错率为12.8%。"
        "全县发生行政诉讼案件58件，行政机关负责人出庭应诉率达到100%。\n"
        "四、加强法治宣传。组织领导干部学法活动12次，培训行政执法人员2350人次，"
        "新增法律顾问34名。\n"
        "五、下一步打算。我们将继续深化依法行政，推动法治政府建设再上新台阶。"
    ),
    "anyuan": (
        "安远县人民政府2022年法治政府建设年度报告\n"
        "2022年，在市委、市政府的坚强领导下，我县扎实推进法治政府建设各项任务。\n"
        "一、深化放管服改革。取消和下放行政许可事项15项，政务服务事项网上可办率达到98.6%，"
        "办理政务服务事项12.4万件。\n"
        "二、推进科学民主决策。全年提交县政府常务会议审议的重大行政决策事项9件，"
        "全部经过合法性审查，聘请法律顾问参与论证31次。\n"
        "三、规范行政执法。全县共办理行政许可案件3210件，行政处罚案件745件，"
        "行政强制案件63件，执法人员持证率为97.5%。\n"
        "四、强化权力监督。办理人大代表建议86件、政协委员提案112件，办结率100%。"
        "收到行政复议申请28件，审结26件。\n"
        "五、存在的不足。个别部门执法能力仍有差距，我们将在新的一年里持续改进。"
    ),
    "shuangliu": (
        "成都市双流区司法局2024年度法治政府建设工作报告\n"
        "2024年，区司法局围绕中心、服务大局，认真履行推进法治政府建设职责。\n"
        "一、行政复议工作。全年收到行政复议申请215件，受理198件，审结187件，"
        "调解和解结案64件，直接纠错23件。\n"
        "二、公共法律服务。建成村社区法律服务站点302个，提供法律咨询1.86万人次，"
        "办理法律援助案件1045件，挽回经济损失2350万元。\n"
        "三、人民调解。全区人民调解组织调解矛盾纠纷6420件，调解成功率98.3%。\n"
        "四、普法宣传。开展法治宣传活动420场次，发放宣传资料5.6万份，"
        "培育法律明白人1200名。\n"
        "五、队伍建设。组织业务培训8期，参训人员560人次。"
    ),
    "xinhui": (
        "江门市新会区人民政府关于2023年法治政府建设情况的报告\n"
        "2023年，区政府认真落实法治政府建设实施纲要，各项工作取得新进展。\n"
        "一、依法全面履行政府职能。公布区级权责清单事项3126项，动态调整87项，"
        "减少证明材料42项，企业开办时间压缩至0.5个工作日。\n"
        "二、行政决策。制定重大行政决策事项目录，确定年度重大行政决策7项，"
        "组织听证会3场，公开征求意见19次。\n"
        "三、行政执法。全区行政执法部门实施行政检查4860次，办理行政处罚案件932件，"
        "其中适用简易程序217件，不予处罚轻微违法行为58宗。\n"
        "四、矛盾纠纷化解。区行政复议机构收到复议申请77件，依法受理70件，"
        "已审结66件，撤销或变更行政行为9件。一审行政诉讼案件41件，败诉3件。\n"
        "五、法治宣传教育。开展宪法宣传周活动25场，覆盖群众3.2万人次，"
        "区政府常务会议学法6次。"
    ),
    "yanta": (
        "西安市雁塔区市场监督管理局2023年度法治政府建设工作报告\n"
        "今年以来，我局坚持严格规范公正文明执法，推进市场监管领域法治建设。\n"
        "一、规范行政执法。全年立案查处各类违法案件386件，结案352件，"
        "罚没款合计418.7万元，移送公安机关涉嫌犯罪案件5件。\n"
        "二、推行包容审慎监管。对首次轻微违法行为免予处罚案件64件，"
        "发放行政指导书1200份。\n"
        "三、强化执法监督。开展案卷评查2次，抽查案卷150卷，发现问题案卷11卷，"
        "已全部整改。\n"
        "四、行政复议与诉讼。本年度被申请行政复议13件，被提起行政诉讼4件，"
        "均未被撤销或确认违法。\n"
        "五、普法宣传。开展食品安全等法治宣传活动48场次，发放宣传资料2.1万份。"
    ),
}

# (label, dpi, how the page is made): the three resolutions with a scanner's defects, then a
# harsher scan and a phone photo at 200 dpi
CONDITIONS = [
    ("scan", 150, {"angle": 0.8, "noise": 8.0, "quality": 70}),
    ("scan", 200, {"angle": 0.8, "noise": 8.0, "quality": 70}),
    ("scan", 300, {"angle": 0.8, "noise": 8.0, "quality": 70}),
    ("harsh scan", 200, {"angle": 2.5, "noise": 16.0, "quality": 40}),
    ("photo", 200, {"angle": -1.5, "quality": 60}),
    ("very poor scan", 72, {"angle": 3.0, "noise": 60.0, "quality": 10}),  # should be quarantined, not read
]

A4_INCHES = (8.27, 11.69)


def _font(pixels: int) -> Any:
    import pylopdf_fonts_zh_cn
    from PIL import ImageFont

    return ImageFont.truetype(str(pylopdf_fonts_zh_cn.sans_path()), pixels)


def layout_lines(text: str, dpi: int = 200, points: float = 12.0) -> list[tuple[int, int, str]]:
    """Where ``render_pages`` draws each line: ``(page index, top y in pixels, line)``; the left edge is
    the one-inch margin (``dpi`` pixels). Paragraphs are wrapped at the margin; a new page starts when one
    is full or at a line holding only a form feed (``\\f``)."""
    pixels = round(points * dpi / 72)
    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    margin, leading = dpi, round(pixels * 1.6)
    font = _font(pixels)
    placed: list[tuple[int, int, str]] = []
    page, y = -1, height
    for paragraph in text.split("\n"):
        if paragraph == "\f":
            y = height
            continue
        lines: list[str] = []
        line = ""
        for char in paragraph:
            if line and font.getlength(line + char) > width - 2 * margin:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
        for line in lines:
            if y + leading > height - margin:
                page, y = page + 1, margin
            placed.append((page, y, line))
            y += leading
    return placed


def render_pages(text: str, dpi: int = 200, points: float = 12.0) -> list[Any]:
    """Text -> A4 greyscale page images (PIL) at ``dpi``: one-inch margins, lines where ``layout_lines``
    places them."""
    from PIL import Image, ImageDraw

    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    font = _font(round(points * dpi / 72))
    pages: list[Any] = []
    for page, y, line in layout_lines(text, dpi, points):
        while len(pages) <= page:
            pages.append(Image.new("L", (width, height), 255))
        ImageDraw.Draw(pages[page]).text((dpi, y), line, font=font, fill=0)
    return pages


def degrade(page: Any, angle: float = 0.8, noise: float = 8.0, seed: int = 0, blur: float = 0.0) -> Any:
    """A scanner's defects: rotation by ``angle`` degrees, optional Gaussian blur of radius ``blur``
    pixels (out of focus), Gaussian noise of ``noise`` grey levels."""
    import numpy as np
    from PIL import Image, ImageFilter

    rotated = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if blur:
        rotated = rotated.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(rotated).astype(np.float32)
    pixels += np.random.default_rng(seed).normal(0.0, noise, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def jpeg(page: Any, quality: int = 70) -> Any:
    """The page after a JPEG round trip at ``quality``."""
    from PIL import Image

    buffer = io.BytesIO()
    page.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def scanned_pdf(text: str, dpi: int = 200, angle: float = 0.8, noise: float = 8.0, quality: int = 70,
                seed: int = 0, blur: float = 0.0) -> bytes:
    """An image-only PDF (no text layer) of ``text`` as a scanner at ``dpi`` would make it."""
    return pages_pdf(render_pages(text, dpi), dpi, angle, noise, quality, seed, blur)


def pages_pdf(pages: list[Any], dpi: int = 200, angle: float = 0.8, noise: float = 8.0, quality: int = 70,
              seed: int = 0, blur: float = 0.0) -> bytes:
    """An image-only PDF of rendered page images, each degraded (``degrade``) and JPEG-compressed."""
    pages = [jpeg(degrade(p, angle, noise, seed + i, blur), quality) for i, p in enumerate(pages)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:])
    return buffer.getvalue()


def photo(text: str, dpi: int = 200, angle: float = -1.5, quality: int = 60, seed: int = 1) -> bytes:
    """A JPEG photo of the first page: tilted, unevenly lit (darker towards one corner), noisy."""
    import numpy as np
    from PIL import Image

    page = degrade(render_pages(text, dpi)[0], angle, 10.0, seed).convert("RGB")
    pixels = np.asarray(page).astype(np.float32)
    rows, cols = pixels.shape[:2]
    shade = 0.78 + 0.22 * (1 - np.add.outer(np.linspace(0, 1, rows), np.linspace(0, 1, cols)) / 2)
    pixels = pixels * shade[:, :, None] * np.array([1.0, 0.97, 0.9])  # warm light
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _letters(text: str) -> str:
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions) between two strings."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def cer(source: str, ocr: str) -> float:
    """Character error rate of ``ocr`` against ``source``, whitespace ignored, NFKC-normalised
    (full-width and half-width punctuation count as the same character)."""
    reference = _letters(source)
    return edit_distance(reference, _letters(ocr)) / max(len(reference), 1)


FACT_FIELDS = ("indicator", "value", "unit", "kind", "scope", "role")


def facts(path: Path) -> tuple[Counter[tuple[Any, ...]], dict[str, Any], str | None]:
    """The facts of one file (records with an indicator) as a multiset, its profile and clean text."""
    from pipeline.extract.extractor import extract_text
    from pipeline.ingest.stage import profile_file

    profile, text = profile_file(path)
    if text is None:
        return Counter(), profile, None
    records = extract_text(profile["doc"], text, doc_is_plan=profile["doc_kind"] == "work_plan",
                           admin_level=profile.get("admin_level"), report_year=profile.get("report_year"))
    return Counter(tuple(getattr(r, f) for f in FACT_FIELDS) for r in records if r.indicator), profile, text


def read_raw(data: bytes, ext: str) -> str:
    """The reader's raw text of a scan (before normalisation)."""
    from pipeline.ingest.readers import read_document

    return read_document(data, ext).text


def make_scan(label: str, source: str, dpi: int, how: dict[str, float], seed: int) -> tuple[bytes, str]:
    """(file bytes, extension) of one condition: an image-only PDF, or a JPEG photo of the first page."""
    if label == "photo":
        return photo(source, dpi=dpi, angle=how["angle"], quality=int(how["quality"]), seed=seed), ".jpg"
    return scanned_pdf(source, dpi=dpi, angle=how["angle"], noise=how["noise"], quality=int(how["quality"]),
                       seed=seed), ".pdf"


def evaluate(conditions: list[tuple[str, int, dict[str, float]]], work: Path) -> list[dict[str, Any]]:
    """One row per condition: pages, CER, facts identical to the text run, seconds per page."""
    expected_facts = {}
    for name, source in REPORTS.items():
        text_file = work / f"{name}.txt"
        text_file.write_text(source, encoding="utf-8")
        expected_facts[name] = facts(text_file)[0]
    rows = []
    for label, dpi, how in conditions:
        errors = chars = identical = total = pages = 0
        seconds = 0.0
        quarantined = []
        for seed, (name, source) in enumerate(REPORTS.items()):
            data, ext = make_scan(label, source, dpi, how, seed)
            scan = work / f"{name}-{label.replace(' ', '_')}-{dpi}{ext}"
            scan.write_bytes(data)
            started = time.monotonic()
            try:
                raw = read_raw(data, ext)
            except Exception as exc:  # a quarantined scan counts as every character wrong
                quarantined.append(f"{name}: {getattr(exc, 'reason', type(exc).__name__)}: {exc}")
                raw = ""
            seconds += time.monotonic() - started
            pages += 1 if ext == ".jpg" else len(render_pages(source, dpi))
            reference = _letters(source)
            errors += round(cer(source, raw) * len(reference))
            chars += len(reference)
            ocr_text = work / f"{scan.stem}.ocr.txt"  # the reader's text, run on like a submitted file's
            ocr_text.write_text(raw, encoding="utf-8")
            got = facts(ocr_text)[0] if raw else Counter()
            expected = expected_facts[name]
            identical += sum((expected & got).values())
            total += sum(expected.values())
        rows.append({"condition": label, "dpi": dpi, "how": how, "reports": len(REPORTS), "pages": pages,
                     "chars": chars, "errors": errors, "cer": errors / chars, "facts": total, "identical": identical,
                     "identical_share": identical / max(total, 1), "seconds_per_page": seconds / max(pages, 1),
                     "quarantined": quarantined})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| condition | dpi | rotation, noise σ, JPEG q | reports (pages) | source chars | char errors | CER "
             "| facts (text run) | identical | share | s/page (wall) |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        how = r["how"]
        defects = f"{how['angle']}°, {how.get('noise', 10.0):g}, {how['quality']:g}"
        lines.append(f"| {r['condition']} | {r['dpi']} | {defects} | {r['reports']} ({r['pages']}) | {r['chars']} | "
                     f"{r['errors']} | {r['cer']:.2%} | {r['facts']} | {r['identical']} | {r['identical_share']:.1%} | "
                     f"{r['seconds_per_page']:.1f} |")
    return "\n".join(lines)


# Calibration grid (``--calibrate``): scan resolution x defects, every page OCR'd as the reader does
# (pdfium rendering at render_dpi, the engine, the layout), then compared with its source page.
CALIBRATION = [(dpi, label, how) for dpi in (100, 150, 200) for label, how in (
    ("scan", {"angle": 0.8, "noise": 8.0, "quality": 70, "blur": 0.0}),
    ("medium", {"angle": 1.5, "noise": 14.0, "quality": 50, "blur": 0.8}),
    ("heavy", {"angle": 2.0, "noise": 20.0, "quality": 35, "blur": 1.2}),
)]
_NUMBER = re.compile(r"\d+(?:\.\d+)?%?")


def source_pages(text: str, dpi: int) -> list[str]:
    """The source text of each rendered page (``layout_lines``)."""
    pages: list[str] = []
    for page, _y, line in layout_lines(text, dpi):
        while len(pages) <= page:
            pages.append("")
        pages[page] += line
    return pages


def number_errors(source: str, ocr: str) -> int:
    """Numbers (``12``, ``12.8``, ``12.8%``) of the source page that the OCR page does not give
    identically (a multiset difference, NFKC)."""
    return sum((Counter(_NUMBER.findall(_letters(source))) - Counter(_NUMBER.findall(_letters(ocr)))).values())


def calibrate(reocr_dpi: int = 0, defects: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per scanned page of the calibration grid: condition, page confidence, lowest numeral
    score, CER and wrong numbers against the source page; with ``reocr_dpi``, also the numbers on which
    a second OCR of the page rendered at that resolution disagrees with the first."""
    from pipeline.ingest.ocr import OcrSettings, make_engine, ocr_page, pdf_page_images

    settings = OcrSettings()
    engine = make_engine(settings)
    rows = []
    for dpi, label, how in CALIBRATION:
        if defects and label not in defects:
            continue
        for seed, (name, source) in enumerate(REPORTS.items()):
            pdf = scanned_pdf(source, dpi=dpi, angle=how["angle"], noise=how["noise"], quality=int(how["quality"]),
                              seed=seed, blur=how["blur"])
            expected = source_pages(source, dpi)
            for number, image in enumerate(pdf_page_images(pdf, settings), start=1):
                page = ocr_page(engine, image, settings)
                row = {"dpi": dpi, "condition": label, "report": name, "page": number,
                       "confidence": page.confidence, "numeral_confidence": page.numeral_confidence,
                       "cer": cer(expected[number - 1], page.text),
                       "number_errors": number_errors(expected[number - 1], page.text),
                       "numbers": len(_NUMBER.findall(_letters(expected[number - 1]))),
                       "point_doubts": len(page.point_doubts), "point_gap_score": page.point_gap_score}
                if reocr_dpi:
                    again_settings = OcrSettings(render_dpi=reocr_dpi)
                    again = ocr_page(engine, next(iter(pdf_page_images(pdf, again_settings, {number}))), again_settings)
                    first, second = Counter(_NUMBER.findall(_letters(page.text))), Counter(_NUMBER.findall(_letters(again.text)))
                    row["reocr_disagreements"] = sum(((first - second) + (second - first)).values())
                    row["reocr_number_errors"] = number_errors(expected[number - 1], again.text)
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    return rows


def settings_floor() -> float:
    from pipeline.ingest.ocr import load_ocr_settings

    return load_ocr_settings().min_page_confidence


def calibration_tables(rows: list[dict[str, Any]]) -> str:
    """Markdown: per condition (pages, mean and worst CER, lowest page confidence and numeral score,
    wrong numbers), then per candidate floor the pages it would quarantine, good (CER <= 2 % and no
    wrong number) and bad."""
    out = ["| dpi | defects | pages | mean CER | worst CER | lowest page confidence | lowest numeral score "
           "| wrong numbers / numbers | point doubts (pages) | re-OCR disagreements |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for dpi, label, _how in CALIBRATION:
        group = [r for r in rows if r["dpi"] == dpi and r["condition"] == label]
        if not group:
            continue
        reocr = sum(r.get("reocr_disagreements", 0) for r in group) if "reocr_disagreements" in group[0] else "-"
        out.append(f"| {dpi} | {label} | {len(group)} | {sum(r['cer'] for r in group) / len(group):.2%} | "
                   f"{max(r['cer'] for r in group):.2%} | {min(r['confidence'] for r in group):.3f} | "
                   f"{min(r['numeral_confidence'] for r in group):.3f} | {sum(r['number_errors'] for r in group)} / "
                   f"{sum(r['numbers'] for r in group)} | {sum(r.get('point_doubts', 0) for r in group)} "
                   f"({sum(1 for r in group if r.get('point_doubts'))}) | {reocr} |")
    bad = [r for r in rows if r["cer"] > 0.02 or r["number_errors"]]
    out += ["", f"{len(rows)} pages, {len(bad)} bad (CER > 2 % or a wrong number).", "",
            "| page-confidence floor | pages quarantined | of them bad | bad pages let through |",
            "|---:|---:|---:|---:|"]
    for floor in (0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98):
        caught = [r for r in rows if r["confidence"] < floor]
        out.append(f"| {floor:.2f} | {len(caught)} | {sum(r in bad for r in caught)} | "
                   f"{sum(r not in caught for r in bad)} |")
    passed = [r for r in rows if r["confidence"] >= settings_floor()]
    wrong = [r for r in passed if r["number_errors"]]
    out += ["", "Pages over the page-confidence floor, by the point-doubt score (a page is flagged when a skipped "
            "frame beside digits scores this for '.'):", "",
            "| point-doubt score | pages flagged | of them with a wrong number | pages with a wrong number missed |",
            "|---:|---:|---:|---:|"]
    for score in (0.02, 0.05, 0.1, 0.2, 0.3):
        flagged = [r for r in passed if r.get("point_gap_score", 0.0) >= score]
        out.append(f"| {score:.2f} | {len(flagged)} | {sum(1 for r in flagged if r['number_errors'])} | "
                   f"{sum(1 for r in wrong if r not in flagged)} |")
    wrong = [r for r in passed if r["number_errors"]]
    out += ["", f"Pages over the configured floor ({settings_floor():.2f}): {len(passed)}; with a wrong number: "
            f"{len(wrong)}; of those with a point doubt: {sum(1 for r in wrong if r.get('point_doubts'))}; "
            f"pages without a wrong number but with a point doubt: "
            f"{sum(1 for r in passed if r.get('point_doubts') and not r['number_errors'])}."]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dpi", type=int, nargs="+", help="only the scans at these resolutions")
    parser.add_argument("--condition", nargs="+", help="only these conditions (scan, harsh scan, photo, ...)")
    parser.add_argument("--out", type=Path, help="also write the markdown table here")
    parser.add_argument("--calibrate", action="store_true", help="per-page confidence vs CER over CALIBRATION")
    parser.add_argument("--reocr-dpi", type=int, default=0, help="with --calibrate: re-OCR each page at this dpi")
    parser.add_argument("--defects", nargs="+", help="with --calibrate: only these defects (scan, medium, heavy)")
    args = parser.parse_args(argv)
    if args.calibrate:
        rows = calibrate(args.reocr_dpi, args.defects)
        print(calibration_tables(rows))
        if args.out:
            args.out.write_text(calibration_tables(rows) + "\n", encoding="utf-8")
        return 0
    conditions = [c for c in CONDITIONS if (not args.dpi or (c[0] == "scan" and c[1] in args.dpi))
                  and (not args.condition or c[0] in args.condition)]
    with tempfile.TemporaryDirectory(prefix="ocr_eval_") as tmp:
        rows = evaluate(conditions, Path(tmp))
    print(f"{len(REPORTS)} invented reports, A4, 12 pt Noto Sans SC; CER = edit distance / source characters "
          "(NFKC, whitespace ignored); facts = records with an indicator (indicator, value, unit, kind, scope, role)")
    print(table(rows))
    for r in rows:
        for q in r["quarantined"]:
            print(f"  {r['condition']} {r['dpi']} dpi quarantined: {q}")
    if args.out:
        args.out.write_text(table(rows) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
