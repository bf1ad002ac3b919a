"""Index method (issue 20): peer groups, screening, no reward for silence, treatment, honest ranks.

Generated data only (invented figures); the properties are checked on the pipeline's own build."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    cfg = {**load_config("index"), "peer_groups": {"min_department_group": 3}}
    cfg["uncertainty"] = {**cfg["uncertainty"], "draws": 30}
    scores, _ = build_index(pd.DataFrame(rows), pd.DataFrame(units), cfg, 2022)
    by_group = scores.groupby("peer_group")["rank"].apply(lambda r: sorted(r.dropna().astype(int)))
    assert by_group.to_dict() == {"county": [1, 2, 3, 4], "county-dept-justice": [1, 2, 3, 4]}
    assert set(scores["peer_group"]) == {"county", "county-dept-justice"}
    assert (scores["rank_q95"] <= 4).all()  # intervals within the group of four, not the pooled eight
