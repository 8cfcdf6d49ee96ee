"""The incremental clusterer of :mod:`newsbrief.cluster`, with its state kept in SQLite.

Events live in ``events.state`` (packed vectors) and are loaded on demand into a bounded
cache; the postings (term -> events) are the ``event_terms`` table; document frequencies
are ``term_df``. Everything written during a batch is part of the batch's transaction, so
after a crash the state is exactly that of the last committed batch, and re-running the
same input replays the remaining articles through the same sequence of decisions.

The ``reopen`` most recent articles stay *open*, as in the in-memory clusterer: their
features, the vector each added to its event, their event and day are the ``open_articles``
table (migration 0005), rewritten by every clustering batch in its transaction. The store
applies the clusterer's ``moves`` (an open article that changed event, with the copies that
follow it) and retires its ``emptied`` events. ``ClusterConfig.reopen = 0`` makes decisions
final once their batch commits (apart from merges); so does a database opened at schema 4,
which has no such table.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, OrderedDict
from collections.abc import Sequence

from newsbrief.cluster import ClusterConfig, EventClusterer, Features, _Open
from newsbrief.cluster_vectors import EventState, pack_vector, unpack_vector

__all__ = ["StoreClusterer"]

CACHE_EVENTS = 1024


# The floor under every join before the store kept its own (meta "min_similarity").
_FLOOR_BEFORE_KEPT = 0.03


def stored_min_similarity(conn: sqlite3.Connection) -> float | None:
    """The floor under every join that this database's events were clustered with (written
    by every clustering batch); the default of the time for a database that clustered before
    it was kept; ``None`` for one that has clustered nothing yet."""
    meta = dict(conn.execute(
        "SELECT key, value FROM meta WHERE key IN ('min_similarity', 'n_docs')"))
    if "min_similarity" in meta:
        return float(meta["min_similarity"])
    return _FLOOR_BEFORE_KEPT if int(meta.get("n_docs", 0)) else None


class StoreClusterer(EventClusterer):
    """An :class:`EventClusterer` whose events and postings are read from and written to SQL."""

    def __init__(self, conn: sqlite3.Connection, config: ClusterConfig | None = None) -> None:
        config = config or ClusterConfig()
        # A database migrated only to schema 4 (``Store(migrate_to=4)``) cannot keep open
        # articles: there, decisions are final as before.
        self.keeps_open = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'open_articles'"
        ).fetchone() is not None
        super().__init__(config if self.keeps_open else config.with_(reopen=0))
        self.conn = conn
        self.open_changed = False  # whether this batch changed the open articles
        self.cache: OrderedDict[str, EventState] = OrderedDict()
        self.dirty_events: set[str] = set()
        self.dirty_terms: set[int] = set()
        self.postings_pending: list[tuple[int, int, str]] = []  # rows for event_terms
        self.now = ""  # the batch's timestamp, set by the store
        self.reload()

    def reload(self) -> None:
        """Read the committed state (after opening, or after a rolled-back batch)."""
        self.cache.clear()
        self.dirty_events.clear()
        self.dirty_terms.clear()
        self.postings_pending.clear()
        self.labels_.clear()
        self.members.clear()
        self.merges.clear()
        self.moves.clear()
        self.emptied.clear()
        self.open_changed = False
        self.open = []
        if self.config.reopen > 0:
            self.open = [
                _Open(article_id, Features(unpack_vector(terms), unpack_vector(entities)), day,
                      event_id, unpack_vector(vector))
                for article_id, event_id, day, terms, entities, vector in self.conn.execute(
                    "SELECT article_id, event_id, day, terms, entities, vector "
                    "FROM open_articles ORDER BY pos")
            ]
        # Set, not counted: the frequencies as committed (df is a Counter in memory).
        self.df = Counter(dict(self.conn.execute("SELECT term, df FROM term_df")))
        meta = dict(self.conn.execute("SELECT key, value FROM meta"))
        self.n_docs = int(meta.get("n_docs", 0))
        self.next_id = int(meta.get("next_event", 1))

    # ------------------------------------------------------------------ hooks
    def observe_batch(self, features: Sequence[Features]) -> Counter[int]:
        counts = super().observe_batch(features)
        self.dirty_terms.update(counts)  # their frequencies are written at the flush
        return counts

    def lookup(self, keys: Sequence[int], buckets: Sequence[int]) -> dict[str, int]:
        if not keys:
            return {}
        self._write_postings()  # a lookup sees every event indexed before it
        # One query for all buckets (the counts add up over them, as in the in-memory lookup).
        return dict(self.conn.execute(
            f"SELECT event_id, COUNT(*) FROM event_terms WHERE bucket IN "
            f"({','.join('?' * len(buckets))}) AND term IN ({','.join('?' * len(keys))}) "
            "GROUP BY event_id", [*buckets, *keys]))

    def index(self, event_id: str, keys: Sequence[int], bucket: int) -> None:
        # Kept until the next lookup or the flush, then written at once (one statement).
        self.postings_pending.extend([(bucket, k, event_id) for k in keys])

    def _write_postings(self) -> None:
        if self.postings_pending:
            # The table is keyed by all three columns (WITHOUT ROWID), so the order of the
            # inserts does not change what it holds: sorting the ~25k rows of a batch cost
            # more than the b-tree locality saved. dict.fromkeys drops repeats in C.
            self.conn.executemany(
                "INSERT OR IGNORE INTO event_terms (bucket, term, event_id) VALUES (?, ?, ?)",
                dict.fromkeys(self.postings_pending),
            )
            self.postings_pending.clear()

    def event(self, event_id: str) -> EventState:
        event = self.cache.get(event_id)
        if event is not None:
            self.cache.move_to_end(event_id)
            return event
        row = self.conn.execute(
            "SELECT state, merged_into, first_day, last_day FROM events WHERE id = ?", (event_id,)
        ).fetchone()
        if row is None or not row[0]:
            raise KeyError(f"event {event_id} has no stored state")
        event = EventState.from_bytes(event_id, row[0])
        event.merged_into, event.first_day, event.last_day = row[1], row[2], row[3]
        self._remember(event)
        return event

    def new_event(self, event_id: str) -> EventState:
        self.conn.execute(
            "INSERT INTO events (id, seq, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (event_id, self._id_number(event_id)[0], self.now, self.now),
        )
        event = EventState(event_id)
        self._remember(event)
        self.dirty_events.add(event_id)
        return event

    def add_batch(self, items, *, observed=False) -> list[str]:  # type: ignore[override]
        assigned = super().add_batch(items, observed=observed)
        self.dirty_events.update(assigned)
        # Events that received moved articles (their old events were marked by _reopen).
        self.dirty_events.update(to for _, _, to in self.moves)
        self.open_changed = self.keeps_open
        return assigned

    def _reopen(self) -> list[_Open]:
        # Mark the open articles' events dirty as each is loaded (following merges), before
        # the next load could evict it from the cache: their vectors are about to change.
        for o in self.open:
            event = self.event(o.event)
            self.dirty_events.add(event.id)
            while event.merged_into is not None:
                event = self.event(event.merged_into)
                self.dirty_events.add(event.id)
        return super()._reopen()

    def merge(self, gone: str, keep: str) -> None:
        super().merge(gone, keep)
        self.dirty_events.update((gone, keep))

    def _remember(self, event: EventState) -> None:
        # Nothing is evicted during a batch: an event may change before it is marked dirty
        # (a batch's targets are marked when the clustering ends), and evicting it lost the
        # change. The batch holds its candidate events anyway; the cache is trimmed once the
        # batch has committed (:meth:`committed`).
        self.cache[event.id] = event

    # ------------------------------------------------------------------ saving
    def flush(self) -> None:
        """Write the batch's changes (inside the caller's transaction)."""
        self._write_postings()
        # Rows keyed by their primary key hold the same content whatever the order of the
        # writes, so neither the events nor the ~50k terms of a batch are sorted here.
        rows = []
        for event_id in self.dirty_events:
            event = self.cache[event_id]
            rows.append((event.to_bytes(), event.first_day, event.last_day, event.merged_into,
                         event_id))
        self.conn.executemany(
            "UPDATE events SET state = ?, first_day = ?, last_day = ?, merged_into = ? "
            "WHERE id = ?", rows,
        )
        # Every dirty term's frequency grew in this batch, so all of them are written; the
        # rows are paired in C (zip/map) rather than by a Python-level loop.
        terms = list(self.dirty_terms)
        self.conn.executemany(
            "INSERT INTO term_df (term, df) VALUES (?, ?) "
            "ON CONFLICT(term) DO UPDATE SET df = excluded.df",
            zip(terms, map(self.df.__getitem__, terms)),
        )
        self.conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [("n_docs", str(self.n_docs)), ("next_event", str(self.next_id)),
             ("min_similarity", str(self.config.min_similarity))],
        )
        if self.open_changed:
            # A few hundred rows: rewriting them is simpler than tracking which changed
            # (every reopened article gets a new vector, most keep their features).
            self.conn.execute("DELETE FROM open_articles")
            self.conn.executemany(
                "INSERT INTO open_articles (pos, article_id, event_id, day, terms, entities, "
                "vector) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(pos, o.article_id, o.event, o.day, pack_vector(o.features.terms),
                  pack_vector(o.features.entities), pack_vector(o.vector))
                 for pos, o in enumerate(self.open)],
            )

    def committed(self) -> None:
        """Forget the batch's bookkeeping once its transaction committed, and keep only the
        ``CACHE_EVENTS`` most recently used events."""
        while len(self.cache) > CACHE_EVENTS:
            self.cache.popitem(last=False)
        self.dirty_events.clear()
        self.dirty_terms.clear()
        self.labels_.clear()
        self.members.clear()
        self.merges.clear()
        self.moves.clear()
        self.emptied.clear()
        self.open_changed = False
