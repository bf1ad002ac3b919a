"""Score identification on a generated corpus (``benchmarks/generate_corpus.py``) against its truth file.

Usage (from the project root):

    uv run python benchmarks/generate_corpus.py --reports 1000 --year 2022 --out /tmp/corpus --seed 2022
    uv run python evaluation/evaluate_generated.py /tmp/corpus [--year 2022] [--limit N]

Every report the truth file expects to be accepted goes through ``profile_file`` (reader, encoding
detection, normalisation, identification; no manifest). Printed: each report whose report year,
admin level or 6-digit unit code differs from the truth (with its defects and what was found), then
the share right per field and for all three together. The corpus text is recombined from the five
real samples, so this measures robustness to units, titles, encodings and defects at national
proportions, not accuracy on unseen writing (that is ``evaluate_identification.py``).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ingest.stage import profile_file  # noqa: E402

FIELDS = ("report_year", "admin_level", "unit_id")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="the generator's --out folder (holds truth_<year>.csv)")
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--limit", type=int, help="score only the first N accepted reports")
    args = parser.parse_args()
    truth_file = args.corpus / f"truth_{args.year}.csv"
    with truth_file.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["expected"] == "accepted"][: args.limit]
    right = dict.fromkeys(FIELDS, 0)
    all_right = 0
    for i, row in enumerate(rows, start=1):
        found, _text = profile_file(args.corpus / str(args.year) / row["file"])
        got = {"report_year": str(found["report_year"]), "admin_level": found["admin_level"],
               "unit_id": (found["division_code"] or "")[:6]}
        want = {"report_year": row["report_year"], "admin_level": row["admin_level"], "unit_id": row["unit_id"][:6]}
        ok = {f: got[f] == want[f] for f in FIELDS}
        for f in FIELDS:
            right[f] += ok[f]
        all_right += all(ok.values())
        if not all(ok.values()):
            print(f"{row['file']}  [{row['defects']}]  truth {want}  got {got}  unit {found['unit_name']!r}  "
                  f"title {found['title']!r}")
        if i % 1000 == 0:
            print(f"  ... {i}/{len(rows)}", file=sys.stderr)
    n = len(rows)
    print(f"\n{n} accepted reports in {truth_file}")
    for f in FIELDS:
        print(f"{f:12s} {right[f] / n:7.2%}  ({right[f]}/{n})")
    print(f"{'all three':12s} {all_right / n:7.2%}  ({all_right}/{n})")


if __name__ == "__main__":
    main()
