"""The only place that maps (zone, year, dataset) to a path.

Zones follow the pipeline's stages; each is partitioned ``year=YYYY/`` so that a task reads
exactly its input partition and overwrites exactly its output partition.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.storage import Location

ZONES = ("raw", "text", "extracted", "validated", "index", "publish")


@dataclass(frozen=True)
class Catalog:
    """Dataset paths of one run year under one output root (a local folder or an object-storage URL)."""

    out: Location
    year: int

    def zone(self, name: str) -> Location:
        if name not in ZONES:
            raise ValueError(f"unknown zone {name!r}; zones are {ZONES}")
        return self.out / name / f"year={self.year}"

    def part(self, zone: str, name: str, batch: int) -> Location:
        """One batch's share of a dataset (``<zone>/year=Y/parts/<name>-00003.parquet``)."""
        return self.zone(zone) / "parts" / f"{name}-{batch:05d}.parquet"

    # ingest
    @property
    def submissions(self) -> Location:
        """One row per submitted file as listed in the inbox, with the batch that reads it (parquet)."""
        return self.zone("raw") / "submissions.parquet"

    def raw_documents(self, batch: int) -> Location:
        """One row per submitted file of a batch: provenance, status, reason (parquet)."""
        return self.part("raw", "documents", batch)

    def raw_text(self, doc: str) -> Location:
        return self.zone("raw") / "text" / f"{doc}.txt"

    # normalise
    def normalised_documents(self, batch: int) -> Location:
        """A batch's documents after normalisation and identification, before de-duplication."""
        return self.part("text", "documents", batch)

    def fingerprints(self, batch: int) -> Location:
        """A batch's de-duplication fingerprints (digest and MinHash signature per readable text)."""
        return self.part("text", "fingerprints", batch)

    @property
    def documents(self) -> Location:
        """Raw documents plus normalisation flags, identification and de-duplication (parquet)."""
        return self.zone("text") / "documents.parquet"

    def text(self, doc: str) -> Location:
        return self.zone("text") / "docs" / f"{doc}.txt"

    def offsets(self, doc: str) -> Location:
        return self.zone("text") / "docs" / f"{doc}.offsets.npy"

    # extract
    def batch_records(self, batch: int) -> Location:
        return self.part("extracted", "records", batch)

    def batch_outcomes(self, batch: int) -> Location:
        return self.part("extracted", "outcomes", batch)

    @property
    def records(self) -> Location:
        return self.zone("extracted") / "records.parquet"

    @property
    def extraction_outcomes(self) -> Location:
        """One row per accepted document: how many records it gave, or why none."""
        return self.zone("extracted") / "outcomes.parquet"

    @property
    def panel(self) -> Location:
        return self.zone("extracted") / "panel.parquet"

    # validate
    @property
    def accepted_panel(self) -> Location:
        return self.zone("validated") / "panel.parquet"

    @property
    def accepted_records(self) -> Location:
        return self.zone("validated") / "records.parquet"

    @property
    def quarantine(self) -> Location:
        return self.zone("validated") / "quarantine.parquet"

    @property
    def validation_results(self) -> Location:
        return self.zone("validated") / "validation_results.json"

    # index
    @property
    def scores(self) -> Location:
        return self.zone("index") / "scores.parquet"

    @property
    def indicator_scores(self) -> Location:
        return self.zone("index") / "indicators.parquet"

    @property
    def audit(self) -> Location:
        """Statistical audit of the index build (correlations, Cronbach's alpha, PC1 share, weights)."""
        return self.zone("index") / "audit.parquet"

    @property
    def missing(self) -> Location:
        """Missing-data status of every (unit, framework indicator): reported / NA_structural / ..."""
        return self.zone("index") / "missing.parquet"

    @property
    def year_over_year(self) -> Location:
        """Score and rank changes against last year's published scores."""
        return self.zone("index") / "year_over_year.parquet"

    @property
    def build_log(self) -> Location:
        return self.zone("index") / "build_log.json"

    # publish
    @property
    def publish_dir(self) -> Location:
        return self.zone("publish")
