"""Added cost of the analysis (entities, quotes, timeline, disagreements) per article.

Briefs real news clusters (the first ``--clusters`` of ../shared/eval/multinews-dev.jsonl, plus
the five seeds) with ``analyze`` off and on, and prints articles per second for each, the
added milliseconds per article, and where the added time goes (the spaCy pass against the
rule stages). It also times the NER pass three ways on the same documents, to show what the
batching and the disabled components save:

- one ``nlp(text)`` call per document with the full pipeline (parser, lemmatizer on),
- ``nlp.pipe`` over all documents with the full pipeline,
- ``nlp.pipe`` with the components the analysis does not read disabled (what newsbrief runs).

Model loading is timed once and excluded from the per-article figures (it is cached for the
process). Run:

    python benchmarks/bench_analyze.py --clusters 40 --repeat 3

``--budgets 8000 5000 3000`` instead measures what the NER word budget (``BriefConfig.ner_words``)
trades on big events: the 16 topics of ../shared/eval/clustering-wikiref220.jsonl (35 to 39
articles, 8,000 to 41,000 words each) are analysed with the model reading everything and
then a sample of each budget's size. For each budget it prints the analysis CPU time (sum over
the topics, best of ``--repeat``) and how much of the full read's answer survives: the share
of the full read's 15 most mentioned entities that are among the sample's 15, the share of its
quotations found again with the same speaker, and of its timeline entries (date and
statement), and the disagreement count.

    python benchmarks/bench_analyze.py --budgets 8000 5000 3000 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from newsbrief.analyze import analyze_event, nlp
from newsbrief.config import BriefConfig
from newsbrief.models import Article
from newsbrief.pipeline import brief_documents, load_articles, prepare_articles

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def clusters(path: Path, limit: int) -> list[list[Article]]:
    out = []
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if n >= limit:
                break
            record = json.loads(line)
            out.append(
                [
                    Article(id=f"{record['id']}-{i}", title=a.get("title") or "", text=a["text"])
                    for i, a in enumerate(record["articles"])
                ]
            )
    return out


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def wikiref_topics() -> list[list[Article]]:
    topics: dict[str, list[Article]] = {}
    path = SHARED / "eval" / "clustering-wikiref220.jsonl"
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            article = Article(id=record["id"], title=record.get("title") or "",
                              text=record["text"], published=record.get("published"))
            topics.setdefault(record["label"], []).append(article)
    return list(topics.values())


def kept(full: set, sample: set) -> float:
    return len(full & sample) / len(full) if full else 1.0


def budget_table(budgets: list[int], repeat: int) -> None:
    nlp.load_model()
    events = [prepare_articles(topic) for topic in wikiref_topics()]
    words = [sum(len(d.text.split()) for d in e) for e in events]
    print(f"{len(events)} topics, {min(words)} to {max(words)} words, {sum(words)} in all")
    print("budget     CPU s  top-15 entities  quotes+speaker  timeline  disagreements")
    full = None
    for budget in [None, *budgets]:
        results: list = []
        for _ in range(repeat):
            start = time.process_time()
            results = [analyze_event(e, ner_words=budget) for e in events]
            seconds = time.process_time() - start
        parts = [
            (
                {e.name for e in a.entities[:15]},
                {(q.text, q.speaker) for q in a.quotes},
                {(t.date, t.text) for t in a.timeline},
                len(a.disagreements),
            )
            for a in results
        ]
        full = full or parts
        shares = [
            statistics.mean(kept(f[i], p[i]) for f, p in zip(full, parts)) for i in range(3)
        ]
        print(
            f"{budget or 'all':>6} {seconds:9.2f} {shares[0]:16.3f} {shares[1]:15.3f} "
            f"{shares[2]:9.3f} {sum(p[3] for p in parts):14d}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budgets", type=int, nargs="+", help="NER word budgets to compare")
    args = parser.parse_args()
    if args.budgets:
        budget_table(args.budgets, args.repeat)
        return

    start = time.perf_counter()
    model = nlp.load_model()
    load_s = time.perf_counter() - start
    events = [
        prepare_articles(c)
        for c in clusters(SHARED / "eval" / "multinews-dev.jsonl", args.clusters)
    ]
    seeds, _ = load_articles([SHARED / "seeds"])
    events.append(prepare_articles(seeds))
    events = [e for e in events if e]
    documents = [d for e in events for d in e]
    n = len(documents)
    chars = sum(len(d.text) for d in documents)
    print(
        f"model {model.meta['name']} {model.meta['version']}, load {load_s:.2f} s (once per process)"
    )
    print(f"{len(events)} events, {n} articles, {chars / n:.0f} characters per article on average")

    off, on = (
        BriefConfig(analyze=False, method="centroid"),
        BriefConfig(analyze=True, method="centroid"),
    )
    brief_documents(events[0], on)  # warm-up
    t_off = best_of(args.repeat, lambda: [brief_documents(e, off) for e in events])
    t_on = best_of(args.repeat, lambda: [brief_documents(e, on) for e in events])
    t_analysis = best_of(args.repeat, lambda: [analyze_event(e) for e in events])
    t_ner = best_of(args.repeat, lambda: nlp.annotate(documents))
    print(
        f"brief without analysis: {n / t_off:7.1f} articles/s ({1000 * t_off / n:6.1f} ms/article)"
    )
    print(f"brief with analysis:    {n / t_on:7.1f} articles/s ({1000 * t_on / n:6.1f} ms/article)")
    print(
        f"added by analysis:      {1000 * (t_on - t_off) / n:6.1f} ms/article "
        f"(analyze_event alone {1000 * t_analysis / n:.1f}, of which the spaCy pass "
        f"{1000 * t_ner / n:.1f} and the rule stages {1000 * (t_analysis - t_ner) / n:.1f})"
    )

    import spacy

    full = None
    for name in nlp.MODEL_NAMES:
        try:
            full = spacy.load(name)
            break
        except OSError:
            continue
    texts = [d.text for d in documents]
    sample = texts[: min(len(texts), 60)]
    t_single = best_of(args.repeat, lambda: [full(t) for t in sample])
    t_pipe_full = best_of(args.repeat, lambda: list(full.pipe(sample, batch_size=16)))
    t_pipe = best_of(args.repeat, lambda: list(model.pipe(sample, batch_size=16)))
    m = len(sample)
    print(
        f"NER pass on {m} articles (ms/article): one call each, full pipeline "
        f"{1000 * t_single / m:.1f}; nlp.pipe, full pipeline {1000 * t_pipe_full / m:.1f}; "
        f"nlp.pipe, {', '.join(nlp.DISABLED)} disabled {1000 * t_pipe / m:.1f}"
    )
    print(f"median article length {statistics.median(len(t) for t in texts):.0f} characters")


if __name__ == "__main__":
    main()
