"""Acceptance of issue 23 through the real DAG: the sample year is published; a corrections file fixes a value,
adds a missed fact, accepts a quarantined report and rejects an accepted one; ``rolindex correct`` says what
each row will do; ``rolindex run --corrections`` publishes the changes with lineage; ``rolindex rebuild``
reproduces the build, corrections included; inapplicable rows are reported with their reason."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.settings import SAMPLE_INBOX_ROOT

pytestmark = pytest.mark.e2e


def _row(rid: str, action: str, document: str, **fields) -> dict:
    return {"id": rid, "action": action, "document": document, **fields, "reviewer": "测试审核员",
            "reason": f"acceptance test row {rid}", "date": "2026-12-06"}


@pytest.fixture(scope="module")
def corrected_year(airflow_db, tmp_path_factory):
    """(data root, corrections file, output of ``rolindex correct``, its exit code, what ``rolindex run`` said)
    after the uncorrected run and the corrected run of the sample year 2017."""
    from pipeline import io
    from pipeline.cli import main
    from pipeline.console import run_quietly
    from pipeline.settings import RunSettings

    tmp = tmp_path_factory.mktemp("review")
    inbox, out = tmp / "inbox", tmp / "out"
    shutil.copytree(SAMPLE_INBOX_ROOT / "2017", inbox)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("ROLINDEX_CORRECTIONS", raising=False)  # `rolindex run --corrections` sets it for the run
        outcome = run_quietly(RunSettings.resolve(2017, str(inbox), str(out)), stream=__import__("io").StringIO())
        assert outcome.state == "success", (outcome.cause, outcome.log_file)
        docs = io.read_parquet(out / "publish" / "year=2017" / "documents.parquet")
        sha = {d.split("_")[1]: s for d, s in zip(docs["doc"], docs["sha256"], strict=True)}
        assert docs.set_index("doc").filter(like="liujiang", axis=0)["disposition"].item() == "quarantined"
        rows = [
            _row("fix-cleanup", "set_record", sha["zhenxing-district"], quote="我区政府规范性文件共3件",
                 match={"value": 3, "indicator": "normative_doc_cleanup"}, set={"value": 30}),
            _row("add-litigation", "add_record", sha["zhenxing-district"][:16], quote="行政应诉9件",
                 set={"value": 9, "indicator": "litigation_cases"}),
            _row("accept-plan", "set_document", sha["liujiang-district"], set={"status": "accepted"}),
            _row("reject-nmg", "set_document", sha["neimenggu-fazhiban"], set={"status": "rejected"}),
            _row("gone-quote", "set_record", sha["zhenxing-district"], quote="这一句不在报告里", set={"value": 1}),
            _row("stale-value", "set_record", sha["zhenxing-district"], quote="我区政府规范性文件共3件",
                 match={"value": 4}, set={"value": 5}),
            _row("no-such-file", "set_document", "0123456789abcdef", set={"status": "rejected"}),
        ]
        file = tmp / "corrections-2017.yaml"
        file.write_text(yaml.safe_dump({"year": 2017, "corrections": rows}, allow_unicode=True), encoding="utf-8")
        import contextlib
        import io as std_io

        said, ran = std_io.StringIO(), std_io.StringIO()
        with contextlib.redirect_stdout(said):
            checked = main(["correct", str(file), "--year", "2017", "--out", str(out)])
        with contextlib.redirect_stderr(ran):
            assert main(["run", "--year", "2017", "--inbox", str(inbox), "--out", str(out),
                         "--corrections", str(file)]) == 0
    return out, file, said.getvalue(), checked, ran.getvalue()


def _published(out: Path, name: str) -> pd.DataFrame:
    from pipeline import io

    return io.read_parquet(out / "publish" / "year=2017" / f"{name}.parquet")


def test_correct_says_what_each_row_will_do_before_the_run(corrected_year):
    _, _, said, checked, _ = corrected_year
    assert checked == 1  # some rows will not apply
    assert "fix-cleanup: will apply" in said and "value 3 -> 30" in said
    assert "accept-plan: will apply" in said and "quarantined -> accepted" in said
    assert "gone-quote: will NOT apply" in said and "quote_not_found" in said
    assert "4 of 7 rows apply" in said
    ran = corrected_year[4]  # and the run says what became of them
    assert "corrections: 4 of 7 rows applied" in ran and "gone-quote: quote_not_found" in ran


def test_documents_accepted_and_rejected_by_a_reviewer(corrected_year):
    docs = _published(corrected_year[0], "documents").set_index("doc")
    plan = docs.filter(like="liujiang", axis=0).iloc[0]
    nmg = docs.filter(like="neimenggu", axis=0).iloc[0]
    assert plan["disposition"] == "accepted" and "corrected:status" in list(plan["flags"])
    assert nmg["disposition"] == "quarantined" and nmg["reason"].startswith("rejected_by_reviewer: acceptance test")
    from pipeline import io

    results = io.read_json(corrected_year[0] / "publish" / "year=2017" / "validation_results.json")
    accounting = results["accounting"]  # the rejected report was extracted for the uncorrected build only
    assert accounting["balanced"] and accounting["accepted"] == 2
    assert sum(accounting["extraction_outcomes"].values()) == 2


def test_published_values_carry_their_lineage(corrected_year):
    ind = _published(corrected_year[0], "indicators").set_index(["unit_key", "indicator"])
    fixed = ind.loc[("210603-gov", "normative_doc_cleanup")]
    assert (fixed["raw_value"], fixed["origin"], fixed["original_value"], fixed["correction_id"]) == \
        (30.0, "corrected", 3.0, "fix-cleanup")
    added = ind.loc[("210603-gov", "litigation_cases")]
    assert added["origin"] == "added" and added["raw_value"] == 9.0 and pd.isna(added["original_value"])
    assert not ind.index.get_level_values("unit_key").str.startswith("150000").any()  # the rejected report
    others = ind[ind["correction_id"].isna()]
    assert (others["origin"] == "extracted").all() and (others["original_value"] == others["raw_value"]).all()


def test_changes_list_what_moved_and_why(corrected_year):
    changes = _published(corrected_year[0], "changes")
    kinds = {(r.unit_key, r.change, r.indicator if isinstance(r.indicator, str) else None): r
             for r in changes.itertuples()}
    value = kinds[("210603-gov", "value", "normative_doc_cleanup")]
    assert (value.before, value.after) == (3.0, 30.0) and "fix-cleanup" in value.correction_ids
    assert kinds[("210603-gov", "value", "litigation_cases")].after == 9.0
    assert kinds[("450206-gov", "unit_added", None)].correction_ids == "accept-plan"
    assert kinds[("150000-dept-legal_affairs", "unit_removed", None)].correction_ids == "reject-nmg"


def test_inapplicable_rows_are_reported_with_their_reason(corrected_year):
    report = _published(corrected_year[0], "corrections_report").set_index("id")
    assert (report.loc[["fix-cleanup", "add-litigation", "accept-plan", "reject-nmg"], "status"] == "applied").all()
    assert report.loc["gone-quote", "problem"] == "quote_not_found"
    assert report.loc["stale-value", "problem"] == "stale" and "normative_doc_cleanup=3" in report.loc[
        "stale-value", "detail"]
    assert report.loc["no-such-file", "problem"] == "unknown_document"
    html = (corrected_year[0] / "publish" / "year=2017" / "validation_report.html").read_text(encoding="utf-8")
    assert "id='review-queue'" in html and "id='corrections'" in html and "quote_not_found" in html


def test_rebuild_replays_the_corrected_build_and_checks_the_corrections(corrected_year, capsys):
    from pipeline import io
    from pipeline.cli import main

    out, file = corrected_year[0], corrected_year[1]
    log_path = out / "index" / "year=2017" / "build_log.json"
    logged = io.read_json(log_path)["corrections"]
    assert logged["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest() and logged["rows"] == 7
    assert main(["rebuild", str(log_path)]) == 0
    assert "changes identical" in capsys.readouterr().out
    staged = out / "raw" / "year=2017" / "corrections.yaml"
    original = staged.read_bytes()
    try:
        staged.write_bytes(original.replace(b"value: 30", b"value: 31"))
        assert main(["rebuild", str(log_path)]) == 1
        assert "changed since the build" in capsys.readouterr().err
    finally:
        staged.write_bytes(original)


def test_review_prints_the_queue_with_ready_made_corrections(corrected_year, capsys):
    from pipeline.cli import main

    queue = _published(corrected_year[0], "review_queue")
    assert list(queue["queue_rank"]) == list(range(1, len(queue) + 1)) and len(queue) >= 2
    assert queue["priority"].is_monotonic_decreasing
    assert main(["review", "--year", "2017", "--out", str(corrected_year[0]), "--top", "3"]) == 0
    printed = capsys.readouterr().out
    assert "review queue of 2017" in printed and "normative_doc_cleanup" in printed
    assert main(["review", "--year", "2017", "--out", str(corrected_year[0]), "--top", "3", "--yaml"]) == 0
    template = yaml.safe_load(capsys.readouterr().out)
    assert template["year"] == 2017 and template["corrections"][0]["action"] == "set_record"
