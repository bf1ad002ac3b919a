"""The DAG parses without errors, is wired as documented, and parsing stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from itertools import pairwise

from pipeline.settings import DAGS_DIR

STAGES = ["plan_batches", "ingest", "normalise", "deduplicate", "extract", "assemble_records", "validate", "index",
          "publish"]


def test_dagbag_has_no_import_errors_and_expected_structure(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR))
    assert bag.import_errors == {}
    dag = bag.get_dag("rule_of_law_index")
    assert dag is not None
    # reading: text batches are ingested while the scans are OCR'd (issue 21), then every batch is normalised
    reading = {"plan_batches": {"text_batches", "scan_batches", "ocr_items", "all_batches"}, "text_batches": {"ingest"},
               "ocr_items": {"ocr"}, "ocr": {"ingest_scans"}, "scan_batches": {"ingest_scans"},
               "ingest": {"normalise"}, "ingest_scans": {"normalise"}, "all_batches": {"normalise"}}
    for upstream, downstream in reading.items():
        assert dag.get_task(upstream).downstream_task_ids == downstream, upstream
    order = [t.task_id for t in dag.topological_sort() if t.task_id in STAGES]
    assert order == STAGES
    for upstream, downstream in pairwise(STAGES[2:]):
        assert dag.get_task(upstream).downstream_task_ids == {downstream}
    assert set(dag.task_ids) == set(STAGES) | set(reading)
    assert dag.tags and dag.doc_md and "year" in dag.params


def test_parsing_dags_does_not_import_heavy_modules():
    code = (
        "import sys, json\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS_DIR)!r})\n"
        "assert not bag.import_errors, bag.import_errors\n"
        "print(json.dumps(sorted(m for m in ('pandas','great_expectations','jieba','matplotlib','opencc')"
        " if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_publish_updates_the_published_assets_and_a_downstream_dag_schedules_on_them(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    from pipeline.assets import PUBLISHED

    bag = DagBag(dag_folder=str(DAGS_DIR))
    publish = bag.get_dag("rule_of_law_index").get_task("publish")
    assert {a.name for a in publish.outlets} == {f"rolindex_{n}" for n in PUBLISHED}
    downstream = bag.get_dag("example_on_published_scores")
    assert downstream is not None
    assert type(downstream.timetable).__name__ == "AssetTriggeredTimetable"
    assert "rolindex_scores" in repr(downstream.timetable.asset_condition)
