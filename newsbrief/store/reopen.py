"""Clusterer state recomputed from stored articles, where the incremental state cannot say.

Two pieces of :class:`newsbrief.store.clustering.StoreClusterer` state are sums that only
grow, or were never kept, so the store rebuilds them from its rows:

* **An event's time span** (``events.first_day`` / ``last_day``). An open article that moves
  to another event is subtracted from its old event's vector
  (:meth:`newsbrief.cluster_vectors.EventState.withdraw`), but a span is a min/max: it cannot be
  narrowed without the other members' days. :func:`clustered_span` reads them (one indexed
  query over the event's rows); the store calls it, inside the batch's transaction, for the
  events a batch's moves touched.
* **The open articles of a database migrated from schema 4** (migration 0005 added the
  ``open_articles`` table, empty). Migration ``0007_rebuild_open_articles`` marks such a
  database and :func:`rebuild_open_articles` refills the table from the stored articles in
  the clusterer's open window, in one transaction that also clears the mark, so it runs once
  and a crash in the middle leaves it to the next open.

"The articles the clusterer saw" are the stored articles except copies close in time to
their original: those join their original's event without being clustered
(:meth:`newsbrief.store.Store.add_articles`), so they add neither a vector nor a day.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from newsbrief.cluster import ClusterConfig, EventClusterer, extract_features, parse_day
from newsbrief.cluster_vectors import pack_vector
from newsbrief.store.db import immediate, marked, select_in

__all__ = ["REBUILD_FLAG", "clustered_span", "near_in_time", "rebuild_open_articles"]

# meta key set by migration 0007 on a database whose open articles are to be rebuilt.
REBUILD_FLAG = "open_articles_to_rebuild"


def near_in_time(first: str | None, second: str | None, max_gap_days: float) -> bool:
    """Whether two publication times are at most ``max_gap_days`` apart (true when either is
    missing or unreadable): a copy this near its original joins the original's event."""
    a, b = parse_day(first), parse_day(second)
    if a is None or b is None:
        return True
    return abs(a - b) <= max_gap_days


def _clustered(published: str | None, duplicate_of: str | None, original_published: str | None,
               max_gap_days: float, with_original: bool = True) -> bool:
    """Whether the store clustered an article itself (not a copy near its original).

    ``with_original``: whether the copy is in its original's event. Ingest puts every copy
    close in time there (and moves keep it there), so one elsewhere was placed as an article
    of its own (by an import of events clustered with their copies) and counts as one."""
    return (duplicate_of is None or not with_original
            or not near_in_time(original_published, published, max_gap_days))


def clustered_span(conn: sqlite3.Connection, event_id: str,
                   max_gap_days: float) -> tuple[float | None, float | None]:
    """First and last day (:func:`newsbrief.cluster.parse_day`) of the event's clustered
    members, as the clusterer's span would be had it only ever added them."""
    days = [
        day
        for published, duplicate_of, original, together in conn.execute(
            # articles_event for the members, the unique id index for each copy's original.
            "SELECT a.published, a.duplicate_of, o.published, o.event_id IS a.event_id "
            "FROM articles a LEFT JOIN articles o ON o.id = a.duplicate_of "
            "WHERE a.event_id = ?", (event_id,))
        if _clustered(published, duplicate_of, original, max_gap_days, bool(together))
        and (day := parse_day(published)) is not None
    ]
    return (min(days), max(days)) if days else (None, None)


def rebuild_open_articles(conn: sqlite3.Connection, config: ClusterConfig) -> int:
    """Refill ``open_articles`` on a database marked by migration 0007; returns the rows.

    The open articles are the ``config.reopen`` latest clustered articles (by arrival), each
    with its current event, its day, the features ingest computes from its title and cleaned
    text, and its unit vector under the stored document frequencies. That vector is exactly
    the one the article added to its event when all of them arrived in the last clustering
    batch (whose frequencies are the stored ones); for earlier batches the frequencies have
    grown a little since, so taking the article out again leaves a small remainder in its
    event's vector. Nothing is done (and the mark stays) with ``reopen = 0``, which keeps no
    open articles; a table some batch has filled meanwhile is kept as it is.
    """
    if config.reopen <= 0 or not marked(conn, REBUILD_FLAG):
        return 0  # checked before taking the write lock: every writable open comes here
    with immediate(conn):
        if not marked(conn, REBUILD_FLAG):
            return 0  # done (by another process, or never needed)
        rows: list[tuple[str, str, str, str | None, str]] = []
        if conn.execute("SELECT 1 FROM open_articles LIMIT 1").fetchone() is None:
            rows = _latest_clustered(conn, config)
        features = [extract_features(title, text, config) for _, title, text, _, _ in rows]
        clusterer = EventClusterer(config)
        n_docs = conn.execute("SELECT value FROM meta WHERE key = 'n_docs'").fetchone()
        clusterer.n_docs = int(n_docs[0]) if n_docs else 0
        clusterer.df = _frequencies(conn, features)
        idf = clusterer.idfs(features)
        conn.executemany(
            "INSERT INTO open_articles (pos, article_id, event_id, day, terms, entities, vector) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(pos, article_id, event_id, parse_day(published), pack_vector(f.terms),
              pack_vector(f.entities), pack_vector(clusterer.vectorize(f, idf)))
             for pos, ((article_id, _, _, published, event_id), f)
             in enumerate(zip(rows, features))],
        )
        conn.execute("DELETE FROM meta WHERE key = ?", (REBUILD_FLAG,))
    return len(rows)


def _latest_clustered(conn: sqlite3.Connection,
                      config: ClusterConfig) -> list[tuple[str, str, str, str | None, str]]:
    """(id, title, cleaned text, published, event) of the latest clustered articles, oldest
    first, read newest first by the rowid (arrival order) until the window is full."""
    found = []
    for article_id, title, text, published, event_id, duplicate_of, original in conn.execute(
            "SELECT a.id, a.title, a.text, a.published, a.event_id, a.duplicate_of, o.published "
            "FROM articles a LEFT JOIN articles o ON o.id = a.duplicate_of "
            "WHERE a.event_id IS NOT NULL ORDER BY a.seq DESC"):
        if _clustered(published, duplicate_of, original, config.max_gap_days):
            found.append((article_id, title, text, published, event_id))
            if len(found) >= config.reopen:
                break
    found.reverse()
    return found


def _frequencies(conn: sqlite3.Connection, features: list) -> Counter[int]:
    """The stored document frequencies of the keys of ``features`` (not the whole table)."""
    keys = sorted({k for f in features for part in (f.terms, f.entities) for k in part})
    return Counter(dict(select_in(conn, "SELECT term, df FROM term_df WHERE term IN ({marks})",
                                  keys)))
