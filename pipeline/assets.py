"""The Airflow Assets the yearly DAG updates: one per published table, so downstream DAGs can be
scheduled on them (``schedule=[PUBLISHED["scores"]]``). URIs point at the default data root's
``publish/`` folder (``ROLINDEX_DATA_ROOT``, default ``outputs/``); the year of a run is in the
asset event's extra (``{"year": 2022, "path": ".../year=2022/scores.parquet"}``).

Only ``airflow.sdk`` and the settings module are imported: this runs at DAG parse time.
"""

from __future__ import annotations

import os
from pathlib import Path

from airflow.sdk import Asset

from pipeline.settings import PROJECT_ROOT

TABLES = ("scores", "indicators", "documents", "audit", "year_over_year", "missing")


def _publish_root() -> Path:
    return Path(os.environ.get("ROLINDEX_DATA_ROOT", PROJECT_ROOT / "outputs")).resolve() / "publish"


PUBLISHED: dict[str, Asset] = {
    name: Asset(uri=f"file://{_publish_root()}/{name}", name=f"rolindex_{name}", group="rolindex")
    for name in TABLES
}
