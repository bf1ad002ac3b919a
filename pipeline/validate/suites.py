"""Expectation suites: the versioned JSON files in ``expectations/`` and the panel suite generator.

``expectations/panel.json`` is generated from the indicator catalogue (allowed units, plausible
ranges per admin level) by ``write_panel_suite``; a test checks the committed file is current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.extract.catalogue import load_catalogue
from pipeline.settings import EXPECTATIONS_DIR

SUITE_NAMES = ("records", "panel", "scores")


def read_suite(name: str, directory: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    """The suite file as a dict (``name``, ``meta``, ``expectations``)."""
    return json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))


def panel_suite() -> dict[str, Any]:
    """Build the panel suite from the catalogue: structure, vocabularies, units and ranges."""
    catalogue = load_catalogue()
    exps: list[dict[str, Any]] = [
        {"type": "expect_table_columns_to_match_set",
         "kwargs": {"column_set": ["unit_key", "unit_name", "admin_level", "year", "indicator", "value", "unit",
                                   "qualifier", "doc", "sha256", "start", "end", "quote", "rule_id", "n_candidates"],
                    "exact_match": False},
         "meta": {"rule": "panel.required_columns"}, "severity": "critical"},
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["unit_key", "year", "indicator"]},
         "meta": {"rule": "panel.unique_unit_year_indicator"}, "severity": "critical"},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "value"},
         "meta": {"rule": "panel.value_present"}, "severity": "critical"},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "quote"},
         "meta": {"rule": "panel.evidence_present"}, "severity": "critical"},
        {"type": "expect_column_values_to_be_in_set",
         "kwargs": {"column": "admin_level", "value_set": ["province", "prefecture", "county", "department"]},
         "meta": {"rule": "panel.admin_level_vocabulary"}, "severity": "critical"},
        {"type": "expect_column_values_to_be_in_set",
         "kwargs": {"column": "indicator", "value_set": [i.code for i in catalogue.indicators]},
         "meta": {"rule": "panel.known_indicator"}, "severity": "critical"},
    ]
    for ind in catalogue.indicators:
        if ind.allowed_units:
            exps.append({
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "unit", "value_set": list(ind.allowed_units),
                           "row_condition": f'indicator=="{ind.code}"', "condition_parser": "pandas"},
                "meta": {"rule": f"panel.unit_allowed.{ind.code}", "indicator": ind.code}, "severity": "critical"})
        if ind.type == "rate":
            exps.append({
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "value", "min_value": 0, "max_value": 100,
                           "row_condition": f'indicator=="{ind.code}"', "condition_parser": "pandas"},
                "meta": {"rule": f"panel.rate_within_0_100.{ind.code}", "indicator": ind.code},
                "severity": "critical"})
        for level, bounds in sorted(ind.ranges.items()):
            if bounds is None or ind.type == "boolean":
                continue
            exps.append({
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "value", "min_value": bounds[0], "max_value": bounds[1],
                           "row_condition": f'indicator=="{ind.code}" and admin_level=="{level}"',
                           "condition_parser": "pandas"},
                "meta": {"rule": f"panel.plausible_range.{ind.code}.{level}", "indicator": ind.code,
                         "source": "shared/spec/indicators-and-method.md section 4.2 (many ranges are guesses)"},
                "severity": "warning"})
    return {"name": "panel", "meta": {"dataset": "extracted/year=Y/panel.parquet",
                                      "generated_from": f"configs/indicators.yaml {catalogue.version}"},
            "expectations": exps}


def write_panel_suite(directory: Path = EXPECTATIONS_DIR) -> Path:
    from pipeline import io

    return io.write_json(directory / "panel.json", panel_suite())
