"""Find duplicate submissions: exact (same normalised text) and near (MinHash LSH on shingles).

Works in two steps so that a national year never needs every text in memory at once:

- ``fingerprint(text)`` (per document, in the batch that normalises it): the sha256 of the text's
  letters and a 128-value one-permutation MinHash signature of its 5-character shingles (numpy).
- ``find_duplicates_by_fingerprint(entries, load_text)`` (once, over all batches): exact duplicates by
  digest; near-duplicate candidates from LSH on the signatures, each confirmed by the exact shingle
  Jaccard of the two texts (``load_text`` reads just those two).

Output: ``{doc: (kept_doc, reason)}`` for every document set aside; a higher preference is kept first.
A duplicate is another copy of the same body's report: near-identical text, the same reporting body
(or an unknown one) and the same figures. Different bodies' reports written from one template are
kept and flagged ``shared_template:<doc>``; one text claimed by two bodies is kept and flagged
``conflicting_claims:<doc>``. ``deduplicate_documents`` applies all this to the year's documents table.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SHINGLE_CHARS = 5
NUM_PERM = 128
NEAR_THRESHOLD = 0.85
MAX_FLAG_CHECKS = 5  # exact comparisons spent on finding another body's near-identical report (for its flag)
MINHASH_SCHEME = "affine32"  # datasketch needs a scheme name; LSH only reads the signature values
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


def _shingle_hashes(core: str) -> np.ndarray:
    """Distinct well-mixed 64-bit hashes of the 5-character shingles of ``core``, sorted (vectorised:
    a polynomial hash of the code points, then the splitmix64 finaliser)."""
    codes = np.frombuffer(core.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = max(len(codes) - SHINGLE_CHARS + 1, 1)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(min(SHINGLE_CHARS, len(codes))):
            h = h * np.uint64(0x100000001B3) + codes[k:k + n]
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return np.unique(h)


def fingerprint(text: str) -> Fingerprint:
    """Digest and MinHash signature of one text.

    The signature is one-permutation MinHash: each shingle hash falls in one of NUM_PERM buckets (its
    low 7 bits) and each bucket keeps its smallest hash; the share of equal buckets estimates the
    Jaccard similarity like classic MinHash, at the cost of one hash per shingle (about 0.5 ms for a
    10,000-character report, against 13 ms for datasketch's sha1 per shingle and permutation)."""
    core = _STRIP.sub("", text)
    hashes = _shingle_hashes(core)[::-1]  # descending: with repeated indices the last assignment
    buckets = (hashes & np.uint64(NUM_PERM - 1)).astype(np.intp)  # wins, so each bucket gets its minimum
    signature = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint64)  # an empty bucket; values are 32-bit
    signature[buckets] = hashes >> np.uint64(32)
    digest = hashlib.sha256(core.encode("utf-8")).hexdigest()
    return Fingerprint(digest, signature)


Body = Any  # a reporting body: its unit_key, or a (unit_id, admin_level, unit_name) tuple; None when unknown
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def same_body(a: Body, b: Body) -> bool:
    """Two documents' bodies agree: equal, or unknown on either side (a tuple: no known field differs)."""
    if a is None or b is None:
        return True
    if isinstance(a, tuple) and isinstance(b, tuple):
        return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))
    return bool(a == b)


def figures(text: str) -> Counter[str]:
    """The multiset of the numbers written in Arabic digits in a text (two copies of one report have
    the same; two bodies' reports from one template differ here)."""
    return Counter(_NUMBER.findall(text))


@dataclass
class DedupeResult:
    """``duplicates``: doc -> (doc kept in its place, reason); ``flags``: doc -> flags of documents kept
    although near-identical to another (``shared_template:<doc>``, ``conflicting_claims:<doc>``,
    ``conflicting_figures:<doc>``)."""

    duplicates: dict[str, tuple[str, str]] = field(default_factory=dict)
    flags: dict[str, list[str]] = field(default_factory=dict)

    def has(self, doc: str, kind: str) -> bool:
        return any(f.startswith(f"{kind}:") for f in self.flags.get(doc, ()))

    def flag(self, doc: str, kind: str, partner: str) -> None:
        """At most one flag of each kind per document (its first, most similar, partner)."""
        if not self.has(doc, kind):
            self.flags.setdefault(doc, []).append(f"{kind}:{partner}")


def resolve_duplicates(entries: Sequence[tuple[str, Fingerprint, tuple[Any, ...]]], load_text: Callable[[str], str],
                       bodies: Mapping[str, Body] | None = None) -> DedupeResult:
    """Set aside the documents that are another copy of the same body's report.

    ``entries``: ``(doc, fingerprint, preference)``, the higher preference kept first; ``load_text(doc)``
    is called only for near-duplicate candidates; ``bodies``: doc -> its reporting body (None or missing:
    unknown). A pair of near-identical texts (the same letters, or shingle Jaccard >= NEAR_THRESHOLD) is a
    duplicate only when the bodies agree (``same_body``) and the texts carry the same figures; otherwise
    both are kept and flagged: different bodies with the same figures and the same letters are
    ``conflicting_claims`` (one text claimed by two bodies), different bodies otherwise ``shared_template``,
    the same body with other figures ``conflicting_figures``."""
    from datasketch import MinHash, MinHashLSH

    bodies = bodies or {}
    ordered = sorted(entries, key=lambda d: d[2], reverse=True)
    result = DedupeResult()
    by_hash: dict[str, list[str]] = {}
    lsh = MinHashLSH(threshold=NEAR_THRESHOLD, num_perm=NUM_PERM)
    signatures = np.zeros((len(entries), NUM_PERM), dtype=np.uint32)  # of the documents kept so far, by row
    row_of: dict[str, int] = {}
    template_flagged = np.zeros(len(entries), dtype=bool)  # by row: already flagged shared_template
    shingle_cache: dict[str, set[bytes]] = {}
    figure_cache: dict[str, Counter[str]] = {}

    def load(doc: str) -> None:
        if doc not in shingle_cache:
            text = load_text(doc)
            shingle_cache[doc], figure_cache[doc] = _shingles(text), figures(text)

    def similarity(a: str, b: str) -> float:
        load(a)
        load(b)
        return jaccard(shingle_cache[a], shingle_cache[b])

    def figures_of(doc: str) -> Counter[str]:
        load(doc)
        return figure_cache[doc]

    for doc, print_, _pref in ordered:
        minhash = MinHash(num_perm=NUM_PERM, seed=1, scheme=MINHASH_SCHEME, hashvalues=print_.minhash)
        exact_docs = by_hash.get(print_.digest, [])
        exact = set(exact_docs)
        near = sorted(set(lsh.query(minhash)) - exact)
        body = bodies.get(doc)
        same = [o for o in (*exact_docs, *near) if same_body(body, bodies.get(o))]
        # the duplicate decision needs every same-body candidate's exact similarity (usually few)
        matches: list[tuple[float, str]] = []  # (similarity, kept doc), exact copies first
        for other in same:
            score = 1.0 if other in exact else similarity(doc, other)
            if score >= NEAR_THRESHOLD:
                matches.append((score, other))
        matches.sort(key=lambda m: (-m[0], m[1]))
        kept_as: tuple[str, str] | None = None
        for score, other in matches:
            if figures_of(doc) == figures_of(other):
                kept_as = (other, f"exact duplicate of {other} (same normalised text)" if other in exact
                           else f"near duplicate of {other} (shingle Jaccard {score:.2f}, same figures)")
                break
        if kept_as is not None:
            result.duplicates[doc] = kept_as
            continue
        if matches:  # the same body, other figures
            result.flag(doc, "conflicting_figures", matches[0][1])
            result.flag(matches[0][1], "conflicting_figures", doc)
        # other bodies: one confirmed partner is enough for the flag (the candidates most alike by their
        # signatures first, at most MAX_FLAG_CHECKS exact comparisons: a template shared by thousands of
        # bodies stays linear)
        same_set = set(same)
        others = [o for o in (*exact_docs, *near) if o not in same_set]
        if len(others) > MAX_FLAG_CHECKS:  # exact copies, then reports not flagged yet, then the most alike
            rows = np.fromiter((row_of[o] for o in others), dtype=np.intp, count=len(others))
            is_exact = np.fromiter((o in exact for o in others), dtype=bool, count=len(others))
            alike = (signatures[rows] == print_.minhash.astype(np.uint32)).mean(axis=1)
            order = np.lexsort((-alike, template_flagged[rows], ~is_exact))[:MAX_FLAG_CHECKS]
            others = [others[i] for i in order]
        for other in others[:MAX_FLAG_CHECKS]:
            if other in exact or similarity(doc, other) >= NEAR_THRESHOLD:
                kind = ("conflicting_claims" if other in exact and figures_of(doc) == figures_of(other)
                        else "shared_template")
                result.flag(doc, kind, other)
                result.flag(other, kind, doc)
                template_flagged[row_of[other]] = result.has(other, "shared_template")
                break
        by_hash.setdefault(print_.digest, []).append(doc)
        lsh.insert(doc, minhash)
        row_of[doc] = len(row_of)
        signatures[row_of[doc]] = print_.minhash
        template_flagged[row_of[doc]] = result.has(doc, "shared_template")
    return result


def find_duplicates_by_fingerprint(entries: Sequence[tuple[str, Fingerprint, tuple[Any, ...]]],
                                   load_text: Callable[[str], str],
                                   bodies: Mapping[str, Body] | None = None) -> dict[str, tuple[str, str]]:
    """Map each duplicate doc to (the doc kept in its place, a human reason): ``resolve_duplicates``
    without the flags of the documents kept."""
    return resolve_duplicates(entries, load_text, bodies).duplicates


def body_of(row: Mapping[str, Any]) -> Body:
    """A document row's reporting body: its ``unit_key`` when the table has that column, else
    (unit_id, admin_level, unit_name); None when nothing about it is known."""
    def known(value: Any) -> Any:
        return None if value is None or (isinstance(value, float) and value != value) else value

    if "unit_key" in row:  # unidentified-<doc> (a body filled in downstream for a document without one) is unknown
        key = known(row["unit_key"])
        return None if key is None or str(key).startswith("unidentified-") else key
    body = tuple(known(row.get(k)) for k in ("unit_id", "admin_level", "unit_name"))
    return None if body[0] is None and body[2] is None else body


def deduplicate_documents(documents: Any, prints: Any, load_text: Callable[[str], str]) -> Any:
    """The year's documents table with duplicates set aside and near-identical kept documents flagged.

    ``documents``: one row per submitted file (``doc``, ``flags``, ``disposition`` ..., and the body
    columns); ``prints``: one row per readable accepted document (``doc``, ``digest``, ``minhash`` bytes,
    ``n_flags``, ``n_chars``). The cleanest, then longest, copy is kept. Returns a new frame."""
    rows = {r["doc"]: r for r in documents.to_dict("records")}
    entries = [(r.doc, Fingerprint(r.digest, np.frombuffer(r.minhash, dtype=np.uint64)),
                (-r.n_flags, r.n_chars, tuple(-ord(c) for c in r.doc))) for r in prints.itertuples(index=False)]
    found = resolve_duplicates(entries, load_text, {doc: body_of(rows[doc]) for doc, _, _ in entries if doc in rows})
    frame = documents.reset_index(drop=True).copy()
    position = {doc: i for i, doc in enumerate(frame["doc"])}
    flags = [list(f) if f is not None else [] for f in frame["flags"]]
    for doc, (kept, reason) in found.duplicates.items():
        i = position[doc]
        frame.loc[i, ["disposition", "status", "reason", "duplicate_of"]] = ["duplicate", "quarantined", reason, kept]
        flags[i] = [*flags[i], "duplicate"]
    for doc, extra in found.flags.items():
        flags[position[doc]] = [*flags[position[doc]], *extra]
    frame["flags"] = pd_object(flags, frame.index)
    return frame


def pd_object(values: list[Any], index: Any) -> Any:
    """An object Series (a list column stays a list column even when empty)."""
    import pandas as pd

    return pd.Series(values, index=index, dtype=object)
