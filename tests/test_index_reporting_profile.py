"""The demo generator's reporting profile (issue 20, item 2): with --framework-share S every annual report
states each index framework indicator with probability S in a data paragraph (invented figures) that the
extraction rules read as the year's result, and a publication date that gives its timeliness."""

from __future__ import annotations

import sys

import pytest

from pipeline.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def generator():
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    import generate_corpus

    return generate_corpus


def test_every_framework_sentence_is_extracted_as_its_indicator(generator):
    from pipeline.extract.extractor import extract_text
    from pipeline.extract.records import PANEL_ROLES

    for level in ("county", "department"):
        sentences = [t.format(n=10 + k, r=f"{90 + k % 10}") for k, t in enumerate(generator.FRAMEWORK_SENTENCES.values())]
        records = extract_text("d", "2022年," + "。".join(sentences) + "。", admin_level=level, report_year=2022)
        got = {r.indicator: r.value for r in records if r.indicator and r.scope == "actual" and r.role in PANEL_ROLES}
        assert got == {code: float(10 + k if "{n}" in t else 90 + k % 10)
                       for k, (code, t) in enumerate(generator.FRAMEWORK_SENTENCES.items())}, level


def test_the_profile_states_the_framework_in_each_annual_report(generator):
    from pipeline.config import load_config
    from pipeline.ingest.normalise import find_publish_date

    plans = [p for p in generator.plan_corpus(60, 2022, 5) if p.kind == "annual_report"
             and not any(d.startswith(("unreadable", "traditional")) for d in p.defects) and p.fmt == "txt"]
    plain = {p.index: generator.render_file(p, 5) for p in plans[:10]}
    for p in plans:
        p.framework_share = 1.0
    framework = {i["code"]: i for i in load_config("framework")["indicators"]}
    for p in plans[:10]:
        text = generator.render_file(p, 5).decode(p.encoding if p.encoding != "utf-8" else "utf-8", "replace")
        assert find_publish_date(text) is not None
        stated = [c for c, t in generator.FRAMEWORK_SENTENCES.items() if t.split("{")[0] in text]
        expected = {c for c, e in framework.items() if c in generator.FRAMEWORK_SENTENCES
                    and p.unit.level in e["goalposts"]
                    and (c != "rules_enacted" or (not p.unit.dept and p.unit.gov_level in ("province", "prefecture")))}
        expected |= {framework[c]["ratio"]["denominator"] for c in expected if framework[c].get("ratio")}
        assert set(stated) == expected, p.unit
        assert len(generator.render_file(p, 5)) > len(plain[p.index])  # the same report plus the paragraph
    for p in plans:
        p.framework_share = 0.0
    assert {p.index: generator.render_file(p, 5) for p in plans[:10]} == plain  # off: byte-identical
