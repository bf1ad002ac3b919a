"""Score document identification against the labelled set in evaluation/identify/{dev,test}/.

Usage (from the project root):

    uv run python evaluation/evaluate_identification.py [--split test|dev|all] [--errors]

Every labelled file goes through the same code as a submitted report (``profile_file``: reader with
encoding detection, normalisation, identification), without a manifest. Printed: accuracy per field
(targets of issue #5: report year >= 98 %, admin level >= 95 %, document kind >= 95 %), plus unit id
(6-digit division code) and unit name. A unit name counts as right when it names the same unit:
equal after removing 人民政府/政府, or one contains the other and the unit ids agree.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ingest.stage import profile_file  # noqa: E402

DATA_DIR = ROOT / "evaluation" / "identify"
FIELDS = ("report_year", "admin_level", "doc_kind", "unit_id", "unit_name")
TARGETS = {"report_year": 0.98, "admin_level": 0.95, "doc_kind": 0.95}


def _core(name: str | None) -> str:
    name = (name or "").strip()
    for suffix in ("人民政府", "政府"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


def field_right(field: str, gold: dict[str, Any], got: dict[str, Any]) -> bool:
    if field == "unit_name":
        g, p = _core(gold.get("unit_name")), _core(got.get("unit_name"))
        if not g or not p:
            return g == p
        return g == p or ((g in p or p in g) and str(gold.get("unit_id")) == str(got.get("division_code")))
    g_value, p_value = gold.get(field), got.get("division_code" if field == "unit_id" else field)
    if field == "unit_id":
        return (str(g_value) if g_value is not None else None) == (str(p_value) if p_value is not None else None)
    return bool(g_value == p_value)


def labelled_splits() -> list[str]:
    """The splits written here, with their texts in the repository (the real_* page sets keep their texts
    outside git and are scored by evaluate_real_pages.py)."""
    return sorted(p.name for p in DATA_DIR.iterdir() if (p / "labels.yaml").exists() and not p.name.startswith("real_"))


def evaluate(split: str) -> tuple[dict[str, float], int, Counter[str], list[str]]:
    """Accuracy per field on one split, the number of documents, documents per kind, error lines."""
    folder = DATA_DIR / split
    labels = yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))
    right: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    errors = []
    for gold in labels:
        got, _text = profile_file(folder / gold["file"])
        by_kind[gold["doc_kind"]] += 1
        for field in FIELDS:
            if field_right(field, gold, got):
                right[field] += 1
            else:
                errors.append(f"{split}/{gold['file']:9s} {field:12s} gold {gold.get(field)!s:24s} "
                              f"got {got.get(field)!s:24s} ({got.get('sources', {}).get(field, '')})")
    n = len(labels)
    return {field: right[field] / n for field in FIELDS}, n, by_kind, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="all", help="dev, test, holdout or all (default)")
    parser.add_argument("--errors", action="store_true", help="list every wrong field")
    args = parser.parse_args()
    splits = labelled_splits()
    for split in splits if args.split == "all" else [args.split]:
        accuracy, n, by_kind, errors = evaluate(split)
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items()))
        print(f"\n== {split}: {n} documents ({kinds})")
        for field in FIELDS:
            target = f"   target >= {TARGETS[field]:.0%}" if field in TARGETS else ""
            print(f"{field:12s} {accuracy[field]:6.1%}  ({round(accuracy[field] * n)}/{n}){target}")
        if args.errors:
            for line in errors:
                print("  " + line)


if __name__ == "__main__":
    main()
