"""``annual_report_timeliness`` derived from the report's publication date (catalogue indicator 38).

The catalogue declares the indicator "derived from crawl metadata, not from numbers in the text": days late,
at least 0, against the deadline for publishing the year's report (``timeliness.deadline`` of
configs/index.yaml: 4月1日 of the following year, the date the 法治政府建设与责任落实督察工作规定 (2019) and the
2015 纲要's first-quarter rule set for publication). No extraction rule produces it, so without this step no
body could cover the leadership dimension (two indicators: law-study sessions and timeliness, 2/3 of 2
means both), and the screen would rank nobody in any processed year.

``with_timeliness`` (pure): in, the validated panel, the accepted units with their report's ``publish_date``,
``report_doc`` and ``report_sha256`` (``stage.accepted_units``), the year and the setting; out, the panel with
one row per unit whose report has a readable publication date and no timeliness value yet: value = days
after the deadline (0 when on time), unit ``days``, evidence the report itself (offsets 0-0, quote naming the
date). A unit whose date is missing or unreadable gets no row: the indicator is unreported (lower goalpost).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

CODE = "annual_report_timeliness"
RULE_ID = "derived.publish_date"


def deadline(year: int, month_day: str) -> dt.date:
    """The publication deadline of ``year``'s report: ``month_day`` ("MM-DD") of the following year."""
    month, day = (int(x) for x in month_day.split("-"))
    return dt.date(year + 1, month, day)


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def with_timeliness(panel: Any, units: Any, year: int, cfg: dict[str, Any] | None) -> Any:
    """The panel plus the derived ``annual_report_timeliness`` rows (see the module docstring); the panel
    unchanged when ``cfg`` is None or the units carry no ``publish_date``."""
    import pandas as pd

    if not cfg or "publish_date" not in units:
        return panel
    due = deadline(year, str(cfg["deadline"]))
    have = set(panel.loc[panel["indicator"] == CODE, "unit_key"]) if len(panel) else set()
    rows = []
    for unit in units.to_dict("records"):
        published = _date(unit.get("publish_date"))
        if published is None or unit["unit_key"] in have or not isinstance(unit.get("report_doc"), str):
            continue
        late = max(0, (published - due).days)
        rows.append({"unit_key": unit["unit_key"], "unit_name": unit.get("unit_name"),
                     **{c: unit.get(c) for c in ("unit_kind", "division_code", "parent_division", "tier", "dept_type")
                        if c in units},
                     "admin_level": unit["admin_level"], "year": year, "indicator": CODE, "value": float(late),
                     "unit": "days", "qualifier": "exact", "doc": unit["report_doc"],
                     "sha256": unit.get("report_sha256"), "start": 0, "end": 0,
                     "quote": f"发布日期 {published.isoformat()}", "rule_id": RULE_ID, "n_candidates": 1,
                     "validation_flags": []})
    if not rows:
        return panel
    extra = pd.DataFrame(rows)
    return extra if panel.empty else pd.concat([panel, extra], ignore_index=True)
