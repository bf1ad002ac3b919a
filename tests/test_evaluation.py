"""Accuracy guards: the labelled evaluation sets must keep meeting the issue targets.

These run the real identification and extraction code over the labelled documents in evaluation/
(the figures reported in docs/evaluation.md come from the same functions).
"""

from __future__ import annotations

import pytest

from evaluation import evaluate_extraction, evaluate_identification


@pytest.mark.parametrize("split", ["dev", "test", "holdout"])
def test_extraction_meets_the_targets(split):
    tally, _ = evaluate_extraction.evaluate(split)
    figures = evaluate_extraction.figures(tally)
    assert tally.gold > 100
    assert figures["quantity_recall"] >= 0.95, figures
    assert figures["value_precision"] >= 0.98, figures
    assert figures["indicator_f1"] >= 0.85, figures
    assert figures["scope_accuracy"] >= 0.90, figures


def test_identification_meets_the_targets():
    """Pooled over every labelled split (dev, test and the held-out split when present)."""
    splits = evaluate_identification.labelled_splits()
    right: dict[str, float] = {}
    total, all_errors = 0, []
    for split in splits:
        accuracy, n, _, errors = evaluate_identification.evaluate(split)
        total += n
        all_errors += errors
        for field, share in accuracy.items():
            right[field] = right.get(field, 0.0) + share * n
    assert total >= 100
    assert right["report_year"] / total >= 0.98, all_errors
    assert right["admin_level"] / total >= 0.95, all_errors
    assert right["doc_kind"] / total >= 0.95, all_errors
