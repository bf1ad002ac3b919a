"""Year-over-year comparison of two index builds, like for like (issue 20, item 7).

In: this year's scores and indicators, last year's published scores and indicators, the
``year_over_year`` settings of ``configs/index.yaml`` and the framework's weights. Out: one row per unit
(same ``unit_key``) present in both years.

A unit's change is measured on the indicators *both* years report for it (``shared_indicators``), each
year's normalised values aggregated the same way (arithmetic, framework weights, over the dimensions the
shared set touches): ``score`` and ``previous_score`` are these like-for-like scores, not the composites
(which depend on what each year happened to report). The change is ``comparable`` only with the same
method version and goalposts version, no configured series break between the two years and at least one
shared indicator; otherwise ``not_comparable`` says why and there is no delta (two years scored against
different frozen goalposts, ``goalposts_version``, are a series break). A rank change is given only when the
unit is ranked in the same peer group in both years, and marked clear only when the rank intervals do not
overlap.
"""

from __future__ import annotations

from typing import Any

from pipeline.ingest.bodies import BODY_COLUMNS

YOY_COLUMNS = ["unit_key", "unit_name", *BODY_COLUMNS, "admin_level", "peer_group", "year", "previous_year",
               "shared_indicators", "score", "previous_score", "score_delta", "score_change", "rank", "previous_rank",
               "rank_change", "rank_change_is_clear", "comparable", "not_comparable", "series_break"]


def _shared_scores(now: Any, before: Any, weights: dict[str, float] | None,
                   dim_weights: dict[str, float] | None) -> Any:
    """Per unit: number of shared indicators and both years' arithmetic scores over them."""
    import pandas as pd

    from pipeline.index.build import aggregate

    keep = ["unit_key", "indicator", "dimension", "normalised"]
    a = now.loc[now["normalised"].notna(), keep]
    b = before.loc[before["normalised"].notna(), keep]
    shared = a.merge(b[["unit_key", "indicator"]], on=["unit_key", "indicator"])
    b_shared = b.merge(shared[["unit_key", "indicator"]], on=["unit_key", "indicator"])
    if shared.empty:
        return pd.DataFrame(columns=["unit_key", "shared_indicators", "score_now", "score_before"])
    s_now = aggregate(shared, "arithmetic", weights, dim_weights)[0][["unit_key", "score"]]
    s_before = aggregate(b_shared, "arithmetic", weights, dim_weights)[0][["unit_key", "score"]]
    counts = shared.groupby("unit_key")["indicator"].nunique().rename("shared_indicators").reset_index()
    return (counts.merge(s_now.rename(columns={"score": "score_now"}), on="unit_key")
            .merge(s_before.rename(columns={"score": "score_before"}), on="unit_key"))


def compare_years(scores: Any, previous: Any, cfg: dict[str, Any], indicators: Any = None,
                  previous_indicators: Any = None, weights: dict[str, float] | None = None,
                  dim_weights: dict[str, float] | None = None) -> Any:
    """The like-for-like comparison (see the module docstring); empty without a previous year."""
    import pandas as pd

    if previous is None or previous.empty or scores.empty:
        return pd.DataFrame(columns=YOY_COLUMNS)
    year = int(scores["year"].iloc[0])
    prev_year = int(previous["year"].iloc[0])
    keep = [c for c in ("unit_key", "score", "rank", "rank_q05", "rank_q95", "peer_group", "method_version",
                        "goalposts_version") if c in previous]
    both = scores.merge(previous[keep].rename(columns={c: f"prev_{c}" for c in keep if c != "unit_key"}),
                        on="unit_key", how="inner")
    if indicators is not None and previous_indicators is not None:
        shared = _shared_scores(indicators, previous_indicators, weights, dim_weights)
    else:
        shared = pd.DataFrame(columns=["unit_key", "shared_indicators", "score_now", "score_before"])
    both = both.merge(shared, on="unit_key", how="left")
    both["shared_indicators"] = both["shared_indicators"].fillna(0).astype("int64")
    band = float(cfg["stable_band_points"])
    breaks = [b for b in cfg.get("breaks") or [] if prev_year < int(b["year"]) <= year]
    series_break = "; ".join(f"{b['year']}: {b['reason']}" for b in breaks) or None
    reasons = []
    for row in both.itertuples():
        why = []
        now_v, prev_v = getattr(row, "method_version", None), getattr(row, "prev_method_version", None)
        if now_v is not None and prev_v is not None and now_v != prev_v:
            why.append(f"method version {prev_v} -> {now_v}")
        now_g, prev_g = getattr(row, "goalposts_version", None), getattr(row, "prev_goalposts_version", None)
        if isinstance(now_g, str) and isinstance(prev_g, str) and now_g != prev_g:
            why.append(f"goalposts version {prev_g} -> {now_g} (series break)")
        if series_break:
            why.append(f"series break ({series_break})")
        if row.shared_indicators == 0:
            why.append("no indicator reported in both years")
        reasons.append("; ".join(why) or None)
    comparable = pd.Series([r is None for r in reasons], index=both.index)
    delta = (both["score_now"] - both["score_before"]).where(comparable)
    same_group = (both["peer_group"] == both["prev_peer_group"]) if "prev_peer_group" in both else True
    ranked_both = both["rank"].notna() & both["prev_rank"].notna() & same_group & comparable
    clear = ((both["rank_q95"] < both["prev_rank_q05"]) | (both["prev_rank_q95"] < both["rank_q05"])) & ranked_both
    frame = pd.DataFrame({
        "unit_key": both["unit_key"], "unit_name": both["unit_name"],
        **{c: both.get(c) for c in BODY_COLUMNS}, "admin_level": both["admin_level"],
        "peer_group": both.get("peer_group"), "year": year, "previous_year": prev_year,
        "shared_indicators": both["shared_indicators"],
        "score": both["score_now"].astype(float), "previous_score": both["score_before"].astype(float),
        "score_delta": delta.astype(float).round(10),
        "score_change": [None if d != d else ("stable" if abs(d) <= band else ("up" if d > 0 else "down"))
                         for d in delta],
        "rank": both["rank"].astype("Int64"), "previous_rank": both["prev_rank"].astype("Int64"),
        "rank_change": (both["prev_rank"] - both["rank"]).where(ranked_both).astype("Int64"),  # positive = up
        "rank_change_is_clear": clear.astype(bool),
        "comparable": comparable.astype(bool), "not_comparable": reasons,
        "series_break": series_break,
    })
    return frame[YOY_COLUMNS].sort_values(["admin_level", "unit_key"]).reset_index(drop=True)
