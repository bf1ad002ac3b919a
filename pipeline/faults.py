"""Fault injection for the reliability tests: kill the current process at a named point.

``ROLINDEX_FAULT=extract:1`` makes the extract stage SIGKILL its own process after its first
document, as a worker dying mid-batch would. Unset (the normal case) this does nothing.
"""

from __future__ import annotations

import os
import signal


def maybe_kill(point: str, done: int) -> None:
    """SIGKILL this process when ``ROLINDEX_FAULT`` is ``<point>:<n>`` and ``done`` reached n."""
    spec = os.environ.get("ROLINDEX_FAULT", "")
    if spec and spec.partition(":")[0] == point and done >= int(spec.partition(":")[2] or 0):
        os.kill(os.getpid(), signal.SIGKILL)
