"""One run at a time per (data root, year): a lease file that a run takes in its first task.

``acquire`` creates ``<out>/.locks/year=<Y>.lock`` exclusively with the run id (``O_EXCL`` on a local or
shared POSIX volume; a conditional PUT, ``If-None-Match: *``, on S3 through s3fs); every later
task ``check``s that the lease is still its own; ``release`` removes it after publishing. A second run
for the same year fails at once with a message naming the run that holds the year, instead of
interleaving its writes. A retry of the same run (same run id) passes. A run that ends failed gives
its lease back (the DAG's failure callback), and takes it again if it is cleared and resumed. A lease
left by a run that died without its callback (a killed scheduler) is cleared with ``rolindex unlock --year Y``.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from typing import Any

from pipeline.errors import PermanentError
from pipeline.storage import Location


class YearLockedError(PermanentError, RuntimeError):
    """Another run holds the year."""


def lock_path(out: Location, year: int) -> Location:
    return out / ".locks" / f"year={year}.lock"


def holder(out: Location, year: int) -> dict[str, Any] | None:
    """The lease on the year (run_id, pid, host, since), or None when the year is free. A lease file
    left empty or damaged by a process killed while writing it counts as held by an unknown run."""
    path = lock_path(out, year)
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError):
        return {"run_id": None, "since": None, "host": None, "damaged": True}


def acquire(out: Location, year: int, run_id: str) -> None:
    path = lock_path(out, year)
    path.parent.mkdir(parents=True, exist_ok=True)
    lease = {"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
             "since": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        with path.open("xb") as handle:  # exclusive create (on S3 the check happens at upload, on close)
            handle.write(json.dumps(lease).encode("utf-8"))
    except FileExistsError:
        current = holder(out, year) or {}
        if current.get("run_id") == run_id:
            return  # a retry of the run that holds the year
        raise YearLockedError(
            f"year {year} in {out} is being built by run {current.get('run_id')!r} (since {current.get('since')}, "
            f"host {current.get('host')}); wait for it, or if it died run: rolindex unlock --year {year} --out {out}"
        ) from None


def check(out: Location, year: int, run_id: str) -> None:
    """Pass when ``run_id`` holds the year; a resumed run whose lease was released on failure takes it
    again (atomically, so two resumed runs cannot both win); fail when another run holds it."""
    if holder(out, year) is None:
        acquire(out, year, run_id)
    current = holder(out, year)
    if current is None or current.get("run_id") != run_id:
        raise YearLockedError(f"run {run_id!r} no longer holds year {year} in {out} (held by "
                              f"{(current or {}).get('run_id')!r}); stopping before writing anything")


def release(out: Location, year: int, run_id: str) -> None:
    current = holder(out, year)
    if current is not None and current.get("run_id") == run_id:
        lock_path(out, year).unlink(missing_ok=True)
