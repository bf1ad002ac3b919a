"""OCR throughput: scanned pages per second per core (issue 21, item 4).

Usage (from the project root):

    uv run python benchmarks/ocr_throughput.py [--pages 6] [--dpi 200] [--threads 1]

Pages: the invented reports of ``evaluation/evaluate_ocr.py`` run on one after another and rendered as
full A4 pages (12 pt, about 1,000 characters each; rotation, noise, JPEG) in one image-only PDF. Measured in this process after one warm-up page: (1) the engine alone
on page images rendered by pypdfium2 (``ocr_page``), wall and CPU seconds; (2) the whole reader
(``read_document(.pdf)``: pypdf finds no text layer, the guarded child renders, loads the models and
OCRs every page); (3) the mapped ``ocr`` task's way (``fill_cache``: each page in its own guarded child,
written to a cache), and its re-run on the cached pages. Pages per second per core = pages / CPU seconds of the process doing the work, so
the figure does not depend on what else runs on the machine; wall time is shown beside it.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    from evaluation.evaluate_ocr import REPORTS, pages_pdf, render_pages
    from pipeline.ingest.ocr import OcrSettings, make_engine, ocr_page, pdf_page_images
    from pipeline.ingest.readers import read_document

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads per OCR process")
    args = parser.parse_args(argv)

    texts = list(REPORTS.values())
    source = "\n".join(texts)
    while len(render_pages(source, args.dpi)) <= args.pages:  # full pages: the reports run on, one after another
        source += "\n" + source
    pdf = pages_pdf(render_pages(source, args.dpi)[:args.pages], dpi=args.dpi)
    settings = OcrSettings(render_dpi=args.dpi, threads=args.threads)
    images = list(pdf_page_images(pdf, settings))
    engine = make_engine(settings)
    ocr_page(engine, images[0], settings)  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    chars = sum(len(ocr_page(engine, image, settings).text) for image in images)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    child_cpu, reader_wall = _children_cpu(), time.perf_counter()
    decoded = read_document(pdf, ".pdf")
    reader_wall, child_cpu = time.perf_counter() - reader_wall, _children_cpu() - child_cpu

    import tempfile

    from pipeline.ingest.ocr_tasks import fill_cache

    with tempfile.TemporaryDirectory(prefix="ocr_cache_") as folder:  # the mapped ocr task's way
        task_cpu, task_wall = _children_cpu(), time.perf_counter()
        fill_cache(pdf, ".pdf", Path(folder), settings, range(1, len(images) + 1))
        task_wall, task_cpu = time.perf_counter() - task_wall, _children_cpu() - task_cpu
        again = time.perf_counter()
        fill_cache(pdf, ".pdf", Path(folder), settings, range(1, len(images) + 1))  # a re-run: all cached
        again = time.perf_counter() - again
    n = len(images)
    print(f"{n} A4 pages at {args.dpi} dpi, {chars} characters recognised, onnxruntime threads {args.threads}")
    print("| measured | pages | wall s | CPU s | pages/s (wall) | pages/s per core (CPU) |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| engine on rendered pages | {n} | {wall:.1f} | {cpu:.1f} | {n / wall:.3f} | {n / cpu:.3f} |")
    print(f"| whole reader (guarded child: render + models + OCR) | {n} | {reader_wall:.1f} | {child_cpu:.1f} | "
          f"{n / reader_wall:.3f} | {n / max(child_cpu, 1e-9):.3f} |")
    print(f"| ocr task (fill_cache: one guarded child per page, page written to the cache) | {n} | {task_wall:.1f} | "
          f"{task_cpu:.1f} | {n / task_wall:.3f} | {n / max(task_cpu, 1e-9):.3f} |")
    print(f"re-run of the ocr task on the cached pages: {again:.2f} s wall")
    print(f"reader flags: {', '.join(f for f in decoded.flags if not f.startswith('ocr_point'))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
