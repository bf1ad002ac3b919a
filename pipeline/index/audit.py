"""Statistical audit of one index build (JRC/COINr style): pure functions on DataFrames.

Input: the long ``indicators`` frame of a build (unit_key, indicator, dimension, normalised, weight).
Output: one tidy frame of audit findings, a row per measure:

- ``correlation``: Pearson r of every pair of indicators observed together in at least
  ``min_units`` units; ``flag`` = ``redundant`` (r > 0.9) or ``negative_within_dimension``.
- ``cronbach_alpha``: per dimension with at least two indicators (units with all of them observed);
  ``flag`` = ``alpha_below_0.7`` (the JRC's rule of thumb) or ``too_few_units`` (then no value).
- ``pc1_share``: share of variance on the first principal component of the indicator matrix
  (complete cases), only with at least ``pca_min_units`` units (else ``too_few_units``, no value).

Each peer group is audited on its own (``peer_group`` column): pooling governments and departments of
different tiers would measure the differences between groups, not the coherence of the framework.
- ``effective_weight``: the mean effective weight of each indicator across scored units.

Small samples give NaN rather than a number that means nothing; every row says its ``n``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

AUDIT_COLUMNS = ["peer_group", "measure", "dimension", "indicator", "indicator_b", "value", "n", "flag"]
REDUNDANCY_R = 0.9


def _matrix(indicators: Any) -> Any:
    """Units x indicators matrix of normalised values (NaN where not reported)."""
    scored = indicators[indicators["normalised"].notna()]
    return scored.pivot_table(index="unit_key", columns="indicator", values="normalised", aggfunc="first")


def cronbach_alpha(matrix: Any) -> float:
    """alpha = k/(k-1) * (1 - sum of item variances / variance of the total), on complete rows."""
    complete = matrix.dropna()
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        return float("nan")
    item_var = complete.var(axis=0, ddof=1).sum()
    total_var = complete.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


def pc1_share(matrix: Any) -> float:
    """Share of total variance explained by the first principal component (correlation matrix)."""
    complete = matrix.dropna()
    complete = complete.loc[:, complete.std(ddof=1) > 0]
    if complete.shape[1] < 2 or len(complete) < 3:
        return float("nan")
    eigenvalues = np.linalg.eigvalsh(np.corrcoef(complete.to_numpy(dtype=float), rowvar=False))
    return float(eigenvalues[-1] / eigenvalues.sum())


def _audit_group(indicators: Any, peer_group: str | None, cfg: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    min_units = int(cfg["min_units"])
    base = {"peer_group": peer_group}
    matrix = _matrix(indicators)
    dimension_of = (indicators.dropna(subset=["dimension"]).drop_duplicates("indicator")
                    .set_index("indicator")["dimension"].to_dict())
    codes = sorted(matrix.columns)
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            pair = matrix[[a, b]].dropna()
            n = len(pair)
            if n < min_units or pair[a].std() == 0 or pair[b].std() == 0:
                continue
            r = float(np.corrcoef(pair[a], pair[b])[0, 1])
            same_dim = dimension_of.get(a) == dimension_of.get(b)
            flag = "redundant" if r > REDUNDANCY_R else ("negative_within_dimension" if same_dim and r < 0 else None)
            rows.append({**base, "measure": "correlation", "dimension": dimension_of.get(a) if same_dim else None,
                         "indicator": a, "indicator_b": b, "value": r, "n": n, "flag": flag})
    for dim in sorted(set(dimension_of.values())):
        members = [c for c in codes if dimension_of.get(c) == dim]
        if len(members) >= 2:
            sub = matrix[members]
            n = len(sub.dropna())
            alpha = cronbach_alpha(sub) if n >= min_units else float("nan")
            flag = "too_few_units" if n < min_units else (f"alpha_below_{cfg['alpha_min']:g}"
                                                          if alpha < float(cfg["alpha_min"]) else None)
            rows.append({**base, "measure": "cronbach_alpha", "dimension": dim, "indicator": None,
                         "indicator_b": None, "value": alpha, "n": n, "flag": flag})
    n = len(matrix.dropna())
    enough = n >= int(cfg["pca_min_units"])
    rows.append({**base, "measure": "pc1_share", "dimension": None, "indicator": None, "indicator_b": None,
                 "value": pc1_share(matrix) if enough else float("nan"), "n": n,
                 "flag": None if enough else "too_few_units"})
    weighted = indicators[indicators["weight"] > 0]
    for code, group in weighted.groupby("indicator"):
        rows.append({**base, "measure": "effective_weight", "dimension": dimension_of.get(str(code)), "indicator": code,
                     "indicator_b": None, "value": float(group["weight"].mean()), "n": len(group), "flag": None})
    return rows


def statistical_audit(indicators: Any, min_units: int = 5, cfg: dict[str, Any] | None = None) -> Any:
    """The audit findings of one build (see the module docstring), per peer group when ``indicators`` has a
    ``peer_group`` column (units of different groups are never pooled). ``cfg``: the ``audit`` settings of
    configs/index.yaml (min_units for correlations and alpha, alpha_min, pca_min_units)."""
    import pandas as pd

    cfg = cfg or {"min_units": min_units, "alpha_min": 0.7, "pca_min_units": 10}
    rows: list[dict[str, Any]] = []
    if "peer_group" in indicators and len(indicators):
        for group, part in indicators.groupby("peer_group", sort=True):
            rows += _audit_group(part, str(group), cfg)
    else:
        rows += _audit_group(indicators, None, cfg)
    frame = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    return frame.astype({"value": "float64", "n": "int64"})
