"""Project paths and run settings, read from the environment with sensible defaults.

No I/O happens at import. Environment variables:

- ``ROLINDEX_DATA_ROOT``: the folder or object-storage URL (``s3://bucket/rolindex``) where zones (raw, text,
  extracted, ..., publish) are written; default ``outputs/``. Workers on several hosts share it.
- ``ROLINDEX_INBOX_ROOT``: the folder or object-storage URL (``s3://bucket/inbox``) holding one inbox per
  year (``<root>/<year>/``); default the sample inbox.
- ``ROLINDEX_MAX_FILE_BYTES``: the size limit for one submitted file; default 50 MB.
- ``ROLINDEX_TASK_RETRIES`` / ``ROLINDEX_RETRY_DELAY_SECONDS``: how often Airflow retries a task whose
  worker died or hit a transient error, and after how long; default 2 retries, 30 s apart. Failures a
  retry cannot fix (``pipeline.errors.PermanentError``) are never retried.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pipeline.storage import Location

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "configs"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DAGS_DIR = PROJECT_ROOT / "dags"
SAMPLE_INBOX_ROOT = PROJECT_ROOT / "examples" / "inbox"


@dataclass(frozen=True)
class RunSettings:
    """Where one yearly run reads and writes."""

    year: int
    inbox: str | Path  # a local folder, or an fsspec URL for an object-storage prefix
    out: Location  # a local folder, or a UPath for an object-storage URL
    max_file_bytes: int = 50 * 1024 * 1024

    @classmethod
    def resolve(cls, year: int, inbox: str | Path | None = None, out: str | Path | None = None) -> RunSettings:
        """Fill in defaults: the inbox is ``<inbox root>/<year>``, the output the data root."""
        from pipeline import storage

        inbox_root = os.environ.get("ROLINDEX_INBOX_ROOT") or str(SAMPLE_INBOX_ROOT)
        location = str(inbox) if inbox else str(storage.join(inbox_root, str(year)))
        inbox_location: str | Path = location if storage.is_url(location) else storage.local_path(location).resolve()
        out_location = storage.location(out or os.environ.get("ROLINDEX_DATA_ROOT") or PROJECT_ROOT / "outputs")
        max_bytes = int(os.environ.get("ROLINDEX_MAX_FILE_BYTES", 50 * 1024 * 1024))
        return cls(year=int(year), inbox=inbox_location, out=out_location, max_file_bytes=max_bytes)


def retry_policy() -> dict[str, int | timedelta]:
    """Airflow ``default_args`` for task retries, from the environment (see the module docstring)."""
    return {"retries": int(os.environ.get("ROLINDEX_TASK_RETRIES", 2)),
            "retry_delay": timedelta(seconds=float(os.environ.get("ROLINDEX_RETRY_DELAY_SECONDS", 30)))}
