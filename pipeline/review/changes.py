"""What the corrections moved (issue 23): the year built twice, with and without its corrections.

The index stage builds the year as usual (corrected panel, corrected documents) and, when the run has
corrections, a second time from the uncorrected panel (``extracted/baseline_panel.parquet``, passed through
the same GX panel suite) and the uncorrected documents, with the same method spec, framework and seed.
``diff_builds`` compares the two: every indicator value, score, rank and completeness that differs, and every
unit that appears or disappears, with the ids of the corrections that touch the unit. Everything else being
equal, each difference is caused by the corrections (a unit whose own values did not change can still move
when another unit of its peer group did: its row says so).
"""

from __future__ import annotations

import math
from typing import Any

from pipeline import io
from pipeline.catalog import Catalog
from pipeline.review.corrections import (
    baseline_panel_path,
    read_lineage,
    read_report,
    uncorrected_documents_path,
)

CHANGE_COLUMNS = ["unit_key", "unit_name", "peer_group", "change", "indicator", "before", "after", "delta",
                  "correction_ids", "note"]
UNIT_MEASURES = ("score", "rank", "completeness")


def changes_path(catalog: Catalog) -> Any:
    return catalog.zone("index") / "changes.parquet"


def validated_baseline(baseline: Any) -> Any:
    """The uncorrected panel through the same GX panel suite as the validate stage (rejected rows dropped)."""
    from pipeline.validate.gx_runner import run_suite
    from pipeline.validate.stage import _apply_outcomes
    from pipeline.validate.suites import read_suite

    return _apply_outcomes("panel", baseline, run_suite(read_suite("panel"), baseline))[0]


def uncorrected_build(baseline_panel: Any, uncorrected_documents: Any, cfg: dict[str, Any], year: int,
                      framework_doc: dict[str, Any]) -> tuple[Any, Any]:
    """(uncorrected panel, uncorrected documents, method spec, year, framework) -> (scores, indicators) of the
    year without its corrections, built exactly like the published one."""
    from pipeline.index.stage import accepted_units, build_index

    return build_index(validated_baseline(baseline_panel), accepted_units(uncorrected_documents), cfg, year,
                       framework_doc)


def _differs(a: Any, b: Any) -> bool:
    """Do two optional numbers differ (missing vs present counts as a difference)?"""
    a, b = _num(a), _num(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) != math.isnan(b)
    return abs(a - b) > 1e-9


def _num(v: Any) -> float:
    import pandas as pd

    return float("nan") if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else float(v)


def correction_ids_by_unit(lineage: Any, report: Any, documents: list[Any]) -> dict[str, list[str]]:
    """unit_key -> ids of the applied corrections that touch it (its records, or its documents in any of
    ``documents``: the corrected and the uncorrected documents, so a unit a correction removed is found)."""
    ids: dict[str, set[str]] = {}
    for unit, cid in zip(lineage["unit_key"], lineage["correction_id"], strict=True):
        ids.setdefault(str(unit), set()).add(str(cid))
    applied = report[(report["status"] == "applied") & (report["stage"] == "documents")]
    for frame in documents:
        unit_of = dict(zip(frame["doc"], frame["unit_key"], strict=True))
        for doc, cid in zip(applied["doc"], applied["id"], strict=True):
            unit = unit_of.get(doc)
            if isinstance(unit, str):
                ids.setdefault(unit, set()).add(str(cid))
    return {u: sorted(v) for u, v in ids.items()}


def diff_builds(before: tuple[Any, Any], after: tuple[Any, Any], ids: dict[str, list[str]]) -> Any:
    """(scores, indicators) without and with the corrections, unit -> correction ids -> the ``changes`` table:
    one row per unit that appeared or disappeared, per indicator value that differs and per score, rank or
    completeness that differs."""
    import pandas as pd

    (s0, i0), (s1, i1) = before, after
    rows: list[dict[str, Any]] = []
    name = {**dict(zip(s0["unit_key"], s0["unit_name"], strict=True)),
            **dict(zip(s1["unit_key"], s1["unit_name"], strict=True))}
    group = {**dict(zip(s0["unit_key"], s0["peer_group"], strict=True)),
             **dict(zip(s1["unit_key"], s1["peer_group"], strict=True))}

    def row(unit: str, change: str, indicator: str | None, b: Any, a: Any, note: str | None) -> None:
        b, a = _num(b), _num(a)
        mine = ids.get(unit, [])
        rows.append({"unit_key": unit, "unit_name": name.get(unit), "peer_group": group.get(unit), "change": change,
                     "indicator": indicator, "before": b, "after": a,
                     "delta": a - b if not (math.isnan(a) or math.isnan(b)) else float("nan"),
                     "correction_ids": ";".join(mine) or None,
                     "note": note or (None if mine else "moved with its peer group: another unit's values changed")})

    units0, units1 = set(s0["unit_key"]), set(s1["unit_key"])
    for unit in sorted(units1 - units0):
        row(unit, "unit_added", None, None, None, "a report accepted by a correction")
    for unit in sorted(units0 - units1):
        row(unit, "unit_removed", None, None, None, "its report was set aside by a correction")
    v0 = i0.set_index(["unit_key", "indicator"])["raw_value"].to_dict()
    v1 = i1.set_index(["unit_key", "indicator"])["raw_value"].to_dict()
    for unit, indicator in sorted(set(v0) | set(v1)):
        b, a = v0.get((unit, indicator)), v1.get((unit, indicator))
        if _differs(b, a):
            row(unit, "value", indicator, b, a, None if (unit, indicator) in v1 and (unit, indicator) in v0 else
                ("value added" if (unit, indicator) in v1 else "value removed"))
    m0, m1 = s0.set_index("unit_key"), s1.set_index("unit_key")
    for unit in sorted(units0 & units1):
        for measure in UNIT_MEASURES:
            b, a = m0.at[unit, measure], m1.at[unit, measure]
            if _differs(b, a):
                row(unit, measure, None, b, a, None)
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return frame.astype({"before": "float64", "after": "float64", "delta": "float64"}).reset_index(drop=True)


def write_changes(catalog: Catalog, scores: Any, indicators: Any, cfg: dict[str, Any],
                  framework_doc: dict[str, Any]) -> dict[str, Any] | None:
    """The index stage's hook: build the year without its corrections, write ``index/year=Y/changes.parquet``
    (empty without corrections) and return what the build log records of the corrections (None without)."""
    import pandas as pd

    from pipeline.publish.schemas import write_typed
    from pipeline.review.corrections import corrections_log

    logged = corrections_log(catalog)
    if logged is None:
        write_typed(changes_path(catalog), pd.DataFrame(columns=CHANGE_COLUMNS).astype(
            {"before": "float64", "after": "float64", "delta": "float64"}), "changes")
        return None
    changes = changes_from_files(catalog.year, baseline_panel_path(catalog), uncorrected_documents_path(catalog),
                                 catalog, (scores, indicators), cfg, framework_doc)
    write_typed(changes_path(catalog), changes, "changes")
    return {**logged, "changes": str(changes_path(catalog)), "n_changes": len(changes)}


def changes_from_files(year: int, baseline_panel: Any, uncorrected_documents: Any, catalog: Catalog,
                       corrected: tuple[Any, Any], cfg: dict[str, Any], framework_doc: dict[str, Any]) -> Any:
    """The changes table from the files the build log names (also used by ``rolindex rebuild``)."""
    uncorrected = io.read_parquet(uncorrected_documents)
    before = uncorrected_build(io.read_parquet(baseline_panel), uncorrected, cfg, year, framework_doc)
    ids = correction_ids_by_unit(read_lineage(catalog), read_report(catalog),
                                 [io.read_parquet(catalog.documents), uncorrected])
    return diff_builds(before, corrected, ids)
