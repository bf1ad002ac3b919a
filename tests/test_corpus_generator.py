"""The benchmark corpus generator (benchmarks/generate_corpus.py): reproducible bytes, a truth row for
every file, and text the real ingest and normalise stages read, identify and de-duplicate correctly."""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pipeline.settings import PROJECT_ROOT

YEAR = 2022
REPORTS = 40
# more duplicates and defects than a national year, so that 40 files exercise every path
RATES = {"exact_duplicate": 0.1, "near_duplicate": 0.05, "work_plan": 0.05, "wrong_year": 0.05, "unreadable": 0.05,
         "docx": 0.1, "utf16": 0.1}


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    return importlib.import_module("generate_corpus")


def _generate(generator: ModuleType, out: Path, seed: int, workers: int) -> dict[str, Any]:
    summary: dict[str, Any] = generator.generate_corpus(REPORTS, YEAR, out, seed=seed, workers=workers,
                                                        government_share=0.3, rates=RATES, progress=False)
    return summary


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _truth(root: Path) -> list[dict[str, str]]:
    with (root / f"truth_{YEAR}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def corpus(generator: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    _generate(generator, out, seed=7, workers=2)
    return out


def test_same_seed_gives_the_same_bytes_whatever_the_worker_count(generator: ModuleType, corpus: Path,
                                                                  tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert generator.main(["--reports", str(REPORTS), "--year", str(YEAR), "--out", str(again), "--seed", "7",
                           "--workers", "1", "--government-share", "0.3",
                           *[f"--rate={k}={v}" for k, v in RATES.items()]]) == 0
    assert _digests(again) == _digests(corpus)
    other = tmp_path / "other"
    _generate(generator, other, seed=8, workers=2)
    assert _digests(other)[f"truth_{YEAR}.csv"] != _digests(corpus)[f"truth_{YEAR}.csv"]


def test_truth_accounts_for_every_file_and_lies_outside_the_inbox(corpus: Path) -> None:
    from pipeline.ingest.inbox import list_submissions

    truth = _truth(corpus)
    submitted = [s.source_file for s in list_submissions(corpus / str(YEAR))]
    assert sorted(r["file"] for r in truth) == sorted(submitted)
    assert len(truth) == REPORTS
    assert not list((corpus / str(YEAR)).rglob("truth_*"))
    summary = json.loads((corpus / f"corpus_{YEAR}.json").read_text(encoding="utf-8"))
    assert summary["files"] == REPORTS
    files = {r["file"] for r in truth}
    for row in truth:
        assert len(row["unit_id"]) == 6 and row["unit_id"].isdigit()
        assert row["admin_level"] in ("province", "prefecture", "county", "department")
        assert not row["duplicate_of"] or row["duplicate_of"] in files
    defects = {d for r in truth for d in r["defects"].split(";") if d}
    assert {"exact_duplicate", "html_page"} <= defects
    reports = [int(r["bytes"]) for r in truth if r["doc_kind"] == "annual_report" and r["expected"] == "accepted"]
    assert 6_000 < sum(reports) / len(reports) < 40_000  # ~10-16 KB of UTF-8 on average at national scale


def test_pipeline_identifies_generated_reports_and_sets_duplicates_aside(corpus: Path, tmp_path: Path) -> None:
    from pipeline import io
    from pipeline.catalog import Catalog
    from pipeline.ingest.stage import run_ingest, run_normalise
    from pipeline.settings import RunSettings

    settings = RunSettings.resolve(YEAR, corpus / str(YEAR), tmp_path / "out")
    run_ingest(settings)
    run_normalise(settings)
    docs = {r["source_file"]: r for r in io.read_parquet(Catalog(settings.out, YEAR).documents).to_dict("records")}
    truth = {r["file"]: r for r in _truth(corpus)}
    assert docs.keys() == truth.keys()

    clean = [f for f, t in truth.items() if not t["defects"] and docs[f]["disposition"] == "accepted"]
    assert len(clean) >= 10
    right_year = sum(docs[f]["report_year"] == int(truth[f]["report_year"]) for f in clean)
    right_level = sum(docs[f]["admin_level"] == truth[f]["admin_level"] for f in clean)
    assert right_year >= 0.9 * len(clean), [(f, docs[f]["report_year"]) for f in clean]
    assert right_level >= 0.9 * len(clean), [(f, docs[f]["admin_level"], truth[f]["admin_level"]) for f in clean]

    # one reporting body, one key: a bureau is never filed under its government, two bodies never share a key
    from evaluation.evaluate_generated_bodies import truth_key

    accepted = [f for f in truth if docs[f]["disposition"] == "accepted" and truth[f]["expected"] == "accepted"]
    want = {f: truth_key(truth[f]["unit_name"], truth[f]["unit_id"], truth[f]["admin_level"]) for f in accepted}
    right_body = [f for f in accepted if docs[f]["unit_key"] == want[f]]
    assert len(right_body) >= 0.9 * len(accepted), [(f, docs[f]["unit_key"], want[f]) for f in accepted]
    keys = [docs[f]["unit_key"] for f in right_body]
    assert len(set(keys)) == len({want[f] for f in right_body})
    assert any(k.split("-")[1] == "dept" for k in keys) and any(k.endswith("-gov") for k in keys)

    # every exact copy and its original: one is kept, the others are set aside pointing into the group
    groups: dict[str, list[str]] = {}
    for f, t in truth.items():
        if t["duplicate_of"]:
            groups.setdefault(t["duplicate_of"], [t["duplicate_of"]]).append(f)
    exact = {orig: [m for m in members if m == orig or "exact_duplicate" in truth[m]["defects"]]
             for orig, members in groups.items()}
    assert any(len(members) > 1 for members in exact.values())
    for members in exact.values():
        kept = [m for m in members if docs[m]["disposition"] != "duplicate"]
        assert len(kept) <= 1, [(m, docs[m]["disposition"]) for m in members]
    for members in groups.values():
        group_docs = {docs[m]["doc"] for m in members}
        for m in members:
            if docs[m]["disposition"] == "duplicate":
                assert docs[m]["duplicate_of"] in group_docs, (m, docs[m]["reason"])
    for f, t in truth.items():
        if any(d.startswith("unreadable_") for d in t["defects"].split(";")):
            assert docs[f]["disposition"] == "quarantined", (f, docs[f]["reason"])
