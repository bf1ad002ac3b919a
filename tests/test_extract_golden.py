"""Golden table: sentences of report text -> expected facts (value, unit, qualifier, scope, indicator and,
when given, the frame: role, verb, noun, measure_word, exclude_reason).

Cases are grouped by phenomenon in tests/golden/extract_cases.yaml; negative cases expect no fact. Records
of role ``excluded`` (numbers read but refused, with a reason) are compared only in cases that list one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.extract.extractor import extract_text

FRAME = ("role", "verb", "noun", "measure_word", "exclude_reason")
CASES = yaml.safe_load((Path(__file__).parent / "golden" / "extract_cases.yaml").read_text(encoding="utf-8"))


def _ids(case):
    return f"{case['phenomenon']}:{case['text'][:16]}"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_golden_case(case):
    records = extract_text("golden", case["text"], admin_level=case.get("admin_level"))
    expected = case.get("expect") or []
    if not any(want.get("role") == "excluded" for want in expected):
        records = [r for r in records if r.role != "excluded"]
    got = [{k: r.as_dict()[k] for k in ("value", "unit", "qualifier", "scope", "indicator", *FRAME)} for r in records]
    for want in expected:
        matches = [g for g in got if g["value"] == want["value"] and g["unit"] == want["unit"]
                   and want.get("role", g["role"]) == g["role"]]
        assert matches, f"missing {want} in {got}"
        for key in ("qualifier", "scope", "indicator", *FRAME):
            if key in want:
                assert matches[0][key] == want[key], (key, want, matches[0])
    if case.get("exhaustive", True):
        assert len(got) == len(expected), got
