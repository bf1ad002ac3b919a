"""Charts as functions that return matplotlib Figures; ``save_chart`` writes PNG and SVG.

Every chart has a title, axis units, a source line and the method version. The CJK font comes from
the project's dependencies (``pipeline.publish.style``), never from the system.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline import io
from pipeline.publish.style import use_house_style

LEVEL_ZH = {"province": "省级", "prefecture": "地市级", "county": "县级", "department": "部门"}
BAR_COLOUR = "#3b6ea5"
MAX_UNITS_SHOWN = 40


def _source_line(fig: Any, method_version: str) -> None:
    fig.text(0.01, 0.01, f"来源: rolindex，依据各单位法治政府建设年度报告；方法版本 {method_version}",
             fontsize=7, color="#555555")


def ranked_bar(scores: Any, level: str, year: int, method_version: str) -> Any:
    """Scores of one peer group (``level``: a ``peer_group`` code, or an admin level for scores without
    peer groups) as bars (best on top), beside each unit's rank with its 5–95 % interval."""
    use_house_style()
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from pipeline.index.peers import peer_group_label

    group = "peer_group" if "peer_group" in scores else "admin_level"
    caption = peer_group_label(level) if group == "peer_group" else LEVEL_ZH.get(level, level)
    data = (scores[(scores[group] == level) & scores["score"].notna()]
            .sort_values(["score", "unit_key"], ascending=[True, False]).tail(MAX_UNITS_SHOWN))
    if data.empty and "completeness" in scores:
        return _disclosure_bar(scores[scores[group] == level], caption, year, method_version)
    height = 1.4 + 0.42 * max(len(data), 1)
    fig, (ax_score, ax_rank) = plt.subplots(1, 2, figsize=(9, height), sharey=True,
                                            gridspec_kw={"width_ratios": [3, 1.4]})
    y = range(len(data))
    ax_score.barh(list(y), data["score"], color=BAR_COLOUR)
    for i, score in zip(y, data["score"], strict=True):
        ax_score.text(score + 1, i, f"{score:.1f}", va="center", fontsize=8)
    ax_score.set_yticks(list(y), list(data["unit_name"]))
    ax_score.set_xlim(0, 110)
    ax_score.set_xlabel("综合得分 (0–100)")
    median, lo, hi = data["rank_median"].astype(float), data["rank_q05"].astype(float), data["rank_q95"].astype(float)
    ax_rank.errorbar(median, list(y), xerr=[median - lo, hi - median], fmt="o", color="#333333", ecolor="#999999",
                     capsize=3, markersize=4)
    top = max(float(hi.max()) if len(data) else 1.0, 1.0)
    ax_rank.set_xlim(top + 0.5, 0.5)  # rank 1 on the right, next to the bars
    ax_rank.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_rank.set_xlabel("名次（中位数与5–95%区间）")
    fig.suptitle(f"{year}年法治政府建设指数 · {caption}组内排名")
    _source_line(fig, method_version)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _disclosure_bar(units: Any, caption: str, year: int, method_version: str) -> Any:
    """A peer group in which no unit passed the screen: each unit's completeness (0–100) instead of a rank."""
    import matplotlib.pyplot as plt

    data = units.sort_values(["completeness", "unit_key"], ascending=[True, False]).tail(MAX_UNITS_SHOWN)
    fig, ax = plt.subplots(figsize=(9, 1.4 + 0.42 * max(len(data), 1)))
    y = range(len(data))
    ax.barh(list(y), data["completeness"], color="#999999")
    for i, value in zip(y, data["completeness"], strict=True):
        ax.text(value + 1, i, f"{value:.0f}", va="center", fontsize=8)
    ax.set_yticks(list(y), list(data["unit_name"]))
    ax.set_xlim(0, 110)
    ax.set_xlabel("披露完整度 (0–100)：已报告指标所占综合权重")
    fig.suptitle(f"{year}年法治政府建设指数 · {caption}：无单位达到筛选标准，不排名")
    _source_line(fig, method_version)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def dimension_heatmap(scores: Any, dimension_names: dict[str, str], year: int, method_version: str) -> Any:
    """Units (rows, best composite first) by dimension (columns): dimension scores 0–100, blank if none."""
    use_house_style()
    import matplotlib.pyplot as plt
    import numpy as np

    data = scores[scores["score"].notna()].sort_values(["score", "unit_key"], ascending=[False, True])
    data = data.head(MAX_UNITS_SHOWN)
    columns = [f"dim_{d}" for d in dimension_names]
    values = data[columns].to_numpy(dtype=float) if len(data) else np.full((1, len(columns)), np.nan)
    fig, ax = plt.subplots(figsize=(1.6 + 0.9 * len(columns), 2.6 + 0.4 * max(len(data), 1)))
    image = ax.imshow(np.ma.masked_invalid(values), cmap="Blues", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(columns)), list(dimension_names.values()), rotation=40, ha="right", fontsize=8)
    labels = [f"{n}（{LEVEL_ZH.get(lv, lv)}）" for n, lv in zip(data["unit_name"], data["admin_level"], strict=True)]
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for (i, j), v in np.ndenumerate(values):
        if v == v:
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=7, color="white" if v > 60 else "black")
    fig.colorbar(image, ax=ax, label="维度得分 (0–100)", orientation="horizontal", fraction=0.05, pad=0.3,
                 aspect=40)
    ax.set_title(f"{year}年法治政府建设指数 · 各维度得分")
    _source_line(fig, method_version)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def slope_chart(yoy: Any, year: int, method_version: str) -> Any:
    """Last year's and this year's score per unit, joined by a line (coloured by up/down/stable)."""
    use_house_style()
    import matplotlib.pyplot as plt

    if "comparable" in yoy:  # like-for-like rows only: the others have no comparable scores
        yoy = yoy[yoy["comparable"].astype(bool) | yoy["series_break"].notna()]
    yoy = yoy[yoy["score"].notna() & yoy["previous_score"].notna()]
    data = yoy.sort_values(["score", "unit_key"], ascending=[False, True]).head(MAX_UNITS_SHOWN)
    colours = {"up": "#2e7d32", "down": "#c62828", "stable": "#777777"}
    fig, ax = plt.subplots(figsize=(7, 1.8 + 0.3 * max(len(data), 1)))
    for row in data.itertuples():
        ax.plot([0, 1], [row.previous_score, row.score], marker="o", color=colours.get(row.score_change, "#777777"))
        ax.text(1.03, row.score, f"{row.unit_name} {row.score:.1f}", va="center", fontsize=8)
        ax.text(-0.03, row.previous_score, f"{row.previous_score:.1f}", va="center", ha="right", fontsize=8)
    previous = int(data["previous_year"].iloc[0]) if len(data) else year - 1
    ax.set_xticks([0, 1], [f"{previous}年", f"{year}年"])
    ax.set_xlim(-0.3, 1.6)
    ax.set_ylabel("综合得分 (0–100)")
    breaks = sorted(set(data["series_break"].dropna())) if len(data) else []
    ax.set_title(f"法治政府建设指数 {previous}→{year} 年变化" + ("（序列断点，需谨慎比较）" if breaks else ""))
    _source_line(fig, method_version)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def save_chart(fig: Any, target_stem: Path) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` atomically, without timestamps; closes the figure."""
    import matplotlib.pyplot as plt

    written = []
    for fmt, metadata in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        target = target_stem.with_suffix(f".{fmt}")
        with io.atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, metadata=metadata)
        written.append(target)
    plt.close(fig)
    return written
