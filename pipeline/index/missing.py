"""Why an indicator has no value for a unit: the missing-data classes of the method (spec section 4.5).

- ``reported``: a value entered the index.
- ``NA_structural``: the indicator does not apply to the body (no goalposts for its level in
  ``configs/framework.yaml``, or the body is not among the indicator's ``applies_to``: government rules
  only for provincial and prefecture governments, which have rule-making power), or it is a size-dependent
  count with no denominator for the body and year (``Framework.unsized``); a value the body reported anyway
  is not scored.
- ``NA_invalid``: a value was found but quarantined by validation.
- ``NA_unreported``: the report gave no value for it.

An applicable indicator a ranked unit did not report (or whose value was quarantined) is scored at the
lower goalpost (``build.fill_unreported``); this table makes the gaps auditable, and ``unit_profiles``
publishes them per unit with the reason.
"""

from __future__ import annotations

from typing import Any

from pipeline.ingest.bodies import BODY_COLUMNS

MISSING_COLUMNS = ["unit_key", "unit_name", *BODY_COLUMNS, "admin_level", "indicator", "dimension", "status"]


def missing_data_status(units: Any, framework: Any, panel: Any, invalid_pairs: set[tuple[str, str]]) -> Any:
    """One row per (unit, framework indicator) with its status (see the module docstring)."""
    import pandas as pd

    from pipeline.index.build import applicable as applicable_pairs

    body = units.reindex(columns=["unit_key", "admin_level", *BODY_COLUMNS])
    pairs = applicable_pairs(body, framework)
    applicable = set(zip(pairs["unit_key"], pairs["indicator"], strict=True))
    dimension_of = dict(zip(framework.indicators["indicator"], framework.indicators["dimension"], strict=True))
    reported = set(zip(panel["unit_key"], panel["indicator"], strict=True)) if len(panel) else set()
    rows = []
    for unit in units.reindex(columns=["unit_key", "unit_name", *BODY_COLUMNS, "admin_level"]).itertuples():
        for code in sorted(dimension_of):
            if (unit.unit_key, code) not in applicable:
                status = "NA_structural"
            elif (unit.unit_key, code) in reported:
                status = "reported"
            elif (unit.unit_key, code) in invalid_pairs:
                status = "NA_invalid"
            else:
                status = "NA_unreported"
            rows.append({"unit_key": unit.unit_key, "unit_name": unit.unit_name,
                         **{c: getattr(unit, c) for c in BODY_COLUMNS}, "admin_level": unit.admin_level,
                         "indicator": code, "dimension": dimension_of[code], "status": status})
    return pd.DataFrame(rows, columns=MISSING_COLUMNS)


PROFILE_COLUMNS = ["unit_key", "unit_name", "peer_group", "indicator", "dimension", "status", "scored_as", "why",
                   "derived_from", "raw_value",
                   "value_used", "normalised", "flags", "doc", "quote", "start", "end", "dimension_score", "score",
                   "rank", "rank_q05", "rank_q95", "top_decile_probability", "completeness", "not_ranked"]


WHY = {"NA_unreported": "not reported: scored at the lower goalpost",
       "NA_invalid": "value quarantined by validation: scored at the lower goalpost",
       "NA_structural": "does not apply to this body (no goalposts at its level)"}
UNSIZED_WHY = ("size-dependent count with no denominator for this body and year: published, not scored "
               "(weight 0; a raw count would reward size)")
RATIO_WHY = {"one_part": "within-report ratio not derivable ({text}): the share is unreported, scored at the lower "
                         "goalpost; a raw count reported alone is published, not scored",
             "different_reports": "within-report ratio not derivable ({text}): the share is unreported, scored at "
                                  "the lower goalpost",
             "invalid": "within-report ratio inconsistent ({text}, validation warning): not scored (weight 0)"}


def unit_profiles(scores: Any, indicators: Any, missing: Any, structural_why: dict[str, str] | None = None,
                  unsized: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset(),
                  ratio_notes: dict[tuple[str, str], tuple[str, str]] | None = None) -> Any:
    """Per unit, every framework indicator (issue 20, item 9): its status and how it was scored
    (``reported``; ``lower_goalpost`` when applicable but unreported or quarantined, normalised 0;
    ``not_applicable``), the value with its evidence (doc, quote, offsets) and flags, the unit's score of
    that dimension, and the unit's composite, rank, interval, top-decile probability, completeness and
    ``not_ranked`` reason; ``why`` says why a value is missing or not scored (``structural_why``: indicator ->
    why it does not apply, from the framework's ``applies_to``; ``unsized``: the (unit, indicator) pairs of
    size-dependent counts with no denominator, scored as ``not_size_normalised``; ``ratio_notes``: per (unit,
    ratio indicator) what ``size.derive_ratios`` found: ``derived_from`` cites the two records of a derived
    share, ``why`` says why a share could not be derived, and an inconsistent one is scored as
    ``ratio_invalid``). In: the index's scores and indicators tables and the missing-data table."""
    values = indicators[indicators["dimension"].notna()][
        ["unit_key", "indicator", "raw_value", "value_used", "normalised", "flags", "doc", "quote", "start", "end"]]
    frame = missing[["unit_key", "unit_name", "indicator", "dimension", "status"]].merge(
        values, on=["unit_key", "indicator"], how="left")
    frame["scored_as"] = frame["status"].map({"reported": "reported", "NA_unreported": "lower_goalpost",
                                              "NA_invalid": "lower_goalpost", "NA_structural": "not_applicable"})
    frame.loc[frame["scored_as"] == "lower_goalpost", "normalised"] = 0.0
    is_unsized = [(u, i) in unsized for u, i in zip(frame["unit_key"], frame["indicator"], strict=True)]
    frame.loc[is_unsized, "scored_as"] = "not_size_normalised"
    structural_why = structural_why or {}
    frame["why"] = [UNSIZED_WHY if off else None if st == "reported" else
                    (f"does not apply to this body: {structural_why[code]}" if st == "NA_structural"
                     and code in structural_why else WHY.get(st))
                    for st, code, off in zip(frame["status"], frame["indicator"], is_unsized, strict=True)]
    notes = ratio_notes or {}
    found = [notes.get((u, i)) for u, i in zip(frame["unit_key"], frame["indicator"], strict=True)]
    frame["derived_from"] = [n[1] if n and n[0] == "derived" and st == "reported" else None
                             for n, st in zip(found, frame["status"], strict=True)]
    for k, (note, st) in enumerate(zip(found, frame["status"], strict=True)):
        if note and note[0] == "invalid":
            frame.loc[k, ["scored_as", "why"]] = ["ratio_invalid", RATIO_WHY["invalid"].format(text=note[1])]
        elif note and note[0] in RATIO_WHY and st != "reported":
            frame.loc[k, "why"] = RATIO_WHY[note[0]].format(text=note[1])
    unit_cols = ["unit_key", "peer_group", "score", "rank", "rank_q05", "rank_q95", "top_decile_probability",
                 "completeness", "not_ranked"]
    frame = frame.merge(scores[[c for c in unit_cols if c in scores]], on="unit_key", how="left")
    dims = scores.set_index("unit_key")
    frame["dimension_score"] = [dims.at[u, f"dim_{d}"] if f"dim_{d}" in dims and u in dims.index else float("nan")
                                for u, d in zip(frame["unit_key"], frame["dimension"], strict=True)]
    frame["flags"] = [list(f) if isinstance(f, (list, tuple)) or hasattr(f, "tolist") else [] for f in frame["flags"]]
    return (frame.reindex(columns=PROFILE_COLUMNS).sort_values(["unit_key", "dimension", "indicator"])
            .reset_index(drop=True))
