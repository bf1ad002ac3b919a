"""Charts as functions that return matplotlib Figures; the publish stage saves them."""

from __future__ import annotations

from typing import Any

from pipeline.publish.style import use_house_style

LEVEL_ZH = {"province": "省级", "prefecture": "地市级", "county": "县级", "department": "部门"}


def ranked_bar(scores: Any, level: str, year: int, method_version: str) -> Any:
    """Horizontal bars of composite scores for one admin level, best first, with rank intervals."""
    use_house_style()
    import matplotlib.pyplot as plt

    data = scores[(scores["admin_level"] == level) & scores["score"].notna()].sort_values("score")
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.45 * max(len(data), 1)))
    labels = [f"{name}  (名次 {int(r)}，区间 {int(lo)}–{int(hi)})" for name, r, lo, hi in
              zip(data["unit_name"], data["rank"], data["rank_q05"], data["rank_q95"], strict=True)]
    ax.barh(labels, data["score"], color="#3b6ea5")
    for y, score in enumerate(data["score"]):
        ax.text(score + 1, y, f"{score:.1f}", va="center", fontsize=9)
    ax.set_xlim(0, 110)
    ax.set_xlabel("综合得分 (0–100)")
    ax.set_title(f"{year}年法治政府建设指数 · {LEVEL_ZH.get(level, level)}排名")
    fig.text(0.01, 0.01, f"来源: rolindex，依据各单位法治政府建设年度报告；方法版本 {method_version}",
             fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig
