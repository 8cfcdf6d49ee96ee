"""Invariants of a store database that must hold after every committed batch, whatever the
configuration (batch size, workers, open articles, calls, input order, dates).

:func:`check_store` runs after every committed batch of the dev set (with the seeds, dates and
edited copies), driven through configurations the other store tests do not use. Each
invariant is one the store's docs promise (docs/events.md, the docstrings of
:mod:`newsbrief.store`).
"""

from __future__ import annotations

import itertools
import json
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import dev_article_lines

from newsbrief.cluster import ClusterConfig, parse_day, read_cluster_file
from newsbrief.cluster_vectors import EventState
from newsbrief.config import BriefConfig
from newsbrief.ingest import read_paths
from newsbrief.models import Article
from newsbrief.store import Store
from newsbrief.store.events import EVENT_ORDER, list_events, published_edge
from newsbrief.store.reopen import _clustered, clustered_span, near_in_time
from newsbrief.store.urls import outlet_key

FAST = BriefConfig(analyze=False, method="lead")


def check_store(conn: sqlite3.Connection, config: ClusterConfig, *,
                imported: bool = False) -> list[str]:
    """Every broken invariant of the store in ``conn`` (empty when it is consistent).

    ``config``: the cluster configuration of the last write (it says how many articles stay
    open and how far apart a copy may be from its original and still share its event).
    ``imported``: events were imported (:mod:`newsbrief.store.imports`); those keep their
    copies where the import put them and count every member in their clusterer state, and
    their articles are never open, so those three checks are left out."""
    bad: list[str] = []
    gap = config.max_gap_days
    events = {row[0]: row for row in conn.execute(
        "SELECT id, seq, merged_into, article_count, outlet_count, first_published, "
        "last_published, brief_stale, updated_at, state, first_day, last_day FROM events")}
    live = {e for e, row in events.items() if row[2] is None}
    articles = {row[0]: row for row in conn.execute(
        "SELECT id, seq, event_id, duplicate_of, published, outlet FROM articles")}

    # Every article is in an event that exists and is live.
    members: dict[str, list[str]] = {}
    for article_id, (_, _, event_id, _, _, _) in articles.items():
        if event_id is None:
            bad.append(f"article {article_id} has no event")
        elif event_id not in events:
            bad.append(f"article {article_id} names a missing event {event_id}")
        elif event_id not in live:
            bad.append(f"article {article_id} is in merged/retired event {event_id}")
        else:
            members.setdefault(event_id, []).append(article_id)

    # A merge chain ends at a live event (links to an old id lead on).
    for event_id in set(events) - live:
        seen, at = set(), event_id
        while at is not None and at in events and at not in seen:
            seen.add(at)
            at = events[at][2]
        if at is not None:
            bad.append(f"merge chain of {event_id} does not end at a live event ({at})")

    search = conn.execute("SELECT rowid, event_id FROM event_search").fetchall()
    search_by_id: dict[str, list[int]] = {}
    for rowid, event_id in search:
        search_by_id.setdefault(event_id, []).append(rowid)
    latest = {event_id: (created, count) for event_id, created, count in conn.execute(
        "SELECT b.event_id, b.created_at, b.article_count FROM briefs b WHERE b.version = "
        "(SELECT MAX(version) FROM briefs c WHERE c.event_id = b.event_id)")}

    for event_id, (_, seq, merged_into, count, outlets, first, last, stale, updated, state,
                   first_day, last_day) in events.items():
        mine = members.get(event_id, [])
        if event_id not in live:
            # Merged or retired: no articles, no search row, no stale brief.
            if count or outlets or stale:
                bad.append(f"retired {event_id}: count {count}, outlets {outlets}, "
                           f"stale {stale}")
            if event_id in search_by_id:
                bad.append(f"retired {event_id} has a search row")
            continue
        if not mine:
            bad.append(f"live event {event_id} has no articles")
            continue
        if count != len(mine):
            bad.append(f"{event_id}: article_count {count}, holds {len(mine)}")
        # Outlets as the store compares them ("Outlet 3" and " OUTLET 3 " are one).
        distinct = len({outlet_key(articles[a][5]) for a in mine} - {None})
        if outlets != distinct:
            bad.append(f"{event_id}: outlet_count {outlets}, holds {distinct}")
        edges = tuple(conn.execute(f"SELECT {published_edge(False)}, {published_edge(True)}",
                                   {"event": event_id}).fetchone())
        if (first, last) != edges:
            bad.append(f"{event_id}: first/last_published {(first, last)}, members {edges}")
        if search_by_id.get(event_id) != [seq]:
            bad.append(f"{event_id}: search rows {search_by_id.get(event_id)}, seq {seq}")
        # A brief not marked stale is one made after the event's last change, of its articles.
        if not stale:
            brief = latest.get(event_id)
            if brief is None or brief[0] < updated or brief[1] != count:
                bad.append(f"{event_id}: not stale, but latest brief {brief} is older than "
                           f"its change at {updated} ({count} articles)")
        # The clusterer's state: one vector per clustered member, and their time span.
        clustered = [
            a for a in mine
            if _clustered(articles[a][4], articles[a][3],
                          articles[articles[a][3]][4] if articles[a][3] in articles else None,
                          gap, articles.get(articles[a][3], (None,) * 3)[2] == event_id)]
        if state is None:
            bad.append(f"live event {event_id} has no clusterer state")
        elif not imported:
            size = EventState.from_bytes(event_id, state).size
            if size != len(clustered):
                bad.append(f"{event_id}: clusterer size {size}, clustered members "
                           f"{len(clustered)}")
        span = clustered_span(conn, event_id, gap)
        if (first_day, last_day) != span:
            bad.append(f"{event_id}: clusterer span {(first_day, last_day)}, members {span}")
    for event_id in set(search_by_id) - set(events):
        bad.append(f"search row for unknown event {event_id}")

    # A copy points at an original (itself no copy) and shares its event when near in time.
    for article_id, (_, _, event_id, original, published, _) in articles.items():
        if original is None:
            continue
        if original not in articles:
            bad.append(f"copy {article_id} of a missing article {original}")
            continue
        if articles[original][3] is not None:
            bad.append(f"copy {article_id} of {original}, itself a copy")
        if (not imported and near_in_time(articles[original][4], published, gap)
                and articles[original][2] != event_id):
            bad.append(f"copy {article_id} in {event_id}, its original {original} in "
                       f"{articles[original][2]}")

    # One text is stored once per outlet that provably carried it (newsbrief.store.urls.
    # already_stored): rows sharing a content hash all name outlets, distinct ones, and are
    # one copy group (the later ones copies, linked to the group's original).

    by_hash: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for article_id, digest, outlet, original in conn.execute(
            "SELECT id, content_hash, outlet, duplicate_of FROM articles ORDER BY seq"):
        by_hash.setdefault(digest, []).append((article_id, outlet, original))
    for digest, rows in by_hash.items():
        if len(rows) < 2:
            continue
        keys = [outlet_key(outlet) for _, outlet, _ in rows]
        if None in keys or len(set(keys)) != len(keys):
            bad.append(f"content {digest[:8]} stored {len(rows)} times, outlets {keys}")
        roots = {original or article_id for article_id, _, original in rows}
        # (An import links them as its run did: the run's original may be stored second.)
        if len(roots) != 1 or (not imported and any(o is None for _, _, o in rows[1:])):
            bad.append(f"content {digest[:8]}: rows {[r[0] for r in rows]} are not one copy "
                       f"group (originals {sorted(roots)})")

    # The open articles: the latest clustered articles, each in its current (live) event.
    open_rows = conn.execute(
        "SELECT pos, article_id, event_id, day FROM open_articles ORDER BY pos").fetchall()
    if len(open_rows) > max(0, config.reopen):
        bad.append(f"{len(open_rows)} open articles, reopen {config.reopen}")
    if [r[0] for r in open_rows] != list(range(len(open_rows))):
        bad.append("open article positions are not 0..n-1")
    for _, article_id, event_id, day in open_rows:
        row = articles.get(article_id)
        if row is None:
            bad.append(f"open article {article_id} is not stored")
            continue
        if event_id not in live:
            bad.append(f"open article {article_id} names retired event {event_id}")
        if row[2] != event_id:
            bad.append(f"open article {article_id} in {row[2]}, open row says {event_id}")
        if day != parse_day(row[4]):
            bad.append(f"open article {article_id}: day {day}, published {row[4]}")
    if config.reopen > 0 and not imported:
        by_seq = sorted(articles.values(), key=lambda r: r[1])
        latest_clustered = [
            r[0] for r in by_seq
            if _clustered(r[4], r[3], articles[r[3]][4] if r[3] in articles else None, gap)]
        want = latest_clustered[-config.reopen:]
        if [r[1] for r in open_rows] != want:
            bad.append(f"open articles {[r[1] for r in open_rows][:5]}..., the latest "
                       f"clustered are {want[:5]}...")

    # Only originals have LSH band keys (a copy is found through its original).
    keyed = {seq for (seq,) in conn.execute("SELECT DISTINCT seq FROM lsh_keys")}
    for article_id, (_, seq, _, original, _, _) in articles.items():
        if (original is None) != (seq in keyed):
            bad.append(f"article {article_id}: copy of {original}, "
                       f"{'has' if seq in keyed else 'no'} LSH keys")

    # The newest-first list pages through every live event with articles once, in order.
    listed: list[str] = []
    cursor = None
    while len(listed) <= len(events):
        page, cursor = list_events(conn, limit=50, cursor=cursor)
        listed += [e.id for e in page]
        if cursor is None:
            break
    ordered = [e for (e,) in conn.execute(
        f"SELECT e.id FROM events e WHERE e.merged_into IS NULL AND e.article_count > 0 "
        f"ORDER BY {EVENT_ORDER} DESC, e.seq DESC")]
    if listed != ordered:
        bad.append(f"the event list pages through {len(listed)} events, not the "
                   f"{len(ordered)} live ones in order")

    # Document counts and event numbers.
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    clustered_all = sum(
        _clustered(r[4], r[3], articles[r[3]][4] if r[3] in articles else None, gap)
        for r in articles.values())
    if articles and not imported and int(meta.get("n_docs", 0)) != clustered_all:
        bad.append(f"n_docs {meta.get('n_docs')}, clustered articles {clustered_all}")
    if events and int(meta.get("next_event", 1)) <= max(r[1] for r in events.values()):
        bad.append(f"next_event {meta.get('next_event')} is not above every event's number")
    return bad


def assert_consistent(store: Store) -> None:
    problems = check_store(store.conn, store.cluster_config)
    assert not problems, "\n".join(problems[:20])


def check_clusterer_cache(store: Store) -> list[str]:
    """Where the store's in-memory clusterer differs from what it committed (a change made in
    memory but never written would be lost when the state is next read from the database,
    and a long-running store would decide differently from one reopened on the same file)."""
    clusterer = store._clusterer
    if clusterer is None:
        return []
    bad: list[str] = []
    conn = store.conn
    for event_id, event in clusterer.cache.items():
        row = conn.execute("SELECT state, merged_into, first_day, last_day FROM events "
                           "WHERE id = ?", (event_id,)).fetchone()
        if row is None:
            bad.append(f"cached event {event_id} is not stored")
            continue
        stored = EventState.from_bytes(event_id, row[0]) if row[0] else EventState(event_id)
        mine = (event.size, event.norm2, event.vector, event.merged_into, event.first_day,
                event.last_day)
        theirs = (stored.size, stored.norm2, stored.vector, row[1], row[2], row[3])
        if mine != theirs:
            names = ("size", "norm2", "vector", "merged_into", "first_day", "last_day")
            differ = [n for n, a, b in zip(names, mine, theirs) if a != b]
            bad.append(f"cached event {event_id} differs from its row in {differ}")
    if clusterer.keeps_open and clusterer.config.reopen > 0:
        rows = conn.execute("SELECT article_id, event_id, day FROM open_articles "
                            "ORDER BY pos").fetchall()
        if [(o.article_id, o.event, o.day) for o in clusterer.open] != rows:
            bad.append("the open articles in memory are not those stored")
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    if (clusterer.n_docs, clusterer.next_id) != (int(meta.get("n_docs", 0)),
                                                  int(meta.get("next_event", 1))):
        bad.append(f"n_docs/next_event {clusterer.n_docs}/{clusterer.next_id} in memory, "
                   f"{meta.get('n_docs')}/{meta.get('next_event')} stored")
    if dict(clusterer.df) != dict(conn.execute("SELECT term, df FROM term_df")):
        bad.append("document frequencies in memory differ from term_df")
    return bad


# ---------------------------------------------------------------------------- driving


@pytest.fixture(scope="module")
def dev(eval_dir: Path, seeds_dir: Path) -> list[Article]:
    """The clustering dev set and the seeds, in one shuffled order."""
    articles, _, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    # Pages that cleaning empties are left out (the store reports them as problems).
    kept = {json.loads(line)["id"] for line in dev_article_lines(eval_dir)}
    mixed = [a for a in articles if a.id in kept] + read_paths([seeds_dir]).articles
    random.Random(11).shuffle(mixed)
    return mixed


def _dated(articles: list[Article], seed: int, days: float) -> list[Article]:
    """Each article published at a random time within ``days`` (UTC offsets of several
    kinds, some date-only, some undated), so events span weeks and copies fall near or far."""
    rng = random.Random(seed)
    base = datetime(2020, 1, 1)
    out = []
    for article in articles:
        moment = base + timedelta(hours=rng.uniform(0, days * 24))
        kind = rng.randrange(6)
        published = (None if kind == 0 else moment.date().isoformat() if kind == 1
                     else moment.isoformat() + "+09:00" if kind == 2
                     else moment.isoformat() + "Z" if kind == 3 else moment.isoformat())
        out.append(article.with_(published=published))
    return out


def _with_copies(articles: list[Article], seed: int, share: float) -> list[Article]:
    """Edited copies (one changed word and a credit line, another outlet) of a ``share`` of
    the articles, published near their original, 35-90 days later or undated, mixed into
    the stream: copies that join their original's event, copies clustered on their own."""
    rng = random.Random(seed)
    out = list(articles)
    for article in articles:
        if rng.random() > share:
            continue
        for k in range(rng.choice((1, 1, 2))):
            words = article.text.split(" ")
            i = rng.randrange(len(words))
            words[i] += "s"
            day = parse_day(article.published)
            roll = rng.random()
            published = None
            if day is not None and roll < 0.8:
                moment = datetime(1970, 1, 1) + timedelta(days=day)
                moment += (timedelta(days=rng.uniform(35, 90)) if roll < 0.3
                           else timedelta(hours=rng.uniform(-30, 30)))
                published = moment.isoformat()
            out.append(article.with_(id=f"{article.id}-copy{k}", outlet=f"wire{k}", url=None,
                                     text=" ".join(words) + "\nReporting by the wire.",
                                     published=published))
    rng.shuffle(out)
    return out


def _verbatim(articles: list[Article], seed: int, share: float) -> list[Article]:
    """Every article given an outlet, and a ``share`` of them carried word for word by one to
    three other outlets (other URLs, near in time, later or undated), plus a repeat from
    their own outlet written in other case and spacing (not another outlet: not stored)."""
    rng = random.Random(seed)
    named = [a if a.outlet else a.with_(outlet=f"Outlet {i % 7}") for i, a in enumerate(articles)]
    out = list(named)
    for article in named:
        if rng.random() > share:
            continue
        day = parse_day(article.published)
        for k in range(rng.choice((1, 2, 3))):
            published = None
            if day is not None and rng.random() < 0.8:
                moment = datetime(1970, 1, 1) + timedelta(days=day)
                moment += timedelta(hours=rng.uniform(-20, 20) if rng.random() < 0.7
                                    else rng.uniform(35 * 24, 60 * 24))
                published = moment.isoformat()
            out.append(article.with_(id=f"{article.id}-wire{k}", outlet=f"Wire {k}",
                                     url=f"https://wire{k}.example/{article.id}",
                                     published=published))
        out.append(article.with_(id=f"{article.id}-again", outlet=f" {article.outlet.upper()} ",
                                 url=f"https://mirror.example/{article.id}"))
    rng.shuffle(out)
    return out


@pytest.fixture()
def checked_batches(monkeypatch):
    """Check the invariants (and the clusterer's cache against its rows) after every
    committed batch, not only after each call; returns the problems found."""
    import newsbrief.store.store as store_module

    found: list[str] = []
    write = store_module.write_batch

    def write_and_check(store: Store, *args, **kwargs) -> None:
        write(store, *args, **kwargs)
        if not found:
            found.extend(check_store(store.conn, store.cluster_config)
                         + check_clusterer_cache(store))

    monkeypatch.setattr(store_module, "write_batch", write_and_check)
    return found


@dataclass(frozen=True)
class Run:
    """One way of driving the store: how much of the stream, how it is dated and copied,
    batches, workers, clusterer configuration, and the calls it is split into."""

    first: int | None = None  # the first articles of the stream (None: all)
    days: float | None = None  # published over this many days (None: the times as read)
    copies: float = 0.0  # share of articles given edited copies
    verbatim: float = 0.0  # share of articles carried word for word by other outlets
    batch_size: int = 64
    workers: int = 1
    config: ClusterConfig = field(default_factory=ClusterConfig)
    calls: int = 1  # split at multiples of batch_size, so batches are those of one call
    reopen_store: bool = False  # a new Store object for each call (state read back)
    refresh: str = "none"  # for every call but the last, which refreshes at its end


RUNS = {
    "batches of 3": Run(first=150, batch_size=3),
    "batches of 64, two workers, dated copies, 3 calls": Run(
        first=400, days=7, copies=0.3, workers=2, calls=3, reopen_store=True, refresh="batch"),
    "batches of 256, final decisions, dated": Run(days=5, batch_size=256,
                                                  config=ClusterConfig(reopen=0)),
    "one batch, 5 open articles": Run(batch_size=2000, config=ClusterConfig(reopen=5)),
    "every article open, batches of 37, dated copies, 2 calls": Run(
        first=300, days=90, copies=0.2, batch_size=37,
        config=ClusterConfig(reopen=2000), calls=2),
    "word-for-word copies from other outlets, batches of 16, two workers, 2 calls": Run(
        first=250, days=20, verbatim=0.25, batch_size=16, workers=2, calls=2),
}


def _stream(dev: list[Article], run: Run) -> list[Article]:
    articles = dev[:run.first]
    if run.days is not None:
        articles = _dated(articles, 3, run.days)
    if run.copies:
        articles = _with_copies(articles, 4, run.copies)
    if run.verbatim:
        articles = _verbatim(articles, 5, run.verbatim)
    return articles


def _rows(conn: sqlite3.Connection) -> tuple[list, list]:
    """What ingest decided: each article's event and copy link, each event's row and state."""
    return (conn.execute("SELECT id, event_id, duplicate_of FROM articles ORDER BY seq").fetchall(),
            conn.execute("SELECT id, merged_into, article_count, first_published, "
                         "last_published, first_day, last_day, state FROM events "
                         "ORDER BY seq").fetchall())


@pytest.mark.parametrize("name", list(RUNS))
def test_invariants_hold_after_every_batch(tmp_path: Path, dev, checked_batches, name):
    run = RUNS[name]
    articles = _stream(dev, run)
    cut = [min(len(articles), run.batch_size * (-(-len(articles) * k // run.calls
                                                   // run.batch_size)))
           for k in range(run.calls + 1)]
    chunks = [articles[a:b] for a, b in itertools.pairwise(cut)]

    def opened(path: Path) -> Store:
        return Store(path, config=FAST, cluster_config=run.config,
                     batch_size=run.batch_size, workers=run.workers)

    store = opened(tmp_path / "news.db")
    try:
        for k, chunk in enumerate(chunks):
            if run.reopen_store and k:
                store.close()
                store = opened(tmp_path / "news.db")
            report = store.add_articles(chunk,
                                        refresh="end" if k == run.calls - 1 else run.refresh)
            assert not checked_batches, "\n".join(checked_batches[:20])
            assert_consistent(store)
            # The report names each article's event after the whole call, and live events.
            events = dict(store.conn.execute("SELECT id, event_id FROM articles"))
            assert [(a, events[a]) for a, _ in report.added] == report.added
            live = {e for (e,) in store.conn.execute(
                "SELECT id FROM events WHERE merged_into IS NULL")}
            assert report.events_created | report.events_updated <= live
        decided = _rows(store.conn)
        # The same input again stores nothing and changes no event.
        again = store.add_articles(articles, refresh="end")
        assert not again.added and len(again.skipped) == len(articles)
        assert _rows(store.conn) == decided
        assert_consistent(store)
        assert store.counts()["stale_briefs"] == 0
        if run.copies:
            assert store.counts()["duplicates"] > 50  # the copies exercised the linking
        if run.verbatim:
            # Each other outlet's copy stored, linked to its original; no own-outlet repeat.
            shared = store.conn.execute(
                "SELECT COUNT(*) FROM articles WHERE content_hash IN (SELECT content_hash "
                "FROM articles GROUP BY content_hash HAVING COUNT(*) > 1)").fetchone()[0]
            assert shared > 60
            # Of an article and its own outlet's repeat, whichever came first is stored.
            assert not store.conn.execute(
                "SELECT 1 FROM articles a JOIN articles b ON b.id = a.id || '-again'").fetchone()
    finally:
        store.close()
    if run.calls > 1:
        # Calls cut at batch boundaries decide as one call does (the clusterer's state is
        # all in the database, whether the next call reads it back or keeps it in memory).
        with opened(tmp_path / "one.db") as one:
            one.add_articles(articles, refresh="none")
            assert _rows(one.conn) == decided


def test_two_stores_writing_one_file_in_turn_keep_it_consistent(tmp_path: Path, dev,
                                                                checked_batches):
    """Two writers (two ingests, or watch and ingest) on one database, taking turns: each
    re-reads the clusterer state the other committed before its next batch."""
    articles = _dated(dev[:300], 8, 20)
    first = Store(tmp_path / "news.db", config=FAST, batch_size=32)
    second = Store(tmp_path / "news.db", config=FAST, batch_size=20)
    try:
        for k in range(6):
            writer = (first, second)[k % 2]
            writer.add_articles(articles[50 * k: 50 * (k + 1)], refresh="none")
            assert not checked_batches, "\n".join(checked_batches[:20])
            assert_consistent(writer)
    finally:
        first.close()
        second.close()


@pytest.fixture(scope="module")
def consistent_db(tmp_path_factory, dev) -> Path:
    """A store of dated articles with copies, merges and open articles, written once."""
    path = tmp_path_factory.mktemp("consistent") / "news.db"
    with Store(path, config=FAST, batch_size=16) as store:
        store.add_articles(_with_copies(_dated(dev[:160], 2, 10), 1, 0.3), refresh="none")
        assert_consistent(store)
    return path


@pytest.mark.parametrize("damage, reported", [
    (("UPDATE events SET article_count = article_count + 1 WHERE id = "
     "(SELECT event_id FROM articles LIMIT 1)"), "article_count"),
    (("UPDATE articles SET event_id = (SELECT id FROM events WHERE merged_into IS NOT NULL "
     "LIMIT 1) WHERE seq = 1"), "merged/retired event"),
    (("UPDATE events SET last_published = '1999-01-01' WHERE id = "
     "(SELECT event_id FROM articles WHERE published IS NOT NULL LIMIT 1)"), "first/last"),
    ("DELETE FROM event_search WHERE rowid = (SELECT MIN(rowid) FROM event_search)",
     "search rows"),
    ("UPDATE events SET brief_stale = 0 WHERE id = (SELECT event_id FROM articles LIMIT 1)",
     "not stale"),
    ("DELETE FROM open_articles WHERE pos = 3", "open article"),
    (("UPDATE open_articles SET event_id = (SELECT id FROM events WHERE merged_into IS NOT NULL "
     "LIMIT 1) WHERE pos = 0"), "retired event"),
    (("UPDATE events SET last_day = last_day + 1 WHERE id = "
     "(SELECT event_id FROM articles WHERE published IS NOT NULL LIMIT 1)"), "clusterer span"),
    (("UPDATE articles SET event_id = (SELECT MAX(id) FROM events WHERE merged_into IS NULL) "
     "WHERE duplicate_of IS NOT NULL"), "its original"),
    ("UPDATE meta SET value = value + 1 WHERE key = 'n_docs'", "n_docs"),
])
def test_the_checker_reports_a_damaged_store(tmp_path: Path, consistent_db: Path, damage,
                                             reported):
    """The checker is not vacuous: each kind of damage to a consistent store is reported."""
    conn = sqlite3.connect(tmp_path / "damaged.db")
    try:
        with sqlite3.connect(consistent_db) as source:
            source.backup(conn)
        assert not check_store(conn, ClusterConfig())
        with conn:
            assert conn.execute(damage).rowcount > 0
        problems = check_store(conn, ClusterConfig())
        assert any(reported in p for p in problems), problems
    finally:
        conn.close()


def test_refreshing_a_merged_events_brief_gives_it_no_search_row(tmp_path: Path, dev):
    """``refresh_briefs([id])`` with the id of an event merged (or retired) since, as the
    feed watcher passes the events a round touched: the search index must not get a row for
    the dead event (its articles are listed under the live one)."""
    with Store(tmp_path / "news.db", config=FAST, batch_size=3) as store:
        store.add_articles(dev[:200], refresh="none")
        gone = [e for (e,) in store.conn.execute(
            "SELECT id FROM events WHERE merged_into IS NOT NULL ORDER BY seq")]
        assert gone
        store.refresh_briefs(gone[:3])
        assert_consistent(store)


def test_a_brief_made_while_another_writer_changes_its_event_leaves_it_stale(
        tmp_path: Path, dev, monkeypatch):
    """Two writers on one file (watch and ingest): while one makes an event's brief, the
    other commits a batch adding a copy to that event. The brief saved then covers the
    articles read before; the event must stay stale (or the brief cover the new article),
    not be marked up to date with an article its brief never saw."""
    import newsbrief.store.store as store_module

    path = tmp_path / "news.db"
    briefing = Store(path, config=FAST)
    other = Store(path, config=FAST)
    real = store_module.brief_documents
    raced: list[str] = []

    def brief_while_the_other_writes(documents, config):
        if not raced:
            article = documents[0].article
            raced.append(article.id)
            # A copy close in time joins its original's event (docs/events.md).
            other.add_articles([article.with_(id=article.id + "-copy", url=None,
                                              text=article.text + "\nReporting by the wire.")],
                               refresh="none")
        return real(documents, config)

    try:
        briefing.add_articles(dev[:30], refresh="none")
        monkeypatch.setattr(store_module, "brief_documents", brief_while_the_other_writes)
        briefing.refresh_briefs()
        assert raced
        copy = briefing.get_article(raced[0] + "-copy")
        assert copy.duplicate_of == raced[0]
        assert copy.event_id == briefing.get_article(raced[0]).event_id
        assert_consistent(briefing)
    finally:
        briefing.close()
        other.close()


def test_imported_copies_keep_their_links_and_only_originals_get_bands(tmp_path: Path, dev):
    """An import (a Spark run's events) whose articles copy articles stored before, or whose
    links name an original the store already holds under another id, or put a copy ahead of
    its original: every copy points at an original that is stored, and only originals have
    LSH bands, so a copy ingested later links to its group's original."""
    from newsbrief.pipeline import prepare_articles
    from newsbrief.store.imports import ImportedEvent

    before, run = dev[:40], dev[40:44]
    wire = "\nReporting by the wire."
    copied = before[0].with_(id="run-copy-of-stored", text=before[0].text + wire, url=None)
    again = before[1].with_(id="run-original-stored-before")  # same content: skipped
    copy_of_again = before[1].with_(id="run-copy", text=before[1].text + wire, url=None)
    late = run[0].with_(id="run-late-copy", text=run[0].text + wire, url=None)
    documents = {d.article.id: d for d in prepare_articles(
        [copied, again, copy_of_again, late, *run])}
    events = [
        ImportedEvent("ev-copies", (documents[copied.id], documents[again.id],
                                    documents[copy_of_again.id]),
                      {copy_of_again.id: again.id}),
        # The copy ahead of its original (the run's order), in another event.
        ImportedEvent("ev-late", (documents[late.id],), {late.id: run[0].id}),
        ImportedEvent("ev-run", tuple(documents[a.id] for a in run)),
    ]
    with Store(tmp_path / "news.db", config=FAST) as store:
        store.add_articles(before, refresh="none")
        report = store.import_events(events)
        assert (again.id, "already stored (same content or URL)") in report.skipped
        problems = check_store(store.conn, store.cluster_config, imported=True)
        assert not problems, "\n".join(problems)
        assert dict(report.duplicates) == {copied.id: before[0].id,
                                           copy_of_again.id: before[1].id,
                                           late.id: run[0].id}
        # A copy of the late copy ingested now links to the group's original.
        ingested = store.add_articles([run[0].with_(id="ingested-copy", url=None,
                                                    text=run[0].text + wire + " Again.")],
                                      refresh="none")
        assert ingested.duplicates == [("ingested-copy", run[0].id)]
        problems = check_store(store.conn, store.cluster_config, imported=True)
        assert not problems, "\n".join(problems)
