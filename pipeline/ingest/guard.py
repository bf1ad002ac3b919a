"""Run a parser on one document in a child process with a time and memory limit.

A PDF crafted (or broken) so that the parser loops or swallows memory must not hang or kill the
ingest task: ``run_limited`` forks, caps the child's address space (RLIMIT_AS) and waits at most
``timeout`` seconds; a parser that overruns is killed and the file quarantined with a reason.
Fork (not spawn) keeps the cost to a few milliseconds per document.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.ingest.errors import UnreadableFile


def _virtual_bytes() -> int:
    """This process's current virtual size (the forked child starts with its parent's)."""
    try:
        return int(Path("/proc/self/statm").read_text(encoding="ascii").split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def _child(conn: Any, func: Callable[[bytes], Any], data: bytes, memory_bytes: int) -> None:
    # the cap is on top of what the child inherited: ``memory_bytes`` more for the parser
    limit = _virtual_bytes() + memory_bytes
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    try:
        conn.send(("ok", func(data)))
    except UnreadableFile as exc:
        conn.send(("unreadable", (exc.reason, str(exc))))
    except MemoryError:
        conn.send(("unreadable", ("parser_memory", f"the parser needed more than {memory_bytes >> 20} MiB")))
    except Exception as exc:  # any parser failure becomes a quarantine reason, never a crashed task
        conn.send(("unreadable", ("parser_error", f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def run_limited(func: Callable[[bytes], Any], data: bytes, timeout: float, memory_bytes: int) -> Any:
    """``func(data)`` in a forked child; UnreadableFile on timeout, memory exhaustion or a crash."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, func, data, memory_bytes), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            child.kill()
            raise UnreadableFile("parser_timeout", f"the parser did not finish within {timeout:g} s; file refused")
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise UnreadableFile("parser_crashed", "the parser process died (out of memory or a crash)") from None
    finally:
        child.join(5)
        if child.is_alive():
            child.kill()
        receiver.close()
    if status == "unreadable":
        raise UnreadableFile(*payload)
    return payload
