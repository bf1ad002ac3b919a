"""Cut a year's submissions into batches of about the same number of bytes.

Airflow runs one mapped task per batch (not per report: each task costs 1.5-2 s of overhead), and
each task streams its documents one at a time, so memory stays bounded whatever the year's size.
``ROLINDEX_BATCH_BYTES`` sets the target (default 64 MB); batches keep the inbox's name order.
Scans are OCR'd by their own mapped tasks first: ``ocr_items`` cuts their pages into work items.
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


def ocr_items(pages: Sequence[int], pages_per_item: int, max_items: int) -> list[list[tuple[int, int, int]]]:
    """Cut scans into OCR work items: ``pages[i]`` is the page count of scan ``i``; each item is a list
    of ``(scan, first_page, last_page)`` segments (1-based, inclusive) holding at most
    ``pages_per_item`` pages, raised when needed so that there are at most ``max_items`` items (Airflow
    caps a mapped task's length). Long scans are split into page ranges; short ones share an item."""
    if pages_per_item <= 0 or max_items <= 0:
        raise ValueError(f"pages per item and item count must be positive, got {pages_per_item}, {max_items}")
    total = sum(max(n, 0) for n in pages)
    per_item = max(pages_per_item, -(-total // max_items))
    items: list[list[tuple[int, int, int]]] = []
    filled = per_item
    for scan, n in enumerate(pages):
        first = 1
        while first <= n:
            if filled >= per_item:
                items.append([])
                filled = 0
            last = min(n, first + per_item - filled - 1)
            items[-1].append((scan, first, last))
            filled += last - first + 1
            first = last + 1
    return items
