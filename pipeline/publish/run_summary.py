"""What a year's run found, in a few lines: the run summary (``publish/year=Y/run_summary.json``).

In: the validation results, the documents table and the scores of the year. Out: a dict (submitted /
accepted / quarantined / duplicates with the top reasons, records extracted and accepted, units ranked
and not ranked with why, the top five of each peer group with rank intervals, warnings that need a
person, the files to open first) and ``summary_lines`` to print it. Deterministic: no times or paths.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pipeline.publish.summary import is_missing

TOP_N = 5
OPEN_FIRST = ("index.html", "validation_report.html")


def _reason_code(reason: Any) -> str:
    """'not_annual_report: news_article (…)' -> 'not_annual_report: news_article'; 'too_large: …' -> 'too_large'."""
    text = str(reason or "unknown")
    head, _, rest = text.partition(":")
    if head == "not_annual_report" and rest.strip():
        return f"{head}: {rest.strip().split(' ')[0]}"
    return re.split(r"[(]| of ", head)[0].strip()  # 'exact duplicate of <doc> (…)' -> 'exact duplicate'


def _group_column(scores: Any) -> str:
    return "peer_group" if "peer_group" in scores.columns else "admin_level"


def build_run_summary(results: dict[str, Any], documents: Any, scores: Any) -> dict[str, Any]:
    """The run summary of one published year (see the module docstring)."""
    accounting = results.get("accounting", {})
    set_aside = documents[documents["disposition"] != "accepted"]
    reasons = Counter(_reason_code(r) for r in set_aside["reason"])
    group = _group_column(scores)
    ranked = scores[scores["rank"].notna()] if len(scores) else scores
    not_ranked = scores[scores["rank"].isna()] if len(scores) else scores
    why_not = Counter(str(r).split(" (")[0] for r in not_ranked["not_ranked"].fillna("not scored")) \
        if "not_ranked" in not_ranked.columns else Counter({"not scored": len(not_ranked)})
    top: dict[str, list[dict[str, Any]]] = {}
    for name, members in sorted(ranked.groupby(group), key=lambda kv: str(kv[0])) if len(ranked) else []:
        rows = members.sort_values(["rank", "unit_key"]).head(TOP_N)
        top[str(name)] = [{"rank": int(r["rank"]), "unit_key": r["unit_key"], "unit_name": r["unit_name"],
                           "score": round(float(r["score"]), 1),
                           "interval": None if is_missing(r.get("rank_q05"))
                           else [int(r["rank_q05"]), int(r["rank_q95"])]}
                          for _, r in rows.iterrows()]
    warnings = [f"{g}" for g in results.get("gate_failures", [])]
    warnings += [f"manifest: {p}" for p in results.get("manifest_problems", [])]
    flagged = [f for flags in documents["flags"] for f in (flags if flags is not None else [])
               if str(f).startswith(("ambiguous_place", "shared_template", "conflicting_claims", "same_body"))]
    for kind, n in sorted(Counter(str(f).split(":")[0] for f in flagged).items()):
        warnings.append(f"{n} document flag(s) {kind}: an auditor should confirm (validation report)")
    if results.get("cross_year"):
        warnings.append(f"{len(results['cross_year'])} cross-year change(s) to check (validation report)")
    return {
        "year": int(results.get("year", 0)),
        "submitted": int(accounting.get("submitted", len(documents))),
        "accepted": int(accounting.get("accepted", 0)),
        "quarantined": int(accounting.get("quarantined", 0)),
        "duplicates": int(accounting.get("duplicates", 0)),
        "top_reasons": [{"reason": r, "documents": n}
                        for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_N]],
        "records": {"extracted": int(results.get("records_counts", {}).get("rows", 0)),
                    "accepted": int(results.get("records_counts", {}).get("accepted", 0))},
        "units": {"ranked": len(ranked), "not_ranked": len(not_ranked),
                  "not_ranked_reasons": dict(sorted(why_not.items()))},
        "top_by_group": top,
        "warnings": warnings,
        "open_first": list(OPEN_FIRST),
    }


def summary_lines(summary: dict[str, Any], publish_dir: str) -> list[str]:
    """The summary as a few printable lines."""
    reasons = ", ".join(f"{r['reason']} {r['documents']}" for r in summary["top_reasons"]) or "none"
    units = summary["units"]
    lines = [
        f"{summary['year']}: {summary['submitted']} submitted, {summary['accepted']} accepted, "
        f"{summary['quarantined']} set aside, {summary['duplicates']} duplicates (set aside: {reasons})",
        f"  records: {summary['records']['extracted']} extracted, {summary['records']['accepted']} accepted; "
        f"units: {units['ranked']} ranked, {units['not_ranked']} not ranked"
        + (f" ({', '.join(f'{k} {v}' for k, v in units['not_ranked_reasons'].items())})" if units["not_ranked"] else ""),
    ]
    for group, rows in summary["top_by_group"].items():
        shown = "; ".join(f"{r['rank']}. {r['unit_name']} {r['score']}"
                          + (f" [{r['interval'][0]}-{r['interval'][1]}]" if r["interval"] else "") for r in rows)
        lines.append(f"  top of {group}: {shown}")
    lines += [f"  warning: {w}" for w in summary["warnings"][:5]]
    lines.append(f"  open: {publish_dir}/{summary['open_first'][0]} and {summary['open_first'][1]}")
    return lines
