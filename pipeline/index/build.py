"""Build the composite index from the validated panel: pure functions on DataFrames.

treat outliers -> normalise (goalposts; min-max, fraction-of-best or z within the peer group as
alternatives; direction applied) -> screen (who reports enough to be ranked) -> score unreported
applicable indicators at the lower goalpost (no reward for silence) -> aggregate (indicators ->
dimensions -> composite; arithmetic or geometric) -> rank within peer group -> uncertainty (Monte Carlo
over weights, aggregation, normalisation, imputation and treatment) -> rank intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.index.framework import Framework, load_framework

__all__ = ["Framework", "aggregate", "applicable", "applicable_only", "dimension_sizes", "fill_unreported", "impute_group_mean",
           "load_framework", "normalise", "rank_within_level", "screen_units", "treat_outliers", "uncertainty",
           "unit_dimension_sizes"]


INTERVAL_COLUMNS = ["unit_key", "rank_q05", "rank_median", "rank_q95", "top_decile_probability"]


def _group_col(frame: Any) -> str:
    """Units are compared within their peer group when the frame has one, else within admin level."""
    return "peer_group" if "peer_group" in frame else "admin_level"


def normalise(panel: Any, framework: Framework, method: str = "goalposts") -> Any:
    """Add ``normalised`` (0-100, higher is better) to panel rows of scored indicators (min-max and z
    statistics within the peer group, or the admin level when the panel has no ``peer_group``)."""
    if method == "fracmax":
        # COINr's n_fracmax on the goalpost scale: each value as a share of the best goalpost score in its
        # (group, indicator); the floor stays at the lower goalpost, so unreported values (scored 0) stay
        # last and withholding the best value only raises the others
        base = normalise(panel, framework, "goalposts")
        best = base.groupby([_group_col(base), "indicator"])["normalised"].transform("max")
        return base.assign(normalised=(base["normalised"] / best.where(best > 0) * 100).fillna(0.0).round(10))
    frame = panel.merge(framework.indicators, on=["indicator", "admin_level"], how="inner")
    group = _group_col(frame)
    value = frame["value"].astype(float)
    if method == "goalposts":
        lo, hi = frame["lo"], frame["hi"]
        if "lo_override" in frame:  # size-normalised rows carry their own goalposts
            lo = frame["lo_override"].astype(float).fillna(lo)
            hi = frame["hi_override"].astype(float).fillna(hi)
        if "log_shift" in frame:  # log-transformed outlier groups: goalposts on the same log scale
            shift = frame["log_shift"].astype(float)
            logged = shift.notna()
            lo = lo.where(~logged, np.log((lo - shift).clip(lower=0) + 1))
            hi = hi.where(~logged, np.log((hi - shift).clip(lower=0) + 1))
    elif method == "minmax":
        grouped = frame.groupby([group, "indicator"])["value"]
        lo, hi = grouped.transform("min").astype(float), grouped.transform("max").astype(float)
    elif method == "zscore":
        # z within (group, indicator), shown on a 0-100 scale as 50 + 10 z (a T-score), clipped
        grouped = frame.groupby([group, "indicator"])["value"]
        sd = grouped.transform("std").astype(float)
        z = ((value - grouped.transform("mean").astype(float)) / sd.where(sd > 0, np.nan)).fillna(0.0)
        scaled = ((50 + 10 * z).clip(0, 100) / 100)
        scaled = scaled.where(frame["polarity"] >= 0, 1 - scaled)
        return frame.assign(normalised=(scaled * 100).round(10))
    else:
        raise ValueError(f"unknown normalisation {method!r}")
    span = (hi - lo).where(hi > lo, np.nan)
    scaled = ((value - lo) / span).clip(0, 1).fillna(0.5)
    scaled = scaled.where(frame["polarity"] >= 0, 1 - scaled)
    return frame.assign(normalised=(scaled * 100).round(10))


def _needs_treatment(values: Any, skew_max: float, kurtosis_max: float) -> bool:
    """COINr's rule: |skewness| > skew_max and (excess) kurtosis > kurtosis_max."""
    return bool(abs(values.skew()) > skew_max and values.kurt() > kurtosis_max)


def _winsorise(values: Any, skew_max: float, kurtosis_max: float, max_points: int) -> tuple[Any, list[tuple]]:
    """COINr's winsorise, with ties: while the rule fails, the values tied at the extreme on the side of the
    current skew are all set to the next distinct value (each counts as a point) until ``max_points`` are
    used. Returns (treated values, [(index, original, treated)])."""
    values = values.copy()
    changed: dict[Any, tuple[float, float]] = {}
    used = 0
    while _needs_treatment(values, skew_max, kurtosis_max):
        high = values.skew() > 0
        extreme = values.max() if high else values.min()
        rest = values[values < extreme] if high else values[values > extreme]
        tied = values.index[values == extreme]
        if rest.empty or used + len(tied) > max_points:
            break
        replacement = float(rest.max() if high else rest.min())
        for idx in tied:
            changed[idx] = (changed.get(idx, (float(values[idx]), 0.0))[0], replacement)
            values[idx] = replacement
        used += len(tied)
    return values, [(idx, original, treated) for idx, (original, treated) in changed.items()]


def treat_outliers(panel: Any, cfg: dict[str, Any]) -> tuple[Any, Any]:
    """Outlier treatment within each (peer group, indicator), COINr-style; log what was done.

    Groups with at least ``min_units`` values that fail the skew/kurtosis rule are winsorised (``_winsorise``:
    the extreme values on the side of the skew, ties together, up to ``max_points`` values). When the rule
    still fails, a right-skewed group is log-transformed instead (``ln(x - min + 1)``, the shift kept in
    ``log_shift`` so that ``normalise`` maps the goalposts the same way), but only when that helps (its
    |skew| ends below the winsorised group's); a left-skewed group is never logged (the log would stretch
    the tail it should compress: a 95 % rate among 99 % rates would score 0). A group that no treatment
    brings under the thresholds keeps its winsorised values and is logged ``insufficient``.
    Returns (panel with treated ``value`` and the original in ``value_raw``, treatment log with one row per
    treated value, or per group for ``log_transformed`` / ``insufficient``, and the ``side`` of the skew).
    """
    import pandas as pd

    columns = ["group", "indicator", "unit_key", "original", "treated", "action", "side"]
    frame = panel.assign(value_raw=panel["value"].astype(float), log_shift=np.nan).reset_index(drop=True)
    log_rows: list[dict[str, Any]] = []
    if cfg.get("treatment", "none") == "none":
        return frame, pd.DataFrame(log_rows, columns=columns)
    skew_max, kurt_max = float(cfg["skew_max"]), float(cfg["kurtosis_max"])
    for (level, code), group in frame.groupby([_group_col(frame), "indicator"], sort=True):
        original = group["value"].astype(float)
        if len(original) < int(cfg["min_units"]) or not _needs_treatment(original, skew_max, kurt_max):
            continue
        side = "high" if original.skew() > 0 else "low"
        values, changed = _winsorise(original, skew_max, kurt_max, int(cfg["max_points"]))
        if _needs_treatment(values, skew_max, kurt_max):
            shift = float(original.min())
            logged = np.log(original - shift + 1)
            if side == "high" and abs(logged.skew()) < abs(values.skew()):
                frame.loc[group.index, "value"] = logged
                frame.loc[group.index, "log_shift"] = shift
                log_rows.append({"group": level, "indicator": code, "unit_key": None, "original": None,
                                 "treated": None, "action": "log_transformed", "side": side})
                continue
            log_rows.append({"group": level, "indicator": code, "unit_key": None, "original": None,
                             "treated": None, "action": "insufficient", "side": side})
        for idx, before, after in changed:
            frame.loc[idx, "value"] = after
            log_rows.append({"group": level, "indicator": code, "unit_key": frame.loc[idx, "unit_key"],
                             "original": before, "treated": after, "action": "winsorised", "side": side})
    return frame, pd.DataFrame(log_rows, columns=columns)


def dimension_sizes(framework: Framework) -> dict[tuple[str, str], int]:
    """(admin level, dimension) -> number of indicators applicable there."""
    sizes = framework.indicators.groupby(["admin_level", "dimension"])["indicator"].nunique()
    return {(str(level), str(dim)): int(n) for (level, dim), n in sizes.items()}


def _mean(values: np.ndarray, weights: np.ndarray, method: str) -> float:
    if len(values) == 0:
        return float("nan")
    w = weights / weights.sum()
    if method == "arithmetic":
        return float(np.dot(w, values))
    if method == "geometric":  # needs strictly positive values: shift 0-100 to 1-100
        shifted = 1 + values * 0.99
        return float(np.exp(np.dot(w, np.log(shifted))) - 1) / 0.99
    raise ValueError(f"unknown aggregation {method!r}")


def aggregate(normalised: Any, method: str = "arithmetic", weights: dict[str, float] | None = None,
              dim_weights: dict[str, float] | None = None, dim_sizes: dict[tuple[str, str], int] | None = None,
              dimension_min_share: float = 0.0) -> tuple[Any, Any]:
    """Returns (unit scores with dim_<code> columns, effective weight per unit and indicator).

    Per unit: each dimension is the weighted mean of its indicators (``method``: arithmetic, or geometric on
    values shifted to 1-100), the composite the weighted mean of the dimensions. With ``dim_sizes``
    ((admin level, dimension) -> number of applicable indicators), a dimension is scored only when the unit
    reports at least ``dimension_min_share`` of them (COINr's threshold). Grouped sums, no loop per unit.
    """
    import pandas as pd

    if method not in ("arithmetic", "geometric"):
        raise ValueError(f"unknown aggregation {method!r}")
    empty = (pd.DataFrame({"unit_key": pd.Series(dtype=object), "score": pd.Series(dtype=float)}),
             pd.DataFrame(columns=["unit_key", "indicator", "weight"]).astype({"weight": float}))
    if normalised.empty:
        return empty
    frame = normalised.reset_index(drop=True)
    x = frame["normalised"].to_numpy(dtype=float)
    frame = pd.DataFrame({"unit_key": frame["unit_key"].astype(object), "dimension": frame["dimension"].astype(object),
                          "indicator": frame["indicator"].astype(object),
                          "level": (frame["admin_level"].astype(object) if "admin_level" in frame else ""),
                          "x": x if method == "arithmetic" else np.log(1 + 0.99 * x),
                          "w": [weights.get(i, 1.0) if weights else 1.0 for i in frame["indicator"]]})
    frame["wx"] = frame["w"] * frame["x"]
    dims = frame.groupby(["unit_key", "dimension"], sort=True).agg(
        w=("w", "sum"), wx=("wx", "sum"), n=("x", "size"), level=("level", "first"))
    if dim_sizes and dimension_min_share > 0:
        size = np.array([dim_sizes.get((str(lv), str(d)), 0) for (_u, d), lv in zip(dims.index, dims["level"],
                                                                                     strict=True)], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            dims = dims[(size > 0) & (dims["n"].to_numpy() / np.where(size > 0, size, 1) >= dimension_min_share)]
    if dims.empty:
        return empty
    dims = dims.assign(value=dims["wx"] / dims["w"])
    if method == "geometric":  # dimension: exp of the weighted mean of the logs, back on 0-100
        dims["value"] = (np.exp(dims["value"]) - 1) / 0.99
    dims["dw"] = [dim_weights.get(d, 1.0) if dim_weights else 1.0 for d in dims.index.get_level_values(1)]
    agg_value = dims["value"] if method == "arithmetic" else np.log(1 + 0.99 * dims["value"])
    unit_w = dims["dw"].groupby(level=0).sum()
    score = (dims["dw"] * agg_value).groupby(level=0).sum() / unit_w
    if method == "geometric":
        score = (np.exp(score) - 1) / 0.99
    wide = dims["value"].unstack("dimension")
    wide.columns = [f"dim_{d}" for d in wide.columns]
    scores = pd.DataFrame({"unit_key": score.index.astype(object), "score": score.to_numpy(dtype=float)}).merge(
        wide.reset_index(), on="unit_key", how="left")
    # effective weight of each indicator: its share of its dimension's weight x the dimension's share
    kept = frame.merge(dims[["w", "dw"]].rename(columns={"w": "dim_w"}).reset_index(), on=["unit_key", "dimension"])
    kept = kept.merge(unit_w.rename("unit_w").reset_index(), on="unit_key")
    kept = kept.sort_values(["unit_key", "dimension"], kind="stable")
    eff = pd.DataFrame({"unit_key": kept["unit_key"], "indicator": kept["indicator"],
                        "weight": (kept["dw"] / kept["unit_w"] * kept["w"] / kept["dim_w"]).astype(float)})
    return scores, eff.reset_index(drop=True)


def rank_within_level(scores: Any) -> Any:
    """Rank 1 = best score within each peer group (or admin level without one; ties share the best rank)."""
    return scores.groupby(_group_col(scores))["score"].rank(ascending=False, method="min")


def impute_group_mean(normalised: Any, units: Any, framework: Framework) -> Any:
    """Fill every applicable, unreported (unit, indicator) with the mean normalised value of the units of
    the same peer group (admin level without one) that reported it (COINr's i_mean_grp; sensitivity only)."""
    import pandas as pd

    group = "peer_group" if "peer_group" in normalised and "peer_group" in units else "admin_level"
    keep = list(dict.fromkeys(["unit_key", "admin_level", group]))
    means = (normalised.groupby([group, "indicator"], as_index=False)["normalised"].mean())
    pairs = applicable(units, framework)[[*keep, "indicator", "dimension"]]
    reported = normalised[["unit_key", "indicator"]].assign(_reported=True)
    missing = pairs.merge(reported, on=["unit_key", "indicator"], how="left")
    missing = missing[missing["_reported"].isna()].drop(columns="_reported")
    filled = missing.merge(means, on=[group, "indicator"], how="inner")
    if filled.empty:
        return normalised
    filled = filled.sort_values(["unit_key", "indicator"]).reset_index(drop=True)
    return pd.concat([normalised, filled[[*keep, "indicator", "dimension", "normalised"]]], ignore_index=True)


@dataclass(frozen=True)
class _Matrix:
    """A normalised panel as dense arrays: units x indicators, with each indicator's dimension."""

    unit_keys: list[str]
    levels: Any  # admin level per unit (numpy array of str)
    values: Any  # float array, 0 where missing
    present: Any  # bool array
    dimension_of: Any  # int array: dimension index per indicator column
    codes: list[str]
    n_dims: int


def _to_matrix(normalised: Any, units: Any, dimensions: tuple[str, ...]) -> _Matrix:
    wide = normalised.pivot_table(index="unit_key", columns="indicator", values="normalised", aggfunc="first")
    wide = wide.reindex(units["unit_key"])
    dim_of = normalised.drop_duplicates("indicator").set_index("indicator")["dimension"]
    codes = [str(c) for c in wide.columns]
    values = wide.to_numpy(dtype=float)
    present = ~np.isnan(values)
    return _Matrix(list(units["unit_key"]), units["admin_level"].to_numpy(dtype=str), np.where(present, values, 0.0),
                   present, np.array([dimensions.index(dim_of[c]) for c in codes], dtype=int), codes, len(dimensions))


def dimension_sums(a: Any, dimension_of: Any, n_dims: int) -> Any:
    """Units x dimensions: the columns of ``a`` (units x indicators) summed per dimension. Column slices, not
    a matrix product: BLAS threads on a small product stall on a shared machine (3-4x slower)."""
    out = np.zeros((a.shape[0], n_dims))
    for k in np.unique(dimension_of):
        out[:, k] = a[:, dimension_of == k].sum(axis=1)
    return out


def _matrix_scores(m: _Matrix, weights: Any, dim_weights: Any, method: str, min_share: float,
                   dim_size: Any) -> Any:
    """Composite scores for all units at once; the same arithmetic as ``aggregate`` (NaN: not scored).

    weights: per indicator column; dim_weights: per dimension; dim_size: units x dimensions applicable counts.
    """
    w = m.present * weights  # units x indicators
    x = m.values if method == "arithmetic" else np.log(1 + 0.99 * m.values)
    den = dimension_sums(w, m.dimension_of, m.n_dims)
    with np.errstate(invalid="ignore", divide="ignore"):
        dims = dimension_sums(x * w, m.dimension_of, m.n_dims) / den
        ok = den > 0
        if min_share > 0:
            counts = dimension_sums(m.present.astype(float), m.dimension_of, m.n_dims)
            ok &= (dim_size > 0) & (counts / np.where(dim_size > 0, dim_size, 1) >= min_share)
        dw = ok * dim_weights
        total = np.where(ok, dims, 0.0) * dw
        score = total.sum(axis=1) / dw.sum(axis=1)
    if method == "geometric":  # dims were means of logs: the composite is a mean of the dimension logs
        score = (np.exp(score) - 1) / 0.99
    elif method != "arithmetic":
        raise ValueError(f"unknown aggregation {method!r}")
    return score


def applicable(units: Any, framework: Framework) -> Any:
    """Every (unit, framework indicator) that applies to the unit: its admin level has goalposts for it,
    the body fits the indicator's ``applies_to`` (unit kind, tier, department type; e.g. ``rules_enacted``
    only for provincial and prefecture governments) and the pair is not in ``framework.unsized``. Columns: unit_key, admin_level, peer_group (when the
    units have one), indicator, dimension."""
    from pipeline.index.framework import fits
    from pipeline.index.peers import _kind_and_tier

    keep = [c for c in ("unit_key", "admin_level", "peer_group") if c in units]
    pairs = units[keep].merge(framework.indicators[["indicator", "dimension", "admin_level"]], on="admin_level")
    if framework.unsized:  # size-dependent counts without a denominator: not scored, not counted (issue 20.3)
        sized = [(u, i) not in framework.unsized for u, i in zip(pairs["unit_key"], pairs["indicator"], strict=True)]
        pairs = pairs[np.array(sized, dtype=bool)].reset_index(drop=True)
    restricted = pairs["indicator"].isin(list(framework.applies)).to_numpy()
    if not restricted.any():
        return pairs
    bodies = {r["unit_key"]: (*_kind_and_tier(r), r.get("dept_type")) for r in units.to_dict("records")}
    ok = np.ones(len(pairs), dtype=bool)
    ok[restricted] = [fits(framework.applies[i], *bodies[u]) for u, i in
                      zip(pairs["unit_key"].to_numpy()[restricted], pairs["indicator"].to_numpy()[restricted],
                          strict=True)]
    return pairs[ok].reset_index(drop=True)


def applicable_only(panel: Any, units: Any, framework: Framework) -> Any:
    """The panel rows whose (unit, indicator) applies (``applicable``); a value reported for an indicator
    that does not fit the body (a county's government rules) is kept in the indicators table but not scored."""
    pairs = applicable(units, framework)[["unit_key", "indicator"]]
    return panel.merge(pairs, on=["unit_key", "indicator"], how="inner")


def unit_dimension_sizes(units: Any, framework: Framework) -> Any:
    """Units x dimensions array: how many framework indicators of each dimension apply to each unit."""
    pairs = applicable(units, framework)
    counts = pairs.groupby(["unit_key", "dimension"])["indicator"].nunique().unstack(fill_value=0)
    counts = counts.reindex(index=units["unit_key"], columns=list(framework.dimensions), fill_value=0)
    return counts.fillna(0).to_numpy(dtype=float)


def fill_unreported(normalised: Any, units: Any, framework: Framework, how: str = "lower_goalpost") -> Any:
    """Score every applicable, unreported (unit, indicator) so that silence is never rewarded.

    ``lower_goalpost`` (the default): normalised 0, the worst score a reported value can get, so that
    withholding a value can only lower a unit's composite; ``group_mean``: the peer-group mean (COINr's
    i_mean_grp; it rewards withholding a value below the mean, so it is a sensitivity alternative only);
    ``none``: available-case means (the value is left out; it rewards silence the same way).
    """
    import pandas as pd

    if how == "none":
        return normalised
    if how == "group_mean":
        return impute_group_mean(normalised, units, framework)
    if how != "lower_goalpost":
        raise ValueError(f"unknown imputation {how!r}")
    pairs = applicable(units, framework)
    reported = normalised[["unit_key", "indicator"]].assign(_reported=True)
    missing = pairs.merge(reported, on=["unit_key", "indicator"], how="left")
    missing = missing[missing["_reported"].isna()].drop(columns="_reported")
    if missing.empty:
        return normalised
    filled = missing.sort_values(["unit_key", "indicator"]).assign(normalised=0.0)
    return pd.concat([normalised, filled], ignore_index=True)


def screen_units(normalised: Any, units: Any, framework: Framework, cfg: dict[str, Any]) -> Any:
    """Who is ranked (COINr's ``Screen``, byNA, applied per dimension).

    In: the reported normalised values, the units, the framework and ``screen`` of configs/index.yaml
    (``dimension_share``: a dimension counts as covered when the unit reports at least this share of the
    indicators that apply to it, COINr's dat_thresh 2/3; ``min_dimensions_share``: the share of applicable
    dimensions that must be covered). Out, per unit: ``n_indicators``, ``coverage`` (reported / applicable),
    ``completeness`` (0-100: the share of the composite's weight carried by reported values, i.e. the
    mean over dimensions of each dimension's reported weight share), ``covered`` (dimension codes),
    ``passes`` and ``not_ranked`` (the reason, None when ranked).
    """
    import pandas as pd

    pairs = applicable(units, framework)
    reported = set(zip(normalised["unit_key"], normalised["indicator"], strict=True)) if len(normalised) else set()
    pairs = pairs.assign(reported=[(u, i) in reported for u, i in zip(pairs["unit_key"], pairs["indicator"],
                                                                       strict=True)],
                         weight=pairs["indicator"].map(lambda c: framework.weights.get(c, 1.0)).astype(float))
    pairs["reported_weight"] = pairs["weight"] * pairs["reported"]
    by_dim = pairs.groupby(["unit_key", "dimension"]).agg(n=("indicator", "size"), k=("reported", "sum"),
                                                          w=("weight", "sum"), rw=("reported_weight", "sum"))
    share = float(cfg["dimension_share"])
    min_dims = float(cfg["min_dimensions_share"])
    by_dim = by_dim.assign(ok=(by_dim["k"] / by_dim["n"]) >= share - 1e-12,
                           dw=[framework.dimension_weights.get(d, 1.0) for d in by_dim.index.get_level_values(1)])
    by_dim["part"] = by_dim["dw"] * by_dim["rw"] / by_dim["w"]
    per_unit: dict[str, list] = {}
    for (unit_key, dim), r in zip(by_dim.index, by_dim[["n", "k", "ok", "dw", "part"]].itertuples(index=False),
                                  strict=True):
        per_unit.setdefault(unit_key, []).append((dim, r))
    rows = []
    for unit_key in units["unit_key"]:
        dims = per_unit.get(unit_key)
        if not dims:
            rows.append({"unit_key": unit_key, "n_indicators": 0, "coverage": 0.0, "completeness": 0.0,
                         "covered": [], "passes": False, "not_ranked": "no_applicable_indicators"})
            continue
        completeness = float(sum(r.part for _d, r in dims) / sum(r.dw for _d, r in dims) * 100)
        n_reported = int(sum(r.k for _d, r in dims))
        ok_share = sum(bool(r.ok) for _d, r in dims) / len(dims)
        passes = bool(n_reported > 0 and ok_share >= min_dims - 1e-12)
        if n_reported == 0:
            reason = "no_scored_values"
        elif not passes:
            short = ", ".join(f"{d} {int(r.k)}/{int(r.n)}" for d, r in dims if not r.ok)
            reason = f"below_screen ({share:.2g} of each dimension's indicators): {short}"
        else:
            reason = None
        rows.append({"unit_key": unit_key, "n_indicators": n_reported,
                     "coverage": n_reported / float(sum(r.n for _d, r in dims)),
                     "completeness": round(completeness, 10), "covered": sorted(d for d, r in dims if r.ok),
                     "passes": passes, "not_ranked": reason})
    return pd.DataFrame(rows, columns=["unit_key", "n_indicators", "coverage", "completeness", "covered", "passes",
                                       "not_ranked"])


EXTRACTION_OPTIONS = ("as_extracted", "drop_by_confidence")
LOW_CONFIDENCE_QUALIFIERS = ("approx", "at_least", "at_most")


def extraction_confidence(panel: Any, cfg: dict[str, Any] | None) -> Any:
    """Per panel row, the probability that the extracted value is right (``uncertainty.extraction``):
    ``confidence`` for a clean value, ``low_confidence`` for a value whose report offered several candidates
    (``n_candidates`` > 1), that carries a validation warning, or whose qualifier is approximate. In: the
    panel; out: a float array aligned with its rows (1.0 everywhere without the setting)."""
    if not cfg or panel.empty:
        return np.ones(len(panel))
    low = np.zeros(len(panel), dtype=bool)
    if "n_candidates" in panel:
        low |= panel["n_candidates"].fillna(1).astype(float).to_numpy() > 1
    if "validation_flags" in panel:
        low |= np.array([f is not None and not isinstance(f, float) and len(f) > 0 for f in panel["validation_flags"]],
                        dtype=bool)
    if "qualifier" in panel:
        low |= panel["qualifier"].isin(LOW_CONFIDENCE_QUALIFIERS).to_numpy()
    return np.where(low, float(cfg["low_confidence"]), float(cfg["confidence"]))


@dataclass(frozen=True)
class _Draws:
    """What the Monte Carlo and the Sobol runs share: the prepared matrices per (treatment, normalisation,
    imputation), the reported mask and confidence per unit x indicator, the dimension one-hot, each unit's
    applicable indicators per dimension, and the screen levels."""

    prepared: dict[tuple[str, str, str], _Matrix]
    reported: Any  # units x indicators (columns as every prepared matrix's codes)
    confidence: Any  # units x indicators, 1.0 where nothing was reported
    onehot: Any  # indicators x dimensions
    dim_size: Any  # units x dimensions
    screens: list[dict[str, float]]


def prepare_draws(panel: Any, units: Any, framework: Framework, cfg: dict[str, Any], outliers: dict[str, Any],
                  options: dict[str, list[str]], screen: dict[str, Any] | None) -> _Draws | None:
    """Precompute every matrix the uncertainty runs choose from (see ``_Draws``); None when nothing is scored.
    ``options``: the outlier treatments, normalisations and imputations to prepare; ``screen``: the nominal
    screen, always the first of the screen levels (then ``uncertainty.screens``)."""
    treated = {t: treat_outliers(panel, {**outliers, "treatment": t})[0] for t in options["outlier_treatment"]}
    prepared: dict[tuple[str, str, str], _Matrix] = {}
    reported_frame = None
    for t in options["outlier_treatment"]:
        for method in options["normalisation"]:
            base = normalise(treated[t], framework, method)
            reported_frame = base if reported_frame is None else reported_frame
            for imp in options["imputation"]:
                frame = fill_unreported(base, units, framework, imp)
                if len(frame):
                    prepared[(t, method, imp)] = _to_matrix(frame, units, framework.dimensions)
    if not prepared or reported_frame is None:
        return None
    codes = next(iter(prepared.values())).codes
    if any(m.codes != codes for m in prepared.values()):  # imputation "none" may lack columns: align on all
        codes = sorted({c for m in prepared.values() for c in m.codes})
        prepared = {k: _align(m, codes, framework.dimensions, reported_frame) for k, m in prepared.items()}
    index = {u: i for i, u in enumerate(units["unit_key"])}
    col = {c: j for j, c in enumerate(codes)}
    reported = np.zeros((len(units), len(codes)), dtype=bool)
    confidence = np.ones((len(units), len(codes)))
    conf = extraction_confidence(panel, cfg.get("extraction"))
    for (u, c), p in zip(zip(panel["unit_key"], panel["indicator"], strict=True), conf, strict=True):
        if u in index and c in col:
            reported[index[u], col[c]] = True
            confidence[index[u], col[c]] = min(confidence[index[u], col[c]], p)
    dims = next(iter(prepared.values())).dimension_of
    onehot = np.zeros((len(codes), len(framework.dimensions)))
    onehot[np.arange(len(codes)), dims] = 1.0
    screens = ([{k: float(screen[k]) for k in ("dimension_share", "min_dimensions_share")}] if screen else [])
    for level in cfg.get("screens") or []:
        level = {k: float(level[k]) for k in ("dimension_share", "min_dimensions_share")}
        if level not in screens:
            screens.append(level)
    return _Draws(prepared, reported, confidence, onehot, unit_dimension_sizes(units, framework), screens)


def _align(m: _Matrix, codes: list[str], dimensions: tuple[str, ...], reference: Any) -> _Matrix:
    """A matrix widened to ``codes`` (absent columns: not present)."""
    dim_of = reference.drop_duplicates("indicator").set_index("indicator")["dimension"]
    values = np.zeros((len(m.unit_keys), len(codes)))
    present = np.zeros((len(m.unit_keys), len(codes)), dtype=bool)
    for j, c in enumerate(m.codes):
        values[:, codes.index(c)] = m.values[:, j]
        present[:, codes.index(c)] = m.present[:, j]
    return _Matrix(m.unit_keys, m.levels, values, present, np.array([dimensions.index(dim_of[c]) for c in codes]),
                   codes, m.n_dims)


def passes_screen(reported: Any, onehot: Any, dim_size: Any, level: dict[str, float]) -> Any:
    """Bool per unit: the screen of ``screen_units`` on a reported mask (units x indicators): in at least
    ``min_dimensions_share`` of the dimensions that apply to it, the unit reports ``dimension_share`` of them."""
    counts = dimension_sums(reported.astype(float), onehot.argmax(axis=1), onehot.shape[1])
    applies = dim_size > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        covered = applies & (counts / np.where(applies, dim_size, 1) >= level["dimension_share"] - 1e-12)
        share = covered.sum(axis=1) / applies.sum(axis=1)
    return (counts.sum(axis=1) > 0) & (np.nan_to_num(share) >= level["min_dimensions_share"] - 1e-12)


def perturbed(m: _Matrix, dropped: Any, imputation: str) -> _Matrix:
    """The matrix with the ``dropped`` reported values taken out: scored at the lower goalpost (normalised 0)
    like any unreported value, or left out with available-case means (imputation ``none``)."""
    if imputation == "none":
        return _Matrix(m.unit_keys, m.levels, m.values, m.present & ~dropped, m.dimension_of, m.codes, m.n_dims)
    return _Matrix(m.unit_keys, m.levels, np.where(dropped, 0.0, m.values), m.present, m.dimension_of, m.codes,
                   m.n_dims)


def rank_in_groups(score: Any, group_codes: Any) -> Any:
    """Rank 1 = best score within each group (ties share the best rank, as ``rank_within_level``), NaN for a
    NaN score; numpy only (``group_codes``: an int code per unit). Used once per Monte Carlo draw or Sobol run."""
    ranks = np.full(len(score), np.nan)
    valid = np.flatnonzero(~np.isnan(score))
    if not len(valid):
        return ranks
    g, s = group_codes[valid], score[valid]
    order = np.lexsort((-s, g))
    gs, ss = g[order], s[order]
    pos = np.arange(len(order))
    new_group = np.r_[True, gs[1:] != gs[:-1]]
    new_value = new_group | np.r_[True, ss[1:] != ss[:-1]]
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    first_of_tie = np.maximum.accumulate(np.where(new_value, pos, 0))
    ranks[valid[order]] = first_of_tie - group_start + 1
    return ranks


def uncertainty(panel: Any, units: Any, framework: Framework, cfg: dict[str, Any],
                outliers: dict[str, Any] | None = None, ranked: Any = None) -> Any:
    """Monte Carlo rank intervals: rank_q05, rank_median, rank_q95 and top_decile_probability per unit
    (seeded, reproducible).

    Each draw picks an outlier treatment, a normalisation, an imputation of unreported indicators, an
    aggregation and an extraction option (``as_extracted``, or ``drop_by_confidence``: each reported value
    is dropped, i.e. scored at the lower goalpost, with probability 1 - its extraction confidence,
    ``extraction_confidence``), and multiplies every indicator and dimension weight by U(1 - noise,
    1 + noise); the scores of all units are computed at once on dense arrays, then ranked within peer group
    (admin level without one) among the units in ``ranked`` (those that pass the screen; all when None), so
    that every simulated rank lies within the published ranking. The screen level is an input of the Sobol
    analysis (``pipeline.index.sensitivity``), not of these intervals: a lower screen would rank units the
    publication does not rank. A dropped value still counts as reported for the screen (the report
    disclosed the item; only its number is doubted).
    """
    import pandas as pd

    outliers = outliers or {"treatment": "none"}
    if ranked is not None and not units["unit_key"].isin(set(ranked)).any():
        return pd.DataFrame(columns=INTERVAL_COLUMNS)  # nobody passes the screen: no rank to draw
    rng = np.random.default_rng(int(cfg["seed"]))
    noise = float(cfg["weight_noise"])
    min_share = float(cfg.get("dimension_min_share", 0.0))
    codes = sorted(framework.indicators["indicator"].unique())
    treatments = cfg.get("outlier_treatments", ["none"])
    imputations = cfg.get("imputations", ["lower_goalpost"])
    extraction = list((cfg.get("extraction") or {}).get("options", ["as_extracted"]))
    prep = prepare_draws(panel, units, framework, cfg, outliers, {"outlier_treatment": treatments,
                         "normalisation": list(cfg["normalisations"]), "imputation": imputations}, None)
    if prep is None:
        return pd.DataFrame(columns=INTERVAL_COLUMNS)
    levels = units[_group_col(units)].to_numpy(dtype=str)  # ranks within peer group
    group_codes = np.unique(levels, return_inverse=True)[1]
    published = (np.ones(len(units), dtype=bool) if ranked is None
                 else units["unit_key"].isin(set(ranked)).to_numpy())
    draws = []
    for _ in range(int(cfg["draws"])):
        treatment = treatments[rng.integers(len(treatments))]
        imputation = imputations[rng.integers(len(imputations))]
        norm_method = cfg["normalisations"][rng.integers(len(cfg["normalisations"]))]
        agg_method = cfg["aggregations"][rng.integers(len(cfg["aggregations"]))]
        # the framework's weights, each multiplied by U(1 - noise, 1 + noise)
        factors = dict(zip(codes, rng.uniform(1 - noise, 1 + noise, len(codes)), strict=True))
        dim_factors = rng.uniform(1 - noise, 1 + noise, len(framework.dimensions))
        how = extraction[rng.integers(len(extraction))]
        m = prep.prepared.get((treatment, norm_method, imputation))
        if m is None:
            continue
        if how == "drop_by_confidence":
            m = perturbed(m, prep.reported & (rng.random(prep.reported.shape) >= prep.confidence), imputation)
        weights = np.array([framework.weights.get(c, 1.0) * factors.get(c, 1.0) for c in m.codes])
        dim_weights = np.array([framework.dimension_weights.get(d, 1.0) for d in framework.dimensions]) * dim_factors
        score = np.where(published, _matrix_scores(m, weights, dim_weights, agg_method, min_share, prep.dim_size),
                         np.nan)
        draws.append(rank_in_groups(score, group_codes))
    if not draws:
        return pd.DataFrame(columns=INTERVAL_COLUMNS)
    all_ranks = np.vstack(draws)  # draws x units, NaN where not ranked
    ranks = all_ranks
    ranked_ever = ~np.isnan(ranks).all(axis=0)
    if not ranked_ever.any():
        return pd.DataFrame(columns=INTERVAL_COLUMNS)
    ranks = ranks[:, ranked_ever]
    # simulated ranks themselves (no interpolation between draws): q05 rounded towards the better rank, q95
    # towards the worse one, so that q05 <= median <= q95 always holds and the median is a whole rank
    # (numpy's lower / nearest / higher order statistics, as pandas' quantile interpolation of the same names)
    with np.errstate(invalid="ignore"):
        q05 = np.nanquantile(ranks, 0.05, axis=0, method="lower")
        median = np.nanquantile(ranks, 0.5, axis=0, method="nearest")
        q95 = np.nanquantile(ranks, 0.95, axis=0, method="higher")
    # probability of being in the top decile of its peer group: the share of draws with rank <= ceil(n / 10),
    # n the group's ranked units in that draw
    n_ranked = np.vstack([np.bincount(group_codes, weights=~np.isnan(row), minlength=group_codes.max() + 1)
                          for row in all_ranks])
    cutoff = np.maximum(1, np.ceil(n_ranked / 10))[:, group_codes[ranked_ever]]
    top = np.nan_to_num(ranks, nan=np.inf) <= cutoff
    keys = np.asarray(units["unit_key"])[ranked_ever]
    return pd.DataFrame({"unit_key": keys, "rank_q05": q05, "rank_median": median, "rank_q95": q95,
                         "top_decile_probability": top.mean(axis=0).astype(float)}, columns=INTERVAL_COLUMNS)
