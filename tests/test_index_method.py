"""Index method (issue 20): peer groups, screening, no reward for silence, treatment, honest ranks.

Generated data only (invented figures); the properties are checked on the pipeline's own build."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.index.peers import peer_group_label, peer_groups, rank_within_group


def _unit(key: str, kind: str, tier: str | None, dept_type: str | None = None, level: str | None = None) -> dict:
    return {"unit_key": key, "unit_name": key, "unit_kind": kind, "tier": tier, "dept_type": dept_type,
            "admin_level": level or ("department" if kind == "department" else tier)}


def test_peer_groups_from_the_body_key():
    units = pd.DataFrame(
        [_unit(f"j{i}", "department", "county", "司法") for i in range(3)]
        + [_unit("h1", "department", "county", "人社"), _unit("p1", "department", "prefecture", "司法")]
        + [_unit("c1", "government", "county"), _unit("c2", "government", "prefecture"),
           _unit("m1", "department", "national", "司法", level="department"),
           _unit("s1", "government", "national", level="province"),
           _unit("x1", "department", None, None), _unit("x2", "government", None, level="county")])
    got = dict(zip(units["unit_key"], peer_groups(units, {"min_department_group": 3}), strict=True))
    assert got == {"j0": "county-dept-justice", "j1": "county-dept-justice", "j2": "county-dept-justice",
                   "h1": "county-dept", "p1": "prefecture-dept", "c1": "county", "c2": "prefecture",
                   "m1": "national", "s1": "national", "x1": "unplaced-dept", "x2": "county"}
    # with a larger threshold the three county justice bureaus fall back to the tier's departments
    assert set(peer_groups(units.head(4), {"min_department_group": 4})) == {"county-dept"}
    assert peer_group_label("county-dept-justice") == "县级司法部门"
    assert peer_group_label("county") == "县级政府" and peer_group_label("national") == "中央部委"


def test_ranks_are_within_peer_groups():
    scores = pd.DataFrame({"peer_group": ["county", "county", "county-dept", "county-dept"],
                           "score": [40.0, 60.0, 10.0, np.nan]})
    assert rank_within_group(scores).tolist()[:3] == [2.0, 1.0, 1.0]
    assert pd.isna(rank_within_group(scores).iloc[3])


def test_build_ranks_governments_and_departments_apart():
    from pipeline.config import load_config
    from pipeline.index.stage import build_index

    rows, units = [], []
    for i in range(4):
        for kind, key in (("government", f"3205{i:02d}-gov"), ("department", f"3205{i:02d}-dept-justice")):
            units.append({**_unit(key, kind, "county", "司法" if kind == "department" else None), "unit_name": key})
            for code, value in (("head_appearance_rate", 60.0 + 10 * i), ("online_service_rate", 85.0 + i)):
                rows.append({"unit_key": key, "unit_name": key, "admin_level": units[-1]["admin_level"], "year": 2022,
                             "indicator": code, "value": value, "unit": "%", "qualifier": "exact", "doc": key,
                             "sha256": "x", "start": 0, "end": 1, "quote": "q"})
    cfg = {**load_config("index"), "peer_groups": {"min_department_group": 3},
           "screen": {"dimension_share": 0.0, "min_dimensions_share": 0.0, "unreported": "lower_goalpost"}}
    cfg["uncertainty"] = {**cfg["uncertainty"], "draws": 30}
    scores, _ = build_index(pd.DataFrame(rows), pd.DataFrame(units), cfg, 2022)
    by_group = scores.groupby("peer_group")["rank"].apply(lambda r: sorted(r.dropna().astype(int)))
    assert by_group.to_dict() == {"county": [1, 2, 3, 4], "county-dept-justice": [1, 2, 3, 4]}
    assert set(scores["peer_group"]) == {"county", "county-dept-justice"}
    assert (scores["rank_q95"] <= 4).all()  # intervals within the group of four, not the pooled eight


def generated_year(n_units: int, seed: int, report_share: float = 0.85, level: str = "county") -> tuple:
    """A generated year (invented figures): ``n_units`` governments of one tier, each reporting every
    applicable framework indicator with probability ``report_share``, values drawn around the goalposts
    (about a tenth outside them). A within-report ratio's numerator is a count: its share drawn the same way,
    times a denominator count (20-400) that the same report states with probability ``report_share`` (drawn
    from a second generator, so that the other values do not depend on it). Returns (panel, units)."""
    from pipeline.index.framework import load_framework

    rng = np.random.default_rng(seed)
    parts = np.random.default_rng(seed + 100_000)
    framework = load_framework(2022)
    posts = framework.indicators
    posts = posts[posts["admin_level"] == level]
    rows = []
    for u in range(n_units):
        key = f"9{u:05d}-gov"

        def row(code: str, value: float, unit: str, start: int = 0, key: str = key) -> dict:
            return {"unit_key": key, "unit_name": key, "admin_level": level, "year": 2022, "indicator": code,
                    "value": value, "unit": unit, "qualifier": "exact", "doc": key, "sha256": "x", "start": start,
                    "end": start + 1, "quote": "q"}

        for r in posts.itertuples():
            if rng.random() > report_share:
                if r.indicator in framework.ratios and parts.random() <= report_share:  # the denominator alone
                    rows.append(row(framework.ratios[r.indicator][1], float(parts.integers(20, 401)), "件", start=2))
                continue
            span = r.hi - r.lo
            value = float(np.clip(rng.uniform(r.lo - 0.1 * span, r.hi + 0.1 * span), 0, None))
            if r.hi <= 100 and r.lo >= 0 and ("rate" in r.indicator or r.indicator in framework.ratios):
                value = min(value, 100.0)
            if r.indicator in framework.ratios:  # a count: the share of a denominator the report may state
                denominator = float(parts.integers(20, 401))
                rows.append(row(r.indicator, float(round(value / 100 * denominator)), "件"))
                if parts.random() <= report_share:
                    rows.append(row(framework.ratios[r.indicator][1], denominator, "件", start=2))
                continue
            rows.append(row(r.indicator, round(value, 1), "%"))
    units = pd.DataFrame({"unit_key": [f"9{u:05d}-gov" for u in range(n_units)], "unit_name": "x",
                          "unit_kind": "government", "tier": level, "admin_level": level})
    return pd.DataFrame(rows), units


def _cfg(draws: int = 60) -> dict:
    from pipeline.config import load_config

    cfg = load_config("index")
    return {**cfg, "uncertainty": {**cfg["uncertainty"], "draws": draws}}


def test_screen_ranks_only_units_that_cover_two_thirds_of_every_dimension():
    from pipeline.index.stage import build_index

    panel, units = generated_year(40, seed=3, report_share=0.9)
    scores, _ = build_index(panel, units, _cfg(20), 2022)
    reported = panel.groupby("unit_key")["indicator"].apply(set)
    from pipeline.config import load_config
    from pipeline.index.framework import load_framework

    # the shipped denominator table is empty: size-dependent counts count neither for nor against the screen;
    # a within-report ratio counts (as reported only when its report states both parts)
    sized = {i["code"] for i in load_config("framework")["indicators"]
             if i["denominator"] not in ("none", "per_case")}
    ratios = load_framework(2022).ratios
    posts = load_framework(2022).indicators
    posts = posts[~posts["indicator"].isin(sized)]
    dims = posts[posts["admin_level"] == "county"].groupby("dimension")["indicator"].apply(set)
    for row in scores.itertuples():
        own = reported.get(row.unit_key, set())
        own = {c for c in own if c not in ratios or ratios[c][1] in own}
        covers = all(len(own & members) / len(members) >= 0.6667 for members in dims)
        assert covers == (row.score == row.score) == (row.rank is not pd.NA), row.unit_key
        assert (row.not_ranked is None) == covers
        assert 0 <= row.completeness <= 100
    assert 0 < scores["rank"].notna().sum() < len(scores)  # the screen bites on this year, both ways


def test_withholding_a_value_never_raises_the_published_rank():
    """The issue's property, on a generated year: remove any one reported value of a ranked unit (its
    weakest, its strongest, one at random) and rebuild: its published rank never gets better, and its
    score never rises; below the screen it loses its rank altogether."""
    from pipeline.index.stage import build_index

    panel, units = generated_year(30, seed=11, report_share=0.95)
    cfg = _cfg(60)
    base, indicators = build_index(panel, units, cfg, 2022)
    base = base.set_index("unit_key")
    ranked = base[base["rank"].notna()].index
    assert len(ranked) >= 10
    rng = np.random.default_rng(5)
    checked = 0
    for unit_key in rng.choice(ranked, size=8, replace=False):
        own = indicators[(indicators["unit_key"] == unit_key) & indicators["normalised"].notna()]
        picks = {own.loc[own["normalised"].idxmin(), "indicator"], own.loc[own["normalised"].idxmax(), "indicator"],
                 own["indicator"].iloc[int(rng.integers(len(own)))]}
        for code in picks:
            cut = panel[~((panel["unit_key"] == unit_key) & (panel["indicator"] == code))]
            after = build_index(cut, units, cfg, 2022)[0].set_index("unit_key").loc[unit_key]
            checked += 1
            if pd.isna(after["rank"]):
                assert after["not_ranked"].startswith("below_screen")
                continue
            assert after["score"] <= base.loc[unit_key, "score"] + 1e-9, (unit_key, code)
            assert after["rank"] >= base.loc[unit_key, "rank"], (unit_key, code)
            assert after["rank_median"] >= base.loc[unit_key, "rank_median"], (unit_key, code)
    assert checked >= 16


def test_no_raw_size_dependent_count_has_weight_in_the_composite(monkeypatch):
    """Issue 20 item 3, on a generated year: every count with weight in the composite is either an effort
    count (``denominator: none``), divided by a real denominator (flag ``size_per_...``) or replaced by its
    within-report share (flag ``size_within_report_ratio``); a size-dependent count without a denominator row,
    and a ratio's raw count whose denominator the report does not state, is published with its value,
    weight 0, flag ``not_size_normalised``, and withholding it changes nothing."""
    import copy

    from pipeline.config import load_config
    from pipeline.index import stage

    panel, units = generated_year(30, seed=13, report_share=0.9)
    doc = copy.deepcopy(load_config("framework"))
    for entry in doc["indicators"]:
        if entry["code"] == "public_consultation_drafts":  # invented per-agency goalposts for the test
            entry["goalposts_per_denominator"] = {"county": [0, 2]}
    with_table = set(units["unit_key"].iloc[::2])  # half the units have an (invented) agency count
    table = {(u, 2022): {"residents_10k": None, "agencies": 40.0} for u in with_table}
    monkeypatch.setattr(stage, "load_denominators", lambda *_path: table)
    scores, indicators = stage.build_index(panel, units, _cfg(20), 2022, doc)
    kind = {i["code"]: i["denominator"] for i in doc["indicators"]}
    weighted = indicators[indicators["weight"] > 0]
    expected_flag = {"per_agency": "size_per_agency", "per_10k_residents": "size_per_10k_residents",
                     "per_case": "size_within_report_ratio"}
    for row in weighted.itertuples():
        flags = list(row.flags)
        assert kind[row.indicator] == "none" or expected_flag[kind[row.indicator]] in flags, (row.unit_key,
                                                                                              row.indicator)
        assert "not_size_normalised" not in flags
    per_agency = weighted[weighted["indicator"] == "public_consultation_drafts"]
    assert len(per_agency) > 0 and set(per_agency["unit_key"]) <= with_table
    assert np.allclose(per_agency["value_used"], per_agency["raw_value"] / 40.0)
    shares = weighted[weighted["indicator"].isin([c for c, k in kind.items() if k == "per_case"])]
    assert len(shares) > 0 and (shares["value_used"] <= 100).all() and (shares["value_used"] >= 0).all()
    raw = indicators[[("not_size_normalised" in list(f)) for f in indicators["flags"]]]
    assert {kind[c] for c in raw["indicator"]} == {"per_agency", "per_case"}
    assert (raw["weight"] == 0).all() and raw["normalised"].isna().all() and raw["raw_value"].notna().all()
    assert raw["dimension"].notna().all()
    # withholding a raw count neither helps nor hurts: same score, same completeness
    unit_key, code = raw.iloc[0]["unit_key"], raw.iloc[0]["indicator"]
    cut = panel[~((panel["unit_key"] == unit_key) & (panel["indicator"] == code))]
    after = stage.build_index(cut, units, _cfg(20), 2022, doc)[0].set_index("unit_key").loc[unit_key]
    before = scores.set_index("unit_key").loc[unit_key]
    assert after["completeness"] == pytest.approx(before["completeness"])
    assert (pd.isna(after["score"]) and pd.isna(before["score"])) or after["score"] == pytest.approx(before["score"])


def test_available_case_means_would_reward_silence():
    """The contrast that motivates the default: with available-case means (unreported: none), dropping a
    unit's weakest value raises its score, for every unit whose values are not all equal."""
    from pipeline.index.stage import build_index

    panel, units = generated_year(12, seed=2, report_share=1.0)
    cfg = _cfg(5)
    cfg = {**cfg, "screen": {"dimension_share": 0.0, "min_dimensions_share": 0.0, "unreported": "none"},
           "uncertainty": {**cfg["uncertainty"], "imputations": ["none"]}}
    base, indicators = build_index(panel, units, cfg, 2022)
    base = base.set_index("unit_key")
    raised = 0
    for unit_key in units["unit_key"]:
        own = indicators[(indicators["unit_key"] == unit_key) & indicators["normalised"].notna()]
        weakest = own.loc[own["normalised"].idxmin(), "indicator"]
        cut = panel[~((panel["unit_key"] == unit_key) & (panel["indicator"] == weakest))]
        after = build_index(cut, units, cfg, 2022)[0].set_index("unit_key").loc[unit_key]
        raised += bool(after["score"] > base.loc[unit_key, "score"])
    assert raised >= 0.8 * len(units)


def test_unranked_units_are_published_with_their_disclosure_profile(tmp_path):
    """A peer group where nobody passes the screen still gets its chart (completeness, no ranks) and the
    summary lists every unit with its completeness and reason."""
    from pipeline.publish.charts import ranked_bar, save_chart
    from pipeline.publish.summary import render_summary

    scores = pd.DataFrame([
        {"unit_key": "a", "unit_name": "甲县人民政府", "admin_level": "county", "peer_group": "county", "year": 2022,
         "score": np.nan, "rank": pd.NA, "rank_q05": np.nan, "rank_median": np.nan, "rank_q95": np.nan,
         "coverage": 0.2, "completeness": 23.0, "not_ranked": "below_screen (0.67 of each dimension's indicators): "
                                                                "functions 0/1"},
        {"unit_key": "b", "unit_name": "乙县人民政府", "admin_level": "county", "peer_group": "county", "year": 2022,
         "score": np.nan, "rank": pd.NA, "rank_q05": np.nan, "rank_median": np.nan, "rank_q95": np.nan,
         "coverage": 0.1, "completeness": 11.0, "not_ranked": "no_scored_values"}])
    png, _svg = save_chart(ranked_bar(scores, "county", 2022, "0.3.0"), tmp_path / "ranked_county")
    assert png.stat().st_size > 10_000
    html = render_summary(2022, "0.3.0", scores, pd.DataFrame(), ["charts/ranked_county.png"], [])
    assert "甲县人民政府" in html and "乙县人民政府" in html and "no_scored_values" in html
    assert "charts/ranked_county.png" in html and "县级政府" in html


OUTLIERS = {"treatment": "winsorise", "skew_max": 2.0, "kurtosis_max": 3.5, "max_points": 5, "min_units": 5}


def _group(values: list[float], code: str = "a") -> pd.DataFrame:
    return pd.DataFrame({"unit_key": [f"u{i}" for i in range(len(values))], "admin_level": "county",
                         "peer_group": "county", "indicator": code, "value": values})


def test_winsorising_treats_tied_extremes_together():
    from pipeline.index.build import treat_outliers

    values = [10.0, 11.0, 12.0, 10.0, 13.0, 11.0, 12.0, 10.0, 11.0, 10.0, 12.0, 11.0, 500.0, 500.0]
    assert pd.Series(values).skew() > 2 and pd.Series(values).kurt() > 3.5
    treated, log = treat_outliers(_group(values), OUTLIERS)
    # the old loop replaced 500 by the other 500 and stopped with nothing done; both go to 13 in one step
    assert list(log["action"]) == ["winsorised", "winsorised"] and set(log["unit_key"]) == {"u12", "u13"}
    assert set(log["side"]) == {"high"}
    assert treated["value"].tolist() == [*values[:12], 13.0, 13.0]


def test_left_skewed_rates_are_never_logged_and_a_95_rate_does_not_score_zero():
    from pipeline.index.build import Framework, normalise, treat_outliers

    values = [99.0] * 15 + [98.0] * 15 + [95.0, 30.0, 20.0, 5.0]  # a long low tail
    assert pd.Series(values).skew() < -2 and pd.Series(values).kurt() > 3.5
    treated, log = treat_outliers(_group(values, "rate"), {**OUTLIERS, "max_points": 2})
    assert "log_transformed" not in set(log["action"]) and set(log["side"]) == {"low"}
    assert treated["log_shift"].isna().all()
    framework = Framework(pd.DataFrame([{"indicator": "rate", "dimension": "d", "polarity": 1,
                                         "admin_level": "county", "lo": 90.0, "hi": 100.0}]), ("d",))
    n = normalise(treated, framework).set_index("unit_key")["normalised"]
    assert n["u30"] == pytest.approx(50.0)  # 95 % between the goalposts 90 and 100


def test_log_is_used_only_where_it_helps_and_flags_follow_the_skew():
    from pipeline.index.stage import build_index

    panel, units = generated_year(30, seed=4, report_share=1.0)
    # a right-skewed count (two huge bodies) and a left-skewed rate (a long low tail)
    counts = panel["indicator"] == "normative_doc_cleanup"
    panel.loc[counts, "value"] = [20.0 + i % 7 for i in range(int(counts.sum()))]
    panel.loc[counts & panel["unit_key"].isin(["900001-gov", "900002-gov"]), "value"] = [40000.0, 90000.0]
    rates = panel["indicator"] == "petition_timely_rate"
    panel.loc[rates, "value"] = [99.0 - (i % 3) * 0.5 for i in range(int(rates.sum()))]
    panel.loc[rates & panel["unit_key"].isin(["900020-gov", "900021-gov", "900022-gov"]), "value"] = [
        40.0, 10.0, 5.0]
    _scores, indicators = build_index(panel, units, _cfg(10), 2022)
    flags = indicators.explode("flags").dropna(subset=["flags"])
    treated = flags[flags["flags"].str.startswith("outlier_")]
    skew = panel.groupby("indicator")["value"].skew()
    for row in treated.itertuples():
        side = "high" if skew[row.indicator] > 0 else "low"
        assert row.flags.endswith(side) or row.flags == "outlier_log_transformed", row
        if row.flags == "outlier_log_transformed":
            assert side == "high"
    assert {"normative_doc_cleanup", "petition_timely_rate"} <= set(treated["indicator"])


def test_published_rank_is_the_median_simulated_rank_and_lies_in_its_interval():
    from pipeline.index.stage import build_index

    panel, units = generated_year(60, seed=21, report_share=0.97)
    scores, _ = build_index(panel, units, _cfg(80), 2022)
    ranked = scores[scores["rank"].notna()]
    assert len(ranked) >= 20
    assert (ranked["rank"].astype(float) == ranked["rank_median"]).all()
    assert ((ranked["rank_q05"] <= ranked["rank"].astype(float))
            & (ranked["rank"].astype(float) <= ranked["rank_q95"])).all()
    assert (ranked["rank_median"] == ranked["rank_median"].round()).all()  # a rank some draw gave
    # top decile of the group: rank <= ceil(n / 10); a unit always inside it has probability ~1, one never
    # inside it ~0, and the probabilities of the group add up to about the decile's size
    cutoff = int(np.ceil(len(ranked) / 10))
    p = ranked["top_decile_probability"]
    assert p.between(0, 1).all() and scores.loc[scores["rank"].isna(), "top_decile_probability"].isna().all()
    assert (p[ranked["rank_q95"] <= cutoff] >= 0.95).all() and (p[ranked["rank_q05"] > cutoff] <= 0.05).all()
    assert p.sum() == pytest.approx(cutoff, abs=1.0)


def test_audit_is_per_peer_group_with_n_and_flags():
    from pipeline.index.audit import statistical_audit

    rng = np.random.default_rng(0)
    rows = []
    for group, n in (("county", 12), ("county-dept", 3)):
        for u in range(n):
            base = rng.uniform(0, 100)
            for code in ("a", "b", "c"):
                rows.append({"unit_key": f"{group}{u}", "peer_group": group, "indicator": code, "dimension": "d1",
                             "normalised": float(np.clip(base + rng.normal(0, 5), 0, 100)), "weight": 1 / 3})
    audit = statistical_audit(pd.DataFrame(rows), cfg={"min_units": 5, "alpha_min": 0.7, "pca_min_units": 10})
    alpha = audit[audit["measure"] == "cronbach_alpha"].set_index("peer_group")
    assert alpha.loc["county", "n"] == 12 and alpha.loc["county", "value"] > 0.9 and pd.isna(alpha.loc["county", "flag"])
    assert alpha.loc["county-dept", "n"] == 3 and alpha.loc["county-dept", "flag"] == "too_few_units"
    assert pd.isna(alpha.loc["county-dept", "value"])
    pc1 = audit[audit["measure"] == "pc1_share"].set_index("peer_group")
    assert pc1.loc["county", "value"] > 0.8 and pc1.loc["county-dept", "flag"] == "too_few_units"
    # correlations only within a group with enough units: the three departments give none
    assert set(audit.loc[audit["measure"] == "correlation", "peer_group"]) == {"county"}


def test_sobol_indices_name_the_inputs_that_move_the_ranks():
    """On a generated year, weights are fixed and only the aggregation varies: the aggregation carries
    the rank shift (first-order and total index near 1), the constant weights none."""
    from pipeline.index.stage import build_index, rank_sensitivity

    panel, units = generated_year(40, seed=8, report_share=0.97)
    cfg = _cfg(20)
    cfg["uncertainty"] = {**cfg["uncertainty"], "weight_noise": 0.0, "outlier_treatments": ["winsorise"],
                          "normalisations": ["goalposts"], "aggregations": ["arithmetic", "geometric"],
                          "sobol_base_samples": 64, "screens": [], "extraction": {
                              **cfg["uncertainty"]["extraction"], "options": ["as_extracted"]}}
    scores, _ = build_index(panel, units, cfg, 2022)
    assert scores["rank"].notna().sum() >= 10
    table = rank_sensitivity(panel, scores, cfg, 2022)
    assert set(table["peer_group"]) == {"county", "all"}  # one peer group here, and all ranked units
    sobol = table[table["peer_group"] == "county"].set_index("input")
    assert list(sobol.index) == ["aggregation", "weights"]
    assert sobol.loc["aggregation", "ST"] > 0.9 and sobol.loc["aggregation", "S1"] > 0.8
    assert abs(sobol.loc["weights", "ST"]) < 0.05
    assert (sobol["runs"] == 64 * (2 + 2)).all() and (sobol["n_units"] == scores["rank"].notna().sum()).all()
    # with the configured inputs every varied one gets a row, indices within [0, 1] up to their error
    full = rank_sensitivity(panel, scores, {**_cfg(20), "uncertainty": {**_cfg(20)["uncertainty"],
                                                                         "sobol_base_samples": 32}}, 2022)
    assert set(full["input"]) == {"outlier_treatment", "normalisation", "aggregation", "screen", "extraction",
                                  "weights"}
    assert ((full["ST"] > -0.2) & (full["ST"] < 1.3)).all()


def test_screen_level_and_extraction_confidence_are_uncertain_inputs():
    """Only the screen varies: the rank shift comes from units below the nominal screen that a lower level
    lets in (they push nominal units down). Only extraction varies: dropping values by their confidence
    moves ranks, and widens the published intervals."""
    from pipeline.index.build import extraction_confidence
    from pipeline.index.stage import build_index, rank_sensitivity

    panel, units = generated_year(40, seed=12, report_share=0.9)
    cfg = _cfg(30)
    fixed = {**cfg["uncertainty"], "weight_noise": 0.0, "outlier_treatments": ["winsorise"],
             "normalisations": ["goalposts"], "aggregations": ["arithmetic"], "sobol_base_samples": 32}
    only_screen = {**cfg, "uncertainty": {**fixed, "extraction": {**fixed["extraction"], "options": ["as_extracted"]},
                                          "screens": [{"dimension_share": 0.3, "min_dimensions_share": 0.5}]}}
    scores, _ = build_index(panel, units, only_screen, 2022)
    assert 2 <= scores["rank"].notna().sum() < len(scores)
    sobol = rank_sensitivity(panel, scores, only_screen, 2022)
    row = sobol[(sobol["peer_group"] == "all")].set_index("input")
    assert list(row.index) == ["screen", "weights"] and row.loc["screen", "ST"] > 0.9
    # extraction confidence: clean values get the measured confidence, doubtful ones the lower one
    flagged = panel.assign(n_candidates=1, validation_flags=[[] for _ in range(len(panel))])
    flagged.loc[flagged.index[:5], "n_candidates"] = 3
    flagged.loc[flagged.index[5:8], "validation_flags"] = pd.Series([["panel.plausible_range.x"]] * 3,
                                                                    index=flagged.index[5:8])
    conf = extraction_confidence(flagged, cfg["uncertainty"]["extraction"])
    assert (conf[:8] == 0.5).all() and (conf[8:] == 0.733).all()
    only_extraction = {**cfg, "uncertainty": {**fixed, "screens": []}}
    scores, _ = build_index(flagged, units, only_extraction, 2022)
    sobol = rank_sensitivity(flagged, scores, only_extraction, 2022)
    row = sobol[(sobol["peer_group"] == "all")].set_index("input")
    assert list(row.index) == ["extraction", "weights"] and row.loc["extraction", "ST"] > 0.6  # N = 32: +- 0.2
    assert abs(row.loc["weights", "ST"]) < 0.1
    # the Monte Carlo intervals widen when values are doubted; the published rank stays inside them
    certain = {**cfg, "uncertainty": {**fixed, "extraction": {**fixed["extraction"], "options": ["as_extracted"]}}}
    narrow, _ = build_index(flagged, units, certain, 2022)
    wide, _ = build_index(flagged, units, only_extraction, 2022)
    width = lambda s: (s["rank_q95"] - s["rank_q05"]).mean()  # noqa: E731
    assert width(wide) > width(narrow)
    ranked = wide[wide["rank"].notna()]
    assert ((ranked["rank_q05"] <= ranked["rank"].astype(float)) & (ranked["rank"].astype(float) <= ranked["rank_q95"])).all()


def test_population_table_from_the_census_panel():
    from pipeline.index.population import (
        POPULATION_COLUMNS,
        build_population_table,
        load_population,
        residents_for,
        unmatched_divisions,
    )

    # the builder on invented frames shaped like the source files
    c2020 = pd.DataFrame({"区划代码": [np.nan, 990000.0, 990101.0, 990101.0], "省": ["全国", "某省", "某省", "某省"],
                          "市": [None, None, "某市", "某市"], "区县": [None, None, "甲区", "甲区"],
                          "人口数_合计": [100, 50, 20, 999]})
    c2010 = pd.DataFrame({"地区": ["某省", "甲区", "乙县"], "区划代码": [990000.0, 990101.0, 990102.0],
                          "合计": [40, 18, np.nan]})
    city = pd.DataFrame({"city": ["某市"], "city_code": [990100], "popu_2020": [30.0], "popu_2010": [28.0]})
    table = build_population_table(c2010, c2020, city)
    got = {(r.division_code, r.census_year): r.residents for r in table.itertuples()}
    assert got == {("990000", 2010): 40, ("990000", 2020): 50, ("990100", 2010): 28, ("990100", 2020): 30,
                   ("990101", 2010): 18, ("990101", 2020): 20}  # first row wins, no code or count: left out
    unmatched = unmatched_divisions(table, {"990101": "甲区", "990102": "乙县", "990199": "新区"})
    assert unmatched["division_code"].tolist() == ["990102", "990199"]
    # the shipped table: both censuses, positive counts, and the nearest census for a year
    shipped = load_population()
    assert len(shipped) > 6000 and {y for _c, y in shipped} == {2010, 2020}
    assert residents_for(shipped, "110000", 2017)[1] == 2020 and residents_for(shipped, "110000", 2012)[1] == 2010
    assert residents_for(shipped, "000000", 2020) is None
    assert list(table.columns) == POPULATION_COLUMNS


def test_unit_profile_lists_every_framework_indicator_with_how_it_was_scored():
    from pipeline.config import load_config
    from pipeline.index.missing import missing_data_status, unit_profiles
    from pipeline.index.stage import build_index, ratio_reported, scoring_framework

    panel, units = generated_year(8, seed=6, report_share=0.7)
    scores, indicators = build_index(panel, units, _cfg(10), 2022)
    doc = load_config("framework")
    framework = scoring_framework(units, 2022, doc, panel)
    seen, notes = ratio_reported(panel, doc)
    missing = missing_data_status(units, framework, seen, invalid_pairs=set())
    profiles = unit_profiles(scores, indicators, missing, unsized=framework.unsized, ratio_notes=notes)
    assert len(profiles) == len(units) * framework.indicators["indicator"].nunique()
    reported = profiles[profiles["scored_as"] == "reported"]
    # raw size-dependent counts (no denominator table row) are published with their value, not scored
    unsized = profiles[profiles["scored_as"] == "not_size_normalised"]
    sized_codes = {i["code"] for i in doc["indicators"] if i["denominator"] in ("per_agency", "per_10k_residents")}
    assert set(unsized["indicator"]) == sized_codes and unsized["normalised"].isna().all()
    assert unsized["raw_value"].notna().any() and unsized["why"].str.contains("not scored").all()
    assert reported["quote"].notna().all() and reported["normalised"].notna().all()
    # a within-report share cites its two records; a raw count without its denominator is floored as an
    # unreported share, its value published and the reason given
    ratios = framework.ratios
    shares = reported[reported["indicator"].isin(ratios)]
    assert len(shares) > 0 and shares["derived_from"].notna().all()
    for r in shares.itertuples():
        num, den = ratios[r.indicator]
        assert r.derived_from.startswith(f"{num} {r.raw_value:g}") and f" / {den} " in r.derived_from
    assert reported.loc[~reported["indicator"].isin(ratios), "derived_from"].isna().all()
    floor = profiles[profiles["scored_as"] == "lower_goalpost"]
    assert len(floor) > 0 and (floor["normalised"] == 0).all()
    alone = floor[floor["raw_value"].notna()]
    assert len(alone) > 0 and set(alone["indicator"]) <= set(ratios)
    assert alone["why"].str.contains("within-report ratio not derivable").all()
    in_framework = panel[panel["indicator"].isin(set(framework.indicators["indicator"]))]
    assert len(reported) + unsized["raw_value"].notna().sum() + len(alone) == len(in_framework)
    structural = profiles[profiles["scored_as"] == "not_applicable"]
    assert set(structural["indicator"]) == {"rules_enacted"} and structural["normalised"].isna().all()
    one = scores.iloc[0]
    row = profiles[(profiles["unit_key"] == one["unit_key"]) & (profiles["dimension"] == "disputes")].iloc[0]
    assert (pd.isna(row["dimension_score"]) and pd.isna(one["dim_disputes"])) or \
        row["dimension_score"] == one["dim_disputes"]
    assert (row["not_ranked"] == one["not_ranked"]) or (pd.isna(row["not_ranked"]) and one["not_ranked"] is None)


def _ratio_rows(key: str, parts: list[tuple[str, float, str]]) -> list[dict]:
    return [{"unit_key": key, "unit_name": key, "admin_level": "county", "year": 2022, "indicator": code,
             "value": value, "unit": "件", "qualifier": "exact", "doc": doc, "sha256": "x", "start": 10 * k,
             "end": 10 * k + 3, "quote": "q"} for k, (code, value, doc) in enumerate(parts)]


def test_within_report_ratio_is_scored_only_when_both_parts_come_from_one_report():
    """Method 0.6.0: lenient decisions per penalty case (invented figures). Both parts in one report: the share
    is scored instead of the raw count and cites both records; parts in two reports, or the numerator alone:
    the share is unreported (lower goalpost) and the raw count is published unscored; a numerator above its
    denominator, or a denominator of 0: a warning, not scored, out of the screen's denominators."""
    from pipeline.config import load_config
    from pipeline.index.size import derive_ratios
    from pipeline.index.stage import build_index, scoring_framework

    lenient, penalty = "lenient_enforcement_cases", "penalty_cases"
    rows = (_ratio_rows("910001-gov", [(lenient, 30.0, "a"), (penalty, 300.0, "a")])
            + _ratio_rows("910002-gov", [(lenient, 30.0, "b1"), (penalty, 300.0, "b2")])
            + _ratio_rows("910003-gov", [(lenient, 30.0, "c")])
            + _ratio_rows("910004-gov", [(lenient, 400.0, "d"), (penalty, 300.0, "d")])
            + _ratio_rows("910005-gov", [(lenient, 0.0, "e"), (penalty, 0.0, "e")]))
    panel = pd.DataFrame(rows)
    units = pd.DataFrame({"unit_key": sorted(set(panel["unit_key"])), "unit_name": "x", "unit_kind": "government",
                          "tier": "county", "admin_level": "county"})
    doc = load_config("framework")
    derived, notes = derive_ratios(panel, doc)
    assert {u: n[0] for (u, _c), n in notes.items()} == {
        "910001-gov": "derived", "910002-gov": "different_reports", "910003-gov": "one_part",
        "910004-gov": "invalid", "910005-gov": "invalid"}
    assert notes[("910004-gov", lenient)][1] == "numerator_exceeds_denominator"
    assert notes[("910005-gov", lenient)][1] == "denominator_zero"
    share = derived[(derived["unit_key"] == "910001-gov") & (derived["indicator"] == lenient)]
    assert len(share) == 1 and share["value"].iloc[0] == pytest.approx(10.0)
    assert share["ratio_of"].iloc[0] == f"{lenient} 30 件 (a 0-3) / {penalty} 300 件 (a 10-13)"
    cfg = {**_cfg(5), "screen": {"dimension_share": 0.0, "min_dimensions_share": 0.0, "unreported": "lower_goalpost"}}
    _scores, indicators = build_index(panel, units, cfg, 2022)
    got = indicators[indicators["indicator"] == lenient].set_index("unit_key")
    assert got.loc["910001-gov", "value_used"] == pytest.approx(10.0)  # natural bounds 0-100: normalised 10
    assert got.loc["910001-gov", "normalised"] == pytest.approx(10.0) and got.loc["910001-gov", "weight"] > 0
    assert "size_within_report_ratio" in list(got.loc["910001-gov", "flags"])
    for key in ("910002-gov", "910003-gov", "910004-gov", "910005-gov"):
        assert got.loc[key, "weight"] == 0 and pd.isna(got.loc[key, "normalised"]), key
        assert got.loc[key, "raw_value"] == got.loc[key, "raw_value"] and "not_size_normalised" in list(got.loc[key, "flags"])
    assert "ratio_invalid.numerator_exceeds_denominator" in list(got.loc["910004-gov", "flags"])
    assert "ratio_invalid.denominator_zero" in list(got.loc["910005-gov", "flags"])
    # the denominator itself is context: published, never weighted
    assert (indicators.loc[indicators["indicator"] == penalty, "weight"] == 0).all()
    # an inconsistent pair leaves the screen's denominators; the others stay in them (floored when missing)
    unsized = scoring_framework(units, 2022, doc, panel).unsized
    assert {u for u, c in unsized if c == lenient} == {"910004-gov", "910005-gov"}
    # on a generated year: a share is derived exactly where the same report states both parts; moving half the
    # units' denominators to another report of theirs leaves those units without shares
    year, year_units = generated_year(30, seed=17, report_share=0.9)
    ratios = {i["code"]: i["ratio"]["denominator"] for i in doc["indicators"] if i.get("ratio")}
    moved = set(year_units["unit_key"].iloc[::2])
    year.loc[year["indicator"].isin(set(ratios.values())) & year["unit_key"].isin(moved), "doc"] = "another report"
    derived, _notes = derive_ratios(year, doc)
    shares = derived[derived["ratio_of"].notna()]
    own = year.groupby("unit_key")["indicator"].apply(set)
    expected = {(u, c) for u in year_units["unit_key"] if u not in moved for c, d in ratios.items()
                if {c, d} <= own.get(u, set())}
    assert set(zip(shares["unit_key"], shares["indicator"], strict=True)) == expected and len(expected) > 10


def test_withholding_a_ratio_part_never_raises_the_rank():
    """On a generated year: a ranked unit whose within-report shares were derived withholds the numerator or
    the denominator of one of them (the weakest and one at random); rebuilt, its score and published rank
    never improve. With the configured screen such a unit mostly falls below it (a dimension of two or three
    indicators loses one); without a screen it stays ranked, the share is scored at the lower goalpost, and
    the rank still never improves."""
    from pipeline.index.framework import load_framework
    from pipeline.index.stage import build_index

    panel, units = generated_year(30, seed=11, report_share=0.97)
    ratios = load_framework(2022).ratios
    no_screen = {**_cfg(40), "screen": {**_cfg(40)["screen"], "dimension_share": 0.0, "min_dimensions_share": 0.0}}
    for cfg, screened in ((_cfg(40), True), (no_screen, False)):
        base, indicators = build_index(panel, units, cfg, 2022)
        base = base.set_index("unit_key")
        shares = indicators[indicators["indicator"].isin(ratios) & indicators["normalised"].notna()
                            & indicators["unit_key"].isin(base.index[base["rank"].notna()])]
        assert shares["unit_key"].nunique() >= 6
        rng = np.random.default_rng(7)
        checked = 0
        for unit_key in rng.choice(sorted(set(shares["unit_key"])), size=6, replace=False):
            own = shares[shares["unit_key"] == unit_key]
            codes = {own.loc[own["normalised"].idxmin(), "indicator"],
                     own["indicator"].iloc[int(rng.integers(len(own)))]}
            for code in codes:
                for part in ratios[code]:
                    cut = panel[~((panel["unit_key"] == unit_key) & (panel["indicator"] == part))]
                    after = build_index(cut, units, cfg, 2022)[0].set_index("unit_key").loc[unit_key]
                    if pd.isna(after["rank"]):
                        assert screened and after["not_ranked"].startswith("below_screen")
                        continue
                    checked += 1
                    assert after["score"] <= base.loc[unit_key, "score"] + 1e-9, (unit_key, part)
                    assert after["rank"] >= base.loc[unit_key, "rank"], (unit_key, part)
        assert screened or checked >= 12


def test_report_timeliness_is_derived_from_the_publication_date():
    """annual_report_timeliness (days after 4月1日 of the following year, 0 when on time) comes from the
    report's publication date: no extraction rule gives it, and without it no body could cover the leadership
    dimension (two indicators). A missing or unreadable date: no value (scored at the lower goalpost)."""
    from pipeline.index.stage import build_index
    from pipeline.index.timeliness import with_timeliness

    units = pd.DataFrame({"unit_key": ["920001-gov", "920002-gov", "920003-gov", "920004-gov"], "unit_name": "x",
                          "unit_kind": "government", "tier": "county", "admin_level": "county",
                          "publish_date": ["2023-03-15", "2023-05-01", None, "2023-13-45"],
                          "report_doc": ["d1", "d2", "d3", "d4"], "report_sha256": "s"})
    panel = pd.DataFrame(_ratio_rows("920001-gov", [("leadership_law_study_sessions", 12.0, "d1")]))
    got = with_timeliness(panel, units, 2022, {"deadline": "04-01"})
    days = got[got["indicator"] == "annual_report_timeliness"].set_index("unit_key")
    assert days["value"].to_dict() == {"920001-gov": 0.0, "920002-gov": 30.0}
    assert days.loc["920002-gov", "doc"] == "d2" and days.loc["920002-gov", "quote"] == "发布日期 2023-05-01"
    assert with_timeliness(panel, units, 2022, None) is panel  # off without the setting
    # scored with direction -1 on the 0-120 day goalposts: on time 100, a month late 75
    _scores, indicators = build_index(panel, units, _cfg(5), 2022)
    scored = indicators[indicators["indicator"] == "annual_report_timeliness"].set_index("unit_key")["normalised"]
    assert scored.to_dict() == pytest.approx({"920001-gov": 100.0, "920002-gov": 75.0})
