"""Time the event page and the event API for the biggest briefed events of a store, in-process.

    python benchmarks/event_page.py --db /tmp/nb-load/news.db [--events 3] [--repeat 5]

Serves the app with Starlette's TestClient (no network, one request at a time), so the
figures are the server's own work per request: reading the event and its brief, building
the page, rendering or serializing. For each of the ``--events`` events with the most
articles among those with a full brief (a version after the quick one), prints the brief's
size (dated facts, quotes, entities), the response sizes, and the median and fastest of
``--repeat`` requests after one warm-up request. Run it with ``PYTHONPATH`` pointing at
another checkout to compare versions of the web app on the same store.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import time
import warnings


def biggest_briefed(db: str, count: int) -> list[tuple[str, int]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT id, article_count FROM events WHERE merged_into IS NULL AND id IN "
            "(SELECT event_id FROM briefs WHERE version > 1) "
            "ORDER BY article_count DESC, seq LIMIT ?", (count,)).fetchall()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--events", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

    import newsbrief.web
    from newsbrief.web.app import create_app

    print(f"web app from {newsbrief.web.__file__}", file=sys.stderr)
    client = TestClient(create_app(args.db))
    rows = []
    for event_id, articles in biggest_briefed(args.db, args.events):
        row: dict = {"event": event_id, "articles": articles}
        for name, path in (("page", f"/events/{event_id}"), ("api", f"/api/v1/events/{event_id}")):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.get(path)
                times.append(1000 * (time.perf_counter() - start))
            row[f"{name}_kb"] = round(len(response.content) / 1024)
            row[f"{name}_median_ms"] = round(statistics.median(times), 1)
            row[f"{name}_min_ms"] = round(min(times), 1)
            if name == "api":
                brief = response.json()["brief"]
                row.update({k: len(brief[k]) for k in ("timeline", "quotes", "entities")})
        rows.append(row)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
