"""Bounded loopback load on ``newsbrief serve``: requests/s and p50/p99 latency per endpoint.

Builds a store in a temporary folder (the five seeds plus the articles of ``--events`` events
of the clustering dev set), starts ``newsbrief serve`` on it as a separate process on a free
loopback port, then sends ``--requests`` requests over ``--concurrency`` keep-alive connections
with httpx (async), split evenly over four endpoints, one endpoint at a time:

    /                       the event list page (HTML)
    /events/{id}            an event page (HTML), ids cycled over every stored event
    /api/v1/events          the event list (JSON)
    /api/v1/events/{id}     an event's brief (JSON)

    python benchmarks/load_web.py [--requests 10000] [--concurrency 50] [--events 20]
    python benchmarks/load_web.py --url http://127.0.0.1:8000   # an already running server

The client runs on the same machine as the server and competes with it for the CPU, so the
numbers are a floor for what the server alone could do. Every non-200 answer and every
transport error is counted as an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def build_store(path: Path, events: int) -> int:
    """The seeds and ``events`` labelled events of the clustering dev set; returns articles."""
    from newsbrief.ingest import article_from_record, read_paths
    from newsbrief.store import Store

    by_label: dict[str, list] = defaultdict(list)
    with open(SHARED / "eval" / "clustering-dev.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            by_label[record["label"]].append(record)
    articles = read_paths([SHARED / "seeds"]).articles
    for label in list(by_label)[:events]:
        articles += [article_from_record(r, default_id=r["id"]) for r in by_label[label]]
    with Store(path) as store:
        store.add_articles(articles)
        return store.counts()["articles"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-c", "import sys; from newsbrief.cli import main; sys.exit(main())",
               "serve", "--db", str(db), "--port", str(port), "--quiet"]
    env = {k: v for k, v in os.environ.items() if k != "NEWSBRIEF_TOKEN"}
    server = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start within 60 s")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


async def phase(url: str, paths: list[str], total: int, concurrency: int) -> dict:
    """``total`` GETs cycling over ``paths`` from ``concurrency`` workers; timings and errors."""
    latencies: list[float] = []
    errors: dict[str, int] = defaultdict(int)
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            for i in counter:
                started = time.perf_counter()
                try:
                    response = await client.get(paths[i % len(paths)])
                    await response.aread()
                    if response.status_code != 200:
                        errors[str(response.status_code)] += 1
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies), "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "errors": dict(errors),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="total, over all endpoints")
    parser.add_argument("--concurrency", type=int, default=50, help="simultaneous connections")
    parser.add_argument("--events", type=int, default=20,
                        help="events of the clustering dev set to store beside the seeds")
    parser.add_argument("--url", help="load this running server instead of starting one")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.requests < 4 or args.concurrency < 1:
        parser.error("--requests must be at least 4 and --concurrency at least 1")

    server = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.url:
            url = args.url.rstrip("/")
            stored = None
        else:
            db = Path(tmp) / "load.db"
            started = time.perf_counter()
            stored = build_store(db, args.events)
            print(f"stored {stored} articles in {time.perf_counter() - started:.1f} s",
                  file=sys.stderr)
            server, url = start_server(db)
        try:
            items = httpx.get(f"{url}/api/v1/events", params={"limit": 200}).json()["items"]
            ids = [item["id"] for item in items]
            if not ids:
                raise SystemExit("the server holds no events")
            per = args.requests // 4
            targets = {
                "list page /": ["/"],
                "event page /events/{id}": [f"/events/{i}" for i in ids],
                "API /api/v1/events": ["/api/v1/events"],
                "API /api/v1/events/{id}": [f"/api/v1/events/{i}" for i in ids],
            }
            results = {name: asyncio.run(phase(url, paths, per, args.concurrency))
                       for name, paths in targets.items()}
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=10)
    if args.json:
        print(json.dumps({"events": len(ids), "articles": stored,
                          "concurrency": args.concurrency, "results": results}, indent=2))
        return 0
    print(f"{len(ids)} events, {args.concurrency} connections, {per} requests per endpoint")
    print(f"{'endpoint':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(r["errors"].items()))
        print(f"{name:28} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
              f"{sum(r['errors'].values()):7d}" + (f"  ({kinds})" if kinds else ""))
    return 1 if any(r["errors"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
