"""Test setup: a private Airflow home (SQLite) per test session, created before airflow is imported."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import pytest

from pipeline.runner import configure_airflow
from pipeline.settings import SAMPLE_INBOX_ROOT

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="rolindex-airflow-"))
configure_airflow(_AIRFLOW_HOME)
logging.getLogger("great_expectations").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    from pipeline.runner import ensure_database

    ensure_database()
    return _AIRFLOW_HOME


@pytest.fixture(scope="session")
def sample_files() -> dict[str, Path]:
    """The five real sample reports by short name."""
    files = {p.name.split("_")[1]: p for p in SAMPLE_INBOX_ROOT.glob("*/*.txt")}
    assert len(files) == 5, files
    return files


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)
