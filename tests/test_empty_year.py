"""A year with nothing accepted completes: every stage, run in this process on an empty inbox or on an
inbox whose every file is refused, writes empty typed outputs; the documents, quarantine and validation
report are published and say "no accepted reports"; ``rolindex run`` prints one line and exits 3."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.catalog import Catalog
from pipeline.settings import RunSettings

YEAR = 2017


def run_stages(inbox: Path, out: Path, max_file_bytes: int = 50 * 1024 * 1024) -> dict[str, dict]:
    """Every stage of the DAG in order, in this process (no Airflow): stage name -> its summary."""
    from pipeline.extract.stage import run_extract
    from pipeline.index.stage import run_index
    from pipeline.ingest.stage import run_ingest, run_normalise
    from pipeline.publish.stage import run_publish
    from pipeline.validate.stage import run_validate

    settings = RunSettings(year=YEAR, inbox=inbox, out=out, max_file_bytes=max_file_bytes)
    return {stage.__name__: stage(settings) for stage in (run_ingest, run_normalise, run_extract, run_validate,
                                                          run_index, run_publish)}


def _refused_inbox(root: Path) -> Path:
    """Three files, each refused for its own reason (none is a report)."""
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "notes.txt").write_text("just some notes, no Chinese at all", encoding="utf-8")
    (inbox / "zero.txt").write_bytes(b"")
    (inbox / "notice.txt").write_text("关于召开全县安全生产工作会议的通知\n" + "各乡镇人民政府：请按时参会。" * 20,
                                      encoding="utf-8")
    return inbox


@pytest.fixture(scope="module", params=["no_files", "all_refused"])
def empty_year(request, tmp_path_factory) -> tuple[str, Catalog, dict[str, dict]]:
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "no_files":
        inbox = root / "inbox"
        inbox.mkdir()
    else:
        inbox = _refused_inbox(root)
    summaries = run_stages(inbox, root / "out")
    return request.param, Catalog(root / "out", YEAR), summaries


def _schema(path: Path) -> pa.Schema:
    return pq.read_schema(path)


def test_every_stage_completes_on_an_empty_year(empty_year):
    kind, catalog, summaries = empty_year
    assert list(summaries) == ["run_ingest", "run_normalise", "run_extract", "run_validate", "run_index",
                               "run_publish"]
    assert summaries["run_normalise"]["accepted_docs"] == 0
    assert summaries["run_extract"]["n_records"] == 0 and summaries["run_validate"]["panel_rows"] == 0
    assert summaries["run_index"]["units"] == 0
    submitted = 0 if kind == "no_files" else 3
    assert pq.read_table(catalog.documents).num_rows == submitted


def test_empty_stage_outputs_are_typed(empty_year):
    """Empty tables keep their column types (a list column stays a list, a number stays a number)."""
    _kind, catalog, _ = empty_year
    records = _schema(catalog.accepted_records)
    assert records.field("validation_flags").type == pa.list_(pa.string())
    assert pa.types.is_floating(records.field("value").type)
    panel = _schema(catalog.accepted_panel)
    assert panel.field("validation_flags").type == pa.list_(pa.string())
    scores = pq.read_table(catalog.scores)
    assert scores.num_rows == 0 and pa.types.is_floating(scores.schema.field("score").type)
    indicators = pq.read_table(catalog.indicator_scores)
    assert indicators.num_rows == 0 and pa.types.is_floating(indicators.schema.field("weight").type)
    for path in (catalog.quarantine, catalog.accepted_records, catalog.accepted_panel, catalog.scores,
                 catalog.indicator_scores, catalog.missing, catalog.year_over_year):  # no column left untyped
        assert not [f.name for f in _schema(path) if pa.types.is_null(f.type)], path
    published = catalog.publish_dir
    for table, column, kind in (("scores", "score", pa.float64()), ("indicators", "flags", pa.list_(pa.string())),
                                ("documents", "flags", pa.list_(pa.string())), ("missing", "status", pa.string())):
        assert _schema(published / f"{table}.parquet").field(column).type == kind, (table, column)
    assert pq.read_table(published / "scores.parquet").num_rows == 0


def test_an_empty_year_publishes_its_documents_quarantine_and_report(empty_year):
    kind, catalog, _ = empty_year
    from pipeline import io

    published = catalog.publish_dir
    results = io.read_json(published / "validation_results.json")
    assert results["passed"] is True and results["accounting"]["accepted"] == 0 and results["accounting"]["balanced"]
    report = (published / "validation_report.html").read_text(encoding="utf-8")
    summary = (published / "index.html").read_text(encoding="utf-8")
    assert "No accepted reports" in report and "No accepted reports" in summary
    assert not (published / "charts").exists() or not any((published / "charts").iterdir())
    assert catalog.quarantine.exists()
    if kind == "all_refused":
        reasons = {r["source_file"]: r["reason"].split(":")[0] for r in results["documents_set_aside"]}
        assert reasons == {"notes.txt": "no_chinese_text", "zero.txt": "empty", "notice.txt": "not_annual_report"}
        assert "notes.txt" in report  # the auditor sees why every file was refused


def test_cli_prints_one_line_and_exits_3_when_nothing_is_accepted(tmp_path, monkeypatch, capsys):
    """``rolindex run`` on an inbox whose files are all refused: the run succeeds, the CLI says so in one
    line and exits with EXIT_NO_ACCEPTED_REPORTS (the DAG itself is stood in for by the in-process stages)."""
    from pipeline import cli, runner

    inbox = _refused_inbox(tmp_path)

    def run_year(year: int, inbox_dir: str | None = None, out: str | None = None) -> str:
        run_stages(Path(str(inbox_dir)), Path(str(out)))
        return "success"

    monkeypatch.setattr(runner, "run_year", run_year)
    code = cli.main(["run", "--year", str(YEAR), "--inbox", str(inbox), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == cli.EXIT_NO_ACCEPTED_REPORTS == 3
    assert err[-1].startswith(f"rolindex: no accepted reports for {YEAR}: every submitted file was set aside")
    assert sum("no accepted reports" in line for line in err) == 1
