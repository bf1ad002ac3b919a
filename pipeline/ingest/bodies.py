"""Reporting bodies: who a document speaks for, as one stable key.

A government (人民政府 / 行政公署), one of its departments, or a national ministry or agency. In: a
gazetteer ``Division`` (or None), a department's name (or None) or a national body. Out:
``ReportingBody`` with ``unit_key`` = ``<division code>-gov`` or ``<division code>-dept-<type code>``,
the official name, kind, division, parent division, tier and department type. Department types, their
name cores and the national bodies are data in ``configs/bodies.yaml``.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from pipeline.config import ConfigError, load_config
from pipeline.ingest.gazetteer import MUNICIPALITY_PREFIXES, Division, load_gazetteer

UNIT_KINDS = ("government", "department")
# the columns that describe a reporting body wherever a unit appears (after unit_key and unit_name)
BODY_COLUMNS = ["unit_kind", "division_code", "parent_division", "tier", "dept_type"]
TIERS = ("national", "province", "prefecture", "county")


@dataclass(frozen=True)
class ReportingBody:
    unit_key: str
    unit_name: str
    unit_kind: str  # government / department
    division_code: str | None
    parent_division: str | None
    tier: str | None  # national / province / prefecture / county: the tier of the body's government
    dept_type: str | None  # 司法, 人社, 市场监管 ... (departments only)
    admin_level: str | None  # province / prefecture / county / department

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DepartmentType:
    code: str
    name: str
    cores: tuple[str, ...]


@dataclass(frozen=True)
class NationalBody:
    name: str
    type_code: str | None
    names: tuple[str, ...]  # the official name first, then the aliases


@dataclass(frozen=True)
class BodyRules:
    national_code: str
    types: tuple[DepartmentType, ...]
    types_by_code: dict[str, DepartmentType]
    national: tuple[NationalBody, ...]
    ethnic_groups: tuple[str, ...]


@cache
def body_rules() -> BodyRules:
    """``configs/bodies.yaml``, schema-checked, with unique type codes and national types that exist."""
    cfg = load_config("bodies")
    types = tuple(DepartmentType(t["code"], t["name"], tuple(t["cores"])) for t in cfg["department_types"])
    by_code = {t.code: t for t in types}
    if len(by_code) != len(types):
        raise ConfigError("configs/bodies.yaml: department type codes must be unique")
    national = tuple(NationalBody(b["name"], b["type"], (b["name"], *b.get("aliases", ())))
                     for b in cfg["national_bodies"])
    unknown = sorted({b.type_code for b in national if b.type_code and b.type_code not in by_code})
    if unknown:
        raise ConfigError(f"configs/bodies.yaml: national bodies use unknown department types {unknown}")
    return BodyRules(cfg["national_division_code"], types, by_code, national, tuple(cfg["ethnic_groups"]))


def department_type(department_name: str) -> DepartmentType | None:
    """The type whose longest core occurs in the name (人力资源和社会保障局 -> 人社; 审计局 -> 审计)."""
    best: tuple[int, int, DepartmentType] | None = None
    for order, dtype in enumerate(body_rules().types):
        for core in dtype.cores:
            if core in department_name and (best is None or (len(core), -order) > (best[0], -best[1])):
                best = (len(core), order, dtype)
    return best[2] if best else None


def department_type_of_text(text: str, min_mentions: int = 2) -> DepartmentType | None:
    """The department type a department's own text speaks of most (城市管理 … 城管执法 -> 城管): the type
    whose cores occur most often, at least ``min_mentions`` times and more than any other type; None
    when no type stands out. For a department that names itself only as 我局/我委."""
    counts: dict[str, int] = {}
    for dtype in body_rules().types:
        if dtype.code in ("general_office", "legal_affairs"):
            continue  # every report speaks of offices and of 法制
        counts[dtype.code] = sum(text.count(core) for core in dtype.cores if not any(
            core in other for other in dtype.cores if other != core))
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < min_mentions or (len(ranked) > 1 and ranked[1][1] * 2 > ranked[0][1]):
        return None
    return body_rules().types_by_code[ranked[0][0]]


def match_national(name: str) -> tuple[NationalBody, str] | None:
    """A national body named at the start of ``name`` (司法部, 中华人民共和国司法部, 国家税务总局天津市税务局),
    and what follows its name ('' when the name is the whole body)."""
    name = name.removeprefix("中华人民共和国").removeprefix("原")  # 原环境保护部: the ministry, renamed since
    found = [(len(alias), body, alias) for body in body_rules().national for alias in body.names
             if name.startswith(alias)]
    if not found:
        return None
    _, body, alias = max(found, key=lambda f: f[0])
    return body, name[len(alias):]


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


def _government_parent(division: Division) -> str:
    """The code of the government above a division's: county -> prefecture (the municipality for the
    districts of 北京/天津/上海/重庆), prefecture -> province, province -> the national code."""
    if division.level == "province":
        return body_rules().national_code
    if division.code[:2] in MUNICIPALITY_PREFIXES:
        return division.province_code
    parent = load_gazetteer().parent(division)
    return parent.code if parent else division.province_code


def tier_of(division: Division) -> str:
    """The tier of a division's government (the municipalities' second entries, 110100, are provinces)."""
    # 110100 (北京市 listed again as a city) is the municipality itself
    if division.code[:2] in MUNICIPALITY_PREFIXES and division.level == "prefecture":
        return "province"
    return division.level


def government(division: Division, name: str) -> ReportingBody:
    """The government of a division, under its official ``name``."""
    code = division.province_code if tier_of(division) == "province" else division.code
    tier = tier_of(division)
    return ReportingBody(f"{code}-gov", name, "government", code,
                         _government_parent(load_gazetteer().by_code.get(code, division)), tier, None, tier)


def department(division: Division | None, department_name: str, name: str,
               tier_hint: str | None = None) -> ReportingBody:
    """A department of a division's government (``department_name``: the part after the place);
    without a division, ``tier_hint`` (from 市司法局's 市, or the text's 全县) is its tier."""
    dtype = department_type(department_name) or department_type(name)  # 区政府办: the part 办 alone says little
    type_part = dtype.code if dtype else f"x{_short_hash(department_name)}"
    if division is None:
        return ReportingBody(f"unplaced-dept-{type_part}-{_short_hash(name)}", name, "department", None, None,
                             tier_hint if tier_hint in TIERS else None, dtype.name if dtype else None, "department")
    code = division.province_code if tier_of(division) == "province" else division.code
    return ReportingBody(f"{code}-dept-{type_part}", name, "department", code, code, tier_of(division),
                         dtype.name if dtype else None, "department")


def national(body: NationalBody) -> ReportingBody:
    """A national ministry or agency (or the State Council itself)."""
    rules = body_rules()
    code = rules.national_code
    if body.type_code is None and body.name == "国务院":
        return ReportingBody(f"{code}-gov", body.name, "government", code, None, "national", None, None)
    type_part = body.type_code or f"x{_short_hash(body.name)}"
    dtype = rules.types_by_code.get(body.type_code or "")
    return ReportingBody(f"{code}-dept-{type_part}", body.name, "department", code, code, "national",
                         dtype.name if dtype else None, "department")


def unplaced_government(name: str, level: str | None) -> ReportingBody:
    """A government whose division could not be found (flagged ``no_division_code`` upstream)."""
    return ReportingBody(f"unplaced-gov-{_short_hash(name)}", name, "government", None, None, level, None, level)


def with_unit_keys(documents: Any) -> Any:
    """``documents`` (a frame with ``doc`` and ``unit_key``) where a document with no identified body
    stands as its own unit, ``unidentified-<doc>``: never merged with another document."""
    return documents.assign(unit_key=documents["unit_key"].fillna("unidentified-" + documents["doc"].astype(str)))
