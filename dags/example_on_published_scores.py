"""Example downstream DAG: runs whenever ``rule_of_law_index`` publishes new scores.

Shows how planners' own pipelines (dashboards, exports) schedule on the published Asset instead of a
clock. It only reads the asset event's extra (year and path) and logs where the new file is.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import dag, get_current_context, task

from pipeline.assets import PUBLISHED


@dag(
    dag_id="example_on_published_scores",
    schedule=[PUBLISHED["scores"]],
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["rolindex", "example"],
    doc_md=__doc__,
)
def example_on_published_scores() -> None:
    @task
    def announce() -> list[dict[str, object]]:
        events = get_current_context()["triggering_asset_events"][PUBLISHED["scores"]]
        extras = [dict(e.extra) for e in events]
        for extra in extras:
            logging.getLogger(__name__).info("new scores for %s at %s", extra.get("year"), extra.get("path"))
        return extras

    announce()


example_on_published_scores()
