"""The SQLite store: articles, sentences, near-duplicate links, events and versioned briefs.

Writing goes through :meth:`Store.add_articles`, in transactions of ``batch_size`` articles
(:mod:`newsbrief.store.batch`): each batch is cleaned and split as
:func:`newsbrief.pipeline.prepare_articles` does, signed (:mod:`newsbrief.store.rows`),
linked to earlier copies by MinHash LSH (:mod:`newsbrief.store.neardup`), assigned to events
by the incremental clusterer (:mod:`newsbrief.store.clustering`; recent articles it decides
again may move to another event, with the copies that follow them, and an event they leave
empty is retired like a merged one; the events they left and joined get the time span of
their members now) and committed as a whole. With worker processes the batches are
pipelined: the workers prepare the next two batches, at a lower priority, while this process
writes the oldest one, so the writes stay in input order. Events that gained articles are
marked stale in the same transaction; their briefs are rebuilt from the stored documents
(:func:`newsbrief.pipeline.brief_documents`) after the batch or at the end of the run, each
rebuild a new version. A run killed at any point leaves the committed batches and the stale
marks; running it again skips what is stored and finishes the rest.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from newsbrief.cluster import ClusterConfig
from newsbrief.config import BriefConfig
from newsbrief.errors import InputError, NoBriefYet, NotFound, StoreError, UnknownEvent
from newsbrief.models import Article, Brief, Document, Problem
from newsbrief.pipeline import brief_documents
from newsbrief.store.batch import Job, Progress, write_batch
from newsbrief.store.briefcache import brief_reusing, known_rows, save_rows
from newsbrief.store.changes import BriefChanges, brief_changes
from newsbrief.store.clustering import StoreClusterer, stored_min_similarity
from newsbrief.store.db import connect, default_db_path, now_text, select_in
from newsbrief.store.events import (
    EVENT_COLUMNS,
    fallback_headline,
    index_event,
    list_events,
    rebuild_search_rows,
)
from newsbrief.store.models import EventSummary, IngestReport, StoredArticle
from newsbrief.store.neardup import (
    SIGNATURE_SCHEME,
    band_keys,
    find_original,
    signature_bytes,
    upgrade_signatures,
)
from newsbrief.store.reopen import near_in_time, rebuild_open_articles
from newsbrief.store.rows import (
    DUPLICATE_THRESHOLD,
    PreparedArticle,
    pack_brief,
    pack_brief_json,
    pack_document,
    pack_raw,
    prepare_or_problem,
    unpack_brief,
    unpack_raw,
    unpack_sentences,
)
from newsbrief.store.urls import already_stored, canonical_url, content_hash

__all__ = ["Store"]

# Batches the workers prepare while this process writes an earlier one: with one, they idled
# whenever they finished it first (1.55 of 2 cores busy at 100,000 articles).
PIPELINE = 2
WORKER_NICENESS = 10
PARENT_CHECK_SECONDS = 0.5
_ARTICLE_COLUMNS = (
    "id, title, outlet, published, url, path, language, author, raw_text, text, "
    "content_hash, duplicate_of, event_id, added_at, sentences"
)


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
        self.readonly = readonly
        self.brief_articles = max(4, brief_articles)
        self._lock = threading.RLock()
        self.conn = connect(self.path, readonly=readonly, migrate_to=migrate_to)
        try:
            self.cluster_config = self._settled(cluster_config)
        except BaseException:
            self.conn.close()
            raise
        # One transaction per clustering batch: the clusterer decides a batch at a time.
        self.batch_size = max(1, batch_size or self.cluster_config.batch_size)
        if not readonly:
            # Data an older version wrote that SQL alone cannot convert, marked by a
            # migration and converted here once: signatures of an older MinHash scheme
            # re-signed (resumable), the latest articles of a schema-4 database open again,
            # search rows written before migration 0011 respaced. A failed step is rolled
            # back, and the next open tries it again.
            for since, what, upgrade in (
                (4, "upgrade signatures",
                 lambda: upgrade_signatures(self.conn, DUPLICATE_THRESHOLD)),
                (7, "rebuild open articles",
                 lambda: rebuild_open_articles(self.conn, self.cluster_config)),
                (11, "rebuild search rows", lambda: rebuild_search_rows(self.conn)),
            ):
                if migrate_to is not None and migrate_to < since:
                    continue
                try:
                    upgrade()
                except BaseException as exc:
                    self.conn.close()
                    if isinstance(exc, sqlite3.Error):
                        raise StoreError(f"{self.path}: cannot {what}: {exc}") from exc
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

            self._pool = ProcessPoolExecutor(self.workers, initializer=_start_worker)

    def _settled(self, asked: ClusterConfig | None) -> ClusterConfig:
        """The clustering settings: ``asked``, with the floor under every join
        (``min_similarity``) that this database was clustered with, so that every run on it
        (a resumed ingest, the feed watcher) decides alike. A floor asked for that differs
        from the stored one is refused."""
        config = asked or ClusterConfig()
        stored = None if self.readonly else stored_min_similarity(self.conn)
        if stored is None:
            return config
        if asked is not None and asked.min_similarity != stored:
            raise InputError(
                f"{self.path}: this database clusters with a minimum similarity of {stored:g}; "
                f"{asked.min_similarity:g} would decide its next articles differently from "
                "the ones stored (use the same value, or another database)"
            )
        return config.with_(min_similarity=stored)

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

    def has_content(self, content_hash: str, outlet: str | None = None) -> bool:
        """Whether an article with this content hash (:func:`content_hash`) from ``outlet``
        counts as stored (:func:`newsbrief.store.urls.already_stored`): with no outlet, any
        article of that content; with one, an article of that content from that outlet."""
        with self._lock:
            outlets = self._hash_outlets([content_hash]).get(content_hash, [])
        return already_stored(outlet, outlets, False) is not None

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
            pending: deque[Job] = deque()

            def write_until(left: int) -> None:
                while len(pending) > left:
                    write_batch(self, pending.popleft(), report, progress, stored)
                    if refresh == "batch":
                        report.briefs_refreshed += self.refresh_briefs(problems=report.problems)

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
                report.briefs_refreshed += self.refresh_briefs(problems=report.problems)
            report.follow(self._moved, self._retired)
        return report

    def import_events(self, events: Iterable[Any], *, progress: Progress | None = None) -> IngestReport:
        """Store precomputed events (:class:`newsbrief.store.imports.ImportedEvent`, e.g. a
        Spark run's) with their articles and briefs as given; see :mod:`newsbrief.store.imports`."""
        from newsbrief.store.imports import import_events

        with self._lock:
            return import_events(self, events, progress=progress)

    def _start_batch(self, batch: list[Article], report: IngestReport,
                     progress: Progress | None) -> Job:
        """Skip what is stored (canonical URL, or content hash unless provably from another
        outlet: :func:`newsbrief.store.urls.already_stored`) before the costly cleaning, and
        hand the rest to the worker processes (if any) to prepare in the background."""
        fresh: list[tuple[Article, str, str | None]] = []
        seen_hash: dict[str, list[str | None]] = {}  # content hash -> outlets in this batch
        seen_url: set[str] = set()
        keyed = [(article, content_hash(article),
                  canonical_url(article.url) if article.url else None) for article in batch]
        # One query per key for the whole batch instead of two per article.
        known_hash = self._hash_outlets([digest for _, digest, _ in keyed])
        known_url = self._known("canonical_url", [url for _, _, url in keyed if url])
        for article, digest, url in keyed:
            # The batch's own articles count as stored before it (the same rule between them).
            reason = already_stored(
                article.outlet, known_hash.get(digest, []) + seen_hash.get(digest, []),
                bool(url) and (url in seen_url or url in known_url))
            if reason is not None:
                report.skipped.append((article.id, reason))
            else:
                seen_hash.setdefault(digest, []).append(article.outlet)
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
        return fresh, self._pool.map(prepare_or_problem, articles,
                                     [self.cluster_config] * len(articles), chunksize=chunk)

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
        """Which of ``values`` are stored in the (indexed) ``column`` of articles."""
        return {v for (v,) in select_in(
            self.conn, f"SELECT {column} FROM articles WHERE {column} IN ({{marks}})", values)}

    def _hash_outlets(self, digests: list[str]) -> dict[str, list[str | None]]:
        """The outlets of the stored articles with each of these content hashes (a hash
        not stored is absent): what :func:`newsbrief.store.urls.already_stored` decides on."""
        found: dict[str, list[str | None]] = {}
        for digest, outlet in select_in(
                self.conn, "SELECT content_hash, outlet FROM articles "
                           "WHERE content_hash IN ({marks})", list(dict.fromkeys(digests))):
            found.setdefault(digest, []).append(outlet)
        return found

    def _exact_original(self, conn: sqlite3.Connection, digest: str) -> str | None:
        """The original of the copy group of the first stored article with this content
        (itself, unless it is a copy): where a word-for-word copy from another outlet is
        linked, whatever its title (the MinHash signature also reads the title)."""
        row = conn.execute("SELECT COALESCE(duplicate_of, id) FROM articles "
                           "WHERE content_hash = ? ORDER BY seq LIMIT 1", (digest,)).fetchone()
        return row[0] if row else None

    def _unique_id(self, article_id: str, digest: str) -> str:
        """The article's own id, or ``id~`` and 8 characters of its content hash when another
        article holds the id; a further ``~2``, ``~3``... when that name is taken too (an id
        can be anything a record says, "x~1a2b3c4d" included)."""
        candidate, n = article_id, 1
        while self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (candidate,)).fetchone():
            candidate = f"{article_id}~{digest[:8]}" + (f"~{n}" if n > 1 else "")
            n += 1
        return candidate

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
        original = self._exact_original(conn, digest) or find_original(
            conn, prepared.values, prepared.keys, DUPLICATE_THRESHOLD)
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
    def refresh_briefs(self, event_ids: Iterable[str] | None = None, *,
                       progress: Progress | None = None,
                       problems: list[Problem] | None = None) -> int:
        """Rebuild the briefs of stale events (or of ``event_ids``; a merged event's id
        stands for the event it joined); returns how many were saved.

        With worker processes the briefs are made there, a few events ahead of the one being
        saved, and saved in the same order, each in its own transaction. An event whose
        brief cannot be made (an error on its articles) stays stale and the others go on, so
        it cannot block every later refresh: it is added to ``problems``, or without that
        list raised as a :class:`StoreError` once the rest are saved. An event another
        writer changed meanwhile stays stale too, for the next refresh. The entity model's
        output is kept per text it read (:mod:`newsbrief.store.briefcache`), so a refresh of
        a grown event has it read only the new texts; the briefs are the same.
        """
        with self._lock:
            if event_ids is None:
                ids = [r[0] for r in self.conn.execute(
                    "SELECT id FROM events WHERE brief_stale = 1 AND merged_into IS NULL "
                    "ORDER BY seq")]
            else:
                ids = list(dict.fromkeys(self._live_id(e) for e in event_ids))
            failed: list[Problem] = []
            saved = 0
            for event_id, stored, members, made in self._made_briefs(ids):
                if isinstance(made, Exception):
                    failed.append(Problem(event_id, f"event {event_id}: brief cannot be made "
                                                    f"({type(made).__name__}: {made})"))
                elif stored and made is not None:
                    saved += self._save_brief(event_id, stored, members, *made)
                if progress:
                    progress(1)
            if failed:
                if problems is None:
                    raise StoreError("; ".join(p.reason for p in failed))
                problems.extend(failed)
            return saved

    def _made_briefs(self, ids: list[str]) -> Iterator[tuple[
            str, list[StoredArticle], frozenset[str],
            tuple[Brief, list[tuple[int, bytes]]] | Exception | None]]:
        """``(event id, articles briefed, ids of all its articles, (brief, new model
        output entries))`` for each of ``ids``, in order (no articles: empty, and no brief;
        the exception instead when making it failed). The entity model's output stored for
        the event's texts (:mod:`newsbrief.store.briefcache`) is read here and passed in,
        so the model reads only the texts it has not read before."""
        if self._pool is None or len(ids) < 2:
            for event_id in ids:
                stored, members = self._brief_input(event_id)
                documents = _documents(stored)
                made = _made(brief_reusing, documents, self.config,
                             *known_rows(self.conn, documents, self.config),
                             brief_documents) if stored else None
                yield event_id, stored, members, made
            return
        # A worker runs the entity model itself rather than starting a model process of its own.
        config = self.config.with_(ner_process=False)
        ahead: deque[tuple[str, list[StoredArticle], frozenset[str], Any]] = deque()
        for event_id in ids:
            stored, members = self._brief_input(event_id)
            documents = _documents(stored)
            ahead.append((event_id, stored, members, self._pool.submit(
                brief_reusing, documents, config, *known_rows(self.conn, documents, config),
                brief_documents) if stored else None))
            if len(ahead) > 2 * self.workers:
                event_id, stored, members, future = ahead.popleft()
                yield event_id, stored, members, _made(future.result) if future else None
        for event_id, stored, members, future in ahead:
            yield event_id, stored, members, _made(future.result) if future else None

    def _brief_input(self, event_id: str) -> tuple[list[StoredArticle], frozenset[str]]:
        """The articles an event's brief is made from, and the ids of all its articles."""
        stored = self.event_articles(event_id)
        members = frozenset(s.article.id for s in stored)
        if len(stored) > self.brief_articles:
            # A long-running story: brief its first reports and the latest ones, so the cost
            # of a refresh stays bounded however many articles the event gathers.
            head = self.brief_articles // 4
            stored = stored[:head] + stored[len(stored) - (self.brief_articles - head):]
        return stored, members

    def _save_brief(self, event_id: str, stored: list[StoredArticle], members: frozenset[str],
                    result: Brief, parsed: Iterable[tuple[int, bytes]] = ()) -> bool:
        """Save a new version of the event's brief, unless the event has changed since its
        articles were read (then it stays stale); returns whether it was saved (an event not
        stale that is briefed the same as its latest version counts as saved, and keeps it).
        ``parsed``: the entity model's new output entries, saved in the same transaction
        (even when the brief is not: they depend only on their texts)."""
        headline = result.headline_text or fallback_headline(stored[0].article.title,
                                                             stored[0].text)
        titles = " | ".join(dict.fromkeys(s.article.title for s in stored if s.article.title))
        with self._transaction() as conn:
            save_rows(conn, parsed)
            # Another writer (watch beside ingest) may have committed a batch that changed the
            # event while its brief was made: marked up to date, the brief would never show
            # that change.
            now_members = {r[0] for r in conn.execute(
                "SELECT id FROM articles WHERE event_id = ?", (event_id,))}
            if now_members != members:
                return False
            data = pack_brief(result)
            # An event not stale, rebuilt to the same brief (a refresh asked for by id, as the
            # watcher does): no new version, so --changes keeps comparing two that differ.
            # A stale one always gets one, made after its change (docs/events.md).
            latest = conn.execute(
                "SELECT b.brief FROM events e JOIN briefs b ON b.event_id = e.id WHERE e.id = ? "
                "AND e.brief_stale = 0 ORDER BY b.version DESC LIMIT 1", (event_id,)).fetchone()
            if latest is None or data != (latest[0] if isinstance(latest[0], bytes)
                                          else pack_brief_json(latest[0])):
                version = conn.execute(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM briefs WHERE event_id = ?",
                    (event_id,)).fetchone()[0]
                conn.execute(
                    "INSERT INTO briefs (event_id, version, created_at, article_count, brief) "
                    "VALUES (?,?,?,?,?)",
                    (event_id, version, now_text(), len(members), data),
                )
            conn.execute("UPDATE events SET headline = ?, brief_stale = 0 WHERE id = ?",
                         (headline, event_id))
            index_event(conn, event_id, headline, titles)
        return True

    # ------------------------------------------------------------------ reading
    def _live_id(self, event_id: str) -> str:
        """Follow merges: a merged event's id leads to the event it became part of."""
        for _ in range(64):
            row = self.conn.execute(
                "SELECT merged_into FROM events WHERE id = ?", (event_id,)).fetchone()
            if row is None:
                raise UnknownEvent(f"no event {event_id!r}")
            if row[0] is None:
                return event_id
            event_id = row[0]
        raise StoreError(f"event {event_id!r}: merge chain too long")

    def _known_id(self, event_id: str) -> str:
        """``event_id`` itself, merged or not; raises :class:`UnknownEvent` for one never had."""
        if self.conn.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone() is None:
            raise UnknownEvent(f"no event {event_id!r}")
        return event_id

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
        with self._lock:
            return list_events(self.conn, since=since, query=query, limit=limit, cursor=cursor)

    def get_event(self, event_id: str) -> EventSummary:
        """One event (a merged event's id gives the event it joined); raises NotFound."""
        with self._lock:
            live = self._live_id(event_id)
            row = self.conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE id = ?", (live,)).fetchone()
        return EventSummary(*row)

    def brief_versions(self, event_id: str, *, own: bool = False) -> list[tuple[int, str, Brief]]:
        """Every stored version of the event's brief, oldest first: (version, created_at, brief).

        A merged event's id gives the versions of the event it joined; with ``own``, the
        versions it had itself before it was merged (or emptied by moves), which are kept
        under its id (none when it merged before its first brief).
        """
        with self._lock:
            target = self._known_id(event_id) if own else self._live_id(event_id)
            rows = self.conn.execute(
                "SELECT version, created_at, brief FROM briefs WHERE event_id = ? ORDER BY version",
                (target,)).fetchall()
        return [(v, created, unpack_brief(data)) for v, created, data in rows]

    def get_brief(self, event_id: str, version: int | None = None, *,
                  own: bool = False) -> Brief:
        """The latest (or the given) version of the event's brief; raises NotFound. A merged
        event's id gives the brief of the event it joined; with ``own``, its own (see
        :meth:`brief_versions`)."""
        with self._lock:
            target = self._known_id(event_id) if own else self._live_id(event_id)
            if version is None:
                row = self.conn.execute(
                    "SELECT brief FROM briefs WHERE event_id = ? ORDER BY version DESC LIMIT 1",
                    (target,)).fetchone()
            else:
                row = self.conn.execute(
                    "SELECT brief FROM briefs WHERE event_id = ? AND version = ?",
                    (target, version)).fetchone()
        if row is None:
            if version is not None:
                raise NotFound(f"event {event_id!r} has no brief version {version}")
            raise NoBriefYet(f"event {event_id!r} has no brief yet")
        return unpack_brief(row[0])

    def brief_changes(self, event_id: str) -> BriefChanges:
        """What the latest version of the brief changed since the one before."""
        versions = self.brief_versions(event_id)
        if not versions:
            raise NoBriefYet(f"event {event_id!r} has no brief yet")
        new_v, _, new = versions[-1]
        live = self._live_id(event_id)
        with self._lock:  # the brief of a long story lists only part of its articles
            members = dict(self.conn.execute(
                "SELECT id, outlet FROM articles WHERE event_id = ?", (live,)).fetchall())
            stale = bool(self.conn.execute(
                "SELECT brief_stale FROM events WHERE id = ?", (live,)).fetchone()[0])
        if len(versions) == 1:
            return brief_changes(live, None, new, None, new_v, stale=stale)
        old_v, _, old = versions[-2]
        return brief_changes(live, old, new, old_v, new_v, members, stale=stale)

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


def _made(make: Any, *args: Any) -> Any:
    """``make(*args)``, or the exception it raised (a dead worker pool still raises)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return make(*args)
    except BrokenProcessPool:
        raise
    except Exception as exc:  # noqa: BLE001 - reported per event by refresh_briefs
        return exc


def _start_worker() -> None:
    """Set up a worker process: below the writer's priority, and gone when the writer is.

    The writer is the pipeline's serial part. At equal priority, three busy processes on two
    cores each got two thirds of a core, so the writer ran slower than it could until the
    workers ran out of work and then idled. A writer killed with SIGKILL cannot stop its
    pool, whose workers would wait for work forever: each watches its parent instead.
    """
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not allowed here: the same results, only slower
        pass
    parent = os.getppid()

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch_parent, name="newsbrief-parent-watch", daemon=True).start()


def _documents(stored: list[StoredArticle]) -> list[Document]:
    return [Document(s.article, s.text, s.sentences) for s in stored]
