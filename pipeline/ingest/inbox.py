"""List the files submitted in one year's inbox, with the optional manifest's metadata.

An inbox is a folder or an object-storage prefix (any fsspec URL, e.g. ``s3://bucket/inbox/2022``;
see ``pipeline.storage``). Every regular file in it (recursively) is a submission, except the
manifest (``manifest.csv`` / ``manifest.yaml``) and hidden files. The manifest has columns ``file``,
``unit_name``, ``admin_level``, ``report_year`` and optionally ``unit_id``; where it names a file,
its values win over inference.

Input: the inbox location. Output: ``Submission`` records; nothing is read beyond file metadata here.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline import storage
from pipeline.errors import PermanentError

MANIFEST_NAMES = ("manifest.csv", "manifest.yaml", "manifest.yml")
MAX_NAME_CHARS = 255


class InboxError(PermanentError, ValueError):
    """The inbox itself is unusable (missing folder, broken manifest)."""


@dataclass(frozen=True)
class Submission:
    """One submitted file (or one manifest row pointing at a file that is not usable)."""

    doc: str
    source_file: str  # path relative to the inbox, as submitted
    location: str | None  # where to read it (local path or URL); None when the name itself is refused
    size: int | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    refused: str | None = None  # reason code when the file can't even be opened safely
    refused_message: str | None = None


def doc_id(relative: str) -> str:
    """A stable, filesystem-safe id for a submitted file: its name's word characters plus a hash."""
    stem = Path(relative).stem if "\x00" not in relative else "invalid"
    slug = re.sub(r"[^\w\-]+", "_", stem, flags=re.UNICODE).strip("_")[:48] or "doc"
    digest = hashlib.sha256(relative.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{slug}-{digest}"


def read_manifest(inbox: str | Path) -> dict[str, dict[str, Any]]:
    """Manifest rows keyed by the ``file`` column; an empty dict when there is no manifest."""
    for name in MANIFEST_NAMES:
        path = storage.join(inbox, name)
        if storage.exists(path):
            break
    else:
        return {}
    rows: list[dict[str, Any]]
    try:
        content = storage.read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InboxError(f"{path}: the manifest is not UTF-8 ({exc})") from exc
    if str(path).endswith(".csv"):
        rows = list(csv.DictReader(content.splitlines()))
    else:
        import yaml

        try:
            loaded = yaml.safe_load(content)
        except yaml.YAMLError as exc:
            raise InboxError(f"{path}: the manifest is not valid YAML ({exc})") from exc
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


def list_submissions(inbox: str | Path) -> list[Submission]:
    """Every submitted file of the inbox, sorted by name, plus manifest rows naming unusable paths."""
    if not storage.is_dir(inbox):
        raise InboxError(f"inbox {inbox} does not exist or is not a folder")
    manifest = read_manifest(inbox)
    if storage.is_url(inbox):
        submissions = _list_object_storage(str(inbox), manifest)
    else:
        submissions = _list_folder(storage.local_path(inbox), manifest)
    for name, meta in manifest.items():
        if name in submissions:
            continue
        problem = _unsafe_name(name)
        if problem is None and not storage.is_url(inbox):
            root = storage.local_path(inbox).resolve()
            if not (root / name).resolve().is_relative_to(root):
                problem = "path escapes the inbox"
        problem = problem or "listed in the manifest but missing"
        reason = "missing_file" if problem == "listed in the manifest but missing" else "unsafe_path"
        submissions[name] = Submission(doc=doc_id(name), source_file=name, location=None, manifest=meta,
                                       refused=reason, refused_message=problem)
    return [submissions[k] for k in sorted(submissions)]


def _skipped(relative: str) -> bool:
    """Manifest files and hidden files are not submissions."""
    parts = PurePosixPath(relative).parts
    return relative in MANIFEST_NAMES or any(part.startswith(".") for part in parts)


def _list_object_storage(inbox: str, manifest: dict[str, dict[str, Any]]) -> dict[str, Submission]:
    submissions: dict[str, Submission] = {}
    for stored in storage.list_files(inbox):
        if _skipped(stored.relative):
            continue
        refused = _unsafe_name(stored.relative)
        submissions[stored.relative] = Submission(
            doc=doc_id(stored.relative), source_file=stored.relative, location=None if refused else stored.location,
            size=stored.size, manifest=manifest.get(stored.relative, {}),
            refused="unsafe_path" if refused else None, refused_message=refused,
        )
    return submissions


def _list_folder(inbox: Path, manifest: dict[str, dict[str, Any]]) -> dict[str, Submission]:
    root = inbox.resolve()
    submissions: dict[str, Submission] = {}
    for path in sorted(inbox.rglob("*")):
        relative = path.relative_to(inbox).as_posix()
        if _skipped(relative) or path.is_dir():
            continue
        refused = _unsafe_name(relative)
        if refused is None and path.is_symlink() and not path.resolve().is_relative_to(root):
            refused = "symbolic link pointing outside the inbox"
        if refused is None and not path.is_file():
            refused = "not a regular file"
        submissions[relative] = Submission(
            doc=doc_id(relative), source_file=relative, location=None if refused else str(path),
            size=None if refused else path.stat().st_size, manifest=manifest.get(relative, {}),
            refused="unsafe_path" if refused else None, refused_message=refused,
        )
    return submissions
