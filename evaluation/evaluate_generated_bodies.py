"""Check, on a generated year run through the whole DAG, that index units are reporting bodies.

Usage (from the project root):

    uv run python benchmarks/generate_corpus.py --reports 10000 --year 2022 --out /tmp/corpus
    uv run rolindex run --year 2022 --inbox /tmp/corpus/2022 --out /tmp/rolout
    uv run python evaluation/evaluate_generated_bodies.py /tmp/corpus --out /tmp/rolout --year 2022

The generator's truth file names each report's body (official name and division code); its key is
computed the same way as the pipeline's (``<code>-gov`` / ``<code>-dept-<type>``, the type from
``configs/bodies.yaml``). Printed: the distinct bodies among the reports that should be accepted, the
units of the published index, accepted documents filed under another key, and published indicator
values that stand under a key other than their report's body.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ingest import bodies  # noqa: E402
from pipeline.ingest.gazetteer import load_gazetteer  # noqa: E402


def truth_key(unit_name: str, unit_id: str, admin_level: str) -> str:
    """The body key the generator's truth implies for one report."""
    division = load_gazetteer().by_code[unit_id[:6]]
    if admin_level != "department":
        return bodies.government(division, unit_name).unit_key
    department = unit_name[len(division.name):] if unit_name.startswith(division.name) else unit_name
    return bodies.department(division, department, unit_name).unit_key


def main() -> int:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="the generator's --out folder (holds truth_<year>.csv)")
    parser.add_argument("--out", type=Path, required=True, help="the pipeline's output root")
    parser.add_argument("--year", type=int, default=2022)
    args = parser.parse_args()
    with (args.corpus / f"truth_{args.year}.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # every readable report's body (a revised copy, 修改稿, is its original's body's report too)
    truth = {r["file"]: truth_key(r["unit_name"], r["unit_id"], r["admin_level"]) for r in rows
             if r["unit_id"] and r["expected"] in ("accepted", "duplicate")}
    should_accept = {r["file"] for r in rows if r["expected"] == "accepted"}
    documents = pd.read_parquet(args.out / "text" / f"year={args.year}" / "documents.parquet")
    accepted = documents[documents["disposition"] == "accepted"]
    key_of_doc = dict(zip(accepted["doc"], accepted["unit_key"], strict=True))
    truth_of_doc = {d: truth.get(f) for d, f in zip(documents["doc"], documents["source_file"], strict=True)}
    publish = args.out / "publish" / f"year={args.year}"
    scores = pd.read_parquet(publish / "scores.parquet")
    indicators = pd.read_parquet(publish / "indicators.parquet")
    misfiled = [d for d, k in key_of_doc.items() if truth_of_doc.get(d) is not None and truth_of_doc[d] != k]
    wrong_values = indicators[[truth_of_doc.get(d) not in (None, k) for d, k in
                               zip(indicators["doc"], indicators["unit_key"], strict=True)]]
    truth_bodies = {truth_of_doc[d] for d in key_of_doc if truth_of_doc.get(d)}
    print(f"reports that should be accepted: {len(should_accept)}; distinct bodies among them: "
          f"{len({truth[f] for f in should_accept if f in truth})}")
    print(f"accepted documents: {len(accepted)}; distinct bodies among them (truth): {len(truth_bodies)}")
    print(f"index units (scores rows): {len(scores)}; distinct unit_key among accepted documents: "
          f"{accepted['unit_key'].nunique()}")
    print(f"accepted documents filed under another body's key: {len(misfiled)}")
    print(f"published indicator values under another body's key: {len(wrong_values)} of {len(indicators)}")
    for doc in misfiled[:20]:
        print(f"  {doc}: {key_of_doc[doc]} (truth {truth_of_doc[doc]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
