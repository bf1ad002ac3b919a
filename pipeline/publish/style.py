"""House chart style: a bundled CJK font (Noto Sans SC from the pylopdf-fonts-zh-cn package)."""

from __future__ import annotations

from functools import cache


@cache
def use_house_style() -> str:
    """Register the CJK font with matplotlib (Agg backend) once; returns the font family name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pylopdf_fonts_zh_cn
    from matplotlib import font_manager

    path = str(pylopdf_fonts_zh_cn.sans_path())
    font_manager.fontManager.addfont(path)
    family = font_manager.FontProperties(fname=path).get_name()
    plt.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": True,
        "svg.hashsalt": "rolindex",
        "figure.dpi": 100,
    })
    return family
