"""Scale benchmark of the store: ingest + near-duplicates + clustering of a synthetic stream.

The stream is made from the evaluation articles (``../shared/eval/clustering-*.jsonl``): each
labelled event is replayed in "epochs" 45 days apart, every replay a perturbed copy (about
10% of paragraphs dropped, 15% of words replaced by words drawn from the pool, a new outlet,
URL and date), and about 8% of articles are followed by a syndicated copy from another outlet
(near-identical, so the MinHash LSH links it). Articles arrive in date order.

Generation happens before each timed chunk and is not timed. The timed region is one
``Store.add_articles`` call per chunk: cleaning and sentence splitting, MinHash signatures,
clustering features (in the worker processes, which prepare the next batch while the main
process writes the current one), near-duplicate lookup, incremental clustering and the SQL
writes (main process). Briefs are deferred (``refresh="none"``), as the store allows, and
their cost is measured separately on a sample.

    python benchmarks/bench_scale.py --articles 10000 20000 50000 100000 --workers 2

prints one line per checkpoint (articles, wall seconds, articles/s overall and for the last
chunk, CPU seconds of the main process and of the workers, CPU milliseconds per article, of
which the clusterer's ``add_batch`` + ``flush``, peak RSS, database size) and a JSON summary at
the end. Other jobs on the machine slow the wall clock; CPU time per article is the steadier
figure. ``--stages N`` first times the per-article stages alone on N articles of the stream;
``--phases`` adds the main process's CPU time per phase (skip checks, inserts, near-duplicate
lookups, and the clusterer's steps: vector rows, candidates, agglomerate, event sums, flush).
``--cli`` times the command line instead, reading included: the stream up to each checkpoint
is written to a JSONL file (not timed) and added with one ``newsbrief ingest``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbrief.cluster import read_cluster_file
from newsbrief.config import BriefConfig
from newsbrief.models import Article
from newsbrief.store import Store

EVAL = ROOT.parent / "shared" / "eval"
OUTLETS = [f"outlet{i:02d}.example" for i in range(40)]
EPOCH_DAYS = 45


def _pool() -> tuple[dict[str, list[Article]], list[str]]:
    events: dict[str, list[Article]] = {}
    for name in ("clustering-dev.jsonl", "clustering-wikiref220.jsonl"):
        articles, labels, _ = read_cluster_file(str(EVAL / name))
        for article in articles:
            events.setdefault(f"{name}:{labels[article.id]}", []).append(article)
    words = sorted({w for group in events.values() for a in group[:1] for w in a.text.split()})
    return events, words


def _perturb(text: str, rng: random.Random, words: list[str]) -> str:
    paragraphs = [p for p in text.split("\n") if p.strip()]
    kept = [p for p in paragraphs if rng.random() > 0.1] or paragraphs[:1]
    out = []
    for paragraph in kept:
        tokens = paragraph.split()
        out.append(" ".join(rng.choice(words) if rng.random() < 0.15 else t for t in tokens))
    return "\n".join(out)


def stream(seed: int = 7) -> Iterator[Article]:
    """An endless, deterministic stream of perturbed, dated articles."""
    events, words = _pool()
    rng = random.Random(seed)
    labels = sorted(events)
    start = date(2010, 1, 1)
    epoch = 0
    while True:
        batch = []
        for label in labels:
            offset = rng.randrange(0, EPOCH_DAYS - 5)
            for i, base in enumerate(events[label]):
                day = start + timedelta(days=epoch * EPOCH_DAYS + offset + rng.randrange(0, 3))
                outlet = rng.choice(OUTLETS)
                article = Article(
                    id=f"e{epoch}-{label.split(':', 1)[1]}-{i}",
                    title=base.title,
                    text=_perturb(base.text, rng, words),
                    outlet=outlet,
                    published=day.isoformat(),
                    url=f"https://{outlet}/{epoch}/{zlib.crc32(label.encode())}/{i}",
                )
                batch.append(article)
                if rng.random() < 0.08:
                    other = rng.choice([o for o in OUTLETS if o != outlet])
                    batch.append(article.with_(
                        id=article.id + "-syn", outlet=other, url=f"https://{other}/wire/{article.id}",
                        text=f"({outlet.split('.')[0].upper()}) " + article.text,
                    ))
        batch.sort(key=lambda a: a.published or "")
        yield from batch
        epoch += 1


def _db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds(store: Store) -> tuple[float, float]:
    """CPU time of this process and of the store's live worker processes (Linux /proc)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = 0.0
    pool = getattr(store, "_pool", None)
    for pid in (getattr(pool, "_processes", None) or {}):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            workers += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return own.ru_utime + own.ru_stime, workers


def _phase_targets() -> dict[str, tuple[object, str]]:
    """The main process's phases timed by ``--phases``: name -> (module or class, attribute).

    ``cluster.*`` run inside ``cluster`` (the clusterer's add_batch) and ``store.neardup``
    inside ``store.insert``; ``cluster.flush`` is the clusterer's SQL writes at the end of
    a batch. Phases the code at hand lacks (an older clusterer) are left out.
    """
    import newsbrief.store.store as store_module
    from newsbrief import cluster, cluster_vectors
    from newsbrief.store.clustering import StoreClusterer

    targets = {
        "store.skip_checks": (store_module.Store, "_start_batch"),
        "store.insert": (store_module.Store, "_insert_row"),
        "store.neardup": (store_module, "find_original"),
        "cluster": (StoreClusterer, "add_batch"),
        "cluster.observe": (StoreClusterer, "observe_batch"),
        "cluster.reopen": (StoreClusterer, "_reopen"),
        "cluster.vector_rows": (cluster.EventClusterer, "vector_rows"),
        "cluster.candidates": (cluster.EventClusterer, "_candidates_for"),
        "cluster.agglomerate": (cluster, "_agglomerate"),
        # EventState.add_items/absorb look _add_into up in cluster_vectors at call time.
        "cluster.event_sums": (cluster_vectors, "_add_into"),
        "cluster.flush": (StoreClusterer, "flush"),
    }
    return {name: target for name, target in targets.items() if hasattr(*target)}


@contextmanager
def _timed_phases(targets: dict[str, tuple[object, str]]) -> Iterator[dict[str, float]]:
    """CPU seconds spent inside each target while the block runs (measurement only: the
    targets are wrapped, then restored)."""
    spent = dict.fromkeys(targets, 0.0)
    originals = [(owner, attr, getattr(owner, attr)) for owner, attr in targets.values()]
    for name, (owner, attr, original) in zip(targets, originals):

        def timed(*args: object, _original=original, _name=name, **kwargs: object) -> object:
            t0 = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_name] += time.process_time() - t0

        setattr(owner, attr, timed)
    try:
        yield spent
    finally:
        for owner, attr, original in originals:
            setattr(owner, attr, original)


def stages(n: int) -> dict[str, float]:
    """CPU milliseconds per article of each per-article stage, alone, on ``n`` articles."""
    from newsbrief.clean import clean_text
    from newsbrief.cluster import ClusterConfig, extract_features
    from newsbrief.segment import sentence_spans
    from newsbrief.store.neardup import signature
    from newsbrief.store.rows import prepare_article

    articles = [article for article, _ in zip(stream(), range(n))]
    config = ClusterConfig()
    out: dict[str, float] = {}

    def timed(name: str, work) -> list:
        t0 = time.process_time()
        result = [work(a, *rest) for a, *rest in items]
        out[name] = round(1000 * (time.process_time() - t0) / n, 3)
        return result

    items = [(a,) for a in articles]
    texts = timed("clean", lambda a: clean_text(a.text, a.title)[0])
    items = list(zip(articles, texts))
    timed("sentences", lambda a, text: list(sentence_spans(text)))
    timed("minhash", lambda a, text: signature(a.title, text))
    timed("features", lambda a, text: extract_features(a.title, text, config))
    items = [(a,) for a in articles]
    timed("prepare_article (all of the above)", lambda a: prepare_article(a, config))
    return out


def cli_run(targets: list[int], workers: int, db_path: str | None) -> int:
    """The same stream through the command line, reading included: the articles up to each
    checkpoint are written to a JSONL file (not timed), then one ``newsbrief ingest FILE
    --refresh none`` adds them to the database. CPU seconds and peak RSS are those of the
    command and its worker processes (``RUSAGE_CHILDREN``); the RSS is the largest process's."""
    source = stream()
    done = 0
    elapsed = cpu = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(db_path) if db_path else Path(tmp) / "bench.db"
        print(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f} workers={workers} db={db} "
              "(newsbrief ingest)", flush=True)
        for target in targets:
            path = Path(tmp) / "chunk.jsonl"
            with path.open("w", encoding="utf-8") as out:
                for article in itertools.islice(source, target - done):
                    out.write(json.dumps({k: getattr(article, k) for k in (
                        "id", "title", "text", "outlet", "published", "url")}) + "\n")
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            run = subprocess.run([sys.executable, "-c", _CLI, "ingest", str(path), "--db",
                                  str(db), "--refresh", "none", "-q", "--workers", str(workers)],
                                 check=True, stderr=subprocess.PIPE, text=True)
            elapsed += time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu += (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            done = target
            with Store(db, readonly=True) as store:
                counts = store.counts()
            print(json.dumps({
                "articles": done, "seconds": round(elapsed, 1),
                "articles_per_s": round(done / elapsed, 1), "cpu_s": round(cpu, 1),
                "cpu_ms_per_article": round(1000 * cpu / done, 2),
                "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
                "db_mb": round(_db_size(db) / 2**20, 1), "events": counts["events"],
                "duplicates": counts["duplicates"], "merged": counts["merged_events"],
                "problem_lines": run.stderr.count("\n"), "load": round(os.getloadavg()[0], 1),
            }), flush=True)
    return 0


_CLI = "import sys; from newsbrief.cli import main; sys.exit(main(sys.argv[1:]))"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10000, 20000, 50000, 100000],
                        help="checkpoints (cumulative article counts)")
    parser.add_argument("--chunk", type=int, default=5000, help="articles generated per step")
    parser.add_argument("--workers", type=int, default=2, help="processes for cleaning/signing")
    parser.add_argument("--batch-size", type=int, default=None, help="store batch size")
    parser.add_argument("--brief-sample", type=int, default=20,
                        help="stale events whose briefs are refreshed and timed at the end")
    parser.add_argument("--method", default=BriefConfig().method,
                        help="summarization method of the sampled briefs")
    parser.add_argument("--db", default=None, help="database path (default: a temporary file)")
    parser.add_argument("--stages", type=int, default=0,
                        help="first time each per-article stage alone on this many articles")
    parser.add_argument("--phases", action="store_true",
                        help="also report the main process's CPU time per phase")
    parser.add_argument("--cli", action="store_true",
                        help="instead, time `newsbrief ingest` on the stream written to JSONL files")
    args = parser.parse_args(argv)
    if args.cli:
        return cli_run(sorted(args.articles), args.workers, args.db)
    if args.stages:
        print(json.dumps({"stage_cpu_ms_per_article": stages(args.stages)}), flush=True)

    tmp = tempfile.TemporaryDirectory()
    db = Path(args.db) if args.db else Path(tmp.name) / "bench.db"
    source = stream()
    targets = sorted(args.articles)
    results = []
    done = 0
    elapsed = 0.0
    print(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f} workers={args.workers} db={db}",
          flush=True)
    phases = _timed_phases(_phase_targets() if args.phases else {})
    with phases as phase_cpu, Store(db, batch_size=args.batch_size, workers=args.workers,
                                    config=BriefConfig(analyze=False, method=args.method)) as store, \
            _timed_phases({name: (store.clusterer, name)
                           for name in ("add_batch", "flush")}) as clusterer_cpu:
        cpu_main = cpu_workers = 0.0
        for target in targets:
            chunk_start, chunk_done = elapsed, done
            while done < target:
                n = min(args.chunk, target - done)
                articles = [next(source) for _ in range(n)]
                t0, (m0, w0) = time.perf_counter(), _cpu_seconds(store)
                report = store.add_articles(articles, refresh="none")
                elapsed += time.perf_counter() - t0
                m1, w1 = _cpu_seconds(store)
                cpu_main += m1 - m0
                cpu_workers += w1 - w0
                done += n
                if report.problems:
                    print(f"  {len(report.problems)} problem(s), e.g. {report.problems[0]}")
            counts = store.counts()
            row = {
                "articles": done, "seconds": round(elapsed, 1),
                "articles_per_s": round(done / elapsed, 1),
                "chunk_articles_per_s": round((done - chunk_done) / (elapsed - chunk_start), 1),
                "cpu_s": round(cpu_main + cpu_workers, 1),
                "cpu_main_s": round(cpu_main, 1), "cpu_workers_s": round(cpu_workers, 1),
                "cpu_ms_per_article": round(1000 * (cpu_main + cpu_workers) / done, 2),
                "cluster_cpu_ms_per_article": round(1000 * sum(clusterer_cpu.values()) / done, 2),
                "articles_per_cpu_s": round(done / max(1e-9, cpu_main + cpu_workers), 1),
                "peak_rss_mb": round(_rss_mb(), 1), "db_mb": round(_db_size(db) / 2**20, 1),
                "db_kb_per_article": round(_db_size(db) / 1024 / done, 1),
                "events": counts["events"], "duplicates": counts["duplicates"],
                "merged": counts["merged_events"], "load": round(os.getloadavg()[0], 1),
            }
            results.append(row)
            print(json.dumps(row), flush=True)
        main_phases = {name: round(1000 * seconds / done, 3) for name, seconds in phase_cpu.items()}
        if main_phases:
            print(json.dumps({"main_phase_cpu_ms_per_article": main_phases}), flush=True)
        stale = [r[0] for r in store.conn.execute(
            "SELECT id FROM events WHERE brief_stale = 1 AND merged_into IS NULL "
            "ORDER BY seq DESC LIMIT ?", (args.brief_sample,))]
        t0 = time.perf_counter()
        store.refresh_briefs(stale)
        brief_s = time.perf_counter() - t0
        sizes = [store.get_event(e).article_count for e in stale]
        total_stale = store.counts()["stale_briefs"]
    summary = {
        "checkpoints": results,
        **({"main_phase_cpu_ms_per_article": main_phases} if main_phases else {}),
        "briefs": {"sampled_events": len(stale), "seconds": round(brief_s, 2),
                   "seconds_per_brief": round(brief_s / max(1, len(stale)), 3),
                   "mean_articles_per_sampled_event": round(sum(sizes) / max(1, len(sizes)), 1),
                   "still_stale": total_stale, "method": args.method,
                   "analysis": False},
    }
    if len(results) >= 2:
        first, last = results[0], results[-1]
        summary["time_growth"] = {
            "articles_ratio": round(last["articles"] / first["articles"], 1),
            "seconds_ratio": round(last["seconds"] / first["seconds"], 1),
        }
    print(json.dumps(summary, indent=2))
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
