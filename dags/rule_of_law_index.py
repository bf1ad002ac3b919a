"""
### rule_of_law_index

The yearly rule-of-law government index (法治政府建设指数), one run per report year.

| task | reads | writes |
|---|---|---|
| plan_batches | `<inbox>/<year>/` (+ manifest) | `raw/year=Y/submissions.parquet`: every file, with its batch (~64 MB each); `raw/year=Y/ocr_plan.parquet`: scan pages cut into OCR items |
| ingest (mapped, one per text batch) | the batch's files | decoded text, `raw/year=Y/parts/documents-B.parquet` |
| ocr (mapped, one per OCR item) | the item's scan pages | recognised pages (text, boxes) in the cache `raw/year=Y/ocr/` |
| ingest_scans (mapped, one per scan batch) | the OCR cache | as ingest, for scanned PDFs and images |
| normalise (mapped) | the batch's decoded text | clean text, offset maps, identification, fingerprints per batch |
| deduplicate | every batch's fingerprints | `text/year=Y/documents.parquet` (duplicates set aside across batches) |
| extract (mapped) | the batch's accepted clean texts | `extracted/year=Y/parts/records-B.parquet`, outcomes |
| assemble_records | the record parts | `extracted/year=Y/` records, outcomes and per-unit panel |
| validate | `extracted/year=Y/` | `validated/year=Y/` accepted rows, quarantine, results (the gate) |
| index | `validated/year=Y/` | `index/year=Y/` scores, indicators, build log |
| publish | `index/`, `validated/` | `publish/year=Y/` parquet, CSV, charts, HTML report |

Batches are sized by bytes (``ROLINDEX_BATCH_BYTES``), not one task per report.

Params: `year` (required), `inbox` and `out` (empty = defaults from the environment, see README).
Only paths and counts travel through XCom. The work lives in the `pipeline` package.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from pipeline.assets import PUBLISHED
from pipeline.settings import retry_policy


def _resolve(params: Any) -> Any:
    """The run's settings from the DAG params (empty inbox/out = defaults)."""
    from pipeline.settings import RunSettings

    return RunSettings.resolve(params["year"], params.get("inbox") or None, params.get("out") or None)


def _settings(batch: int | None = None, lease: str = "check") -> Any:
    """The run's settings; takes (``acquire``), checks or gives back (``release``) the year's lease.
    A mapped task passes its ``batch``, shown as its name in the UI."""
    from pipeline import locks

    context = get_current_context()
    if batch is not None:
        context["batch_label"] = f"batch {batch}"  # type: ignore[typeddict-unknown-key]
    settings = _resolve(context["params"])
    getattr(locks, lease)(settings.out, settings.year, context["run_id"])
    return settings


@contextmanager
def _no_retry_for_permanent_errors() -> Iterator[None]:
    """Turn failures a retry cannot fix into AirflowFailException (fail now, skip the retries)."""
    from pipeline.errors import PermanentError

    try:
        yield
    except PermanentError as error:
        raise AirflowFailException(f"{type(error).__name__}: {error}") from error


def _release_lease(context: Any) -> None:
    """DAG failure callback: a failed run gives the year back, so the next run is not locked out."""
    from pipeline import locks

    params = context.get("params") or getattr(context.get("dag_run"), "conf", None) or {}
    if "year" not in params:
        return  # no task ran, so no lease was taken
    settings = _resolve(params)
    locks.release(settings.out, settings.year, context["run_id"])


@dag(
    dag_id="rule_of_law_index",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    doc_md=__doc__,
    tags=["rolindex", "yearly"],
    params={
        "year": Param(2017, type="integer", minimum=1990, maximum=2100, description="report year to build"),
        "inbox": Param("", type="string", description="inbox folder for that year; empty = <inbox root>/<year>"),
        "out": Param("", type="string", description="output data root; empty = ROLINDEX_DATA_ROOT or outputs/"),
        "corrections": Param("", type="string", description="the year's corrections file (docs/review.md); "
                                                            "empty = $ROLINDEX_CORRECTIONS or none"),
    },
    default_args=retry_policy(),  # a dead worker is retried; PermanentError fails at once
    max_active_runs=1,
    on_failure_callback=_release_lease,
)
def rule_of_law_index() -> None:
    @task
    def plan_batches() -> dict[str, list[int]]:
        from pipeline.ingest.ocr_tasks import plan_year
        from pipeline.review.corrections import stage_run_corrections

        with _no_retry_for_permanent_errors():
            settings = _settings(lease="acquire")
            stage_run_corrections(settings, get_current_context()["params"])  # the auditor's file (issue 23)
            return plan_year(settings)  # text / scans batches, ocr items, all batches

    @task
    def pick(plan: Any, part: str) -> list[int]:
        return plan[part]  # a mapped task maps over a whole XCom: one list of the plan each

    @task(map_index_template="{{ batch_label }}")
    def ingest(batch: int) -> int:
        from pipeline.ingest.stage import ingest_batch

        with _no_retry_for_permanent_errors():
            return ingest_batch(_settings(batch), batch)

    @task(map_index_template="{{ batch_label }}")
    def ocr(item: int) -> dict[str, Any]:
        from pipeline.catalog import Catalog
        from pipeline.ingest.ocr_tasks import item_label, ocr_item

        with _no_retry_for_permanent_errors():
            settings = _settings()
            get_current_context()["batch_label"] = item_label(Catalog(settings.out, settings.year), item)  # type: ignore[typeddict-unknown-key]
            return ocr_item(settings, item)

    @task(map_index_template="{{ batch_label }}")
    def ingest_scans(batch: int) -> int:
        from pipeline.ingest.stage import ingest_batch

        with _no_retry_for_permanent_errors():
            return ingest_batch(_settings(batch), batch)

    @task(map_index_template="{{ batch_label }}", trigger_rule="none_failed")  # a year may have no text (or no scans)
    def normalise(batch: int) -> int:
        from pipeline.ingest.stage import normalise_batch

        with _no_retry_for_permanent_errors():
            return normalise_batch(_settings(batch), batch)

    @task
    def deduplicate(batches: list[int]) -> list[int]:
        from pipeline.ingest.stage import deduplicate as run_deduplicate

        with _no_retry_for_permanent_errors():
            # [:] reads the mapped results in one request; iterating would probe one past the end,
            # which Airflow logs as an error ("XCom not found") although nothing is wrong
            return list(run_deduplicate(_settings(), sorted(batches[:]))["batches"])

    @task(map_index_template="{{ batch_label }}")
    def extract(batch: int) -> int:
        from pipeline.extract.stage import extract_batch

        with _no_retry_for_permanent_errors():
            return extract_batch(_settings(batch), batch)

    @task
    def assemble_records(batches: list[int]) -> dict[str, Any]:
        from pipeline.extract.stage import assemble_records as run_assemble

        with _no_retry_for_permanent_errors():
            return run_assemble(_settings(), sorted(batches[:]))  # [:]: see deduplicate

    @task
    def validate(_upstream: dict[str, Any]) -> dict[str, Any]:
        from pipeline.validate.stage import run_validate

        with _no_retry_for_permanent_errors():
            return run_validate(_settings())

    @task
    def index(_upstream: dict[str, Any]) -> dict[str, Any]:
        from pipeline.index.stage import run_index

        with _no_retry_for_permanent_errors():
            return run_index(_settings())

    @task(outlets=list(PUBLISHED.values()))
    def publish(_upstream: dict[str, Any]) -> dict[str, Any]:
        from pipeline.publish.stage import run_publish

        with _no_retry_for_permanent_errors():
            result = run_publish(_settings())
            _settings(lease="release")
        # tell downstream DAGs which year and files this update is about
        outlet_events = get_current_context()["outlet_events"]
        for name, asset in PUBLISHED.items():
            outlet_events[asset].extra = {"year": result["year"], "path": f"{result['publish_dir']}/{name}.parquet"}
        return result

    plan = plan_batches()
    scans = ingest_scans.expand(batch=pick.override(task_id="scan_batches")(plan, "scans"))
    ocr.expand(item=pick.override(task_id="ocr_items")(plan, "ocr")) >> scans  # text is read meanwhile
    texts = ingest.expand(batch=pick.override(task_id="text_batches")(plan, "text"))
    # the batch list comes from the plan, not from the ingest results: a side with no batch is skipped
    read = normalise.expand(batch=pick.override(task_id="all_batches")(plan, "all"))
    [texts, scans] >> read
    assembled = assemble_records(extract.expand(batch=deduplicate(read)))
    publish(index(validate(assembled)))


rule_of_law_index()
