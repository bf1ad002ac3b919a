"""Peer groups: which reporting bodies are ranked against each other (issue 20, item 1).

In: the accepted units (``unit_key``, ``admin_level`` and the body columns ``unit_kind``, ``tier``,
``dept_type``) and the ``peer_groups`` settings of ``configs/index.yaml``. Out: one ``peer_group`` label
per unit, an ASCII code used in tables and chart file names:

- governments within their tier: ``province``, ``prefecture``, ``county``;
- departments within (tier, department type) when at least ``min_department_group`` departments of that
  type and tier reported, e.g. ``county-dept-justice``; otherwise within their tier: ``county-dept``;
- national bodies (ministries and the State Council) among themselves: ``national``;
- a body whose tier is unknown: ``unplaced-gov`` / ``unplaced-dept``.

COINr ranks within groups the same way (``get_results(use = "groupranks")``); the JRC audit of the WJP
index compares countries within income and regional groups.
"""

from __future__ import annotations

from typing import Any

TIER_ZH = {"national": "中央", "province": "省级", "prefecture": "地市级", "county": "县级", "unplaced": "层级不明"}


def _type_codes() -> dict[str, str]:
    """Department type name (司法) -> its ASCII code (justice), from configs/bodies.yaml."""
    from pipeline.ingest.bodies import body_rules

    return {t.name: t.code for t in body_rules().types}


def _kind_and_tier(row: Any) -> tuple[str, str]:
    kind = row.get("unit_kind")
    level = row.get("admin_level")
    if not isinstance(kind, str) or not kind:
        kind = "department" if level == "department" else "government"
    tier = row.get("tier")
    if not isinstance(tier, str) or not tier:
        tier = level if isinstance(level, str) and level != "department" else "unplaced"
    return kind, tier


def peer_groups(units: Any, cfg: dict[str, Any]) -> Any:
    """A ``peer_group`` label per unit (Series aligned with ``units``); see the module docstring."""
    import pandas as pd

    codes = _type_codes()
    min_group = int(cfg["min_department_group"])
    rows = units.to_dict("records")
    kinds_tiers = [_kind_and_tier(r) for r in rows]
    dept_types = [r.get("dept_type") if isinstance(r.get("dept_type"), str) else None for r in rows]
    sizes: dict[tuple[str, str], int] = {}
    for (kind, tier), dtype in zip(kinds_tiers, dept_types, strict=True):
        if kind == "department" and dtype:
            sizes[(tier, dtype)] = sizes.get((tier, dtype), 0) + 1
    labels = []
    for (kind, tier), dtype in zip(kinds_tiers, dept_types, strict=True):
        if tier == "national":
            labels.append("national")
        elif kind == "government":
            labels.append(tier if tier != "unplaced" else "unplaced-gov")
        elif dtype and sizes.get((tier, dtype), 0) >= min_group:
            labels.append(f"{tier}-dept-{codes.get(dtype, 'other')}")
        else:
            labels.append(f"{tier}-dept")
    return pd.Series(labels, index=units.index, dtype=object, name="peer_group")


def peer_group_label(group: str) -> str:
    """A Chinese caption for a peer group code (county -> 县级政府, county-dept-justice -> 县级司法部门)."""
    if group == "national":
        return "中央部委"
    tier, _, rest = group.partition("-")
    tier_zh = TIER_ZH.get(tier, tier)
    if rest in ("", "gov"):
        return f"{tier_zh}政府"
    if rest == "dept":
        return f"{tier_zh}部门"
    code = rest.removeprefix("dept-")
    names = {v: k for k, v in _type_codes().items()}
    return f"{tier_zh}{names.get(code, code)}部门"


def rank_within_group(scores: Any, group: str = "peer_group") -> Any:
    """Rank 1 = best score within each group (ties share the best rank); NaN scores get no rank."""
    return scores.groupby(group)["score"].rank(ascending=False, method="min")
