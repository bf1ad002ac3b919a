"""List the files submitted in one year's inbox, with the optional manifest's metadata.

An inbox is a folder. Every regular file in it (recursively) is a submission, except the manifest
(``manifest.csv`` / ``manifest.yaml``) and hidden files. The manifest has columns ``file``,
``unit_name``, ``admin_level``, ``report_year`` and optionally ``unit_id``; where it names a file,
its values win over inference.

Input: the inbox path. Output: ``Submission`` records; nothing is read beyond file metadata here.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAMES = ("manifest.csv", "manifest.yaml", "manifest.yml")
MAX_NAME_CHARS = 255


class InboxError(ValueError):
    """The inbox itself is unusable (missing folder, broken manifest)."""


@dataclass(frozen=True)
class Submission:
    """One submitted file (or one manifest row pointing at a file that is not usable)."""

    doc: str
    source_file: str  # path relative to the inbox, as submitted
    path: Path | None  # None when the name itself is refused
    manifest: dict[str, Any] = field(default_factory=dict)
    refused: str | None = None  # reason code when the file can't even be opened safely
    refused_message: str | None = None


def doc_id(relative: str) -> str:
    """A stable, filesystem-safe id for a submitted file: its name's word characters plus a hash."""
    stem = Path(relative).stem if "\x00" not in relative else "invalid"
    slug = re.sub(r"[^\w\-]+", "_", stem, flags=re.UNICODE).strip("_")[:48] or "doc"
    digest = hashlib.sha256(relative.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{slug}-{digest}"


def read_manifest(inbox: Path) -> dict[str, dict[str, Any]]:
    """Manifest rows keyed by the ``file`` column; an empty dict when there is no manifest."""
    for name in MANIFEST_NAMES:
        path = inbox / name
        if path.exists():
            break
    else:
        return {}
    rows: list[dict[str, Any]]
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    else:
        import yaml

        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        rows = loaded.get("files", []) if isinstance(loaded, dict) else loaded
        if not isinstance(rows, list):
            raise InboxError(f"{path}: expected a list of rows (or a mapping with 'files')")
    manifest: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows, start=2):
        if not isinstance(row, dict) or not row.get("file"):
            raise InboxError(f"{path}: row {i} has no 'file' value")
        entry = {k: (str(v).strip() if v is not None else "") for k, v in row.items() if k != "file"}
        year = entry.get("report_year")
        if year and not re.fullmatch(r"\d{4}", year):
            raise InboxError(f"{path}: row {i}: report_year {year!r} is not a 4-digit year")
        level = entry.get("admin_level")
        if level and level not in ("province", "prefecture", "county", "department"):
            raise InboxError(f"{path}: row {i}: admin_level {level!r} is not province/prefecture/county/department")
        manifest[str(row["file"]).strip()] = {k: v for k, v in entry.items() if v}
    return manifest


def _unsafe_name(name: str) -> str | None:
    if "\x00" in name:
        return "NUL byte in file name"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", name):
        return "absolute path"
    if any(part == ".." for part in re.split(r"[\\/]", name)):
        return "path escapes the inbox ('..')"
    if len(name) > MAX_NAME_CHARS:
        return f"file name longer than {MAX_NAME_CHARS} characters"
    return None


def list_submissions(inbox: Path) -> list[Submission]:
    """Every submitted file of the inbox, sorted by name, plus manifest rows naming unusable paths."""
    if not inbox.is_dir():
        raise InboxError(f"inbox {inbox} does not exist or is not a folder")
    manifest = read_manifest(inbox)
    root = inbox.resolve()
    submissions: dict[str, Submission] = {}
    for path in sorted(inbox.rglob("*")):
        relative = path.relative_to(inbox).as_posix()
        if path.name in MANIFEST_NAMES and path.parent == inbox:
            continue
        if any(part.startswith(".") for part in Path(relative).parts):
            continue
        if path.is_dir():
            continue
        refused = _unsafe_name(relative)
        if refused is None and path.is_symlink() and not path.resolve().is_relative_to(root):
            refused = "symbolic link pointing outside the inbox"
        if refused is None and not path.is_file():
            refused = "not a regular file"
        submissions[relative] = Submission(
            doc=doc_id(relative), source_file=relative, path=None if refused else path,
            manifest=manifest.get(relative, {}), refused="unsafe_path" if refused else None, refused_message=refused,
        )
    for name, meta in manifest.items():
        if name in submissions:
            continue
        problem = _unsafe_name(name)
        if problem is None:
            target = (inbox / name).resolve()
            problem = "path escapes the inbox" if not target.is_relative_to(root) else "listed in the manifest but missing"
        reason = "missing_file" if problem == "listed in the manifest but missing" else "unsafe_path"
        submissions[name] = Submission(doc=doc_id(name), source_file=name, path=None, manifest=meta,
                                       refused=reason, refused_message=problem)
    return [submissions[k] for k in sorted(submissions)]
