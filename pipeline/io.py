"""File I/O with atomic writes: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and a retried task simply overwrites. Every parquet file
gets a checksum sidecar (``.<name>.sha256``) written after it; ``read_parquet`` verifies it, so a
corrupted or tampered intermediate stops the run instead of flowing into published numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import PermanentError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


@contextmanager
def atomic_path(target: Path, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``target`` on success.

    ``durable`` also flushes the file to disk before the rename (survives a power cut, not only a killed
    process). Per-document intermediates skip it (an fsync costs about 1 ms, three per report); their
    batch calls ``flush_all()`` once before writing the batch's part, which marks the batch done."""
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
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield an empty staging folder beside ``target``; on success it replaces ``target`` by rename.

    On failure the staging folder is removed and ``target`` is left exactly as it was, so a reader
    sees either the previous complete folder or the new complete one (during the swap, for the time
    of two renames, no folder at all).
    """
    import shutil
    import time

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


def flush_all() -> None:
    """Flush every written file to disk (one ``sync`` for a batch of non-durable writes)."""
    os.sync()


def write_bytes(target: Path, data: bytes, durable: bool = True) -> Path:
    with atomic_path(target, durable) as tmp:
        tmp.write_bytes(data)
    return target


def write_text(target: Path, text: str, durable: bool = True) -> Path:
    return write_bytes(target, text.encode("utf-8"), durable)


def write_json(target: Path, obj: Any) -> Path:
    payload = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"
    return write_text(target, payload)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _arrow_table(frame: pd.DataFrame, schema: pa.Schema | None) -> pa.Table:
    """The frame as an Arrow table: no pandas index, no pandas metadata (deterministic bytes)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    return table.replace_schema_metadata({k: v for k, v in (table.schema.metadata or {}).items() if k != b"pandas"})


def write_parquet(target: Path, frame: pd.DataFrame, schema: pa.Schema | None = None) -> Path:
    """Write a DataFrame as one parquet file, deterministically (no pandas index, fixed schema)."""
    import pyarrow.parquet as pq

    with atomic_path(target) as tmp:
        pq.write_table(_arrow_table(frame, schema), tmp, compression="zstd")
        digest = sha256_file(tmp)
    write_checksum(target, digest)
    return target


@contextmanager
def parquet_writer(target: Path, schema: pa.Schema) -> Iterator[Callable[[pd.DataFrame], None]]:
    """Write one parquet file frame by frame (memory bounded by one frame): yields ``write(frame)``;
    atomic like ``write_parquet``, and the checksum sidecar is written once the file is in place."""
    import pyarrow.parquet as pq

    with atomic_path(target) as tmp:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            yield lambda frame: writer.write_table(_arrow_table(frame, schema))
        digest = sha256_file(tmp)
    write_checksum(target, digest)


def write_checksum(target: Path, digest: str) -> None:
    """Record ``target``'s sha256 in its sidecar (after the file itself is in place)."""
    write_bytes(checksum_path(target), f"{digest}  {target.name}\n".encode())


def checksum_path(path: Path) -> Path:
    """Where the checksum of a data file is kept: a hidden sidecar beside it."""
    return path.with_name(f".{path.name}.sha256")


class IntegrityError(PermanentError, RuntimeError):
    """A data file does not match the checksum recorded when it was written."""


def verify(path: Path) -> None:
    """Raise IntegrityError when ``path`` differs from its recorded checksum (no sidecar: nothing to check)."""
    sidecar = checksum_path(path)
    if not sidecar.exists():
        return
    expected = sidecar.read_text(encoding="utf-8").split()[0]
    actual = sha256_file(path)
    if actual != expected:
        raise IntegrityError(f"{path} was changed after it was written (sha256 {actual[:12]}..., recorded "
                             f"{expected[:12]}...): refusing to use it; re-run the task that writes it")


def read_parquet(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.exists():
        raise FileNotFoundError(f"expected dataset {path} is missing: did the upstream task run for this year?")
    verify(path)
    return pd.read_parquet(path)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
