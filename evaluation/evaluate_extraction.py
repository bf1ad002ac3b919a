"""Score the extractor against the labelled gold facts in evaluation/extract/{dev,test}.yaml.

Usage (from the project root):

    uv run python evaluation/evaluate_extraction.py [--split test|dev|all] [--errors N]

Each passage goes through the same steps as a report in the pipeline (``normalise_text`` then
``extract_text``); predicted spans are mapped back to the raw passage with the offset map and
matched to gold facts whose ``number_text`` span they overlap. Printed figures (issue #6 targets):

- quantity recall     gold facts with an overlapping predicted quantity            (target >= 95 %)
- quantity precision  predicted quantities that overlap a gold fact
- value precision     matched pairs whose value and unit are right                 (target >= 98 %)
- indicator F1        micro F1 over non-null indicator codes, all gold facts and
                      all predictions (a wrong code is one FP and one FN)          (target >= 0.85)
- scope accuracy      matched pairs with the right scope                           (target >= 90 %)
- qualifier accuracy  matched pairs with the right qualifier

Conventions reconciled here, not counted as errors: gold stores decreases as negative deltas, the
extractor stores the magnitude with scope ``delta`` (compared as absolute values); for ranges
(``value_high``) the lower bound and upper bound are compared and ``exact``/``at_least`` both accepted.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.extract.extractor import extract_text  # noqa: E402
from pipeline.ingest.normalise import normalise_text  # noqa: E402

GOLD_DIR = ROOT / "evaluation" / "extract"


@dataclass
class Tally:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    value_ok: int = 0
    scope_ok: int = 0
    qualifier_ok: int = 0
    ind_tp: int = 0
    ind_fp: int = 0
    ind_fn: int = 0
    errors: list[str] = field(default_factory=list)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)


def gold_span(text: str, fact: dict[str, Any]) -> tuple[int, int]:
    """Character span of the fact's ``number_text`` (its ``nth`` occurrence) in the raw passage."""
    needle, nth = fact["number_text"], int(fact.get("nth", 1))
    pos = -1
    for _ in range(nth):
        pos = text.find(needle, pos + 1)
        if pos < 0:
            raise ValueError(f"{needle!r} (occurrence {nth}) not in passage")
    return pos, pos + len(needle)


def same_number(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def value_right(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    if gold["unit"] != pred["unit"]:
        return False
    g, p = float(gold["value"]), float(pred["value"])
    if gold.get("scope") == "delta":
        g, p = abs(g), abs(p)
    if not same_number(g, p):
        return False
    if gold.get("value_high") is not None:
        return pred["value_max"] is not None and same_number(float(gold["value_high"]), float(pred["value_max"]))
    return True


def qualifier_right(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    if gold.get("value_high") is not None:
        return pred["qualifier"] in ("exact", "at_least")
    return bool(gold["qualifier"] == pred["qualifier"])


def score_passage(passage: dict[str, Any], tally: Tally) -> None:
    raw = passage["text"]
    norm = normalise_text(raw)
    predicted = []
    for rec in extract_text(passage["id"], norm.text):
        start, end = norm.raw_span(rec.start, rec.end)
        predicted.append({**rec.as_dict(), "raw_start": start, "raw_end": end})
    gold = [{**f, "span": gold_span(raw, f)} for f in passage.get("facts") or []]
    tally.gold += len(gold)
    tally.predicted += len(predicted)
    used: set[int] = set()
    for g in gold:
        gs, ge = g["span"]
        match = next((i for i, p in enumerate(predicted)
                      if i not in used and p["raw_start"] < ge and gs < p["raw_end"]), None)
        g_ind = g.get("indicator")
        where = f"{passage['id']} {g['number_text']!r}"
        if match is None:
            tally.errors.append(f"MISSED    {where}: {raw[max(0, gs - 20):ge + 6]!r}")
            if g_ind:
                tally.ind_fn += 1
                tally.confusion[(g_ind, "(missed)")] += 1
            continue
        used.add(match)
        p = predicted[match]
        tally.matched += 1
        if value_right(g, p):
            tally.value_ok += 1
        else:
            tally.errors.append(f"VALUE     {where}: gold {g['value']} {g['unit']} got {p['value']} {p['unit']}")
        if g["scope"] == p["scope"]:
            tally.scope_ok += 1
        else:
            tally.errors.append(f"SCOPE     {where}: gold {g['scope']} got {p['scope']} ({p['rule_id']})")
        if qualifier_right(g, p):
            tally.qualifier_ok += 1
        else:
            tally.errors.append(f"QUALIFIER {where}: gold {g['qualifier']} got {p['qualifier']}")
        p_ind = p["indicator"]
        if g_ind and p_ind == g_ind:
            tally.ind_tp += 1
        else:
            if p_ind:
                tally.ind_fp += 1
            if g_ind:
                tally.ind_fn += 1
            if g_ind or p_ind:
                tally.confusion[(g_ind or "null", p_ind or "null")] += 1
                tally.errors.append(f"INDICATOR {where}: gold {g_ind} got {p_ind} | {p['quote'][:50]}")
    for i, p in enumerate(predicted):
        if i not in used:
            if p["indicator"]:
                tally.ind_fp += 1
                tally.confusion[("(no gold fact)", p["indicator"])] += 1
            tally.errors.append(f"SPURIOUS  {passage['id']} {raw[p['raw_start']:p['raw_end']]!r} -> {p['indicator']}"
                                f" | {p['quote'][:50]}")


def figures(tally: Tally) -> dict[str, float]:
    """The headline figures of a tally (fractions; F1 in 0..1)."""
    precision = tally.ind_tp / (tally.ind_tp + tally.ind_fp) if tally.ind_tp + tally.ind_fp else 0.0
    recall = tally.ind_tp / (tally.ind_tp + tally.ind_fn) if tally.ind_tp + tally.ind_fn else 0.0
    return {
        "quantity_recall": tally.matched / tally.gold if tally.gold else 0.0,
        "value_precision": tally.value_ok / tally.matched if tally.matched else 0.0,
        "indicator_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "scope_accuracy": tally.scope_ok / tally.matched if tally.matched else 0.0,
    }


def evaluate(split: str) -> tuple[Tally, int]:
    """Score every passage of one split; returns the tally and the number of passages."""
    passages = yaml.safe_load((GOLD_DIR / f"{split}.yaml").read_text(encoding="utf-8"))
    tally = Tally()
    for passage in passages:
        score_passage(passage, tally)
    return tally, len(passages)


def pct(n: int, d: int) -> str:
    return f"{n / d:6.1%}" if d else "   n/a"


def report(name: str, tally: Tally, passages: int) -> None:
    precision = tally.ind_tp / (tally.ind_tp + tally.ind_fp) if tally.ind_tp + tally.ind_fp else 0.0
    recall = tally.ind_tp / (tally.ind_tp + tally.ind_fn) if tally.ind_tp + tally.ind_fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"\n== {name}: {passages} passages, {tally.gold} gold facts, {tally.predicted} predicted")
    print(f"quantity recall     {pct(tally.matched, tally.gold)}  ({tally.matched}/{tally.gold})   target >= 95%")
    print(f"quantity precision  {pct(tally.matched, tally.predicted)}  ({tally.matched}/{tally.predicted})")
    print(f"value precision     {pct(tally.value_ok, tally.matched)}  ({tally.value_ok}/{tally.matched})   target >= 98%")
    print(f"indicator F1        {f1:6.3f}  (P {precision:.3f}, R {recall:.3f}; TP {tally.ind_tp}, FP {tally.ind_fp},"
          f" FN {tally.ind_fn})   target >= 0.85")
    print(f"scope accuracy      {pct(tally.scope_ok, tally.matched)}  ({tally.scope_ok}/{tally.matched})   target >= 90%")
    print(f"qualifier accuracy  {pct(tally.qualifier_ok, tally.matched)}  ({tally.qualifier_ok}/{tally.matched})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "test", "holdout", "all"), default="all")
    parser.add_argument("--errors", type=int, default=0, help="print up to N error lines per split")
    args = parser.parse_args()
    splits = ("dev", "test") if args.split == "all" else (args.split,)
    for split in splits:
        tally, n_passages = evaluate(split)
        report(split, tally, n_passages)
        for line in tally.errors[:args.errors]:
            print("  " + line)


if __name__ == "__main__":
    main()
