"""The index framework (``configs/framework.yaml``): indicators -> dimensions -> composite.

``load_framework(year)`` reads the file (schema-checked), cross-checks it and returns the scored
indicators valid in ``year`` with their goalposts per admin level and their weights. It fails loudly
(``FrameworkError``, naming the offending entry) on duplicate codes, an indicator under an undeclared
dimension (a dangling parent), an indicator unknown to the catalogue, goalposts with lower >= upper,
an ``applies_to`` naming an unknown department type, a ``ratio`` (within-report share, method 0.6.0) whose
parts are not catalogue indicators or whose entry is not ``denominator: per_case`` / ``unit_type: share`` (and a
``per_case`` entry without a ratio), and weights that do not sum to the declared totals.
``fits`` says whether an indicator applies to a body (its ``applies_to``: unit kinds, tiers, department types).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pipeline.config import ConfigError, load_config
from pipeline.extract.catalogue import load_catalogue

WEIGHT_TOLERANCE = 1e-9


class FrameworkError(ConfigError):
    """configs/framework.yaml is inconsistent."""


@dataclass(frozen=True)
class Framework:
    """Scored indicators with their dimension, direction and goalposts per admin level, and weights."""

    indicators: Any  # DataFrame: indicator, dimension, polarity, admin_level, lo, hi
    dimensions: tuple[str, ...]
    weights: dict[str, float] = field(default_factory=dict)  # indicator weight within its dimension
    dimension_weights: dict[str, float] = field(default_factory=dict)
    version: str = ""
    applies: dict[str, dict[str, Any]] = field(default_factory=dict)  # indicator -> applies_to (kinds, tiers ...)
    # (unit_key, indicator) pairs not scored this year: size-dependent counts with no denominator for the unit
    # (pipeline.index.size.unsized_pairs) and within-report ratios whose parts are inconsistent; set by the
    # index stage, empty as loaded
    unsized: frozenset[tuple[str, str]] = frozenset()
    ratios: dict[str, tuple[str, str]] = field(default_factory=dict)  # indicator -> (numerator, denominator)


def check_framework(doc: dict[str, Any], known_indicators: set[str]) -> None:
    """Raise FrameworkError for every structural problem of a framework document (first one found)."""
    dims = [d["code"] for d in doc["dimensions"]]
    if len(dims) != len(set(dims)):
        raise FrameworkError(f"configs/framework.yaml: duplicate dimension codes {sorted({d for d in dims if dims.count(d) > 1})}")
    codes = [i["code"] for i in doc["indicators"]]
    if len(codes) != len(set(codes)):
        raise FrameworkError(f"configs/framework.yaml: duplicate indicator codes {sorted({c for c in codes if codes.count(c) > 1})}")
    for ind in doc["indicators"]:
        if ind["dimension"] not in dims:
            raise FrameworkError(f"configs/framework.yaml: indicator {ind['code']} hangs under undeclared dimension "
                                 f"{ind['dimension']!r} (declared: {dims})")
        if ind["code"] not in known_indicators:
            raise FrameworkError(f"configs/framework.yaml: indicator {ind['code']} is not in configs/indicators.yaml")
        for dtype in (ind.get("applies_to") or {}).get("dept_types", []):
            if dtype not in _dept_type_names():
                raise FrameworkError(f"configs/framework.yaml: {ind['code']} applies_to names department type {dtype!r}, "
                                     "not a type of configs/bodies.yaml")
        ratio = ind.get("ratio")
        if (ratio is not None) != (ind["denominator"] == "per_case"):
            raise FrameworkError(f"configs/framework.yaml: {ind['code']}: a within-report ratio needs denominator: "
                                 "per_case, and per_case needs a ratio {numerator, denominator}")
        if ratio is not None:
            for part in ("numerator", "denominator"):
                if ratio[part] not in known_indicators:
                    raise FrameworkError(f"configs/framework.yaml: {ind['code']} ratio {part} {ratio[part]!r} is not "
                                         "in configs/indicators.yaml")
            if ratio["numerator"] != ind["code"] or ratio["denominator"] == ind["code"] or ind["unit_type"] != "share":
                raise FrameworkError(f"configs/framework.yaml: {ind['code']}: a ratio's numerator is the entry's own "
                                     "count (the share is scored instead of it), its denominator another indicator, "
                                     "and its unit_type is share")
        for level, (lo, hi) in ind["goalposts"].items():
            if not lo < hi:
                raise FrameworkError(f"configs/framework.yaml: {ind['code']} goalposts for {level} need lower < upper, "
                                     f"got [{lo}, {hi}]")
    total = sum(d["weight"] for d in doc["dimensions"])
    if not math.isclose(total, doc["composite"]["weights_sum"], abs_tol=WEIGHT_TOLERANCE):
        raise FrameworkError(f"configs/framework.yaml: dimension weights sum to {total}, declared "
                             f"composite.weights_sum is {doc['composite']['weights_sum']}")
    for dim in doc["dimensions"]:
        members = [i["weight"] for i in doc["indicators"] if i["dimension"] == dim["code"]]
        if not members:
            raise FrameworkError(f"configs/framework.yaml: dimension {dim['code']} has no indicators")
        if not math.isclose(sum(members), dim["indicator_weights_sum"], abs_tol=WEIGHT_TOLERANCE):
            raise FrameworkError(f"configs/framework.yaml: indicator weights of {dim['code']} sum to {sum(members)}, "
                                 f"declared indicator_weights_sum is {dim['indicator_weights_sum']}")


def _dept_type_names() -> set[str]:
    """Department type names of configs/bodies.yaml (司法, 人社 ...), as the body key's dept_type holds them."""
    from pipeline.ingest.bodies import body_rules

    return {t.name for t in body_rules().types}


def fits(applies_to: dict[str, Any] | None, unit_kind: Any, tier: Any, dept_type: Any) -> bool:
    """Whether a body (its unit kind, tier and department type) is among those an indicator's ``applies_to``
    lists; no ``applies_to``: every body. An unknown kind or tier does not fit a list that restricts it."""
    if not applies_to:
        return True
    for key, value in (("kinds", unit_kind), ("tiers", tier), ("dept_types", dept_type)):
        if key in applies_to and value not in applies_to[key]:
            return False
    return True


def _valid_in(ind: dict[str, Any], year: int | None) -> bool:
    if year is None:
        return True
    return (ind["valid_from"] is None or ind["valid_from"] <= year) and (ind["valid_to"] is None or year <= ind["valid_to"])


def load_framework(year: int | None = None, doc: dict[str, Any] | None = None) -> Framework:
    """The checked framework; only indicators valid in ``year`` (all when None)."""
    import pandas as pd

    doc = doc if doc is not None else load_config("framework")
    check_framework(doc, {i.code for i in load_catalogue().indicators})
    rows, weights, applies, ratios = [], {}, {}, {}
    for ind in doc["indicators"]:
        if not _valid_in(ind, year):
            continue
        weights[ind["code"]] = float(ind["weight"])
        if ind.get("ratio"):
            ratios[ind["code"]] = (str(ind["ratio"]["numerator"]), str(ind["ratio"]["denominator"]))
        if ind.get("applies_to"):
            applies[ind["code"]] = {k: v for k, v in ind["applies_to"].items() if k != "why"}
        for level, (lo, hi) in ind["goalposts"].items():
            rows.append({"indicator": ind["code"], "dimension": ind["dimension"], "polarity": int(ind["direction"]),
                         "admin_level": level, "lo": float(lo), "hi": float(hi)})
    columns = ["indicator", "dimension", "polarity", "admin_level", "lo", "hi"]
    return Framework(pd.DataFrame(rows, columns=columns), tuple(d["code"] for d in doc["dimensions"]), weights,
                     {d["code"]: float(d["weight"]) for d in doc["dimensions"]}, str(doc["framework_version"]),
                     applies, ratios=ratios)
