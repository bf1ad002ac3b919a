"""Hostile input: parsers that hang or eat memory, deeply nested HTML, gigantic single lines, markup in
report text, hostile file names. Each ends in a quarantine with a reason (or clean text), never a hang
or a crashed run."""

from __future__ import annotations

import itertools
import time

import pytest

from pipeline.ingest.errors import UnreadableFile
from pipeline.ingest.guard import run_limited
from pipeline.ingest.normalise import normalise_text
from pipeline.ingest.readers import read_document, read_pdf


def _hangs(_data: bytes) -> str:
    while True:
        time.sleep(0.05)


def _eats_memory(_data: bytes) -> str:
    hoard = []
    while True:
        hoard.append(bytearray(50 * 1024 * 1024))


def test_a_parser_that_hangs_is_killed_at_the_time_limit():
    started = time.monotonic()
    with pytest.raises(UnreadableFile) as caught:
        run_limited(_hangs, b"%PDF-1.4", timeout=1.0, memory_bytes=512 << 20)
    assert caught.value.reason == "parser_timeout" and time.monotonic() - started < 10


def test_a_parser_that_eats_memory_is_stopped_at_the_memory_limit():
    with pytest.raises(UnreadableFile) as caught:
        run_limited(_eats_memory, b"%PDF-1.4", timeout=30.0, memory_bytes=512 << 20)
    assert caught.value.reason in ("parser_memory", "parser_crashed")


def test_pdf_errors_cross_the_guard_as_quarantine_reasons():
    with pytest.raises(UnreadableFile) as caught:
        read_pdf(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", timeout=20)
    assert caught.value.reason in ("corrupt_pdf", "no_text_layer", "parser_error")


def test_deeply_nested_html_is_read_without_blowing_the_stack():
    depth = 200_000  # lxml caps the tree depth itself; the text inside still comes out
    html = ("<html><body>" + "<div>" * depth + "法治政府建设情况报告。全年办理行政复议案件73件。" * 3
            + "</div>" * depth + "</body></html>").encode()
    decoded = read_document(html, ".html")
    assert "行政复议案件73件" in decoded.text


def test_a_gigantic_single_line_is_normalised_in_linear_time():
    line = ("全年办理行政复议案件73件，出庭应诉率100%，" * 200_000)  # ~4 MB on one line, no newline
    started = time.monotonic()
    norm = normalise_text(line)
    assert len(norm.text) > 1_000_000 and len(norm.offsets) == len(norm.text)
    assert time.monotonic() - started < 120  # a guard against quadratic behaviour, not a benchmark


def test_hostile_file_names_are_quarantined_not_followed(tmp_path):
    """Names with NUL bytes, '..', absolute paths or 300 characters (from a manifest, since the file system
    refuses some of them) and a symlink out of the inbox: each becomes a quarantined row with the reason."""
    from pipeline.ingest.inbox import list_submissions

    (tmp_path / "outside.txt").write_text("secret", encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "link.txt").symlink_to(tmp_path / "outside.txt")
    long_name = "长" * 300 + ".txt"
    (inbox / "manifest.csv").write_text(
        "file,unit_name,admin_level,report_year\n"
        f"a\x00b.txt,x,county,2017\n../../etc/passwd,x,county,2017\n/etc/shadow,x,county,2017\n"
        f"{long_name},x,county,2017\n", encoding="utf-8")
    subs = {s.source_file: s for s in list_submissions(inbox)}
    reasons = {name: (s.refused, s.refused_message) for name, s in subs.items()}
    assert reasons["a\x00b.txt"] == ("unsafe_path", "NUL byte in file name")
    assert reasons["../../etc/passwd"][0] == "unsafe_path" and reasons["/etc/shadow"][0] == "unsafe_path"
    assert reasons[long_name][0] == "unsafe_path" and "longer than" in reasons[long_name][1]
    assert reasons["link.txt"] == ("unsafe_path", "symbolic link pointing outside the inbox")
    assert all(s.location is None for s in subs.values())  # nothing will be opened


REPORT_BODY = ("某某县人民政府关于2017年度法治政府建设情况的报告\n"
               + "一年来，我县坚持依法行政，全年办理行政复议案件41件，行政机关负责人出庭应诉率达到百分之九十五。\n" * 20)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_few_undecodable_bytes_are_replaced_and_flagged_not_the_whole_report_lost(encoding):
    """Issue 24 failure 3: three invalid bytes in a report quarantined it as undecodable."""
    cuts = (0, 60, 200, 450, len(REPORT_BODY))  # three stray bytes between characters (0xFF is never valid)
    data = b"\xff".join(REPORT_BODY[a:b].encode(encoding) for a, b in itertools.pairwise(cuts))
    decoded = read_document(data, ".txt")
    assert decoded.flags == ("decode_errors:3",)
    assert decoded.text.count("\ufffd") == 3 and "行政复议案件41件" in decoded.text
    html = f"<html><head><meta charset='{encoding}'></head><body><p>".encode() + data + b"</p></body></html>"
    assert read_document(html, ".html").flags == ("decode_errors:3",)


def test_a_mostly_undecodable_file_is_still_quarantined():
    data = bytearray(REPORT_BODY.encode("utf-8"))
    for position in range(0, len(data), 40):  # 2.5 % of the bytes broken: over the 1 % tolerance
        data[position] = 0xFF
    with pytest.raises(UnreadableFile) as caught:
        read_document(bytes(data), ".txt")
    assert caught.value.reason == "undecodable" and "bytes" in str(caught.value)
    noise = bytes((i * 97 + 13) % 256 for i in range(20_000))
    with pytest.raises(UnreadableFile) as caught:
        read_document(noise, ".txt")
    assert caught.value.reason in ("undecodable", "binary_garbage", "no_chinese_text")


def test_the_decode_errors_flag_reaches_the_documents_table(tmp_path):
    from pipeline.ingest.stage import profile_file

    cuts = (0, 60, 200, 450, len(REPORT_BODY))
    path = tmp_path / "three_bad_bytes.txt"
    path.write_bytes(b"\xff".join(REPORT_BODY[a:b].encode("utf-8") for a, b in itertools.pairwise(cuts)))
    profile, _ = profile_file(path)
    assert profile["status"] == "ok" and "decode_errors:3" in profile["flags"]
