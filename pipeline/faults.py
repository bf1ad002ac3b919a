"""Fault injection for the reliability tests: kill the current process at a named point.

``ROLINDEX_FAULT=extract:1`` makes the extract stage SIGKILL its own process after its first
document, as a worker dying mid-batch would. With ``ROLINDEX_FAULT_ONCE=<file>`` the fault fires
only while that file does not exist (it is created just before the kill), so Airflow's retry of the
same task runs through. Unset (the normal case) this does nothing.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path


def maybe_kill(point: str, done: int) -> None:
    """SIGKILL this process when ``ROLINDEX_FAULT`` is ``<point>:<n>`` and ``done`` reached n."""
    spec = os.environ.get("ROLINDEX_FAULT", "")
    if not spec or spec.partition(":")[0] != point or done < int(spec.partition(":")[2] or 0):
        return
    once = os.environ.get("ROLINDEX_FAULT_ONCE")
    if once:
        try:
            Path(once).touch(exist_ok=False)
        except FileExistsError:
            return  # already fired once
    os.kill(os.getpid(), signal.SIGKILL)
