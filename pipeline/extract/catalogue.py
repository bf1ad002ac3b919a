"""The indicator catalogue (``configs/indicators.yaml``) as typed, cross-checked objects."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.config import ConfigError, load_config

DEFAULT_ROLES = ("flow", "stated_zero")  # the roles an indicator takes unless its ``frame`` says otherwise


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
    # the quantity's frame (issue 19): verbs/nouns accepted (empty: any) and refused, roles taken
    verbs: frozenset[str] = frozenset()
    refuse_verbs: frozenset[str] = frozenset()
    nouns: frozenset[str] = frozenset()
    refuse_nouns: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset(DEFAULT_ROLES)
    paragraph_topic: bool = True  # may a cue group be borrowed from the paragraph's earlier sentences?
    topic_in_clause: bool = False  # must the first cue group stand in the quantity's own clause?
    in_sentence: tuple[str, ...] = ()  # one of these must stand somewhere in the quantity's sentence (empty: no test)
    # bodies whose work is not the indicator's (县委): in none_of too, but never vetoing from an earlier clause
    other_bodies: tuple[str, ...] = ()
    # a rate's names (可办率, 网办率): a percentage whose clause names another rate (即办率) is not this one
    rate_words: tuple[str, ...] = ()
    # in a department's report, bodies whose sessions are not the department's own (政府常务会)
    department_other_bodies: tuple[str, ...] = ()
    # terms that veto anywhere in the quantity's sentence before it (民营企业“法治体检”: a service to others)
    sentence_none_of: tuple[str, ...] = ()
    in_paragraph: tuple[str, ...] = ()  # one of these must stand in the sentence or the paragraph before it
    # verbs that are the indicator's own results inside a campaign named earlier in the sentence (废止, 宣布失效
    # in a 清理), even when refused elsewhere (frame.result_verbs, frame.result_of)
    result_verbs: frozenset[str] = frozenset()
    result_of: tuple[str, ...] = ()
    result_kept: frozenset[str] = frozenset()  # the campaign's other results (保留): no veto from an earlier clause

    def accepts(self, verb: str | None, noun: str | None, role: str, in_campaign: bool = False) -> bool:
        """Does a quantity with this verb, noun and role fit the indicator? (A missing verb or noun
        is not held against it; a refused one is. Coordinated verbs, 制定、修改, fit when one of them does.
        Light verbs (开展, 组织, 完成 …; ``light_verbs`` in configs/extraction.yaml) are neutral: they say
        nothing of the action. When the indicator declares the ``verbs`` that define it, any other action
        verb refuses it: 受理行政许可申请823件 is no item streamlined. ``in_campaign``: one of ``result_of`` (清理)
        stands earlier in the sentence, so the ``result_verbs`` (废止, 宣布失效) are the indicator's own.)"""
        if role not in self.roles:
            return False
        if verb is None and noun is None:
            return True
        if verb is not None:
            light = light_verbs()
            actions = [v for v in verb.split("、") if v not in light]
            if in_campaign and any(v in self.result_verbs for v in actions):
                actions = []  # 开展规范性文件清理，宣布失效规范性文件5件: a result of the cleanup
            if actions and not any(v not in self.refuse_verbs and (not self.verbs or v in self.verbs)
                                   for v in actions):
                return False
        return noun is None or not (noun in self.refuse_nouns or (self.nouns and noun not in self.nouns))


@cache
def light_verbs() -> frozenset[str]:
    """Verbs that name no action of their own (开展, 组织, 完成 …): neutral for every indicator."""
    return frozenset(load_config("extraction")["frame"]["light_verbs"])


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
    lexicon = load_config("extraction")["frame"]
    modal_base = tuple(lexicon["modal_base"])  # 应持证…96人: the base of a rate, refused by every count
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
        frame = raw.get("frame") or {}
        for key, known in (("verbs", "verbs"), ("refuse_verbs", "verbs"), ("nouns", "nouns"), ("refuse_nouns", "nouns"),
                           ("result_verbs", "verbs")):
            unknown = set(frame.get(key) or ()) - set(lexicon[known])
            if unknown:
                raise ConfigError(f"configs/indicators.yaml: {raw['code']} frame.{key} names {sorted(unknown)}, not in "
                                  f"the frame {known} of configs/extraction.yaml")
        indicators.append(Indicator(
            code=raw["code"], number=raw["number"], name_zh=raw["name_zh"], name_en=raw["name_en"],
            dimension=raw["dimension"], type=raw["type"], unit=raw["unit"],
            allowed_units=tuple(raw.get("allowed_units") or ()), polarity=int(raw["polarity"]),
            scored=bool(raw["scored"]), size_normalisation=raw["size_normalisation"],
            all_of=tuple(tuple(g) for g in cues.get("all_of") or ()),
            none_of=tuple(cues.get("none_of") or ()) + tuple(cues.get("other_bodies") or ())
            + (modal_base if raw["type"] == "count" else ()),
            near=tuple(cues.get("near") or ()),
            ranges={lvl: (tuple(v) if v else None) for lvl, v in (raw.get("ranges") or {}).items()},
            verbs=frozenset(frame.get("verbs") or ()), refuse_verbs=frozenset(frame.get("refuse_verbs") or ()),
            nouns=frozenset(frame.get("nouns") or ()), refuse_nouns=frozenset(frame.get("refuse_nouns") or ()),
            roles=frozenset(frame.get("roles") or DEFAULT_ROLES),
            paragraph_topic=bool(cues.get("paragraph_topic", True)),
            topic_in_clause=bool(cues.get("topic_in_clause", False)),
            in_sentence=tuple(cues.get("in_sentence") or ()),
            other_bodies=tuple(cues.get("other_bodies") or ()),
            rate_words=tuple(cues.get("rate_words") or ()),
            department_other_bodies=tuple(cues.get("department_other_bodies") or ()),
            sentence_none_of=tuple(cues.get("sentence_none_of") or ()),
            in_paragraph=tuple(cues.get("in_paragraph") or ()),
            result_verbs=frozenset(frame.get("result_verbs") or ()), result_of=tuple(frame.get("result_of") or ()),
            result_kept=frozenset(frame.get("result_kept") or ()),
        ))
    return Catalogue(doc["catalogue_version"], dims, tuple(indicators))
