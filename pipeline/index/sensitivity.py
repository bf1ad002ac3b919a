"""Variance-based sensitivity of the ranks (issue 20): Sobol first-order and total indices per peer group.

In: the size-normalised panel, the units (with ``peer_group``), the framework, the ``uncertainty``
settings and the ``outliers`` settings of configs/index.yaml, the nominal choices and screen, and the keys
of the ranked units. Out: one row per (peer group, uncertain input) with ``S1``, ``S1_conf``, ``ST``,
``ST_conf`` (SALib's Saltelli/Jansen estimators, ``calc_second_order=False``: N x (d + 2) model runs for d
inputs), the number of runs and of ranked units; peer group ``all`` is the same over every ranked unit.

The uncertain inputs are the choices the Monte Carlo of ``build.uncertainty`` makes: outlier treatment,
normalisation, imputation of unreported indicators, aggregation and screen level (each a uniform choice
among the configured options; inputs with a single option are constant and left out), the extraction
(one input: its lower half keeps the values as extracted, its upper half indexes a pool of drop masks, each
reported value dropped with probability 1 - its extraction confidence) and the weights (one input: an index
into a pool of weight sets, each weight multiplied by U(1 - noise, 1 + noise), as COINr treats noisy
weights). The output of one run, per peer group, is COINr's sensitivity target: the mean absolute shift of
the group's ranked units from their nominal rank (this build's own method), ranks within peer group; a unit
that falls below the run's screen counts as ranked just after the group's last.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.index.build import (
    Framework,
    _group_col,
    _matrix_scores,
    passes_screen,
    perturbed,
    prepare_draws,
    rank_in_groups,
)

SOBOL_COLUMNS = ["peer_group", "input", "options", "S1", "S1_conf", "ST", "ST_conf", "runs", "n_units"]
WEIGHT_POOL = 64


def sobol_indices(panel: Any, units: Any, framework: Framework, cfg: dict[str, Any], outliers: dict[str, Any],
                  nominal: dict[str, str], ranked: Any, n_base: int, screen: dict[str, Any] | None = None) -> Any:
    """Sobol indices of the mean absolute rank shift per peer group (see the module docstring); ``nominal``:
    this build's ``treatment``, ``normalisation``, ``imputation`` and ``aggregation``; ``screen``: its screen.
    Empty with fewer than two ranked units or nothing uncertain."""
    import pandas as pd
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    options = {"outlier_treatment": list(cfg.get("outlier_treatments", [outliers["treatment"]])),
               "normalisation": list(cfg["normalisations"]),
               "imputation": list(cfg.get("imputations", ["lower_goalpost"])),
               "aggregation": list(cfg["aggregations"])}
    fixed = {"outlier_treatment": nominal["treatment"], "normalisation": nominal["normalisation"],
             "imputation": nominal["imputation"], "aggregation": nominal["aggregation"]}
    for key, value in fixed.items():
        if value not in options[key]:
            options[key].append(value)
    keep = units["unit_key"].isin(set(ranked)).to_numpy()
    groups = units[_group_col(units)].to_numpy(dtype=str)
    group_codes = np.unique(groups, return_inverse=True)[1]
    if keep.sum() < 2 or n_base < 2:
        return pd.DataFrame(columns=SOBOL_COLUMNS)
    prep = prepare_draws(panel, units, framework, cfg, outliers, options, screen)
    if prep is None:
        return pd.DataFrame(columns=SOBOL_COLUMNS)
    rng = np.random.default_rng(int(cfg["seed"]))
    noise = float(cfg["weight_noise"])
    codes = next(iter(prep.prepared.values())).codes
    base_w = np.array([framework.weights.get(c, 1.0) for c in codes])
    base_dw = np.array([framework.dimension_weights.get(d, 1.0) for d in framework.dimensions])
    pool = [(base_w * rng.uniform(1 - noise, 1 + noise, len(base_w)),
             base_dw * rng.uniform(1 - noise, 1 + noise, len(base_dw))) for _ in range(WEIGHT_POOL)]
    extraction = list((cfg.get("extraction") or {}).get("options", ["as_extracted"]))
    masks = ([prep.reported & (rng.random(prep.reported.shape) >= prep.confidence) for _ in range(WEIGHT_POOL)]
             if "drop_by_confidence" in extraction else [])
    screens: list[Any] = list(prep.screens) or [None]

    def run(choice: dict[str, str], w: Any, dw: Any, level: Any, mask: Any) -> Any:
        m = prep.prepared[(choice["outlier_treatment"], choice["normalisation"], choice["imputation"])]
        if mask is not None:  # a dropped value is scored at the floor but still counts as disclosed
            m = perturbed(m, mask, choice["imputation"])
        ok = passes_screen(prep.reported, prep.onehot, prep.dim_size, level) if level is not None else keep
        score = np.where(ok, _matrix_scores(m, w, dw, choice["aggregation"], 0.0, prep.dim_size), np.nan)
        return rank_in_groups(score, group_codes)

    nominal_ranks = run(fixed, base_w, base_dw, screens[0], None)
    counted = keep & ~np.isnan(nominal_ranks)
    names = sorted(set(groups[counted]))
    members = {g: counted & (groups == g) for g in names}
    n_codes = int(group_codes.max()) + 1
    code_of = {g: int(group_codes[np.flatnonzero(groups == g)[0]]) for g in names}
    name_codes = np.array([code_of[g] for g in names], dtype=int)
    member_counts = np.array([members[g].sum() for g in names], dtype=float)
    varied = [k for k, v in options.items() if len(v) > 1]
    varied += ["screen"] if len(screens) > 1 else []
    varied += ["extraction"] if masks else []
    varied += ["weights"]
    problem = {"num_vars": len(varied), "names": varied, "bounds": [[0.0, 1.0]] * len(varied)}
    sample = sobol_sample.sample(problem, int(n_base), calc_second_order=False, seed=int(cfg["seed"]))

    def pick(values: list, x: float) -> Any:
        return values[min(int(x * len(values)), len(values) - 1)]

    outputs = np.empty((len(sample), len(names) + 1))
    for i, x in enumerate(sample):
        xs = dict(zip(varied, x, strict=True))
        choice = {k: pick(options[k], xs[k]) if k in xs else v for k, v in fixed.items()}
        w, dw = pick(pool, xs["weights"])
        level = pick(screens, xs["screen"]) if "screen" in xs else screens[0]
        mask = None
        if "extraction" in xs and xs["extraction"] >= 0.5:
            mask = masks[min(int((xs["extraction"] - 0.5) * 2 * len(masks)), len(masks) - 1)]
        ranks = run(choice, w, dw, level, mask)
        # below this run's screen: ranked just after the group's last ranked unit
        size = np.bincount(group_codes, weights=~np.isnan(ranks), minlength=n_codes)
        ranks = np.where(np.isnan(ranks), size[group_codes] + 1, ranks)
        shift = np.where(counted, np.abs(ranks - nominal_ranks), 0.0)
        per_code = np.bincount(group_codes, weights=shift, minlength=n_codes)
        outputs[i, :-1] = per_code[name_codes] / member_counts
        outputs[i, -1] = shift.sum() / counted.sum()
    rows = []
    for j, group in enumerate([*names, "all"]):
        n_units = int(counted.sum() if group == "all" else members[group].sum())
        y = outputs[:, j]
        if n_units < 2 or np.nanvar(y) == 0:
            result = {"S1": np.zeros(len(varied)), "S1_conf": np.zeros(len(varied)), "ST": np.zeros(len(varied)),
                      "ST_conf": np.zeros(len(varied))}
        else:
            result = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=int(cfg["seed"]))
        for k, name in enumerate(varied):
            n_options = {"screen": len(screens), "extraction": len(extraction), "weights": WEIGHT_POOL}.get(
                name, len(options.get(name, [])))
            rows.append({"peer_group": group, "input": name, "options": n_options,
                         "S1": float(result["S1"][k]), "S1_conf": float(result["S1_conf"][k]),
                         "ST": float(result["ST"][k]), "ST_conf": float(result["ST_conf"][k]),
                         "runs": len(sample), "n_units": n_units})
    return pd.DataFrame(rows, columns=SOBOL_COLUMNS)


def markdown_table(table: Any) -> str:
    """The Sobol table as a Markdown table, one row per (peer group, input), indices with their half-widths."""
    lines = ["| peer group | input | options | S1 | ST | ranked units | runs |", "|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.peer_group} | {r.input} | {r.options} | {r.S1:.2f} ± {r.S1_conf:.2f} | "
                     f"{r.ST:.2f} ± {r.ST_conf:.2f} | {r.n_units} | {r.runs} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the Sobol table of a processed year (its accepted panel and documents under ``--out``) with the
    configured method; ``--explore-screen`` adds an exploratory table with another nominal screen and one
    alternative level (not the published method: to see what would move the ranks if the screen were lower)."""
    import argparse
    import time
    from pathlib import Path

    from pipeline import io
    from pipeline.catalog import Catalog
    from pipeline.config import load_config
    from pipeline.index.stage import accepted_units, build_index, rank_sensitivity

    parser = argparse.ArgumentParser(prog="python -m pipeline.index.sensitivity", description=main.__doc__)
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--out", default="outputs", help="data root holding the processed year")
    parser.add_argument("--draws", type=int, help="Monte Carlo draws (default: configs/index.yaml)")
    parser.add_argument("--explore-screen", type=float, nargs=4, metavar=("SHARE", "DIMS", "ALT_SHARE", "ALT_DIMS"),
                        help="exploratory nominal screen (dimension_share, min_dimensions_share) and one lower level")
    args = parser.parse_args(argv)
    catalog = Catalog(Path(args.out), args.year)
    panel = io.read_parquet(catalog.accepted_panel)
    units = accepted_units(io.read_parquet(catalog.documents))
    cfg = load_config("index")
    if args.draws:
        cfg = {**cfg, "uncertainty": {**cfg["uncertainty"], "draws": args.draws}}
    runs = [("configured method", cfg)]
    if args.explore_screen:
        share, dims, alt_share, alt_dims = args.explore_screen
        runs.append((f"exploratory: screen {share:g} of each of {dims:g} of the dimensions, alternative {alt_share:g} "
                     f"of {alt_dims:g}", {**cfg, "screen": {**cfg["screen"], "dimension_share": share,
                                                              "min_dimensions_share": dims},
                                         "uncertainty": {**cfg["uncertainty"], "screens": [
                                             {"dimension_share": alt_share, "min_dimensions_share": alt_dims}]}}))
    print(f"year {args.year}: {len(units)} units, {len(panel)} panel values ({args.out})")
    for title, spec in runs:
        t0 = time.perf_counter()
        scores, _ = build_index(panel, units, spec, args.year)
        t1 = time.perf_counter()
        table = rank_sensitivity(panel, scores, spec, args.year, units=units)
        t2 = time.perf_counter()
        ranked = scores[scores["rank"].notna()]
        print(f"\n## {title}\n\n{len(ranked)} of {len(scores)} units ranked in "
              f"{ranked['peer_group'].nunique()} peer groups; build with Monte Carlo {t1 - t0:.1f} s, Sobol {t2 - t1:.1f} s")
        if table.empty:
            print("no Sobol table: fewer than two ranked units")
            continue
        groups = table[table["n_units"] >= 2]
        varying = groups.groupby("peer_group")["ST"].apply(lambda s: bool((s.abs() > 0).any()))
        print(f"{int(varying.sum())} of {len(varying)} peer groups with two or more ranked units have rank variance; "
              "the pooled row (all) and the largest peer groups:\n")
        largest = table.drop_duplicates("peer_group").nlargest(4, "n_units")["peer_group"]
        print(markdown_table(table[table["peer_group"].isin(set(largest) | {"all"})]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
