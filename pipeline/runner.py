"""Run the ``rule_of_law_index`` DAG in-process on the embedded default (SQLite, AIRFLOW_HOME in the checkout).

``configure_airflow()`` must run before anything imports airflow: Airflow reads its settings at import.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from pipeline.settings import DAGS_DIR, PROJECT_ROOT

DAG_ID = "rule_of_law_index"


def configure_airflow(home: Path | None = None) -> Path:
    """Point Airflow at a private home (default ``<checkout>/airflow_home``) and this project's DAGs."""
    home = Path(home or os.environ.get("ROLINDEX_AIRFLOW_HOME") or PROJECT_ROOT / "airflow_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}")
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_DIR)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    return home


def ensure_database() -> None:
    """Create or migrate the metadata database (idempotent)."""
    from airflow.utils import db

    db.initdb()


def load_dag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag.get_dag(DAG_ID)


def run_year(year: int, inbox: str | None = None, out: str | None = None) -> str:
    """Run the DAG for one year through ``dag.test()``; returns the final DagRun state."""
    configure_airflow()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    ensure_database()
    dag = load_dag()
    run = dag.test(run_conf={"year": int(year), "inbox": inbox or "", "out": out or ""})
    return str(run.state)
