"""Crash consistency of ``newsbrief watch``: SIGKILL the feed watcher at random moments,
resume it, and compare with an uninterrupted run.

    python benchmarks/crash_watch.py [--articles 300] [--feeds 4] [--kills 20] [--seed 1]
                                     [--out /tmp/nb-crash-watch]

A loopback site (tests/feeds_server.py, a thread of this process) serves ``--articles``
pages with site chrome (navigation, cookie banner, comments) around real news text (the
distinct eval articles of benchmarks/crash_store.py), listed in ``--feeds`` RSS feeds.

1. reference: ``newsbrief watch FEEDS --once`` into ref.db, uninterrupted, timed, with its
   progress curve; then the same into a copy of ref.db, which has nothing left to do (the
   fixed overhead of a run: start-up and conditional polls answered 304).
2. kills: ``newsbrief watch FEEDS --interval 2`` (the long-running mode) into killed.db,
   SIGKILLed after the overhead plus a random fraction of the estimated work left, with
   the write-lock probe, WAL check and integrity check of crash_store.py; after the last
   kill ``watch --once`` finishes the work.

Checks against the reference: those of crash_store.py (integrity, the same content hashes
each once, every article in a live event, no stale brief, each brief listing exactly its
event's articles, the event partition), plus the feed state: every feed entry ``done``
(none pending or failed) with the article it produced; every stored article produced by
exactly one entry; every feed polled with its last status ok or not modified; and each
feed's ``new_articles`` counter equal to the articles its entries produced.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

from crash_store import (
    CLI,
    ROOT,
    add_kill_options,
    build_input,
    compare,
    fresh_workdir,
    kills,
    noop_overhead,
    state,
    timed_reference,
)

sys.path.insert(0, str(ROOT / "tests"))


def build_site(out: Path, articles: int, feeds: int):  # type: ignore[no-untyped-def]
    """Start the loopback site; returns it and the path of the feed list."""
    from feeds_server import Site, news_page, rss, start

    inputs = out / "input"
    build_input(inputs, articles)
    records = [json.loads(line) for f in sorted(inputs.glob("*.jsonl"))
               for line in f.read_text(encoding="utf-8").splitlines()]
    site = Site(out / "www")
    start(site)
    items: list[list[dict[str, str]]] = [[] for _ in range(feeds)]
    for i, record in enumerate(records):
        paragraphs = [p.strip() for p in record["text"].split("\n") if p.strip()]
        title = record["title"] or " ".join(record["text"].split()[:10])
        url = site.write(f"/news/{record['id']}.html",
                         news_page(title, paragraphs, outlet=f"Outlet {i % 7}"))
        items[i % feeds].append({"title": title, "link": url})
    urls = [site.write(f"/feed{k}.rss", rss(entries, title=f"Desk {k}"))
            for k, entries in enumerate(items)]
    listing = out / "feeds.txt"
    listing.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return site, listing, len(records)


def watch_cmd(db: Path, listing: Path, *, once: bool, extra: list[str]) -> list[str]:
    mode = ["--once"] if once else ["--interval", "2"]
    return [*CLI, "watch", str(listing), "--db", str(db), "-q", "--rate-limit", "0",
            "--timeout", "20", *mode, *extra]


def feed_state(db: Path, items: int) -> dict:
    """The feed tables checked against the articles; ``problems`` lists what is wrong."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        entries = conn.execute("SELECT feed_url, url, state, article_id FROM feed_entries"
                               ).fetchall()
        articles = dict(conn.execute("SELECT id, url FROM articles").fetchall())
        feeds = conn.execute("SELECT url, polls, last_status, failures, new_articles "
                             "FROM feeds").fetchall()
        pages = conn.execute("SELECT url, outcome, article_id FROM pages").fetchall()
    finally:
        conn.close()
    problems = []
    states = Counter(e[2] for e in entries)
    if len(entries) != items or states.get("done", 0) != items:
        problems.append(f"{items} feed items, entries by state: {dict(states)}")
    produced = [e[3] for e in entries if e[3] is not None]
    missing = [a for a in produced if a not in articles]
    if missing:
        problems.append(f"{len(missing)} entries point at articles not stored")
    by_article = Counter(produced)
    orphans = [a for a in articles if by_article[a] == 0]
    twice = [a for a, n in by_article.items() if n > 1]
    if orphans or twice:
        problems.append(f"{len(orphans)} articles produced by no entry, {len(twice)} by "
                        "several")
    bad_feeds = [f for f in feeds if f[1] < 1 or f[2] not in ("ok", "not modified") or f[3]]
    if bad_feeds:
        problems.append(f"feeds not polled cleanly: {bad_feeds}")
    per_feed = Counter(e[0] for e in entries if e[3] is not None)
    counters = {f[0]: f[4] for f in feeds}
    wrong = {u: (counters[u], per_feed[u]) for u in counters if counters[u] != per_feed[u]}
    if wrong:
        problems.append(f"new_articles counter != articles produced, per feed: {wrong}")
    bad_pages = [p for p in pages if p[1] == "stored" and p[2] not in articles]
    if bad_pages:
        problems.append(f"{len(bad_pages)} pages marked stored without their article")
    return {"entries": dict(states), "articles": len(articles), "pages": len(pages),
            "new_articles_total": sum(counters.values()), "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--feeds", type=int, default=4)
    add_kill_options(parser, out="/tmp/nb-crash-watch")
    args = parser.parse_args(argv)
    out = fresh_workdir(args)
    site, listing, items = build_site(out, args.articles, args.feeds)
    print(f"{items} pages in {args.feeds} feeds at {site.base}", flush=True)

    ref_db = out / "ref.db"
    timing = timed_reference(ref_db, watch_cmd(ref_db, listing, once=True, extra=[]))
    ref = state(ref_db)
    ref_feeds = feed_state(ref_db, items)
    overhead = noop_overhead(ref_db, lambda db: watch_cmd(db, listing, once=True, extra=[]))
    print(f"reference: {timing['seconds']}s (first commit {timing['first_commit']}s, nothing "
          f"to do {overhead}s), {ref['articles']} articles, {ref['events']} events, problems "
          f"{ref['problems']}, feed state {ref_feeds}", flush=True)
    report: dict = {"pages": items, "feeds": args.feeds, "reference_seconds": timing["seconds"],
                    "reference_first_commit_seconds": timing["first_commit"],
                    "noop_run_seconds": overhead,
                    "reference": {"articles": ref["articles"], "events": ref["events"],
                                  "problems": ref["problems"], "feed_state": ref_feeds}}
    killed = out / "killed.db"
    start = time.perf_counter()
    report["kills"] = kills(killed, watch_cmd(killed, listing, once=False, extra=[]),
                            args.kills, timing, overhead, random.Random(args.seed),
                            args.fraction, watch_cmd(killed, listing, once=True, extra=[]),
                            after_commit=args.after_commit)
    report["kills"]["wall_s"] = round(time.perf_counter() - start, 1)
    report["kills"]["check"] = compare("watch killed and resumed", killed, ref)
    report["kills"]["feed_state"] = feed_state(killed, items)
    print(f"[feed state] {json.dumps(report['kills']['feed_state'])}", flush=True)
    site.server.shutdown()
    print(json.dumps(report, indent=2, default=str))
    ok = report["kills"]["check"]["ok"] and not report["kills"]["feed_state"]["problems"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
