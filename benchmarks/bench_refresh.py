"""How the time of one brief refresh grows with the size of the event (a script, not a test).

A refresh (``Store.refresh_briefs``) reads the event's stored rows (cleaned text and packed
sentence spans: nothing is cleaned or split again) and rebuilds the whole brief from them
(``newsbrief.pipeline.brief_documents``: near-duplicates, sentence groups, summary,
headline and, with analysis, the entity model over a sample of the words), over at most
``Store.brief_articles`` (200) articles: the first quarter and the latest ones.

The events are made of distinct real articles: the first N articles of
../shared/eval/clustering-dev.jsonl are stored (without briefs), then put in one event by
hand (``UPDATE articles SET event_id``), marked stale, and refreshed. Each size is timed
separately: reading the stored documents, making the brief, and the whole refresh
(``refresh_briefs([id])``, which also saves the new version). Best of ``--repeat``.
Run from the repository root:

    python benchmarks/bench_refresh.py [--sizes 5,50,200,400] [--repeat 2] [--no-analysis]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbrief.config import BriefConfig
from newsbrief.ingest import read_paths
from newsbrief.pipeline import brief_documents
from newsbrief.store import Store
from newsbrief.store.store import _documents

EVAL = ROOT.parent / "shared" / "eval"


def _best(repeat: int, action) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5,50,200,400")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-analysis", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    config = BriefConfig(analyze=not args.no_analysis)
    articles = read_paths([EVAL / "clustering-dev.jsonl"]).articles[: max(sizes)]
    print(f"method {config.method}, analysis {'on' if config.analyze else 'off'}; "
          f"best of {args.repeat}")
    print(f"{'articles':>8} {'briefed':>8} {'read s':>8} {'brief s':>8} {'refresh s':>10}")
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db", config=config,
                                                     workers=1) as store:
        store.add_articles(articles, refresh="none")
        ids = [r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY seq")]
        event = store.conn.execute(
            "SELECT event_id FROM articles WHERE id = ?", (ids[0],)).fetchone()[0]
        for n in sizes:
            with store.conn:
                store.conn.executemany("UPDATE articles SET event_id = ? WHERE id = ?",
                                       [(event, a) for a in ids[:n]])
            stored, _ = store._brief_input(event)
            documents = _documents(stored)
            read = _best(args.repeat, lambda: store._brief_input(event))
            brief = _best(args.repeat, lambda: brief_documents(documents, config))  # noqa: B023

            def refresh() -> None:
                with store.conn:  # stale again, so each run saves a version
                    store.conn.execute("UPDATE events SET brief_stale = 1 WHERE id = ?",
                                       (event,))
                store.refresh_briefs([event])

            whole = _best(args.repeat, refresh)
            print(f"{n:>8} {len(stored):>8} {read:>8.3f} {brief:>8.3f} {whole:>10.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
