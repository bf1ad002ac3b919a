"""``rolindex demo``: a generated national-style year, published with a "generated data" mark.

In: a year, a number of reports, an output root. The corpus generator of the checkout
(``benchmarks/generate_corpus.py``: sentences of the real samples recombined for real divisions, invented
figures) writes an inbox under ``<out>/inbox/<year>``; ``<out>/GENERATED_DATA`` marks the data root so that
the publish stage stamps every page and chart "generated data — not real figures"; then the year runs
through the DAG like any other. Out: the run's outcome (as ``console.run_quietly``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from pipeline.settings import PROJECT_ROOT, RunSettings

MARKER = "GENERATED_DATA"
MARKER_TEXT = ("This data root holds a generated demo year (rolindex demo): the reports were generated from the "
               "sentences of five real samples for real divisions, and every figure is invented. Not real figures.\n")
GENERATOR = PROJECT_ROOT / "benchmarks" / "generate_corpus.py"


def is_generated(out: Any) -> bool:
    """Whether a data root holds a generated demo year (its ``GENERATED_DATA`` marker)."""
    from pipeline import storage

    return storage.exists(str(out).rstrip("/") + "/" + MARKER)


def generate_inbox(year: int, reports: int, out: Path, seed: int = 1, framework_share: float = 0.0) -> Path:
    """Generate the demo inbox ``<out>/inbox/<year>`` and mark the data root; returns the inbox.
    ``framework_share``: the generator's reporting profile (each annual report states each index framework
    indicator with this probability in a data paragraph of invented figures; 0: the real samples' sentences
    only, which cover a few indicators)."""
    if not GENERATOR.exists():
        raise FileNotFoundError(f"the corpus generator {GENERATOR} is not in this checkout")
    spec = importlib.util.spec_from_file_location("generate_corpus", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_corpus"] = module  # its dataclasses and worker processes look it up by name
    spec.loader.exec_module(module)
    corpus = out / "inbox"
    module.generate_corpus(reports, year, corpus, seed=seed, workers=2, force=True, progress=False,
                           framework_share=framework_share)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return corpus / str(year)


def run_demo(year: int, reports: int, out: Path, seed: int = 1, json_events: bool = False,
             framework_share: float = 0.0) -> Any:
    """Generate, mark and run a demo year; returns the ``RunOutcome``."""
    from pipeline.console import run_quietly

    inbox = generate_inbox(year, reports, out, seed, framework_share)
    return run_quietly(RunSettings.resolve(year, str(inbox), str(out)), json_events=json_events)
