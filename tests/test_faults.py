"""Fault injection: a worker killed mid-extract, corrupted intermediates, a full disk.

Stages run as separate processes here (as Airflow runs tasks), through ``python -c``; the published
files are compared by sha256 with an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.settings import PROJECT_ROOT, SAMPLE_INBOX_ROOT

STAGES = {
    "ingest": "pipeline.ingest.stage:run_ingest", "normalise": "pipeline.ingest.stage:run_normalise",
    "extract": "pipeline.extract.stage:run_extract", "validate": "pipeline.validate.stage:run_validate",
    "index": "pipeline.index.stage:run_index", "publish": "pipeline.publish.stage:run_publish",
}


def run_stage(stage: str, out: Path, year: int = 2017, env: dict[str, str] | None = None,
              preamble: str = "") -> subprocess.CompletedProcess[str]:
    module, func = STAGES[stage].split(":")
    code = (f"{preamble}\nfrom {module} import {func}\nfrom pipeline.settings import RunSettings\n"
            f"{func}(RunSettings.resolve({year}, {str(SAMPLE_INBOX_ROOT / str(year))!r}, {str(out)!r}))\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          env={**os.environ, **(env or {})}, timeout=300)


def run_all(out: Path, stages: list[str]) -> None:
    for stage in stages:
        done = run_stage(stage, out)
        assert done.returncode == 0, (stage, done.stderr[-2000:])


def published_digests(out: Path, year: int = 2017) -> dict[str, str]:
    folder = out / "publish" / f"year={year}"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.suffix in (".parquet", ".csv")}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    run_all(out, list(STAGES))
    return out


def test_killed_extract_resumes_to_identical_published_files(clean_run, tmp_path):
    run_all(tmp_path, ["ingest", "normalise"])
    killed = run_stage("extract", tmp_path, env={"ROLINDEX_FAULT": "extract:1"})
    assert killed.returncode == -signal.SIGKILL  # died mid-batch, after its first document
    assert not (tmp_path / "extracted" / "year=2017" / "records.parquet").exists()  # nothing half-written
    assert not list((tmp_path / "extracted" / "year=2017").glob("*.tmp"))
    run_all(tmp_path, ["extract", "validate", "index", "publish"])  # the retry
    assert published_digests(tmp_path) == published_digests(clean_run)


def test_corrupted_intermediates_are_detected_not_published(clean_run, tmp_path):
    shutil.copytree(clean_run, tmp_path / "out")
    out = tmp_path / "out"
    before = published_digests(out)
    records = out / "extracted" / "year=2017" / "records.parquet"
    data = bytearray(records.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    records.write_bytes(bytes(data))
    failed = run_stage("validate", out)
    assert failed.returncode != 0 and "IntegrityError" in failed.stderr and "records.parquet" in failed.stderr
    # a changed clean text is caught before extraction
    import pandas as pd

    documents = pd.read_parquet(out / "text" / "year=2017" / "documents.parquet")
    accepted = documents.loc[documents["disposition"] == "accepted", "doc"].iloc[0]
    text = out / "text" / "year=2017" / "docs" / f"{accepted}.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("2017", "2071", 1), encoding="utf-8")
    failed = run_stage("extract", out)
    assert failed.returncode != 0 and "changed after normalisation" in failed.stderr
    assert published_digests(out) == before  # the published year is untouched


def test_full_disk_fails_cleanly_and_leaves_the_previous_publication(clean_run, tmp_path):
    shutil.copytree(clean_run, tmp_path / "out")
    out = tmp_path / "out"
    before = published_digests(out)
    # a size-limited output: any file larger than 20 kB cannot be written (EFBIG), as on a full disk
    limit = ("import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
             "resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))\n")
    failed = run_stage("publish", out, preamble=limit)
    assert failed.returncode != 0 and any(m in failed.stderr for m in ("File too large", "Errno 27", "EFBIG"))
    publish = out / "publish"
    assert published_digests(out) == before
    assert sorted(p.name for p in publish.iterdir()) == ["year=2017"]  # no staging folder left behind
    assert not list(publish.rglob("*.tmp"))


def test_year_lease_lets_one_run_in_and_names_the_holder(tmp_path):
    from pipeline import locks

    locks.acquire(tmp_path, 2017, "run-a")
    locks.acquire(tmp_path, 2017, "run-a")  # a retry of the same run
    with pytest.raises(locks.YearLockedError, match="run-a"):
        locks.acquire(tmp_path, 2017, "run-b")
    with pytest.raises(locks.YearLockedError):
        locks.check(tmp_path, 2017, "run-b")
    locks.acquire(tmp_path, 2018, "run-b")  # other years are free
    locks.release(tmp_path, 2017, "run-a")
    locks.acquire(tmp_path, 2017, "run-b")
    assert locks.holder(tmp_path, 2017)["run_id"] == "run-b"


def test_second_run_for_a_locked_year_stops_before_writing(airflow_db, tmp_path):
    """A run finds the year leased by another run: its first task fails, nothing is written or published."""
    from pipeline import locks
    from pipeline.cli import main
    from pipeline.runner import load_dag

    locks.acquire(tmp_path, 2017, "manual__other-run")
    run = load_dag().test(run_conf={"year": 2017, "inbox": str(SAMPLE_INBOX_ROOT / "2017"), "out": str(tmp_path)})
    assert str(run.state) == "failed"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".locks"]
    assert main(["unlock", "--year", "2017", "--out", str(tmp_path)]) == 0
    run = load_dag().test(run_conf={"year": 2017, "inbox": str(SAMPLE_INBOX_ROOT / "2017"), "out": str(tmp_path)})
    assert str(run.state) == "success" and locks.holder(tmp_path, 2017) is None  # released after publishing


@pytest.mark.e2e
def test_worker_killed_mid_extract_is_retried_by_airflow(clean_run, airflow_db, tmp_path):
    """The real thing: the DAG on Airflow's LocalExecutor (tasks in worker processes talking to a real
    api-server); the extract worker is SIGKILLed after its first document, Airflow retries the task,
    and the published files equal those of an uninterrupted run."""
    import json

    from pipeline.runner import api_server, free_port, ui_environment

    port = free_port()
    env = ui_environment(airflow_db, port=port)
    env.update({"AIRFLOW__CORE__EXECUTOR": "LocalExecutor", "AIRFLOW__CORE__PARALLELISM": "2",
                "ROLINDEX_FAULT": "extract:1", "ROLINDEX_FAULT_ONCE": str(tmp_path / "fault-fired"),
                "ROLINDEX_RETRY_DELAY_SECONDS": "0"})
    out = tmp_path / "out"
    conf = {"year": 2017, "inbox": str(SAMPLE_INBOX_ROOT / "2017"), "out": str(out)}
    code = ("import json\nfrom pipeline.runner import load_dag\n"
            f"run = load_dag().test(use_executor=True, run_conf={conf!r})\n"
            "tries = {ti.task_id: ti.try_number for ti in run.get_task_instances()}\n"
            "print('RESULT', json.dumps({'state': str(run.state), 'tries': tries}))\n")
    with api_server(env, port):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT,
                              env=env, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, (done.stdout[-2000:], done.stderr[-4000:])
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert (tmp_path / "fault-fired").exists()  # the worker really was killed once
    assert result["state"] == "success", result
    assert result["tries"]["extract"] == 2 and result["tries"]["plan_batches"] == 1, result
    assert published_digests(out) == published_digests(clean_run)


def test_permanent_error_is_not_retried_and_gives_the_lease_back(airflow_db, tmp_path):
    """A missing inbox fails the same way every time: no retry, and the failed run releases the year."""
    from pipeline import locks
    from pipeline.runner import load_dag

    run = load_dag().test(run_conf={"year": 2017, "inbox": str(tmp_path / "no-such-inbox"), "out": str(tmp_path)})
    assert str(run.state) == "failed"
    ingest = next(ti for ti in run.get_task_instances() if ti.task_id == "plan_batches")
    assert str(ingest.state) == "failed" and ingest.try_number == 1 and ingest.max_tries >= 1
    assert (tmp_path / ".locks").is_dir() and locks.holder(tmp_path, 2017) is None  # taken, then released


def _mount_tmpfs(path: Path, size_bytes: int) -> bool:
    """Mount a tmpfs of ``size_bytes`` at ``path`` (needs root; False when not possible here)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    return done.returncode == 0


def test_full_tmpfs_fails_cleanly_and_leaves_the_previous_publication(clean_run, tmp_path):
    """A real full disk: the data root on a tmpfs with room for less than one more publication."""
    def size(folder: Path) -> int:
        return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

    publish_bytes = size(clean_run / "publish")
    # tmpfs counts whole pages per file: leave room for what is there, but not for a second publication
    capacity = size(clean_run) + 4096 * sum(1 for p in clean_run.rglob("*")) + publish_bytes // 2
    mount = tmp_path / "small-disk"
    if not _mount_tmpfs(mount, capacity):
        pytest.skip("cannot mount a tmpfs here (needs root); the RLIMIT_FSIZE test covers a full disk")
    try:
        out = mount / "out"
        shutil.copytree(clean_run, out)
        before = published_digests(out)
        failed = run_stage("publish", out)
        assert failed.returncode != 0 and any(m in failed.stderr for m in ("No space left", "Errno 28", "ENOSPC"))
        assert published_digests(out) == before
        assert sorted(p.name for p in (out / "publish").iterdir()) == ["year=2017"]  # no staging left behind
        assert not list((out / "publish").rglob("*.tmp"))
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
