"""Failures a retry cannot fix.

Airflow retries a task whose worker died or whose run hit a transient error. A broken config, an
invalid inbox, a corrupted intermediate, a failed validation gate or a year leased by another run
fail the same way every time, so the DAG turns these into ``AirflowFailException`` (no retry).
"""

from __future__ import annotations


class PermanentError(Exception):
    """Marker base: the same inputs will fail the same way; do not retry."""
