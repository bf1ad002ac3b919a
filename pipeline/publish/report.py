"""The auditor's validation report: one self-contained, printable HTML page (no external resources).

Every string that comes from a report or a file name is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

CSS = """
body{font-family:"Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif;margin:2em;color:#222;max-width:70em}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #bbb;padding:.25em .4em;text-align:left;vertical-align:top}
th{background:#eee}.critical{color:#a00;font-weight:bold}.warning{color:#a60}.ok{color:#070}
.quote{font-size:.9em;color:#333}@media print{body{margin:0}h2{page-break-after:avoid}}
"""

NEAR_IDENTICAL = ("shared_template", "conflicting_claims", "conflicting_figures")
NO_ACCEPTED = "本年度没有被接受的报告 · No accepted reports this year"


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_report(results: dict[str, Any], documents: Any, quarantine: Any, scores: Any | None,
                  audit: Any | None = None, yoy: Any | None = None, missing: Any | None = None) -> str:
    """Build the HTML page from validation_results.json, documents, quarantine and (optional) scores."""
    year = results["year"]
    acc = results["accounting"]
    status = '<span class="ok">PASSED</span>' if results.get("passed") else '<span class="critical">FAILED</span>'
    parts = [f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
             f"<title>Validation report {year}</title><style>{CSS}</style></head><body>",
             f"<h1>Validation report · {year} · 法治政府建设指数 数据质量报告</h1>",
             f"<p>Gate: {status}</p>",
             *([f"<p class='critical' id='no-accepted'>{NO_ACCEPTED} ({acc['submitted']} files submitted, "
                "every one set aside: see section 2)</p>"] if not acc["accepted"] else []),
             "<h2 id='summary'>1. Summary</h2>",
             _table(["documents submitted", "accepted", "quarantined", "duplicates", "balanced"],
                    [[acc["submitted"], acc["accepted"], acc["quarantined"], acc["duplicates"], acc["balanced"]]])]
    if acc.get("extraction_outcomes") is not None:
        parts.append(_table(["accepted documents: " + k.replace("_", " ") for k in sorted(acc["extraction_outcomes"])],
                            [[acc["extraction_outcomes"][k] for k in sorted(acc["extraction_outcomes"])]]))
    for name in ("records", "panel"):
        c = results.get(f"{name}_counts")
        if c:
            parts.append(_table([f"{name}: rows", "accepted", "quarantined", "flagged (warnings)"],
                                [[c["rows"], c["accepted"], c["quarantined"], c["flagged"]]]))
    if results.get("gate_failures"):
        parts.append("<p class='critical'>Gate failures:</p><ul>" +
                     "".join(f"<li>{escape(g)}</li>" for g in results["gate_failures"]) + "</ul>")
    parts.append("<h2 id='documents'>2. Documents set aside</h2>")
    aside = documents[documents["disposition"] != "accepted"]
    parts.append(_table(["file", "disposition", "reason"],
                        [[r.source_file, r.disposition, r.reason] for r in aside.itertuples()]) if len(aside)
                 else "<p>None.</p>")
    if results.get("manifest_problems"):
        parts.append("<h3 id='manifest'>Manifest problems (rows left out are not submissions; values left out are "
                     "inferred from the text)</h3>" + _table(["line", "problem"], [[p["line"], p["problem"]] for p in
                                                                                  results["manifest_problems"]]))
    similar = [(r.source_file, f) for r in documents.itertuples() for f in (r.flags if r.flags is not None else [])
               if str(f).split(":", 1)[0] in NEAR_IDENTICAL]
    if similar:
        source = dict(zip(documents["doc"], documents["source_file"], strict=True))
        parts.append("<h3 id='near-identical'>Kept although near-identical to another document</h3><p>Different "
                     "bodies' reports written from one template (shared_template), one text claimed by different "
                     "bodies (conflicting_claims), one body's texts with different figures (conflicting_figures): "
                     "all kept, worth an auditor's look.</p>" + _table(
                         ["file", "flag", "other file"],
                         [[name, flag.split(":", 1)[0], source.get(flag.split(":", 1)[1], flag.split(":", 1)[1])]
                          for name, flag in similar]))
    accepted = documents[documents["disposition"] == "accepted"]
    parts.append("<h3>Accepted documents</h3>" + _table(
        ["file", "unit", "level", "unit id", "year", "flags"],
        [[r.source_file, r.unit_name, r.admin_level, r.unit_key, r.report_year, ", ".join(r.flags)]
         for r in accepted.itertuples()]))
    parts.append("<h2 id='rules'>3. Failed rules</h2>")
    failed = [r for r in results["rules"] if not r["success"]]
    if failed:
        parts.append(_table(["dataset", "rule", "severity", "failing rows", "condition"],
                            [[r["dataset"], r["rule"], r["severity"], r["n_failing_rows"], r["row_condition"]]
                             for r in failed]))
        for r in failed:
            if r.get("rows"):
                parts.append(f"<h4>{escape(r['rule'])} ({escape(r['severity'])}): rows and evidence</h4>")
                parts.append(_table(["row", "doc", "unit", "indicator", "value", "unit of measure", "frame (verb · noun · "
                                     "role · rule)", "quote"],
                                    [[x.get("row"), x.get("doc"), x.get("unit_name"), x.get("indicator"), x.get("value"),
                                      x.get("unit"), " · ".join(str(x[k]) for k in ("verb", "noun", "role", "frame_rule")
                                                                if x.get(k)), x.get("quote")] for x in r["rows"]]))
    else:
        parts.append("<p class='ok'>Every rule passed.</p>")
    parts.append("<h3>Quarantined rows (critical rules)</h3>")
    parts.append(_table(["dataset", "rules", "doc", "indicator", "value", "unit", "quote"],
                        [[r.dataset, r.rules, r.doc, r.indicator, r.value, r.unit, r.quote]
                         for r in quarantine.itertuples()]) if len(quarantine) else "<p>None.</p>")
    parts.append("<h2 id='cross-year'>4. Cross-year checks</h2>")
    if not results.get("previous_year_available"):
        parts.append(f"<p>No published data for {year - 1}: cross-year checks not run.</p>")
    elif results["cross_year"]:
        parts.append(_table(["check", "unit", "indicator", "value", "previous", "quote"],
                            [[w["check"], w["unit_name"], w["indicator"], w["value"], w["previous_value"], w["quote"]]
                             for w in results["cross_year"]]))
    else:
        parts.append("<p class='ok'>No suspicious changes from last year.</p>")
    parts.append("<h2 id='index'>5. Index</h2>")
    if scores is not None and len(scores):
        import pandas as pd

        parts.append(_table(["unit", "peer group", "score", "rank", "rank interval (5–95%)", "coverage",
                             "completeness", "not ranked"],
                            [[r.unit_name, getattr(r, "peer_group", r.admin_level),
                              "—" if pd.isna(r.score) else f"{r.score:.1f}",
                              "—" if pd.isna(r.rank) else r.rank,
                              "—" if pd.isna(r.rank_q05) else f"{r.rank_q05:g}–{r.rank_q95:g}",
                              f"{r.coverage:.0%}",
                              "—" if pd.isna(getattr(r, "completeness", None)) else f"{r.completeness:.0f}",
                              getattr(r, "not_ranked", None) or ""] for r in scores.itertuples()]))
    else:
        parts.append("<p>No scores.</p>")
    parts.append("<h2 id='audit'>6. Rules checked</h2>")
    parts.append(_table(["dataset", "rule", "severity", "result"],
                        [[r["dataset"], r["rule"], r["severity"], "pass" if r["success"] else "FAIL"]
                         for r in results["rules"]]))
    parts.append("<h2 id='missing-data'>6a. Missing data</h2>")
    if missing is not None and len(missing):
        parts.append("<p>Per unit, how many framework indicators were reported, do not apply at its level "
                     "(NA_structural), were found but quarantined (NA_invalid), or were not in the report "
                     "(NA_unreported). Unreported applicable indicators are scored at the lower goalpost, and "
                     "only units that report two thirds of every dimension are ranked (docs/method.md).</p>")
        counts = missing.groupby(["unit_name", "admin_level", "status"]).size().unstack(fill_value=0)
        statuses = ["reported", "NA_structural", "NA_invalid", "NA_unreported"]
        parts.append(_table(["unit", "level", *statuses],
                            [[name, level, *[int(row.get(s, 0)) for s in statuses]]
                             for (name, level), row in counts.iterrows()]))
    parts.append("<h2 id='year-over-year'>6b. Year over year</h2>")
    if yoy is not None and len(yoy):
        breaks = sorted(set(yoy["series_break"].dropna()))
        if breaks:
            parts.append("<p class='critical'>Series break: " + escape("; ".join(breaks)) +
                         ". Changes across it are not comparable.</p>")
        parts.append("<p>Like for like: each unit's change is measured on the indicators it reported in both "
                     "years, with the same method.</p>")
        parts.append(_table(["unit", "peer group", "shared indicators", "score", "previous", "change",
                             "rank (prev → now)", "rank change clear?", "not comparable"],
                            [[r.unit_name, getattr(r, "peer_group", r.admin_level), getattr(r, "shared_indicators", ""),
                              f"{r.score:.1f}", f"{r.previous_score:.1f}",
                              "—" if r.score_change is None or r.score_change != r.score_change
                              else f"{r.score_change} ({r.score_delta:+.1f})", f"{r.previous_rank} → {r.rank}",
                              "yes" if r.rank_change_is_clear else "no", getattr(r, "not_comparable", None) or ""]
                             for r in yoy.itertuples()]))
    else:
        parts.append("<p>No unit scored both this year and last year.</p>")
    parts.append("<h2 id='statistical-audit'>7. Statistical audit of the index</h2>")
    if audit is not None and len(audit):
        parts.append("<p>Correlations between indicators (flag: redundant above r = 0.9, or negative within a "
                     "dimension), Cronbach's alpha per dimension, the first principal component's share of variance, "
                     "and mean effective weights, per peer group. NaN where too few units report the indicators together "
                     "(flag too_few_units); alpha below 0.7 is flagged.</p>")
        parts.append(_table(["peer group", "measure", "dimension", "indicator", "with", "value", "units", "flag"],
                            [[getattr(r, "peer_group", None), r.measure, r.dimension, r.indicator, r.indicator_b,
                              "NaN" if r.value != r.value else f"{r.value:.3f}", r.n, r.flag]
                             for r in audit.itertuples()]))
    else:
        parts.append("<p>Not enough scored units for an audit.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
