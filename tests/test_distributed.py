"""The distributed profile end to end: a real PostgreSQL, a real Redis and two real Celery workers
(``scripts/distributed``, i.e. ``python -m pipeline.distributed``) run the DAG for 2017 on the sample
inbox, once with a local data root and once with an ``s3://`` data root (a real S3 API on loopback,
so the workers share no folder for data); the published parquet and CSV files must be byte-identical
to the embedded profile's (``dag.test()`` on SQLite), and nothing of the profile may be left running
afterwards."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pipeline import distributed, storage
from pipeline.settings import PROJECT_ROOT, SAMPLE_INBOX_ROOT

YEAR = 2017


def _cli(home: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLINDEX_DISTRIBUTED_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "pipeline.distributed", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def _published(out: storage.Location) -> dict[str, str]:
    folder = out / "publish" / f"year={YEAR}"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in storage.list_tree(folder)
            if p.suffix in (".parquet", ".csv")}


def _logs(layout: distributed.Layout) -> str:
    return "\n".join(f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-30:])
                     for p in sorted(layout.log_dir.glob("*.log")))


def test_profile_configuration_is_loopback_authenticated_and_sized_for_the_cores(tmp_path):
    """The pure part: every listener on 127.0.0.1, authentication on, secrets shared, slots = cores."""
    layout = distributed.Layout(tmp_path / "state")
    profile = distributed.Profile(api_port=18080, postgres_port=15432, redis_port=16379, workers=2,
                                  concurrency=distributed.default_concurrency(2, cores=2))
    secrets = distributed.new_secrets()
    env = distributed.airflow_environment(layout, profile, secrets, base={"ROLINDEX_TASK_RETRIES": "1"})
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor" and env["ROLINDEX_TASK_RETRIES"] == "1"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://airflow:")
    assert "@127.0.0.1:15432/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CELERY__BROKER_URL"] == f"redis://:{secrets['redis_password']}@127.0.0.1:16379/0"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18080/execution/"
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1" and env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("SimpleAuthManager")
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "False"
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == secrets["jwt_secret"] and env["AIRFLOW_HOME"] == str(layout.airflow_home)
    assert (profile.concurrency, profile.parallelism, env["AIRFLOW__CORE__PARALLELISM"]) == (1, 2, "2")
    commands = distributed.component_commands(profile)
    assert sorted(commands) == ["api-server", "dag-processor", "scheduler", "triggerer", "worker-1", "worker-2"]
    assert commands["api-server"][-4:] == ["--host", "127.0.0.1", "--port", "18080"]
    assert all("--skip-serve-logs" in argv for name, argv in commands.items() if name.startswith("worker"))
    assert "bind 127.0.0.1\n" in distributed.redis_config(layout, profile, secrets)
    assert "listen_addresses = '127.0.0.1'" in distributed.postgres_settings()
    assert len(set(secrets.values())) == len(secrets)  # all different, all generated


@pytest.mark.distributed
def test_celery_profile_publishes_the_same_bytes_as_the_embedded_profile(airflow_db, s3_bucket, tmp_path):
    from pipeline.runner import load_dag

    inbox = SAMPLE_INBOX_ROOT / str(YEAR)
    embedded_out, celery_out, s3_out = tmp_path / "embedded", tmp_path / "celery", f"{s3_bucket}/celery"
    run = load_dag().test(run_conf={"year": YEAR, "inbox": str(inbox), "out": str(embedded_out)})
    assert str(run.state) == "success"

    # Not under tmp_path (mode 0700): run as root, PostgreSQL runs as 'postgres' and must reach its folder.
    parent = Path(tempfile.mkdtemp(prefix="rolindex-distributed-"))
    parent.chmod(0o711)
    layout = distributed.Layout(parent / "state")
    timings: dict[str, float] = {}
    try:
        began = time.monotonic()
        started = _cli(layout.home, "start", "--workers", "2", timeout=600)
        timings["start"] = time.monotonic() - began
        if started.returncode == distributed.EX_UNAVAILABLE:
            pytest.skip(f"PostgreSQL/Redis cannot be installed or started here: {started.stderr.strip()[-600:]}")
        assert started.returncode == 0, (started.stderr[-3000:], _logs(layout))
        assert _cli(layout.home, "status", timeout=60).returncode == 0
        for private in (layout.secrets_file, layout.redis_dir / "redis.conf", layout.passwords_file):
            assert private.stat().st_mode & 0o077 == 0, private  # secrets readable by their owner only

        began = time.monotonic()
        ran = _cli(layout.home, "run", str(YEAR), "--inbox", str(inbox), "--out", str(celery_out), timeout=900)
        timings["run"] = time.monotonic() - began
        assert ran.returncode == 0, (ran.stdout[-3000:], ran.stderr[-3000:], _logs(layout))
        # every task instance ran on a Celery worker, and both workers took work
        finished = set(re.findall(r"^\s+\S+ (\S+)\s+success \(try", ran.stdout, flags=re.M))
        taken = {name: len(re.findall(r"Task execute_workload\[[^]]+\] received", layout.log_file(name).read_text(
                 errors="replace"))) for name in ("worker-1", "worker-2")}
        assert sum(taken.values()) == len(finished) >= 6, (taken, ran.stdout)
        assert all(taken.values()), taken

        began = time.monotonic()  # the same on object storage: the workers inherited the AWS_* settings
        ran_s3 = _cli(layout.home, "run", str(YEAR), "--inbox", str(inbox), "--out", s3_out, timeout=900)
        timings["run_s3"] = time.monotonic() - began
        assert ran_s3.returncode == 0, (ran_s3.stdout[-3000:], ran_s3.stderr[-3000:], _logs(layout))
    finally:
        began = time.monotonic()
        stopped = _cli(layout.home, "stop", timeout=600)
        timings["stop"] = time.monotonic() - began
        leftovers = distributed.leftover_processes(layout)
        ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
        print(f"distributed profile timings (s): {timings}")
        if not leftovers:
            shutil.rmtree(parent, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stderr
    assert leftovers == [], [p.info for p in leftovers]
    assert str(layout.home) not in ps, ps
    assert distributed.status(layout, echo=lambda _m: None) == 3  # nothing running

    assert _published(celery_out) == _published(embedded_out) == _published(storage.location(s3_out))
    assert {Path(n).suffix for n in _published(celery_out)} == {".parquet", ".csv"}
