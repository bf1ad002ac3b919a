"""The only place that maps (zone, year, dataset) to a path.

Zones follow the pipeline's stages; each is partitioned ``year=YYYY/`` so that a task reads
exactly its input partition and overwrites exactly its output partition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ZONES = ("raw", "text", "extracted", "validated", "index", "publish")


@dataclass(frozen=True)
class Catalog:
    """Dataset paths of one run year under one output root."""

    out: Path
    year: int

    def zone(self, name: str) -> Path:
        if name not in ZONES:
            raise ValueError(f"unknown zone {name!r}; zones are {ZONES}")
        return self.out / name / f"year={self.year}"

    # ingest
    @property
    def raw_documents(self) -> Path:
        """One row per submitted file: provenance, status, reason (parquet)."""
        return self.zone("raw") / "documents.parquet"

    def raw_text(self, doc: str) -> Path:
        return self.zone("raw") / "text" / f"{doc}.txt"

    # normalise
    @property
    def documents(self) -> Path:
        """Raw documents plus normalisation flags, identification and de-duplication (parquet)."""
        return self.zone("text") / "documents.parquet"

    def text(self, doc: str) -> Path:
        return self.zone("text") / "docs" / f"{doc}.txt"

    def offsets(self, doc: str) -> Path:
        return self.zone("text") / "docs" / f"{doc}.offsets.npy"

    # extract
    @property
    def records(self) -> Path:
        return self.zone("extracted") / "records.parquet"

    @property
    def extraction_outcomes(self) -> Path:
        """One row per accepted document: how many records it gave, or why none."""
        return self.zone("extracted") / "outcomes.parquet"

    @property
    def panel(self) -> Path:
        return self.zone("extracted") / "panel.parquet"

    # validate
    @property
    def accepted_panel(self) -> Path:
        return self.zone("validated") / "panel.parquet"

    @property
    def accepted_records(self) -> Path:
        return self.zone("validated") / "records.parquet"

    @property
    def quarantine(self) -> Path:
        return self.zone("validated") / "quarantine.parquet"

    @property
    def validation_results(self) -> Path:
        return self.zone("validated") / "validation_results.json"

    # index
    @property
    def scores(self) -> Path:
        return self.zone("index") / "scores.parquet"

    @property
    def indicator_scores(self) -> Path:
        return self.zone("index") / "indicators.parquet"

    @property
    def audit(self) -> Path:
        """Statistical audit of the index build (correlations, Cronbach's alpha, PC1 share, weights)."""
        return self.zone("index") / "audit.parquet"

    @property
    def missing(self) -> Path:
        """Missing-data status of every (unit, framework indicator): reported / NA_structural / ..."""
        return self.zone("index") / "missing.parquet"

    @property
    def year_over_year(self) -> Path:
        """Score and rank changes against last year's published scores."""
        return self.zone("index") / "year_over_year.parquet"

    @property
    def build_log(self) -> Path:
        return self.zone("index") / "build_log.json"

    # publish
    @property
    def publish_dir(self) -> Path:
        return self.zone("publish")
