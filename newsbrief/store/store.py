"""The SQLite store: articles, sentences, near-duplicate links, events and versioned briefs.

Writing goes through :meth:`Store.add_articles`, in transactions of ``batch_size`` articles:
each batch is cleaned and split as :func:`newsbrief.pipeline.prepare_articles` does, signed
(:mod:`newsbrief.store.rows`), linked to earlier copies by MinHash LSH
(:mod:`newsbrief.store.neardup`), assigned to events by the incremental clusterer
(:mod:`newsbrief.store.clustering`; recent articles it decides again may move to another
event, with the copies that follow them, and an event they leave empty is retired like a
merged one; the events they left and joined get the time span of their members now) and
committed as a whole. With worker processes the
batches are pipelined: the workers prepare the next batch while this process writes the
current one, so the writes stay in input order. Events that gained articles are marked stale
in the same transaction; their briefs are rebuilt from the stored documents
(:func:`newsbrief.pipeline.brief_documents`) after the batch or at the end of the run, each
rebuild a new version. A run killed at any point leaves the committed batches and the stale
marks; running it again skips what is stored and finishes the rest.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from newsbrief.cluster import ClusterConfig
from newsbrief.config import BriefConfig
from newsbrief.errors import InputError, NotFound, StoreError
from newsbrief.models import Article, Brief, Document, Problem
from newsbrief.pipeline import brief_documents
from newsbrief.store.changes import BriefChanges, brief_changes
from newsbrief.store.clustering import StoreClusterer
from newsbrief.store.db import connect, default_db_path, select_in
from newsbrief.store.models import EventSummary, IngestReport, StoredArticle
from newsbrief.store.neardup import (
    SIGNATURE_SCHEME,
    band_keys,
    find_original,
    signature_bytes,
    upgrade_signatures,
)
from newsbrief.store.reopen import clustered_span, near_in_time, rebuild_open_articles
from newsbrief.store.rows import (
    DUPLICATE_THRESHOLD,
    PreparedArticle,
    pack_document,
    pack_raw,
    prepare_article,
    unpack_raw,
    unpack_sentences,
)
from newsbrief.store.urls import canonical_url, content_hash

__all__ = ["Store"]

Progress = Callable[[int], None]
# A batch read from the input: its fresh articles (article, content hash, canonical URL) and
# their prepared rows, still being computed by the worker processes (an iterator) or not yet.
_Job = tuple[list[tuple[Article, str, str | None]], Iterator[PreparedArticle | None] | None]
# Batches the workers prepare while this process writes an earlier one: with one, they idled
# whenever they finished it first (1.55 of 2 cores busy at 100,000 articles).
PIPELINE = 2
WORKER_NICENESS = 10
_EVENT_COLUMNS = (
    "id, headline, first_published, last_published, article_count, outlet_count, updated_at"
)
_ARTICLE_COLUMNS = (
    "id, title, outlet, published, url, path, language, author, raw_text, text, "
    "content_hash, duplicate_of, event_id, added_at, sentences"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """An open newsbrief database. Safe from one thread at a time (calls are serialised).

    ``path``: the SQLite file (default :func:`default_db_path`); ``config``: how briefs are
    made; ``readonly``: open for reading only (no migration, no writes); ``cluster_config``:
    how events are formed; ``batch_size``: articles per transaction and clustering batch
    (default the clusterer's); ``workers``: processes that clean and sign articles in
    parallel (same results for any count); ``brief_articles``: the most articles one brief
    is built from (the first quarter and the latest rest of a longer event).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        config: BriefConfig | None = None,
        readonly: bool = False,
        cluster_config: ClusterConfig | None = None,
        batch_size: int | None = None,
        migrate_to: int | None = None,
        workers: int = 1,
        brief_articles: int = 200,
    ) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.config = config or BriefConfig()
        self.cluster_config = cluster_config or ClusterConfig()
        self.readonly = readonly
        # One transaction per clustering batch: the clusterer decides a batch at a time.
        self.batch_size = max(1, batch_size or self.cluster_config.batch_size)
        self.brief_articles = max(4, brief_articles)
        self._lock = threading.RLock()
        self.conn = connect(self.path, readonly=readonly, migrate_to=migrate_to)
        if not readonly and (migrate_to is None or migrate_to >= 4):
            # A database written with an older MinHash scheme is re-signed once (resumable).
            try:
                upgrade_signatures(self.conn, DUPLICATE_THRESHOLD)
            except sqlite3.Error as exc:
                self.conn.close()
                raise StoreError(f"{self.path}: cannot upgrade signatures: {exc}") from exc
        if not readonly and (migrate_to is None or migrate_to >= 7):
            # Migrated from schema 4: the latest articles become open again (once).
            try:
                rebuild_open_articles(self.conn, self.cluster_config)
            except BaseException as exc:  # rolled back: the next open tries again
                self.conn.close()
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"{self.path}: cannot rebuild open articles: {exc}") from exc
                raise
        self._clusterer: StoreClusterer | None = None
        # During one add_articles call: open articles (and copies) moved to another event,
        # and events emptied by such moves -> the event that took most of their articles;
        # the report's ids are resolved through them (only committed batches are recorded).
        self._moved: dict[str, str] = {}
        self._retired: dict[str, str] = {}
        self._data_version: int | None = None  # PRAGMA data_version seen by the last write
        # Worker processes for cleaning and signing (the results are the same with any count).
        self.workers = max(1, workers)
        self._pool: Any = None
        if self.workers > 1 and not readonly:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(self.workers, initializer=_yield_to_writer)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None
            self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        try:
            self.conn.execute("BEGIN IMMEDIATE")  # waits up to busy_timeout for other writers
            # Another process may have committed since our last batch (two ingests, watch and
            # ingest): the clusterer's in-memory state is then stale and must be re-read.
            version = self.conn.execute("PRAGMA data_version").fetchone()[0]
            if self._clusterer is not None and version != self._data_version:
                self._clusterer.reload()
            self._data_version = version
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            # SQLite has already rolled back after some errors (SQLITE_FULL, SQLITE_IOERR).
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            if self._clusterer is not None:
                self._clusterer.reload()
            if isinstance(exc, sqlite3.Error):
                # "database or disk is full", "attempt to write a readonly database", "database
                # is locked" after busy_timeout: one clear line; committed batches are kept.
                raise StoreError(f"{self.path}: cannot write: {exc}") from exc
            raise

    @property
    def clusterer(self) -> StoreClusterer:
        if self._clusterer is None:
            self._clusterer = StoreClusterer(self.conn, self.cluster_config)
        return self._clusterer

    # ------------------------------------------------------------------ writing
    def has_url(self, url: str) -> bool:
        """Whether an article with this URL (after canonicalisation) is stored."""
        key = canonical_url(url)
        with self._lock:
            return key is not None and self.conn.execute(
                "SELECT 1 FROM articles WHERE canonical_url = ?", (key,)
            ).fetchone() is not None

    def has_content(self, content_hash: str) -> bool:
        """Whether an article with this content hash (:func:`content_hash`) is stored."""
        with self._lock:
            return self.conn.execute(
                "SELECT 1 FROM articles WHERE content_hash = ?", (content_hash,)
            ).fetchone() is not None

    def add_articles(
        self,
        articles: Iterable[Article],
        *,
        progress: Progress | None = None,
        refresh: str = "batch",
    ) -> IngestReport:
        """Store new articles, link copies, assign events, refresh briefs; see module doc.

        ``refresh``: ``"batch"`` rebuilds touched briefs after each committed batch, ``"end"``
        once at the end of the call, ``"none"`` leaves them stale for :meth:`refresh_briefs`.
        """
        if refresh not in ("batch", "end", "none"):
            raise ValueError(f"refresh must be batch, end or none, not {refresh!r}")
        report = IngestReport()
        with self._lock:
            self._moved, self._retired = {}, {}
            # With worker processes, pipelined: the workers prepare the next batches while
            # this process writes the oldest one, so batch N is committed once batch
            # N + PIPELINE has been read.
            stored: set[str] = set()  # content hashes and URLs this call has stored
            pending: deque[_Job] = deque()

            def write_until(left: int) -> None:
                while len(pending) > left:
                    self._add_batch(pending.popleft(), report, progress, stored)
                    if refresh == "batch":
                        report.briefs_refreshed += self.refresh_briefs()

            batch: list[Article] = []
            iterator = iter(articles)
            while True:
                try:
                    article = next(iterator)
                except StopIteration:
                    break
                except BaseException:
                    # The input failed: keep what was read before, as without pipelining.
                    write_until(0)
                    raise
                batch.append(article)
                if len(batch) >= self.batch_size:
                    pending.append(self._start_batch(batch, report, progress))
                    batch = []
                    # Nothing runs in the background without workers: write it now.
                    write_until(PIPELINE if pending[-1][1] is not None else 0)
            if batch:
                pending.append(self._start_batch(batch, report, progress))
            write_until(0)
            if refresh != "none":
                report.briefs_refreshed += self.refresh_briefs()
            _resolve_merges(report, self._moved, self._retired)
        return report

    def import_events(self, events: Iterable[Any], *, progress: Progress | None = None) -> IngestReport:
        """Store precomputed events (:class:`newsbrief.store.imports.ImportedEvent`, e.g. a
        Spark run's) with their articles and briefs as given; see :mod:`newsbrief.store.imports`."""
        from newsbrief.store.imports import import_events

        with self._lock:
            return import_events(self, events, progress=progress)

    def _start_batch(self, batch: list[Article], report: IngestReport,
                     progress: Progress | None) -> _Job:
        """Skip what is stored (by content hash or canonical URL) before the costly cleaning,
        and hand the rest to the worker processes (if any) to prepare in the background."""
        fresh: list[tuple[Article, str, str | None]] = []
        seen_hash: set[str] = set()
        seen_url: set[str] = set()
        keyed = [(article, content_hash(article),
                  canonical_url(article.url) if article.url else None) for article in batch]
        # One query per key for the whole batch instead of two per article.
        known_hash = self._known("content_hash", [digest for _, digest, _ in keyed])
        known_url = self._known("canonical_url", [url for _, _, url in keyed if url])
        for article, digest, url in keyed:
            if digest in seen_hash or digest in known_hash:
                report.skipped.append((article.id, "already stored (same content)"))
            elif url and (url in seen_url or url in known_url):
                report.skipped.append((article.id, "already stored (same URL)"))
            else:
                seen_hash.add(digest)
                if url:
                    seen_url.add(url)
                fresh.append((article, digest, url))
                continue
            if progress:
                progress(1)
        if self._pool is None or len(fresh) < 2:
            return fresh, None
        # The pure per-article work (cleaning, MinHash, features) runs in worker processes;
        # everything that reads or writes the store stays here, in input order.
        articles = [article for article, _, _ in fresh]
        chunk = max(1, len(articles) // (4 * self.workers))
        return fresh, self._pool.map(prepare_article, articles,
                                     [self.cluster_config] * len(articles), chunksize=chunk)

    def _add_batch(self, job: _Job, report: IngestReport, progress: Progress | None,
                   stored: set[str]) -> None:
        fresh, results = job
        if not fresh:
            return
        clusterer = self.clusterer
        if results is None:
            prepared_all = [prepare_article(article, self.cluster_config) for article, _, _ in fresh]
        else:
            prepared_all = list(results)
        with self._transaction() as conn:
            now = _now()
            clusterer.now = now
            new_items: list[tuple[str, Any, str | None]] = []
            copies: list[tuple[str, str]] = []
            inserted: list[str] = []
            first_seq: int | None = None
            # The batch's keys are distinct (_start_batch), so what is stored now, under the
            # write lock, is all that can collide: one query each instead of two per article.
            known_hash = self._known("content_hash", [digest for _, digest, _ in fresh])
            known_url = self._known("canonical_url", [url for _, _, url in fresh if url])
            for (article, digest, url), prepared in zip(fresh, prepared_all):
                if prepared is None:
                    report.problems.append(Problem(
                        article.path or article.id,
                        f"article {article.id}: no text left after cleaning"))
                elif digest in known_hash:
                    # Stored since the check above: by the batch before (this call, prepared
                    # meanwhile) or by another process (now under the write lock).
                    reason = "same content" if digest in stored else "concurrent ingest"
                    report.skipped.append((article.id, f"already stored ({reason})"))
                elif url and url in known_url:
                    reason = "same URL" if url in stored else "concurrent ingest"
                    report.skipped.append((article.id, f"already stored ({reason})"))
                else:
                    article_id, original, seq = self._insert_row(conn, article, prepared,
                                                                 digest, url, now)
                    if first_seq is None:
                        first_seq = seq
                    stored.add(digest)
                    if url:
                        stored.add(url)
                    inserted.append(article_id)
                    if original is not None:
                        report.duplicates.append((article_id, original))
                    if original is not None and self._near_in_time(original, article.published):
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
            touched = self._apply_moves(conn, clusterer.moves)
            retired = self._retire_emptied(conn, clusterer, now)
            for gone, keep in clusterer.merges:
                conn.execute("UPDATE articles SET event_id = ? WHERE event_id = ?", (keep, gone))
                conn.execute("DELETE FROM event_search WHERE rowid = "
                             "(SELECT seq FROM events WHERE id = ?)", (gone,))
                conn.execute("UPDATE events SET brief_stale = 0, article_count = 0, "
                             "outlet_count = 0, updated_at = ? WHERE id = ?", (now, gone))
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
            self._respan(conn, clusterer)
            clusterer.flush()
            for event_id in sorted(touched, key=clusterer._id_number):
                _update_event_row(conn, event_id, now)
                _index_event(conn, event_id, None)
        clusterer.committed()
        report.events_updated |= touched

    def _apply_moves(self, conn: sqlite3.Connection,
                     moves: list[tuple[str, str, str]]) -> set[str]:
        """Move re-decided open articles, with the copies that follow them, to their new
        events; returns the events left and joined (their rows and briefs are refreshed)."""
        touched: set[str] = set()
        for article_id, old, new in moves:
            conn.execute("UPDATE articles SET event_id = ? WHERE id = ?", (new, article_id))
            self._moved[article_id] = new
            # A copy close in time joined its original's event when it arrived (one re-run
            # weeks later was clustered on its own: it is open itself, or final).
            for copy_id, published in conn.execute(
                    "SELECT id, published FROM articles WHERE duplicate_of = ? AND event_id = ?",
                    (article_id, old)).fetchall():
                if self._near_in_time(article_id, published):
                    conn.execute("UPDATE articles SET event_id = ? WHERE id = ?", (new, copy_id))
                    self._moved[copy_id] = new
            touched.update((old, new))
        return touched

    def _retire_emptied(self, conn: sqlite3.Connection, clusterer: StoreClusterer,
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
            conn.execute("DELETE FROM event_search WHERE rowid = "
                         "(SELECT seq FROM events WHERE id = ?)", (event_id,))
            conn.execute("UPDATE events SET brief_stale = 0, article_count = 0, "
                         "outlet_count = 0, updated_at = ? WHERE id = ?", (now, event_id))
            self._retired[event_id] = target
            retired.add(event_id)
        return retired

    def _respan(self, conn: sqlite3.Connection, clusterer: StoreClusterer) -> None:
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
                conn, event_id, self.cluster_config.max_gap_days)
            clusterer.dirty_events.add(event_id)  # written by the flush that follows

    def _near_in_time(self, original: str, published: str | None) -> bool:
        """Whether a copy is close enough in time to its original to share its event."""
        row = self.conn.execute("SELECT published FROM articles WHERE id = ?",
                                (original,)).fetchone()
        return near_in_time(row[0] if row else None, published,
                            self.cluster_config.max_gap_days)

    def _exists(self, column: str, value: str) -> bool:
        return self.conn.execute(
            f"SELECT 1 FROM articles WHERE {column} = ?", (value,)
        ).fetchone() is not None

    def _known(self, column: str, values: list[str]) -> set[str]:
        """Which of ``values`` are stored in the (indexed, unique) ``column`` of articles."""
        return {v for (v,) in select_in(
            self.conn, f"SELECT {column} FROM articles WHERE {column} IN ({{marks}})", values)}

    def _unique_id(self, article_id: str, digest: str) -> str:
        if self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone():
            return f"{article_id}~{digest[:8]}"
        return article_id

    def _insert(self, conn: sqlite3.Connection, document: Document, values: Any, digest: str,
                url: str | None, now: str) -> tuple[str, str | None]:
        """Insert a cleaned document (event not yet known); returns its id and its original,
        if a copy. ``values``: its signature (:func:`newsbrief.store.neardup.signature`)."""
        article = document.article
        prepared = PreparedArticle(
            text=document.text, sentences=pack_document(document),
            removed_lines=json.dumps(list(document.removed_lines)),
            raw=pack_raw(article.text, document.text), values=values,
            keys=band_keys(values, DUPLICATE_THRESHOLD), features=None)
        article_id, original, _ = self._insert_row(conn, article, prepared, digest, url, now)
        return article_id, original

    def _insert_row(self, conn: sqlite3.Connection, article: Article, prepared: PreparedArticle,
                    digest: str, url: str | None, now: str) -> tuple[str, str | None, int]:
        """Insert a prepared article (event not yet known); returns its id, its original and
        its row number (``seq``)."""
        article_id = self._unique_id(article.id, digest)
        original = find_original(conn, prepared.values, prepared.keys, DUPLICATE_THRESHOLD)
        cursor = conn.execute(
            "INSERT INTO articles (id, title, outlet, published, url, canonical_url, path, "
            "language, author, content_hash, duplicate_of, event_id, added_at, sentences, "
            "removed_lines, raw_text, text) VALUES (?,?,?,?,?,?,?,?,?,?,?,NULL,?,?,?,?,?)",
            (article_id, article.title, article.outlet, article.published, article.url, url,
             article.path, article.language, article.author, digest, original, now,
             prepared.sentences, prepared.removed_lines, prepared.raw, prepared.text),
        )
        conn.execute("INSERT INTO minhashes (article_id, signature, scheme) VALUES (?, ?, ?)",
                     (article_id, signature_bytes(prepared.values), SIGNATURE_SCHEME))
        seq = cursor.lastrowid
        if original is None:  # copies are found through their original
            conn.executemany("INSERT OR IGNORE INTO lsh_keys (key, seq) VALUES (?, ?)",
                             [(k, seq) for k in prepared.keys])
        return article_id, original, seq

    # ------------------------------------------------------------------ briefs
    def refresh_briefs(self, event_ids: Iterable[str] | None = None) -> int:
        """Rebuild the briefs of stale events (or of ``event_ids``); returns how many."""
        with self._lock:
            if event_ids is None:
                ids = [r[0] for r in self.conn.execute(
                    "SELECT id FROM events WHERE brief_stale = 1 AND merged_into IS NULL "
                    "ORDER BY seq")]
            else:
                ids = list(event_ids)
            for event_id in ids:
                self._refresh(event_id)
            return len(ids)

    def _refresh(self, event_id: str) -> None:
        stored = self.event_articles(event_id)
        if not stored:
            return
        total = len(stored)
        if total > self.brief_articles:
            # A long-running story: brief its first reports and the latest ones, so the cost
            # of a refresh stays bounded however many articles the event gathers.
            head = self.brief_articles // 4
            stored = stored[:head] + stored[len(stored) - (self.brief_articles - head):]
        documents = [Document(s.article, s.text, s.sentences) for s in stored]
        result = brief_documents(documents, self.config)
        headline = result.headline_text or stored[0].article.title
        titles = " | ".join(dict.fromkeys(s.article.title for s in stored if s.article.title))
        with self._transaction() as conn:
            now = _now()
            version = conn.execute(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM briefs WHERE event_id = ?", (event_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO briefs (event_id, version, created_at, article_count, brief) "
                "VALUES (?,?,?,?,?)",
                (event_id, version, now, total, json.dumps(result.to_dict())),
            )
            conn.execute("UPDATE events SET headline = ?, brief_stale = 0 WHERE id = ?",
                         (headline, event_id))
            _index_event(conn, event_id, headline, titles)

    # ------------------------------------------------------------------ reading
    def _live_id(self, event_id: str) -> str:
        """Follow merges: a merged event's id leads to the event it became part of."""
        for _ in range(64):
            row = self.conn.execute(
                "SELECT merged_into FROM events WHERE id = ?", (event_id,)).fetchone()
            if row is None:
                raise NotFound(f"no event {event_id!r}")
            if row[0] is None:
                return event_id
            event_id = row[0]
        raise StoreError(f"event {event_id!r}: merge chain too long")

    def list_events(
        self, *, since: str | None = None, query: str | None = None, limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[EventSummary], str | None]:
        """Events newest first (by last article time); ``query`` searches headlines and titles.

        Times are compared as instants, not as text (outlets write different UTC offsets):
        ``since`` is an ISO 8601 date or time (naive: UTC; a date: its midnight UTC) and
        keeps the events whose last article is at or after it (an event without a readable
        article time: when it last changed). ``cursor`` is the opaque value returned with
        the previous page. Raises :class:`InputError` for a ``since`` that is not ISO 8601.
        """
        where = ["e.merged_into IS NULL", "e.article_count > 0"]
        params: list[Any] = []
        order = _EVENT_ORDER
        if since:
            where.append(f"{order} >= julianday(?)")
            params.append(_utc_text(since))
        if query:
            match = _fts_query(query)
            if not match:
                return [], None
            where.append("e.seq IN (SELECT rowid FROM event_search WHERE event_search MATCH ?)")
            params.append(match)
        if cursor:
            key, seq = _decode_cursor(cursor)
            where.append(f"({order} < ? OR ({order} = ? AND e.seq < ?))")
            params += [key, key, seq]
        # Without a search, walk events_recent in order; SQLite's planner prefers the
        # merged_into equality of events_order and then sorts every live event.
        table = "events e" if query else "events e INDEXED BY events_recent"
        sql = (f"SELECT {_EVENT_COLUMNS}, {order}, e.seq FROM {table} WHERE "
               + " AND ".join(where) + f" ORDER BY {order} DESC, e.seq DESC LIMIT ?")
        with self._lock:
            rows = self.conn.execute(sql, params + [max(1, limit) + 1]).fetchall()
        items = [EventSummary(*row[:7]) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit and items:
            last = rows[limit - 1]
            next_cursor = _encode_cursor(last[7], last[8])
        return items, next_cursor

    def get_event(self, event_id: str) -> EventSummary:
        """One event (a merged event's id gives the event it joined); raises NotFound."""
        with self._lock:
            live = self._live_id(event_id)
            row = self.conn.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", (live,)).fetchone()
        return EventSummary(*row)

    def brief_versions(self, event_id: str) -> list[tuple[int, str, Brief]]:
        """Every stored version of the event's brief, oldest first: (version, created_at, brief)."""
        with self._lock:
            live = self._live_id(event_id)
            rows = self.conn.execute(
                "SELECT version, created_at, brief FROM briefs WHERE event_id = ? ORDER BY version",
                (live,)).fetchall()
        return [(v, created, Brief.from_dict(json.loads(data))) for v, created, data in rows]

    def get_brief(self, event_id: str, version: int | None = None) -> Brief:
        """The latest (or the given) version of the event's brief; raises NotFound."""
        with self._lock:
            live = self._live_id(event_id)
            if version is None:
                row = self.conn.execute(
                    "SELECT brief FROM briefs WHERE event_id = ? ORDER BY version DESC LIMIT 1",
                    (live,)).fetchone()
            else:
                row = self.conn.execute(
                    "SELECT brief FROM briefs WHERE event_id = ? AND version = ?",
                    (live, version)).fetchone()
        if row is None:
            which = "any brief" if version is None else f"brief version {version}"
            raise NotFound(f"event {event_id!r} has no {which} yet (run: newsbrief ingest)")
        return Brief.from_dict(json.loads(row[0]))

    def brief_changes(self, event_id: str) -> BriefChanges:
        """What the latest version of the brief changed since the one before."""
        versions = self.brief_versions(event_id)
        if not versions:
            raise NotFound(f"event {event_id!r} has no brief yet")
        new_v, _, new = versions[-1]
        if len(versions) == 1:
            return brief_changes(self._live_id(event_id), None, new, None, new_v)
        old_v, _, old = versions[-2]
        return brief_changes(self._live_id(event_id), old, new, old_v, new_v)

    def get_article(self, article_id: str) -> StoredArticle:
        """One stored article with its cleaned text and sentences; raises NotFound."""
        with self._lock:
            row = self.conn.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                raise NotFound(f"no article {article_id!r}")
            return self._stored(row)

    def event_articles(self, event_id: str) -> list[StoredArticle]:
        """The articles of an event in arrival order; raises NotFound for an unknown event."""
        with self._lock:
            live = self._live_id(event_id)
            rows = self.conn.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE event_id = ? ORDER BY seq",
                (live,)).fetchall()
            return [self._stored(row) for row in rows]

    def _stored(self, row: tuple) -> StoredArticle:
        (article_id, title, outlet, published, url, path, language, author, raw, text,
         digest, duplicate_of, event_id, added_at, sentences) = row
        article = Article(article_id, title, unpack_raw(raw, text), outlet, published, url, path,
                          language, author)
        return StoredArticle(article, text, unpack_sentences(article_id, text, sentences),
                             digest, duplicate_of, event_id, added_at)

    def counts(self) -> dict[str, int]:
        """How many articles, events, duplicates, sentences and brief versions are stored."""
        queries = {
            "articles": "SELECT COUNT(*) FROM articles",
            "events": "SELECT COUNT(*) FROM events WHERE merged_into IS NULL AND article_count > 0",
            "merged_events": "SELECT COUNT(*) FROM events WHERE merged_into IS NOT NULL",
            "duplicates": "SELECT COUNT(*) FROM articles WHERE duplicate_of IS NOT NULL",
            "sentences": "SELECT COALESCE(SUM(json_array_length(sentences)), 0) FROM articles",
            "briefs": "SELECT COUNT(*) FROM briefs",
            "stale_briefs": "SELECT COUNT(*) FROM events WHERE brief_stale = 1 "
                            "AND merged_into IS NULL",
        }
        with self._lock:
            return {k: int(self.conn.execute(q).fetchone()[0]) for k, q in queries.items()}


# An ISO 8601 date or date-time starts with YYYY-MM-DD; checked before julianday(), which
# would read a bare number ("2017") as a Julian day number instead of refusing it.
_ISO_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"


def _yield_to_writer() -> None:
    """Lower a worker process's priority below the writing process's.

    The writer is the pipeline's serial part. At equal priority, three busy processes on two
    cores each got two thirds of a core, so the writer ran slower than it could until the
    workers ran out of work and then idled.
    """
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not allowed here: the same results, only slower
        pass


def _instant(column: str) -> str:
    """SQL for the instant of the ISO 8601 time in ``column``, as a Julian day (UTC), or NULL.

    SQLite's date functions read ``YYYY-MM-DD[THH:MM[:SS[.fff]]]`` with an optional ``Z`` or
    ``±HH:MM`` offset and convert it to UTC; naive and date-only values are taken as UTC (as
    :func:`newsbrief.cluster.parse_day` takes them). Anything else (``+0900`` without a colon,
    free text) is NULL: not an instant. Deterministic, so usable in an index expression.
    """
    return f"(CASE WHEN {column} GLOB '{_ISO_GLOB}' THEN julianday({column}) END)"


# The event list's order (newest first): the last article's instant, else the time the event
# last changed, else 0 (never NULL, so a page boundary is one range). Migration
# 0008_event_instants indexes exactly this expression (events_recent); keep them identical.
_EVENT_ORDER = (f"COALESCE({_instant('e.last_published')}, {_instant('e.updated_at')}, 0)")


def _published_edge(last: bool) -> str:
    """SQL for the ``published`` string of the earliest (or latest) instant among the
    articles of event ``:event``. Offsets differ between outlets, so the strings are not
    compared as text: "2017-11-17T10:00:00+09:00" (01:00 UTC) is earlier than
    "2017-11-17T02:00:00Z". Values that are not instants never win over ones that are; when
    none is, the text minimum (maximum) is kept, as before. Ties: text, then arrival."""
    way = " DESC" if last else ""
    instant = _instant("published")
    return (f"(SELECT published FROM articles WHERE event_id = :event AND published IS NOT NULL "
            f"ORDER BY {instant} IS NULL, {instant}{way}, published{way}, seq{way} LIMIT 1)")


def _update_event_row(conn: sqlite3.Connection, event_id: str, now: str) -> None:
    """Recount the event's articles and outlets and set its first and last article time
    (the original strings of its earliest and latest articles, see :func:`_published_edge`)."""
    conn.execute(
        "UPDATE events SET article_count = s.n, outlet_count = s.outlets, "
        f"first_published = {_published_edge(False)}, last_published = {_published_edge(True)}, "
        "updated_at = :now, brief_stale = 1 "
        "FROM (SELECT COUNT(*) AS n, COUNT(DISTINCT outlet) AS outlets FROM articles "
        "WHERE event_id = :event) AS s WHERE events.id = :event",
        {"now": now, "event": event_id},
    )


def _index_event(conn: sqlite3.Connection, event_id: str, headline: str | None,
                 titles: str | None = None) -> None:
    """(Re)write the event's search row; before its first brief, the headline is the title
    (or opening) of its first article, so new events are listed and searchable at once."""
    if headline is None:
        row = conn.execute("SELECT headline FROM events WHERE id = ?", (event_id,)).fetchone()
        headline = row[0] if row else ""
        if not headline:
            first = conn.execute(
                "SELECT title, substr(text, 1, 200) FROM articles WHERE event_id = ? "
                "ORDER BY seq LIMIT 1", (event_id,)).fetchone()
            headline = (first[0] or first[1]) if first else ""
            conn.execute("UPDATE events SET headline = ? WHERE id = ?", (headline, event_id))
    if titles is None:
        titles = " | ".join(t for (t,) in conn.execute(
            "SELECT DISTINCT title FROM articles WHERE event_id = ? AND title != '' LIMIT 200",
            (event_id,)))
    # The search row's rowid is the event's seq, so replacing it is an indexed delete.
    conn.execute("DELETE FROM event_search WHERE rowid = (SELECT seq FROM events WHERE id = ?)",
                 (event_id,))
    conn.execute("INSERT INTO event_search (rowid, event_id, headline, titles) "
                 "SELECT seq, id, ?, ? FROM events WHERE id = ?", (headline, titles, event_id))


def _resolve_merges(report: IngestReport, moved: dict[str, str] | None = None,
                    retired: dict[str, str] | None = None) -> None:
    """Point the report at surviving events when events were merged during the run, open
    articles ``moved`` (article -> event) and events ``retired`` (emptied by moves)."""
    target = dict(report.merged)
    moved = moved or {}
    gone = set(retired or ())

    def live(event_id: str) -> str:
        while event_id in target:
            event_id = target[event_id]
        return event_id

    report.added = [(a, live(moved.get(a, e))) for a, e in report.added]
    report.events_created = {live(e) for e in report.events_created} - gone
    report.events_updated = ({live(e) for e in report.events_updated} - gone
                             - report.events_created)


def _fts_query(text: str) -> str:
    """User words as FTS5 string literals (AND of prefixes), so no FTS syntax leaks through."""
    import re

    words = re.findall(r"\w+", text, re.UNICODE)
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words[:16])


def _utc_text(value: str) -> str:
    """An ISO 8601 date or time as ``YYYY-MM-DD HH:MM:SS.fff`` in UTC (naive: taken as UTC),
    for SQLite's julianday(), so a bound and the stored times are converted the same way."""
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise InputError(f"since {value[:40]!r}: not an ISO 8601 date or time "
                         "(e.g. 2017-11-16 or 2017-11-16T08:00:00+01:00)") from None
    return moment.isoformat(sep=" ", timespec="milliseconds")


def _encode_cursor(key: float, seq: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([key, seq]).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key, seq = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(key, bool) or not isinstance(key, int | float):
            # A key is the instant of _EVENT_ORDER; a text one is from before migration 0008.
            raise TypeError("cursor key is not a number")
        return float(key), int(seq)
    except (ValueError, TypeError) as exc:
        raise StoreError(f"invalid cursor {cursor!r}") from exc
