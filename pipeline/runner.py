"""Run the ``rule_of_law_index`` DAG in-process on the embedded default (SQLite, AIRFLOW_HOME in the checkout).

``configure_airflow()`` must run before anything imports airflow: Airflow reads its settings at import.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.settings import DAGS_DIR, PROJECT_ROOT

DAG_ID = "rule_of_law_index"


def airflow_settings(home: Path | None = None) -> tuple[Path, dict[str, str]]:
    """The private Airflow home (default ``$ROLINDEX_AIRFLOW_HOME`` or ``<checkout>/airflow_home``, created)
    and the environment that points Airflow at it and at this project's DAGs; reads ``os.environ``,
    changes nothing in it."""
    home = Path(home or os.environ.get("ROLINDEX_AIRFLOW_HOME") or PROJECT_ROOT / "airflow_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home, {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
                                                              f"sqlite:///{home / 'airflow.db'}"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "GX_ANALYTICS_ENABLED": os.environ.get("GX_ANALYTICS_ENABLED", "False"),
    }


def configure_airflow(home: Path | None = None) -> Path:
    """Point this process's Airflow at a private home and this project's DAGs (``airflow_settings``)."""
    home, settings = airflow_settings(home)
    os.environ.update(settings)
    return home


UI_HOST = "127.0.0.1"
AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    import socket

    with socket.socket() as s:
        s.bind((UI_HOST, 0))
        return int(s.getsockname()[1])


def loopback_api_settings(port: int, passwords_file: Path, users: str) -> dict[str, str]:
    """Airflow settings for an api-server on 127.0.0.1 only, authentication on (simple auth manager,
    ``users`` as ``name:role,...``, generated passwords in ``passwords_file``), and workers calling
    its execution API there. Shared by the local UI and the distributed profile."""
    return {
        "AIRFLOW__API__HOST": UI_HOST,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{UI_HOST}:{port}/execution/",
        "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGER,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": users,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
    }


def ui_environment(home: Path | None = None, port: int = 8080) -> dict[str, str]:
    """Environment for the local Airflow UI: loopback only, authentication on (users from
    ``ROLINDEX_UI_USERS``, default ``admin``, whose random password Airflow writes to ``$AIRFLOW_HOME/
    simple_auth_manager_passwords.json.generated``, outside the repository), secrets from the
    environment when given (``AIRFLOW__API_AUTH__JWT_SECRET``, ``AIRFLOW__CORE__FERNET_KEY``).
    Returns a new environment for the Airflow processes; this process's environment is left alone."""
    home, settings = airflow_settings(home)
    return {**os.environ, **settings,
            **loopback_api_settings(port, home / "simple_auth_manager_passwords.json.generated",
                                    os.environ.get("ROLINDEX_UI_USERS", "admin:admin"))}


def wait_for_api(port: int, process: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    """The health answer of the api-server on 127.0.0.1:port, polled until it answers. Raises
    TimeoutError when ``process`` (the server, or the script that starts it) exits first or ``timeout``
    seconds pass."""
    import json
    import time
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://{UI_HOST}:{port}/api/v2/monitor/health", timeout=2) as answer:
                health: dict[str, Any] = json.loads(answer.read())
            return health
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise TimeoutError(f"the api-server on port {port} did not come up within {timeout:.0f} s "
                                   f"(exit code {process.poll()})") from None
            time.sleep(0.5)


@contextmanager
def api_server(env: dict[str, str], port: int, timeout: float = 120) -> Iterator[dict[str, Any]]:
    """A real ``airflow api-server`` on 127.0.0.1:port with the given environment, for workers and the
    UI; yields its health answer once it answers, and stops it afterwards. Raises TimeoutError when it
    does not come up within ``timeout`` seconds."""
    import sys

    server = subprocess.Popen([sys.executable, "-m", "airflow", "api-server", "--host", UI_HOST, "--port",
                               str(port)], env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        yield wait_for_api(port, server, timeout)
    finally:
        server.terminate()
        server.wait(30)


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
