"""End to end: the real DAG through Airflow's dag.test() on the sample inbox; published files read back."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.settings import SAMPLE_INBOX_ROOT

pytestmark = pytest.mark.e2e

SCORE_COLUMNS = {"unit_key", "unit_name", "admin_level", "year", "score", "rank", "rank_q05", "rank_median",
                 "rank_q95", "coverage", "method_version"}
INDICATOR_COLUMNS = {"unit_key", "year", "indicator", "raw_value", "unit", "normalised", "weight", "flags", "doc",
                     "sha256", "quote", "start", "end"}


@pytest.fixture(scope="module")
def quiet_run_2017(airflow_db, tmp_path_factory) -> tuple[Path, object, str]:
    """The sample year through the quiet console of ``rolindex run``: (data root, outcome, what the
    terminal showed)."""
    import io

    from pipeline.console import run_quietly
    from pipeline.settings import RunSettings

    out = tmp_path_factory.mktemp("out")
    terminal = io.StringIO()
    outcome = run_quietly(RunSettings.resolve(2017, str(SAMPLE_INBOX_ROOT / "2017"), str(out)), stream=terminal)
    assert outcome.state == "success", (outcome.cause, outcome.log_file)
    return out, outcome, terminal.getvalue()


@pytest.fixture(scope="module")
def published_2017(quiet_run_2017) -> Path:
    return quiet_run_2017[0] / "publish" / "year=2017"


def test_quiet_console_shows_progress_and_keeps_airflow_logs_in_a_file(quiet_run_2017):
    from pipeline import io
    from pipeline.publish.run_summary import summary_lines

    out, outcome, shown = quiet_run_2017
    lines = shown.strip().splitlines()
    assert 1 <= len(lines) <= 4 and lines[-1].startswith("rolindex 2017: done")
    assert "Task instance" not in shown and "alembic" not in shown.lower()
    assert outcome.log_file.parent == out / "logs" and "Task instance" in outcome.log_file.read_text()
    summary = io.read_json(out / "publish" / "year=2017" / "run_summary.json")
    assert (summary["submitted"], summary["accepted"], summary["quarantined"]) == (3, 2, 1)
    assert summary["top_reasons"] == [{"reason": "not_annual_report: work_plan", "documents": 1}]
    printed = summary_lines(summary, str(out / "publish" / "year=2017"))
    assert len(printed) <= 8 and printed[-1].endswith("index.html and validation_report.html")


def test_published_files_exist(published_2017):
    for name in ("scores.parquet", "indicators.parquet", "validation_report.html", "validation_results.json"):
        assert (published_2017 / name).stat().st_size > 0, name
    charts = list((published_2017 / "charts").glob("*.png"))
    assert charts and all(c.stat().st_size > 5000 for c in charts)


def test_parquet_read_back_with_pyarrow_and_duckdb(published_2017):
    import duckdb

    scores = pq.read_table(published_2017 / "scores.parquet").to_pandas()
    indicators = pq.read_table(published_2017 / "indicators.parquet").to_pandas()
    assert set(scores.columns) >= SCORE_COLUMNS
    assert {c for c in scores.columns if c.startswith("dim_")}
    assert set(indicators.columns) >= INDICATOR_COLUMNS
    # the two accepted 2017 reports are scored; the work plan is not
    assert set(scores["unit_name"]) == {"内蒙古自治区政府法制办", "丹东市振兴区人民政府"}
    # ranked units have a score in 0-100; a unit below the screen has none and says why (issue 20)
    assert scores["score"].dropna().between(0, 100).all()
    assert scores.loc[scores["score"].isna(), "not_ranked"].notna().all()
    con = duckdb.connect()
    n = con.execute(f"select count(*) from read_parquet('{published_2017 / 'indicators.parquet'}')").fetchone()[0]
    assert n == len(indicators) > 0
    # every published value carries its evidence: the quote is in the normalised text at its offsets
    text_dir = published_2017.parent.parent / "text" / "year=2017" / "docs"
    for row in indicators.itertuples():
        text = (text_dir / f"{row.doc}.txt").read_text(encoding="utf-8")
        assert text[row.start:row.end] in row.quote


def test_accounting_and_report_sections(published_2017):
    import json

    results = json.loads((published_2017 / "validation_results.json").read_text(encoding="utf-8"))
    acc = results["accounting"]
    assert acc == {**acc, "submitted": 3, "accepted": 2, "quarantined": 1, "duplicates": 0, "balanced": True}
    assert sum(acc["extraction_outcomes"].values()) == 2 and acc["accepted_without_outcome"] == []
    html = (published_2017 / "validation_report.html").read_text(encoding="utf-8")
    for section in ("id='summary'", "id='documents'", "id='rules'", "id='cross-year'", "id='index'",
                    "id='audit'", "id='statistical-audit'", "id='missing-data'", "id='year-over-year'"):
        assert section in html
    assert "http://" not in html and "https://" not in html
    assert "work_plan" in html  # the liujiang plan is listed as set aside, with its reason


def test_index_rebuilds_identically_from_its_build_log(published_2017, capsys):
    """The build log holds the spec, framework, seed and input checksums: replaying it gives the same index."""
    from pipeline.cli import main

    build_log = published_2017.parent.parent / "index" / "year=2017" / "build_log.json"
    assert main(["rebuild", str(build_log)]) == 0
    assert "identical" in capsys.readouterr().out


def test_score_recomputes_from_published_indicators_and_weights(published_2017):
    """Arithmetic aggregation: a ranked unit's score is the sum of its normalised values times effective
    weights (unreported indicators count 0, the lower goalpost); the weights of the reported values are
    the completeness share, the rest is what was not reported (issue 20)."""
    scores = pq.read_table(published_2017 / "scores.parquet").to_pandas().set_index("unit_key")
    indicators = pq.read_table(published_2017 / "indicators.parquet").to_pandas()
    used = indicators[indicators["weight"] > 0]
    recomputed = (used["normalised"] * used["weight"]).groupby(used["unit_key"]).sum()
    assert 0 < len(recomputed) <= len(scores)
    for unit_key, value in recomputed.items():
        if scores.loc[unit_key, "score"] == scores.loc[unit_key, "score"]:  # ranked
            assert scores.loc[unit_key, "score"] == pytest.approx(value, abs=1e-9)
        assert used.loc[used["unit_key"] == unit_key, "weight"].sum() == pytest.approx(
            scores.loc[unit_key, "completeness"] / 100, abs=1e-9)


@pytest.fixture(scope="module")
def second_year(published_2017) -> Path:
    """2019 published into the same output root: two hive partitions side by side."""
    from pipeline.runner import load_dag

    out = published_2017.parent.parent
    run = load_dag().test(run_conf={"year": 2019, "inbox": str(SAMPLE_INBOX_ROOT / "2019"), "out": str(out)})
    assert str(run.state) == "success"
    return out


def test_published_parquet_carries_schema_descriptions(published_2017):
    schema = pq.read_schema(published_2017 / "scores.parquet")
    assert schema.metadata[b"method_version"] and schema.metadata[b"dataset"] == b"scores"
    assert schema.field("score").metadata[b"description_zh"].decode() == "综合得分（0–100）"
    assert schema.field("dim_disputes").metadata[b"description_en"]
    flags = pq.read_schema(published_2017 / "indicators.parquet").field("flags")
    assert str(flags.type) == "list<element: string>" or str(flags.type) == "list<item: string>"


def test_two_years_read_as_one_hive_partitioned_dataset(second_year):
    """publish/year=Y/scores.parquet for 2017 and 2019, read as one dataset by DuckDB, pyarrow and pandas."""
    import duckdb
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as ds

    publish = second_year / "publish"
    con = duckdb.connect()
    by_year = dict(con.execute(
        f"select year, count(*) from read_parquet('{publish}/*/scores.parquet', hive_partitioning = true) "
        "group by year order by year").fetchall())
    assert set(by_year) == {2017, 2019} and all(n > 0 for n in by_year.values())
    files = sorted(str(p) for p in publish.glob("year=*/scores.parquet"))
    table = ds.dataset(files, format="parquet", partition_base_dir=str(publish),
                       partitioning=ds.partitioning(pa.schema([("year", pa.int64())]), flavor="hive")).to_table()
    assert sorted(set(table.column("year").to_pylist())) == [2017, 2019] and table.num_rows == sum(by_year.values())
    frame = pd.read_parquet(files, partitioning=None)
    assert frame.groupby("year").size().to_dict() == by_year


def test_rerun_gives_byte_identical_data_files(published_2017, tmp_path):
    """Same inputs and configuration, another output root: every published file (tables, workbook, data
    package, HTML, charts) has the same sha256."""
    import hashlib

    from pipeline.runner import load_dag

    run = load_dag().test(run_conf={"year": 2017, "inbox": str(SAMPLE_INBOX_ROOT / "2017"), "out": str(tmp_path)})
    assert str(run.state) == "success"
    again = tmp_path / "publish" / "year=2017"
    names = sorted(p.relative_to(published_2017).as_posix() for p in published_2017.rglob("*") if p.is_file())
    assert len(names) >= 20 and {"rolindex_2017.xlsx", "datapackage.json", "index.html"} <= set(names)

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    assert {n: digest(published_2017 / n) for n in names} == {n: digest(again / n) for n in names}


def test_workbook_has_a_readme_and_a_sheet_per_table(published_2017):
    import openpyxl

    book = openpyxl.load_workbook(published_2017 / "rolindex_2017.xlsx", read_only=True)
    assert book.sheetnames[0] == "README"
    assert {"scores", "indicators", "documents", "audit", "missing"} <= set(book.sheetnames)
    readme = list(book["README"].iter_rows(values_only=True))
    assert any(row[1] == "score" and "综合得分" in row[2] for row in readme)
    header = next(book["scores"].iter_rows(values_only=True))
    assert header[:8] == ("unit_key", "unit_name", "unit_kind", "division_code", "parent_division", "tier",
                          "dept_type", "admin_level")
    assert {"year", "score"} <= set(header)


def test_datapackage_describes_every_published_file(published_2017):
    import hashlib
    import json

    package = json.loads((published_2017 / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "data-package" and package["licenses"][0]["name"] == "CC-BY-4.0"
    listed = {r["path"]: r for r in package["resources"]}
    on_disk = {p.relative_to(published_2017).as_posix() for p in published_2017.rglob("*")
               if p.is_file() and p.name != "datapackage.json" and not p.name.startswith(".")}
    assert set(listed) == on_disk
    scores = listed["scores.parquet"]
    assert scores["hash"] == "sha256:" + hashlib.sha256((published_2017 / "scores.parquet").read_bytes()).hexdigest()
    assert {f["name"] for f in scores["schema"]["fields"]} >= {"unit_key", "score", "rank_q05", "method_version"}


def test_publish_recorded_asset_events_with_the_year(published_2017):
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        extras = session.scalars(select(AssetEvent.extra).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                                 .where(AssetModel.name == "rolindex_scores")).all()
    assert any(e.get("year") == 2017 and e.get("path", "").endswith("year=2017/scores.parquet") for e in extras)


def test_html_summary_links_resolve_offline(published_2017):
    import re

    html = (published_2017 / "index.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<script src" not in html
    assert html.count("<script") == 1  # the unit list's inline filter, nothing else
    targets = set(re.findall(r"(?:href|src)='([^']+)'", html))
    assert {"validation_report.html", "scores.csv", "rolindex_2017.xlsx", "charts/ranked_county.png"} <= targets
    assert all((published_2017 / t).is_file() for t in targets), [t for t in targets if not (published_2017 / t).is_file()]
    assert "丹东市振兴区人民政府" in html


def test_published_files_are_readable_by_others(published_2017):
    import stat

    assert stat.S_IMODE(published_2017.stat().st_mode) & 0o005 == 0o005
    for path in published_2017.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o004, path  # planners read them as other users


def test_a_table_too_big_for_a_sheet_stays_out_of_the_workbook_with_a_pointer(tmp_path):
    import openpyxl
    import pandas as pd
    import pyarrow as pa

    from pipeline.publish.package import MAX_SHEET_CELLS, write_workbook

    small = pd.DataFrame({"unit": ["甲县", "乙县"], "score": [61.5, 48.0]})
    big = pd.DataFrame({f"c{i}": range(MAX_SHEET_CELLS // 10 + 1) for i in range(10)})
    schemas = {"scores": pa.schema([("unit", pa.string()), ("score", pa.float64())]),
               "indicators": pa.schema([(f"c{i}", pa.int64()) for i in range(10)])}
    target = write_workbook(tmp_path / "book.xlsx", {"scores": small, "indicators": big}, schemas, 2022, "1")
    book = openpyxl.load_workbook(target, read_only=True)
    assert book.sheetnames == ["README", "scores"]
    readme = list(book["README"].iter_rows(values_only=True))
    assert any(row[0] == "indicators" and "indicators.csv" in (row[2] or "") for row in readme)


def test_every_unit_has_a_page_with_its_values_and_evidence(published_2017):
    import re

    scores = pq.read_table(published_2017 / "scores.parquet").to_pandas()
    indicators = pq.read_table(published_2017 / "indicators.parquet").to_pandas()
    index = (published_2017 / "index.html").read_text(encoding="utf-8")
    for unit in scores.itertuples():
        page_path = published_2017 / "units" / f"{unit.unit_key}.html"
        page = page_path.read_text(encoding="utf-8")
        assert f"units/{unit.unit_key}.html" in index
        assert "<script" not in page and "http://" not in page and "https://" not in page
        assert unit.unit_name in page and ("未排名 Not ranked" in page or "名次 rank" in page)
        own = indicators[indicators["unit_key"] == unit.unit_key]
        anchors = set(re.findall(r"href='#(ev-\d+)'", page))
        assert len(anchors) == len(own) and all(f"id='{a}'" in page for a in anchors)
        assert page.count("<mark>") == len(own)  # each value marked in its passage of the report
        assert all(re.findall(r"href='([^'#]+)'", page)[0] == "../index.html" for _ in [0])


@pytest.mark.skipif(not __import__("shutil").which("chromium"), reason="Chromium is not installed (.ci/run installs it)")
def test_pages_in_a_real_browser_filter_link_and_stay_offline(published_2017):
    """Debian's headless Chromium opens index.html and every unit page from file://: the filter hides the
    units that do not match, every link resolves, and no page requests anything."""
    import re
    from urllib.parse import quote

    from tests.browser import load

    scores = pq.read_table(published_2017 / "scores.parquet").to_pandas()
    index_url = (published_2017 / "index.html").as_uri()
    dom, requested = load(index_url)
    assert requested == [] and f">{len(scores)}</span> / {len(scores)}" in dom
    wanted = scores["unit_name"].iloc[0]
    dom, requested = load(index_url + "#filter=" + quote(wanted))
    assert requested == []
    rows = re.findall(r"<tr[^>]*>.*?</tr>", dom.split("id=\"units\"")[1], flags=re.S)
    visible = [r for r in rows if "display: none" not in r and "<td" in r]
    assert len(visible) == (scores["unit_name"] == wanted).sum() and all(wanted in r for r in visible)
    for key in scores["unit_key"]:
        page = published_2017 / "units" / f"{key}.html"
        dom, requested = load(page.as_uri())
        assert requested == [] and "证据 Evidence" in dom
        for href in re.findall(r"href=\"([^\"#]+)", dom):
            assert (page.parent / href).resolve().is_file(), href
