"""Project paths and run settings, read from the environment with sensible defaults.

No I/O happens at import. Environment variables:

- ``ROLINDEX_DATA_ROOT``: where zones (raw, text, extracted, ..., publish) are written; default ``outputs/``.
- ``ROLINDEX_INBOX_ROOT``: the folder holding one inbox per year (``<root>/<year>/``); default the sample inbox.
- ``ROLINDEX_MAX_FILE_BYTES``: the size limit for one submitted file; default 50 MB.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "configs"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DAGS_DIR = PROJECT_ROOT / "dags"
SAMPLE_INBOX_ROOT = PROJECT_ROOT / "examples" / "inbox"


@dataclass(frozen=True)
class RunSettings:
    """Where one yearly run reads and writes."""

    year: int
    inbox: Path
    out: Path
    max_file_bytes: int = 50 * 1024 * 1024

    @classmethod
    def resolve(cls, year: int, inbox: str | Path | None = None, out: str | Path | None = None) -> RunSettings:
        """Fill in defaults: the inbox is ``<inbox root>/<year>``, the output the data root."""
        inbox_root = Path(os.environ.get("ROLINDEX_INBOX_ROOT", SAMPLE_INBOX_ROOT))
        inbox_path = Path(inbox) if inbox else inbox_root / str(year)
        out_path = Path(out) if out else Path(os.environ.get("ROLINDEX_DATA_ROOT", PROJECT_ROOT / "outputs"))
        max_bytes = int(os.environ.get("ROLINDEX_MAX_FILE_BYTES", 50 * 1024 * 1024))
        return cls(year=int(year), inbox=inbox_path.resolve(), out=out_path.resolve(), max_file_bytes=max_bytes)
