"""Throughput of the Spark job in local mode against the single-process path, same articles.

    python benchmarks/bench_spark.py --articles 50000 --cores 2 --no-analysis [--method ilp]
        [--skip-single | --skip-spark] [--json out.json]

The corpus is the stream of the store's scale benchmark (``bench_scale.stream``, imported, not
copied): the labelled evaluation events replayed every 45 days, each replay a perturbed copy
(paragraphs dropped, words replaced) with new outlets, URLs and dates, and about 8% of articles
followed by a syndicated near-copy. It has dates, so the sliding windows and their merges run.

Both paths run the same stages: read (JSONL), per-article cleaning, corpus-wide near-duplicate
detection, clustering (``cluster_documents`` on one machine, per window in Spark), and a brief
per event (``prepare_articles`` + ``brief_documents`` over the event's articles). Spark's shuffle
sizes and executor CPU time per stage come from its monitoring REST API on 127.0.0.1;
CPU seconds of the whole run are the driver's plus its children's (the JVM and Python workers).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def make_corpus(target: int, folder: Path, seed: int = 7, per_file: int = 5000) -> dict:
    """Write ``target`` articles of ``bench_scale.stream`` (the store's scale benchmark) as
    JSONL files of ``per_file`` articles under ``folder`` (one file is one Spark read task,
    and the readers cap a file at 64 MiB)."""
    from bench_scale import stream

    folder.mkdir(parents=True, exist_ok=True)
    written, days, duplicates = 0, set(), 0
    lines: list[str] = []

    def flush() -> None:
        with open(folder / f"part-{(written - 1) // per_file:05d}.jsonl", "w",
                  encoding="utf-8") as out:
            out.writelines(lines)
        lines.clear()

    for article in stream(seed):
        if written >= target:
            break
        lines.append(json.dumps({
            "id": article.id, "title": article.title, "text": article.text,
            "outlet": article.outlet, "published": article.published, "url": article.url,
        }) + "\n")
        written += 1
        days.add(article.published)
        duplicates += article.id.endswith("-syn")
        if len(lines) == per_file:
            flush()
    if lines:
        flush()
    size = sum(p.stat().st_size for p in folder.iterdir())
    return {"articles": written, "files": len(list(folder.iterdir())), "days": len(days),
            "syndicated_copies": duplicates,
            "generator": f"benchmarks/bench_scale.py stream(seed={seed})", "bytes": size}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def single_process(path: Path, analyze: bool, method: str) -> dict:
    """The single-machine path, stage by stage, on one core: wall and CPU seconds per stage."""
    from newsbrief.cluster import cluster_documents, prepare_for_clustering
    from newsbrief.config import BriefConfig
    from newsbrief.dedup import find_duplicates
    from newsbrief.ingest import read_paths
    from newsbrief.pipeline import brief_documents, prepare_articles

    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    clock = [time.perf_counter(), _cpu()]

    def lap(name: str) -> None:
        now = [time.perf_counter(), _cpu()]
        seconds[name] = round(now[0] - clock[0], 2)
        cpu[name] = round(now[1] - clock[1], 2)
        clock[:] = now

    read = read_paths([path])
    articles = read.articles
    if read.problems:
        raise SystemExit(f"corpus problems: {read.problems[:3]}")
    lap("read")
    documents = [prepare_for_clustering([a])[0] for a in articles]
    lap("clean")
    duplicates = find_duplicates(documents)
    lap("dedup")
    events = cluster_documents(documents)
    lap("cluster")
    members: dict[str, list] = {}
    for a in articles:
        members.setdefault(events[a.id], []).append(a)
    config = BriefConfig(analyze=analyze, method=method)
    for group in members.values():
        docs = prepare_articles(group)
        if docs:
            brief_documents(docs, config)
    lap("brief")
    total, total_cpu = sum(seconds.values()), sum(cpu.values())
    n = len(articles)
    return {"articles": n, "duplicates": len(duplicates), "events": len(members),
            "seconds": seconds, "cpu_seconds": cpu, "total_seconds": round(total, 2),
            "total_cpu_seconds": round(total_cpu, 2),
            "ms_per_article": {k: round(1000 * v / n, 2) for k, v in seconds.items()},
            "articles_per_second": round(n / total, 2),
            "articles_per_cpu_second": round(n / total_cpu, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _rest(url: str) -> list | dict:
    with urllib.request.urlopen(url, timeout=30) as response:  # loopback only
        return json.loads(response.read())


def spark_stage_metrics(spark) -> list[dict]:
    """Per-stage shuffle read/write, task time and CPU time from Spark's REST API (loopback)."""
    base = spark.sparkContext.uiWebUrl.rstrip("/") + "/api/v1"
    app = spark.sparkContext.applicationId
    stages = _rest(f"{base}/applications/{app}/stages?status=complete")
    out = []
    for s in sorted(stages, key=lambda s: s["stageId"]):
        out.append({
            "stage": s["stageId"], "step": s.get("description") or "", "name": s["name"][:60],
            "tasks": s["numTasks"], "run_seconds": round(s["executorRunTime"] / 1000, 2),
            "jvm_cpu_seconds": round(s.get("executorCpuTime", 0) / 1e9, 2),
            "input_bytes": s.get("inputBytes", 0),
            "shuffle_write_bytes": s.get("shuffleWriteBytes", 0),
            "shuffle_read_bytes": s.get("shuffleReadBytes", 0),
        })
    return out


class TreeCPU:
    """CPU seconds of this process and all its descendants (Spark's JVM and its Python
    workers), sampled from /proc every second: Spark's own ``executorCpuTime`` counts only
    the JVM's task threads, not the Python workers where the work happens."""

    def __init__(self) -> None:
        import threading

        self.root = os.getpid()
        self.seen: dict[int, float] = {}
        self.timeline: list[tuple[float, float]] = []  # (perf_counter, CPU seconds so far)
        self.tick = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        parent: dict[int, tuple[int, float]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parent[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / self.tick)
        tree, grew = {self.root}, True
        while grew:
            grew = False
            for pid, (ppid, _) in parent.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        for pid in tree & set(parent):
            self.seen[pid] = max(self.seen.get(pid, 0.0), parent[pid][1])
        self.timeline.append((time.perf_counter(), sum(self.seen.values())))

    def at(self, moment: float) -> float:
        """CPU seconds used up to ``moment`` (a perf_counter value), from the samples."""
        before = [cpu for when, cpu in self.timeline if when <= moment]
        return before[-1] if before else 0.0

    def per_step(self, start: float, seconds: dict[str, float]) -> dict[str, float]:
        """CPU seconds of each step of a run that began at ``start`` (steps in order)."""
        out, moment = {}, start
        for name, length in seconds.items():
            out[name] = round(self.at(moment + length) - self.at(moment), 1)
            moment += length
        return out

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()

    def stop(self) -> float:
        self._sample()
        self._stop.set()
        return round(sum(self.seen.values()), 2)


def spark_path(path: Path, cores: int, analyze: bool, method: str, output: Path,
               partitions: int | None) -> dict:
    from newsbrief.config import BriefConfig
    from newsbrief.spark import SparkJobConfig, run_job, spark_session

    tree = TreeCPU()
    t = time.perf_counter()
    parts = partitions or cores * 4
    spark = spark_session(f"local[{cores}]", shuffle_partitions=parts, ui=True,
                          conf={"spark.ui.port": "4050", "spark.driver.memory": "4g"})
    startup = time.perf_counter() - t
    config = SparkJobConfig(brief=BriefConfig(analyze=analyze, method=method), partitions=parts)
    t = time.perf_counter()
    result = run_job(spark, [str(path)], str(output), config, overwrite=True)
    total = time.perf_counter() - t
    stages = spark_stage_metrics(spark)
    cpu = tree.stop()
    spark.stop()
    by_step: dict[str, dict[str, float]] = {}
    for s in stages:
        step = by_step.setdefault(s["step"] or s["name"], {
            "shuffle_write_bytes": 0, "shuffle_read_bytes": 0, "run_seconds": 0.0,
            "jvm_cpu_seconds": 0.0})
        step["shuffle_write_bytes"] += s["shuffle_write_bytes"]
        step["shuffle_read_bytes"] += s["shuffle_read_bytes"]
        step["run_seconds"] = round(step["run_seconds"] + s["run_seconds"], 2)
        step["jvm_cpu_seconds"] = round(step["jvm_cpu_seconds"] + s["jvm_cpu_seconds"], 2)
    n = result.counts["articles"]
    return {"articles": n, "counts": result.counts, "startup_seconds": round(startup, 2),
            "seconds": result.seconds, "total_seconds": round(total, 2),
            "cpu_seconds": cpu,
            "cpu_seconds_by_step": tree.per_step(t, result.seconds),
            "articles_per_second": round(n / total, 2),
            "articles_per_core_second": round(n / (total * cores), 2),
            "articles_per_cpu_second": round(n / max(1e-9, cpu), 2),
            "shuffle_bytes_per_article": round(sum(
                s["shuffle_write_bytes"] for s in stages) / n),
            "shuffle_by_step": by_step, "stages": stages}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=None,
                        help="Spark partitions (default 4 x cores)")
    parser.add_argument("--method", default="ilp", help="summarization method of the briefs")
    parser.add_argument("--no-analysis", action="store_true", help="briefs without analysis")
    parser.add_argument("--skip-single", action="store_true")
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--json", metavar="PATH", help="also write the results here")
    parser.add_argument("--corpus", metavar="DIR",
                        help="write the corpus here and keep it (made again each run: the "
                        "generator is deterministic)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-spark-"))
    try:
        corpus_dir = Path(args.corpus) if args.corpus else work / "corpus"
        if corpus_dir.exists():
            shutil.rmtree(corpus_dir)
        corpus = make_corpus(args.articles, corpus_dir)
        print("corpus:", json.dumps(corpus), flush=True)
        result: dict = {"corpus": corpus, "cores": args.cores, "analysis": not args.no_analysis,
                        "method": args.method,
                        "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
        if not args.skip_single:
            result["single_process"] = single_process(corpus_dir,
                                                      not args.no_analysis, args.method)
            result["load_average_after_single"] = [round(x, 2) for x in os.getloadavg()]
            print("single process:", json.dumps(result["single_process"]), flush=True)
        if not args.skip_spark:
            result["spark"] = spark_path(corpus_dir, args.cores, not args.no_analysis,
                                         args.method, work / "out", args.partitions)
            result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
            summary = {k: v for k, v in result["spark"].items() if k != "stages"}
            print("spark:", json.dumps(summary), flush=True)
            print(f"{'stage':>5}  {'step':<32} {'tasks':>5} {'run s':>8} {'jvm cpu':>8} "
                  f"{'shuffle write':>14} {'shuffle read':>13}")
            for s in result["spark"]["stages"]:
                print(f"{s['stage']:>5}  {s['step'][:32]:<32} {s['tasks']:>5} "
                      f"{s['run_seconds']:>8} {s['jvm_cpu_seconds']:>8} "
                      f"{s['shuffle_write_bytes']:>14} {s['shuffle_read_bytes']:>13}")
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
