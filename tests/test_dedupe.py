"""De-duplication keeps different bodies' reports: a duplicate is another copy of the same body's report
(near-identical text, same or unknown body, same figures). Issue 24 failure 1: ten county reports written
from one template were set aside as near duplicates of one of them."""

from __future__ import annotations

import pandas as pd

from pipeline.ingest.dedupe import (
    body_of,
    deduplicate_documents,
    figures,
    find_duplicates_by_fingerprint,
    fingerprint,
    same_body,
)

COUNTIES = ["甲水县", "乙山县", "丙河县", "丁原县", "戊林县", "己岭县", "庚湖县", "辛江县", "壬川县", "癸泉县"]
TEMPLATE = (
    "{county}人民政府关于2017年度法治政府建设情况的报告\n"
    "2017年，{county}在市委、市政府的坚强领导下，深入推进依法行政，加快建设法治政府，各项工作取得明显成效。\n"
    "一、完善依法行政制度体系。全年制定规范性文件{a}件，全部经过合法性审查，报备率达到百分之百。\n"
    "二、推进严格规范公正文明执法。全面落实行政执法三项制度，开展执法人员培训{b}期，培训执法人员{c}人次。\n"
    "三、强化行政权力制约和监督。办理行政复议案件{d}件，行政机关负责人出庭应诉率达到{e}%。\n"
    "四、依法有效化解社会矛盾纠纷。调处各类矛盾纠纷{f}件，调解成功率保持在较高水平，群众满意度不断提升。\n"
    "五、下一步工作打算。我们将继续深化法治政府建设，推动各项任务落地见效，为经济社会发展提供法治保障。\n"
)
SAME = {"a": 12, "b": 6, "c": 830, "d": 41, "e": 95, "f": 327}


def _text(county: str, **numbers: int) -> str:
    return TEMPLATE.format(county=county, **{**SAME, **numbers})


def _frame(texts: dict[str, str], bodies: dict[str, str | None]) -> tuple[pd.DataFrame, pd.DataFrame]:
    documents = pd.DataFrame([{"doc": doc, "flags": [], "disposition": "accepted", "status": "ok", "reason": None,
                               "duplicate_of": None, "unit_key": bodies[doc]} for doc in texts])
    prints = pd.DataFrame([{"doc": doc, "digest": fingerprint(t).digest, "minhash": fingerprint(t).minhash.tobytes(),
                            "n_flags": 0, "n_chars": len(t)} for doc, t in texts.items()])
    return documents, prints


def test_ten_counties_from_one_template_are_all_kept_and_flagged():
    texts = {f"county{i}": _text(c, **({"d": 40 + i, "f": 300 + i} if i % 2 else {})) for i, c in enumerate(COUNTIES)}
    documents, prints = _frame(texts, {f"county{i}": f"3205{i:02d}-gov" for i in range(10)})
    out = deduplicate_documents(documents, prints, texts.__getitem__).set_index("doc")
    assert (out["disposition"] == "accepted").all()  # nothing lost
    for doc, flags in out["flags"].items():
        partners = [f for f in flags if f.startswith("shared_template:")]
        assert len(partners) == 1 and partners[0] != f"shared_template:{doc}", (doc, flags)


def test_without_bodies_the_figures_alone_keep_template_reports_apart():
    """Even when no body is known, different figures mean different reports."""
    texts = {"a": _text("甲水县"), "b": _text("甲水县", d=77, e=88)}
    entries = [(doc, fingerprint(t), (0, len(t), doc)) for doc, t in texts.items()]
    assert find_duplicates_by_fingerprint(entries, texts.__getitem__) == {}
    assert figures(texts["a"]) != figures(texts["b"])


def test_a_copy_of_the_same_bodys_report_is_still_a_duplicate():
    original = _text("甲水县")
    repost = original.replace("深入推进", "推进").replace("，各项工作取得明显成效", "")  # shorter: not kept first
    texts = {"a_original": original, "b_repost": repost,
             "c_copy": original, "d_other_county": _text("乙山县", c=900)}
    bodies = {"a_original": "320501-gov", "b_repost": None, "c_copy": "320501-gov", "d_other_county": "320502-gov"}
    documents, prints = _frame(texts, bodies)
    out = deduplicate_documents(documents, prints, texts.__getitem__).set_index("doc")
    assert out.loc["c_copy", "disposition"] == "duplicate" and "exact duplicate" in out.loc["c_copy", "reason"]
    assert out.loc["b_repost", "disposition"] == "duplicate"  # unknown body counts as the same
    assert out.loc["b_repost", "duplicate_of"] == "a_original" and "same figures" in out.loc["b_repost", "reason"]
    assert out.loc["d_other_county", "disposition"] == "accepted"
    assert any(f.startswith("shared_template:") for f in out.loc["d_other_county", "flags"])


def test_one_text_claimed_by_two_bodies_is_kept_for_review():
    text = _text("甲水县")
    texts = {"claim_a": text, "claim_b": text}
    documents, prints = _frame(texts, {"claim_a": "320501-gov", "claim_b": "320502-gov"})
    out = deduplicate_documents(documents, prints, texts.__getitem__).set_index("doc")
    assert (out["disposition"] == "accepted").all()
    assert out.loc["claim_a", "flags"] == ["conflicting_claims:claim_b"]
    assert out.loc["claim_b", "flags"] == ["conflicting_claims:claim_a"]


def test_the_same_body_with_other_figures_is_kept_and_flagged():
    texts = {"v1": _text("甲水县"), "v2": _text("甲水县", a=13)}
    documents, prints = _frame(texts, {"v1": "320501-gov", "v2": "320501-gov"})
    out = deduplicate_documents(documents, prints, texts.__getitem__).set_index("doc")
    assert (out["disposition"] == "accepted").all()
    assert out.loc["v1", "flags"] == ["conflicting_figures:v2"] and out.loc["v2", "flags"] == ["conflicting_figures:v1"]


def test_bodies_without_a_unit_key_column_compare_id_level_and_name():
    texts = {"a": _text("甲水县"), "b": _text("甲水县")}
    documents, prints = _frame(texts, {"a": None, "b": None})
    documents = documents.drop(columns="unit_key").assign(unit_id=["320501", "320502"], admin_level="county",
                                                          unit_name=["甲水县", "乙山县"])
    out = deduplicate_documents(documents, prints, texts.__getitem__).set_index("doc")
    assert (out["disposition"] == "accepted").all()
    assert same_body(("320501", "county", None), ("320501", None, "甲水县"))
    assert not same_body(("320501", "county", "甲水县"), ("320502", "county", "甲水县"))
    assert same_body(None, "320501-gov") and not same_body("320501-gov", "320501-dept-hrss")
    assert body_of({"unit_key": "unidentified-doc1"}) is None and body_of({"unit_key": None}) is None


def test_an_empty_year_has_nothing_to_deduplicate():
    documents, prints = _frame({}, {})
    documents = pd.DataFrame(columns=["doc", "flags", "disposition", "status", "reason", "duplicate_of", "unit_key"])
    prints = pd.DataFrame(columns=["doc", "digest", "minhash", "n_flags", "n_chars"])
    out = deduplicate_documents(documents, prints, lambda doc: "")
    assert out.empty and list(out.columns) == list(documents.columns)


def test_a_template_shared_by_many_bodies_costs_a_few_comparisons_each(monkeypatch):
    """Finding another body's near-identical report for the flag compares at most MAX_FLAG_CHECKS texts per
    document (the signatures rank the candidates), not every earlier report of the template."""
    from pipeline.ingest import dedupe

    calls = []
    monkeypatch.setattr(dedupe, "jaccard", lambda a, b: calls.append(1) or len(a & b) / len(a | b))
    texts = {f"c{i:03d}": _text(f"第{i}县", a=i, d=i + 1) for i in range(200)}
    documents, prints = _frame(texts, {doc: f"{i}-gov" for i, doc in enumerate(texts)})
    out = deduplicate_documents(documents, prints, texts.__getitem__).set_index("doc")
    assert (out["disposition"] == "accepted").all()
    assert all(any(f.startswith("shared_template:") for f in flags) for flags in out["flags"])
    assert len(calls) <= len(texts) * dedupe.MAX_FLAG_CHECKS < len(texts) * (len(texts) - 1) // 2
