"""The review queue's top N for a published year, and the share of score / rank movement they explain.

    uv run python evaluation/review_queue_impact.py [--year 2017] [--out DIR] [--top 20] [--generated N]

Without ``--out`` the sample year is run in-process (ingest ... publish, no corrections) into a temporary
folder; with ``--generated N`` a generated year of N reports (``rolindex demo``'s generator: real divisions,
invented figures) is run instead. For every value in the queue the index is rebuilt without it (same method spec, framework and seed:
``build_index`` on the validated panel minus that value), and the actual movement is measured: the unit's
composite (sum of effective weight x normalised value over its indicators; the published score when it is
ranked) and, for ranked units, its rank. The script prints, as Markdown, the top N with predicted impact and
measured movement, the share of the total measured movement the top N carry, and how well the predicted
score impact matches the measured one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any


def _composite(indicators: Any, unit: str) -> float:
    rows = indicators[indicators["unit_key"] == unit]
    return float((rows["weight"].fillna(0.0) * rows["normalised"].fillna(0.0)).sum())


def _run_sample(year: int, out: Path, generated: int = 0) -> None:
    from pipeline.extract.stage import run_extract
    from pipeline.index.stage import run_index
    from pipeline.ingest.stage import run_ingest, run_normalise
    from pipeline.publish.stage import run_publish
    from pipeline.settings import RunSettings
    from pipeline.validate.stage import run_validate

    inbox = None
    if generated:
        from pipeline.demo import generate_inbox

        inbox = generate_inbox(year, generated, out)
    settings = RunSettings.resolve(year, inbox, out)
    for stage in (run_ingest, run_normalise, run_extract, run_validate, run_index, run_publish):
        stage(settings)


def measure(out: Path, year: int) -> Any:
    """The published queue of ``year`` under ``out`` with the measured movement of removing each value."""
    import logging

    import pandas as pd

    from pipeline import io
    from pipeline.catalog import Catalog
    from pipeline.config import load_config
    from pipeline.index.stage import accepted_units, build_index

    logging.getLogger("pipeline").setLevel(logging.WARNING)
    catalog = Catalog(out, year)
    queue = io.read_parquet(catalog.publish_dir / "review_queue.parquet")
    panel = io.read_parquet(catalog.accepted_panel)
    units = accepted_units(io.read_parquet(catalog.documents))
    cfg, framework = load_config("index"), load_config("framework")
    scores, indicators = build_index(panel, units, cfg, year, framework)
    rank_of = dict(zip(scores["unit_key"], scores["rank"], strict=True))
    moved_score, moved_rank = [], []
    for row in queue.itertuples():
        keep = ~((panel["unit_key"] == row.unit_key) & (panel["indicator"] == row.indicator))
        s2, i2 = build_index(panel[keep].reset_index(drop=True), units, cfg, year, framework)
        moved_score.append(_composite(indicators, row.unit_key) - _composite(i2, row.unit_key))
        before, after = rank_of.get(row.unit_key), dict(zip(s2["unit_key"], s2["rank"], strict=True)).get(row.unit_key)
        moved_rank.append(None if before is None or after is None or pd.isna(before) or pd.isna(after)
                          else float(after) - float(before))
    return queue.assign(measured_score_change=moved_score, measured_rank_change=moved_rank)


def report(measured: Any, year: int, top: int) -> str:
    """Markdown: the top ``top`` rows and the shares they explain."""
    head = measured.head(top)
    lines = [f"Review queue of {year}: top {len(head)} of {len(measured)} values "
             "(priority = impact x doubt; impact in rank places, or score points / 5 when the group ranks few units)",
             "", "| # | unit | indicator | value | doubt | why | predicted score impact | measured score change "
             "| measured rank change | priority |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in head.itertuples():
        reasons = ", ".join(r.doubt_reasons) if r.doubt_reasons is not None and len(r.doubt_reasons) else "-"
        rank = "—" if r.measured_rank_change is None or r.measured_rank_change != r.measured_rank_change \
            else f"{r.measured_rank_change:+.0f}"
        lines.append(f"| {r.queue_rank} | {r.unit_name or r.unit_key} | {r.indicator} | {r.value:g} | {r.doubt:.2f} "
                     f"| {reasons} | {r.score_impact:.3f} | {r.measured_score_change:.3f} | {rank} | {r.priority:.4f} |")
    total = float(measured["measured_score_change"].abs().sum())
    share = float(head["measured_score_change"].abs().sum()) / total if total else 0.0
    ranks = measured["measured_rank_change"].dropna().abs()
    rank_share = float(head["measured_rank_change"].dropna().abs().sum()) / float(ranks.sum()) if ranks.sum() else None
    error = (measured["score_impact"] - measured["measured_score_change"]).abs()
    lines += ["", f"- share of the measured score movement (sum of |change| over all {len(measured)} values) carried "
              f"by the top {len(head)}: {share:.1%}",
              "- share of the measured rank movement: " + (f"{rank_share:.1%}" if rank_share is not None else
                                                         "no ranked unit, so no rank movement to explain"),
              f"- predicted vs measured score impact: largest absolute difference {error.max():.3f} points, "
              f"mean {error.mean():.3f}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--year", type=int, default=2017)
    parser.add_argument("--out", help="data root with the published year (default: run the sample year)")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--generated", type=int, default=0, help="run a generated year of N reports instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        if not args.out:
            print(f"running the {'generated' if args.generated else 'sample'} year {args.year} into {out} ...",
                  file=sys.stderr)
            _run_sample(args.year, out, args.generated)
        print(report(measure(out, args.year), args.year, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
