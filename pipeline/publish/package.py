"""Spreadsheet and data-package views of one year's published tables.

``write_workbook``: one XLSX per year, a sheet per table plus a README sheet (what each table and
column means, in Chinese and English, and the method version). ``datapackage``: a Frictionless Data
descriptor (https://specs.frictionlessdata.io/data-package/) listing every published file with its
schema, sha256, licence and provenance.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

from pipeline import io
from pipeline.publish.cells import neutralise_text_cells

# XLSX created/modified: fixed, so re-runs are byte-identical (openpyxl takes naive datetimes as UTC)
FIXED_TIMESTAMP = datetime.datetime(2000, 1, 1)  # noqa: DTZ001
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a ZIP member can carry
LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0"}
FRICTIONLESS_TYPES = {"string": "string", "int64": "integer", "double": "number", "bool": "boolean",
                      "list<item: string>": "array", "list<element: string>": "array"}
MAX_SHEET_CELLS = 1_000_000  # bigger tables stay in parquet/CSV: a sheet that size is slow to write
                             # (openpyxl, ~15 s per million cells) and of little use in a spreadsheet


def write_workbook(target: Path, tables: dict[str, Any], schemas: dict[str, Any], year: int,
                   method_version: str) -> Path:
    """One XLSX with a README sheet and one sheet per table (lists joined with ';'); a table of more
    than MAX_SHEET_CELLS cells gets a README line pointing at its CSV and parquet instead of a sheet."""
    import pandas as pd

    readme = [["rolindex 法治政府建设指数", f"{year}年度", f"method_version {method_version}"], ["", "", ""],
              ["sheet / 工作表", "column / 字段", "说明 / description"]]
    too_big = {name for name, frame in tables.items() if frame.size > MAX_SHEET_CELLS}
    for name, schema in schemas.items():
        meta = schema.metadata or {}
        readme.append([name, "", f"{meta.get(b'description_zh', b'').decode()} / "
                                 f"{meta.get(b'description_en', b'').decode()}"])
        if name in too_big:
            readme.append([name, "", f"数据量过大({len(tables[name])}行),未放入本工作簿,请使用 {name}.csv 或 "
                                     f"{name}.parquet / too large for a sheet ({len(tables[name])} rows): "
                                     f"see {name}.csv or {name}.parquet"])
        for field in schema:
            fm = field.metadata or {}
            readme.append(["", field.name, f"{fm.get(b'description_zh', b'').decode()} / "
                                           f"{fm.get(b'description_en', b'').decode()}"])
    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        # fixed document properties: a re-run must give the same bytes (openpyxl would stamp "now")
        writer.book.properties.created = writer.book.properties.modified = FIXED_TIMESTAMP
        writer.book.properties.creator = "rolindex"
        neutralise_text_cells(pd.DataFrame(readme)).to_excel(writer, sheet_name="README", index=False, header=False)
        for name, frame in tables.items():
            if name in too_big:
                continue
            flat = frame.copy()
            for column in flat.columns:
                if flat[column].map(lambda v: isinstance(v, list)).any():
                    flat[column] = flat[column].map(lambda v: ";".join(v) if isinstance(v, list) else v)
            neutralise_text_cells(flat).to_excel(writer, sheet_name=name[:31], index=False)
    with io.atomic_path(target) as tmp:
        tmp.write_bytes(_fixed_zip_times(buffer.getvalue()))
    return target


def _fixed_zip_times(data: bytes) -> bytes:
    """The same XLSX (ZIP) with every member's timestamp set to FIXED_ZIP_TIME and the document's modified
    time (which openpyxl stamps when it saves) set to FIXED_TIMESTAMP; members, order and contents kept."""
    out = BytesIO()
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp + rb"\g<2>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            target.writestr(fixed, content)
    return out.getvalue()


def _field(field: Any) -> dict[str, Any]:
    fm = field.metadata or {}
    return {"name": field.name, "type": FRICTIONLESS_TYPES.get(str(field.type), "any"),
            "title": fm.get(b"description_zh", b"").decode(), "description": fm.get(b"description_en", b"").decode()}


def datapackage(publish_dir: Path, schemas: dict[str, Any], year: int, method_version: str,
                inputs: dict[str, str]) -> dict[str, Any]:
    """The descriptor of every file in ``publish_dir`` (tables with their schema; others as plain files)."""
    resources = []
    for path in sorted(p for p in publish_dir.rglob("*") if p.is_file() and not p.name.startswith(".")
                       and p.name != "datapackage.json"):
        relative = path.relative_to(publish_dir).as_posix()
        resource: dict[str, Any] = {"name": relative.lower().replace("/", "-").replace(".", "-").replace("_", "-"),
                                    "path": relative, "bytes": path.stat().st_size,
                                    "hash": f"sha256:{io.sha256_file(path)}"}
        table = path.stem if path.suffix in (".parquet", ".csv") else None
        if table in schemas:
            schema = schemas[table]
            resource.update(profile="tabular-data-resource", format=path.suffix[1:],
                            description=(schema.metadata or {}).get(b"description_en", b"").decode(),
                            schema={"fields": [_field(f) for f in schema]})
            if path.suffix == ".csv":
                resource.update(encoding="utf-8-sig", dialect={"delimiter": ",", "header": True})
        resources.append(resource)
    return {"profile": "data-package", "name": f"rolindex-{year}", "title": f"法治政府建设指数 {year}",
            "version": method_version, "licenses": [LICENSE],
            "sources": [{"title": "法治政府建设年度报告 (submitted reports)", "path": inputs.get("inbox", "")}],
            "rolindex": {"year": year, "method_version": method_version, "provenance": inputs},
            "resources": resources}
