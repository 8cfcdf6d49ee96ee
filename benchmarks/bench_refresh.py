"""How the time of one brief refresh grows with the size of the event (a script, not a test).

A refresh (``Store.refresh_briefs``) reads the event's stored rows (cleaned text and packed
sentence spans: nothing is cleaned or split again) and rebuilds the whole brief from them
(``newsbrief.pipeline.brief_documents``: near-duplicates, sentence groups, summary,
headline and, with analysis, the entity model over a sample of the words), over at most
``Store.brief_articles`` (200) articles: the first quarter and the latest ones. The entity
model's output is kept per text it read (``newsbrief.store.briefcache``), so it reads only
texts no earlier refresh read.

The events are made of distinct real articles: the first N articles of
../shared/eval/clustering-dev.jsonl are stored (without briefs), then put in one event by
hand (``UPDATE articles SET event_id``), marked stale, and refreshed. Each size is timed
separately: reading the stored documents; making the brief without kept model output (what
every refresh cost before the cache); a ``cold`` refresh (nothing kept: the kept output is
deleted first); a ``warm`` one (the same articles again: everything kept); and ``grown``,
the case the cache is for: after a refresh at N articles, 10 more join the event and it is
refreshed again (their texts' entries are deleted before each repeat), and ``unkept``, the
same refresh with nothing kept (what it cost before the cache). ``model`` is how many
texts the model read in that grown refresh, of ``sample`` it needed; ``kept KiB`` the stored
entries (their table's pages, from SQLite's dbstat) once the grown refresh is saved, and
``B/new`` the bytes of entries (data and key) that refresh added per new article. Best of
``--repeat``; ``brief cpu``, ``grown cpu`` and ``unkept cpu`` are the CPU seconds of that
best run, this process and the NER worker process together (steadier than wall time on a
busy machine).
Run from the repository root:

    python benchmarks/bench_refresh.py [--sizes 5,50,200,400] [--repeat 2] [--no-analysis]
"""

from __future__ import annotations

import argparse
import os
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
GROWTH = 10  # articles that join the event between the two refreshes of "grown"


def _cpu() -> float:
    """CPU seconds of this process and of the NER worker process (Linux /proc), which the
    wall time of a loaded machine hides: the model's share of a refresh."""
    from newsbrief.analyze import worker

    seconds = time.process_time()
    running = worker._worker
    if running is not None and running.process.poll() is None:
        try:
            with open(f"/proc/{running.process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            seconds += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return seconds


def _best(repeat: int, action, cpu: list[float] | None = None,  # type: ignore[no-untyped-def]
          setup=None) -> float:
    """The shortest wall time of ``repeat`` runs of ``action``, each after ``setup`` (not
    timed); the CPU seconds of that run are appended to ``cpu``."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start, start_cpu = time.perf_counter(), _cpu()
        action()
        times.append((time.perf_counter() - start, _cpu() - start_cpu))
    best = min(times)
    if cpu is not None:
        cpu.append(best[1])
    return best[0]


def _model_reads() -> int:
    """Texts the entity model read here or was sent in the NER worker process."""
    from newsbrief.analyze import nlp, worker

    return nlp.texts_parsed + worker.texts_submitted


def _kept(store: Store) -> set[int]:
    return {r[0] for r in store.conn.execute("SELECT key FROM parsed_texts")}


def _kept_bytes(store: Store) -> int:
    """Bytes of the stored entries: packed data and 8-byte keys (pages hold some more)."""
    return store.conn.execute(
        "SELECT COALESCE(SUM(LENGTH(data) + 8), 0) FROM parsed_texts").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5,50,200,400")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-analysis", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    config = BriefConfig(analyze=not args.no_analysis)
    articles = read_paths([EVAL / "clustering-dev.jsonl"]).articles[: max(sizes) + GROWTH]
    print(f"method {config.method}, analysis {'on' if config.analyze else 'off'}; "
          f"best of {args.repeat}")
    print(f"{'articles':>8} {'briefed':>8} {'read s':>7} {'brief s':>8} {'cold s':>7} "
          f"{'warm s':>7} {'grown s':>8} {'unkept':>7} {'model':>6} {'sample':>7} "
          f"{'kept KiB':>9} {'B/new':>6} {'brief cpu':>9} {'grown cpu':>9} {'unkept cpu':>10}")
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db", config=config,
                                                     workers=1) as store:
        store.add_articles(articles, refresh="none")
        ids = [r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY seq")]
        event = store.conn.execute(
            "SELECT event_id FROM articles WHERE id = ?", (ids[0],)).fetchone()[0]

        def gather(n: int) -> None:
            with store.conn:
                store.conn.executemany("UPDATE articles SET event_id = ? WHERE id = ?",
                                       [(event, a) for a in ids[:n]])

        def refresh() -> None:
            with store.conn:  # stale again, so each run saves a version
                store.conn.execute("UPDATE events SET brief_stale = 1 WHERE id = ?", (event,))
            store.refresh_briefs([event])

        def forget(keep: set[int] | None = None) -> None:
            with store.conn:
                if keep is None:
                    store.conn.execute("DELETE FROM parsed_texts")
                else:
                    store.conn.executemany("DELETE FROM parsed_texts WHERE key = ?",
                                           [(k,) for k in _kept(store) - keep])

        for n in sizes:
            gather(n)
            stored, _ = store._brief_input(event)
            documents = _documents(stored)
            read = _best(args.repeat, lambda: store._brief_input(event))
            cpu: list[float] = []
            brief = _best(args.repeat, lambda: brief_documents(documents, config),  # noqa: B023
                          cpu)
            cold = _best(args.repeat, refresh, setup=forget)
            warm = _best(args.repeat, refresh)
            kept, kept_bytes = _kept(store), _kept_bytes(store)
            gather(n + GROWTH)
            reads: list[int] = []

            def grown() -> None:
                before = _model_reads()
                refresh()
                reads.append(_model_reads() - before)  # noqa: B023

            # Each run starts from what the refresh at n articles left.
            grew = _best(args.repeat, grown, cpu, setup=lambda: forget(kept))  # noqa: B023
            needed = _needed(store, event, config)
            added = (_kept_bytes(store) - kept_bytes) / GROWTH
            size = store.conn.execute(
                "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = 'parsed_texts'"
            ).fetchone()[0]
            before = _best(args.repeat, refresh, cpu, setup=forget)  # nothing kept
            with store.conn:  # the 10 leave again for the next size
                store.conn.executemany("UPDATE articles SET event_id = NULL WHERE id = ?",
                                       [(a,) for a in ids[n : n + GROWTH]])
            print(f"{n:>8} {len(stored):>8} {read:>7.3f} {brief:>8.3f} {cold:>7.3f} "
                  f"{warm:>7.3f} {grew:>8.3f} {before:>7.3f} {reads[-1]:>6} {needed:>7} "
                  f"{size / 1024:>9.0f} {added:>6.0f} {cpu[0]:>9.3f} {cpu[1]:>9.3f} "
                  f"{cpu[2]:>10.3f}")
    return 0


def _needed(store: Store, event: str, config: BriefConfig) -> int:
    """Distinct texts the model reads for the event's brief (0 without analysis)."""
    if not config.analyze:
        return 0
    from newsbrief.analyze.nlp import plan

    stored, _ = store._brief_input(event)
    return len(set(plan(_documents(stored), config.ner_words).texts))


if __name__ == "__main__":
    raise SystemExit(main())
