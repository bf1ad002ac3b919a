"""Statistical audit of one index build (JRC/COINr style): pure functions on DataFrames.

Input: the long ``indicators`` frame of a build (unit_key, indicator, dimension, normalised, weight).
Output: one tidy frame of audit findings, a row per measure:

- ``correlation``: Pearson r of every pair of indicators observed together in at least
  ``min_units`` units; ``flag`` = ``redundant`` (r > 0.9) or ``negative_within_dimension``.
- ``cronbach_alpha``: per dimension with at least two indicators (units with all of them observed).
- ``pc1_share``: share of variance on the first principal component of the indicator matrix
  (complete cases), overall.
- ``effective_weight``: the mean effective weight of each indicator across scored units.

Small samples give NaN rather than a number that means nothing; every row says its ``n``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

AUDIT_COLUMNS = ["measure", "dimension", "indicator", "indicator_b", "value", "n", "flag"]
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


def statistical_audit(indicators: Any, min_units: int = 5) -> Any:
    """The audit findings of one build (see the module docstring)."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
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
            rows.append({"measure": "correlation", "dimension": dimension_of.get(a) if same_dim else None,
                         "indicator": a, "indicator_b": b, "value": r, "n": n, "flag": flag})
    for dim in sorted(set(dimension_of.values())):
        members = [c for c in codes if dimension_of.get(c) == dim]
        if len(members) >= 2:
            sub = matrix[members]
            rows.append({"measure": "cronbach_alpha", "dimension": dim, "indicator": None, "indicator_b": None,
                         "value": cronbach_alpha(sub), "n": len(sub.dropna()), "flag": None})
    rows.append({"measure": "pc1_share", "dimension": None, "indicator": None, "indicator_b": None,
                 "value": pc1_share(matrix), "n": len(matrix.dropna()), "flag": None})
    weighted = indicators[indicators["weight"] > 0]
    for code, group in weighted.groupby("indicator"):
        rows.append({"measure": "effective_weight", "dimension": dimension_of.get(str(code)), "indicator": code,
                     "indicator_b": None, "value": float(group["weight"].mean()), "n": len(group), "flag": None})
    frame = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    return frame.astype({"value": "float64", "n": "int64"})
