"""One page per reporting body: ``publish/year=Y/units/<unit_key>.html``.

In: the year's published tables (scores, indicators, missing, year over year) and the clean texts of
the accepted reports (for the evidence around each value). Out: for every unit, a self-contained page
(inline CSS and SVG, no scripts, no external resources, every report string escaped): score, rank and
rank interval within its peer group (or why it is not ranked, with its completeness), its dimension
scores against the group's median, every framework indicator with its value, quote and a link to the
evidence passage, what is missing and why, and the change from last year where comparable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import Any

from pipeline.publish.summary import is_missing

CONTEXT_CHARS = 80  # evidence shown on each side of a value's span
STATUS_TEXT = {
    "reported": "已报告 reported",
    "NA_structural": "不适用 not applicable to this body",
    "NA_invalid": "数值未通过校验 value quarantined by validation",
    "NA_unreported": "报告未提供 not in the report",
}
CSS = """body{font-family:"Noto Sans SC","Microsoft YaHei",sans-serif;max-width:1000px;margin:2em auto;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;border-bottom:1px solid #ccc;margin-top:1.6em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:3px 8px;font-size:.9em;vertical-align:top}th{background:#f0f0f0}
.note{color:#555;font-size:.85em}mark{background:#ffe08a}.ev{border-left:3px solid #ccc;padding-left:.8em;margin:.6em 0}"""


def safe_file_name(unit_key: str) -> str:
    """A unit key as a file name (keys are ASCII already; anything else becomes '_')."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", unit_key) + ".html"


def _num(value: Any, digits: int = 1) -> str:
    return "—" if is_missing(value) else f"{float(value):.{digits}f}"


def _plain(value: Any) -> str:
    """A reported value as written: up to two decimals, trailing zeros dropped (12.50 -> 12.5, 46.00 -> 46)."""
    return _num(value, 2).rstrip("0").rstrip(".")


def _dimension_chart(unit_dims: dict[str, float | None], medians: dict[str, float | None],
                     names: dict[str, str]) -> str:
    """A small inline SVG: the unit's dimension scores (bars) against its group's median (ticks)."""
    rows = list(unit_dims)
    height, width, left = 22 * len(rows) + 10, 520, 170
    parts = [f"<svg width='{width}' height='{height}' role='img' "
             "aria-label='dimension scores against the peer-group median'>"]
    for i, dim in enumerate(rows):
        y = 5 + 22 * i
        parts.append(f"<text x='0' y='{y + 14}' font-size='12'>{escape(names.get(dim, dim))}</text>")
        parts.append(f"<rect x='{left}' y='{y + 3}' width='300' height='14' fill='#f3f3f3'/>")
        value, median = unit_dims[dim], medians.get(dim)
        if value is not None:
            parts.append(f"<rect x='{left}' y='{y + 3}' width='{3 * value:.1f}' height='14' fill='#3b6ea8'/>")
            parts.append(f"<text x='{left + 305}' y='{y + 14}' font-size='11'>{value:.1f}</text>")
        if median is not None:
            x = left + 3 * median
            parts.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{y}' y2='{y + 20}' stroke='#c0392b' stroke-width='2'/>")
    parts.append("</svg>")
    return "".join(parts)


def _evidence(text: str | None, start: Any, end: Any) -> str:
    """The passage around a value's span, the span marked (escaped)."""
    if text is None or is_missing(start) or is_missing(end):
        return ""
    a, b = int(start), int(end)
    lo, hi = max(0, a - CONTEXT_CHARS), min(len(text), b + CONTEXT_CHARS)
    return (("…" if lo else "") + escape(text[lo:a]) + "<mark>" + escape(text[a:b]) + "</mark>" + escape(text[b:hi])
            + ("…" if hi < len(text) else ""))


def render_unit_page(unit: Any, group: Any, indicators: Any, missing: Any, yoy: Any, year: int,
                     method_version: str, dimension_names: dict[str, str], indicator_names: dict[str, str],
                     text_of: Callable[[str], str | None]) -> str:
    """The page of one unit (a row of scores); ``group``: the scores of its peer group; ``indicators``,
    ``missing``, ``yoy``: its rows of those tables; ``text_of(doc)``: a report's clean text or None."""
    name = str(unit["unit_name"])
    dims = [c[4:] for c in group.columns if c.startswith("dim_")]
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(name)} · {year}</title>"
             f"<style>{CSS}</style></head><body>",
             f"<p class='note'><a href='../index.html'>← {year}年 index</a></p>",
             f"<h1>{escape(name)}</h1>",
             f"<p class='note'>{escape(str(unit['unit_key']))} · {escape(str(unit.get('tier') or ''))} · "
             f"{escape(str(unit.get('unit_kind') or ''))}"
             + (f" · {escape(str(unit['dept_type']))}" if not is_missing(unit.get("dept_type")) else "")
             + f" · 比较组 peer group {escape(str(unit.get('peer_group', unit.get('admin_level'))))} "
             f"({len(group)} units) · method {escape(method_version)}</p>"]
    if is_missing(unit.get("rank")):
        reason = unit.get("not_ranked") if not is_missing(unit.get("not_ranked")) else "not scored"
        parts.append(f"<p><b>未排名 Not ranked</b>: {escape(str(reason))}. 完整度 completeness "
                     f"{_num(unit.get('completeness'), 0)}; 覆盖率 coverage {_num(100 * (unit.get('coverage') or 0), 0)}%.</p>")
    else:
        parts.append(f"<p><b>得分 score {_num(unit['score'])}</b> · 名次 rank {int(unit['rank'])} of "
                     f"{int(group['rank'].notna().sum())} · 区间 interval {_num(unit.get('rank_q05'), 0)}–"
                     f"{_num(unit.get('rank_q95'), 0)} (5–95 % of the uncertainty analysis)</p>")
    unit_dims = {d: (None if is_missing(unit.get(f"dim_{d}")) else float(unit[f"dim_{d}"])) for d in dims}
    medians = {d: (None if group[f"dim_{d}"].notna().sum() == 0 else float(group[f"dim_{d}"].median())) for d in dims}
    parts.append("<h2>各维度 Dimensions (bars: this unit; red ticks: peer-group median)</h2>")
    parts.append(_dimension_chart(unit_dims, medians, dimension_names))
    parts.append("<h2>指标 Indicators</h2><table><tr><th>指标 indicator</th><th>数值 value</th><th>角色 role</th>"
                 "<th>标准化 normalised</th><th>原文 quote</th><th>证据 evidence</th></tr>")
    evidence_blocks = []
    for i, r in enumerate(indicators.sort_values("indicator").to_dict("records")):
        anchor = f"ev-{i}"
        value = f"{_plain(r.get('raw_value'))} {r.get('unit') or ''}"
        role = "" if is_missing(r.get("role")) else str(r.get("role"))
        origin = "" if is_missing(r.get("origin")) or r.get("origin") == "extracted" else str(r["origin"])
        if origin == "corrected" and not is_missing(r.get("original_value")):
            origin += f" (extracted {_plain(r['original_value'])})"
        if origin:
            value += f" · {origin}"
        parts.append(f"<tr><td>{escape(indicator_names.get(r['indicator'], r['indicator']))}</td><td>{escape(value)}"
                     f"</td><td>{escape(role)}</td><td>{_num(r.get('normalised'))}</td><td>{escape(str(r.get('quote') or ''))}</td>"
                     f"<td><a href='#{anchor}'>{escape(str(r.get('doc') or ''))}</a></td></tr>")
        evidence_blocks.append(f"<div class='ev' id='{anchor}'><b>{escape(indicator_names.get(r['indicator'], r['indicator']))}"
                               f"</b> · {escape(str(r.get('doc') or ''))} [{r.get('start')}:{r.get('end')}]"
                               + ("" if is_missing(r.get("page")) else f" · 第{escape(str(r['page']))}页 page {escape(str(r['page']))}")
                               + ("" if is_missing(r.get("box")) else f" · box {escape(str(r['box']))} {escape(str(r.get('box_unit') or ''))}")
                               + "<br>"
                               f"{_evidence(text_of(str(r.get('doc'))), r.get('start'), r.get('end'))}</div>")
    parts.append("</table>")
    gaps = missing[missing["status"] != "reported"].sort_values(["status", "indicator"]) if len(missing) else missing
    parts.append("<h2>缺失 What is missing, and why</h2>")
    if len(gaps):
        parts.append("<table><tr><th>指标 indicator</th><th>维度 dimension</th><th>原因 why</th></tr>")
        parts += [f"<tr><td>{escape(indicator_names.get(g['indicator'], g['indicator']))}</td>"
                  f"<td>{escape(dimension_names.get(g['dimension'], g['dimension']))}</td>"
                  f"<td>{escape(STATUS_TEXT.get(g['status'], g['status']))}</td></tr>" for g in gaps.to_dict("records")]
        parts.append("</table>")
    else:
        parts.append("<p>无 none</p>")
    parts.append("<h2>与上年比较 Year over year</h2>")
    if len(yoy):
        y = yoy.iloc[0]
        parts.append(f"<p>{int(y['previous_year'])}: {_num(y['previous_score'])} → {year}: {_num(y['score'])} "
                     f"({escape(str(y['score_change']))}); rank change "
                     f"{'—' if is_missing(y['rank_change']) else int(y['rank_change'])}"
                     f"{' (clear)' if bool(y['rank_change_is_clear']) else ' (within the intervals)'}"
                     + (f"; series break: {escape(str(y['series_break']))}" if not is_missing(y['series_break']) else "")
                     + "</p>")
    else:
        parts.append("<p class='note'>无可比的上年数据 no comparable previous year</p>")
    parts.append("<h2>证据 Evidence</h2>")
    parts += evidence_blocks or ["<p>无 none</p>"]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_unit_pages(out: Any, scores: Any, indicators: Any, missing: Any, yoy: Any, year: int, method_version: str,
                     dimension_names: dict[str, str], indicator_names: dict[str, str],
                     text_of: Callable[[str], str | None], write_text: Callable[[Any, str], None]) -> dict[str, str]:
    """Write ``units/<unit_key>.html`` for every unit of ``scores`` under ``out``; returns unit_key -> the
    page's path relative to ``out``."""
    group_col = "peer_group" if "peer_group" in scores.columns else "admin_level"
    written = {}
    for unit in scores.to_dict("records"):
        key = unit["unit_key"]
        page = render_unit_page(unit, scores[scores[group_col] == unit[group_col]],
                                indicators[indicators["unit_key"] == key], missing[missing["unit_key"] == key],
                                yoy[yoy["unit_key"] == key] if len(yoy) else yoy, year, method_version,
                                dimension_names, indicator_names, text_of)
        relative = f"units/{safe_file_name(key)}"
        write_text(out / relative, page)
        written[key] = relative
    return written
