"""The review queue (issue 23): the published values an auditor should check first.

Every value that enters the index (a row of the published ``indicators`` with a raw value) gets

- an **impact**: what removing it would do. A removed value is scored at the lower goalpost (no reward for
  silence), so the composite loses ``weight x normalised`` points (``score_impact``; exact for the arithmetic
  mean the nominal build uses). When the unit is ranked in a peer group of at least
  ``impact.min_ranked_for_rank_impact`` ranked units, the impact is the rank change that loss causes against
  the group's published scores (``rank_impact``, basis ``rank``); otherwise (few or no ranked units, as in the
  sample years) it is the score change in rank-equivalents, ``score_impact / impact.score_points_per_rank``
  (basis ``score``).
- a **doubt** from the extractor's own signals (``configs/review.yaml``): a low mapping score, other values
  for the same unit and indicator, a value outside the catalogue's plausible range, a validation warning, a
  role that is not a plain flow, an inexact qualifier; combined as 1 - prod(1 - d_i), never below
  ``doubt.floor``. A value a reviewer already corrected or added keeps the floor.

``priority = impact x doubt``; the queue is sorted by it (then by score impact). Each row carries its quote,
a context window of the clean text (the value in 【】), the extraction rule and a ready-made ``set_record``
correction row (YAML) to fill in.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

QUEUE_COLUMNS = ["queue_rank", "unit_key", "unit_name", "peer_group", "indicator", "value", "unit", "origin",
                 "doc", "sha256", "start", "end", "quote", "context", "rule_id", "frame_rule", "role", "qualifier",
                 "confidence", "doubt", "doubt_reasons", "weight", "normalised", "score_impact", "rank_impact",
                 "impact_basis", "impact", "priority", "correction"]


def _nan(v: Any) -> bool:
    try:
        return v is None or v != v
    except (TypeError, ValueError):
        return False


def doubt_of(row: dict[str, Any], n_values: int, plausible: tuple[float, float] | None,
             cfg: dict[str, Any]) -> tuple[float, list[str]]:
    """(doubt in [floor, 1], its reasons) of one published value, from its extraction record's signals."""
    d = cfg["doubt"]
    if row.get("origin") in ("corrected", "added"):
        return float(d["floor"]), ["reviewed"]
    parts: list[tuple[float, str]] = []
    confidence: Any = row.get("confidence")
    if not _nan(confidence) and float(confidence) < d["confident_score"]:
        parts.append((1 - float(confidence) / d["confident_score"], f"low_confidence:{float(confidence):g}"))
    if n_values > 1:
        parts.append((d["conflicting_values"], f"conflicting_values:{n_values}"))
    value: Any = row.get("raw_value")
    if plausible is not None and not _nan(value) and not plausible[0] <= float(value) <= plausible[1]:
        parts.append((d["outside_range"], f"outside_range:{plausible[0]:g}-{plausible[1]:g}"))
    raw_flags = row.get("flags")
    flags = [f for f in (list(raw_flags) if raw_flags is not None else [])
             if not str(f).startswith(("outlier_", "not_size", "not_applicable"))]
    if flags:
        parts.append((d["validation_flag"], "validation_flag:" + ",".join(map(str, flags))))
    role = row.get("role")
    if isinstance(role, str) and role != "flow":
        parts.append((d["unusual_role"], f"role:{role}"))
    qualifier = row.get("qualifier")
    if isinstance(qualifier, str) and qualifier in ("at_least", "approx", "at_most"):
        parts.append((d["inexact_qualifier"], f"qualifier:{qualifier}"))
    keep = 1.0
    for share, _ in parts:
        keep *= 1 - min(max(share, 0.0), 1.0)
    return max(1 - keep, float(d["floor"])), [reason for _, reason in parts]


def rank_impacts(rows: Any, scores: Any, min_ranked: int) -> list[float | None]:
    """For each value (unit_key, score_impact): how many places its unit would fall in its peer group if the
    value were removed, against the group's published scores; None when the unit is not ranked or its group
    has fewer than ``min_ranked`` ranked units."""
    ranked = scores[scores["score"].notna() & scores["rank"].notna()]
    groups = {g: list(frame["score"].astype(float)) for g, frame in ranked.groupby("peer_group")}
    score_of = dict(zip(ranked["unit_key"], ranked["score"].astype(float), strict=True))
    group_of = dict(zip(ranked["unit_key"], ranked["peer_group"], strict=True))
    out: list[float | None] = []
    for unit, loss in zip(rows["unit_key"], rows["score_impact"], strict=True):
        group = group_of.get(unit)
        if group is None or len(groups[group]) < min_ranked:
            out.append(None)
            continue
        own = score_of[unit]
        others = list(groups[group])
        others.remove(own)
        before = sum(s > own for s in others)
        after = sum(s > own - float(loss) for s in others)
        out.append(float(after - before))
    return out


def _line_window(text: str, start: int, end: int, width: int) -> str:
    """``width`` characters each side of [start, end), not crossing a line break."""
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    right = len(text) if right < 0 else right
    return text[max(left, start - width):min(right, end + width)]


def correction_template(row: dict[str, Any], text: str | None, width: int) -> str:
    """A ready-made ``set_record`` row (YAML) for this value: anchor filled in, reviewer/reason/date empty."""
    import yaml

    start, end = int(row["start"]), int(row["end"])
    quote = _line_window(text, start, end, width) if text else str(row.get("quote") or "")[:60]
    entry = {"id": f"{row['unit_key']}.{row['indicator']}"[:64], "action": "set_record",
             "document": row.get("sha256"), "quote": quote, "start": start,
             # the anchor matches the record as extracted: a corrected value is matched by its original
             "match": {"value": float(row["original_value"] if row.get("origin") == "corrected"
                                      else row["raw_value"]),
                       "indicator": row["original_indicator"] if row.get("origin") == "corrected"
                       and isinstance(row.get("original_indicator"), str) else row["indicator"]},
             "set": {"value": float(row["raw_value"])}, "reviewer": "", "reason": "", "date": ""}
    return str(yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=1000))


def review_queue(indicators: Any, scores: Any, records: Any, text_of: Callable[[str], str | None],
                 cfg: dict[str, Any]) -> Any:
    """(published indicators with lineage, scores, validated records, doc -> clean text, configs/review.yaml)
    -> the review queue, one row per value in the index, highest priority first."""
    import pandas as pd

    from pipeline.extract.catalogue import load_catalogue

    values = indicators[indicators["raw_value"].notna()].reset_index(drop=True)
    if values.empty:
        return _typed(pd.DataFrame(columns=QUEUE_COLUMNS))
    signals = records[["doc", "start", "indicator", "score", "role", "rule_id", "frame_rule"]].drop_duplicates(
        ["doc", "start", "indicator"]).rename(columns={"score": "confidence"})
    values = values.merge(signals.astype({"start": values["start"].dtype}), on=["doc", "start", "indicator"],
                          how="left")
    actual = records[(records["scope"] == "actual") & records["indicator"].notna()]
    n_values = actual.groupby(["unit_key", "indicator"])["value"].nunique().to_dict()
    by_code = load_catalogue().by_code()
    group_of = dict(zip(scores["unit_key"], scores["peer_group"], strict=True))
    values = values.assign(peer_group=values["unit_key"].map(group_of),
                           score_impact=(values["weight"].fillna(0.0) * values["normalised"].fillna(0.0)))
    values["rank_impact"] = rank_impacts(values, scores, int(cfg["impact"]["min_ranked_for_rank_impact"]))
    texts: dict[str, str | None] = {}
    rows = []
    for row in values.to_dict("records"):
        indicator = by_code.get(row["indicator"])
        plausible = indicator.ranges.get(row.get("admin_level") or "") if indicator else None
        doubt, reasons = doubt_of(row, int(n_values.get((row["unit_key"], row["indicator"]), 1)), plausible, cfg)
        if row["doc"] not in texts:
            texts[row["doc"]] = text_of(row["doc"])
        text = texts[row["doc"]]
        start, end, width = int(row["start"]), int(row["end"]), int(cfg["context_chars"])
        context = (text[max(0, start - width):start] + "【" + text[start:end] + "】" + text[end:end + width]
                   if text else None)
        basis = "score" if _nan(row["rank_impact"]) else "rank"
        impact = (float(row["score_impact"]) / float(cfg["impact"]["score_points_per_rank"]) if basis == "score"
                  else float(row["rank_impact"]))
        rows.append({**row, "value": row["raw_value"], "doubt": doubt, "doubt_reasons": reasons, "context": context,
                     "impact_basis": basis, "impact": impact, "priority": impact * doubt,
                     "correction": correction_template(row, text, int(cfg["quote_window"]))})
    queue = pd.DataFrame(rows)
    queue = queue.sort_values(["priority", "score_impact", "doubt", "unit_key", "indicator"],
                              ascending=[False, False, False, True, True], kind="stable").reset_index(drop=True)
    queue["queue_rank"] = range(1, len(queue) + 1)
    return _typed(queue.reindex(columns=QUEUE_COLUMNS))


def _typed(queue: Any) -> Any:
    floats = ["value", "confidence", "doubt", "weight", "normalised", "score_impact", "rank_impact", "impact",
              "priority"]
    return queue.astype({**dict.fromkeys(floats, "float64"), "queue_rank": "int64", "start": "int64",
                         "end": "int64"})


def explained_share(queue: Any, top: int) -> float:
    """Share of the queue's total impact (rank positions, or rank-equivalent score points) that its top
    ``top`` rows carry: how much of what removal could move the first rows of the queue cover."""
    total = float(queue["impact"].abs().sum())
    return float(queue["impact"].abs().head(top).sum()) / total if total else 0.0


def queue_section(queue: Any, rows: int) -> str:
    """The validation report's review-queue section (HTML, everything escaped)."""
    parts = ["<h2 id='review-queue'>Review queue</h2>",
             "<p>The values an auditor should check first: priority = the impact of removing the value (rank "
             "places in its peer group, or the composite-score change in rank-equivalents when the group ranks few "
             "units) &times; the extractor's doubt (low mapping score, other values for the same indicator, outside "
             "the plausible range, a validation warning, an unusual role or qualifier). Each row has a ready-made "
             "correction in <code>review_queue.parquet</code> (column <code>correction</code>; docs/review.md). "
             f"Top {min(rows, len(queue))} of {len(queue)} values; they carry "
             f"{explained_share(queue, rows):.0%} of the total impact.</p>"]
    if queue.empty:
        parts.append("<p>No value enters the index.</p>")
        return "\n".join(parts)
    head = ["#", "unit", "indicator", "value", "doubt", "why", "impact", "priority", "evidence"]
    body = []
    for r in queue.head(rows).itertuples():
        reasons = ", ".join(r.doubt_reasons) if isinstance(r.doubt_reasons, list) else ""
        cells = [r.queue_rank, r.unit_name or r.unit_key, r.indicator, f"{r.value:g} {r.unit or ''}",
                 f"{r.doubt:.2f}", reasons, f"{r.impact:.2f} ({r.impact_basis})", f"{r.priority:.3f}",
                 r.context or r.quote or ""]
        body.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    parts.append("<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
                 + "".join(body) + "</tbody></table>")
    return "\n".join(parts)
