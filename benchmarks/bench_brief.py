"""Time briefing a 100-article event and evaluating the development set; report peak memory.

The event is assembled from the first 100 articles of ../shared/eval/multinews-dev.jsonl
(several real events mixed: a harder input than one event of that size, since fewer
sentences group together). Each stage is timed separately, best of ``--repeat`` runs:

- prepare: cleaning and sentence splitting (newsbrief.pipeline.prepare_articles)
- summary: near-duplicates, sentence groups, summary and headline (brief_documents with
  analysis off): the summarizer's share
- brief: the whole brief_documents with analysis on (entities, quotes, timeline), as
  ``newsbrief brief`` runs it (the NER model reading a sample of ``BriefConfig.ner_words``
  words in the background worker process, newsbrief/analyze/worker.py), then with the model
  run in this process, and with the model reading every word. CPU time is this process's;
  the worker's is printed beside it.

then ``newsbrief.evaluate.evaluate`` over the whole dev set (or ``--limit`` clusters).
Peak memory is the process's peak resident set size. Run from the repository root:

    python benchmarks/bench_brief.py [--articles 100] [--repeat 3] [--limit K] [--method ilp]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbrief.config import BriefConfig
from newsbrief.evaluate import evaluate, load_clusters
from newsbrief.pipeline import brief_documents, prepare_articles

EVAL = ROOT.parent / "shared" / "eval"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_of(repeat: int, work):  # type: ignore[no-untyped-def]
    """Best wall-clock seconds of ``repeat`` runs, the CPU seconds of that run, the result.
    CPU time is printed beside wall time because a shared machine inflates the latter."""
    best, result = (float("inf"), 0.0), None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = work()
        best = min(best, (time.perf_counter() - start, time.process_time() - cpu))
    return best, result


def worker_cpu() -> float:
    """CPU seconds the NER worker process has used so far (Linux /proc; 0 without one)."""
    from newsbrief.analyze import worker

    if worker._worker is None:
        return 0.0
    try:
        fields = Path(f"/proc/{worker._worker.process.pid}/stat").read_text().split(") ")[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ms(seconds: tuple[float, float]) -> str:
    return f"{1000 * seconds[0]:7.1f} ms wall {1000 * seconds[1]:7.1f} ms CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="dev clusters to evaluate")
    parser.add_argument("--method", default=BriefConfig().method)
    parser.add_argument("--skip-analysis", action="store_true", help="do not time analysis")
    parser.add_argument("--skip-eval", action="store_true")
    args = parser.parse_args()

    clusters, _ = load_clusters(EVAL / "multinews-dev.jsonl")
    articles = [a for c in clusters for a in c.articles][: args.articles]
    words = sum(len(a.text.split()) for a in articles)
    print(f"event: {len(articles)} articles, {words} words, method {args.method}")

    seconds, documents = best_of(args.repeat, lambda: prepare_articles(articles))
    sentences = sum(len(d.sentences) for d in documents)
    print(f"prepare  {ms(seconds)}  ({len(documents)} documents, {sentences} sentences)")
    plain = BriefConfig(words=None, method=args.method, analyze=False)
    seconds, result = best_of(args.repeat, lambda: brief_documents(documents, plain))
    print(f"summary  {ms(seconds)}  ({len(result.summary)} sentences, "
          f"{sum(len(s.text.split()) for s in result.summary)} words)")
    if not args.skip_analysis:
        full = plain.with_(analyze=True)
        for config, what in [
            (full, f"NER reads {full.ner_words} words in the worker process"),
            (full.with_(ner_process=False), f"NER reads {full.ner_words} words in this process"),
            (full.with_(ner_words=None), "NER reads everything in the worker process"),
        ]:
            brief_documents(documents, config)  # the first call loads the NLP model
            before = worker_cpu()
            seconds, _ = best_of(args.repeat, lambda c=config: brief_documents(documents, c))
            used = (worker_cpu() - before) / args.repeat
            print(f"brief    {ms(seconds)}  (with analysis, {what}"
                  + (f"; worker {1000 * used:.0f} ms CPU per brief)" if used else ")"))
    print(f"peak memory after briefing: {peak_mb():.0f} MB")

    if not args.skip_eval:
        start = time.perf_counter()
        result = evaluate(EVAL / "multinews-dev.jsonl", BriefConfig(words=None, method=args.method),
                          limit=args.limit)
        wall = time.perf_counter() - start
        print(f"evaluate {result.clusters} clusters: {wall:.1f} s wall, "
              f"{1000 * result.seconds / result.clusters:.1f} ms per cluster summarizing, "
              f"R1 {result.f1['rouge1']:.2f} R2 {result.f1['rouge2']:.2f} "
              f"RLsum {result.f1['rougeLsum']:.2f}")
        print(f"peak memory: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
