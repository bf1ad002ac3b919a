"""Golden table: sentences of real report text -> expected facts (value, unit, qualifier, scope, indicator).

Cases are grouped by phenomenon in tests/golden/extract_cases.yaml; negative cases expect no fact.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.extract.extractor import extract_text

CASES = yaml.safe_load((Path(__file__).parent / "golden" / "extract_cases.yaml").read_text(encoding="utf-8"))


def _ids(case):
    return f"{case['phenomenon']}:{case['text'][:16]}"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_golden_case(case):
    records = extract_text("golden", case["text"])
    got = [{k: r.as_dict()[k] for k in ("value", "unit", "qualifier", "scope", "indicator")} for r in records]
    expected = case.get("expect") or []
    for want in expected:
        matches = [g for g in got if g["value"] == want["value"] and g["unit"] == want["unit"]]
        assert matches, f"missing {want} in {got}"
        for key in ("qualifier", "scope", "indicator"):
            if key in want:
                assert matches[0][key] == want[key], (key, want, matches[0])
    if case.get("exhaustive", True):
        assert len(got) == len(expected), got
