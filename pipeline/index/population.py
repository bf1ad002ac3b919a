"""Resident population per division from the 2010 and 2020 censuses (issue 20, item 3, part).

Source: the census panel of the public repository leiii/census (Lei Dong, MIT licence; notice kept in
``configs/reference/LICENSE-census.txt``): ``data/census/census_county_2010_v1.xlsx`` and
``census_county_2020_v1.xlsx`` (one row per province, prefecture and county with its 6-digit division
code) and ``census_city_2010-2020_v1.csv`` (prefecture cities; used for codes the county files lack).

``build_population_table`` turns those files into ``configs/reference/population_census.csv``
(division_code, name, census_year, residents, source); ``unmatched_divisions`` lists the project
gazetteer's codes the 2020 census lacks, with why. ``load_population`` reads the shipped table and
``residents_for(code, year)`` gives the resident population of the nearest census year. Figures are the
source's; nothing is estimated here.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pipeline.settings import CONFIG_DIR

POPULATION = CONFIG_DIR / "reference" / "population_census.csv"
POPULATION_COLUMNS = ["division_code", "name", "census_year", "residents", "source"]
SOURCE = "leiii/census (MIT)"


def _code(value: Any) -> str | None:
    try:
        code = str(int(float(value)))
    except (TypeError, ValueError):
        return None
    return code if len(code) == 6 else None


def build_population_table(county_2010: Any, county_2020: Any, city: Any) -> Any:
    """Source frames (as read from the three files) -> the shipped table, one row per (code, census year);
    the first row of a code wins (the source repeats some totals), rows without a code or a count are left
    out."""
    import pandas as pd

    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for frame, year, name_col, count_col, file in (
            (county_2020, 2020, "区县", "人口数_合计", "census_county_2020_v1.xlsx"),
            (county_2010, 2010, "地区", "合计", "census_county_2010_v1.xlsx")):
        for r in frame.to_dict("records"):
            code, count = _code(r.get("区划代码")), r.get(count_col)
            if code is None or count is None or count != count or (code, year) in rows:
                continue
            name = r.get(name_col)
            if year == 2020 and (not isinstance(name, str) or not name.strip()):
                name = r.get("市") if isinstance(r.get("市"), str) and r.get("市") else r.get("省")
            rows[(code, year)] = {"division_code": code, "name": str(name).strip(), "census_year": year,
                                  "residents": int(count), "source": f"{SOURCE} {file}"}
    for r in city.to_dict("records"):
        code = _code(r.get("city_code"))
        for year in (2020, 2010):
            count = r.get(f"popu_{year}")
            if code is None or count is None or count != count or (code, year) in rows:
                continue
            rows[(code, year)] = {"division_code": code, "name": str(r.get("city")).strip(), "census_year": year,
                                  "residents": int(count), "source": f"{SOURCE} census_city_2010-2020_v1.csv"}
    table = pd.DataFrame(list(rows.values()), columns=POPULATION_COLUMNS)
    return table.sort_values(["division_code", "census_year"]).reset_index(drop=True)


def unmatched_divisions(table: Any, gazetteer_codes: dict[str, str]) -> Any:
    """Gazetteer codes (code -> name) without a 2020 census row, and why: only in the 2010 census (abolished
    or re-coded by 2020), or in neither census table (created after 2020, a functional zone without census
    results of its own, or merged into another unit by the panel's boundary adjustment)."""
    import pandas as pd

    in_2020 = set(table.loc[table["census_year"] == 2020, "division_code"])
    in_2010 = set(table.loc[table["census_year"] == 2010, "division_code"])
    rows = []
    for code, name in sorted(gazetteer_codes.items()):
        if code in in_2020:
            continue
        reason = ("in the 2010 census only: abolished or re-coded by 2020" if code in in_2010 else
                  "in neither census table: created after 2020, a zone without its own census results, or merged "
                  "into another unit by the panel's boundary adjustment")
        rows.append({"division_code": code, "name": name, "reason": reason})
    return pd.DataFrame(rows, columns=["division_code", "name", "reason"])


def load_population(path: Path = POPULATION) -> dict[tuple[str, int], int]:
    """(division code, census year) -> residents; checks the columns and that counts are positive."""
    from pipeline.config import ConfigError

    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != POPULATION_COLUMNS:
            raise ConfigError(f"{path}: columns must be {POPULATION_COLUMNS}, got {reader.fieldnames}")
        table = {}
        for line, row in enumerate(reader, start=2):
            residents = int(row["residents"])
            if residents <= 0:
                raise ConfigError(f"{path}:{line}: residents must be positive")
            table[(row["division_code"], int(row["census_year"]))] = residents
    return table


def residents_for(table: dict[tuple[str, int], int], division_code: str, year: int) -> tuple[int, int] | None:
    """(residents, census year) of the census nearest to ``year`` that has the code (ties: the later census)."""
    years = sorted({y for (c, y) in table if c == division_code}, key=lambda y: (abs(y - year), -y))
    return (table[(division_code, years[0])], years[0]) if years else None


if __name__ == "__main__":  # rebuild the shipped table from a checkout of leiii/census: python -m ... DIR
    import sys

    import pandas as pd

    from pipeline.ingest.gazetteer import load_gazetteer

    source = Path(sys.argv[1])
    built = build_population_table(pd.read_excel(source / "census_county_2010_v1.xlsx"),
                                   pd.read_excel(source / "census_county_2020_v1.xlsx"),
                                   pd.read_csv(source / "census_city_2010-2020_v1.csv",
                                               usecols=["city", "city_code", "popu_2020", "popu_2010"]))
    built.to_csv(POPULATION, index=False, encoding="utf-8")
    codes = {c: d.name for c, d in load_gazetteer().by_code.items()}
    unmatched_divisions(built, codes).to_csv(POPULATION.with_name("population_census_unmatched.csv"), index=False,
                                             encoding="utf-8")
    print(f"{len(built)} rows; {len(unmatched_divisions(built, codes))} gazetteer codes without a 2020 row")
