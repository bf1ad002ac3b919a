"""Size normalisation (spec section 4.3): within-report ratios, counts per 10k residents or per agency.

Within-report ratios (method 0.6.0, the issue's default intensity): a framework entry with
``denominator: per_case`` declares ``ratio: {numerator, denominator}`` (catalogue codes). ``derive_ratios``
computes the share 100 x numerator / denominator when both values come from the same unit's own report
and year (the panel holds only scope ``actual`` values; the same ``doc``), the denominator is positive and the
numerator does not exceed it; the share replaces the raw count under the entry's code (flag
``within_report_ratio``) and cites both records (``ratio_of``). Parts in one report but inconsistent
(denominator 0, numerator above the denominator): not scored, with the reason (``ratio_invalid``), and left
out of the screen's denominators like a count without a denominator. Otherwise (one part, none, or the parts
in different reports) the share is unreported: the pair is scored at the lower goalpost like any unreported
value, so withholding the numerator or the denominator never helps; a raw count reported alone is
published unscored (``not_size_normalised``).

The reference table ``configs/reference/denominators.csv`` (columns unit_key, year, residents_10k,
agencies, source; one row per unit and year, from statistical yearbooks and 三定 lists) gives the
denominators; an indicator whose framework entry has ``denominator: per_10k_residents`` or
``per_agency`` *and* ``goalposts_per_denominator`` for the unit's level is divided by the unit's
denominator and scored against those goalposts. Otherwise the row is flagged ``not_size_normalised`` and the
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


PerGoalposts = Any  # callable (unit_key, indicator) -> (lo, hi) per denominator from the frozen file, or None


def denominators_path(cfg: dict[str, Any] | None) -> Path:
    """The denominator table named by ``denominators.file`` of configs/index.yaml (relative to configs/; a
    user's CSV with the columns of ``REFERENCE_COLUMNS``), the shipped empty table by default."""
    name = ((cfg or {}).get("denominators") or {}).get("file")
    if not name:
        return REFERENCE
    path = Path(name)
    return path if path.is_absolute() else CONFIG_DIR / path


def _sized(entry: dict[str, Any] | None, unit_key: str, level: str, denominators: dict[tuple[str, int], Any],
           year: int, frozen: PerGoalposts = None, divide_all: bool = False) -> tuple[float, Any] | None:
    """(denominator, goalposts) when a size-dependent count can be divided for this unit and year, else None.
    Goalposts: the frozen file's per-denominator entry for the unit's peer group (``frozen``), else the
    framework's ``goalposts_per_denominator`` for its level; ``divide_all`` (calibration on a base year):
    divided whenever the unit has a denominator, goalposts or not (then None)."""
    if not entry:
        return None
    column = DENOMINATOR_COLUMN.get(entry["denominator"])
    if column is None:
        return None
    denominator = (denominators.get((str(unit_key), year)) or {}).get(column)
    goalposts = (frozen(str(unit_key), entry["code"]) if frozen else None) \
        or (entry.get("goalposts_per_denominator") or {}).get(level)
    return (denominator, goalposts) if denominator and (goalposts or divide_all) else None


def size_dependent(entry: dict[str, Any] | None) -> bool:
    """Whether a framework entry is a count whose value grows with the body's size and that needs a denominator
    row (``per_10k_residents`` / ``per_agency``); a within-report ratio (``per_case``) carries its own."""
    return entry is not None and entry.get("denominator", "none") not in ("none", "per_case")


RATIO_COLUMNS = ["ratio_of", "ratio_invalid"]


def _evidence(code: str, row: Any) -> str:
    """One part of a ratio as cited in ``ratio_of``: code, value, unit and where the record is."""
    unit = row.get("unit")
    unit = f" {unit}" if isinstance(unit, str) and unit else ""
    return f"{code} {float(row['value']):g}{unit} ({row['doc']} {int(row['start'])}-{int(row['end'])})"


def derive_ratios(panel: Any, framework_doc: dict[str, Any]) -> tuple[Any, dict[tuple[str, str], tuple[str, str]]]:
    """The panel with each framework ratio derived where possible (see the module docstring), and per
    (unit_key, ratio indicator) with at least one part reported: (status, text), status ``derived``,
    ``invalid`` (the text is the reason: ``denominator_zero`` / ``numerator_exceeds_denominator``),
    ``one_part`` or ``different_reports``.

    In: the validated panel (unit_key, indicator, value, unit, doc, start, end, year ...). Out: the same rows,
    except that a derived share replaces the entry's raw row (or is added when the numerator is another
    code), with columns ``ratio_of`` (the two records cited, None elsewhere) and ``ratio_invalid`` (the
    reason on the raw row of an inconsistent pair, None elsewhere)."""
    import pandas as pd

    out = panel.assign(ratio_of=None, ratio_invalid=None) if len(panel) else panel.reindex(
        columns=[*panel.columns, *RATIO_COLUMNS])
    notes: dict[tuple[str, str], tuple[str, str]] = {}
    entries = [i for i in framework_doc["indicators"] if i.get("ratio")]
    if not entries or panel.empty:
        return out, notes
    by_pair = {(str(u), str(i)): k for k, (u, i) in enumerate(zip(out["unit_key"], out["indicator"], strict=True))}
    records = out.to_dict("records")
    drop: set[int] = set()
    added = []
    for entry in entries:
        code, num_code, den_code = entry["code"], entry["ratio"]["numerator"], entry["ratio"]["denominator"]
        units = {u for (u, i) in by_pair if i in (num_code, den_code)}
        for unit in sorted(units):
            num_k, den_k = by_pair.get((unit, num_code)), by_pair.get((unit, den_code))
            if num_k is None or den_k is None:
                missing = den_code if num_k is not None else num_code
                notes[(unit, code)] = ("one_part", f"{missing} not reported")
                continue
            num, den = records[num_k], records[den_k]
            if num["doc"] != den["doc"] or num.get("year") != den.get("year"):
                notes[(unit, code)] = ("different_reports", f"{num_code} and {den_code} come from different reports")
                continue
            reason = ("denominator_zero" if not float(den["value"]) > 0 else
                      "numerator_exceeds_denominator" if float(num["value"]) > float(den["value"]) else None)
            own = by_pair.get((unit, code))
            if reason is not None:
                notes[(unit, code)] = ("invalid", reason)
                if own is not None:
                    records[own]["ratio_invalid"] = reason
                continue
            cited = f"{_evidence(num_code, num)} / {_evidence(den_code, den)}"
            notes[(unit, code)] = ("derived", cited)
            share = {**num, "indicator": code, "value": round(100.0 * float(num["value"]) / float(den["value"]), 10),
                     "unit": "%", "ratio_of": cited, "ratio_invalid": None}
            if own is not None:
                drop.add(own)
            added.append(share)
    kept = [r for k, r in enumerate(records) if k not in drop]
    return pd.DataFrame(kept + added, columns=list(out.columns)), notes


def invalid_ratio_pairs(notes: dict[tuple[str, str], tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """The (unit_key, indicator) pairs whose within-report ratio is inconsistent: not scored this year."""
    return frozenset(pair for pair, (status, _text) in notes.items() if status == "invalid")


def unsized_pairs(units: Any, framework_doc: dict[str, Any], denominators: dict[tuple[str, int], Any],
                  year: int, frozen: PerGoalposts = None) -> frozenset[tuple[str, str]]:
    """The (unit_key, indicator) pairs not scored in ``year``: a size-dependent count (declared denominator)
    with no denominator row or no per-denominator goalposts for that unit and level. In: units (unit_key,
    admin_level), the framework document, the denominator table, the year. Independent of what was reported,
    so withholding a value never changes which pairs count."""
    entries = [i for i in framework_doc["indicators"] if size_dependent(i)]
    return frozenset((str(u), e["code"]) for u, level in zip(units["unit_key"], units["admin_level"], strict=True)
                     for e in entries if _sized(e, u, level, denominators, year, frozen) is None)


def size_normalise(panel: Any, framework_doc: dict[str, Any], denominators: dict[tuple[str, int], Any],
                   year: int, frozen: PerGoalposts = None, divide_all: bool = False) -> Any:
    """Panel with ``value`` divided where possible, per-row goalposts (``lo``/``hi``) for those rows,
    and ``size_flag`` (``per_10k_residents`` / ``per_agency`` / ``within_report_ratio`` for a share derived by
    ``derive_ratios`` / ``not_size_normalised`` for a size-dependent count that cannot be divided and for the
    raw count of a ratio entry / None for effort counts and rates)."""
    entries = {i["code"]: i for i in framework_doc["indicators"]}
    values, los, his, flags = [], [], [], []
    derived = panel["ratio_of"].tolist() if "ratio_of" in panel else [None] * len(panel)
    for row, cited in zip(panel.itertuples(), derived, strict=True):
        entry = entries.get(row.indicator)
        kind = entry["denominator"] if entry else "none"
        value, lo, hi, flag = float(row.value), None, None, None
        if entry is not None and entry.get("ratio"):
            flag = "within_report_ratio" if isinstance(cited, str) else "not_size_normalised"
        elif size_dependent(entry):
            found = _sized(entry, row.unit_key, row.admin_level, denominators, year, frozen, divide_all)
            if found is not None:
                (denominator, posts), flag = found, kind
                lo, hi = posts if posts else (None, None)
                value = value / denominator
            else:
                flag = "not_size_normalised"
        values.append(value)
        los.append(lo)
        his.append(hi)
        flags.append(flag)
    return panel.assign(value=values, lo_override=los, hi_override=his, size_flag=flags)
