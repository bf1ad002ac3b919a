"""A quiet console for ``rolindex run``: Airflow's logs go to a file, the terminal shows progress.

``run_quietly(settings, json_events)`` runs the year's DAG with this process's stdout and stderr (file
descriptors 1 and 2, so task subprocesses too) redirected to ``<log dir>/run-<year>-<stamp>.log``, while
a thread reports progress from what the stages have written: stage, batch n/N, documents per second,
elapsed. On a terminal it is one line redrawn in place; otherwise (or with ``json_events``) one line
or one JSON object per change. Returns the final state, the log file and, on failure, the cause read
from the log (the failed task and the last exception line).
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pipeline import storage
from pipeline.catalog import Catalog
from pipeline.settings import RunSettings

POLL_SECONDS = 1.0
PLAIN_EVERY_SECONDS = 30.0  # without a terminal (CI logs), progress lines at most this often
STAGES = ("plan", "ingest", "normalise", "deduplicate", "extract", "assemble", "validate", "index", "publish")


@dataclass
class RunOutcome:
    state: str
    log_file: Path
    failed_task: str | None = None
    cause: str | None = None


def log_dir(settings: RunSettings) -> Path:
    """Where run logs go: ``<out>/logs`` for a local data root, else ``airflow_home/logs/rolindex``."""
    if not storage.is_url(str(settings.out)):
        return Path(str(settings.out)) / "logs"
    from pipeline.runner import airflow_settings

    return airflow_settings()[0] / "logs" / "rolindex"


def _newer(path: Any, since: float) -> bool:
    try:
        return Path(path).stat().st_mtime >= since
    except OSError:
        return False


def run_plan(catalog: Catalog, since: float) -> tuple[int, list[int]] | None:
    """(documents, batch numbers) of the run started at ``since``, once its plan is written, else None."""
    if not _newer(catalog.submissions, since):
        return None
    import pyarrow.parquet as pq

    batch_column = pq.read_table(catalog.submissions, columns=["batch"]).column(0)
    return len(batch_column), sorted({int(b) for b in batch_column.to_pylist()})


def progress_state(catalog: Catalog, since: float, plan: tuple[int, list[int]] | None = None) -> dict[str, Any]:
    """Where a run started at ``since`` stands, from the files its stages wrote (local data roots);
    ``plan``: its ``run_plan`` when already read (it does not change during the run)."""
    state: dict[str, Any] = {"stage": "plan", "batch": 0, "batches": 0, "documents": 0}
    plan = plan or run_plan(catalog, since)
    if plan is None:
        return state
    state["documents"], batches = plan
    state["batches"] = len(batches)
    for stage, part in (("ingest", catalog.raw_documents), ("normalise", catalog.normalised_documents),
                        ("extract", catalog.batch_records)):
        done = sum(_newer(part(b), since) for b in batches)
        state.update(stage=stage, batch=done)
        if done < len(batches):
            return state
        if stage == "normalise" and not _newer(catalog.documents, since):
            return {**state, "stage": "deduplicate"}
    for stage, path in (("assemble", catalog.records), ("validate", catalog.validation_results),
                        ("index", catalog.scores), ("publish", catalog.publish_dir)):
        if not _newer(path, since):
            return {**state, "stage": stage}
    return {**state, "stage": "done"}


class Progress(threading.Thread):
    """Polls ``progress_state`` and writes it to ``stream`` until stopped."""

    def __init__(self, catalog: Catalog, stream: TextIO, json_events: bool) -> None:
        super().__init__(daemon=True)
        self.catalog, self.stream, self.json_events = catalog, stream, json_events
        self.started = time.time()
        self.stop_event = threading.Event()
        self.inline = stream.isatty() and not json_events
        self._last: tuple[Any, ...] | None = None
        self._plan: tuple[int, list[int]] | None = None  # read once, when the plan stage has written it
        self._last_printed = self.started

    def line(self, state: dict[str, Any]) -> str:
        elapsed = time.time() - self.started
        total = STAGES.index(state["stage"]) if state["stage"] in STAGES else len(STAGES)
        done_share = (total + (state["batch"] / state["batches"] if state["batches"] else 0)) / len(STAGES)
        rate = state["documents"] * min(done_share, 1.0) / elapsed if elapsed > 0 else 0.0
        batch = f" batch {state['batch']}/{state['batches']}" if state["stage"] in ("ingest", "normalise",
                                                                                     "extract") else ""
        return (f"rolindex {self.catalog.year}: {state['stage']}{batch} · {state['documents']} documents · "
                f"{rate:.1f} docs/s · {elapsed:.0f} s")

    def report(self, final: bool = False) -> None:
        try:
            if storage.is_url(str(self.catalog.out)):
                state = {"stage": "running", "batch": 0, "batches": 0, "documents": 0}
            else:
                self._plan = self._plan or run_plan(self.catalog, self.started)
                state = progress_state(self.catalog, self.started, self._plan)
        except Exception:  # a part being written while read: try again at the next poll
            return
        key = (state["stage"], state["batch"])
        if key == self._last and not final:
            if self.inline:
                self.stream.write("\r" + self.line(state))
                self.stream.flush()
            return
        self._last = key
        if self.json_events:
            self.stream.write(json.dumps({"event": "progress", "year": self.catalog.year, **state,
                                          "elapsed_s": round(time.time() - self.started, 1)}) + "\n")
        elif self.inline:
            self.stream.write("\r" + self.line(state) + ("\n" if final else ""))
        elif final or time.time() - self._last_printed >= PLAIN_EVERY_SECONDS:
            self.stream.write(self.line(state) + "\n")  # a log, not a terminal: a line now and then
            self._last_printed = time.time()
        self.stream.flush()

    def run(self) -> None:
        while not self.stop_event.wait(POLL_SECONDS):
            self.report()

    def stop(self) -> None:
        self.stop_event.set()
        self.join()
        self.report(final=True)


_EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception|Exit|Fail\w*)): (.+)$")
_FAILED_TASK = re.compile(r"task_id[=\"': ]+([\w.]+).{0,200}?(?:state[=\"': ]+failed|Marking task as FAILED)")


def failure_cause(log_text: str) -> tuple[str | None, str | None]:
    """(failed task, last exception line) read from a run's log, either may be None."""
    cause = None
    for line in log_text.splitlines():
        stripped = re.sub(r"^\S*\s*\[\w+\s*\]\s*", "", line.strip())  # drop a structlog timestamp/level prefix
        match = _EXCEPTION_LINE.match(stripped)
        if match and "Traceback" not in stripped:
            cause = f"{match.group(1)}: {match.group(2)}"[:400]
    tasks = _FAILED_TASK.findall(log_text)
    return (tasks[-1] if tasks else None), cause


def run_quietly(settings: RunSettings, json_events: bool = False, stream: TextIO | None = None) -> RunOutcome:
    """Run the year's DAG with the process's output in a log file and progress on ``stream``."""
    from pipeline.runner import run_year

    stream = stream or (sys.stdout if json_events else sys.stderr)
    folder = log_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    log_file = folder / f"run-{settings.year}-{time.strftime('%Y%m%dT%H%M%S')}.log"
    try:  # the terminal's own descriptor, which stays a terminal while 1 and 2 go to the log
        terminal: TextIO = os.fdopen(os.dup(stream.fileno()), "w", buffering=1, encoding="utf-8")
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        terminal = stream  # an in-memory stream (tests)
    progress = Progress(Catalog(settings.out, settings.year), terminal, json_events)
    saved = (os.dup(1), os.dup(2))
    sys.stdout.flush()
    sys.stderr.flush()
    saved_streams = (sys.stdout, sys.stderr)
    with log_file.open("ab") as sink, open(sink.fileno(), "w", encoding="utf-8", errors="replace", buffering=1,
                                          closefd=False) as text_sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        sys.stdout = sys.stderr = text_sink  # writers that hold Python's streams rather than the descriptors
        progress.start()
        try:
            state = run_year(settings.year, str(settings.inbox), str(settings.out))
        except Exception as exc:  # written to the log like Airflow's own failures
            import traceback

            traceback.print_exc()
            state = f"error ({type(exc).__name__})"
        finally:
            sys.stdout.flush()
            sys.stdout, sys.stderr = saved_streams
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            progress.stop()
            if terminal is not stream:
                terminal.close()
    outcome = RunOutcome(state=state, log_file=log_file)
    if state != "success":
        outcome.failed_task, outcome.cause = failure_cause(log_file.read_text(encoding="utf-8", errors="replace"))
    return outcome
