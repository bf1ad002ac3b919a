"""List the files submitted in one year's inbox, with the optional manifest's metadata.

An inbox is a folder or an object-storage prefix (any fsspec URL, e.g. ``s3://bucket/inbox/2022``;
see ``pipeline.storage``). Every regular file in it (recursively) is a submission, except the
manifest (``manifest.csv`` / ``manifest.yaml``) and hidden files. The manifest has columns ``file``,
``unit_name``, ``admin_level``, ``report_year`` and optionally ``unit_id`` / ``division_code``; where it
names a file, its values win over inference. The manifest is checked like any input
(``read_manifest_checked``): rows that do not parse are no submissions, values that do not look right are
not used, and each problem is reported with its line number.

Input: the inbox location. Output: ``Submission`` records; nothing is read beyond file metadata here.
"""

from __future__ import annotations

import csv
import hashlib
import io
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


MANIFEST_COLUMNS = ("file", "unit_name", "admin_level", "report_year", "unit_id", "division_code")
ADMIN_LEVELS = ("province", "prefecture", "county", "department")
# what a value must look like to be used; anything else is reported and inferred from the text instead
_VALUE_PATTERNS = {
    # a Chinese unit name: starts with a Chinese character, then Chinese, digits, ·, brackets (no formulas)
    "unit_name": re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fff0-9A-Za-z·（）()]{1,59}"),
    "admin_level": re.compile("|".join(ADMIN_LEVELS)),
    "report_year": re.compile(r"(19[89]\d|20\d\d)"),
    "unit_id": re.compile(r"\d{6}"),
    "division_code": re.compile(r"\d{6}"),
}


@dataclass(frozen=True)
class ManifestProblem:
    """One thing wrong in the manifest: the line it is on (1 = the header) and what is wrong."""

    line: int
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "problem": self.problem}


def read_manifest(inbox: str | Path) -> dict[str, dict[str, Any]]:
    """Manifest rows keyed by the ``file`` column; an empty dict when there is no manifest."""
    return read_manifest_checked(inbox)[0]


def _manifest_path(inbox: str | Path) -> Any:
    for name in MANIFEST_NAMES:
        path = storage.join(inbox, name)
        if storage.exists(path):
            return path
    return None


def read_manifest_checked(inbox: str | Path) -> tuple[dict[str, dict[str, Any]], list[ManifestProblem]]:
    """The manifest's usable rows keyed by ``file`` and every problem found, with its line number.

    The manifest is input like any other: a row that does not parse (wrong number of fields, no file name,
    a file named twice) is left out (it is no submission), a value that does not look like what its column
    holds (a unit name like a name, a code like a code, a year like a year) is left out and the rest of the
    row used, an unknown column is ignored. Raises InboxError only when the file as a whole cannot be read
    (not UTF-8, not YAML)."""
    path = _manifest_path(inbox)
    if path is None:
        return {}, []
    try:
        content = storage.read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InboxError(f"{path}: the manifest is not UTF-8 ({exc})") from exc
    problems: list[ManifestProblem] = []
    rows = _csv_rows(content, problems) if str(path).endswith(".csv") else _yaml_rows(content, path, problems)
    manifest: dict[str, dict[str, Any]] = {}
    for line, row in rows:
        name = str(row.get("file") or "").strip()
        if not name:
            problems.append(ManifestProblem(line, "no file name: row ignored"))
            continue
        if _unsafe_name(name) is None and not re.search(r"\.[A-Za-z0-9]{1,8}$", name):  # unsafe: refused later
            problems.append(ManifestProblem(line, f"file {name!r} is not a file name (no extension): row ignored"))
            continue
        if name in manifest:
            problems.append(ManifestProblem(line, f"file {name!r} is listed again: row ignored"))
            continue
        entry: dict[str, Any] = {}
        for key, value in row.items():
            if key == "file" or value is None or str(value).strip() == "":
                continue
            text = str(value).strip()
            pattern = _VALUE_PATTERNS.get(str(key))
            if pattern is None:
                problems.append(ManifestProblem(line, f"unknown column {str(key)[:40]!r}: ignored"))
            elif not pattern.fullmatch(text):
                problems.append(ManifestProblem(line, f"{key} {text[:60]!r} does not look like a {key}: "
                                                      "ignored (inferred from the text instead)"))
            else:
                entry[str(key)] = text
        manifest[name] = entry
    return manifest, problems


def _csv_rows(content: str, problems: list[ManifestProblem]) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) for each CSV row with as many fields as the header; the others are problems."""
    reader = csv.reader(io.StringIO(content))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return []
    except csv.Error as exc:
        problems.append(ManifestProblem(1, f"header does not parse ({exc}): manifest ignored"))
        return []
    if "file" not in header:
        problems.append(ManifestProblem(1, "header has no 'file' column: manifest ignored"))
        return []
    rows = []
    line = reader.line_num + 1  # the line the next record starts on
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(ManifestProblem(line, f"does not parse as CSV ({exc}): row ignored"))
            break  # the reader cannot resynchronise after a broken quote
        if any(f.strip() for f in fields):
            if len(fields) != len(header):
                problems.append(ManifestProblem(line, f"{len(fields)} fields where the header has {len(header)}: "
                                                      "row ignored"))
            else:
                rows.append((line, dict(zip(header, fields, strict=True))))
        line = reader.line_num + 1
    return rows


def _yaml_rows(content: str, path: Any, problems: list[ManifestProblem]) -> list[tuple[int, dict[str, Any]]]:
    """(line number, row) for each mapping in the YAML manifest's list (or its ``files`` list)."""
    import yaml

    try:
        loaded = yaml.safe_load(content)
        node = yaml.compose(content)
    except yaml.YAMLError as exc:
        raise InboxError(f"{path}: the manifest is not valid YAML ({exc})") from exc
    rows = loaded.get("files", []) if isinstance(loaded, dict) else loaded
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise InboxError(f"{path}: expected a list of rows (or a mapping with 'files')")
    if isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if getattr(k, "value", None) == "files"), None)
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    lines = [item.start_mark.line + 1 for item in items] if len(items) == len(rows) else list(range(1, len(rows) + 1))
    out = []
    for line, row in zip(lines, rows, strict=True):
        if isinstance(row, dict):
            out.append((line, row))
        else:
            problems.append(ManifestProblem(line, "not a mapping of column to value: row ignored"))
    return out


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
