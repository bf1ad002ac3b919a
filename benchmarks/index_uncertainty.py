"""Benchmark the index build and its Monte Carlo uncertainty analysis at national scale.

Usage (from the project root):

    uv run python benchmarks/index_uncertainty.py [--units 3000] [--draws 500] [--seed 7]

Makes a seeded synthetic panel: ``--units`` county-level units, a value for every indicator of the
38-indicator catalogue drawn uniformly inside its plausible county range (about 15 % left missing),
then times ``uncertainty`` (the Monte Carlo) and the Sobol indices of the rank shift with the method
settings of configs/index.yaml (draws overridden by ``--draws``); the Monte Carlo ranks all units, the Sobol
analysis the units that pass each run's screen level (the screen is one of its inputs). Prints
wall time, peak RSS and the Sobol table.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pandas as pd

from pipeline.config import load_config
from pipeline.extract.catalogue import load_catalogue
from pipeline.index.build import load_framework, uncertainty
from pipeline.index.sensitivity import sobol_indices


def synthetic_panel(n_units: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for ind in load_catalogue().indicators:
        bounds = ind.ranges.get("county")
        lo, hi = bounds if bounds else (0.0, 1.0)
        values = rng.uniform(lo, hi, n_units)
        present = rng.random(n_units) > 0.15
        for u in np.flatnonzero(present):
            rows.append({"unit_key": f"U{u:05d}", "admin_level": "county", "indicator": ind.code,
                         "value": float(values[u])})
    panel = pd.DataFrame(rows)
    units = pd.DataFrame({"unit_key": [f"U{u:05d}" for u in range(n_units)], "unit_name": "x", "admin_level": "county",
                          "peer_group": "county"})
    return panel, units


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    cfg = load_config("index")
    panel, units = synthetic_panel(args.units, args.seed)
    framework = load_framework(2022)
    print(f"panel: {args.units} units x {panel['indicator'].nunique()} indicators = {len(panel)} values "
          f"({framework.indicators['indicator'].nunique()} scored); draws {args.draws}")
    t0 = time.perf_counter()
    intervals = uncertainty(panel, units, framework, {**cfg["uncertainty"], "draws": args.draws}, cfg["outliers"])
    seconds = time.perf_counter() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"uncertainty: {seconds:.1f} s ({seconds / args.draws * 1000:.1f} ms per draw), peak RSS {peak_mib:.0f} MiB, "
          f"{len(intervals)} units with intervals")
    n_base = int(cfg["uncertainty"].get("sobol_base_samples", 0))
    if n_base:
        nominal = {"treatment": cfg["outliers"]["treatment"], "normalisation": cfg["normalisation"],
                   "imputation": cfg["screen"]["unreported"], "aggregation": cfg["aggregation"]}
        t0 = time.perf_counter()
        sobol = sobol_indices(panel, units, framework, cfg["uncertainty"], cfg["outliers"], nominal,
                              units["unit_key"], n_base, screen=cfg["screen"])
        seconds_sobol = time.perf_counter() - t0
        print(f"sobol: {seconds_sobol:.1f} s for {int(sobol['runs'].iloc[0])} runs; Monte Carlo + Sobol "
              f"{seconds + seconds_sobol:.1f} s")
        print(sobol.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
