"""Index stage: validated panel -> index/year=Y/ scores.parquet, indicators.parquet, build_log.json."""

from __future__ import annotations

import dataclasses
import logging
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import io
from pipeline.catalog import Catalog
from pipeline.config import load_config
from pipeline.index.audit import statistical_audit
from pipeline.index.build import (
    aggregate,
    applicable_only,
    fill_unreported,
    load_framework,
    normalise,
    screen_units,
    treat_outliers,
    uncertainty,
)
from pipeline.index.goalposts import (
    Goalposts,
    apply_goalposts,
    goalposts_for,
    goalposts_from_doc,
    load_goalposts,
)
from pipeline.index.missing import missing_data_status, unit_profiles
from pipeline.index.peers import peer_groups, rank_within_group
from pipeline.index.size import (
    denominators_path,
    derive_ratios,
    invalid_ratio_pairs,
    load_denominators,
    size_normalise,
    unsized_pairs,
)
from pipeline.index.timeliness import with_timeliness
from pipeline.index.yoy import compare_years
from pipeline.ingest.bodies import BODY_COLUMNS, with_unit_keys
from pipeline.publish.schemas import write_typed
from pipeline.settings import CONFIG_DIR, RunSettings

log = logging.getLogger(__name__)
PACKAGES = ("pandas", "numpy", "pyarrow", "great-expectations", "apache-airflow", "jieba", "opencc", "rolindex")


def frozen_goalposts_path(cfg: dict[str, Any]) -> Path:
    """The frozen goalposts file named by ``goalposts.file`` of the method spec (relative to configs/)."""
    path = Path(cfg["goalposts"]["file"])
    return path if path.is_absolute() else CONFIG_DIR / path


def frozen_goalposts(cfg: dict[str, Any]) -> Goalposts | None:
    """The frozen goalposts named by ``goalposts.file`` of the method spec (None when the spec has none)."""
    return load_goalposts(frozen_goalposts_path(cfg)) if cfg.get("goalposts") else None


def per_denominator_lookup(goalposts: Goalposts | None, group_of: dict[str, str]) -> Any:
    """(unit_key, indicator) -> the frozen per-denominator goalposts of the unit's peer group, or None; None
    when the frozen file has no per-denominator entry (``goalposts.calibrate`` with a denominator table)."""
    if goalposts is None or not goalposts.per_denominator:
        return None
    return lambda unit_key, code: goalposts_for(goalposts, str(group_of.get(unit_key, "")), code, per_denominator=True)


def prepare_panel(panel: Any, units: Any, cfg: dict[str, Any], year: int, framework_doc: dict[str, Any],
                  goalposts: Goalposts | None, calibrating: bool = False) -> tuple[Any, Any, Any]:
    """Pure: (validated panel, units, method spec, year, framework document, frozen goalposts) ->
    (the panel: within-report ratios derived (``size.derive_ratios``), applicable rows, size-normalised, with
    ``peer_group`` and the frozen goalposts as ``lo_override`` / ``hi_override``, the ``not_size_normalised``
    rows included (goalpost calibration reads them; ``scored_rows`` drops them before scoring); the units with
    their body columns and ``peer_group``; the framework, with ``unsized`` set: the size-dependent counts not
    scored for each unit this year and the inconsistent within-report ratios). Size-dependent counts are
    divided by the unit's row of the denominator table (``denominators.file``) when per-denominator goalposts
    exist (frozen file or framework); ``calibrating``: whenever the row exists (a base year's values)."""
    framework = load_framework(year, doc=framework_doc)
    units = units.reindex(columns=["unit_key", "unit_name", "admin_level", *BODY_COLUMNS])
    units = units.assign(peer_group=peer_groups(units, cfg["peer_groups"]))
    group_of = dict(zip(units["unit_key"], units["peer_group"], strict=True))
    denominators = load_denominators(denominators_path(cfg))
    per = per_denominator_lookup(goalposts, group_of)
    derived, notes = derive_ratios(panel, framework_doc)
    sized = size_normalise(applicable_only(derived, units, framework), framework_doc, denominators, year, per,
                           divide_all=calibrating)
    sized = apply_goalposts(sized.assign(peer_group=sized["unit_key"].map(group_of)), goalposts)
    framework = dataclasses.replace(framework, unsized=unsized_pairs(units, framework_doc, denominators, year, per)
                                    | invalid_ratio_pairs(notes))
    return sized, units, framework


def scoring_framework(units: Any, year: int, framework_doc: dict[str, Any], panel: Any = None,
                      cfg: dict[str, Any] | None = None) -> Any:
    """The framework of ``year`` with ``unsized`` set for these units (unit_key, admin_level): what
    ``applicable`` and the missing-data table see, a size-dependent count without a denominator not applying,
    nor (given the panel) a within-report ratio whose parts are inconsistent; given the method spec, its
    denominator table and frozen per-denominator goalposts count (as in ``prepare_panel``)."""
    invalid = invalid_ratio_pairs(derive_ratios(panel, framework_doc)[1]) if panel is not None else frozenset()
    per = None
    if cfg is not None:
        groups = peer_groups(units.reindex(columns=["unit_key", "unit_name", "admin_level", *BODY_COLUMNS]),
                             cfg["peer_groups"])
        per = per_denominator_lookup(frozen_goalposts(cfg), dict(zip(units["unit_key"], groups, strict=True)))
    return dataclasses.replace(load_framework(year, doc=framework_doc),
                               unsized=unsized_pairs(units, framework_doc, load_denominators(denominators_path(cfg)),
                                                     year, per) | invalid)


def ratio_reported(panel: Any, framework_doc: dict[str, Any]) -> tuple[Any, dict[tuple[str, str], tuple[str, str]]]:
    """The panel as the missing-data table should see it: a ratio entry counts as reported only where its
    share was derived (a raw count alone is not the share), and ``derive_ratios``' notes per (unit, ratio)."""
    derived, notes = derive_ratios(panel, framework_doc)
    if derived.empty:
        return derived, notes
    ratio_codes = {i["code"] for i in framework_doc["indicators"] if i.get("ratio")}
    raw_only = derived["indicator"].isin(ratio_codes) & derived["ratio_of"].isna()
    return derived[~raw_only].reset_index(drop=True), notes


def scored_rows(sized: Any, framework: Any) -> Any:
    """The rows of a prepared panel that enter the composite: all but the pairs in ``framework.unsized``
    and the raw counts flagged ``not_size_normalised`` (a raw size-dependent count, or the raw count of a
    within-report ratio, is published with weight 0, never scored: issue 20 item 3)."""
    if sized.empty:
        return sized
    keep = [(u, i) not in framework.unsized and f != "not_size_normalised"
            for u, i, f in zip(sized["unit_key"], sized["indicator"], sized["size_flag"], strict=True)]
    return sized[np.array(keep, dtype=bool)].reset_index(drop=True)


def build_index(panel: Any, units: Any, cfg: dict[str, Any], year: int,
                framework_doc: dict[str, Any] | None = None, goalposts: Goalposts | None = None) -> tuple[Any, Any]:
    """Pure: (validated panel, accepted units, method spec[, framework document, frozen goalposts]) ->
    (scores, indicators). Goalposts default to the file named by the spec (``frozen_goalposts``)."""
    import pandas as pd

    framework_doc = framework_doc if framework_doc is not None else load_config("framework")
    goalposts = goalposts if goalposts is not None else frozen_goalposts(cfg)
    panel = with_timeliness(panel, units, year, cfg.get("timeliness"))
    sized, units, framework = prepare_panel(panel, units, cfg, year, framework_doc, goalposts)
    log.info("index: framework %s, %d scored indicators valid in %d; goalposts %s", framework.version,
             framework.indicators["indicator"].nunique(), year, goalposts.version if goalposts else "framework")
    log.info("index: size normalisation %s", sized["size_flag"].value_counts().to_dict())
    scored = scored_rows(sized, framework)
    treated, treatments = treat_outliers(scored, cfg["outliers"])
    log.info("index: outlier treatment (%s) %s", cfg["outliers"]["treatment"],
             treatments["action"].value_counts().to_dict() or "nothing to treat")
    normalised = normalise(treated, framework, cfg["normalisation"])
    screen = screen_units(normalised, units, framework, cfg["screen"])
    # unreported applicable indicators are scored at the lower goalpost (no reward for silence)
    filled = fill_unreported(normalised, units, framework, cfg["screen"]["unreported"])
    scores, weights = aggregate(filled, cfg["aggregation"], framework.weights, framework.dimension_weights)
    scores = units.merge(scores, on="unit_key", how="left").merge(screen, on="unit_key", how="left")
    # a dimension score is shown only when the unit reports enough of it (COINr's dat_thresh); the composite
    # only for units that pass the screen: the others get their disclosure profile and a reason instead
    for dim in framework.dimensions:
        if f"dim_{dim}" in scores:
            shown = [dim in covered for covered in scores["covered"]]
            scores[f"dim_{dim}"] = scores[f"dim_{dim}"].where(shown)
    scores["score"] = scores["score"].where(scores["passes"].astype(bool))
    ranked = scores[scores["score"].notna()].copy()
    ranked["rank"] = rank_within_group(ranked).astype("int64")
    log.info("index: normalisation %s, aggregation %s; %d units, %d pass the screen (%s of each dimension) and "
             "are ranked", cfg["normalisation"], cfg["aggregation"], len(scores), len(ranked),
             cfg["screen"]["dimension_share"])
    intervals = uncertainty(scored, units, framework, cfg["uncertainty"], cfg["outliers"], ranked["unit_key"])
    # the published rank is the median simulated rank (COINr's RankStats Median), so it lies in its own
    # 5-95 % interval by construction; the nominal rank (this build's method alone) is its fallback
    ranked = ranked.merge(intervals[["unit_key", "rank_median"]], on="unit_key", how="left")
    ranked["rank"] = ranked["rank_median"].fillna(ranked["rank"]).astype("int64")
    scores = scores.merge(ranked[["unit_key", "rank"]], on="unit_key", how="left").merge(intervals, on="unit_key",
                                                                                        how="left")
    for dim in framework.dimensions:
        if f"dim_{dim}" not in scores:
            scores[f"dim_{dim}"] = float("nan")
    scores = scores.assign(year=year, method_version=cfg["method_version"],
                           goalposts_version=goalposts.version if goalposts else None)
    # disclosure, fully observed, readable in a sparse year where nobody passes the screen
    scores["completeness_rank"] = (scores.groupby("peer_group")["completeness"]
                                   .rank(ascending=False, method="min").astype("Int64"))
    dim_cols = [f"dim_{d}" for d in framework.dimensions]
    scores = scores[["unit_key", "unit_name", *BODY_COLUMNS, "admin_level", "peer_group", "year", "score", "rank",
                     "rank_q05", "rank_median", "rank_q95", "top_decile_probability", *dim_cols, "coverage", "completeness", "completeness_rank", "n_indicators", "not_ranked",
                     "method_version", "goalposts_version"]]
    scores = scores.astype({"rank": "Int64"}).sort_values(["peer_group", "rank", "unit_key"]).reset_index(drop=True)
    scores["not_ranked"] = pd.Series([r if isinstance(r, str) else None for r in scores["not_ranked"]], dtype=object)
    used = normalised[["unit_key", "indicator", "dimension", "normalised", "value"]].rename(columns={"value": "value_used"})
    indicators = panel.merge(used, on=["unit_key", "indicator"], how="left").merge(
        weights, on=["unit_key", "indicator"], how="left")
    not_sized = {(u, i) for u, i, f in zip(sized["unit_key"], sized["indicator"], sized["size_flag"], strict=True)
                 if f == "not_size_normalised"}
    # an unscored raw count keeps its value and dimension in the published table (weight 0, flagged)
    dimension_of = dict(zip(framework.indicators["indicator"], framework.indicators["dimension"], strict=False))
    indicators["dimension"] = [dimension_of.get(i) if (u, i) in not_sized else d for u, i, d in
                               zip(indicators["unit_key"], indicators["indicator"], indicators["dimension"], strict=True)]
    # every treated value is flagged, with the side of the skew it was treated for
    treatment_flags: dict[tuple[str, str], list[str]] = {}
    for t in treatments.itertuples():
        if t.action == "winsorised":
            treatment_flags.setdefault((t.unit_key, t.indicator), []).append(f"outlier_winsorised_{t.side}")
    for t in treatments[treatments["action"].isin(["log_transformed", "insufficient"])].itertuples():
        flag = "outlier_log_transformed" if t.action == "log_transformed" else f"outlier_treatment_insufficient_{t.side}"
        for u in units.loc[units["peer_group"] == t.group, "unit_key"]:
            treatment_flags.setdefault((u, t.indicator), []).append(flag)
    scored_pairs = set(zip(sized["unit_key"], sized["indicator"], strict=True))
    framework_codes = set(framework.indicators["indicator"])
    # a count divided by its denominator says which one (size_per_10k_residents, size_per_agency)
    per_size = {(u, i): f"size_{f}" for u, i, f in zip(sized["unit_key"], sized["indicator"], sized["size_flag"],
                                                        strict=True) if isinstance(f, str) and f != "not_size_normalised"}
    # a within-report ratio whose parts are inconsistent: a warning naming why it is not scored
    invalid = {(u, i): f"ratio_invalid.{r}" for u, i, r in zip(sized["unit_key"], sized["indicator"],
                                                                sized.get("ratio_invalid", [None] * len(sized)),
                                                                strict=True) if isinstance(r, str)}
    flags = [(list(f) if isinstance(f, (list, tuple, np.ndarray)) else []) + treatment_flags.get((u, i), []) + (["not_size_normalised"] if (u, i) in not_sized else [])
             + ([per_size[(u, i)]] if (u, i) in per_size else []) + ([invalid[(u, i)]] if (u, i) in invalid else [])
             + (["not_applicable"] if i in framework_codes and (u, i) not in scored_pairs else [])
             for f, u, i in zip(indicators.get("validation_flags", pd.Series([[]] * len(indicators))),
                                indicators["unit_key"], indicators["indicator"], strict=True)]
    # a raw count not scored carries no weight: the weight of its pair, where there is one, is that of the
    # unreported within-report share scored at the lower goalpost (in 1 - completeness, not in this row)
    unscored = np.array([(u, i) in not_sized for u, i in zip(indicators["unit_key"], indicators["indicator"],
                                                             strict=True)], dtype=bool)
    indicators = indicators.assign(
        year=year, raw_value=indicators["value"], weight=indicators["weight"].where(~unscored).fillna(0.0), flags=flags,
        method_version=cfg["method_version"])
    indicators = indicators.drop(columns=[c for c in BODY_COLUMNS if c in indicators]).merge(
        units[["unit_key", *BODY_COLUMNS]], on="unit_key", how="left")
    indicators = indicators[["unit_key", "unit_name", *BODY_COLUMNS, "admin_level", "year", "indicator", "dimension", "raw_value",
                             "value_used", "unit", "qualifier", "normalised", "weight", "flags", "doc", "sha256",
                             "quote", "start", "end", "method_version"]]
    return scores, indicators.sort_values(["unit_key", "indicator"]).reset_index(drop=True)


def rank_sensitivity(panel: Any, scores: Any, cfg: dict[str, Any], year: int,
                     framework_doc: dict[str, Any] | None = None, goalposts: Goalposts | None = None,
                     units: Any = None) -> Any:
    """Pure: (validated panel, this build's scores, method spec) -> Sobol indices of the ranks per uncertain
    input (``pipeline.index.sensitivity``); empty when ``uncertainty.sobol_base_samples`` is 0. ``units``: the
    accepted units as ``build_index`` had them (their report's publication date gives the timeliness values)."""
    import pandas as pd

    from pipeline.index.sensitivity import SOBOL_COLUMNS, sobol_indices

    n_base = int(cfg["uncertainty"].get("sobol_base_samples", 0))
    if n_base == 0 or scores.empty:
        return pd.DataFrame(columns=SOBOL_COLUMNS)
    framework_doc = framework_doc if framework_doc is not None else load_config("framework")
    goalposts = goalposts if goalposts is not None else frozen_goalposts(cfg)
    if units is not None:
        panel = with_timeliness(panel, units, year, cfg.get("timeliness"))
    units = scores[["unit_key", "unit_name", "admin_level", *BODY_COLUMNS]].reset_index(drop=True)
    sized, units, framework = prepare_panel(panel, units, cfg, year, framework_doc, goalposts)
    nominal = {"treatment": cfg["outliers"]["treatment"], "normalisation": cfg["normalisation"],
               "imputation": cfg["screen"]["unreported"], "aggregation": cfg["aggregation"]}
    ranked = scores.loc[scores["rank"].notna(), "unit_key"]
    return sobol_indices(scored_rows(sized, framework), units, framework, cfg["uncertainty"], cfg["outliers"], nominal, ranked, n_base,
                         screen=cfg["screen"])


def check_scores(scores: Any, indicators: Any, catalog: Catalog) -> list[dict[str, Any]]:
    """Run ``expectations/scores.json`` on the index output before it is written.

    The outcomes are added (as dataset ``scores``) to the year's ``validation_results.json`` so that
    the auditor's report shows them; a failed critical rule stops the run before anything is published.
    """
    from pipeline.validate.gx_runner import run_suite
    from pipeline.validate.stage import ValidationGateError, rule_summaries
    from pipeline.validate.suites import read_suite

    # the effective weights of the reported values plus the weight scored at the lower goalpost for what
    # was not reported (1 - completeness) must sum to 1 for every ranked unit
    weight_sum = indicators.groupby("unit_key")["weight"].sum().rename("weight_sum")
    frame = scores.merge(weight_sum, left_on="unit_key", right_index=True, how="left")
    frame["weight_sum"] = frame["weight_sum"].fillna(0.0) + (1 - frame["completeness"] / 100)
    frame.loc[frame["score"].isna(), "weight_sum"] = np.nan
    outcomes = run_suite(read_suite("scores"), frame)
    rules = rule_summaries("scores", outcomes)
    results = io.read_json(catalog.validation_results)
    results["rules"] = [r for r in results["rules"] if r["dataset"] != "scores"] + rules
    failed = [o for o in outcomes if not o.success and o.severity == "critical"]
    results["scores_passed"] = not failed
    io.write_json(catalog.validation_results, results)
    if failed:
        raise ValidationGateError("index output failed its checks, nothing will be published:\n  " + "\n  ".join(
            f"scores: critical rule {o.rule} failed (rows {o.failing_rows[:20]}, observed {o.observed})" for o in failed))
    return rules


def accepted_units(documents: Any) -> Any:
    """The reporting bodies of the accepted reports (unit_key, unit_name, admin_level and the body
    columns), one row each, with their report's ``publish_date``, ``report_doc`` and ``report_sha256``
    (``pipeline.index.timeliness``)."""
    accepted = with_unit_keys(documents[documents["disposition"] == "accepted"])
    accepted = accepted.assign(report_doc=accepted["doc"], report_sha256=accepted["sha256"],
                               publish_date=accepted.get("publish_date", None))
    return (accepted[["unit_key", "unit_name", "admin_level", *BODY_COLUMNS, "publish_date", "report_doc",
                      "report_sha256"]]
            .drop_duplicates("unit_key").reset_index(drop=True))


def replay(build_log_path: Any) -> tuple[Any, Any]:
    """Rebuild an index from its build log: the logged spec and framework on the logged inputs.

    Raises ValueError when an input file changed since the build (its sha256 differs from the log).
    """
    from pipeline.storage import location

    logged = io.read_json(location(build_log_path))
    for name in ("panel", "documents"):
        path = location(logged["inputs"][name])
        if io.sha256_file(path) != logged["inputs"][f"{name}_sha256"]:
            raise ValueError(f"{path} changed since the build (sha256 differs from the build log)")
    panel = io.read_parquet(location(logged["inputs"]["panel"]))
    units = accepted_units(io.read_parquet(location(logged["inputs"]["documents"])))
    goalposts = goalposts_from_doc(logged["goalposts"]) if logged.get("goalposts") else None
    return build_index(panel, units, logged["spec"], int(logged["year"]), logged["framework"], goalposts)


def run_index(settings: RunSettings) -> dict[str, Any]:
    cfg = load_config("index")
    framework_doc = load_config("framework")
    catalog = Catalog(settings.out, settings.year)
    panel = io.read_parquet(catalog.accepted_panel)
    documents = io.read_parquet(catalog.documents)
    units = accepted_units(documents)
    units_docs = with_unit_keys(documents)[["doc", "unit_key"]]
    # annual_report_timeliness from each report's publication date (no extraction rule gives it)
    panel = with_timeliness(panel, units, settings.year, cfg.get("timeliness"))
    scores, indicators = build_index(panel, units, cfg, settings.year, framework_doc)
    check_scores(scores, indicators, catalog)
    write_typed(catalog.scores, scores, "scores")
    write_typed(catalog.indicator_scores, indicators, "indicators")
    from pipeline.review.changes import write_changes

    # the year built without its corrections, and what they moved (issue 23)
    corrections = write_changes(catalog, scores, indicators, cfg, framework_doc)
    group_of = dict(zip(scores["unit_key"], scores["peer_group"], strict=True))
    audit = statistical_audit(indicators.assign(peer_group=indicators["unit_key"].map(group_of)), cfg=cfg["audit"])
    write_typed(catalog.audit, audit, "audit")
    quarantine = io.read_parquet(catalog.quarantine)
    doc_unit = dict(zip(units_docs["doc"], units_docs["unit_key"], strict=True))
    invalid = {(str(doc_unit[r.doc]), str(r.indicator)) for r in quarantine.itertuples()
               if r.dataset == "panel" and r.doc in doc_unit}
    # a size-dependent count without a denominator is not applicable to that unit this year (NA_structural),
    # nor an inconsistent within-report ratio; a ratio is reported only where its share was derived
    scoring = scoring_framework(units, settings.year, framework_doc, panel, cfg)
    reported, ratio_notes = ratio_reported(panel, framework_doc)
    write_typed(catalog.missing, missing_data_status(units, scoring, reported, invalid), "missing")
    previous_dir = Catalog(settings.out, settings.year - 1).publish_dir
    previous = io.read_parquet(previous_dir / "scores.parquet") if (previous_dir / "scores.parquet").exists() else None
    previous_indicators = (io.read_parquet(previous_dir / "indicators.parquet")
                           if (previous_dir / "indicators.parquet").exists() else None)
    framework = load_framework(settings.year, doc=framework_doc)
    write_typed(catalog.year_over_year, compare_years(scores, previous, cfg["year_over_year"], indicators,
                                                      previous_indicators, framework.weights,
                                                      framework.dimension_weights), "year_over_year")
    missing = io.read_parquet(catalog.missing)
    why = {i["code"]: i["applies_to"]["why"] for i in framework_doc["indicators"]
           if (i.get("applies_to") or {}).get("why")}
    io.write_parquet(catalog.zone("index") / "profiles.parquet", unit_profiles(scores, indicators, missing, why,
                                                                                scoring.unsized, ratio_notes))
    sensitivity = rank_sensitivity(panel, scores, cfg, settings.year, framework_doc, units=units)
    io.write_parquet(catalog.zone("index") / "sensitivity.parquet", sensitivity)
    if len(sensitivity):
        log.info("index: Sobol indices of the rank shift %s",
                 sensitivity[["input", "S1", "ST"]].round(3).to_dict("records"))
    flagged = audit[audit["flag"].notna()]
    if len(flagged):
        log.info("index: statistical audit flags %d indicator pairs: %s", len(flagged),
                 flagged[["indicator", "indicator_b", "flag"]].to_dict("records"))
    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    inputs = {"panel": str(catalog.accepted_panel), "panel_sha256": io.sha256_file(catalog.accepted_panel),
              "documents": str(catalog.documents), "documents_sha256": io.sha256_file(catalog.documents)}
    # everything needed to rebuild: `rolindex rebuild <this file>` gives identical scores
    import yaml

    goalposts_doc = yaml.safe_load(Path(frozen_goalposts_path(cfg)).read_text(encoding="utf-8"))
    io.write_json(catalog.build_log, {"year": settings.year, "spec": cfg, "framework": framework_doc,
                                      "goalposts": goalposts_doc,
                                      "seed": cfg["uncertainty"]["seed"], "python": platform.python_version(),
                                      "packages": versions, "inputs": inputs, "corrections": corrections})
    log.info("index: %d units scored", int(scores["score"].notna().sum()))
    return {"scores": str(catalog.scores), "indicators": str(catalog.indicator_scores), "units": len(scores)}
