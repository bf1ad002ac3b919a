"""Legacy Word (.doc / OLE .wps), RTF, OFD and spreadsheet (.xlsx / .xls) attachments (issue 21, item 3):
files built here from invented report text, read through ``read_document`` and ``profile_file``,
plus the bomb, entity and corruption guards."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pipeline.extract.extractor import extract_text
from pipeline.ingest.errors import UnreadableFile
from pipeline.ingest.normalise import normalise_text
from pipeline.ingest.ocr import evidence_pages
from pipeline.ingest.readers import read_document
from pipeline.ingest.stage import profile_file

TITLE = "安远县人民政府2022年法治政府建设年度报告"
BODY = [
    "2022年，我县扎实推进法治政府建设各项任务，现报告如下。",
    "一、全年提交县政府常务会议审议的重大行政决策事项9件，全部经过合法性审查。",
    "二、全县共办理行政处罚案件745件，行政强制案件63件，执法人员持证率为97.5%。",
    "三、收到行政复议申请28件，审结26件，行政机关负责人出庭应诉率达到100%。",
    "四、组织领导干部集体学法4次，开展法治宣传进乡村活动36场，下一步将持续改进执法能力不足的问题。",
]
FREE = 0xFFFFFFFF
END = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD


# ---------------------------------------------------------------- an OLE compound file writer (tests only)
def _dir_entry(name: str, kind: int, child: int = FREE, right: int = FREE, start: int = END, size: int = 0) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1) + struct.pack("<III", FREE, right, child)
            + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding ``streams`` (each padded to at least 4096 bytes, so no mini
    stream is needed), with one directory sector: enough for olefile and for Word's stream layout."""
    sectors: list[bytes] = []
    starts: dict[str, tuple[int, int]] = {}
    chains: list[list[int]] = []
    for name, data in streams.items():
        data = data.ljust(max(4096, -(-len(data) // 512) * 512), b"\0")
        first = len(sectors)
        sectors += [data[i:i + 512] for i in range(0, len(data), 512)]
        starts[name] = (first, len(data))
        chains.append(list(range(first, len(sectors))))
    names = list(streams)
    entries = [_dir_entry("Root Entry", 5, child=1)]
    for i, name in enumerate(names, start=1):
        entries.append(_dir_entry(name, 2, right=i + 1 if i < len(names) else FREE, start=starts[name][0],
                                  size=starts[name][1]))
    directory = b"".join(entries).ljust(512, b"\0")
    dir_sector = len(sectors)
    sectors.append(directory)
    n_fat = 1
    while (len(sectors) + n_fat) > 128 * n_fat:
        n_fat += 1
    fat = [FREE] * (128 * n_fat)
    for chain in chains:
        for a, b in zip(chain, [*chain[1:], END], strict=True):
            fat[a] = b
    fat[dir_sector] = END
    fat_sectors = list(range(len(sectors), len(sectors) + n_fat))
    for s in fat_sectors:
        fat[s] = FATSECT
    difat = fat_sectors + [FREE] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, n_fat, dir_sector, 0, 4096, END, 0, END, 0)
              + struct.pack("<109I", *difat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + b"".join(sectors) + fat_bytes


def word_doc(text: str) -> bytes:
    """A Word 97 binary document whose body is ``text`` (Word marks: \\r paragraphs, \\x07 cells)."""
    text_at = 0x800
    fib = bytearray(text_at)
    struct.pack_into("<HH", fib, 0, 0xA5EC, 0x00C1)
    struct.pack_into("<H", fib, 0x0A, 0x0200)  # fWhichTblStm: the table stream is 1Table
    struct.pack_into("<I", fib, 0x4C, len(text))  # ccpText
    clx = b"\x02" + struct.pack("<I", 16) + struct.pack("<II", 0, len(text)) + struct.pack("<HIH", 0, text_at, 0)
    struct.pack_into("<II", fib, 0x1A2, 0, len(clx))  # fcClx, lcbClx
    return compound_file({"WordDocument": bytes(fib) + text.encode("utf-16-le"), "1Table": clx})


DOC_TEXT = ("\r".join([TITLE, *BODY]) + "\r"
            + "指标\x07数量\x07\x07规范性文件审核\x0714件\x07\x07"
            + "本报告共\x13 NUMPAGES \\* MERGEFORMAT \x143\x15页。\r")


def test_a_legacy_word_doc_is_read_with_tables_and_fields():
    decoded = read_document(word_doc(DOC_TEXT), ".doc")
    assert decoded.fmt == "doc"
    lines = decoded.text.split("\n")
    assert lines[0] == TITLE and "执法人员持证率为97.5%。" in decoded.text
    assert "指标｜数量" in lines and "规范性文件审核｜14件" in lines
    assert "本报告共3页。" in lines and "MERGEFORMAT" not in decoded.text


def test_a_wps_file_in_ole_word_format_and_look_alikes_named_doc(tmp_path: Path):
    path = tmp_path / "anyuan-2022.wps"
    path.write_bytes(word_doc(DOC_TEXT))
    profile, text = profile_file(path, run_year=2022)
    assert profile["status"] == "ok" and profile["report_year"] == 2022 and profile["unit_name"].startswith("安远县")
    assert text is not None and "行政复议申请28件" in text
    html = f"<html><head><meta charset='utf-8'></head><body><p>{TITLE}</p><p>{BODY[1]}</p></body></html>"
    decoded = read_document(html.encode(), ".doc")  # a web page saved as .doc
    assert decoded.fmt == "html" and "html_named_doc" in decoded.flags and "决策事项9件" in decoded.text
    with pytest.raises(UnreadableFile) as caught:  # an RTF named .doc is read as RTF: here with no report text
        read_document(b"{\\rtf1\\ansi some text}", ".doc")
    assert caught.value.reason == "no_chinese_text"


# ---------------------------------------------------------------- RTF and the .wps variants
def _rtf_escape(text: str, unicode_every: int = 0) -> str:
    """Chinese as GBK ``\\'xx`` escapes (every ``unicode_every``-th character as ``\\uN?`` instead)."""
    out = []
    for i, char in enumerate(text):
        if ord(char) < 128:
            out.append({"\\": "\\\\", "{": "\\{", "}": "\\}"}.get(char, char))
        elif unicode_every and i % unicode_every == 0:
            out.append(f"\\u{ord(char)}?")
        else:
            out.append("".join(f"\\'{b:02x}" for b in char.encode("gbk")))
    return "".join(out)


def rtf_file(lines: list[str], rows: list[list[str]]) -> bytes:
    """An RTF document as Word or WPS Office writes it (code page 936, a SimSun font table), with a
    table, a picture and a page-number field."""
    body = "".join(f"{_rtf_escape(line, unicode_every=7)}\\par\n" for line in lines)
    table = "".join("\\trowd\\cellx3000\\cellx6000\n" + "".join(f"\\intbl {_rtf_escape(c)}\\cell " for c in row)
                    + "\\row\n" for row in rows)
    picture = "{\\*\\shppict{\\pict\\pngblip\\picw20\\pich20 " + "89504e470d0a1a0a" * 40 + "}}\n"
    field = "{\\field{\\*\\fldinst PAGE}{\\fldrslt 1}}\\par\n"
    return ("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 \\'cb\\'ce\\'cc\\'e5;}}\n"
            "{\\info{\\title report}}\\f0\\fs24\n" + body + table + picture + field + "}").encode("ascii")


RTF_ROWS = [["指标", "数量"], ["规范性文件审核", "14件"]]


def test_an_rtf_report_is_read_with_its_table(tmp_path: Path):
    data = rtf_file([TITLE, *BODY], RTF_ROWS)
    decoded = read_document(data, ".rtf")
    lines = [line for line in decoded.text.split("\n") if line.strip()]
    assert decoded.fmt == "rtf" and lines[0] == TITLE and BODY[2] in lines
    assert "指标｜数量" in lines and "规范性文件审核｜14件" in lines and "89504e47" not in decoded.text
    path = tmp_path / "anyuan-2022.rtf"
    path.write_bytes(data)
    profile, text = profile_file(path, run_year=2022)
    assert profile["status"] == "ok" and profile["report_year"] == 2022 and profile["unit_name"].startswith("安远县")
    assert text is not None
    records = {(r.value, r.unit) for r in extract_text("rtf", text, report_year=2022) if r.indicator}
    assert (28.0, "件") in records and (745.0, "件") in records


def test_wps_variants_are_read_or_refused_by_what_they_are():
    """WPS Office writes .wps as OLE Word (read above); a .wps holding RTF or DOCX is read as such; a
    Microsoft Works .wps and the early Kingsoft binary are refused with their own reasons."""
    rtf = read_document(rtf_file([TITLE, *BODY], RTF_ROWS), ".wps")
    assert rtf.fmt == "rtf" and "rtf_named_wps" in rtf.flags and "行政复议申请28件" in rtf.text
    import docx

    document = docx.Document()
    for line in [TITLE, *BODY]:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    zipped = read_document(buffer.getvalue(), ".wps")
    assert zipped.fmt == "docx" and "docx_named_wps" in zipped.flags and BODY[1] in zipped.text
    cases = {
        "works_wps": compound_file({"CONTENTS": b"CHNKWKS " + b"\0" * 200}),
        "unsupported_wps": b"\xff\x00WPS-DOS " + "某县报告".encode("gbk") * 50,
    }
    for reason, data in cases.items():
        with pytest.raises(UnreadableFile) as caught:
            read_document(data, ".wps")
        assert caught.value.reason == reason, (reason, str(caught.value))
    with pytest.raises(UnreadableFile) as caught:
        read_document(b"not rtf at all", ".rtf")
    assert caught.value.reason == "corrupt_rtf"


def test_broken_and_encrypted_word_files_are_refused_with_reasons():
    cases = {
        "not_word_document": compound_file({"Workbook": b"\x09\x08" + b"\0" * 100}),
        "corrupt_doc": word_doc(DOC_TEXT)[:1536] + b"\0" * 100,  # truncated: streams cut off
        "corrupt_doc ": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    }
    for reason, data in cases.items():
        with pytest.raises(UnreadableFile) as caught:
            read_document(data, ".doc")
        assert caught.value.reason == reason.strip(), (reason, caught.value.reason, str(caught.value))
    encrypted = bytearray(word_doc(DOC_TEXT))
    at = 512  # WordDocument is the first stream: its FIB starts at sector 0
    struct.pack_into("<H", encrypted, at + 0x0A, 0x0200 | 0x0100)
    with pytest.raises(UnreadableFile) as caught:
        read_document(bytes(encrypted), ".doc")
    assert caught.value.reason == "encrypted_doc"


# ---------------------------------------------------------------- OFD
def _ofd_page(lines: list[str], size: float = 4.2) -> str:
    objects = []
    for i, line in enumerate(lines):
        # a long line is split in two text objects, as OFD writers do; positions in mm
        half = len(line) // 2
        for j, (x, part) in enumerate(((25.0, line[:half]), (25.0 + half * size, line[half:]))):
            objects.append(f'<ofd:TextObject ID="{i * 2 + j + 10}" Boundary="{x} {30 + i * 8} {len(part) * size} 6" '
                           f'Font="3" Size="{size}"><ofd:TextCode X="0" Y="{size}" DeltaX="g {len(part) - 1} {size}">'
                           f"{part}</ofd:TextCode></ofd:TextObject>")
    return ('<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016">'
            f'<ofd:Content><ofd:Layer ID="2">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')


def ofd_file(pages: list[list[str]], extra: dict[str, bytes] | None = None) -> bytes:
    """An OFD package: OFD.xml -> Doc_0/Document.xml -> Pages/Page_N/Content.xml with text objects."""
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0" DocType="OFD">'
                              "<ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo>"
                              "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        page_refs = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        z.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}>'
                                         f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>")
        for i, lines in enumerate(pages):
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml", _ofd_page(lines))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def test_an_ofd_is_read_page_by_page_and_evidence_maps_to_its_page(tmp_path: Path):
    path = tmp_path / "anyuan-2022.ofd"
    path.write_bytes(ofd_file([[TITLE, *BODY[:2]], BODY[2:]]))
    decoded = read_document(path.read_bytes(), ".ofd")
    lines = decoded.text.split("\n")
    assert lines[0] == TITLE and BODY[3] in lines  # the two text objects of a line are one line again
    profile, _text = profile_file(path, run_year=2022)
    assert profile["status"] == "ok" and profile["report_year"] == 2022
    norm = normalise_text(decoded.text)
    records = {(r.value, r.unit): r for r in extract_text("ofd", norm.text, report_year=2022) if r.indicator}
    decisions, reviews = records[(9.0, "件")], records[(28.0, "件")]
    assert evidence_pages([decisions.start, reviews.start], [decisions.end, reviews.end], norm.offsets,
                          decoded.flags) == ["1", "2"]


def test_ofd_guards_refuse_entities_bombs_and_broken_packages():
    entity = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
              '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>&a;</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("OFD.xml", entity)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", "<ofd:OFD/>")
        z.writestr("Doc_0/Res/big.bin", b"0" * (300 * 1024 * 1024))
    cases = {
        "xml_entities": buffer.getvalue(),
        "zip_bomb": bomb.getvalue(),
        "corrupt_ofd": b"not a zip at all",
    }
    missing = io.BytesIO()
    with zipfile.ZipFile(missing, "w") as z:
        z.writestr("OFD.xml", '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody>'
                              "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
    cases["corrupt_ofd "] = missing.getvalue()
    for reason, data in cases.items():
        with pytest.raises(UnreadableFile) as caught:
            read_document(data, ".ofd")
        assert caught.value.reason == reason.strip(), (reason, str(caught.value))


# ---------------------------------------------------------------- spreadsheets
ROWS = [["指标", "2022年", "备注"], ["行政复议申请（件）", 28, None], ["行政处罚案件（件）", 745.0, "含简易程序"],
        ["执法人员持证率", "97.5%", None]]


def _xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "安远县法治政府建设统计表"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xls(rows: list[list[object]]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("安远县统计表")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("ext", "make"), [(".xlsx", _xlsx), (".xls", _xls)])
def test_spreadsheet_cells_become_table_text(ext, make):
    decoded = read_document(make(ROWS), ext)
    lines = decoded.text.split("\n")
    assert lines[0].startswith("安远县") and decoded.fmt == ext[1:]
    assert "行政复议申请（件）｜28" in lines and "行政处罚案件（件）｜745｜含简易程序" in lines
    assert "执法人员持证率｜97.5%" in lines and lines[1] == "指标｜2022年｜备注"


def test_spreadsheet_guards():
    with pytest.raises(UnreadableFile) as caught:
        read_document(b"PK\x03\x04 broken", ".xlsx")
    assert caught.value.reason in ("corrupt_docx", "corrupt_xlsx")
    with pytest.raises(UnreadableFile) as caught:
        read_document(b"plain text, not a workbook", ".xls")
    assert caught.value.reason == "corrupt_xls"
    from pipeline.ingest import sheets

    with pytest.raises(UnreadableFile) as caught:
        sheets.rows_to_lines("s", ([1, 2, 3] for _ in range(10)), [20])
    assert caught.value.reason == "too_large"
    assert sheets.rows_to_lines("s", [[None, None], ["a", 1.0, None]], [100]) == ["s", "a｜1"]
    assert np.isclose(float(sheets.cell_text(2.5)), 2.5)
