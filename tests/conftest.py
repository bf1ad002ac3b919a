"""Test setup: a private Airflow home (SQLite) per test session, created before airflow is imported."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API on 127.0.0.1 (moto's server, the one s3fs's own tests use; no AWS account is reachable
    here). The ``AWS_*`` variables point this process and every process it starts (Airflow workers) at it."""
    from moto.server import ThreadedMotoServer

    from pipeline.runner import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    settings = {"AWS_ACCESS_KEY_ID": "rolindex-test", "AWS_SECRET_ACCESS_KEY": "rolindex-test-secret",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    saved = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        yield settings["AWS_ENDPOINT_URL"]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, request) -> str:
    """A new, empty bucket on the test S3 server; returns its ``s3://`` URL."""
    import re

    import fsspec

    name = "rolindex-" + re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:40].strip("-")
    fs = fsspec.filesystem("s3")
    if fs.exists(name):
        fs.rm(name, recursive=True)
    fs.mkdir(name)
    return f"s3://{name}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)
