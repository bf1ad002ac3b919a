"""The data root as an object-storage URL: the whole DAG reads and writes ``s3://`` through the one
storage layer (``pipeline.storage`` / ``pipeline.io``), against a real S3 API on loopback (moto's
server). The published bytes must equal a local run's; leases, integrity checks and the publication
swap must hold there too."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline import io, locks, storage
from pipeline.settings import PROJECT_ROOT, SAMPLE_INBOX_ROOT, RunSettings

YEAR = 2017


def _published_digests(root: storage.Location) -> dict[str, str]:
    folder = root / "publish" / f"year={YEAR}"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in storage.list_tree(folder)
            if p.suffix in (".parquet", ".csv")}


@pytest.mark.e2e
def test_dag_with_an_s3_data_root_publishes_the_same_bytes_as_a_local_run(airflow_db, s3_bucket, tmp_path):
    from pipeline.runner import load_dag

    inbox = str(SAMPLE_INBOX_ROOT / str(YEAR))
    local_run = load_dag().test(run_conf={"year": YEAR, "inbox": inbox, "out": str(tmp_path)})
    s3_root = f"{s3_bucket}/rolindex"
    s3_run = load_dag().test(run_conf={"year": YEAR, "inbox": inbox, "out": s3_root})
    assert (str(local_run.state), str(s3_run.state)) == ("success", "success")

    remote = storage.location(s3_root)
    published = _published_digests(remote)
    assert len(published) >= 10 and published == _published_digests(tmp_path)
    # every zone is in the bucket, the manifest and the report are published, and the lease is given back
    assert {p.name for p in remote.iterdir()} >= {"raw", "text", "extracted", "validated", "index", "publish"}
    publish = remote / "publish" / f"year={YEAR}"
    assert {"datapackage.json", "validation_report.html", "index.html"} <= {p.name for p in publish.iterdir()}
    assert locks.holder(remote, YEAR) is None
    # a URL never turns into a local folder named 's3:'
    assert not (PROJECT_ROOT / "s3:").exists() and not (Path.cwd() / "s3:").exists()


def test_settings_keep_a_url_data_root_and_resolve_a_local_one(monkeypatch, tmp_path):
    monkeypatch.setenv("ROLINDEX_DATA_ROOT", "s3://bucket/data")
    remote = RunSettings.resolve(YEAR).out
    assert not storage.is_local(remote) and str(remote) == "s3://bucket/data"
    monkeypatch.chdir(tmp_path)
    local = RunSettings.resolve(YEAR, out="outputs").out
    assert storage.is_local(local) and local == tmp_path / "outputs"


def test_lease_on_s3_is_exclusive_by_conditional_write(s3_bucket):
    root = storage.location(s3_bucket)
    locks.acquire(root, YEAR, "run-a")
    locks.acquire(root, YEAR, "run-a")  # a retry of the holder passes
    with pytest.raises(locks.YearLockedError, match="run-a"):
        locks.acquire(root, YEAR, "run-b")
    with pytest.raises(locks.YearLockedError):
        locks.check(root, YEAR, "run-b")
    locks.release(root, YEAR, "run-b")  # not the holder: nothing happens
    assert locks.holder(root, YEAR)["run_id"] == "run-a"
    locks.release(root, YEAR, "run-a")
    assert locks.holder(root, YEAR) is None
    locks.check(root, YEAR, "run-b")  # a free year is taken again
    assert locks.holder(root, YEAR)["run_id"] == "run-b"


def test_tampered_parquet_in_s3_is_refused(s3_bucket):
    import pandas as pd

    target = storage.location(s3_bucket) / "extracted" / "panel.parquet"
    frame = pd.DataFrame({"unit": ["a", "b"], "value": [1.0, 2.0]})
    io.write_parquet(target, frame)
    pd.testing.assert_frame_equal(io.read_parquet(target), frame)
    assert io.open_parquet(target).metadata.num_rows == 2
    target.write_bytes(target.read_bytes()[:-8] + b"tampered")  # another writer, outside the pipeline
    with pytest.raises(io.IntegrityError, match="changed after it was written"):
        io.read_parquet(target)


def test_publication_on_s3_replaces_the_folder_manifest_last_and_survives_a_failure(s3_bucket):
    target = storage.location(s3_bucket) / "publish" / f"year={YEAR}"
    with io.atomic_directory(target, manifest="datapackage.json") as staging:
        (staging / "scores.csv").write_text("old\n")
        (staging / "stale.csv").write_text("gone next time\n")
        (staging / "datapackage.json").write_text("{}\n")

    def publish_and_die() -> None:
        with io.atomic_directory(target, manifest="datapackage.json") as staging:
            (staging / "scores.csv").write_text("half-written\n")
            raise RuntimeError("worker died while publishing")

    with pytest.raises(RuntimeError):
        publish_and_die()
    assert (target / "scores.csv").read_text() == "old\n"  # a failed publish uploads nothing

    with io.atomic_directory(target, manifest="datapackage.json") as staging:
        (staging / "scores.csv").write_text("new\n")
        (staging / "charts").mkdir()
        (staging / "charts" / "ranked.svg").write_text("<svg/>\n")
        (staging / "datapackage.json").write_text('{"v": 2}\n')
    assert sorted(str(p)[len(str(target)) + 1:] for p in storage.list_tree(target)) == [
        "charts/ranked.svg", "datapackage.json", "scores.csv"]
    assert (target / "scores.csv").read_text() == "new\n" and (target / "datapackage.json").read_text() == '{"v": 2}\n'


def test_manifest_is_the_last_file_uploaded(s3_bucket, monkeypatch):
    """Readers trust a publication once its manifest is there: it must be removed first and written last."""
    target = storage.location(s3_bucket) / "publish"
    with io.atomic_directory(target, manifest="datapackage.json") as staging:
        (staging / "a.csv").write_text("1\n")
        (staging / "datapackage.json").write_text("{}\n")
    events: list[str] = []
    fs = target.fs
    real_put, real_rm = fs.put_file, fs.rm_file
    monkeypatch.setattr(fs, "put_file", lambda src, dst, **kw: (events.append(f"put {Path(dst).name}"),
                                                               real_put(src, dst, **kw))[1])
    monkeypatch.setattr(fs, "rm_file", lambda path, **kw: (events.append(f"rm {Path(path).name}"),
                                                          real_rm(path, **kw))[1])
    with io.atomic_directory(target, manifest="datapackage.json") as staging:
        (staging / "b.csv").write_text("2\n")
        (staging / "datapackage.json").write_text("{}\n")
    assert events == ["rm datapackage.json", "put b.csv", "rm a.csv", "put datapackage.json"]


def test_a_damaged_lease_holds_the_year_until_unlocked(tmp_path):
    """A process killed between creating the lease file and writing it leaves it empty: the year stays
    held (by an unknown run) and the message says how to clear it, instead of a JSON traceback."""
    from pipeline.cli import main

    path = locks.lock_path(tmp_path, YEAR)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    assert locks.holder(tmp_path, YEAR) == {"run_id": None, "since": None, "host": None, "damaged": True}
    with pytest.raises(locks.YearLockedError, match="rolindex unlock --year 2017"):
        locks.acquire(tmp_path, YEAR, "run-a")
    assert main(["unlock", "--year", str(YEAR), "--out", str(tmp_path)]) == 0
    locks.acquire(tmp_path, YEAR, "run-a")
    assert locks.holder(tmp_path, YEAR)["run_id"] == "run-a"
