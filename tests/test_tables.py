"""Tables in reports: readers write one line per row with cells separated by ｜, and bare numbers in
the cells count as quantities when the caption declares their unit (单位：件)."""

from __future__ import annotations

import io

from pipeline.extract.extractor import extract_text
from pipeline.ingest.normalise import normalise_text
from pipeline.ingest.readers import html_to_text, read_docx

CAPTION = "全省行政复议案件办理情况如下（单位：件）："


def _quantities(raw: str) -> list[tuple[str, str]]:
    text = normalise_text(raw).text
    return [(text[r.start:r.end], r.unit) for r in extract_text("doc", text)]


def test_bare_numbers_in_a_table_take_the_unit_its_caption_declares():
    raw = (f"{CAPTION}\n层级｜收案｜审结｜纠错率\n省政府本级｜412｜398｜11.8%\n合计｜3,276｜3129｜12.8%\n"
           "2021｜2022\n全省法院新收一审行政案件5,208件。")
    assert _quantities(raw) == [("412", "件"), ("398", "件"), ("11.8%", "%"), ("3,276", "件"), ("3129", "件"),
                                ("12.8%", "%"), ("5,208件", "件")]  # the year header row gives nothing


def test_a_table_without_a_declared_unit_gives_no_bare_numbers():
    assert _quantities("行政复议案件办理情况：\n层级｜收案｜审结\n合计｜3276｜3129\n") == []


def test_html_data_tables_become_rows_and_layout_tables_stay_blocks():
    html = ("<html><body><p>" + CAPTION + "</p><table>\n<tr><th>层级</th><th>收案</th></tr>\n"
            "<tr><td>合计</td><td>3276</td></tr></table>"
            "<table><tr><td>网站导航</td><td>" + "本县坚持依法行政，全面推进法治政府建设。" * 5 + "</td></tr></table>"
            "</body></html>")
    text = html_to_text(html)
    assert "层级｜收案" in text and "合计｜3276" in text
    assert "网站导航｜" not in text  # a long cell: a page-layout table, not data
    assert _quantities(text) == [("3276", "件")]


def test_docx_table_rows_keep_their_cells_apart():
    import docx

    document = docx.Document()
    document.add_paragraph("2022年度法治政府建设情况报告。" + CAPTION)
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(table.rows, [("层级", "收案", "审结"), ("合计", "3276", "3129")], strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    text = read_docx(buffer.getvalue()).text
    assert "合计｜3276｜3129" in text
    assert _quantities(text) == [("3276", "件"), ("3129", "件")]
