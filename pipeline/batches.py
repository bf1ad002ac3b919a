"""Cut a year's submissions into batches of about the same number of bytes.

Airflow runs one mapped task per batch (not per report: each task costs 1.5-2 s of overhead), and
each task streams its documents one at a time, so memory stays bounded whatever the year's size.
``ROLINDEX_BATCH_BYTES`` sets the target (default 64 MB); batches keep the inbox's name order.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

DEFAULT_BATCH_BYTES = 64 * 1024 * 1024


def batch_bytes() -> int:
    return int(os.environ.get("ROLINDEX_BATCH_BYTES", DEFAULT_BATCH_BYTES))


def assign_batches(sizes: Sequence[int | None], target_bytes: int) -> list[int]:
    """Batch number for each item, in order: a new batch starts when the current one would pass
    ``target_bytes`` (an item bigger than the target gets a batch of its own). Unknown sizes count 0."""
    if target_bytes <= 0:
        raise ValueError(f"batch size must be positive, got {target_bytes}")
    batches: list[int] = []
    batch, filled = 0, 0
    for size in sizes:
        size = size or 0
        if filled and filled + size > target_bytes:
            batch, filled = batch + 1, 0
        batches.append(batch)
        filled += size
    return batches
