"""The quiet console's pieces: progress read from what stages wrote, the cause of a failure read from
the log, and the run summary built from a year's tables."""

from __future__ import annotations

import os
import time

import pandas as pd

from pipeline import io
from pipeline.catalog import Catalog
from pipeline.console import failure_cause, progress_state
from pipeline.publish.run_summary import build_run_summary, summary_lines


def test_progress_is_read_from_the_files_this_run_wrote(tmp_path):
    catalog = Catalog(tmp_path, 2021)
    since = time.time() - 1
    assert progress_state(catalog, since)["stage"] == "plan"
    io.write_parquet(catalog.submissions, pd.DataFrame({"doc": ["a", "b", "c"], "batch": [0, 0, 1]}))
    io.write_parquet(catalog.raw_documents(0), pd.DataFrame({"doc": ["a", "b"]}))
    state = progress_state(catalog, since)
    assert state == {"stage": "ingest", "batch": 1, "batches": 2, "documents": 3}
    io.write_parquet(catalog.raw_documents(1), pd.DataFrame({"doc": ["c"]}))
    assert progress_state(catalog, since)["stage"] == "normalise"
    old = catalog.raw_documents(1)
    os.utime(old, (since - 100, since - 100))  # a part left by an earlier run does not count
    assert progress_state(catalog, since) == {"stage": "ingest", "batch": 1, "batches": 2, "documents": 3}


def test_the_cause_of_a_failure_is_read_from_the_log():
    log = "\n".join([
        "2026-12-06T10:00:00Z [info     ] Task started [task] task_id=validate",
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in <module>',
        "pipeline.validate.stage.ValidationGateError: records: 100% of rows quarantined",
        "2026-12-06T10:00:01Z [info     ] Task instance state updated task_id=validate state=failed",
    ])
    task, cause = failure_cause(log)
    assert task == "validate"
    assert cause == "ValidationGateError: records: 100% of rows quarantined"


def test_the_run_summary_counts_reasons_ranks_and_warnings(tmp_path):
    results = {"year": 2021, "accounting": {"submitted": 4, "accepted": 2, "quarantined": 1, "duplicates": 1},
               "records_counts": {"rows": 30, "accepted": 28}, "gate_failures": [], "manifest_problems": []}
    documents = pd.DataFrame({
        "doc": ["a", "b", "c", "d"], "disposition": ["accepted", "accepted", "quarantined", "duplicate"],
        "reason": [None, None, "not_annual_report: news_article (a news item)", "near_duplicate of a"],
        "flags": [[], ["ambiguous_place:130105/410402"], [], ["duplicate"]]})
    scores = pd.DataFrame({"unit_key": ["330900-gov", "330902-gov"], "unit_name": ["甲市人民政府", "乙区人民政府"],
                           "admin_level": ["prefecture", "county"], "score": [61.25, None],
                           "rank": pd.array([1, None], dtype="Int64"), "rank_q05": [1.0, None], "rank_q95": [2.0, None]})
    summary = build_run_summary(results, documents, scores)
    assert summary["top_reasons"] == [{"reason": "near_duplicate", "documents": 1},
                                      {"reason": "not_annual_report: news_article", "documents": 1}]
    assert summary["units"] == {"ranked": 1, "not_ranked": 1, "not_ranked_reasons": {"not scored": 1}}
    assert summary["top_by_group"] == {"prefecture": [{"rank": 1, "unit_key": "330900-gov", "unit_name": "甲市人民政府",
                                                       "score": 61.2, "interval": [1, 2]}]}
    assert any("ambiguous_place" in w for w in summary["warnings"])
    lines = summary_lines(summary, "/data/publish/year=2021")
    assert lines[0].startswith("2021: 4 submitted, 2 accepted, 1 set aside, 1 duplicates")
    assert "1. 甲市人民政府 61.2 [1-2]" in lines[2] and lines[-1].endswith("index.html and validation_report.html")


def test_a_demo_year_is_generated_and_marked_on_every_page_and_chart(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pipeline.demo import MARKER, generate_inbox, is_generated
    from pipeline.publish.stage import GENERATED_BANNER, _chart, _mark_generated_pages

    inbox = generate_inbox(2022, 12, tmp_path / "demo")
    assert len([p for p in inbox.rglob("*") if p.is_file()]) >= 12
    assert is_generated(tmp_path / "demo") and (tmp_path / "demo" / MARKER).read_text().endswith("Not real figures.\n")
    assert not is_generated(tmp_path)
    publish = tmp_path / "publish"
    (publish / "units").mkdir(parents=True)
    for page in (publish / "index.html", publish / "units" / "a.html"):
        page.write_text("<html><body><p>x</p></body></html>", encoding="utf-8")
    _mark_generated_pages(publish)
    assert all(GENERATED_BANNER in p.read_text(encoding="utf-8") for p in publish.rglob("*.html"))
    fig = _chart(plt.figure(), generated=True)
    assert any("GENERATED DATA" in t.get_text() for t in fig.texts)
    plt.close(fig)
