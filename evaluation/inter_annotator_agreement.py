"""Agreement between two independent annotators of the same real-page facts.

    uv run python evaluation/inter_annotator_agreement.py \
        [--first evaluation/extract/real_holdout/labels.yaml] \
        [--second evaluation/extract/real_holdout/second_opinion.yaml]

In: the first annotator's labels (facts with ``number_text``) and a second annotator's labels of the same
facts, keyed by page id and the fact's position ``k`` in the first file (derived facts, which have no
``number_text``, are not in the second file). Out (printed): per field (indicator, scope, role) the share
of facts both label alike and Cohen's kappa; for the indicator also the F1 of the second annotator scored
against the first, counted as ``evaluate_extraction.py`` counts the extractor (a bound fact is a true
positive when both bind it to the same indicator). That F1 is the ceiling a reader of the same text
reaches: an extractor is not expected to agree with one annotator more than a second careful one does.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
FIRST = HERE / "extract" / "real_holdout" / "labels.yaml"
SECOND = HERE / "extract" / "real_holdout" / "second_opinion.yaml"
FIELDS = ("indicator", "scope", "role")


def paired_facts(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> list[tuple[dict, dict]]:
    """Pairs (first annotator's fact, second annotator's fact) for every fact both labelled."""
    by_key = {(p["id"], f["k"]): f for p in second for f in p["facts"]}
    pairs = []
    for page in first:
        for k, fact in enumerate(page["facts"]):
            other = by_key.get((page["id"], k))
            if fact.get("number_text") is not None and other is not None and "?" not in (
                    other.get("indicator"), other.get("scope"), other.get("role")):
                pairs.append((fact, other))
    return pairs


def cohen_kappa(a: list[Any], b: list[Any]) -> float:
    """Cohen's kappa of two label lists (categories compared as strings, None included)."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(map(str, a)), Counter(map(str, b))
    expected = sum(ca[c] * cb[c] for c in ca) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def indicator_f1(pairs: list[tuple[dict, dict]]) -> tuple[float, float, float, int, int, int]:
    """(F1, precision, recall, TP, FP, FN) of the second annotator's indicators against the first's."""
    tp = sum(1 for f, s in pairs if f["indicator"] and s["indicator"] == f["indicator"])
    fp = sum(1 for f, s in pairs if s["indicator"] and s["indicator"] != f["indicator"])
    fn = sum(1 for f, s in pairs if f["indicator"] and s["indicator"] != f["indicator"])
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r, tp, fp, fn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=Path, default=FIRST)
    parser.add_argument("--second", type=Path, default=SECOND)
    args = parser.parse_args()
    first = yaml.safe_load(args.first.read_text(encoding="utf-8"))
    second = yaml.safe_load(args.second.read_text(encoding="utf-8"))
    pairs = paired_facts(first, second)
    pages = len({p["id"] for p in second if p["facts"]})
    print(f"{len(pairs)} facts on {pages} pages labelled by both annotators")
    for field in FIELDS:
        a = [f.get(field) for f, _ in pairs]
        b = [s.get(field) for _, s in pairs]
        agree = sum(x == y for x, y in zip(a, b, strict=True)) / len(pairs)
        print(f"{field:10s} agreement {agree:6.1%}   Cohen's kappa {cohen_kappa(a, b):.3f}")
    f1, p, r, tp, fp, fn = indicator_f1(pairs)
    print(f"indicator F1 of the second annotator against the first: {f1:.3f} (P {p:.2f}, R {r:.2f}; "
          f"TP {tp}, FP {fp}, FN {fn})")
    bound = [(f, s) for f, s in pairs if f["indicator"] or s["indicator"]]
    print(f"facts bound by either annotator: {len(bound)}; by both to the same indicator: {tp}")


if __name__ == "__main__":
    main()
