"""Feed state in the store's SQLite database: feeds, their entries, pages and failures.

The tables come from ``newsbrief/store/migrations/0020_feeds.sql``. Every change is one
transaction, ordered so that a process killed at any point neither loses nor duplicates an
article:

1. a poll stores the feed's new validators *and* its new entries (state ``pending``) together;
   if the process dies before that commit, the next poll is unconditional and sees them again;
2. a page's article is added by :meth:`Store.add_articles` (its own transaction);
3. the entries are then marked ``done``. If the process dies between 2 and 3, the entry is
   still pending, and the next round finds its URL already stored and only marks it.

Storing (2) is the store's own transaction, which cannot take the feed tables' writes with it,
so the feed's count of new articles is kept right another way: just before 2, the content hash
of each article about to be stored is written on its entry (``storing``). After a kill between
2 and 3, :meth:`FeedState.recover` finds those entries' articles in the store and credits them
to their feeds then, once each.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from newsbrief.feeds.fetcher import Validators
from newsbrief.feeds.parse import FeedEntry, FeedSource
from newsbrief.store.db import immediate

__all__ = ["EntryOutcome", "FeedState", "FeedStatus", "PendingEntry", "Recovered", "now"]

MAX_ERRORS_KEPT = 10_000
#: The feed state's times: UTC, ISO 8601 with a ``Z``, to the second (they compare as text).
STAMP = "%Y-%m-%dT%H:%M:%SZ"


def now() -> str:
    """The current UTC time as :data:`STAMP`."""
    return datetime.now(UTC).strftime(STAMP)


@dataclass(frozen=True, slots=True)
class Recovered:
    """An entry whose article a killed run stored without finishing the entry."""

    feed_url: str
    url: str
    article_id: str
    event_id: str | None


@dataclass(frozen=True, slots=True)
class PendingEntry:
    feed_url: str
    entry: FeedEntry
    attempts: int


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    """What became of one page: ``state`` is 'done', 'failed' or 'pending' (retry later).

    ``feed_url`` is ``None`` for pages named on the command line (``newsbrief fetch``).
    """

    url: str
    state: str
    feed_url: str | None = None
    article_id: str | None = None
    added: bool = False
    reason: str | None = None
    error: str | None = None
    final_url: str | None = None
    validators: Validators | None = None


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One row of ``newsbrief feeds``."""

    url: str
    title: str | None
    last_poll: str | None
    last_success: str | None
    last_status: str | None
    last_new: int
    new_articles: int
    pending: int
    failed: int
    last_error: str | None
    last_error_at: str | None
    not_before: str | None = None  # no poll before this UTC time (the feed's Retry-After)

    def to_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class FeedState:
    """Reads and writes the feed tables through the store's connection (autocommit mode)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception (even Ctrl-C)."""
        if self.conn.in_transaction:
            yield self.conn
            return
        with immediate(self.conn):
            yield self.conn

    # -- feeds -----------------------------------------------------------------------------

    def add_feeds(self, sources: Iterable[FeedSource]) -> None:
        """Remember feeds (new ones get a row; known ones keep their state)."""
        stamp = now()
        with self.transaction() as db:
            for source in sources:
                db.execute(
                    "INSERT INTO feeds (url, title, origin, added_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET title = COALESCE(feeds.title, excluded.title)",
                    (source.url, source.title, source.origin, stamp),
                )

    def validators(self, feed_url: str) -> Validators:
        """The ETag/Last-Modified kept from the feed's last successful poll."""
        row = self.conn.execute(
            "SELECT etag, last_modified FROM feeds WHERE url = ?", (feed_url,)
        ).fetchone()
        return Validators(row[0], row[1]) if row else Validators()

    def waiting(self, feed_urls: Sequence[str], at: str) -> dict[str, str]:
        """Feeds not to poll before a later time than ``at`` (both ``YYYY-MM-DDTHH:MM:SSZ``,
        so they compare as text): feed URL -> that time."""
        out = {}
        for feed_url in feed_urls:
            row = self.conn.execute(
                "SELECT not_before FROM feeds WHERE url = ? AND not_before > ?", (feed_url, at)
            ).fetchone()
            if row:
                out[feed_url] = row[0]
        return out

    def record_poll(
        self,
        feed_url: str,
        *,
        validators: Validators,
        entries: Sequence[FeedEntry] = (),
        title: str | None = None,
        not_modified: bool = False,
        warning: str | None = None,
    ) -> int:
        """A successful poll: new validators and new entries in one transaction.

        Returns how many entries were new. A ``warning`` (e.g. XML recovered leniently) is
        recorded as the feed's last error and in the failure log.
        """
        stamp = now()
        new = 0
        with self.transaction() as db:
            for entry in entries:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO feed_entries (feed_url, url, title, published, author, "
                    "summary, state, first_seen, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                    (feed_url, entry.link, entry.title, entry.published, entry.author,
                     entry.summary, stamp, stamp),
                )
                new += cursor.rowcount
            db.execute(
                "UPDATE feeds SET last_poll = ?, last_success = ?, polls = polls + 1, failures = 0, "
                "last_status = ?, last_new = 0, not_before = NULL, title = COALESCE(?, title), "
                "etag = CASE WHEN ? THEN etag ELSE ? END, "
                "last_modified = CASE WHEN ? THEN last_modified ELSE ? END WHERE url = ?",
                (stamp, stamp, "not modified" if not_modified else "ok", title,
                 not_modified, validators.etag, not_modified, validators.last_modified, feed_url),
            )
            if warning:
                self._error(db, feed_url, feed_url, warning, stamp)
        return new

    def record_poll_failure(self, feed_url: str, reason: str, *,
                            not_before: str | None = None) -> None:
        """A poll that failed: counted, and its reason kept as the feed's last error.

        ``not_before`` (``YYYY-MM-DDTHH:MM:SSZ``): the server's Retry-After, kept so that no
        round polls the feed before then, in this process or a later one.
        """
        stamp = now()
        with self.transaction() as db:
            db.execute(
                "UPDATE feeds SET last_poll = ?, polls = polls + 1, failures = failures + 1, "
                "last_status = 'failed', last_new = 0, not_before = ? WHERE url = ?",
                (stamp, not_before, feed_url),
            )
            self._error(db, feed_url, feed_url, reason, stamp)

    # -- entries and pages -----------------------------------------------------------------

    def pending(self, feed_urls: Sequence[str]) -> list[PendingEntry]:
        """Entries still to fetch for these feeds, oldest first."""
        out = []
        for feed_url in feed_urls:
            rows = self.conn.execute(
                "SELECT url, title, published, author, summary, attempts FROM feed_entries "
                "WHERE feed_url = ? AND state = 'pending' ORDER BY first_seen, url",
                (feed_url,),
            )
            for url, title, published, author, summary, attempts in rows:
                entry = FeedEntry(url, title, published, author, summary)
                out.append(PendingEntry(feed_url, entry, attempts))
        return out

    def page_validators(self, url: str) -> Validators | None:
        """Validators of a page fetched before without giving an article, else ``None``."""
        row = self.conn.execute(
            "SELECT etag, last_modified FROM pages WHERE url = ? AND outcome = 'failed'", (url,)
        ).fetchone()
        if row and (row[0] or row[1]):
            return Validators(row[0], row[1])
        return None

    def page_reason(self, url: str) -> str | None:
        """Why the last fetch of a page ended as it did (``None`` if never fetched)."""
        row = self.conn.execute("SELECT reason FROM pages WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def mark_storing(self, items: Iterable[tuple[str, str, str]]) -> None:
        """Before ``Store.add_articles``: (feed URL, entry URL, content hash) of each article
        about to be stored for an entry, committed so that :meth:`recover` can credit it."""
        rows = [(digest, feed_url, url) for feed_url, url, digest in items]
        if not rows:  # pages named on the command line belong to no feed
            return
        with self.transaction() as db:
            db.executemany(
                "UPDATE feed_entries SET storing = ? WHERE feed_url = ? AND url = ?", rows)

    def recover(self, feed_urls: Sequence[str]) -> list[Recovered]:
        """Credit what a killed run stored but did not record: pending entries of these feeds
        marked :meth:`mark_storing` whose article is in the store are marked done and counted
        as new articles of their feed (as :meth:`finish` would have), in one transaction.

        An article is credited once, and not at all when an entry already names it (then it
        was stored before, or for another entry). Entries whose article is not stored (the
        store's transaction was rolled back) stay pending and are fetched again.

        Several outlets' copies of one text are stored, one row each (the content hash an
        entry is marked with is no longer unique): entries are first credited with the article
        stored at their URL, then the others with the latest not credited or named yet.
        """
        def candidates(db: sqlite3.Connection) -> list[tuple[str, str, str, str | None, str]]:
            rows = []
            for feed_url in feed_urls:
                rows += db.execute(
                    "SELECT e.feed_url, e.url, a.id, a.event_id, e.first_seen, "
                    "a.url IS NOT e.url, a.seq FROM feed_entries e "
                    "JOIN articles a ON a.content_hash = e.storing "
                    "WHERE e.feed_url = ? AND e.state = 'pending' AND e.storing IS NOT NULL",
                    (feed_url,),
                ).fetchall()
            rows.sort(key=lambda r: (r[5], r[4], r[0], r[1], -r[6]))
            return [r[:5] for r in rows]

        found: list[Recovered] = []
        if not candidates(self.conn):  # the usual case: no write lock taken
            return found
        stamp = now()
        with self.transaction() as db:
            rows = candidates(db)  # again, under the write lock
            credited: set[str] = set()
            entries: set[tuple[str, str]] = set()
            for feed_url, url, article_id, event_id, _ in rows:
                if (feed_url, url) in entries or article_id in credited:
                    continue
                named = db.execute("SELECT 1 FROM feed_entries WHERE article_id = ? LIMIT 1",
                                   (article_id,)).fetchone()
                if named:
                    continue
                credited.add(article_id)
                entries.add((feed_url, url))
                self._credit(db, feed_url, url, article_id, stamp)
                db.execute(
                    "INSERT INTO pages (url, outcome, article_id, fetched_at) "
                    "VALUES (?, 'stored', ?, ?) ON CONFLICT(url) DO UPDATE SET "
                    "outcome = 'stored', reason = NULL, article_id = excluded.article_id",
                    (url, article_id, stamp),
                )
                found.append(Recovered(feed_url, url, article_id, event_id))
        return found

    def _credit(self, db: sqlite3.Connection, feed_url: str, url: str, article_id: str,
                stamp: str) -> None:
        """Count an article added for a still pending entry (once: a second credit of the
        same entry, e.g. by a process that recovered it meanwhile, finds it done)."""
        db.execute(
            "UPDATE feeds SET new_articles = new_articles + 1, last_new = last_new + 1 "
            "WHERE url = ? AND EXISTS (SELECT 1 FROM feed_entries WHERE feed_url = ? "
            "AND url = ? AND state = 'pending')",
            (feed_url, feed_url, url),
        )
        db.execute(
            "UPDATE feed_entries SET state = 'done', attempts = attempts + 1, article_id = ?, "
            "reason = NULL, storing = NULL, updated_at = ? WHERE feed_url = ? AND url = ?",
            (article_id, stamp, feed_url, url),
        )

    def finish(self, outcomes: Iterable[EntryOutcome]) -> None:
        """Record what became of a batch of pages, in one transaction."""
        stamp = now()
        with self.transaction() as db:
            for out in outcomes:
                if out.feed_url is not None and out.added and out.article_id is not None:
                    self._credit(db, out.feed_url, out.url, out.article_id, stamp)
                elif out.feed_url is not None:
                    db.execute(
                        "UPDATE feed_entries SET state = ?, attempts = attempts + ?, "
                        "article_id = COALESCE(?, article_id), reason = ?, storing = NULL, "
                        "updated_at = ? WHERE feed_url = ? AND url = ?",
                        (out.state, 1, out.article_id, out.reason or out.error, stamp,
                         out.feed_url, out.url),
                    )
                if out.final_url is not None or out.validators is not None:
                    validators = out.validators or Validators()
                    outcome = "failed" if out.error else ("stored" if out.added else "already stored")
                    db.execute(
                        "INSERT INTO pages (url, final_url, etag, last_modified, outcome, reason, "
                        "article_id, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT(url) DO UPDATE SET final_url = excluded.final_url, "
                        "etag = excluded.etag, last_modified = excluded.last_modified, "
                        "outcome = excluded.outcome, reason = excluded.reason, "
                        "article_id = excluded.article_id, fetched_at = excluded.fetched_at",
                        (out.url, out.final_url, validators.etag, validators.last_modified,
                         outcome, out.error or out.reason, out.article_id, stamp),
                    )
                if out.error:
                    self._error(db, out.feed_url, out.url, out.error, stamp)

    def _error(
        self, db: sqlite3.Connection, feed_url: str | None, url: str, reason: str, stamp: str
    ) -> None:
        cursor = db.execute(
            "INSERT INTO fetch_errors (at, feed_url, url, reason) VALUES (?, ?, ?, ?)",
            (stamp, feed_url, url, reason),
        )
        if feed_url is not None:
            shown = reason if url == feed_url else f"{url}: {reason}"
            db.execute(
                "UPDATE feeds SET last_error = ?, last_error_at = ? WHERE url = ?",
                (shown, stamp, feed_url),
            )
        if cursor.lastrowid and cursor.lastrowid % 1000 == 0:
            db.execute("DELETE FROM fetch_errors WHERE id <= ?",
                       (cursor.lastrowid - MAX_ERRORS_KEPT,))

    # -- reading ---------------------------------------------------------------------------

    def feeds(self) -> list[FeedStatus]:
        """Every known feed with its last poll, last success, counts and last error."""
        rows = self.conn.execute(
            "SELECT f.url, f.title, f.last_poll, f.last_success, f.last_status, f.last_new, "
            "f.new_articles, "
            "(SELECT count(*) FROM feed_entries e WHERE e.feed_url = f.url AND e.state = 'pending'), "
            "(SELECT count(*) FROM feed_entries e WHERE e.feed_url = f.url AND e.state = 'failed'), "
            "f.last_error, f.last_error_at, f.not_before FROM feeds f ORDER BY f.added_at, f.url"
        ).fetchall()
        return [FeedStatus(*row) for row in rows]

    def errors(self, feed_url: str | None = None, limit: int = 20) -> list[tuple[str, str | None, str, str]]:
        """The latest failures (at, feed, url, reason), newest first."""
        if feed_url is None:
            rows = self.conn.execute(
                "SELECT at, feed_url, url, reason FROM fetch_errors ORDER BY id DESC LIMIT ?",
                (limit,),
            )
        else:
            rows = self.conn.execute(
                "SELECT at, feed_url, url, reason FROM fetch_errors WHERE feed_url = ? "
                "ORDER BY id DESC LIMIT ?", (feed_url, limit),
            )
        return [tuple(row) for row in rows]
