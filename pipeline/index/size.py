"""Size normalisation (spec section 4.3): counts per 10k residents or per government agency.

The reference table ``configs/reference/denominators.csv`` (columns unit_key, year, residents_10k,
agencies, source; one row per unit and year, from statistical yearbooks and 三定 lists) gives the
denominators; an indicator whose framework entry has ``denominator: per_10k_residents`` or
``per_agency`` *and* ``goalposts_per_denominator`` for the unit's level is divided by the unit's
denominator and scored against those goalposts. Otherwise (and always for ``per_case``, which needs a
within-report ratio the catalogue does not have yet) the row is flagged ``not_size_normalised`` and the
(unit, indicator) is not scored (``unsized_pairs``; issue 20 item 3: no raw count in the composite): the
value is published with weight 0 and the pair leaves the screen's and completeness's denominators, as if
the indicator did not apply to that body in that year. Effort counts (``denominator: none``) are scored raw.
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


def _sized(entry: dict[str, Any] | None, unit_key: str, level: str, denominators: dict[tuple[str, int], Any],
           year: int) -> tuple[float, list[float]] | None:
    """(denominator, goalposts) when a size-dependent count can be divided for this unit and year, else None."""
    if not entry:
        return None
    column = DENOMINATOR_COLUMN.get(entry["denominator"])
    if column is None:
        return None
    denominator = (denominators.get((str(unit_key), year)) or {}).get(column)
    goalposts = (entry.get("goalposts_per_denominator") or {}).get(level)
    return (denominator, goalposts) if denominator and goalposts else None


def size_dependent(entry: dict[str, Any] | None) -> bool:
    """Whether a framework entry is a count whose value grows with the body's size (declared denominator)."""
    return entry is not None and entry.get("denominator", "none") != "none"


def unsized_pairs(units: Any, framework_doc: dict[str, Any], denominators: dict[tuple[str, int], Any],
                  year: int) -> frozenset[tuple[str, str]]:
    """The (unit_key, indicator) pairs not scored in ``year``: a size-dependent count (declared denominator)
    with no denominator row or no per-denominator goalposts for that unit and level. In: units (unit_key,
    admin_level), the framework document, the denominator table, the year. Independent of what was reported,
    so withholding a value never changes which pairs count."""
    entries = [i for i in framework_doc["indicators"] if size_dependent(i)]
    return frozenset((str(u), e["code"]) for u, level in zip(units["unit_key"], units["admin_level"], strict=True)
                     for e in entries if _sized(e, u, level, denominators, year) is None)


def size_normalise(panel: Any, framework_doc: dict[str, Any], denominators: dict[tuple[str, int], Any],
                   year: int) -> Any:
    """Panel with ``value`` divided where possible, per-row goalposts (``lo``/``hi``) for those rows,
    and ``size_flag`` (``per_10k_residents`` / ``per_agency`` / ``not_size_normalised`` for a size-dependent
    count that cannot be divided, ``per_case`` included / None for effort counts and rates)."""
    entries = {i["code"]: i for i in framework_doc["indicators"]}
    values, los, his, flags = [], [], [], []
    for row in panel.itertuples():
        entry = entries.get(row.indicator)
        kind = entry["denominator"] if entry else "none"
        value, lo, hi, flag = float(row.value), None, None, None
        if size_dependent(entry):
            found = _sized(entry, row.unit_key, row.admin_level, denominators, year)
            if found is not None:
                (denominator, (lo, hi)), flag = found, kind
                value = value / denominator
            else:
                flag = "not_size_normalised"
        values.append(value)
        los.append(lo)
        his.append(hi)
        flags.append(flag)
    return panel.assign(value=values, lo_override=los, hi_override=his, size_flag=flags)
