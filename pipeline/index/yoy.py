"""Year-over-year comparison of two index builds: score deltas with a stable band, rank changes only
with their intervals, and breaks in the series (framework changes, new laws) from configuration.

Input: this year's scores, last year's published scores, the ``year_over_year`` settings of
``configs/index.yaml``. Output: one row per unit scored in both years.
"""

from __future__ import annotations

from typing import Any

from pipeline.ingest.bodies import BODY_COLUMNS

YOY_COLUMNS = ["unit_key", "unit_name", *BODY_COLUMNS, "admin_level", "year", "previous_year", "score", "previous_score",
               "score_delta", "score_change", "rank", "previous_rank", "rank_change", "rank_change_is_clear",
               "series_break"]


def compare_years(scores: Any, previous: Any, cfg: dict[str, Any]) -> Any:
    """``score_change`` is up/down/stable (stable: |delta| <= stable_band_points); a rank change is
    marked clear only when last year's and this year's rank intervals (q05-q95) do not overlap;
    ``series_break`` names a configured break between the two years (then deltas are not comparable)."""
    import pandas as pd

    if previous is None or previous.empty or scores.empty:
        return pd.DataFrame(columns=YOY_COLUMNS)
    year = int(scores["year"].iloc[0])
    prev_year = int(previous["year"].iloc[0])
    keep = ["unit_key", "score", "rank", "rank_q05", "rank_q95"]
    both = scores.merge(previous[keep].rename(columns={c: f"prev_{c}" for c in keep if c != "unit_key"}),
                        on="unit_key", how="inner")
    both = both[both["score"].notna() & both["prev_score"].notna()]
    band = float(cfg["stable_band_points"])
    delta = both["score"] - both["prev_score"]
    breaks = [b for b in cfg.get("breaks") or [] if prev_year < int(b["year"]) <= year]
    clear = (both["rank_q95"] < both["prev_rank_q05"]) | (both["prev_rank_q95"] < both["rank_q05"])
    frame = pd.DataFrame({
        "unit_key": both["unit_key"], "unit_name": both["unit_name"],
        **{c: both.get(c) for c in BODY_COLUMNS}, "admin_level": both["admin_level"],
        "year": year, "previous_year": prev_year, "score": both["score"], "previous_score": both["prev_score"],
        "score_delta": delta.round(10),
        "score_change": ["stable" if abs(d) <= band else ("up" if d > 0 else "down") for d in delta],
        "rank": both["rank"].astype("Int64"), "previous_rank": both["prev_rank"].astype("Int64"),
        "rank_change": (both["prev_rank"] - both["rank"]).astype("Int64"),  # positive = moved up
        "rank_change_is_clear": clear.astype(bool),
        "series_break": "; ".join(f"{b['year']}: {b['reason']}" for b in breaks) or None,
    })
    return frame[YOY_COLUMNS].sort_values(["admin_level", "unit_key"]).reset_index(drop=True)
