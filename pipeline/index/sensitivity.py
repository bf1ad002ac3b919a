"""Variance-based sensitivity of the ranks (issue 20, item 6): Sobol first-order and total indices.

In: the size-normalised panel, the units (with ``peer_group``), the framework, the ``uncertainty``
settings and the ``outliers`` settings of configs/index.yaml, and the keys of the ranked units. Out: one
row per uncertain input with ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (SALib's Saltelli/Jansen
estimators, ``calc_second_order=False``: N x (d + 2) model runs for d inputs).

The uncertain inputs are the choices the Monte Carlo of ``build.uncertainty`` makes: outlier treatment,
normalisation, imputation of unreported indicators and aggregation (each a uniform choice among the
configured options; inputs with a single option are constant and left out), and the weights (one input:
an index into a pool of weight sets, each weight multiplied by U(1 - noise, 1 + noise), as COINr treats
noisy weights). The output of one run is COINr's sensitivity target: the mean absolute rank shift of the
ranked units from their nominal rank (this build's own method), ranks within peer group.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.index.build import (
    Framework,
    _group_col,
    _matrix_scores,
    _to_matrix,
    fill_unreported,
    normalise,
    rank_within_level,
    treat_outliers,
    unit_dimension_sizes,
)

SOBOL_COLUMNS = ["input", "options", "S1", "S1_conf", "ST", "ST_conf", "runs"]
WEIGHT_POOL = 64


def sobol_indices(panel: Any, units: Any, framework: Framework, cfg: dict[str, Any], outliers: dict[str, Any],
                  nominal: dict[str, str], ranked: Any, n_base: int) -> Any:
    """Sobol indices of the mean absolute rank shift (see the module docstring); ``nominal``: this build's
    ``treatment``, ``normalisation``, ``imputation`` and ``aggregation``. Empty with fewer than two ranked
    units in some group or nothing uncertain."""
    import pandas as pd
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    options = {"outlier_treatment": list(cfg.get("outlier_treatments", [outliers["treatment"]])),
               "normalisation": list(cfg["normalisations"]),
               "imputation": list(cfg.get("imputations", ["lower_goalpost"])),
               "aggregation": list(cfg["aggregations"])}
    for key, value in (("outlier_treatment", nominal["treatment"]), ("normalisation", nominal["normalisation"]),
                       ("imputation", nominal["imputation"]), ("aggregation", nominal["aggregation"])):
        if value not in options[key]:
            options[key].append(value)
    keep = units["unit_key"].isin(set(ranked)).to_numpy()
    groups = units[_group_col(units)].to_numpy(dtype=str)
    if keep.sum() < 2 or n_base < 2:
        return pd.DataFrame(columns=SOBOL_COLUMNS)
    treated = {t: treat_outliers(panel, {**outliers, "treatment": t})[0] for t in options["outlier_treatment"]}
    prepared = {}
    for t in options["outlier_treatment"]:
        for method in options["normalisation"]:
            base = normalise(treated[t], framework, method)
            for imp in options["imputation"]:
                prepared[(t, method, imp)] = _to_matrix(fill_unreported(base, units, framework, imp), units,
                                                        framework.dimensions)
    dim_size = unit_dimension_sizes(units, framework)
    rng = np.random.default_rng(int(cfg["seed"]))
    noise = float(cfg["weight_noise"])
    any_m = next(iter(prepared.values()))
    base_w = np.array([framework.weights.get(c, 1.0) for c in any_m.codes])
    base_dw = np.array([framework.dimension_weights.get(d, 1.0) for d in framework.dimensions])
    pool = [(base_w * rng.uniform(1 - noise, 1 + noise, len(base_w)),
             base_dw * rng.uniform(1 - noise, 1 + noise, len(base_dw))) for _ in range(WEIGHT_POOL)]

    def ranks(t: str, method: str, imp: str, agg: str, w: Any, dw: Any) -> Any:
        score = np.where(keep, _matrix_scores(prepared[(t, method, imp)], w, dw, agg, 0.0, dim_size), np.nan)
        frame = pd.DataFrame({"peer_group": groups, "score": score})
        return rank_within_level(frame).to_numpy(dtype=float)

    nominal_ranks = ranks(nominal["treatment"], nominal["normalisation"], nominal["imputation"],
                          nominal["aggregation"], base_w, base_dw)
    varied = [k for k, v in options.items() if len(v) > 1] + ["weights"]
    problem = {"num_vars": len(varied), "names": varied, "bounds": [[0.0, 1.0]] * len(varied)}
    sample = sobol_sample.sample(problem, int(n_base), calc_second_order=False, seed=int(cfg["seed"]))

    def pick(values: list[str], x: float) -> str:
        return values[min(int(x * len(values)), len(values) - 1)]

    outputs = np.empty(len(sample))
    fixed = {"outlier_treatment": nominal["treatment"], "normalisation": nominal["normalisation"],
             "imputation": nominal["imputation"], "aggregation": nominal["aggregation"]}
    for i, x in enumerate(sample):
        names = dict(zip(varied, x, strict=True))
        chosen = {k: pick(options[k], names[k]) if k in names else v for k, v in fixed.items()}
        w, dw = pool[min(int(names["weights"] * WEIGHT_POOL), WEIGHT_POOL - 1)]
        t, method, imp, agg = (chosen["outlier_treatment"], chosen["normalisation"], chosen["imputation"],
                               chosen["aggregation"])
        outputs[i] = float(np.nanmean(np.abs(ranks(t, method, imp, agg, w, dw) - nominal_ranks)))
    if np.nanvar(outputs) == 0:
        return pd.DataFrame([{"input": n, "options": len(options.get(n, [])) or WEIGHT_POOL, "S1": 0.0,
                              "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0, "runs": len(sample)} for n in varied],
                            columns=SOBOL_COLUMNS)
    result = sobol_analyze.analyze(problem, outputs, calc_second_order=False, seed=int(cfg["seed"]))
    return pd.DataFrame([{"input": n, "options": len(options.get(n, [])) or WEIGHT_POOL,
                          "S1": float(result["S1"][k]), "S1_conf": float(result["S1_conf"][k]),
                          "ST": float(result["ST"][k]), "ST_conf": float(result["ST_conf"][k]), "runs": len(sample)}
                         for k, n in enumerate(varied)], columns=SOBOL_COLUMNS)
