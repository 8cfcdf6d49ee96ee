"""Fetch + extract + ingest throughput of ``newsbrief watch`` from a loopback site.

1,000 article pages (real news text from ../shared/eval, wrapped in realistic site chrome)
spread over 20 hosts: 127.0.0.1 ... 127.0.0.20, which all reach loopback on Linux, each with
its own threaded HTTP server and an RSS feed of its 50 pages. The servers run in a separate
process so that they do not share the client's interpreter. The rate limit is off.

Two measurements, both after a warm-up extraction (imports and first-call set-up excluded):

1. fetch + extract: every page fetched and extracted (``load_page``) on the thread pool;
2. one ``poll_round``: 20 feeds polled, 1,000 pages fetched, extracted and ingested into a
   fresh store (cleaning, near-duplicates, events), then the briefs of the new events built
   once (timed apart: ``watch`` does this at the end of each round).

Peak memory is the client's maximum resident set size (``getrusage``).

    python benchmarks/bench_fetch.py [--pages 1000] [--hosts 20] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT / "tests"))  # the loopback server and page builder of the tests

from feeds_server import Site, news_page, rss, start


def paragraphs(text: str) -> list[str]:
    """Paragraphs of an evaluation article; one-blob texts are cut every ~80 words."""
    parts = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if len(p.split()) >= 8]
    if len(parts) >= 3:
        return parts
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    out, current = [], []
    for sentence in sentences:
        current.append(sentence)
        if sum(len(s.split()) for s in current) >= 80:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out


def load_stories(count: int) -> list[tuple[str, list[str]]]:
    seen: set[str] = set()
    stories = []
    for name in ("multinews-dev.jsonl", "wcep-train.jsonl", "wcep-dev.jsonl"):
        with open(EVAL / name, encoding="utf-8") as lines:
            for line in lines:
                for article in json.loads(line)["articles"]:
                    text = article["text"]
                    key = " ".join(text.split())[:200]
                    if len(text.split()) < 150 or key in seen:
                        continue
                    seen.add(key)
                    parts = paragraphs(text)
                    title = article.get("title") or " ".join(parts[0].split()[:12])
                    stories.append((title, parts[:12]))
                    if len(stories) == count:
                        return stories
    raise SystemExit(f"only {len(stories)} usable articles in {EVAL}")


def serve(pages: int, hosts: int, queue: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    """The server process: one threaded server per 127.0.0.X address."""
    stories = load_stories(pages)
    tmp = Path(tempfile.mkdtemp(prefix="bench-fetch-"))
    bases = []
    for h in range(hosts):
        site = Site(tmp / f"host{h:02d}")
        start(site, host=f"127.0.0.{h + 1}")
        mine = [(i, s) for i, s in enumerate(stories) if i % hosts == h]
        items = []
        for i, (title, parts) in mine:
            url = site.write(f"/news/{i:04d}.html", news_page(title, parts, outlet=f"Host {h}"))
            items.append({"title": title, "link": url})
        site.write("/robots.txt", "User-agent: *\nAllow: /\n")
        site.write("/feed.rss", rss(items, title=f"Host {h} news"))
        bases.append(site.base)
    queue.put(bases)
    stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--briefs", action=argparse.BooleanOptionalAction, default=True,
                        help="also time rebuilding the briefs of every new event afterwards")
    args = parser.parse_args()

    from newsbrief.feeds import FeedSource, FeedState, FetchConfig, Fetcher, load_page
    from newsbrief.feeds.watch import WatchOptions, poll_round
    from newsbrief.ingest import article_from_html
    from newsbrief.store import Store

    context = multiprocessing.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    server = context.Process(target=serve, args=(args.pages, args.hosts, queue, stop), daemon=True)
    server.start()
    bases = queue.get(timeout=300)
    try:
        # Warm-up: imports and trafilatura's first-call set-up, outside the timings.
        article_from_html(news_page("Warm up", ["word " * 60] * 3).encode(), url="http://x.test/")
        config = FetchConfig(rate_limit=0, concurrency=args.concurrency, timeout=30, retries=1)

        page_urls = []
        for h, base in enumerate(bases):
            page_urls += [f"{base}/news/{i:04d}.html" for i in range(h, args.pages, args.hosts)]
        with Fetcher(config) as fetcher, ThreadPoolExecutor(args.concurrency) as pool:
            start_time = time.perf_counter()
            results = list(pool.map(lambda u: load_page(fetcher, u), page_urls))
            extract_seconds = time.perf_counter() - start_time
        extracted = sum(r.article is not None for r in results)
        failures = [r.error for r in results if r.article is None]

        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store, \
                Fetcher(config) as fetcher:
            feeds = [FeedSource(f"{base}/feed.rss") for base in bases]
            start_time = time.perf_counter()
            report = poll_round(feeds, store=store, state=FeedState(store.conn), fetcher=fetcher,
                                stop=threading.Event(), options=WatchOptions(refresh="none"))
            round_seconds = time.perf_counter() - start_time
            start_time = time.perf_counter()
            briefs = store.refresh_briefs() if args.briefs else 0
            brief_seconds = time.perf_counter() - start_time
            counts = store.counts()
            requests = fetcher.requests
    finally:
        stop.set()
        server.join(timeout=10)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end")
    print(f"pages: {len(page_urls)} across {len(bases)} hosts (127.0.0.1-127.0.0.{len(bases)}), "
          f"concurrency {args.concurrency}, rate limit off")
    print(f"fetch+extract: {extracted} articles in {extract_seconds:.1f} s = "
          f"{extracted / extract_seconds:.1f} articles/s ({len(failures)} failed"
          + (f", e.g. {failures[0]}" if failures else "") + ")")
    added = len(report.added)
    print(f"round (poll {len(bases)} feeds, fetch, extract, ingest; briefs deferred): {added} "
          f"articles added in {round_seconds:.1f} s = {added / round_seconds:.1f} articles/s; "
          f"{report.already_stored} already stored, {len(report.errors)} errors, "
          f"{requests} HTTP requests")
    for problem in report.errors[:5]:
        print(f"  error: {problem}")
    if args.briefs:
        total = round_seconds + brief_seconds
        print(f"briefs of the {briefs} new events rebuilt in {brief_seconds:.1f} s; "
              f"round + briefs: {added / total:.1f} articles/s")
    print(f"store after the round: {counts}")
    print(f"peak memory (max RSS of the client process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
