"""The per-year HTML summary for planners: ``publish/year=Y/index.html``.

Self-contained and offline: inline CSS, one small inline script (the unit list's filter), no external
fonts or resources; charts, tables, unit pages and the validation report are linked by relative paths
inside the same folder. All text is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from pipeline.index.peers import peer_group_label
from pipeline.publish.charts import LEVEL_ZH

CSS = """body{font-family:"Noto Sans SC","Microsoft YaHei",sans-serif;max-width:1100px;margin:2em auto;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:3px 8px;font-size:.9em}th{background:#f0f0f0}img{max-width:100%}
.note{color:#555;font-size:.85em}"""


def is_missing(value: Any) -> bool:
    """None, NaN or pandas' NA (an unranked unit's rank read back from parquet)."""
    import pandas as pd

    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _a(href: str, text: str) -> str:
    return f"<a href='{escape(href, quote=True)}'>{escape(text)}</a>"


FILTER_JS = """(function(){var box=document.getElementById('unit-filter');if(!box){return;}
var rows=document.querySelectorAll('#units tbody tr');function apply(){
var q=box.value.trim().toLowerCase();var shown=0;rows.forEach(function(r){
var hit=!q||r.textContent.toLowerCase().indexOf(q)>=0;r.style.display=hit?'':'none';if(hit){shown++;}});
document.getElementById('unit-count').textContent=shown;}box.addEventListener('input',apply);
var h=location.hash;if(h.indexOf('#filter=')===0){box.value=decodeURIComponent(h.slice(8));apply();}})();"""


def _unit_list(scores: Any, unit_pages: dict[str, str]) -> list[str]:
    """Every unit with a link to its page, and a filter box (plain inline JS, works from file://)."""
    group = "peer_group" if "peer_group" in scores else "admin_level"
    rows = scores.sort_values([group, "rank", "unit_key"], na_position="last")
    parts = ["<h2 id='all-units'>全部单位 All units</h2>",
             "<p><label>筛选 Filter: <input id='unit-filter' type='search' placeholder='名称、代码、比较组 name, key, group'>"
             f"</label> <span id='unit-count'>{len(rows)}</span> / {len(rows)}</p>",
             "<table id='units'><thead><tr><th>单位 unit</th><th>主体键 key</th><th>比较组 group</th><th>名次 rank</th>"
             "<th>区间 interval</th><th>得分 score</th></tr></thead><tbody>"]
    for r in rows.to_dict("records"):
        link = unit_pages.get(r["unit_key"])
        name = _a(link, str(r["unit_name"])) if link else escape(str(r["unit_name"]))
        interval = "—" if is_missing(r.get("rank_q05")) else f"{r['rank_q05']:g}–{r['rank_q95']:g}"
        parts.append(f"<tr><td>{name}</td><td>{escape(str(r['unit_key']))}</td><td>{escape(str(r[group]))}</td>"
                     f"<td>{'—' if is_missing(r.get('rank')) else escape(str(r['rank']))}</td><td>{escape(interval)}</td>"
                     f"<td>{'—' if is_missing(r.get('score')) else format(r['score'], '.1f')}</td></tr>")
    parts.append(f"</tbody></table><script>{FILTER_JS}</script>")
    return parts


def render_summary(year: int, method_version: str, scores: Any, yoy: Any, charts: list[str],
                   files: list[str], n_accepted: int | None = None, unit_pages: dict[str, str] | None = None) -> str:
    """charts/files: paths relative to the year's publish folder; ``n_accepted``: accepted reports (0: the
    page says there are none instead of showing rankings and charts); ``unit_pages``: unit_key -> the
    relative path of its page (the list of all units links to them)."""
    from pipeline.publish.report import NO_ACCEPTED

    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>rolindex {year}</title>"
             f"<style>{CSS}</style></head><body>",
             f"<h1>{year}年法治政府建设指数 · Rule-of-law government index {year}</h1>",
             f"<p class='note'>方法版本 method version {escape(method_version)} · 排名仅在同一比较组（同层级政府、同层级同类部门）内比较；"
             "名次区间来自不确定性分析（5–95%）。Ranks compare units of the same peer group (governments of a tier, departments of a tier and type); intervals from the "
             "uncertainty analysis.</p>",
             "<h2>文件 Files</h2><ul>"]
    parts += [f"<li>{_a(f, f)}</li>" for f in files]
    parts.append("</ul>")
    if n_accepted == 0:
        parts.append(f"<h2 id='no-accepted'>{escape(NO_ACCEPTED)}</h2><p>没有排名和图表：所有提交的文件均被搁置，原因见数据质量报告。"
                     "No ranking and no charts: every submitted file was set aside; the validation report says why."
                     "</p>")
    group = "peer_group" if "peer_group" in scores else "admin_level"
    listed = scores if "not_ranked" in scores else scores[scores["score"].notna()]
    for level in sorted(listed[group].dropna().unique()):
        rows = listed[listed[group] == level].sort_values(["rank", "unit_key"])
        caption = peer_group_label(level) if group == "peer_group" else LEVEL_ZH.get(level, level)
        parts.append(f"<h2>{escape(caption)} · {escape(level)}</h2>")
        chart = f"charts/ranked_{level}.png"
        if chart in charts:
            parts.append(f"<p><img src='{escape(chart, quote=True)}' alt='{escape(level)} ranking'></p>")
        parts.append("<table><tr><th>名次 rank</th><th>区间 interval</th><th>单位 unit</th><th>得分 score</th>"
                     "<th>覆盖率 coverage</th><th>完整度 completeness</th><th>未排名原因 not ranked</th></tr>")
        for r in rows.itertuples():
            interval = "—" if is_missing(r.rank_q05) else f"{r.rank_q05:g}–{r.rank_q95:g}"
            rank = "—" if is_missing(r.rank) else str(r.rank)
            score = "—" if is_missing(r.score) else f"{r.score:.1f}"
            completeness = getattr(r, "completeness", None)
            reason = getattr(r, "not_ranked", None) or ""
            page = (unit_pages or {}).get(r.unit_key)
            name = _a(page, str(r.unit_name)) if page else escape(str(r.unit_name))
            parts.append(f"<tr><td>{escape(rank)}</td><td>{escape(interval)}</td><td>{name}</td>"
                         f"<td>{score}</td><td>{r.coverage:.0%}</td>"
                         f"<td>{'—' if is_missing(completeness) else f'{completeness:.0f}'}</td>"
                         f"<td>{escape(str(reason))}</td></tr>")
        parts.append("</table>")
    for chart, title in (("charts/dimensions_heatmap.png", "各维度得分 Dimension scores"),
                         ("charts/year_over_year_slope.png", "与上年比较 Year over year")):
        if chart in charts:
            parts.append(f"<h2>{escape(title)}</h2><p><img src='{escape(chart, quote=True)}' alt='{escape(title)}'></p>")
    if len(yoy):
        breaks = sorted(set(yoy["series_break"].dropna()))
        if breaks:
            parts.append(f"<p class='note'>序列断点 series break: {escape('; '.join(breaks))}</p>")
    if unit_pages and len(scores):
        parts += _unit_list(scores, unit_pages)
    parts.append(f"<h2>数据质量 Data quality</h2><p>{_a('validation_report.html', '数据质量报告 validation report')}"
                 "</p></body></html>")
    return "\n".join(parts)
