"""Frozen goalposts and applicability (issue 20): goalposts calibrated on a base year per peer group, read
from the frozen file by later years, a new version is a series break; indicators scored only for the
bodies they fit. Generated data only (invented figures)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.test_index_method import _cfg, generated_year


def _calibrated(tmp_path, n_units: int = 60, version: str = "2022.t"):
    from pipeline.config import load_config
    from pipeline.index.goalposts import calibrate, dump
    from pipeline.index.stage import prepare_panel

    panel, units = generated_year(n_units, seed=21, report_share=0.9)
    cfg = _cfg(10)
    sized, _units, framework = prepare_panel(panel, units, cfg, 2022, load_config("framework"), goalposts=None)
    doc = calibrate(sized, framework, load_config("framework"), cfg["goalposts"]["calibration"], version, 2022)
    path = tmp_path / "goalposts.yaml"
    path.write_text(dump(doc), encoding="utf-8")
    return panel, units, doc, path


def test_goalposts_are_calibrated_per_peer_group_on_the_base_year(tmp_path):
    from pipeline.index.goalposts import load_goalposts

    panel, _units, doc, path = _calibrated(tmp_path)
    county = doc["groups"]["county"]
    # a count with enough values: the 5th and 95th percentiles of the base year's values
    values = panel.loc[panel["indicator"] == "normative_doc_cleanup", "value"].to_numpy(float)
    entry = county["normative_doc_cleanup"]
    assert entry["source"] == "p5-p95" and entry["n"] == len(values) >= 10
    assert entry["lo"] == pytest.approx(np.percentile(values, 5), abs=1e-6)
    assert entry["hi"] == pytest.approx(np.percentile(values, 95), abs=1e-6)
    # a within-report share: the same percentiles of the shares derived from both parts of one report (not of
    # the raw counts); with too few shares (or shares: natural) its natural bounds 0-100
    from pipeline.config import load_config
    from pipeline.index.goalposts import calibrate
    from pipeline.index.size import derive_ratios

    derived, _notes = derive_ratios(panel, load_config("framework"))
    shares = derived.loc[(derived["indicator"] == "lenient_enforcement_cases") & derived["ratio_of"].notna(), "value"]
    entry = county["lenient_enforcement_cases"]
    assert entry["source"] == "p5-p95" and entry["n"] == len(shares) >= 10
    assert entry["lo"] == pytest.approx(np.percentile(shares, 5), abs=1e-6) and entry["hi"] <= 100
    assert len(shares) < (panel["indicator"] == "lenient_enforcement_cases").sum()  # raw counts alone left out
    from pipeline.index.stage import prepare_panel

    sized, _u, framework = prepare_panel(panel, _units, _cfg(10), 2022, load_config("framework"), goalposts=None)
    natural = calibrate(sized, framework, load_config("framework"),
                        {**_cfg(10)["goalposts"]["calibration"], "shares": "natural"}, "n", 2022)
    assert natural["groups"]["county"]["lenient_enforcement_cases"] == {"lo": 0.0, "hi": 100.0, "n": len(shares),
                                                                        "source": "natural_bounds"}
    # a rate keeps its policy goalposts, whatever the base year reached
    assert county["legal_counsel_coverage"] == {"lo": 90.0, "hi": 100.0, "n": county["legal_counsel_coverage"]["n"],
                                                "source": "policy"}
    # not applicable to county governments: no entry
    assert "rules_enacted" not in county
    # the written file reads back identically (schema-checked)
    frozen = load_goalposts(path)
    assert frozen.version == "2022.t" and frozen.base_year == 2022
    cleanup = county["normative_doc_cleanup"]
    assert frozen.table[("county", "normative_doc_cleanup")] == (cleanup["lo"], cleanup["hi"])
    assert frozen.table[("county", "lenient_enforcement_cases")] == (entry["lo"], entry["hi"])


def test_later_years_are_scored_against_the_frozen_file(tmp_path):
    """A later year reuses the base year's file: its normalised values follow the frozen goalposts, and
    changing the file (not the framework) changes them; the version is published with the scores."""
    import yaml

    from pipeline.index.goalposts import load_goalposts
    from pipeline.index.stage import build_index

    _panel, _units, doc, path = _calibrated(tmp_path)
    later, units = generated_year(20, seed=22, report_share=0.9)
    later = later.assign(year=2023)
    cfg = {**_cfg(10), "goalposts": {**_cfg(10)["goalposts"], "file": str(path)}}
    scores, indicators = build_index(later, units, cfg, 2023)
    assert set(scores["goalposts_version"]) == {"2022.t"}
    lo, hi = doc["groups"]["county"]["normative_doc_cleanup"]["lo"], doc["groups"]["county"]["normative_doc_cleanup"]["hi"]
    rows = indicators[indicators["indicator"] == "normative_doc_cleanup"]
    expected = ((rows["raw_value"] - lo) / (hi - lo)).clip(0, 1) * 100
    assert np.allclose(rows["normalised"], expected, atol=1e-6)
    # the framework's default goalposts for county cleanups are not what was used
    assert (lo, hi) != (5.0, 200.0)
    # a recalibrated file with other goalposts and a new version: other scores, other version
    doc2 = {**doc, "version": "2023.t"}
    doc2["groups"] = {**doc["groups"], "county": {**doc["groups"]["county"],
                                                  "normative_doc_cleanup": {"lo": 0.0, "hi": 10000.0, "n": 0,
                                                                            "source": "framework_default"}}}
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(doc2, allow_unicode=True), encoding="utf-8")
    scores2, indicators2 = build_index(later, units, cfg, 2023, goalposts=load_goalposts(other))
    assert set(scores2["goalposts_version"]) == {"2023.t"}
    rows2 = indicators2[indicators2["indicator"] == "normative_doc_cleanup"]
    assert np.allclose(rows2["normalised"], (rows2["raw_value"] / 10000).clip(0, 1) * 100, atol=1e-6)


def test_a_new_goalposts_version_makes_year_over_year_not_comparable():
    from pipeline.index.yoy import compare_years

    base = {"unit_key": "a", "unit_name": "甲", "admin_level": "county", "peer_group": "county", "score": 50.0,
            "rank": 1, "rank_q05": 1.0, "rank_q95": 1.0, "method_version": "0.4.0"}
    now = pd.DataFrame([{**base, "year": 2023, "goalposts_version": "2023.1"}])
    before = pd.DataFrame([{**base, "year": 2022, "goalposts_version": "2022.1"}])
    ind = pd.DataFrame([{"unit_key": "a", "indicator": "x", "dimension": "d", "normalised": 40.0}])
    cfg = {"stable_band_points": 1.0, "breaks": []}
    yoy = compare_years(now, before, cfg, ind, ind)
    assert not yoy["comparable"].iloc[0] and "goalposts version 2022.1 -> 2023.1" in yoy["not_comparable"].iloc[0]
    assert pd.isna(yoy["score_delta"].iloc[0])
    same = compare_years(now, before.assign(goalposts_version="2023.1"), cfg, ind, ind)
    assert same["comparable"].iloc[0] and same["score_delta"].iloc[0] == 0


def test_the_shipped_goalposts_file_loads_with_its_version():
    from pipeline.config import load_config
    from pipeline.index.goalposts import load_goalposts

    frozen = load_goalposts(load_config("index")["goalposts"]["file"])
    assert frozen.version and frozen.base_year and frozen.table
    assert all(lo < hi for lo, hi in frozen.table.values())


def test_indicators_apply_only_to_the_bodies_they_fit():
    """rules_enacted (government rules) applies to provincial and prefecture governments only: a prefecture
    department and a county government reporting a figure are not scored on it, and it is not missing
    for them either (NA_structural), so it neither helps nor hurts them."""
    from pipeline.index.build import applicable
    from pipeline.index.framework import FrameworkError, check_framework, fits, load_framework
    from pipeline.index.missing import missing_data_status
    from pipeline.index.stage import build_index

    assert fits({"kinds": ["government"], "tiers": ["province", "prefecture"]}, "government", "prefecture", None)
    assert not fits({"kinds": ["government"]}, "department", "prefecture", "司法")
    assert not fits({"dept_types": ["司法"]}, "department", "county", "人社") and fits(None, "x", "y", None)
    units = pd.DataFrame([
        {"unit_key": "330200-gov", "unit_name": "甲市人民政府", "unit_kind": "government", "tier": "prefecture",
         "dept_type": None, "admin_level": "prefecture"},
        {"unit_key": "330200-dept-justice", "unit_name": "甲市司法局", "unit_kind": "department", "tier": "prefecture",
         "dept_type": "司法", "admin_level": "department"},
        {"unit_key": "330281-gov", "unit_name": "乙县人民政府", "unit_kind": "government", "tier": "county",
         "dept_type": None, "admin_level": "county"}])
    framework = load_framework(2022)
    pairs = applicable(units, framework)
    fitting = set(pairs.loc[pairs["indicator"] == "rules_enacted", "unit_key"])
    assert fitting == {"330200-gov"}
    rows = [{"unit_key": u.unit_key, "unit_name": u.unit_name, "admin_level": u.admin_level, "year": 2022,
             "indicator": code, "value": value, "unit": "件", "qualifier": "exact", "doc": u.unit_key, "sha256": "x",
             "start": 0, "end": 1, "quote": "q"}
            for u in units.itertuples() for code, value in (("rules_enacted", 5.0), ("normative_doc_cleanup", 40.0))]
    panel = pd.DataFrame(rows)
    cfg = _cfg(10)
    _scores, indicators = build_index(panel, units, cfg, 2022)
    got = indicators.set_index(["unit_key", "indicator"])
    assert got.loc[("330200-gov", "rules_enacted"), "normalised"] == pytest.approx(62.5)
    for key in ("330200-dept-justice", "330281-gov"):
        row = got.loc[(key, "rules_enacted")]
        assert pd.isna(row["normalised"]) and row["weight"] == 0 and "not_applicable" in list(row["flags"])
        assert got.loc[(key, "normative_doc_cleanup"), "normalised"] == got.loc[(key, "normative_doc_cleanup"),
                                                                                 "normalised"]
    status = missing_data_status(units, framework, panel, set()).set_index(["unit_key", "indicator"])["status"]
    assert status[("330200-gov", "rules_enacted")] == "reported"
    assert status[("330200-dept-justice", "rules_enacted")] == "NA_structural"
    assert status[("330281-gov", "rules_enacted")] == "NA_structural"
    # the department's rulemaking dimension has one indicator fewer to cover than its government's
    n_gov = len(pairs[(pairs["unit_key"] == "330200-gov") & (pairs["dimension"] == "rulemaking")])
    n_dept = len(pairs[(pairs["unit_key"] == "330200-dept-justice") & (pairs["dimension"] == "rulemaking")])
    assert n_dept == n_gov - 1
    # an applies_to naming an unknown department type is refused
    from pipeline.config import load_config
    from pipeline.extract.catalogue import load_catalogue

    doc = load_config("framework")
    broken = {**doc, "indicators": [{**i, "applies_to": {"dept_types": ["不存在"]}} if i["code"] == "rules_enacted"
                                    else i for i in doc["indicators"]]}
    with pytest.raises(FrameworkError, match="不存在"):
        check_framework(broken, {i.code for i in load_catalogue().indicators})


def test_profiles_and_sensitivity_conform_to_their_published_tables():
    """The per-unit profiles and the Sobol table are published tables (configs/published_tables.yaml): the
    index's frames conform to the declared schemas and are written typed; every unit gets a completeness
    rank within its peer group, ranked or not."""
    import pyarrow as pa

    from pipeline.index.framework import load_framework
    from pipeline.index.missing import missing_data_status, unit_profiles
    from pipeline.index.stage import build_index, rank_sensitivity
    from pipeline.publish.schemas import PUBLISHED_TABLES, conform, table_schema

    assert {"profiles", "sensitivity"} <= set(PUBLISHED_TABLES)
    panel, units = generated_year(30, seed=31, report_share=0.9)
    cfg = _cfg(10)
    cfg["uncertainty"] = {**cfg["uncertainty"], "sobol_base_samples": 8}
    scores, indicators = build_index(panel, units, cfg, 2022)
    assert 0 < scores["rank"].notna().sum() < len(scores)
    expected = scores["completeness"].rank(ascending=False, method="min").astype(int)
    assert (scores["completeness_rank"].astype(int) == expected).all()
    framework = load_framework(2022)
    profiles = unit_profiles(scores, indicators, missing_data_status(units, framework, panel, set()),
                             {"rules_enacted": "no rule-making power"})
    assert (profiles.loc[profiles["status"] == "reported", "why"].isna()).all()
    assert set(profiles.loc[profiles["indicator"] == "rules_enacted", "why"]) == {
        "does not apply to this body: no rule-making power"}
    assert profiles.loc[profiles["status"] == "NA_unreported", "why"].str.contains("lower goalpost").all()
    sensitivity = rank_sensitivity(panel, scores, cfg, 2022)
    assert len(sensitivity) and set(sensitivity["peer_group"]) == {"county", "all"}
    for name, frame in (("profiles", profiles), ("sensitivity", sensitivity),
                        ("sensitivity", sensitivity.iloc[0:0])):
        schema = table_schema(name, framework.dimensions, cfg["method_version"])
        table = pa.Table.from_pandas(conform(frame, schema), schema=schema, preserve_index=False)
        assert table.num_rows == len(frame)


def _denominator_table(path, units, year: int, seed: int):
    """An invented denominator table (a user's CSV): agencies 20-60 per unit."""
    import csv

    from pipeline.index.size import REFERENCE_COLUMNS

    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(REFERENCE_COLUMNS)
        for u in units["unit_key"]:
            writer.writerow([u, year, "", int(rng.integers(20, 61)), "invented for the test"])
    return path


def test_per_denominator_goalposts_are_calibrated_from_a_users_denominator_table(tmp_path):
    """Issue 20 item 4 on generated years: a base year processed with a user's denominator table (configs
    `denominators.file`) calibrates per-agency goalposts for a per-agency count (entry `per: per_agency`, the
    percentiles of the divided values); a later year with a table row is scored divided against them, and a
    unit without a row is still not scored."""
    from pipeline.config import load_config
    from pipeline.index.goalposts import calibrate, dump, load_goalposts
    from pipeline.index.stage import build_index, prepare_panel

    doc = load_config("framework")
    panel, units = generated_year(60, seed=21, report_share=0.9)
    table = _denominator_table(tmp_path / "denominators.csv", units, 2022, seed=1)
    cfg = {**_cfg(10), "denominators": {"file": str(table)}}
    sized, _units, framework = prepare_panel(panel, units, cfg, 2022, doc, goalposts=None, calibrating=True)
    divided = sized[(sized["indicator"] == "public_consultation_drafts") & (sized["size_flag"] == "per_agency")]
    assert len(divided) >= 10
    frozen = calibrate(sized, framework, doc, cfg["goalposts"]["calibration"], "2022.d", 2022)
    entry = frozen["groups"]["county"]["public_consultation_drafts"]
    assert entry["per"] == "per_agency" and entry["source"] == "p5-p95" and entry["n"] == len(divided)
    assert entry["lo"] == pytest.approx(np.percentile(divided["value"], 5), abs=1e-6)
    assert "per" not in frozen["groups"]["county"]["normative_doc_cleanup"]  # effort counts stay raw
    path = tmp_path / "goalposts.yaml"
    path.write_text(dump(frozen), encoding="utf-8")
    assert load_goalposts(path).per_denominator[("county", "public_consultation_drafts")] == (entry["lo"], entry["hi"])
    # a later year: units with a row are scored per agency against the frozen goalposts, the others not at all
    later, later_units = generated_year(20, seed=22, report_share=0.95)
    later = later.assign(year=2023)
    with_rows = later_units.iloc[::2]
    table = _denominator_table(tmp_path / "denominators_2023.csv", with_rows, 2023, seed=2)
    cfg = {**_cfg(10), "denominators": {"file": str(table)}, "goalposts": {**_cfg(10)["goalposts"], "file": str(path)}}
    _scores, indicators = build_index(later, later_units, cfg, 2023)
    rows = indicators[indicators["indicator"] == "public_consultation_drafts"].set_index("unit_key")
    sized_rows = rows[[("size_per_agency" in list(f)) for f in rows["flags"]]]
    assert len(sized_rows) > 0 and set(sized_rows.index) <= set(with_rows["unit_key"])
    expected = ((sized_rows["value_used"] - entry["lo"]) / (entry["hi"] - entry["lo"])).clip(0, 1) * 100
    assert np.allclose(sized_rows["normalised"], expected, atol=1e-6) and (sized_rows["weight"] > 0).all()
    others = rows.drop(index=sized_rows.index)
    assert len(others) > 0 and (others["weight"] == 0).all() and others["normalised"].isna().all()
