"""Find duplicate submissions: exact (same normalised text) and near (MinHash LSH on shingles).

Works in two steps so that a national year never needs every text in memory at once:

- ``fingerprint(text)`` (per document, in the batch that normalises it): the sha256 of the text's
  letters and a 128-value MinHash signature of its 5-character shingles.
- ``find_duplicates_by_fingerprint(entries, load_text)`` (once, over all batches): exact duplicates by
  digest; near-duplicate candidates from LSH on the signatures, each confirmed by the exact shingle
  Jaccard of the two texts (``load_text`` reads just those two).

Output: ``{doc: (kept_doc, reason)}`` for every document set aside; a higher preference is kept first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SHINGLE_CHARS = 5
NUM_PERM = 128
NEAR_THRESHOLD = 0.85
MINHASH_SCHEME = "affine32"  # stored signatures are only comparable within one scheme (datasketch >= 2)
_STRIP = re.compile(r"[\s\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Fingerprint:
    digest: str  # sha256 of the text without spaces, punctuation and digits
    minhash: np.ndarray  # NUM_PERM uint64 values


def _shingles(text: str) -> set[bytes]:
    core = _STRIP.sub("", text)
    return {core[i:i + SHINGLE_CHARS].encode("utf-8") for i in range(max(len(core) - SHINGLE_CHARS + 1, 1))}


def jaccard(a: set[bytes], b: set[bytes]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def fingerprint(text: str) -> Fingerprint:
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=1, scheme=MINHASH_SCHEME)
    minhash.update_batch(list(_shingles(text)))
    digest = hashlib.sha256(_STRIP.sub("", text).encode("utf-8")).hexdigest()
    return Fingerprint(digest, np.asarray(minhash.hashvalues, dtype=np.uint64))


def find_duplicates_by_fingerprint(entries: Sequence[tuple[str, Fingerprint, tuple[Any, ...]]],
                                   load_text: Callable[[str], str]) -> dict[str, tuple[str, str]]:
    """Map each duplicate doc to (the doc kept in its place, a human reason).

    ``entries``: ``(doc, fingerprint, preference)``; ``load_text(doc)`` returns a document's text and is
    called only for near-duplicate candidates."""
    from datasketch import MinHash, MinHashLSH

    ordered = sorted(entries, key=lambda d: d[2], reverse=True)
    duplicates: dict[str, tuple[str, str]] = {}
    by_hash: dict[str, str] = {}
    lsh = MinHashLSH(threshold=NEAR_THRESHOLD, num_perm=NUM_PERM)
    shingle_cache: dict[str, set[bytes]] = {}

    def shingles_of(doc: str) -> set[bytes]:
        if doc not in shingle_cache:
            shingle_cache[doc] = _shingles(load_text(doc))
        return shingle_cache[doc]

    for doc, print_, _pref in ordered:
        if print_.digest in by_hash:
            kept = by_hash[print_.digest]
            duplicates[doc] = (kept, f"exact duplicate of {kept} (same normalised text)")
            continue
        by_hash[print_.digest] = doc
        minhash = MinHash(num_perm=NUM_PERM, seed=1, scheme=MINHASH_SCHEME, hashvalues=print_.minhash)
        best: tuple[float, str] | None = None
        for other in sorted(lsh.query(minhash)):
            score = jaccard(shingles_of(doc), shingles_of(other))
            if score >= NEAR_THRESHOLD and (best is None or score > best[0]):
                best = (score, other)
        if best is not None:
            duplicates[doc] = (best[1], f"near duplicate of {best[1]} (shingle Jaccard {best[0]:.2f})")
            continue
        lsh.insert(doc, minhash)
    return duplicates


def find_duplicates(docs: Sequence[tuple[str, str, tuple[Any, ...]]]) -> dict[str, tuple[str, str]]:
    """The same on texts in memory: ``(doc, text, preference)`` in, ``{doc: (kept_doc, reason)}`` out."""
    texts = {doc: text for doc, text, _ in docs}
    return find_duplicates_by_fingerprint([(doc, fingerprint(text), pref) for doc, text, pref in docs],
                                          texts.__getitem__)
