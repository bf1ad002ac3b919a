"""One storage layer for the inbox and the output data root, on local disk or in object storage.

A *location* is either a local path (``/data/inbox/2022``, ``outputs/``) or an fsspec URL
(``s3://bucket/inbox/2022``, ``gs://...``). Local paths keep using ``pathlib`` (symlink checks,
atomic renames and ``O_EXCL`` need it); URLs go through fsspec, as ``UPath`` objects with the same
path API, so any backend whose fsspec package is installed works (``s3fs``, installed by default,
for S3 and S3-compatible stores such as MinIO or Ceph). Credentials and endpoints come from the usual
``AWS_*`` environment variables (``AWS_ENDPOINT_URL`` for a non-AWS store) or ``~/.aws``, or from
fsspec's ``FSSPEC_S3_*`` variables, never from this repository.

Input: a location string. Output: a ``Location`` (``Path`` or ``UPath``), listings of (relative name,
size, location) and file bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from typing_extensions import TypeIs
from upath import UPath

Location: TypeAlias = Path | UPath
"""A local ``Path``, or a ``UPath`` for an fsspec URL; both have the ``pathlib`` API."""

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://")


def is_url(location: str | Path) -> bool:
    """True for ``scheme://...`` locations (object storage), False for local paths."""
    return isinstance(location, str) and bool(_URL.match(location)) and not location.startswith("file://")


def local_path(location: str | Path) -> Path:
    """The local path of a non-URL location (``file://`` prefixes are accepted)."""
    text = str(location)
    return Path(text[len("file://"):] if text.startswith("file://") else text)


def location(text: str | Path) -> Location:
    """The location named by a string: a resolved local ``Path``, or a ``UPath`` for a URL."""
    if is_url(text):
        # No listings cache: another worker may have written a file since this process last listed a folder.
        return UPath(str(text), use_listings_cache=False)
    return local_path(text).resolve()


def is_local(path: Location) -> TypeIs[Path]:
    """Is this location on a local (or locally mounted) file system?"""
    return isinstance(path, Path)


def remove_tree(path: Location) -> None:
    """Remove a folder (or object-storage prefix) and everything under it; nothing there is fine."""
    import shutil

    if is_local(path):
        shutil.rmtree(path, ignore_errors=True)
        return
    if path.fs.exists(path.path):
        path.fs.rm(path.path, recursive=True)


def list_tree(path: Location) -> list[Location]:
    """Every file under a folder (or object-storage prefix), at any depth."""
    root = path if isinstance(path, UPath) else UPath(path)  # one pathlib API for both kinds
    return [p for p in root.rglob("*") if p.is_file()]


def _fs(url: str) -> tuple[Any, str]:
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    return fs, root.rstrip("/")


@dataclass(frozen=True)
class StoredFile:
    """One file under a root location."""

    relative: str  # path relative to the root, '/'-separated, as stored
    size: int
    location: str  # full location (URL or local path) to read it from


def is_dir(location: str | Path) -> bool:
    """Does the location exist as a folder (or a non-empty object-storage prefix)?"""
    if not is_url(location):
        return local_path(location).is_dir()
    fs, root = _fs(str(location))
    try:
        return bool(fs.isdir(root))
    except (FileNotFoundError, PermissionError):
        return False


def list_files(location: str) -> list[StoredFile]:
    """Every object under an object-storage prefix, sorted by name (local folders: use pathlib)."""
    fs, root = _fs(location)
    protocol = location.split("://", 1)[0]
    found = fs.find(root, detail=True)
    files = []
    for key, info in found.items():
        if info.get("type", "file") != "file":
            continue
        key = key.rstrip("/")
        relative = key[len(root):].lstrip("/") if key.startswith(root) else key
        files.append(StoredFile(relative=relative, size=int(info.get("size") or 0), location=f"{protocol}://{key}"))
    return sorted(files, key=lambda f: f.relative)


def join(location: str | Path, name: str) -> str | Path:
    """``location/name`` for either kind of location."""
    if is_url(location):
        return f"{str(location).rstrip('/')}/{name}"
    return local_path(location) / name


def exists(location: str | Path) -> bool:
    if not is_url(location):
        return local_path(location).exists()
    fs, root = _fs(str(location))
    return bool(fs.exists(root))


def read_bytes(location: str | Path) -> bytes:
    """The whole content of one file."""
    if not is_url(location):
        return local_path(location).read_bytes()
    fs, root = _fs(str(location))
    data: bytes = fs.cat_file(root)
    return data
