"""Every published file is byte-identical across runs and output roots, and names no local path (issue 24,
failure 5: the workbook carried its creation time, datapackage.json the build log's absolute path).
The stages run in this process (no Airflow); the DAG's own re-run is checked by test_e2e and the hostile
inbox test."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.test_empty_year import YEAR, run_stages


def _published(out: Path) -> dict[str, str]:
    root = out / "publish" / f"year={YEAR}"
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, sample_files) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("bytes")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "report.txt").write_bytes(sample_files["zhenxing-district"].read_bytes())
    (inbox / "notes.txt").write_text("no Chinese here", encoding="utf-8")
    first, second = root / "first_root", root / "another" / "output_root"
    run_stages(inbox, first)
    run_stages(inbox, second)
    return first, second


def test_every_published_file_is_byte_identical_across_output_roots(two_runs):
    first, second = (_published(out) for out in two_runs)
    assert {"rolindex_2017.xlsx", "datapackage.json", "index.html", "validation_report.html",
            "validation_results.json", "scores.csv", "documents.parquet"} <= set(first)
    assert any(name.startswith("charts/") for name in first)
    assert first == second


def test_no_published_file_names_a_local_path(two_runs):
    for out in two_runs:
        root = out / "publish" / f"year={YEAR}"
        for path in root.rglob("*"):
            if path.is_file() and path.suffix in (".json", ".html", ".csv", ".svg"):
                text = path.read_text(encoding="utf-8-sig")
                assert str(out) not in text and str(out.parent) not in text, path.name
