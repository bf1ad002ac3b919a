"""The whole DAG at national scale: generated corpora of N reports through Airflow's LocalExecutor.

Usage (from the project root):

    uv run python benchmarks/scale.py --reports 1000 10000 [100000] [--work /tmp/rolindex-scale]
    uv run python benchmarks/scale.py --reports 1000 --s3-loopback    # data root on a loopback S3 API

For each N: generates (once, seeded) a national year of N reports with ``benchmarks/generate_corpus.py``,
starts a private Airflow (SQLite metadata, api-server on 127.0.0.1, LocalExecutor with parallelism 2 =
the machine's cores), runs ``rule_of_law_index`` for that year with ``dag.test(use_executor=True)``,
samples the resident memory of the whole process tree every 0.25 s, and reads every task instance's
start and end from the metadata database afterwards.

Prints per task: wall time (first start to last end), summed task time, number of task instances,
input throughput (MB/s and reports/s over the task's wall time); then the run's total wall time,
peak RSS (sum over all processes, and the largest single process), and how cost grows with N.
Results are also written to ``<work>/scale-<N>.json``. Figures, not assertions: nothing here is timed
in the test suite.

``--data-root URL`` writes the zones under that URL instead of ``<work>/out-N`` (credentials from the
``AWS_*`` environment); ``--s3-loopback`` starts moto's S3 server on 127.0.0.1 for it, an in-memory
emulator in this process: it shows the per-object cost of the storage layer, not a real store's speed.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2022


def corpus(work: Path, reports: int, seed: int) -> tuple[Path, float]:
    """The generated inbox for N reports (made once) and its size in MB."""
    out = work / f"corpus-{reports}"
    inbox = out / str(YEAR)
    if not (out / ".complete").exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate_corpus.py"), "--reports", str(reports),
                        "--year", str(YEAR), "--out", str(out), "--seed", str(seed)], check=True, cwd=ROOT)
        (out / ".complete").write_text("ok\n")
    size = sum(p.stat().st_size for p in inbox.rglob("*") if p.is_file())
    return inbox, size / 1e6


class MemorySampler(threading.Thread):
    """Peak RSS of a process and all its descendants, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = psutil.Process(pid), interval
        self.peak_total = self.peak_single = 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            rss = []
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    rss.append(p.memory_info().rss)
            if rss:
                self.peak_total = max(self.peak_total, sum(rss))
                self.peak_single = max(self.peak_single, max(rss))
            self.stop_event.wait(self.interval)


RUN_CODE = """
import json, sys
from pipeline.runner import ensure_database, load_dag
ensure_database()
conf = json.loads(sys.argv[1])
run = load_dag().test(use_executor=True, run_conf=conf)
tis = [{"task_id": ti.task_id, "map_index": ti.map_index, "state": str(ti.state),
        "start": ti.start_date.timestamp() if ti.start_date else None,
        "end": ti.end_date.timestamp() if ti.end_date else None} for ti in run.get_task_instances()]
print("RESULT " + json.dumps({"state": str(run.state), "tasks": tis}))
"""


def run_dag(work: Path, reports: int, inbox: Path, data_root: str | None = None) -> dict:
    """One DAG run on the LocalExecutor; returns task instances, wall time and peak memory."""
    sys.path.insert(0, str(ROOT))
    from pipeline.runner import api_server, free_port, ui_environment

    home = work / f"airflow-{reports}"
    out = f"{data_root.rstrip('/')}/out-{reports}" if data_root else work / f"out-{reports}"
    port = free_port()
    env = ui_environment(home, port=port)
    env.update({"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor", "AIRFLOW__CORE__PARALLELISM": "2",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING", "ROLINDEX_TASK_RETRIES": "0"})
    subprocess.run([sys.executable, "-c", "from pipeline.runner import ensure_database; ensure_database()"],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    with api_server(env, port):
        conf = {"year": YEAR, "inbox": str(inbox), "out": str(out)}
        log = (work / f"run-{reports}.log").open("w")
        t0 = time.perf_counter()
        runner = subprocess.Popen([sys.executable, "-c", RUN_CODE, json.dumps(conf)], env=env, cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=log, text=True)
        sampler = MemorySampler(runner.pid)
        sampler.start()
        stdout, _ = runner.communicate()
        wall = time.perf_counter() - t0
        sampler.stop_event.set()
        sampler.join()
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"the DAG run printed no result; see {work / f'run-{reports}.log'}")
    result = json.loads(lines[-1][len("RESULT "):])
    result.update(wall_s=wall, peak_rss_total=sampler.peak_total, peak_rss_single=sampler.peak_single)
    return result


def per_task(result: dict, mb: float, reports: int) -> list[dict]:
    order: list[str] = []
    for t in sorted(result["tasks"], key=lambda t: t["start"] or float("inf")):  # in the order they ran
        if t["task_id"] not in order:
            order.append(t["task_id"])
    rows = []
    for task_id in order:
        tis = [t for t in result["tasks"] if t["task_id"] == task_id and t["start"] and t["end"]]
        if not tis:
            continue
        wall = max(t["end"] for t in tis) - min(t["start"] for t in tis)
        busy = sum(t["end"] - t["start"] for t in tis)
        rows.append({"task": task_id, "instances": len(tis), "wall_s": wall, "task_s": busy,
                     "mb_per_s": mb / wall if wall else None, "reports_per_s": reports / wall if wall else None})
    return rows


def start_loopback_s3() -> str:
    """Start moto's S3 server on 127.0.0.1 (lives as long as this process), point the ``AWS_*``
    variables of this process and its children at it, and return a new bucket's URL."""
    import fsspec
    from moto.server import ThreadedMotoServer

    sys.path.insert(0, str(ROOT))
    from pipeline.runner import free_port

    port = free_port()
    ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False).start()
    os.environ.update({"AWS_ACCESS_KEY_ID": "scale", "AWS_SECRET_ACCESS_KEY": "scale-secret",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"})
    fsspec.filesystem("s3").mkdir("rolindex-scale")
    return "s3://rolindex-scale"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/rolindex-scale"))
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--data-root", help="output data root URL (default: <work>/out-N)")
    parser.add_argument("--s3-loopback", action="store_true", help="start a loopback S3 API for the data root")
    args = parser.parse_args()
    if args.s3_loopback:
        args.data_root = start_loopback_s3()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}")
    summary = []
    for n in args.reports:
        inbox, mb = corpus(args.work, n, args.seed)
        print(f"\n== {n} reports, {mb:.0f} MB in {inbox}")
        result = run_dag(args.work, n, inbox, args.data_root)
        rows = per_task(result, mb, n)
        print(f"{'task':18s} {'n':>4s} {'wall s':>8s} {'task s':>8s} {'MB/s':>7s} {'reports/s':>10s}")
        for r in rows:
            print(f"{r['task']:18s} {r['instances']:4d} {r['wall_s']:8.1f} {r['task_s']:8.1f} "
                  f"{r['mb_per_s'] or 0:7.2f} {r['reports_per_s'] or 0:10.1f}")
        print(f"state {result['state']}; DAG wall {result['wall_s']:.1f} s ({n / result['wall_s']:.1f} reports/s, "
              f"{mb / result['wall_s']:.2f} MB/s); peak RSS {result['peak_rss_total'] / 2**30:.2f} GiB all processes, "
              f"{result['peak_rss_single'] / 2**30:.2f} GiB largest process")
        record = {"reports": n, "mb": mb, "state": result["state"], "wall_s": result["wall_s"],
                  "peak_rss_total": result["peak_rss_total"], "peak_rss_single": result["peak_rss_single"],
                  "tasks": rows}
        (args.work / f"scale-{n}.json").write_text(json.dumps(record, indent=2))
        summary.append(record)
    if len(summary) > 1:
        print("\ngrowth:")
        for a, b in itertools.pairwise(summary):
            print(f"  {a['reports']} -> {b['reports']} reports (x{b['reports'] / a['reports']:.0f}): "
                  f"wall x{b['wall_s'] / a['wall_s']:.2f}, peak RSS x{b['peak_rss_total'] / a['peak_rss_total']:.2f}")


if __name__ == "__main__":
    main()
