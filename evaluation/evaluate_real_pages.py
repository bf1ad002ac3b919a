"""Score identification on real public pages (labels in the repository, texts outside it).

Usage (from the project root):

    uv run python evaluation/evaluate_real_pages.py --split real_dev --texts /work/realpages/dev [--errors]

``evaluation/identify/<split>/labels.yaml`` holds, per page, its address and an independent annotator's
labels (reporting body, division code, kind, tier, year, document kind); the page texts are not in the
repository (public pages may not be copied into it): ``--texts`` names a folder with ``<id>.txt`` per
page, as the search tool returned it. Every text goes through ``profile_file`` (reader, normalisation,
identification) with no manifest and no run year.

Printed: for real reports, the unit (right body: division code, body kind and department type), tier,
admin level, year, document kind, and how many were set aside; for look-alikes, how many were
accepted and how many got the annotator's reason. Targets are issue #18's acceptance figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ingest.stage import profile_file  # noqa: E402

DATA_DIR = ROOT / "evaluation" / "identify"
TARGETS = {"unit": 0.95, "tier": 0.97, "admin_level": 0.97, "report_year": 0.98, "doc_kind": 0.97}


def _code(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def unit_right(gold: dict[str, Any], got: dict[str, Any]) -> bool:
    """The right body: same division code, same kind, and for a department the same type."""
    if _code(gold.get("division_code")) != _code(got.get("division_code")):
        return False
    if gold.get("unit_kind") != got.get("unit_kind"):
        return False
    return gold.get("unit_kind") != "department" or (gold.get("dept_type") or "other") == (got.get("dept_type") or "other")


def score(labels: list[dict[str, Any]], texts: Path) -> dict[str, Any]:
    """Per-field counts over the labelled pages whose text is present."""
    right: Counter[str] = Counter()
    n_reports = n_lookalikes = 0
    reports_set_aside: list[str] = []
    lookalikes_accepted: list[str] = []
    errors: list[str] = []
    missing: list[str] = []
    reason_right = 0
    url_only = {"pages": 0, "unit": 0}  # reports whose body only the page's address names (annotator's notes)
    for gold in labels:
        path = texts / f"{gold['id']}.txt"
        if not path.exists():
            missing.append(gold["id"])
            continue
        got, _ = profile_file(path)
        accepted = got["status"] == "ok"
        kind_ok = got["doc_kind"] == gold["doc_kind"]
        right["doc_kind"] += kind_ok
        wrong: list[str] = [] if kind_ok else [f"kind {got['doc_kind']} (gold {gold['doc_kind']})"]
        if gold["doc_kind"] == "annual_report":
            n_reports += 1
            checks = {
                "unit": unit_right(gold, got),
                "tier": got.get("tier") == gold.get("tier"),
                "admin_level": got.get("admin_level") == gold.get("admin_level"),
                "report_year": got.get("report_year") == gold.get("report_year"),
            }
            if "body_from_url_only" in str(gold.get("notes") or ""):
                url_only["pages"] += 1
                url_only["unit"] += checks["unit"]
            for field, ok in checks.items():
                right[field] += ok
                if not ok:
                    wrong.append(field)
            if not accepted:
                reports_set_aside.append(f"{gold['id']}: {got['reason']}")
            if not checks["unit"]:
                wrong.append(f"unit {got.get('unit_key')} {got.get('unit_name')} (gold {gold.get('division_code')}"
                             f" {gold.get('unit_kind')} {gold.get('dept_type') or ''} {gold.get('unit_name')})")
            if not checks["report_year"]:
                wrong.append(f"year {got.get('report_year')} (gold {gold.get('report_year')})")
        else:
            n_lookalikes += 1
            if accepted:
                lookalikes_accepted.append(f"{gold['id']} ({gold.get('other_reason')})")
            reason_right += got.get("doc_kind_reason") == gold.get("other_reason")
        if wrong:
            errors.append(f"{gold['id']}: {'; '.join(wrong)}  [{got.get('title') or ''}]")
    n = n_reports + n_lookalikes
    return {
        "pages": n, "reports": n_reports, "lookalikes": n_lookalikes, "missing_texts": missing,
        "accuracy": {
            **{f: (right[f] / n_reports if n_reports else None) for f in ("unit", "tier", "admin_level", "report_year")},
            "doc_kind": right["doc_kind"] / n if n else None,
        },
        "reports_set_aside": reports_set_aside, "lookalikes_accepted": lookalikes_accepted,
        "lookalike_reason_right": reason_right, "errors": errors,
        "unit_where_text_names_the_body": ((right["unit"] - url_only["unit"]) / (n_reports - url_only["pages"])
                                           if n_reports > url_only["pages"] else None),
        "reports_body_from_url_only": url_only["pages"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="real_dev", help="folder under evaluation/identify/ (real_dev, real_holdout)")
    parser.add_argument("--texts", required=True, type=Path, help="folder with <id>.txt per labelled page")
    parser.add_argument("--errors", action="store_true", help="list every page with a wrong field")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    labels = yaml.safe_load((DATA_DIR / args.split / "labels.yaml").read_text(encoding="utf-8")) or []
    result = score(labels, args.texts)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"{args.split}: {result['pages']} pages ({result['reports']} reports, {result['lookalikes']} look-alikes)"
          + (f"; {len(result['missing_texts'])} labelled pages without text" if result["missing_texts"] else ""))
    for field, value in result["accuracy"].items():
        target = TARGETS.get(field)
        shown = "   n/a" if value is None else f"{100 * value:5.1f}%"
        print(f"  {field:<12} {shown}" + (f"   target >= {100 * target:.0f}%" if target else ""))
    if result["unit_where_text_names_the_body"] is not None:
        print(f"  unit where the text names the body: {100 * result['unit_where_text_names_the_body']:5.1f}% "
              f"({result['reports'] - result['reports_body_from_url_only']} reports; "
              f"{result['reports_body_from_url_only']} name it only in their address)")
    print(f"  reports set aside: {len(result['reports_set_aside'])} (target 0)")
    print(f"  look-alikes accepted: {len(result['lookalikes_accepted'])} of {result['lookalikes']} (target 0); "
          f"reason as the annotator's: {result['lookalike_reason_right']}")
    if args.errors:
        for line in result["reports_set_aside"]:
            print("  set aside", line)
        for line in result["lookalikes_accepted"]:
            print("  accepted look-alike", line)
        for line in result["errors"]:
            print("  ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
