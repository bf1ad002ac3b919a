"""Find duplicate submissions: exact (same normalised text) and near (MinHash LSH on shingles).

Input: a list of ``(doc, text, preference)`` where a higher preference is kept first.
Output: ``{doc: (kept_doc, reason)}`` for every document set aside as a duplicate.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

SHINGLE_CHARS = 5
NUM_PERM = 128
NEAR_THRESHOLD = 0.85
_STRIP = re.compile(r"[\s\W\d_]+", re.UNICODE)


def _shingles(text: str) -> set[bytes]:
    core = _STRIP.sub("", text)
    return {core[i:i + SHINGLE_CHARS].encode("utf-8") for i in range(max(len(core) - SHINGLE_CHARS + 1, 1))}


def jaccard(a: set[bytes], b: set[bytes]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def find_duplicates(docs: Sequence[tuple[str, str, tuple[Any, ...]]]) -> dict[str, tuple[str, str]]:
    """Map each duplicate doc to (the doc kept in its place, a human reason)."""
    from datasketch import MinHash, MinHashLSH

    ordered = sorted(docs, key=lambda d: d[2], reverse=True)
    duplicates: dict[str, tuple[str, str]] = {}
    by_hash: dict[str, str] = {}
    lsh = MinHashLSH(threshold=NEAR_THRESHOLD, num_perm=NUM_PERM)
    shingle_sets: dict[str, set[bytes]] = {}
    for doc, text, _pref in ordered:
        digest = hashlib.sha256(_STRIP.sub("", text).encode("utf-8")).hexdigest()
        if digest in by_hash:
            duplicates[doc] = (by_hash[digest], f"exact duplicate of {by_hash[digest]} (same normalised text)")
            continue
        by_hash[digest] = doc
        shingles = _shingles(text)
        minhash = MinHash(num_perm=NUM_PERM, seed=1)
        minhash.update_batch(list(shingles))
        best: tuple[float, str] | None = None
        for other in lsh.query(minhash):
            score = jaccard(shingles, shingle_sets[other])
            if score >= NEAR_THRESHOLD and (best is None or score > best[0]):
                best = (score, other)
        if best is not None:
            duplicates[doc] = (best[1], f"near duplicate of {best[1]} (shingle Jaccard {best[0]:.2f})")
            continue
        lsh.insert(doc, minhash)
        shingle_sets[doc] = shingles
    return duplicates
