"""Bounded loopback load on ``newsbrief serve`` over a store of 10,000+ articles, repeated to
see whether the server's memory grows.

    python benchmarks/load_hardening.py [--articles 10000] [--requests 600] [--concurrency 8]
                                        [--rounds 3] [--db PATH] [--brief-more N]

The store is built once (kept at ``--db`` and reused when it exists) from the synthetic
stream of benchmarks/bench_scale.py: the labelled eval events replayed in dated, perturbed
copies with syndicated duplicates. Briefs: every event gets a quick brief (lead method, no
analysis) so that list and search show headlines; ``--full-briefs`` events (default 100)
then get the default brief (ILP with analysis). ``--brief-more N`` gives N more events (3+
articles, drawn at random) the default brief, with Store.refresh_briefs, before the load. The
event endpoints are load-tested on every event with a full brief, so their pages carry
entities, quotes, timeline and disagreements like real ones.

``newsbrief serve`` runs as its own process on a free loopback port. Each round sends
``--requests`` requests per endpoint, at most ``--concurrency`` in flight (httpx async,
keep-alive), one endpoint after the other:

    list-api     /api/v1/events?limit=50          list-page    /
    search-api   /api/v1/events?q=WORD            search-page  /?q=WORD
    event-api    /api/v1/events/{id}              event-page   /events/{id}

with words drawn from stored titles and ids drawn at random among the fully briefed events. Any
non-200 answer or transport error counts as an error. The server's resident memory
(VmRSS from /proc) is read before the first round and after each one. The client shares the
machine (and its two cores) with the server, so req/s is a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from crash_store import CLI, free_port, stop_server  # a sibling script


def build_store(db: Path, articles: int, full_briefs: int) -> dict:
    from itertools import islice

    from bench_scale import stream

    from newsbrief.config import BriefConfig
    from newsbrief.store import Store

    start = time.perf_counter()
    quick = BriefConfig(analyze=False, method="lead")
    with Store(db, config=quick) as store:
        store.add_articles(islice(stream(), articles), refresh="none")
        ingested = time.perf_counter() - start
        store.refresh_briefs()
        counts = store.counts()
    quick_briefs = time.perf_counter() - start - ingested
    with Store(db) as store:
        ids = [r[0] for r in store.conn.execute(
            "SELECT id FROM events WHERE merged_into IS NULL AND article_count > 1 "
            "ORDER BY article_count DESC, seq LIMIT ?", (full_briefs,))]
        store.refresh_briefs(ids)
    return {"articles": counts["articles"], "events": counts["events"],
            "ingest_s": round(ingested, 1), "quick_briefs_s": round(quick_briefs, 1),
            "full_briefs": len(ids),
            "build_s": round(time.perf_counter() - start, 1)}


def brief_more(db: Path, count: int, budget: float, seed: int) -> dict:
    """Give up to ``count`` more events the default brief (ILP with analysis), drawn at random
    among the events of 3+ articles that have only their quick brief, until ``budget``
    seconds are spent. Each brief is committed on its own (Store.refresh_briefs)."""
    from newsbrief.store import Store

    start = time.perf_counter()
    done: list[tuple[str, int, float]] = []
    with Store(db) as store:
        rows = store.conn.execute(
            "SELECT id, article_count FROM events WHERE merged_into IS NULL AND "
            "article_count >= 3 AND id NOT IN (SELECT event_id FROM briefs WHERE version > 1) "
            "ORDER BY seq").fetchall()
        random.Random(seed).shuffle(rows)
        for event_id, articles in rows[:count]:
            if time.perf_counter() - start > budget:
                break
            began = time.perf_counter()
            store.refresh_briefs([event_id])
            done.append((event_id, articles, time.perf_counter() - began))
            if len(done) % 10 == 0:
                print(f"  {len(done)} more events briefed, {time.perf_counter() - start:.0f}s",
                      flush=True)
    seconds = sorted(d[2] for d in done)
    return {"briefed": len(done), "seconds": round(time.perf_counter() - start, 1),
            "articles_per_event": dict(sorted(Counter(d[1] for d in done).items())),
            "median_s_per_brief": round(seconds[len(seconds) // 2], 1) if seconds else None}


def full_brief_events(db: Path) -> list[str]:
    """Events whose latest brief is a full one (a version after the quick brief)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute(
            "SELECT e.id FROM events e WHERE e.merged_into IS NULL AND e.id IN "
            "(SELECT event_id FROM briefs WHERE version > 1) ORDER BY e.seq")]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def hammer(base: str, paths: list[str], concurrency: int) -> dict:
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        async def one(path: str) -> None:
            async with gate:
                start = time.perf_counter()
                try:
                    response = await client.get(path)
                    await response.aread()
                    if response.status_code != 200:
                        key = f"HTTP {response.status_code}"
                        errors[key] = errors.get(key, 0) + 1
                except httpx.HTTPError as exc:
                    key = exc.__class__.__name__
                    errors[key] = errors.get(key, 0) + 1
                latencies.append(time.perf_counter() - start)

        wall = time.perf_counter()
        await asyncio.gather(*(one(p) for p in paths))
        wall = time.perf_counter() - wall
    latencies.sort()
    return {"requests": len(paths), "req_per_s": round(len(paths) / wall, 1),
            "p50_ms": round(1000 * statistics.median(latencies), 1),
            "p99_ms": round(1000 * latencies[min(len(latencies) - 1,
                                                 int(0.99 * len(latencies)))], 1),
            "errors": sum(errors.values()), "error_kinds": errors}


def workload(db: Path, requests: int, events: list[str],
             rng: random.Random) -> dict[str, list[str]]:
    """The paths of one round: search words from stored titles, event ids drawn at random
    from ``events`` (each round a new draw, so the rounds hit different events)."""
    from urllib.parse import quote

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        titles = [r[0] for r in conn.execute("SELECT title FROM articles ORDER BY random() LIMIT 500")]
    words = [w for t in titles for w in t.split() if len(w) > 4 and w.isalpha()]
    pick = [quote(rng.choice(words)) for _ in range(requests)]
    ids = [quote(rng.choice(events), safe="") for _ in range(requests)]
    return {
        "list-api": ["/api/v1/events?limit=50"] * requests,
        "list-page": ["/"] * requests,
        "search-api": [f"/api/v1/events?q={w}" for w in pick],
        "search-page": [f"/?q={w}" for w in pick],
        "event-api": [f"/api/v1/events/{i}" for i in ids],
        "event-page": [f"/events/{i}" for i in ids],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--full-briefs", type=int, default=100)
    parser.add_argument("--requests", type=int, default=600, help="per endpoint and round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default="/tmp/nb-load/news.db")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--brief-more", type=int, default=0,
                        help="first give this many more events (3+ articles, drawn at random) "
                        "the default brief")
    parser.add_argument("--brief-budget", type=float, default=1800.0,
                        help="stop --brief-more after this many seconds")
    parser.add_argument("--no-load", action="store_true", help="only build and brief")
    args = parser.parse_args(argv)
    db = Path(args.db)
    report: dict = {"settings": vars(args)}
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        report["build"] = build_store(db, args.articles, args.full_briefs)
        print(f"built: {json.dumps(report['build'])}", flush=True)
    if args.brief_more:
        report["brief_more"] = brief_more(db, args.brief_more, args.brief_budget, args.seed)
        print(f"briefed: {json.dumps(report['brief_more'])}", flush=True)
    if args.no_load:
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        report["store_articles"] = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    events = full_brief_events(db)
    report["events_with_full_brief"] = len(events)
    print(f"{report['store_articles']} articles; event endpoints over {len(events)} events "
          "with a full brief", flush=True)
    port = free_port()
    server = subprocess.Popen([*CLI, "serve", "--db", str(db), "--port", str(port), "-q"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(args.seed)
    try:
        import httpx

        for _ in range(300):
            try:
                httpx.get(base + "/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        report["rss_mb"] = [("started", rss_mb(server.pid))]
        rounds = []
        for number in range(1, args.rounds + 1):
            paths = workload(db, args.requests, events, rng)
            result = {}
            for name, items in paths.items():
                result[name] = asyncio.run(hammer(base, items, args.concurrency))
                print(f"round {number} {name:<12} {json.dumps(result[name])}", flush=True)
            rounds.append(result)
            report["rss_mb"].append((f"after round {number}", rss_mb(server.pid)))
            print(f"server RSS after round {number}: {report['rss_mb'][-1][1]} MB", flush=True)
        report["rounds"] = rounds
    finally:
        stop_server(server)
    log = server.stderr.read()
    report["server_tracebacks"] = log.count("Traceback")
    report["server_locked"] = log.count("locked")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
