"""Size normalisation (spec section 4.3): counts per 10k residents or per government agency.

The reference table ``configs/reference/denominators.csv`` (columns unit_key, year, residents_10k,
agencies, source; one row per unit and year, from statistical yearbooks and 三定 lists) gives the
denominators; an indicator whose framework entry has ``denominator: per_10k_residents`` or
``per_agency`` *and* ``goalposts_per_denominator`` for the unit's level is divided by the unit's
denominator and scored against those goalposts. Otherwise the raw count is scored against the raw
goalposts and the row is flagged ``not_size_normalised`` (the table ships empty: fill it per year).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pipeline.config import ConfigError
from pipeline.settings import CONFIG_DIR

REFERENCE = CONFIG_DIR / "reference" / "denominators.csv"
REFERENCE_COLUMNS = ["unit_key", "year", "residents_10k", "agencies", "source"]
DENOMINATOR_COLUMN = {"per_10k_residents": "residents_10k", "per_agency": "agencies"}


def load_denominators(path: Path = REFERENCE) -> dict[tuple[str, int], dict[str, float | None]]:
    """(unit_key, year) -> {'residents_10k': x, 'agencies': y}; checks columns and numbers."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != REFERENCE_COLUMNS:
            raise ConfigError(f"{path}: columns must be {REFERENCE_COLUMNS}, got {reader.fieldnames}")
        table: dict[tuple[str, int], dict[str, float | None]] = {}
        for line, row in enumerate(reader, start=2):
            try:
                key = (row["unit_key"].strip(), int(row["year"]))
                values = {c: (float(row[c]) if row[c].strip() else None) for c in ("residents_10k", "agencies")}
            except ValueError as exc:
                raise ConfigError(f"{path}:{line}: {exc}") from exc
            if any(v is not None and v <= 0 for v in values.values()):
                raise ConfigError(f"{path}:{line}: denominators must be positive")
            if key in table:
                raise ConfigError(f"{path}:{line}: duplicate row for {key}")
            table[key] = values
    return table


def size_normalise(panel: Any, framework_doc: dict[str, Any], denominators: dict[tuple[str, int], Any],
                   year: int) -> Any:
    """Panel with ``value`` divided where possible, per-row goalposts (``lo``/``hi``) for those rows,
    and ``size_flag`` (``per_10k_residents`` / ``per_agency`` / ``not_size_normalised`` / None)."""
    entries = {i["code"]: i for i in framework_doc["indicators"]}
    values, los, his, flags = [], [], [], []
    for row in panel.itertuples():
        entry = entries.get(row.indicator)
        kind = entry["denominator"] if entry else "none"
        value, lo, hi, flag = float(row.value), None, None, None
        if entry is not None and kind in DENOMINATOR_COLUMN:
            denominator = (denominators.get((str(row.unit_key), year)) or {}).get(DENOMINATOR_COLUMN[kind])
            goalposts = (entry.get("goalposts_per_denominator") or {}).get(row.admin_level)
            if denominator and goalposts:
                value, (lo, hi), flag = value / denominator, goalposts, kind
            else:
                flag = "not_size_normalised"
        values.append(value)
        los.append(lo)
        his.append(hi)
        flags.append(flag)
    return panel.assign(value=values, lo_override=los, hi_override=his, size_flag=flags)
