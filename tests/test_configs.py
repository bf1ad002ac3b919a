"""Every configuration file loads and passes its schema; every expectation in every suite loads in GX."""

from __future__ import annotations

import json

import pytest

from pipeline.config import ConfigError, load_config, validate_against_schema
from pipeline.extract.catalogue import load_catalogue
from pipeline.settings import CONFIG_DIR, EXPECTATIONS_DIR
from pipeline.validate.gx_runner import build_suite
from pipeline.validate.suites import SUITE_NAMES, panel_suite, read_suite

CONFIG_NAMES = ["indicators", "extraction", "identify", "bodies", "normalise", "validation", "index", "framework",
                "goalposts"]


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_config_loads_and_has_a_schema(name):
    assert (CONFIG_DIR / f"{name}.schema.json").exists(), f"configs/{name}.yaml has no schema"
    assert load_config(name)


def test_schemas_reject_broken_settings_and_patterns():
    import yaml

    def problems(name: str, mutate) -> str:
        doc = yaml.safe_load((CONFIG_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        mutate(doc)
        schema = json.loads((CONFIG_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
        with pytest.raises(ConfigError) as caught:
            validate_against_schema(doc, schema, CONFIG_DIR / f"{name}.yaml")
        return str(caught.value)

    assert "regex" in problems("extraction", lambda d: d["scope"].update(delta="同比|(增长"))
    assert "title_subject" in problems("identify", lambda d: d.pop("title_subject"))
    assert "harmonic" in problems("index", lambda d: d.update(aggregation="harmonic"))
    assert "max_quarantine_share" in problems("validation", lambda d: d.update(max_quarantine_share=1.5))
    assert "spam_terms" in problems("normalise", lambda d: d.update(spam_terms=[]))


def test_catalogue_has_38_indicators_in_9_dimensions():
    catalogue = load_catalogue()
    assert len(catalogue.indicators) == 38 and len(catalogue.dimensions) == 9
    assert len({i.code for i in catalogue.indicators}) == 38
    assert all(i.code.isascii() and i.code[0].isalpha() for i in catalogue.indicators)


def test_schema_rejects_a_broken_catalogue():
    import yaml

    doc = yaml.safe_load((CONFIG_DIR / "indicators.yaml").read_text(encoding="utf-8"))
    schema = json.loads((CONFIG_DIR / "indicators.schema.json").read_text(encoding="utf-8"))
    doc["indicators"][0]["type"] = "percentage"
    del doc["indicators"][1]["dimension"]
    with pytest.raises(ConfigError, match="2 problem"):
        validate_against_schema(doc, schema, CONFIG_DIR / "indicators.yaml")


@pytest.mark.parametrize("name", [n for n in SUITE_NAMES if (EXPECTATIONS_DIR / f"{n}.json").exists()])
def test_every_expectation_loads_and_has_a_severity(name):
    doc = read_suite(name)
    suite = build_suite(doc)  # raises if GX dropped any expectation
    assert len(suite.expectations) == len(doc["expectations"]) > 0
    for exp in doc["expectations"]:
        assert exp["severity"] in ("critical", "warning"), exp
        assert exp["meta"]["rule"], exp


def test_committed_panel_suite_matches_the_catalogue():
    committed = read_suite("panel")
    assert committed == json.loads(json.dumps(panel_suite())), "run `rolindex suites` and commit"
