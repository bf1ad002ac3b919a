"""Goalposts calibrated once on a base year, frozen with a version and reused by later years (issue 20).

WJP fixes its goalposts once and rescales later editions against them, so that a score means the same
thing from one year to the next; COINr's ``n_goalposts`` takes them as given. Here they are computed from a
base year's distribution per peer group and frozen in ``configs/goalposts.yaml`` (schema-checked):

- ``calibrate`` (pure): in, the base year's size-normalised panel with ``peer_group`` (only indicators
  that apply to each body), the framework, the framework document and the ``goalposts.calibration`` rule
  of ``configs/index.yaml``; out, the frozen document. Per peer group and framework indicator:
  a count (or money) indicator with at least ``min_values`` reported values gets the ``counts``
  percentiles of the base year's values (default the 5th and 95th: COINr's and the JRC's practice of
  goalposts inside the observed range, so that a single outlier does not compress everybody else); a rate
  keeps the framework's policy goalposts (``rates: policy``: 90-100 % filing is the policy target, not
  whatever the base year happened to reach); a within-report share (``unit_type: share``, method 0.6.0) gets
  the same percentiles of the base year's derived shares when the group has ``min_values`` of them
  (``shares: percentiles``), else its natural bounds 0-100 (``natural_bounds``: COIN's theoretical min/max of
  a proportion); a group with too few values, or whose percentiles coincide, keeps the framework's default.
  Every entry records its ``source`` and ``n``, so the file says what was calibrated and what was only frozen.
- ``load_goalposts`` reads and checks the file; ``goalposts_for`` gives (lo, hi) for a (peer group,
  indicator), falling back from a department type's group to its tier's departments; ``apply_goalposts``
  sets each panel row's ``lo_override`` / ``hi_override`` from the frozen file (rows already carrying
  size-normalised goalposts keep them; pairs the file lacks keep the framework's default).
- A year scored with another goalposts ``version`` than the previous year is not comparable with it
  (a series break, ``pipeline/index/yoy.py``).

``python -m pipeline.index.goalposts --base-year 2017 --version 2017.1 [--out outputs] [--write PATH]``
calibrates on a processed year's accepted panel and writes the file (default: prints it).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import ConfigError, validate_against_schema
from pipeline.settings import CONFIG_DIR

GOALPOSTS = CONFIG_DIR / "goalposts.yaml"
SCHEMA = CONFIG_DIR / "goalposts.schema.json"
RAW_SCALE = (None, "not_size_normalised")  # size flags of rows whose value is on the framework's raw scale
SHARE = "within_report_ratio"  # size flag of a derived within-report share (pipeline/index/size.py)


@dataclass(frozen=True)
class Goalposts:
    """A frozen goalposts file: its version, base year and (peer group, indicator) -> (lo, hi)."""

    version: str
    base_year: int | None
    table: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    # (peer group, indicator) -> (lo, hi) of a size-dependent count per denominator (entries with ``per``)
    per_denominator: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)


def check_goalposts(doc: dict[str, Any], source: Path = GOALPOSTS) -> None:
    """Raise ConfigError when the document breaks its schema or a goalpost pair is not lower < upper."""
    import json

    validate_against_schema(doc, json.loads(SCHEMA.read_text(encoding="utf-8")), source)
    for group, entries in doc["groups"].items():
        for code, entry in entries.items():
            if not entry["lo"] < entry["hi"]:
                raise ConfigError(f"{source}: goalposts of {code} in {group} need lo < hi, got "
                                  f"[{entry['lo']}, {entry['hi']}]")


def load_goalposts(path: Path | str | None = None) -> Goalposts:
    """The frozen goalposts (``configs/goalposts.yaml`` by default), schema-checked."""
    import yaml

    path = Path(path) if path is not None else GOALPOSTS
    if not path.is_absolute() and not path.exists():
        path = CONFIG_DIR / path
    if not path.exists():
        raise ConfigError(f"goalposts file {path} is missing (python -m pipeline.index.goalposts calibrates one)")
    return goalposts_from_doc(yaml.safe_load(path.read_text(encoding="utf-8")), path)


def goalposts_from_doc(doc: dict[str, Any], source: Path = GOALPOSTS) -> Goalposts:
    """A checked goalposts document (as the file or a build log holds it) -> ``Goalposts``."""
    check_goalposts(doc, source)
    table = {(str(g), str(c)): (float(e["lo"]), float(e["hi"])) for g, entries in doc["groups"].items()
             for c, e in entries.items() if not e.get("per")}
    per = {(str(g), str(c)): (float(e["lo"]), float(e["hi"])) for g, entries in doc["groups"].items()
           for c, e in entries.items() if e.get("per")}
    return Goalposts(str(doc["version"]), doc.get("base_year"), table, per)


def goalposts_for(goalposts: Goalposts, group: str, indicator: str,
                  per_denominator: bool = False) -> tuple[float, float] | None:
    """(lo, hi) of a peer group's indicator, else of its tier's departments (county-dept-justice ->
    county-dept), else None (the framework's default applies); ``per_denominator``: the goalposts of a
    size-dependent count divided by its denominator (entries calibrated with ``per``)."""
    table = goalposts.per_denominator if per_denominator else goalposts.table
    found = table.get((group, indicator))
    if found is None and "-dept-" in group:
        found = table.get((group.split("-dept-")[0] + "-dept", indicator))
    return found


def apply_goalposts(sized: Any, goalposts: Goalposts | None) -> Any:
    """The size-normalised panel (with ``peer_group``) with ``lo_override`` / ``hi_override`` set from the
    frozen goalposts wherever the row has none yet (size-normalised rows keep their own) and the file has
    the (peer group, indicator)."""
    if goalposts is None or not goalposts.table or sized.empty:
        return sized
    lo = sized["lo_override"].astype(float).to_numpy(copy=True)
    hi = sized["hi_override"].astype(float).to_numpy(copy=True)
    for i, (group, code, flag) in enumerate(zip(sized["peer_group"], sized["indicator"], sized["size_flag"],
                                                strict=True)):
        # a missing flag (an effort count or a rate) may read back as NaN, not None, from a string column
        raw_scale = flag in (*RAW_SCALE, SHARE) or (isinstance(flag, float) and np.isnan(flag))
        if not raw_scale or not np.isnan(lo[i]):
            continue
        found = goalposts_for(goalposts, str(group), str(code))
        if found is not None:
            lo[i], hi[i] = found
    return sized.assign(lo_override=lo, hi_override=hi)


def calibrate(sized: Any, framework: Any, framework_doc: dict[str, Any], rule: dict[str, Any], version: str,
              base_year: int) -> dict[str, Any]:
    """The frozen goalposts document calibrated on a base year (see the module docstring).

    ``sized``: the base year's size-normalised panel with ``peer_group`` and ``admin_level``, applicable
    rows only. Every peer group of the base year gets an entry for every indicator applicable at its level.
    """
    low_pct, high_pct = (float(p) for p in rule["counts"])
    min_values = int(rule["min_values"])
    unit_type = {i["code"]: i["unit_type"] for i in framework_doc["indicators"]}
    defaults = {(r.indicator, r.admin_level): (r.lo, r.hi) for r in framework.indicators.itertuples()}
    shares = rule.get("shares", "percentiles")
    per_kind = {i["code"]: i["denominator"] for i in framework_doc["indicators"]
                if i["denominator"] in ("per_10k_residents", "per_agency")}
    raw = sized[sized["size_flag"].isin(RAW_SCALE) | sized["size_flag"].isna()]
    derived = sized[sized["size_flag"] == SHARE]
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    levels = sized.groupby("peer_group")["admin_level"].agg(lambda s: s.mode().iloc[0])
    for group, level in sorted(levels.items()):
        values = raw[raw["peer_group"] == group]
        share_values = derived[derived["peer_group"] == group]
        entries: dict[str, dict[str, Any]] = {}
        for code in sorted(framework.indicators.loc[framework.indicators["admin_level"] == level, "indicator"]):
            lo, hi = defaults[(code, level)]
            share = unit_type.get(code) == "share"
            pool = share_values if share else values
            observed = pool.loc[pool["indicator"] == code, "value"].astype(float).to_numpy()
            source = "natural_bounds" if share else "framework_default"
            per = per_kind.get(code)
            if per:  # a size-dependent count: calibrated only on values divided by the unit's denominator
                divided = sized[(sized["peer_group"] == group) & (sized["indicator"] == code)
                                & (sized["size_flag"] == per)]["value"].astype(float).to_numpy()
                if len(divided) >= min_values:
                    p_lo, p_hi = np.percentile(divided, [low_pct, high_pct])
                    if p_lo < p_hi:
                        entries[code] = {"lo": float(round(p_lo, 6)), "hi": float(round(p_hi, 6)), "n": len(divided),
                                         "source": f"p{low_pct:g}-p{high_pct:g}", "per": per}
                        continue
            if unit_type.get(code) in ("rate", "date") and rule["rates"] == "policy":
                source = "policy"
            elif len(observed) >= min_values and not (share and shares == "natural"):
                p_lo, p_hi = np.percentile(observed, [low_pct, high_pct])
                if p_lo < p_hi:
                    lo, hi, source = float(round(p_lo, 6)), float(round(p_hi, 6)), f"p{low_pct:g}-p{high_pct:g}"
            entries[code] = {"lo": float(lo), "hi": float(hi), "n": len(observed), "source": source}
        groups[str(group)] = entries
    return {"version": version, "base_year": int(base_year), "framework_version": framework.version,
            "rule": {"counts": [low_pct, high_pct], "min_values": min_values, "rates": rule["rates"],
                     "shares": shares},
            "groups": groups}


def calibrate_year(out: str | Path, base_year: int, version: str, denominators: str | Path | None = None) -> dict[str, Any]:
    """Calibrate on a processed year: its accepted panel and documents under the data root ``out``;
    ``denominators``: a denominator table (a user's CSV, columns of ``size.REFERENCE_COLUMNS``) whose rows
    divide the base year's size-dependent counts, so that they get per-denominator goalposts (``per``);
    default the table named by ``denominators.file`` of configs/index.yaml."""
    from pipeline import io
    from pipeline.catalog import Catalog
    from pipeline.config import load_config
    from pipeline.index.stage import accepted_units, prepare_panel

    cfg = load_config("index")
    if denominators is not None:
        cfg = {**cfg, "denominators": {"file": str(Path(denominators).resolve())}}
    framework_doc = load_config("framework")
    catalog = Catalog(Path(out), base_year)
    panel = io.read_parquet(catalog.accepted_panel)
    units = accepted_units(io.read_parquet(catalog.documents))
    from pipeline.index.timeliness import with_timeliness

    panel = with_timeliness(panel, units, base_year, cfg.get("timeliness"))
    sized, units, framework = prepare_panel(panel, units, cfg, base_year, framework_doc, goalposts=None,
                                            calibrating=True)
    doc = calibrate(sized, framework, framework_doc, cfg["goalposts"]["calibration"], version, base_year)
    # a peer group of the base year with no value at all still gets its (default) goalposts frozen
    unit_type = {i["code"]: i["unit_type"] for i in framework_doc["indicators"]}
    for group, level in sorted(zip(units["peer_group"], units["admin_level"], strict=True)):
        if group not in doc["groups"]:
            doc["groups"][str(group)] = {
                code: {"lo": float(r.lo), "hi": float(r.hi), "n": 0,
                       "source": "natural_bounds" if unit_type.get(code) == "share" else "framework_default"}
                for code, r in framework.indicators[framework.indicators["admin_level"] == level]
                .set_index("indicator").iterrows()}
    check_goalposts(doc)
    return doc


def _num(value: float) -> str:
    """A number as YAML reads it back exactly (no exponent form, which YAML 1.1 reads as a string)."""
    return str(int(value)) if float(value).is_integer() else format(float(value), ".6f").rstrip("0")


def dump(doc: dict[str, Any]) -> str:
    """The frozen document as YAML, with a header saying how it was made."""
    import yaml

    header = (f"# Frozen goalposts (issue 20), version {doc['version']}: calibrated on base year {doc['base_year']} by\n"
              f"# python -m pipeline.index.goalposts --base-year {doc['base_year']} --version {doc['version']}.\n"
              "# Per peer group and indicator: lo, hi, n (base-year values) and source (percentiles of the base\n"
              "# year, policy goalposts for rates, or the framework's default when too few values). Do not edit by\n"
              "# hand: recalibrate with a new version (a series break for year-over-year comparisons).\n")
    head = {k: v for k, v in doc.items() if k != "groups"}
    lines = [yaml.safe_dump(head, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120).rstrip(),
             "groups:"]
    for group, entries in doc["groups"].items():
        lines.append(f"  {group}:")
        lines += [f"    {code}: {{lo: {_num(e['lo'])}, hi: {_num(e['hi'])}, n: {e['n']}, source: {e['source']}"
                  + (f", per: {e['per']}" if e.get("per") else "") + "}" for code, e in entries.items()]
    return header + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.index.goalposts", description=__doc__.splitlines()[0])
    parser.add_argument("--base-year", type=int, required=True)
    parser.add_argument("--version", required=True, help="version of the frozen goalposts, e.g. 2017.1")
    parser.add_argument("--out", default="outputs", help="data root holding the processed base year")
    parser.add_argument("--write", help="write the file here (e.g. configs/goalposts.yaml); default: print it")
    parser.add_argument("--denominators", help="denominator table (CSV: unit_key, year, residents_10k, agencies, "
                                               "source) dividing the base year's size-dependent counts, so that "
                                               "they get per-denominator goalposts; default: denominators.file "
                                               "of configs/index.yaml")
    args = parser.parse_args(argv)
    text = dump(calibrate_year(args.out, args.base_year, args.version, args.denominators))
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
        print(f"goalposts {args.version} (base year {args.base_year}) written to {args.write}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
