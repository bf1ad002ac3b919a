"""Run one expectation suite on one DataFrame with Great Expectations in an ephemeral context.

GX is imported here, inside the function, never at module import of a DAG. Output: one
``RuleOutcome`` per expectation with its rule name, severity, success and failing row indices.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import PermanentError


class SuiteLoadError(PermanentError, RuntimeError):
    """GX silently dropped expectations from a suite file."""


@dataclass
class RuleOutcome:
    rule: str
    expectation: str
    severity: str
    success: bool
    column: str | None
    row_condition: str | None
    failing_rows: list[int] = field(default_factory=list)
    observed: Any = None


def build_suite(suite_doc: dict[str, Any]) -> Any:
    """A GX ExpectationSuite from a suite dict; raises SuiteLoadError if GX dropped any expectation."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=suite_doc["name"], expectations=suite_doc["expectations"])
    if len(suite.expectations) != len(suite_doc["expectations"]):
        raise SuiteLoadError(f"suite {suite_doc['name']}: GX loaded {len(suite.expectations)} of "
                             f"{len(suite_doc['expectations'])} expectations (invalid ones are dropped silently)")
    return suite


def run_suite(suite_doc: dict[str, Any], frame: Any) -> list[RuleOutcome]:
    """Validate ``frame`` (pandas) against the suite; failing rows are positional indices of ``frame``."""
    import great_expectations as gx

    suite = build_suite(suite_doc)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
    batch_def = (context.data_sources.add_pandas("frames").add_dataframe_asset(suite_doc["name"])
                 .add_batch_definition_whole_dataframe("whole"))
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame.reset_index(drop=True)})
    result = batch.validate(suite, result_format="COMPLETE")
    outcomes = []
    for res in result.results:
        config = res.expectation_config
        kwargs = config.kwargs
        severity = getattr(config.severity, "value", str(config.severity))
        details = res.result or {}
        outcomes.append(RuleOutcome(
            rule=str((config.meta or {}).get("rule", config.type)), expectation=config.type, severity=severity,
            success=bool(res.success), column=kwargs.get("column"), row_condition=kwargs.get("row_condition"),
            failing_rows=[int(i) for i in details.get("unexpected_index_list") or []
                          if isinstance(i, (int,)) or str(i).isdigit()],
            observed=details.get("observed_value"),
        ))
    return outcomes
