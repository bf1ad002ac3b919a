"""Throughput of normalisation and extraction on real report text, with the baselines of issue #6.

Usage (from the project root):

    uv run python benchmarks/text_throughput.py [--repeat 5] [--corpus DIR]

Corpus: the real reports in examples/inbox (every .txt/.html of every year), or any folder of
.txt files. Every figure is single-process (= per core) and counts UTF-8 bytes of the input:

- normalise: raw text -> NormalisedText (NFKC, t2s, pinyin glosses, chrome, spam, repeated bodies).
- extract:   normalised text -> records (quantities, boundary check, indicator mapping, scope).
- regex scan baseline: the extractor's compiled quantity regex, ``finditer`` over the same text only.
- naive baseline: ``jieba.lcut`` over every line, then the same regex over each line.

Targets (issue #6): extract >= 10 % of the regex scan, and >= 10x the naive approach.
"""

from __future__ import annotations

import argparse
import logging
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jieba

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.extract.extractor import extract_text
from pipeline.extract.mapper import _tokenizer
from pipeline.extract.quantities import rules
from pipeline.ingest.normalise import normalise_text
from pipeline.ingest.readers import read_document
from pipeline.settings import SAMPLE_INBOX_ROOT


def load_corpus(root: Path) -> list[str]:
    """Decoded raw text of every report file under ``root``."""
    texts = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in (".txt", ".html", ".htm", ".docx", ".pdf") and not path.name.startswith("README"):
            texts.append(read_document(path.read_bytes(), path.suffix.lower()).text)
    if not texts:
        raise SystemExit(f"no report files under {root}")
    return texts


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` runs (the least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--corpus", type=Path, default=SAMPLE_INBOX_ROOT)
    args = parser.parse_args()

    raw = load_corpus(args.corpus)
    clean = [normalise_text(t).text for t in raw]
    raw_mb = sum(len(t.encode()) for t in raw) / 1e6
    clean_mb = sum(len(t.encode()) for t in clean) / 1e6
    pattern = rules()["pattern"]
    # warm both tokenizers: jieba's dictionary load is a one-off cost, not throughput
    _tokenizer()
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    def normalise_all() -> None:
        for t in raw:
            normalise_text(t)

    def extract_all() -> None:
        for i, t in enumerate(clean):
            extract_text(f"d{i}", t)

    def regex_scan() -> None:
        for t in clean:
            for _ in pattern.finditer(t):
                pass

    def naive_jieba() -> None:
        for t in clean:
            for line in t.splitlines():
                jieba.lcut(line)
                for _ in pattern.finditer(line):
                    pass

    extract_all()  # warm caches (configs, catalogue)
    print(f"corpus: {args.corpus} - {len(raw)} documents, {raw_mb:.3f} MB raw, {clean_mb:.3f} MB normalised")
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"best of {args.repeat} runs, one process")
    rows = [
        ("normalise (raw text)", raw_mb, best_time(normalise_all, args.repeat)),
        ("extract (normalised text)", clean_mb, best_time(extract_all, args.repeat)),
        ("baseline: bare regex scan", clean_mb, best_time(regex_scan, args.repeat)),
        ("baseline: naive jieba.lcut + regex", clean_mb, best_time(naive_jieba, max(1, args.repeat // 4))),
    ]
    print(f"{'stage':38s} {'seconds':>9s} {'MB/s':>9s}")
    speeds = {}
    for name, mb, seconds in rows:
        speeds[name] = mb / seconds
        print(f"{name:38s} {seconds:9.4f} {mb / seconds:9.2f}")
    extract = speeds["extract (normalised text)"]
    print(f"extract / regex scan   = {extract / speeds['baseline: bare regex scan']:.1%}  (target >= 10%)")
    print(f"extract / naive jieba  = {extract / speeds['baseline: naive jieba.lcut + regex']:.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()
