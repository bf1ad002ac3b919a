"""
### rule_of_law_index

The yearly rule-of-law government index (法治政府建设指数), one run per report year.

| stage | reads | writes |
|---|---|---|
| ingest | `<inbox>/<year>/` (+ `manifest.csv`) | `raw/year=Y/` documents and decoded text |
| normalise | `raw/year=Y/` | `text/year=Y/` clean text, offset maps, identification, duplicates |
| extract | `text/year=Y/` | `extracted/year=Y/` records and per-unit panel |
| validate | `extracted/year=Y/` | `validated/year=Y/` accepted rows, quarantine, results (the gate) |
| index | `validated/year=Y/` | `index/year=Y/` scores, indicators, build log |
| publish | `index/`, `validated/` | `publish/year=Y/` parquet, CSV, charts, HTML report |

Params: `year` (required), `inbox` and `out` (empty = defaults from the environment, see README).
Only paths and counts travel through XCom. The work lives in the `pipeline` package.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from pipeline.assets import PUBLISHED


def _settings(lease: str = "check") -> Any:
    """The run's settings; takes (``acquire``), checks or gives back (``release``) the year's lease."""
    from pipeline import locks
    from pipeline.settings import RunSettings

    context = get_current_context()
    params = context["params"]
    settings = RunSettings.resolve(params["year"], params.get("inbox") or None, params.get("out") or None)
    getattr(locks, lease)(settings.out, settings.year, context["run_id"])
    return settings


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
    },
    default_args={"retries": 0},
    max_active_runs=1,
)
def rule_of_law_index() -> None:
    @task
    def ingest() -> dict[str, Any]:
        from pipeline.ingest.stage import run_ingest

        return run_ingest(_settings("acquire"))

    @task
    def normalise(_upstream: dict[str, Any]) -> dict[str, Any]:
        from pipeline.ingest.stage import run_normalise

        return run_normalise(_settings())

    @task
    def extract(_upstream: dict[str, Any]) -> dict[str, Any]:
        from pipeline.extract.stage import run_extract

        return run_extract(_settings())

    @task
    def validate(_upstream: dict[str, Any]) -> dict[str, Any]:
        from pipeline.validate.stage import run_validate

        return run_validate(_settings())

    @task
    def index(_upstream: dict[str, Any]) -> dict[str, Any]:
        from pipeline.index.stage import run_index

        return run_index(_settings())

    @task(outlets=list(PUBLISHED.values()))
    def publish(_upstream: dict[str, Any]) -> dict[str, Any]:
        from pipeline.publish.stage import run_publish

        settings = _settings()
        result = run_publish(settings)
        _settings("release")
        # tell downstream DAGs which year and files this update is about
        outlet_events = get_current_context()["outlet_events"]
        for name, asset in PUBLISHED.items():
            outlet_events[asset].extra = {"year": result["year"], "path": f"{result['publish_dir']}/{name}.parquet"}
        return result

    publish(index(validate(extract(normalise(ingest())))))


rule_of_law_index()
