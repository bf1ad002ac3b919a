"""Charts render Chinese text with the bundled font (no missing-glyph warning) into non-trivial images."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.charts import dimension_heatmap, ranked_bar, save_chart, slope_chart

DIMS = {"functions": "政府职能依法全面履行", "disputes": "矛盾纠纷依法有效化解"}


def _scores() -> pd.DataFrame:
    rows = []
    for i, name in enumerate(["鄂托克旗人民政府", "丹东市振兴区人民政府", "柳州市柳江区人民政府"]):
        rows.append({"unit_key": f"u{i}", "unit_name": name, "admin_level": "county", "year": 2022,
                     "score": 80.0 - 20 * i, "rank": i + 1, "rank_q05": max(1, i), "rank_median": i + 1,
                     "rank_q95": i + 2, "dim_functions": 70.0 - 10 * i, "dim_disputes": np.nan if i == 2 else 90.0})
    return pd.DataFrame(rows)


def _yoy() -> pd.DataFrame:
    s = _scores()
    return s.assign(previous_year=2021, previous_score=s["score"] - 5, score_delta=5.0, score_change="up",
                    previous_rank=s["rank"], rank_change=0, rank_change_is_clear=False, series_break=None)


@pytest.mark.parametrize("make", [
    lambda: ranked_bar(_scores(), "county", 2022, "0.2.0"),
    lambda: dimension_heatmap(_scores(), DIMS, 2022, "0.2.0"),
    lambda: slope_chart(_yoy(), 2022, "0.2.0"),
], ids=["ranked_bar", "heatmap", "slope"])
def test_chart_has_all_glyphs_and_real_content(make, tmp_path):
    from PIL import Image

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png, svg = save_chart(make(), tmp_path / "chart")
    glyph_warnings = [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing from" in str(w.message)]
    assert glyph_warnings == []
    assert png.stat().st_size > 10_000 and svg.stat().st_size > 10_000
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.shape[0] > 150 and pixels.shape[1] > 300
    assert pixels.std() > 10  # not a blank canvas
    assert "<svg" in svg.read_text(encoding="utf-8")[:500]


def test_chart_files_are_deterministic(tmp_path):
    first = save_chart(ranked_bar(_scores(), "county", 2022, "0.2.0"), tmp_path / "a")
    second = save_chart(ranked_bar(_scores(), "county", 2022, "0.2.0"), tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
