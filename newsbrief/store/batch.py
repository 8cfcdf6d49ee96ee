"""One ingest batch written in one transaction (:meth:`newsbrief.store.Store.add_articles`).

The batch's prepared articles are inserted (each linked to the original it copies, if any),
the new ones assigned to events by the store's clusterer, and what the clusterer decided is
applied to the rows: open articles that moved (with the copies that follow them), events
merged or left empty, copies joining their original's event, and the counts, times and
search rows of every event the batch touched. A batch is committed whole or not at all.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from newsbrief.clean import nothing_left
from newsbrief.models import Article, Problem
from newsbrief.store.clustering import StoreClusterer
from newsbrief.store.db import now_text
from newsbrief.store.events import index_event, retire_event_row, update_event_row
from newsbrief.store.models import IngestReport
from newsbrief.store.reopen import clustered_span
from newsbrief.store.rows import PreparedArticle, prepare_or_problem
from newsbrief.store.urls import SAME_CONTENT, already_stored

if TYPE_CHECKING:
    from newsbrief.store.store import Store

__all__ = ["Job", "Progress", "write_batch"]

Progress = Callable[[int], None]
# A batch read from the input: its fresh articles (article, content hash, canonical URL) and
# their prepared rows, still being computed by the worker processes (an iterator) or not yet.
Job = tuple[list[tuple[Article, str, str | None]],
            Iterator[PreparedArticle | Problem | None] | None]


def write_batch(store: Store, job: Job, report: IngestReport, progress: Progress | None,
                stored: set[str]) -> None:
    """Write one prepared batch in one transaction (see the module docstring); ``stored``
    holds the content hashes and URLs the current call has stored, to name a repeat."""
    fresh, results = job
    if not fresh:
        return
    clusterer = store.clusterer
    if results is None:
        prepared_all = [prepare_or_problem(article, store.cluster_config)
                        for article, _, _ in fresh]
    else:
        prepared_all = list(results)
    with store._transaction() as conn:
        now = now_text()
        clusterer.now = now
        new_items: list[tuple[str, Any, str | None]] = []
        copies: list[tuple[str, str]] = []
        inserted: list[str] = []
        first_seq: int | None = None
        # The batch's articles passed the rule among themselves (_start_batch), so what is
        # stored now, under the write lock, is all that can collide: one query per key.
        known_hash = store._hash_outlets([digest for _, digest, _ in fresh])
        known_url = store._known("canonical_url", [url for _, _, url in fresh if url])
        for (article, digest, url), prepared in zip(fresh, prepared_all):
            if isinstance(prepared, Problem):
                report.problems.append(prepared)
            elif prepared is None:
                report.problems.append(Problem(
                    article.path or article.id,
                    f"article {article.id}: {nothing_left(article.text)}"))
            elif repeat := already_stored(article.outlet, known_hash.get(digest, []),
                                          bool(url) and url in known_url):
                # Stored since the check above: by the batch before (this call, prepared
                # meanwhile) or by another process (now under the write lock).
                key = digest if repeat == SAME_CONTENT else url
                report.skipped.append((article.id, repeat if key in stored
                                       else "already stored (concurrent ingest)"))
            else:
                article_id, original, seq = store._insert_row(conn, article, prepared,
                                                             digest, url, now)
                if first_seq is None:
                    first_seq = seq
                stored.add(digest)
                if url:
                    stored.add(url)
                inserted.append(article_id)
                if original is not None:
                    report.duplicates.append((article_id, original))
                if original is not None and store._near_in_time(original, article.published):
                    copies.append((article_id, original))
                else:
                    # A copy re-run weeks later is linked but clustered on its own.
                    new_items.append((article_id, prepared.features, article.published))
            if progress:
                progress(1)
        before = clusterer.next_id
        assigned = clusterer.add_batch(new_items)
        report.events_created |= {f"{clusterer.id_prefix}{i}"
                                  for i in range(before, clusterer.next_id)}
        rows = [(event_id, item[0]) for item, event_id in zip(new_items, assigned)]
        conn.executemany("UPDATE articles SET event_id = ? WHERE id = ?", rows)
        # Open articles that changed event (before the merges, which move whole events,
        # and before this batch's copies, which read their original's event).
        touched = _apply_moves(store, conn, clusterer.moves)
        retired = _retire_emptied(store, conn, clusterer, now)
        for gone, keep in clusterer.merges:
            conn.execute("UPDATE articles SET event_id = ? WHERE event_id = ?", (keep, gone))
            retire_event_row(conn, gone, now)
            report.merged.append((gone, keep))
        # A copy joins the event of its original (which may have arrived in this batch).
        for article_id, original in copies:
            conn.execute(
                "UPDATE articles SET event_id = (SELECT event_id FROM articles WHERE id = ?) "
                "WHERE id = ?", (original, article_id))
        touched |= {keep for _, keep in clusterer.merges}
        # The batch's rows are those numbered from its first insert on (one range read).
        events_now = dict(conn.execute(
            "SELECT id, event_id FROM articles WHERE seq >= ?", (first_seq,))) \
            if first_seq is not None else {}
        for article_id in inserted:
            event_id = events_now[article_id]
            report.added.append((article_id, event_id))
            touched.add(event_id)
        gone_ids = {gone for gone, _ in clusterer.merges}
        touched -= gone_ids | retired
        _respan(store, conn, clusterer)
        clusterer.flush()
        for event_id in sorted(touched, key=clusterer._id_number):
            update_event_row(conn, event_id, now)
            index_event(conn, event_id, None)
    clusterer.committed()
    report.events_updated |= touched


def _apply_moves(store: Store, conn: sqlite3.Connection,
                 moves: list[tuple[str, str, str]]) -> set[str]:
    """Move re-decided open articles, with the copies that follow them, to their new
    events; returns the events left and joined (their rows and briefs are refreshed)."""
    touched: set[str] = set()
    for article_id, old, new in moves:
        conn.execute("UPDATE articles SET event_id = ? WHERE id = ?", (new, article_id))
        store._moved[article_id] = new
        # A copy close in time joined its original's event when it arrived (one re-run
        # weeks later was clustered on its own: it is open itself, or final).
        for copy_id, published in conn.execute(
                "SELECT id, published FROM articles WHERE duplicate_of = ? AND event_id = ?",
                (article_id, old)).fetchall():
            if store._near_in_time(article_id, published):
                conn.execute("UPDATE articles SET event_id = ? WHERE id = ?", (new, copy_id))
                store._moved[copy_id] = new
        touched.update((old, new))
    return touched


def _retire_emptied(store: Store, conn: sqlite3.Connection, clusterer: StoreClusterer,
                    now: str) -> set[str]:
    """Retire the events whose open articles all moved away, as merged events are: no
    articles, no search row, and ``merged_into`` the event that took most of them (so
    links to the old id lead on). Returns their ids."""
    retired: set[str] = set()
    for event_id in clusterer.emptied:
        taken = Counter(new for _, old, new in clusterer.moves if old == event_id)
        target = min(taken, key=lambda e: (-taken[e], clusterer._id_number(e)))
        clusterer.event(event_id).merged_into = target
        clusterer.dirty_events.add(event_id)
        retire_event_row(conn, event_id, now)
        store._retired[event_id] = target
        retired.add(event_id)
    return retired


def _respan(store: Store, conn: sqlite3.Connection, clusterer: StoreClusterer) -> None:
    """Give the live events that this batch's moves left or joined the time span of the
    members they have now (after the batch's moves, merges and copies): taking an open
    article's vector out of an event cannot narrow its span (see
    :mod:`newsbrief.store.reopen`). One indexed query per such event."""
    live: set[str] = set()
    for _, old, new in clusterer.moves:
        for event_id in (old, new):
            event = clusterer.event(event_id)
            while event.merged_into is not None:  # merged or retired: its heir
                event = clusterer.event(event.merged_into)
            live.add(event.id)
    for event_id in sorted(live, key=clusterer._id_number):
        event = clusterer.event(event_id)
        event.first_day, event.last_day = clustered_span(
            conn, event_id, store.cluster_config.max_gap_days)
        clusterer.dirty_events.add(event_id)  # written by the flush that follows
