"""The incremental clusterer of :mod:`newsbrief.cluster`, with its state kept in SQLite.

Events live in ``events.state`` (packed vectors) and are loaded on demand into a bounded
cache; the postings (term -> events) are the ``event_terms`` table; document frequencies
are ``term_df``. Everything written during a batch is part of the batch's transaction, so
after a crash the state is exactly that of the last committed batch, and re-running the
same input replays the remaining articles through the same sequence of decisions.

Unlike the in-memory clusterer, the store does not reopen recent articles
(``ClusterConfig.reopen`` is set to 0): an article's event is final once its batch commits,
apart from merges.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Sequence

from newsbrief.cluster import ClusterConfig, EventClusterer, EventState

__all__ = ["StoreClusterer"]

CACHE_EVENTS = 1024


class StoreClusterer(EventClusterer):
    """An :class:`EventClusterer` whose events and postings are read from and written to SQL."""

    def __init__(self, conn: sqlite3.Connection, config: ClusterConfig | None = None) -> None:
        # Open articles (``ClusterConfig.reopen``) are not kept here: the store would have to
        # persist them and move stored articles between events, so its decisions are final
        # once their batch commits.
        super().__init__((config or ClusterConfig()).with_(reopen=0))
        self.conn = conn
        self.cache: OrderedDict[str, EventState] = OrderedDict()
        self.dirty_events: set[str] = set()
        self.dirty_terms: set[int] = set()
        self.now = ""  # the batch's timestamp, set by the store
        self.reload()

    def reload(self) -> None:
        """Read the committed state (after opening, or after a rolled-back batch)."""
        self.cache.clear()
        self.dirty_events.clear()
        self.dirty_terms.clear()
        self.labels_.clear()
        self.members.clear()
        self.merges.clear()
        self.df.clear()
        self.df.update(self.conn.execute("SELECT term, df FROM term_df"))
        meta = dict(self.conn.execute("SELECT key, value FROM meta"))
        self.n_docs = int(meta.get("n_docs", 0))
        self.next_id = int(meta.get("next_event", 1))

    # ------------------------------------------------------------------ hooks
    def observe(self, features) -> None:  # type: ignore[override]
        super().observe(features)
        self.dirty_terms.update(features.terms)
        self.dirty_terms.update(features.entities)

    def lookup(self, keys: Sequence[int], buckets: Sequence[int]) -> dict[str, int]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        found: dict[str, int] = {}
        for bucket in buckets:
            for event_id, hits in self.conn.execute(
                f"SELECT event_id, COUNT(*) FROM event_terms WHERE bucket = ? AND term IN ({marks}) "
                "GROUP BY event_id", [bucket, *keys]):
                found[event_id] = found.get(event_id, 0) + hits
        return found

    def index(self, event_id: str, keys: Sequence[int], bucket: int) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO event_terms (bucket, term, event_id) VALUES (?, ?, ?)",
            [(bucket, k, event_id) for k in keys],
        )

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
        return assigned

    def merge(self, gone: str, keep: str) -> None:
        super().merge(gone, keep)
        self.dirty_events.update((gone, keep))

    def _remember(self, event: EventState) -> None:
        self.cache[event.id] = event
        # Evict clean events only: dirty ones are written at the end of the batch.
        while len(self.cache) > CACHE_EVENTS:
            for old_id in self.cache:
                if old_id not in self.dirty_events:
                    del self.cache[old_id]
                    break
            else:
                break

    # ------------------------------------------------------------------ saving
    def flush(self) -> None:
        """Write the batch's changes (inside the caller's transaction)."""
        rows = []
        for event_id in sorted(self.dirty_events):
            event = self.cache[event_id]
            rows.append((event.to_bytes(), event.first_day, event.last_day, event.merged_into,
                         event_id))
        self.conn.executemany(
            "UPDATE events SET state = ?, first_day = ?, last_day = ?, merged_into = ? "
            "WHERE id = ?", rows,
        )
        self.conn.executemany(
            "INSERT INTO term_df (term, df) VALUES (?, ?) "
            "ON CONFLICT(term) DO UPDATE SET df = excluded.df",
            [(t, self.df[t]) for t in self.dirty_terms],
        )
        self.conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [("n_docs", str(self.n_docs)), ("next_event", str(self.next_id))],
        )

    def committed(self) -> None:
        """Forget the batch's bookkeeping once its transaction committed."""
        self.dirty_events.clear()
        self.dirty_terms.clear()
        self.labels_.clear()
        self.members.clear()
        self.merges.clear()

