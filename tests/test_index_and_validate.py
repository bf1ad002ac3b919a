"""Index maths on tiny frames with hand-computed results, and the validation gate on injected bad values."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.index.build import Framework, aggregate, normalise, rank_within_level
from pipeline.validate.gx_runner import run_suite
from pipeline.validate.stage import _apply_outcomes
from pipeline.validate.suites import read_suite

FRAMEWORK = Framework(pd.DataFrame([
    {"indicator": "a", "dimension": "d1", "polarity": 1, "admin_level": "county", "lo": 0.0, "hi": 200.0},
    {"indicator": "b", "dimension": "d1", "polarity": -1, "admin_level": "county", "lo": 0.0, "hi": 20.0},
    {"indicator": "c", "dimension": "d2", "polarity": 1, "admin_level": "county", "lo": 50.0, "hi": 100.0},
]), ("d1", "d2"))
PANEL = pd.DataFrame([
    {"unit_key": "u1", "admin_level": "county", "indicator": "a", "value": 50.0},
    {"unit_key": "u1", "admin_level": "county", "indicator": "b", "value": 5.0},
    {"unit_key": "u1", "admin_level": "county", "indicator": "c", "value": 90.0},
    {"unit_key": "u2", "admin_level": "county", "indicator": "a", "value": 300.0},
    {"unit_key": "u2", "admin_level": "county", "indicator": "c", "value": 40.0},
])


def test_goalpost_normalisation_clips_and_reverses():
    n = normalise(PANEL, FRAMEWORK).set_index(["unit_key", "indicator"])["normalised"]
    assert n[("u1", "a")] == pytest.approx(25.0)  # 50 / 200
    assert n[("u1", "b")] == pytest.approx(75.0)  # lower is better: 100 - 25
    assert n[("u1", "c")] == pytest.approx(80.0)  # (90 - 50) / 50
    assert n[("u2", "a")] == pytest.approx(100.0)  # clipped at the upper goalpost
    assert n[("u2", "c")] == pytest.approx(0.0)  # clipped at the lower goalpost


def test_arithmetic_and_geometric_aggregation_by_hand():
    n = normalise(PANEL, FRAMEWORK)
    scores, weights = aggregate(n, "arithmetic")
    s = scores.set_index("unit_key")
    assert s.loc["u1", "dim_d1"] == pytest.approx(50.0)  # mean(25, 75)
    assert s.loc["u1", "score"] == pytest.approx(65.0)  # mean(50, 80)
    assert s.loc["u2", "score"] == pytest.approx(50.0)  # mean(100, 0): available-case
    # effective weights reproduce the score exactly
    merged = n.merge(weights, on=["unit_key", "indicator"])
    recomputed = (merged["normalised"] * merged["weight"]).groupby(merged["unit_key"]).sum()
    assert recomputed["u1"] == pytest.approx(65.0) and recomputed["u2"] == pytest.approx(50.0)
    geo = aggregate(n, "geometric")[0].set_index("unit_key")
    def geomean(x: float, y: float) -> float:  # on 0-100 values shifted to 1-100
        return (((1 + 0.99 * x) * (1 + 0.99 * y)) ** 0.5 - 1) / 0.99

    assert geo.loc["u1", "score"] == pytest.approx(geomean(geomean(25.0, 75.0), 80.0))
    assert geo.loc["u1", "score"] < s.loc["u1", "score"] + 1e-9


def test_rank_within_level():
    frame = pd.DataFrame({"admin_level": ["county", "county", "prefecture"], "score": [10.0, 30.0, 5.0]})
    assert list(rank_within_level(frame)) == [2.0, 1.0, 1.0]


def _panel_row(**over):
    row = {"unit_key": "210603", "unit_name": "振兴区", "admin_level": "county", "year": 2017,
           "indicator": "head_appearance_rate", "value": 90.0, "unit": "%", "qualifier": "exact", "doc": "d",
           "sha256": "x", "start": 0, "end": 3, "quote": "出庭应诉率90%", "rule_id": "r", "n_candidates": 1}
    row.update(over)
    return row


def test_injected_bad_values_are_caught_by_the_intended_rules():
    panel = pd.DataFrame([
        _panel_row(),
        _panel_row(unit_key="1", value=130.0),  # impossible rate
        _panel_row(unit_key="2", indicator="reconsideration_cases", value=12.0, unit="%"),  # wrong unit
        _panel_row(unit_key="3"), _panel_row(unit_key="3"),  # duplicate key
        _panel_row(unit_key="4", quote=None),  # missing evidence
        _panel_row(unit_key="5", indicator="litigation_cases", value=5000.0, unit="件"),  # implausible: warning
    ])
    accepted, rejected, gate, _rules = _apply_outcomes("panel", panel, run_suite(read_suite("panel"), panel))
    caught = {r["row"]: r["rules"] for r in rejected}
    assert "panel.rate_within_0_100.head_appearance_rate" in caught[1]
    assert "panel.unit_allowed.reconsideration_cases" in caught[2]
    assert "panel.unique_unit_year_indicator" in caught[3] and "panel.unique_unit_year_indicator" in caught[4]
    assert "panel.evidence_present" in caught[5]
    assert 0 not in caught and 6 not in caught
    flagged = accepted.set_index("unit_key").loc["5", "validation_flags"]
    assert "panel.plausible_range.litigation_cases.county" in list(flagged)
    assert gate == []


def test_missing_required_column_fails_the_gate():
    panel = pd.DataFrame([_panel_row()]).drop(columns=["quote"])
    _accepted, _rejected, gate, _rules = _apply_outcomes("panel", panel, run_suite(read_suite("panel"), panel))
    assert any("panel.required_columns" in g for g in gate)


def _scores_row(**over):
    row = {"unit_key": "u1", "unit_name": "某县人民政府", "admin_level": "county", "peer_group": "county", "year": 2017,
           "score": 60.0, "rank": 1,
           "rank_q05": 1.0, "rank_median": 1.0, "rank_q95": 2.0, "top_decile_probability": 0.5, "coverage": 0.5,
           "completeness": 70.0, "completeness_rank": 1, "n_indicators": 4,
           "not_ranked": None, "method_version": "0.1.0", "goalposts_version": "2017.1", "weight_sum": 1.0}
    row.update({f"dim_{d}": 50.0 for d in ("functions", "rulemaking", "decisions", "enforcement", "emergency",
                                           "disputes", "oversight", "digital", "leadership")})
    row.update(over)
    return row


def test_index_output_checks_catch_bad_scores_ranks_and_weights():
    scores = pd.DataFrame([
        _scores_row(),
        _scores_row(unit_key="u2", score=130.0),  # score out of bounds
        _scores_row(unit_key="u3", rank=None),  # scored but not ranked
        _scores_row(unit_key="u4", weight_sum=0.8),  # weights do not sum as declared
        _scores_row(unit_key="u5", rank_q05=3.0, rank_median=2.0),  # interval out of order
        _scores_row(unit_key="u6", coverage=0.1),  # low coverage: warning only
        _scores_row(unit_key="u7", score=None, rank=None, rank_q05=None, rank_median=None, rank_q95=None,
                    weight_sum=None, not_ranked="below_screen"),  # screened out: no score, no rank needed
        _scores_row(unit_key="u8", score=None, rank=None, rank_q05=None, rank_median=None, rank_q95=None,
                    weight_sum=None),  # no score and no reason why
        _scores_row(unit_key="u9", completeness=120.0),  # completeness is a 0-100 share
        _scores_row(unit_key="u10", completeness_rank=0),  # disclosure ranks start at 1
    ])
    failed = {(o.rule, o.severity): o.failing_rows for o in run_suite(read_suite("scores"), scores) if not o.success}
    assert failed == {
        ("scores.score_within_0_100", "critical"): [1],
        ("scores.rank_present_for_scored_units", "critical"): [2],
        ("scores.effective_weights_sum_to_1", "critical"): [3],
        ("scores.rank_interval_ordered_low", "critical"): [4],
        ("scores.low_coverage", "warning"): [5],
        ("scores.reason_for_every_unranked_unit", "critical"): [7],
        ("scores.completeness_0_100", "critical"): [8],
        ("scores.completeness_rank_from_1", "critical"): [9],
    }, failed


def test_cross_year_checks_flag_copied_values_and_jumps():
    from pipeline.validate.stage import cross_year_checks

    panel = pd.DataFrame([_panel_row(indicator="reconsideration_cases", value=73.0, unit="件"),
                          _panel_row(indicator="litigation_cases", value=150.0, unit="件"),
                          _panel_row(indicator="head_appearance_rate", value=95.0)])
    previous = pd.DataFrame({"unit_key": ["210603"] * 3, "raw_value": [73.0, 10.0, 90.0],
                             "indicator": ["reconsideration_cases", "litigation_cases", "head_appearance_rate"]})
    warnings = {(w["indicator"], w["check"]) for w in cross_year_checks(panel, previous, jump_factor=5.0)}
    assert warnings == {("reconsideration_cases", "identical_to_previous_year"),
                        ("litigation_cases", "jump_beyond_factor")}


def test_accounting_that_does_not_add_up_is_reported_unbalanced():
    from pipeline.validate.stage import accounting

    documents = pd.DataFrame({"disposition": ["accepted", "quarantined", "duplicate"]})
    assert accounting(documents, 3)["balanced"] is True
    assert accounting(documents, 4)["balanced"] is False  # a submitted file has no row


def test_report_escapes_report_text_and_file_names():
    from pipeline.publish.report import render_report

    results = {"year": 2017, "passed": True, "gate_failures": [], "previous_year_available": False,
               "cross_year": [], "accounting": {"submitted": 1, "accepted": 1, "quarantined": 0, "duplicates": 0,
                                                "balanced": True},
               "rules": [{"dataset": "panel", "rule": "panel.x", "severity": "warning", "success": False,
                          "n_failing_rows": 1, "row_condition": None,
                          "rows": [{"row": 0, "quote": "<script>alert(1)</script>"}]}]}
    documents = pd.DataFrame([{"source_file": "<img src=x onerror=alert(1)>.txt", "disposition": "accepted",
                               "unit_name": "某县", "admin_level": "county", "unit_key": "1", "report_year": 2017,
                               "flags": [], "reason": None}])
    quarantine = pd.DataFrame(columns=["dataset", "rules", "doc", "indicator", "value", "unit", "quote"])
    html = render_report(results, documents, quarantine, None)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _one_report_extracted(tmp_path, sample_files):
    """A real ingest, normalise and extract of one sample report: (settings, catalog, records)."""
    from pipeline import io
    from pipeline.catalog import Catalog
    from pipeline.extract.stage import run_extract
    from pipeline.ingest.stage import run_ingest, run_normalise
    from pipeline.settings import RunSettings

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "report.txt").write_bytes(sample_files["zhenxing-district"].read_bytes())
    settings = RunSettings(year=2017, inbox=inbox, out=tmp_path / "out")
    run_ingest(settings)
    run_normalise(settings)
    run_extract(settings)
    catalog = Catalog(settings.out, 2017)
    return settings, catalog, io.read_parquet(catalog.records)


def test_share_of_quarantined_rows_over_the_limit_fails_the_gate(tmp_path, sample_files):
    """A real ingest/extract of one report, then every record broken: the validate task must refuse."""
    from pipeline import io
    from pipeline.validate.stage import ValidationGateError, run_validate

    settings, catalog, records = _one_report_extracted(tmp_path, sample_files)
    assert len(records) >= 5
    io.write_parquet(catalog.records, records.assign(value=-1.0))  # every value impossible
    with pytest.raises(ValidationGateError, match=r"records: 100% of rows quarantined"):
        run_validate(settings)
    results = io.read_json(catalog.validation_results)
    assert results["passed"] is False and results["records_counts"]["quarantined"] == len(records)


def test_cronbach_alpha_and_pc1_share_by_hand():
    from pipeline.index.audit import cronbach_alpha, pc1_share

    # item variances 1 and 1, totals 3, 5, 7 with variance 4: alpha = 2 * (1 - 2/4) = 1
    assert cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 3.0, 4.0]})) == pytest.approx(1.0)
    # totals 4, 3, 5 with variance 1: alpha = 2 * (1 - 2/1) = -2 (items pull against each other)
    assert cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0]})) == pytest.approx(-2.0)
    assert pc1_share(pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 4.0, 6.0, 8.0]})) == pytest.approx(1.0)
    # r(a, b) = 0: both eigenvalues 1, the first component holds half the variance
    assert pc1_share(pd.DataFrame({"a": [1.0, -1.0, 1.0, -1.0], "b": [1.0, 1.0, -1.0, -1.0]})) == pytest.approx(0.5)


def test_statistical_audit_flags_redundant_and_negative_pairs():
    from pipeline.index.audit import statistical_audit

    rows = []
    for u in range(6):
        for code, dim, value in (("a", "d1", 10.0 * u), ("b", "d1", 10.0 * u + 1), ("c", "d1", 50.0 - 7.0 * u + (u % 2))):
            rows.append({"unit_key": f"u{u}", "indicator": code, "dimension": dim, "normalised": value, "weight": 1 / 3})
    audit = statistical_audit(pd.DataFrame(rows))
    corr = audit[audit["measure"] == "correlation"].set_index(["indicator", "indicator_b"])
    assert corr.loc[("a", "b"), "flag"] == "redundant" and corr.loc[("a", "b"), "value"] == pytest.approx(1.0)
    assert corr.loc[("a", "c"), "flag"] == "negative_within_dimension"
    alpha = audit[audit["measure"] == "cronbach_alpha"]
    assert list(alpha["dimension"]) == ["d1"] and list(alpha["n"]) == [6]
    assert alpha["flag"].tolist() == ["alpha_below_0.7"]  # c pulls against a and b
    assert audit.loc[audit["measure"] == "pc1_share", "flag"].tolist() == ["too_few_units"]  # 6 < 10 units
    weights = audit[audit["measure"] == "effective_weight"].set_index("indicator")["value"]
    assert weights.to_dict() == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})


def test_framework_loads_and_fails_loudly_on_inconsistencies():
    import copy

    from pipeline.config import load_config
    from pipeline.index.framework import FrameworkError, load_framework

    doc = load_config("framework")
    framework = load_framework(2022)
    assert set(framework.dimensions) == {d["code"] for d in doc["dimensions"]}
    assert sum(framework.dimension_weights.values()) == pytest.approx(doc["composite"]["weights_sum"])

    def broken(change) -> str:
        bad = copy.deepcopy(doc)
        change(bad)
        with pytest.raises(FrameworkError) as caught:
            load_framework(doc=bad)
        return str(caught.value)

    assert "undeclared dimension" in broken(lambda d: d["indicators"][0].update(dimension="nowhere"))
    assert "duplicate indicator" in broken(lambda d: d["indicators"].append(copy.deepcopy(d["indicators"][0])))
    assert "not in configs/indicators.yaml" in broken(lambda d: d["indicators"][0].update(code="made_up"))
    assert "dimension weights sum" in broken(lambda d: d["dimensions"][0].update(weight=2))
    assert "indicator weights of" in broken(lambda d: d["indicators"][0].update(weight=0.5))
    assert "lower < upper" in broken(lambda d: d["indicators"][0]["goalposts"].update(county=[5, 5]))


def test_framework_validity_years_select_indicators():
    import copy

    from pipeline.config import load_config
    from pipeline.index.framework import load_framework

    doc = copy.deepcopy(load_config("framework"))
    first = doc["indicators"][0]["code"]
    doc["indicators"][0]["valid_from"] = 2021
    assert first not in set(load_framework(2020, doc=doc).indicators["indicator"])
    assert first in set(load_framework(2021, doc=doc).indicators["indicator"])


def test_outliers_are_winsorised_within_level_by_the_skew_kurtosis_rule():
    from pipeline.index.build import treat_outliers

    values = [10.0, 11.0, 12.0, 10.0, 13.0, 11.0, 12.0, 10.0, 11.0, 500.0]
    panel = pd.DataFrame({"unit_key": [f"u{i}" for i in range(10)], "admin_level": "county",
                          "indicator": "litigation_cases", "value": values})
    cfg = {"treatment": "winsorise", "skew_max": 2.0, "kurtosis_max": 3.5, "max_points": 5, "min_units": 5}
    assert panel["value"].skew() > 2 and panel["value"].kurt() > 3.5
    treated, log = treat_outliers(panel, cfg)
    assert list(log["action"]) == ["winsorised"] and log.iloc[0]["unit_key"] == "u9"
    assert treated.loc[9, "value"] == 13.0 and treated.loc[9, "value_raw"] == 500.0  # set to the next highest
    assert treated.loc[:8, "value"].tolist() == values[:9]
    # too few units in the group, or treatment off: nothing changes
    assert treat_outliers(panel.head(4), cfg)[1].empty
    assert treat_outliers(panel, {**cfg, "treatment": "none"})[0]["value"].tolist() == values


def test_zscore_normalisation_on_a_t_scale():
    from pipeline.index.build import normalise

    n = normalise(PANEL[PANEL["indicator"] == "a"], FRAMEWORK, "zscore").set_index("unit_key")["normalised"]
    # two values 50 and 300: z = -0.707 and +0.707 -> 50 -/+ 7.07
    assert n["u1"] == pytest.approx(50 - 10 / 2 ** 0.5) and n["u2"] == pytest.approx(50 + 10 / 2 ** 0.5)


def test_year_over_year_stable_band_clear_rank_changes_and_breaks():
    from pipeline.index.yoy import compare_years

    def scores(year, rows, version="0.3.0"):
        return pd.DataFrame([{"unit_key": u, "unit_name": u, "admin_level": "county", "peer_group": "county",
                              "year": year, "score": s, "rank": r, "rank_q05": lo, "rank_q95": hi,
                              "method_version": version} for u, s, r, lo, hi in rows])

    def values(rows):
        return pd.DataFrame([{"unit_key": u, "indicator": i, "dimension": d, "normalised": v}
                             for u, i, d, v in rows])

    prev = scores(2020, [("a", 60.0, 1, 1, 2), ("b", 50.0, 2, 1, 3), ("c", 40.0, 3, 3, 3), ("e", 5.0, 4, 4, 4)])
    now = scores(2021, [("a", 60.5, 2, 1, 3), ("b", 70.0, 1, 1, 1), ("c", 20.0, 3, 3, 3), ("d", 10.0, 4, 4, 4),
                        ("e", 9.0, 5, 5, 5)])
    prev_values = values([("a", "x", "d1", 60.0), ("b", "x", "d1", 50.0), ("c", "x", "d1", 40.0),
                          ("c", "y", "d2", 90.0), ("e", "x", "d1", 5.0)])
    # b adds y this year: only x is shared, so b's change is 50 -> 52 (not its new composite's jump)
    now_values = values([("a", "x", "d1", 60.5), ("b", "x", "d1", 52.0), ("b", "y", "d2", 100.0),
                         ("c", "x", "d1", 20.0), ("d", "x", "d1", 10.0), ("e", "y", "d2", 9.0)])
    cfg = {"stable_band_points": 1.0, "breaks": []}
    yoy = compare_years(now, prev, cfg, now_values, prev_values).set_index("unit_key")
    assert list(yoy.index) == ["a", "b", "c", "e"]  # d has no previous year
    assert yoy["shared_indicators"].to_dict() == {"a": 1, "b": 1, "c": 1, "e": 0}
    assert yoy.loc["b", "score"] == 52.0 and yoy.loc["b", "previous_score"] == 50.0
    assert yoy["score_change"].head(3).to_dict() == {"a": "stable", "b": "up", "c": "down"}
    assert pd.isna(yoy.loc["e", "score_change"])
    assert not yoy.loc["e", "comparable"] and yoy.loc["e", "not_comparable"] == "no indicator reported in both years"
    assert pd.isna(yoy.loc["e", "score_delta"]) and pd.isna(yoy.loc["e", "rank_change"])
    assert yoy.loc["b", "rank_change"] == 1 and not yoy.loc["b", "rank_change_is_clear"]  # intervals 1-3 and 1-1 overlap
    broken = compare_years(now, prev, {**cfg, "breaks": [{"year": 2021, "reason": "new outline"}]}, now_values,
                           prev_values).set_index("unit_key")
    assert broken.loc["a", "series_break"] == "2021: new outline" and not broken["comparable"].any()
    assert broken["score_delta"].isna().all() and "series break" in broken.loc["a", "not_comparable"]
    other = compare_years(now, scores(2020, [("a", 60.0, 1, 1, 2)], version="0.2.0"), cfg, now_values, prev_values)
    assert other["not_comparable"].tolist() == ["method version 0.2.0 -> 0.3.0"]
    assert compare_years(now, None, cfg).empty


def test_missing_data_classes():
    from pipeline.index.missing import missing_data_status

    units = pd.DataFrame([{"unit_key": "u1", "unit_name": "u1", "admin_level": "county"},
                          {"unit_key": "p1", "unit_name": "p1", "admin_level": "province"}])
    framework = Framework(pd.DataFrame([
        {"indicator": "a", "dimension": "d1", "polarity": 1, "admin_level": "county", "lo": 0.0, "hi": 1.0},
        {"indicator": "a", "dimension": "d1", "polarity": 1, "admin_level": "province", "lo": 0.0, "hi": 1.0},
        {"indicator": "rules", "dimension": "d1", "polarity": 1, "admin_level": "province", "lo": 0.0, "hi": 9.0},
        {"indicator": "c", "dimension": "d2", "polarity": 1, "admin_level": "county", "lo": 0.0, "hi": 1.0},
    ]), ("d1", "d2"))
    panel = pd.DataFrame([{"unit_key": "u1", "indicator": "a", "value": 0.5}])
    status = missing_data_status(units, framework, panel, invalid_pairs={("u1", "c")})
    got = {(r.unit_key, r.indicator): r.status for r in status.itertuples()}
    assert got == {("u1", "a"): "reported", ("u1", "rules"): "NA_structural", ("u1", "c"): "NA_invalid",
                   ("p1", "a"): "NA_unreported", ("p1", "rules"): "NA_unreported", ("p1", "c"): "NA_structural"}


def test_group_mean_imputation_fills_only_applicable_unreported_indicators():
    from pipeline.index.build import impute_group_mean

    units = pd.DataFrame([{"unit_key": "u1", "admin_level": "county"}, {"unit_key": "u2", "admin_level": "county"},
                          {"unit_key": "u3", "admin_level": "county"}])
    n = normalise(PANEL, FRAMEWORK)  # u1 reports a, b, c; u2 reports a, c
    filled = impute_group_mean(n, units, FRAMEWORK)
    added = filled.iloc[len(n):].set_index(["unit_key", "indicator"])["normalised"]
    # u2 gets b = u1's 75; u3 gets the county means of a (25, 100), b (75) and c (80, 0)
    assert added.to_dict() == pytest.approx({("u2", "b"): 75.0, ("u3", "a"): 62.5, ("u3", "b"): 75.0,
                                             ("u3", "c"): 40.0})


def test_dimension_threshold_and_coverage_screening():
    from pipeline.config import load_config
    from pipeline.index.build import dimension_sizes
    from pipeline.index.stage import build_index

    n = normalise(PANEL, FRAMEWORK).assign(admin_level="county")
    sizes = dimension_sizes(FRAMEWORK)  # county: d1 has a and b, d2 has c
    scores = aggregate(n, "arithmetic", dim_sizes=sizes, dimension_min_share=2 / 3)[0].set_index("unit_key")
    assert scores.loc["u1", "dim_d1"] == pytest.approx(50.0)  # 2 of 2 reported
    assert pd.isna(scores.loc["u2"].get("dim_d1")) and scores.loc["u2", "score"] == pytest.approx(0.0)  # 1 of 2: dropped

    # screening: a unit below the screen gets no score and no rank, and a reason
    panel = pd.DataFrame([
        _panel_row(unit_key="A", unit_name="A", indicator="head_appearance_rate", value=90.0),
        _panel_row(unit_key="A", unit_name="A", indicator="online_service_rate", value=95.0),
        _panel_row(unit_key="B", unit_name="B", indicator="head_appearance_rate", value=70.0),
    ])
    units = panel[["unit_key", "unit_name", "admin_level"]].drop_duplicates().reset_index(drop=True)
    cfg = {**load_config("index"), "screen": {"dimension_share": 1.0, "min_dimensions_share": 0.1,
                                               "unreported": "lower_goalpost"}}
    cfg["uncertainty"] = {**cfg["uncertainty"], "draws": 20}
    scores, _ = build_index(panel, units, cfg, 2022)
    ranks = scores.set_index("unit_key")
    # A covers digital (1 of 1) and B no dimension fully; 1 of 9 dimensions is enough here
    assert ranks.loc["A", "rank"] == 1 and ranks.loc["A", "not_ranked"] is None
    assert pd.isna(ranks.loc["B", "rank"]) and pd.isna(ranks.loc["B", "score"])
    assert ranks.loc["B", "not_ranked"].startswith("below_screen") and "disputes 1/5" in ranks.loc["B", "not_ranked"]
    # A's composite: its two values over all nine dimensions, the other 19 county indicators at 0
    assert ranks.loc["A", "score"] == pytest.approx((100 * 0.8 / 5 + 75.0) / 9)
    assert ranks.loc["A", "completeness"] == pytest.approx((1 / 5 + 1) / 9 * 100)
    assert ranks.loc["B", "completeness"] == pytest.approx(1 / 5 / 9 * 100)


def test_size_normalisation_per_10k_residents_with_reference_table(tmp_path):
    from pipeline.config import ConfigError
    from pipeline.index.size import REFERENCE_COLUMNS, load_denominators, size_normalise

    table = tmp_path / "denominators.csv"
    table.write_text(",".join(REFERENCE_COLUMNS) + "\nA,2022,50,30,yearbook\n", encoding="utf-8")
    denominators = load_denominators(table)
    framework_doc = {"indicators": [
        {"code": "reconsideration_cases", "denominator": "per_10k_residents",
         "goalposts_per_denominator": {"county": [0, 10]}},
        {"code": "litigation_cases", "denominator": "per_10k_residents"},  # no per-denominator goalposts
        {"code": "head_appearance_rate", "denominator": "none"}]}
    panel = pd.DataFrame([
        _panel_row(unit_key="A", indicator="reconsideration_cases", value=200.0, unit="件"),
        _panel_row(unit_key="B", indicator="reconsideration_cases", value=200.0, unit="件"),  # no denominator
        _panel_row(unit_key="A", indicator="litigation_cases", value=30.0, unit="件"),
        _panel_row(unit_key="A", indicator="head_appearance_rate", value=90.0)])
    sized = size_normalise(panel, framework_doc, denominators, 2022)
    assert sized["value"].tolist() == [4.0, 200.0, 30.0, 90.0]  # 200 cases / 50 (10k residents)
    assert sized["size_flag"].tolist()[:3] == ["per_10k_residents", "not_size_normalised", "not_size_normalised"]
    assert pd.isna(sized["size_flag"].iloc[3])
    assert sized.loc[0, ["lo_override", "hi_override"]].tolist() == [0, 10]
    table.write_text(",".join(REFERENCE_COLUMNS) + "\nA,2022,-5,30,x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="positive"):
        load_denominators(table)


def test_shipped_denominator_table_loads():
    from pipeline.index.size import load_denominators

    assert isinstance(load_denominators(), dict)


def test_minmax_normalisation_by_hand():
    n = normalise(PANEL, FRAMEWORK, "minmax").set_index(["unit_key", "indicator"])["normalised"]
    assert n[("u1", "a")] == pytest.approx(0.0) and n[("u2", "a")] == pytest.approx(100.0)  # 50 .. 300
    assert n[("u1", "c")] == pytest.approx(100.0) and n[("u2", "c")] == pytest.approx(0.0)  # 40 .. 90
    assert n[("u1", "b")] == pytest.approx(50.0)  # one value: no spread, the middle of the scale


@pytest.mark.parametrize("method", ["arithmetic", "geometric"])
@pytest.mark.parametrize("min_share", [0.0, 2 / 3])
def test_monte_carlo_matrix_scores_equal_the_reference_aggregation(method, min_share):
    """The vectorised scoring used by the uncertainty analysis gives exactly what ``aggregate`` gives."""
    import numpy as np

    from pipeline.index.build import _matrix_scores, _to_matrix, dimension_sizes

    n = normalise(PANEL, FRAMEWORK).assign(admin_level="county")
    units = pd.DataFrame({"unit_key": ["u1", "u2"], "admin_level": "county"})
    weights = {"a": 2.0, "b": 1.0, "c": 1.0}
    dim_weights = {"d1": 1.5, "d2": 0.5}
    sizes = dimension_sizes(FRAMEWORK)
    expected = aggregate(n, method, weights, dim_weights, sizes, min_share)[0].set_index("unit_key")["score"]
    m = _to_matrix(n, units, FRAMEWORK.dimensions)
    dim_size = np.array([[sizes.get(("county", d), 0) for d in FRAMEWORK.dimensions]] * 2, dtype=float)
    got = _matrix_scores(m, np.array([weights[c] for c in m.codes]), np.array([1.5, 0.5]), method, min_share,
                         dim_size)
    for unit_key, value in zip(m.unit_keys, got, strict=True):
        assert value == pytest.approx(expected[unit_key], abs=1e-9)


def test_reproduces_the_hdi_goalpost_example_of_the_human_development_report():
    """Worked example from the literature: UNDP Human Development Report 2013, Technical note 1.

    With the life-expectancy goalposts of that report (20 and 83.57 years) "the longevity component for
    a country where life expectancy at birth is 55 years would be 0.551". Goalpost normalisation is the
    same operation as ours (WJP and the HDI both use fixed goalposts); we score on 0-100.
    The education index of the current HDI (hdr.undp.org: expected years of schooling against 0-18,
    mean years against 0-15, combined by arithmetic mean) is the arithmetic aggregation of a dimension.
    """
    framework = Framework(pd.DataFrame([
        {"indicator": "life_expectancy", "dimension": "health", "polarity": 1, "admin_level": "country",
         "lo": 20.0, "hi": 83.57},
        {"indicator": "expected_schooling", "dimension": "education", "polarity": 1, "admin_level": "country",
         "lo": 0.0, "hi": 18.0},
        {"indicator": "mean_schooling", "dimension": "education", "polarity": 1, "admin_level": "country",
         "lo": 0.0, "hi": 15.0},
    ]), ("health", "education"))
    panel = pd.DataFrame([{"unit_key": "X", "admin_level": "country", "indicator": "life_expectancy", "value": 55.0},
                          {"unit_key": "X", "admin_level": "country", "indicator": "expected_schooling", "value": 9.0},
                          {"unit_key": "X", "admin_level": "country", "indicator": "mean_schooling", "value": 6.0}])
    n = normalise(panel, framework).set_index("indicator")["normalised"]
    assert round(n["life_expectancy"] / 100, 3) == 0.551  # the report's figure
    dims = aggregate(normalise(panel, framework), "arithmetic")[0].set_index("unit_key")
    assert dims.loc["X", "dim_education"] == pytest.approx((9 / 18 + 6 / 15) / 2 * 100)  # 45.0


def test_log_fallback_when_winsorising_is_not_enough():
    import numpy as np

    from pipeline.index.build import treat_outliers

    values = [1.0] * 12 + [1000.0, 2000.0, 3000.0, 5000.0, 10000.0, 50000.0, 100000.0]  # heavy tail
    panel = pd.DataFrame({"unit_key": [f"u{i}" for i in range(len(values))], "admin_level": "county",
                          "indicator": "a", "value": values})
    cfg = {"treatment": "winsorise", "skew_max": 2.0, "kurtosis_max": 3.5, "max_points": 1, "min_units": 5}
    treated, log = treat_outliers(panel, cfg)
    assert list(log["action"]) == ["log_transformed"]
    assert treated["value"].tolist() == pytest.approx(list(np.log(np.array(values) - 1 + 1)))
    # goalposts follow: with [0, 200] raw goalposts and shift 1, hi becomes ln(200) and 1000 clips to 100
    framework = Framework(pd.DataFrame([{"indicator": "a", "dimension": "d1", "polarity": 1,
                                         "admin_level": "county", "lo": 0.0, "hi": 200.0}]), ("d1",))
    n = normalise(treated, framework).set_index("unit_key")["normalised"]
    assert n["u0"] == pytest.approx(0.0) and n["u12"] == pytest.approx(100.0)


def test_accounting_requires_an_extraction_outcome_for_every_accepted_document():
    from pipeline.validate.stage import accounting

    documents = pd.DataFrame({"doc": ["a", "b", "c"], "disposition": ["accepted", "accepted", "quarantined"]})
    outcomes = pd.DataFrame({"doc": ["a", "b"], "outcome": ["indicators_found", "no_indicator_found"]})
    full = accounting(documents, 3, outcomes)
    assert full["balanced"] and full["extraction_outcomes"] == {"indicators_found": 1, "no_indicator_found": 1}
    short = accounting(documents, 3, outcomes.head(1))
    assert not short["balanced"] and short["accepted_without_outcome"] == ["b"]


def test_records_validated_in_chunks_give_the_same_results_as_one_chunk(tmp_path, sample_files, monkeypatch):
    """Bounded-memory validation: 3-row chunks quarantine, flag and number rows exactly as one chunk does."""
    import pandas as pd

    from pipeline import io
    from pipeline.validate import stage

    settings, catalog, records = _one_report_extracted(tmp_path, sample_files)
    assert len(records) >= 8
    broken = records.copy()
    broken.loc[[1, 4, 7], "value"] = -5.0  # critical: quarantined, in three different chunks
    broken.loc[[5], "qualifier"] = "roughly"
    io.write_parquet(catalog.records, broken)

    def run(chunk_rows: int) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
        monkeypatch.setattr(stage, "RECORD_CHUNK_ROWS", chunk_rows)
        stage.run_validate(settings)
        results = io.read_json(catalog.validation_results)
        return results, io.read_parquet(catalog.quarantine), io.read_parquet(catalog.accepted_records)

    whole, chunked = run(1_000_000), run(3)
    assert chunked[0]["records_counts"] == whole[0]["records_counts"]
    assert chunked[0]["rules"] == whole[0]["rules"]
    pd.testing.assert_frame_equal(chunked[1], whole[1])
    pd.testing.assert_frame_equal(chunked[2], whole[2])
    assert sorted(chunked[1].loc[chunked[1]["dataset"] == "records", "row"]) == [1, 4, 5, 7]
