"""Why an indicator has no value for a unit: the missing-data classes of the method (spec section 4.5).

- ``reported``: a value entered the index.
- ``NA_structural``: the indicator does not apply at the unit's level (no goalposts for that level in
  ``configs/framework.yaml``, e.g. government rules for counties, which have no rule-making power).
- ``NA_invalid``: a value was found but quarantined by validation.
- ``NA_unreported``: the report gave no value for it.

No imputation is done by default (available-case means, as WJP does); this table makes the gaps
auditable and is the basis for imputation alternatives in the sensitivity analysis.
"""

from __future__ import annotations

from typing import Any

from pipeline.ingest.bodies import BODY_COLUMNS

MISSING_COLUMNS = ["unit_key", "unit_name", *BODY_COLUMNS, "admin_level", "indicator", "dimension", "status"]


def missing_data_status(units: Any, framework: Any, panel: Any, invalid_pairs: set[tuple[str, str]]) -> Any:
    """One row per (unit, framework indicator) with its status (see the module docstring)."""
    import pandas as pd

    applicable = {(r.indicator, r.admin_level) for r in framework.indicators.itertuples()}
    dimension_of = dict(zip(framework.indicators["indicator"], framework.indicators["dimension"], strict=True))
    reported = set(zip(panel["unit_key"], panel["indicator"], strict=True)) if len(panel) else set()
    rows = []
    for unit in units.reindex(columns=["unit_key", "unit_name", *BODY_COLUMNS, "admin_level"]).itertuples():
        for code in sorted(dimension_of):
            if (unit.unit_key, code) in reported:
                status = "reported"
            elif (code, unit.admin_level) not in applicable:
                status = "NA_structural"
            elif (unit.unit_key, code) in invalid_pairs:
                status = "NA_invalid"
            else:
                status = "NA_unreported"
            rows.append({"unit_key": unit.unit_key, "unit_name": unit.unit_name,
                         **{c: getattr(unit, c) for c in BODY_COLUMNS}, "admin_level": unit.admin_level,
                         "indicator": code, "dimension": dimension_of[code], "status": status})
    return pd.DataFrame(rows, columns=MISSING_COLUMNS)
