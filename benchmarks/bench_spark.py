"""Throughput of the Spark job in local mode against the single-process path, same articles.

    python benchmarks/bench_spark.py --articles 5000 --cores 2 [--no-analysis] [--json out.json]

The corpus is made from the real articles of ../shared/eval (a few thousand distinct ones), so
it can be as large as asked: replica ``r`` of every article has the words of its text mapped
through a permutation of the vocabulary that is the same for all articles of that replica
(words swapped only with words of similar frequency, capitalisation kept). Articles of one
replica keep exactly the similarities they had, so events and duplicates keep their real
structure, while replicas are different stories to the clusterer and to MinHash. Each event
of each replica gets a day in one month (its articles within two days), so the sliding windows
have real work to do. Replica 0 is the original text.

Both paths run the same stages: read (JSONL), per-article cleaning, corpus-wide near-duplicate
detection, clustering (``cluster_documents`` on one machine, per window in Spark), and a brief
per event (``prepare_articles`` + ``brief_documents`` over the event's articles). Spark's shuffle
sizes per stage come from its monitoring REST API on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
_WORD = re.compile(r"[A-Za-z]+")
BLOCK = 20  # words are swapped within blocks of this many frequency ranks


def base_articles() -> list[dict]:
    """Distinct real articles of the evaluation sets, each with its event label."""
    seen: set[str] = set()
    out: list[dict] = []

    def add(title: str, text: str, label: str) -> None:
        key = " ".join(text.split())[:500]
        if len(text.split()) >= 50 and key not in seen:
            seen.add(key)
            out.append({"title": title or "", "text": text, "label": label})

    for name in ("clustering-dev.jsonl", "clustering-wikiref220.jsonl"):
        for line in (EVAL / name).open(encoding="utf-8"):
            r = json.loads(line)
            add(r.get("title", ""), r["text"], f"{name}:{r['label']}")
    for name in ("multinews-dev.jsonl", "wcep-dev.jsonl", "wcep-train.jsonl",
                 "multiling2011-sample.jsonl"):
        for line in (EVAL / name).open(encoding="utf-8"):
            r = json.loads(line)
            for a in r["articles"]:
                add(a.get("title", ""), a["text"], f"{name}:{r['id']}")
    return out


def _case_like(word: str, model: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[0].isupper():
        return word.capitalize()
    return word


def make_corpus(target: int, path: Path, seed: int = 7) -> dict:
    """Write ``target`` articles as JSONL to ``path``; returns a description of the corpus."""
    base = base_articles()
    freq = Counter(w.lower() for a in base for w in _WORD.findall(a["title"] + " " + a["text"]))
    ranked = [w for w, _ in freq.most_common()]
    replicas = -(-target // len(base))
    written = 0
    events = set()
    start = date(2024, 1, 1)
    with open(path, "w", encoding="utf-8") as out:
        for r in range(replicas):
            rng = random.Random(seed * 1000 + r)
            mapping: dict[str, str] = {}
            if r:
                for i in range(0, len(ranked), BLOCK):
                    block = ranked[i : i + BLOCK]
                    shuffled = block[:]
                    rng.shuffle(shuffled)
                    mapping.update(zip(block, shuffled))

            def swap(match: re.Match, mapping=mapping) -> str:
                word = match.group(0)
                new = mapping.get(word.lower())
                return _case_like(new, word) if new else word

            label_day: dict[str, int] = {}
            for i, a in enumerate(base):
                if written >= target:
                    break
                day = label_day.setdefault(a["label"], rng.randrange(30))
                when = start + timedelta(days=day + (i % 2))
                events.add((r, a["label"]))
                out.write(json.dumps({
                    "id": f"r{r}-{i}",
                    "title": _WORD.sub(swap, a["title"]),
                    "text": _WORD.sub(swap, a["text"]),
                    "published": f"{when.isoformat()}T{i % 24:02d}:00:00",
                }) + "\n")
                written += 1
    return {"articles": written, "distinct_real_articles": len(base), "replicas": replicas,
            "source_events": len(events), "bytes": path.stat().st_size}


def single_process(path: Path, analyze: bool) -> dict:
    """The single-machine path, stage by stage, on one core."""
    from newsbrief.cluster import cluster_documents, prepare_for_clustering
    from newsbrief.config import BriefConfig
    from newsbrief.dedup import find_duplicates
    from newsbrief.ingest import read_paths
    from newsbrief.pipeline import brief_documents, prepare_articles

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    articles = read_paths([path]).articles
    seconds["read"] = time.perf_counter() - t
    t = time.perf_counter()
    documents = [prepare_for_clustering([a])[0] for a in articles]
    seconds["clean"] = time.perf_counter() - t
    t = time.perf_counter()
    duplicates = find_duplicates(documents)
    seconds["dedup"] = time.perf_counter() - t
    t = time.perf_counter()
    events = cluster_documents(documents)
    seconds["cluster"] = time.perf_counter() - t
    t = time.perf_counter()
    members: dict[str, list] = {}
    for a in articles:
        members.setdefault(events[a.id], []).append(a)
    config = BriefConfig(analyze=analyze)
    for group in members.values():
        docs = prepare_articles(group)
        if docs:
            brief_documents(docs, config)
    seconds["brief"] = time.perf_counter() - t
    total = sum(seconds.values())
    return {"articles": len(articles), "duplicates": len(duplicates), "events": len(members),
            "seconds": {k: round(v, 2) for k, v in seconds.items()}, "total_seconds": round(total, 2),
            "articles_per_second": round(len(articles) / total, 2),
            "articles_per_core_second": round(len(articles) / total, 2)}


def _rest(url: str) -> list | dict:
    with urllib.request.urlopen(url, timeout=30) as response:  # loopback only
        return json.loads(response.read())


def spark_stage_metrics(spark) -> list[dict]:
    """Per-stage shuffle read/write and run time from Spark's REST API (the UI on loopback)."""
    base = spark.sparkContext.uiWebUrl.rstrip("/") + "/api/v1"
    app = spark.sparkContext.applicationId
    stages = _rest(f"{base}/applications/{app}/stages?status=complete")
    out = []
    for s in sorted(stages, key=lambda s: s["stageId"]):
        out.append({
            "stage": s["stageId"], "step": s.get("description") or "", "name": s["name"][:60],
            "tasks": s["numTasks"], "run_seconds": round(s["executorRunTime"] / 1000, 2),
            "input_bytes": s.get("inputBytes", 0),
            "shuffle_write_bytes": s.get("shuffleWriteBytes", 0),
            "shuffle_read_bytes": s.get("shuffleReadBytes", 0),
        })
    return out


def spark_path(path: Path, cores: int, analyze: bool, output: Path) -> dict:
    from newsbrief.config import BriefConfig
    from newsbrief.spark import SparkJobConfig, run_job, spark_session

    t = time.perf_counter()
    spark = spark_session(f"local[{cores}]", shuffle_partitions=cores * 2, ui=True,
                          conf={"spark.ui.port": "4050", "spark.driver.memory": "4g"})
    startup = time.perf_counter() - t
    config = SparkJobConfig(brief=BriefConfig(analyze=analyze), partitions=cores * 4)
    t = time.perf_counter()
    result = run_job(spark, [str(path)], str(output), config, overwrite=True)
    total = time.perf_counter() - t
    stages = spark_stage_metrics(spark)
    spark.stop()
    by_step: dict[str, dict[str, float]] = {}
    for s in stages:
        step = by_step.setdefault(s["step"] or s["name"], {"shuffle_write_bytes": 0,
                                                          "shuffle_read_bytes": 0,
                                                          "run_seconds": 0.0})
        step["shuffle_write_bytes"] += s["shuffle_write_bytes"]
        step["shuffle_read_bytes"] += s["shuffle_read_bytes"]
        step["run_seconds"] = round(step["run_seconds"] + s["run_seconds"], 2)
    n = result.counts["articles"]
    return {"articles": n, "counts": result.counts, "startup_seconds": round(startup, 2),
            "seconds": result.seconds, "total_seconds": round(total, 2),
            "articles_per_second": round(n / total, 2),
            "articles_per_core_second": round(n / (total * cores), 2),
            "shuffle_by_step": by_step, "stages": stages}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--no-analysis", action="store_true", help="briefs without analysis")
    parser.add_argument("--skip-single", action="store_true")
    parser.add_argument("--json", metavar="PATH", help="also write the results here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-spark-"))
    try:
        corpus = make_corpus(args.articles, work / "corpus.jsonl")
        print("corpus:", json.dumps(corpus), flush=True)
        load = os.getloadavg()
        result: dict = {"corpus": corpus, "cores": args.cores, "analysis": not args.no_analysis,
                        "load_average_at_start": [round(x, 2) for x in load]}
        if not args.skip_single:
            result["single_process"] = single_process(work / "corpus.jsonl", not args.no_analysis)
            print("single process:", json.dumps(result["single_process"]), flush=True)
        result["spark"] = spark_path(work / "corpus.jsonl", args.cores, not args.no_analysis,
                                     work / "out")
        result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        summary = {k: v for k, v in result["spark"].items() if k != "stages"}
        print("spark:", json.dumps(summary), flush=True)
        print(f"{'stage':>5}  {'step':<32} {'tasks':>5} {'run s':>8} {'shuffle write':>14} "
              f"{'shuffle read':>13}")
        for s in result["spark"]["stages"]:
            print(f"{s['stage']:>5}  {s['step'][:32]:<32} {s['tasks']:>5} {s['run_seconds']:>8} "
                  f"{s['shuffle_write_bytes']:>14} {s['shuffle_read_bytes']:>13}")
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
