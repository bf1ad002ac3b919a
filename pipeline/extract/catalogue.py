"""The indicator catalogue (``configs/indicators.yaml``) as typed, cross-checked objects."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.config import ConfigError, load_config


@dataclass(frozen=True)
class Indicator:
    code: str
    number: int
    name_zh: str
    name_en: str
    dimension: str
    type: str
    unit: str
    allowed_units: tuple[str, ...]
    polarity: int
    scored: bool
    size_normalisation: str
    all_of: tuple[tuple[str, ...], ...]
    none_of: tuple[str, ...]
    near: tuple[str, ...]
    ranges: dict[str, tuple[float, float] | None]


@dataclass(frozen=True)
class Catalogue:
    version: str
    dimensions: tuple[dict[str, Any], ...]
    indicators: tuple[Indicator, ...]

    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}


@cache
def load_catalogue() -> Catalogue:
    """Load and cross-check the catalogue: unique codes, known dimensions, consistent units."""
    doc = load_config("indicators")
    dims = tuple(doc["dimensions"])
    dim_codes = {d["code"] for d in dims}
    indicators = []
    seen: set[str] = set()
    for raw in doc["indicators"]:
        if raw["code"] in seen:
            raise ConfigError(f"configs/indicators.yaml: duplicate indicator code {raw['code']!r}")
        seen.add(raw["code"])
        if raw["dimension"] not in dim_codes:
            raise ConfigError(f"configs/indicators.yaml: {raw['code']} names unknown dimension {raw['dimension']!r}")
        cues = raw.get("cues") or {}
        indicators.append(Indicator(
            code=raw["code"], number=raw["number"], name_zh=raw["name_zh"], name_en=raw["name_en"],
            dimension=raw["dimension"], type=raw["type"], unit=raw["unit"],
            allowed_units=tuple(raw.get("allowed_units") or ()), polarity=int(raw["polarity"]),
            scored=bool(raw["scored"]), size_normalisation=raw["size_normalisation"],
            all_of=tuple(tuple(g) for g in cues.get("all_of") or ()), none_of=tuple(cues.get("none_of") or ()),
            near=tuple(cues.get("near") or ()),
            ranges={lvl: (tuple(v) if v else None) for lvl, v in (raw.get("ranges") or {}).items()},
        ))
    return Catalogue(doc["catalogue_version"], dims, tuple(indicators))
