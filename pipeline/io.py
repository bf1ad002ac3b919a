"""File I/O with atomic writes: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and a retried task simply overwrites. Every parquet file
gets a checksum sidecar (``.<name>.sha256``) written after it; ``read_parquet`` verifies it, so a
corrupted or tampered intermediate stops the run instead of flowing into published numbers.

Targets are ``storage.Location``s: a local ``Path``, or a ``UPath`` in object storage. There a file
is written to a local temporary file first and uploaded with one PUT, which an object store makes
visible whole or not at all (the same guarantee as the local rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pipeline.errors import PermanentError
from pipeline.storage import Location, is_local

Target = TypeVar("Target", bound=Location)  # the write helpers return their target, local or remote

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    from upath import UPath


@contextmanager
def atomic_path(target: Location, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary local path; on success it becomes ``target`` at once (rename, or one upload).

    ``durable`` also flushes the file to disk before the rename (survives a power cut, not only a killed
    process). Per-document intermediates skip it (an fsync costs about 1 ms, three per report); their
    batch calls ``flush_all()`` once before writing the batch's part, which marks the batch done."""
    if not is_local(target):
        with tempfile.TemporaryDirectory(prefix="rolindex-upload-") as folder:
            tmp = Path(folder) / target.name
            yield tmp
            target.fs.put_file(str(tmp), target.path)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        tmp.chmod(0o644)  # mkstemp creates 0600; published and intermediate files are for readers too
        if durable:
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
        tmp.replace(target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_directory(target: Location, manifest: str | None = None) -> Iterator[Path]:
    """Yield an empty staging folder; on success its content replaces ``target``.

    Local: the staging folder sits beside ``target`` and replaces it by rename. On failure it is
    removed and ``target`` is left exactly as it was, so a reader sees either the previous complete
    folder or the new complete one (during the swap, for the time of two renames, no folder at all).

    Object storage has no folder rename: the staging folder is local, and on success its files are
    uploaded over ``target`` (``replace_remote_folder``), the ``manifest`` file removed first and
    uploaded last. On failure nothing is uploaded and ``target`` is untouched.
    """
    import shutil
    import time

    if not is_local(target):
        with tempfile.TemporaryDirectory(prefix="rolindex-publish-") as folder:
            staging = Path(folder)
            yield staging
            replace_remote_folder(staging, target, manifest)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp creates 0700; the published folder is for readers
    try:
        yield staging
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
            target.rename(old)
        staging.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def replace_remote_folder(source: Path, target: UPath, manifest: str | None) -> None:
    """Make the object-storage prefix ``target`` hold exactly the files of the local folder ``source``.

    Each upload is atomic, the folder as a whole is not; so the ``manifest`` (which lists and checksums
    the files) is deleted before anything changes and uploaded after everything else: a reader that
    finds the manifest finds the complete publication it describes.
    """
    fs, root = target.fs, target.path.rstrip("/")
    new = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    old = {key[len(root) + 1:] for key in fs.find(root)} if fs.exists(root) else set()
    if manifest is not None and manifest in old:
        fs.rm_file(f"{root}/{manifest}")
    for name in sorted(new - {manifest}):
        fs.put_file(str(source / name), f"{root}/{name}")
    for name in sorted(old - new):
        fs.rm_file(f"{root}/{name}")
    if manifest is not None and manifest in new:
        fs.put_file(str(source / manifest), f"{root}/{manifest}")


def flush_all() -> None:
    """Flush every written file to disk (one ``sync`` for a batch of non-durable writes)."""
    os.sync()


def write_bytes(target: Target, data: bytes, durable: bool = True) -> Target:
    with atomic_path(target, durable) as tmp:
        tmp.write_bytes(data)
    return target


def write_text(target: Target, text: str, durable: bool = True) -> Target:
    return write_bytes(target, text.encode("utf-8"), durable)


def write_json(target: Target, obj: Any) -> Target:
    payload = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
    return write_text(target, payload)


def read_json(path: Location) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _arrow_table(frame: pd.DataFrame, schema: pa.Schema | None) -> pa.Table:
    """The frame as an Arrow table: no pandas index, no pandas metadata (deterministic bytes)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    return table.replace_schema_metadata({k: v for k, v in (table.schema.metadata or {}).items() if k != b"pandas"})


def write_parquet(target: Target, frame: pd.DataFrame, schema: pa.Schema | None = None) -> Target:
    """Write a DataFrame as one parquet file, deterministically (no pandas index, fixed schema)."""
    import pyarrow.parquet as pq

    with atomic_path(target) as tmp:
        pq.write_table(_arrow_table(frame, schema), tmp, compression="zstd")
        digest = sha256_file(tmp)
    write_checksum(target, digest)
    return target


@contextmanager
def parquet_writer(target: Location, schema: pa.Schema) -> Iterator[Callable[[pd.DataFrame], None]]:
    """Write one parquet file frame by frame (memory bounded by one frame): yields ``write(frame)``;
    atomic like ``write_parquet``, and the checksum sidecar is written once the file is in place."""
    import pyarrow.parquet as pq

    with atomic_path(target) as tmp:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            yield lambda frame: writer.write_table(_arrow_table(frame, schema))
        digest = sha256_file(tmp)
    write_checksum(target, digest)


def write_checksum(target: Location, digest: str) -> None:
    """Record ``target``'s sha256 in its sidecar (after the file itself is in place)."""
    write_bytes(checksum_path(target), f"{digest}  {target.name}\n".encode())


def checksum_path(path: Location) -> Location:
    """Where the checksum of a data file is kept: a hidden sidecar beside it."""
    return path.with_name(f".{path.name}.sha256")


class IntegrityError(PermanentError, RuntimeError):
    """A data file does not match the checksum recorded when it was written."""


def verify(path: Location, data: bytes | None = None) -> None:
    """Raise IntegrityError when ``path`` (or its already-read ``data``) differs from its recorded checksum
    (no sidecar: nothing to check)."""
    sidecar = checksum_path(path)
    if not sidecar.exists():
        return
    expected = sidecar.read_text(encoding="utf-8").split()[0]
    actual = sha256_bytes(data) if data is not None else sha256_file(path)
    if actual != expected:
        raise IntegrityError(f"{path} was changed after it was written (sha256 {actual[:12]}..., recorded "
                             f"{expected[:12]}...): refusing to use it; re-run the task that writes it")


def read_parquet(path: Location) -> pd.DataFrame:
    """A verified parquet file as a DataFrame (from object storage: one download, checked, then parsed)."""
    import pandas as pd

    if not path.exists():
        raise FileNotFoundError(f"expected dataset {path} is missing: did the upstream task run for this year?")
    if is_local(path):
        verify(path)
        return pd.read_parquet(path)
    from io import BytesIO

    data = path.read_bytes()
    verify(path, data)
    return pd.read_parquet(BytesIO(data))


def open_parquet(path: Location) -> pq.ParquetFile:
    """A verified parquet file opened for reading row group by row group (memory bounded)."""
    import pyarrow.parquet as pq

    verify(path)
    return pq.ParquetFile(path if is_local(path) else path.open("rb"))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Location) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
