"""``rolindex``: run the yearly job, or apply single stages to files.

    rolindex run --year 2017 [--inbox DIR] [--out DIR] [-v|--json]   # the whole DAG through Airflow
                                                          # (quiet: progress, logs in OUT/logs/, a summary)
    rolindex profile FILE...                              # ingest + identification, JSON lines
    rolindex extract FILE...                              # extraction records, JSON lines
    rolindex demo [--year 2022] [--reports 400]           # a generated year, published and marked as such
    rolindex suites                                       # regenerate expectations/panel.json
    rolindex rebuild OUT/index/year=Y/build_log.json      # replay an index build, check it is identical
    rolindex unlock --year 2017 [--out DIR]               # clear a year's lease left by a dead run
    rolindex run --year 2017 --corrections FILE           # the run with an auditor's corrections (docs/review.md)
    rolindex review --year 2017 [--out DIR] [--top 20]    # the top of the year's review queue
    rolindex correct FILE --year 2017 [--out DIR]         # what each row of a corrections file will change

Exit codes of ``rolindex run``: 0 published; 1 the run failed (nothing new published); 2 the inbox does
not exist; 3 the run completed but no report was accepted (documents, quarantine and validation report
are published, the index is empty).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline import storage

EXIT_NO_ACCEPTED_REPORTS = 3


def _accepted_reports(catalog: object) -> int | None:
    """Accepted reports of a finished run, from its published validation results (None if unreadable)."""
    from pipeline import io

    try:
        results = io.read_json(catalog.publish_dir / "validation_results.json")  # type: ignore[attr-defined]
        return int(results["accounting"]["accepted"])
    except (OSError, KeyError, ValueError, TypeError):
        return None


def _cmd_run(args: argparse.Namespace) -> int:
    from pipeline.catalog import Catalog
    from pipeline.settings import RunSettings

    settings = RunSettings.resolve(args.year, args.inbox, args.out)
    say = (lambda event: print(_json_line(event), flush=True)) if args.json else \
        (lambda event: print(event["message"], file=sys.stderr, flush=True))
    if not storage.is_dir(settings.inbox):
        say({"event": "error", "code": 2, "message": f"rolindex: error: inbox {settings.inbox} does not exist"})
        return 2
    if args.corrections:  # checked before the run; the DAG stages it (docs/review.md)
        from pipeline.review.corrections import CorrectionsError, parse_corrections

        try:
            parse_corrections(storage.read_bytes(args.corrections), args.corrections, settings.year)
        except (CorrectionsError, OSError) as exc:
            say({"event": "error", "code": 1, "message": f"rolindex: error: {exc}"})
            return 1
        import os

        os.environ["ROLINDEX_CORRECTIONS"] = (args.corrections if storage.is_url(args.corrections)
                                              else str(Path(args.corrections).resolve()))
    if args.verbose:
        from pipeline.runner import run_year

        say({"event": "start", "message": f"rolindex: running rule_of_law_index for {settings.year}\n"
                                           f"  inbox: {settings.inbox}\n  out:   {settings.out}"})
        state, log_file, failed_task, cause = run_year(settings.year, str(settings.inbox), str(settings.out)), \
            None, None, None
    else:
        from pipeline.console import run_quietly

        outcome = run_quietly(settings, json_events=args.json)
        state, log_file, failed_task, cause = outcome.state, outcome.log_file, outcome.failed_task, outcome.cause
    catalog = Catalog(settings.out, settings.year)
    if state != "success":
        where = f" in task {failed_task}" if failed_task else ""
        why = cause or f"the run ended in state {state!r}"
        say({"event": "failed", "code": 1, "year": settings.year, "task": failed_task, "cause": cause,
             "log": str(log_file) if log_file else None,
             "message": f"rolindex: {settings.year} failed{where}: {why}"
                        + (f" (log: {log_file})" if log_file else " (see the task logs above)")})
        return 1
    if args.corrections:  # what became of the auditor's rows (issue 23)
        from pipeline.review.cli import corrections_line

        say({"event": "corrections", "message": corrections_line(catalog)})
    summary = _run_summary(catalog)
    if _accepted_reports(catalog) == 0:
        say({"event": "done", "code": EXIT_NO_ACCEPTED_REPORTS, "summary": summary,
             "message": f"rolindex: no accepted reports for {settings.year}: every submitted file was set aside; "
                        f"see {catalog.publish_dir / 'validation_report.html'}"})
        return EXIT_NO_ACCEPTED_REPORTS
    if summary is None:
        say({"event": "done", "code": 0, "message": f"rolindex: {settings.year} published in {catalog.publish_dir}"})
        return 0
    from pipeline.publish.run_summary import summary_lines

    say({"event": "done", "code": 0, "summary": summary,
         "message": "\n".join(summary_lines(summary, str(catalog.publish_dir)))})
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.catalog import Catalog
    from pipeline.demo import run_demo
    from pipeline.publish.run_summary import summary_lines

    out = Path(args.out).resolve()
    print(f"rolindex demo: generating {args.reports} reports for {args.year} (generated data — not real figures) "
          f"in {out}", file=sys.stderr)
    outcome = run_demo(args.year, args.reports, out, seed=args.seed, framework_share=args.framework_share)
    if outcome.state != "success":
        print(f"rolindex demo: failed{f' in task {outcome.failed_task}' if outcome.failed_task else ''}: "
              f"{outcome.cause or outcome.state} (log: {outcome.log_file})", file=sys.stderr)
        return 1
    catalog = Catalog(out, args.year)
    summary = _run_summary(catalog)
    if summary is not None:
        print("\n".join(summary_lines(summary, str(catalog.publish_dir))), file=sys.stderr)
    return 0


def _run_summary(catalog: object) -> dict[str, object] | None:
    """The published run summary of a year (None when the publication has none)."""
    from pipeline import io

    try:
        summary: dict[str, object] = io.read_json(catalog.publish_dir / "run_summary.json")  # type: ignore[attr-defined]
    except (OSError, ValueError):
        return None
    return summary


def _json_line(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def _cmd_profile(args: argparse.Namespace) -> int:
    from pipeline.ingest.stage import profile_file

    for name in args.files:
        profile, _ = profile_file(Path(name))
        print(_json_line(profile))
    return 0


def _cmd_extract(args: argparse.Namespace) -> int:
    from pipeline.extract.stage import extract_file

    for name in args.files:
        for record in extract_file(Path(name)):
            print(_json_line(record))
    return 0


def _cmd_suites(_args: argparse.Namespace) -> int:
    from pipeline.validate.suites import write_panel_suite

    print(write_panel_suite())
    return 0


def _cmd_unlock(args: argparse.Namespace) -> int:
    from pipeline import locks
    from pipeline.settings import RunSettings

    settings = RunSettings.resolve(args.year, None, args.out)
    current = locks.holder(settings.out, settings.year)
    if current is None:
        print(f"rolindex: year {settings.year} in {settings.out} is not locked")
        return 0
    locks.lock_path(settings.out, settings.year).unlink(missing_ok=True)
    print(f"rolindex: removed the lease of run {current.get('run_id')!r} on year {settings.year} "
          f"(taken {current.get('since')} on {current.get('host')})")
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    import tempfile

    import pandas as pd

    from pipeline import io
    from pipeline.index.stage import replay

    log_path = Path(args.build_log)
    rebuilt = dict(zip(("scores", "indicators"), replay(log_path), strict=True))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, frame in rebuilt.items():
                # through the same parquet writer as the build, then compared value by value
                io.write_parquet(Path(tmp) / f"{name}.parquet", frame)
                pd.testing.assert_frame_equal(io.read_parquet(Path(tmp) / f"{name}.parquet"),
                                              io.read_parquet(log_path.parent / f"{name}.parquet"), check_exact=True)
    except AssertionError as exc:
        print(f"rolindex: rebuild differs from {log_path.parent}:\n{exc}", file=sys.stderr)
        return 1
    from pipeline.review.cli import rebuild_changes

    corrections = rebuild_changes(log_path, rebuilt["scores"], rebuilt["indicators"])  # issue 23
    if corrections is not None and not corrections.startswith("with"):
        print(f"rolindex: rebuild differs from {log_path.parent}: {corrections}", file=sys.stderr)
        return 1
    print(f"rolindex: rebuild from {log_path} is identical ({len(rebuilt['scores'])} units, "
          f"{len(rebuilt['indicators'])} indicator rows{', ' + corrections if corrections else ''})")
    return 0


def _cmd_review(args: argparse.Namespace) -> int:
    from pipeline.review.cli import print_review

    return print_review(args.year, args.out, args.top, args.yaml)


def _cmd_correct(args: argparse.Namespace) -> int:
    from pipeline.review.cli import check_corrections

    return check_corrections(args.file, args.year, args.out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rolindex", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the yearly DAG through Airflow (embedded SQLite)")
    run.add_argument("--year", type=int, required=True)
    run.add_argument("--inbox", help="inbox folder for that year (default: <inbox root>/<year>)")
    run.add_argument("--out", help="output data root (default: $ROLINDEX_DATA_ROOT or outputs/)")
    run.add_argument("-v", "--verbose", action="store_true", help="show Airflow's logs live instead of progress")
    run.add_argument("--json", action="store_true", help="progress and the result as JSON lines on stdout")
    run.add_argument("--corrections", help="the year's corrections file (YAML, docs/review.md), applied by the run")
    run.set_defaults(func=_cmd_run)
    review = sub.add_parser("review", help="print the top of a published year's review queue")
    review.add_argument("--year", type=int, required=True)
    review.add_argument("--out", help="output data root (default: ROLINDEX_DATA_ROOT or outputs/)")
    review.add_argument("--top", type=int, default=20, help="rows to print (default 20)")
    review.add_argument("--yaml", action="store_true", help="print the ready-made correction rows of those values")
    review.set_defaults(func=_cmd_review)
    correct = sub.add_parser("correct", help="check a corrections file against a year's data: what each row will do")
    correct.add_argument("file", help="corrections file (YAML)")
    correct.add_argument("--year", type=int, required=True)
    correct.add_argument("--out", help="output data root (default: ROLINDEX_DATA_ROOT or outputs/)")
    correct.set_defaults(func=_cmd_correct)
    for name, func, text in (("profile", _cmd_profile, "identify files: one JSON object per file"),
                             ("extract", _cmd_extract, "extract facts: one JSON object per record")):
        p = sub.add_parser(name, help=text)
        p.add_argument("files", nargs="+")
        p.set_defaults(func=func)
    sub.add_parser("suites", help="regenerate expectations/panel.json from the catalogue").set_defaults(
        func=_cmd_suites)
    unlock = sub.add_parser("unlock", help="clear the lease of a year left by a run that died")
    unlock.add_argument("--year", type=int, required=True)
    unlock.add_argument("--out", help="output data root (default: ROLINDEX_DATA_ROOT or outputs/)")
    unlock.set_defaults(func=_cmd_unlock)
    demo = sub.add_parser("demo", help="generate a national-style demo year and publish it, marked as generated")
    demo.add_argument("--year", type=int, default=2022)
    demo.add_argument("--reports", type=int, default=400, help="generated reports (default 400)")
    demo.add_argument("--out", default="outputs/demo", help="data root of the demo (default outputs/demo)")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--framework-share", type=float, default=0.0, metavar="S",
                      help="reporting profile: each report states each index framework indicator with probability "
                           "S (invented figures; default 0: the real samples' sentences only)")
    demo.set_defaults(func=_cmd_demo)
    rebuild = sub.add_parser("rebuild", help="rebuild an index from its build_log.json and compare with its scores")
    rebuild.add_argument("build_log", help="path to index/year=Y/build_log.json")
    rebuild.set_defaults(func=_cmd_rebuild)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
