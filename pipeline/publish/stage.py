"""Publish stage: index and validation outputs -> publish/year=Y/ (parquet, CSV, charts, HTML report)."""

from __future__ import annotations

import logging
import shutil
from typing import Any

from pipeline import io
from pipeline.catalog import Catalog
from pipeline.publish.charts import ranked_bar
from pipeline.publish.report import render_report
from pipeline.settings import RunSettings

log = logging.getLogger(__name__)


def run_publish(settings: RunSettings) -> dict[str, Any]:
    import matplotlib.pyplot as plt

    catalog = Catalog(settings.out, settings.year)
    out = catalog.publish_dir
    scores = io.read_parquet(catalog.scores)
    indicators = io.read_parquet(catalog.indicator_scores)
    documents = io.read_parquet(catalog.documents)
    quarantine = io.read_parquet(catalog.quarantine)
    results = io.read_json(catalog.validation_results)
    audit = io.read_parquet(catalog.audit)
    yoy = io.read_parquet(catalog.year_over_year)
    missing = io.read_parquet(catalog.missing)
    io.write_parquet(out / "scores.parquet", scores)
    io.write_parquet(out / "indicators.parquet", indicators)
    io.write_parquet(out / "documents.parquet", documents)
    io.write_parquet(out / "audit.parquet", audit)
    io.write_parquet(out / "year_over_year.parquet", yoy)
    io.write_parquet(out / "missing.parquet", missing)
    for name, frame in (("scores", scores), ("indicators", indicators), ("audit", audit), ("year_over_year", yoy),
                        ("missing", missing)):
        io.write_bytes(out / f"{name}.csv", frame.to_csv(index=False).encode("utf-8-sig"))
    io.write_text(out / "validation_report.html", render_report(results, documents, quarantine, scores, audit, yoy,
                                                                    missing))
    shutil.copyfile(catalog.validation_results, out / ".validation_results.json.tmp")
    (out / ".validation_results.json.tmp").replace(out / "validation_results.json")
    charts = []
    method_version = str(scores["method_version"].iloc[0]) if len(scores) else "n/a"
    for level in sorted(scores.loc[scores["score"].notna(), "admin_level"].unique()):
        fig = ranked_bar(scores, level, settings.year, method_version)
        target = out / "charts" / f"ranked_{level}.png"
        with io.atomic_path(target) as tmp:
            fig.savefig(tmp, format="png", metadata={"Software": None})
        plt.close(fig)
        charts.append(str(target))
    log.info("publish: %s", out)
    return {"publish_dir": str(out), "charts": charts}
