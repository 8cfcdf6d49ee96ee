"""Importing events made elsewhere (a Spark run's) into the store, as they are.

:meth:`newsbrief.store.Store.add_articles` decides events itself, article by article. A
Spark run (``newsbrief spark-run``) has already decided them over the whole corpus, with the
same clusterer, and briefed them; :func:`import_events` stores those decisions unchanged:
each event with its articles (as cleaned for its brief, so the brief's sentence references
point at stored sentences), their duplicate links, and its brief as version 1.

The store's own machinery stays consistent, so a later ``newsbrief ingest`` extends these
events as if the store had made them: articles go through the store's insert helper (MinHash
signature and LSH bands, so later copies find them), document frequencies and the document
count grow by the imported articles, and each event's clusterer state (the sum of its
members' vectors, its time span and its postings) is built from its members as the
incremental clusterer builds it; the span, like the store's, leaves out copies that sit close
in time next to their original (:func:`newsbrief.store.reopen.clustered_span`).

Like ingest, the import runs in transactions of whole events (at least ``batch_size``
articles each): a run killed at any point keeps the committed events, and running it again
skips them (an event is stored once, by id) and finishes the rest; importing the same run
twice changes nothing. Articles already in the store (same content or URL) are skipped and
reported, as ingest skips them; the event keeps its other articles. An event already stored
is not changed: articles of it the store lacks (from a later, overlapping run) are reported as
problems, to be ingested. Imported events are not merged with events already in the store.
Links follow the store's rule that a copy points at its group's original (the first stored): an article the import links to none but that copies
an article stored before is linked to it, a link to an original stored before (or skipped as
one) leads to that original, and only the articles that end up originals get LSH bands.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newsbrief.cluster import extract_features, parse_day
from newsbrief.cluster_vectors import EventState, _top
from newsbrief.models import Brief, Document, Problem
from newsbrief.store.db import now_text
from newsbrief.store.models import IngestReport
from newsbrief.store.neardup import band_keys, signature
from newsbrief.store.reopen import clustered_span
from newsbrief.store.rows import DUPLICATE_THRESHOLD
from newsbrief.store.urls import canonical_url, content_hash

if TYPE_CHECKING:
    from newsbrief.store.store import Store

__all__ = ["ImportedEvent", "import_events"]

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ImportedEvent:
    """One precomputed event: ``documents`` in input order (as cleaned for the brief; one
    without sentences is skipped as a problem), ``duplicate_of`` maps members that are copies
    to their originals, ``brief`` is stored as the event's first version (``None``: the store
    briefs the event on its next refresh)."""

    id: str
    documents: tuple[Document, ...]
    duplicate_of: Mapping[str, str] = field(default_factory=dict)
    brief: Brief | None = None


def import_events(
    store: Store, events: Iterable[ImportedEvent], *, progress: Progress | None = None
) -> IngestReport:
    """Store ``events`` as they are (see the module docstring); returns what was done.

    ``report.added`` lists ``(article, event)``, ``events_created`` the events stored now,
    ``skipped`` the events stored before and the articles the store already had.
    """
    report = IngestReport()
    batch: list[ImportedEvent] = []
    size = 0
    for event in events:
        batch.append(event)
        size += len(event.documents)
        if size >= store.batch_size:
            _import_batch(store, batch, report, progress)
            batch, size = [], 0
    if batch:
        _import_batch(store, batch, report, progress)
    return report


@dataclass(slots=True)
class _Member:
    document: Document
    values: Any  # MinHash signature (newsbrief.store.neardup.signature)
    features: Any
    digest: str
    url: str | None


def _members(store: Store, event: ImportedEvent, report: IngestReport) -> list[_Member]:
    """The pure per-article work (signature, features, hashes), before the transaction."""
    out = []
    for document in event.documents:
        article = document.article
        if not document.sentences:
            report.problems.append(Problem(
                article.path or article.id,
                f"article {article.id} of event {event.id}: no text left after cleaning"))
            continue
        out.append(_Member(
            document, signature(article.title, document.text),
            extract_features(article.title, document.text, store.cluster_config),
            content_hash(article), canonical_url(article.url) if article.url else None,
        ))
    return out


def _import_batch(store: Store, batch: list[ImportedEvent], report: IngestReport,
                  progress: Progress | None) -> None:
    # The store's private helpers are used on purpose: the same inserts, event rows and
    # search rows as ingest, so imported data is indistinguishable from ingested data.
    from newsbrief.store.events import index_event, update_event_row

    planned = [(event, _members(store, event, report)) for event in batch]
    clusterer = store.clusterer
    config = store.cluster_config
    # Per event created: (stored id, id as given, features, day) of its articles.
    created: list[tuple[ImportedEvent, list[tuple[str, str, Any, float | None]]]] = []
    with store._transaction() as conn:
        now = now_text()
        clusterer.now = now
        renamed: dict[str, str] = {}
        # The original the store's insert found for each article (None: it got LSH bands as
        # an original) with its signature, and those found among articles stored before this
        # batch: a copy of one of them keeps that link when the import gives it none.
        inserted: dict[str, tuple[str | None, Any]] = {}
        found: dict[str, str] = {}
        for event, members in planned:
            if conn.execute("SELECT 1 FROM events WHERE id = ?", (event.id,)).fetchone():
                report.skipped.append((event.id, "event already stored"))
                # A later, overlapping run names the event after the same first article but
                # may hold more of them: those are not imported, and must not vanish unsaid.
                report.problems.extend(
                    Problem(member.document.article.path or member.document.article.id,
                            f"article {member.document.article.id}: not imported, its event "
                            f"{event.id} is already stored (ingest it to add it)")
                    for member in members if not _stored_before(store, member))
                if progress:
                    progress(len(event.documents))
                continue
            stored: list[tuple[str, str, Any, float | None]] = []
            for member in members:
                article = member.document.article
                if _stored_before(store, member):
                    report.skipped.append((article.id, "already stored (same content or URL)"))
                    continue
                article_id, linked = store._insert(conn, member.document, member.values,
                                                   member.digest, member.url, now)
                if linked is not None and linked not in inserted:
                    found[article_id] = linked
                inserted[article_id] = (linked, member.values)
                renamed[article.id] = article_id
                stored.append((article_id, article.id, member.features,
                               parse_day(article.published)))
            if progress:
                progress(len(event.documents))
            if not stored:
                continue
            conn.execute("INSERT INTO events (id, seq, created_at, updated_at) VALUES (?,?,?,?)",
                         (event.id, clusterer.next_id, now, now))
            clusterer.next_id += 1
            created.append((event, stored))
        # Document frequencies count the whole batch before its vectors are made, as the
        # incremental clusterer does for a batch of arrivals.
        for _, stored in created:
            for _, _, features, _ in stored:
                clusterer.observe(features)
        states = []
        for event, stored in created:
            state = EventState(event.id)
            for _, _, features, day in stored:
                vector = clusterer.vectorize(features)
                state.add(vector, day)
                clusterer.index(event.id, _top(vector, config.query_terms * 2),
                                clusterer.bucket(day))
            clusterer.dirty_events.add(event.id)
            clusterer._remember(state)
            states.append(state)
            links = []
            for article_id, given, _, _ in stored:
                original = event.duplicate_of.get(given)
                copy_of = None
                if original is not None:
                    # A copy points at its group's original (the first stored): the given
                    # original may be a copy of a stored article itself, or have been
                    # skipped as stored before under another id (then the link found here).
                    named = renamed.get(original, original)
                    copy_of = found.get(named) or (
                        named if named in inserted else _original_of(conn, named))
                if copy_of is None:
                    copy_of = found.get(article_id)
                _set_bands(conn, article_id, inserted[article_id], original=copy_of is None)
                links.append((event.id, copy_of, article_id))
                report.added.append((article_id, event.id))
                if copy_of is not None:
                    report.duplicates.append((article_id, copy_of))
            conn.executemany("UPDATE articles SET event_id = ?, duplicate_of = ? WHERE id = ?",
                             links)
        # The time span (what the clusterer's time decay reads) is that of the members the
        # store would have clustered: a copy close in time to its original in the same event
        # joins it unclustered on ingest, so it widens no span (as Store._respan recomputes
        # it from the stored rows, here once the batch's links are written).
        for state in states:
            state.first_day, state.last_day = clustered_span(conn, state.id, config.max_gap_days)
        clusterer.flush()
        for event, stored in created:
            update_event_row(conn, event.id, now)
            headline = None
            if event.brief is not None:
                headline = event.brief.headline_text or _fallback_headline(event)
                conn.execute(
                    "INSERT INTO briefs (event_id, version, created_at, article_count, brief) "
                    "VALUES (?,?,?,?,?)",
                    (event.id, 1, now, len(stored), json.dumps(event.brief.to_dict())),
                )
                conn.execute("UPDATE events SET headline = ?, brief_stale = 0 WHERE id = ?",
                             (headline, event.id))
            index_event(conn, event.id, headline)
            report.events_created.add(event.id)
    clusterer.committed()


def _stored_before(store: Store, member: _Member) -> bool:
    """Whether the store holds this article already (same content or URL)."""
    return store._exists("content_hash", member.digest) or bool(
        member.url and store._exists("canonical_url", member.url))


def _set_bands(conn: Any, article_id: str, inserted: tuple[str | None, Any],
               original: bool) -> None:
    """Give the article LSH bands if it ends up an original, and none if it ends up a copy
    (only originals have bands, so later copies link to the group's original): its insert
    decided by what it found, the import's links may say otherwise."""
    linked, values = inserted
    if original == (linked is None):
        return
    seq = conn.execute("SELECT seq FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
    rows = [(key, seq) for key in band_keys(values, DUPLICATE_THRESHOLD)]
    if original:
        conn.executemany("INSERT OR IGNORE INTO lsh_keys (key, seq) VALUES (?, ?)", rows)
    else:
        conn.executemany("DELETE FROM lsh_keys WHERE key = ? AND seq = ?", rows)


def _original_of(conn: Any, article_id: str) -> str | None:
    """The original a stored article is a copy of, the article itself if it is an original,
    or None if no such article is stored."""
    row = conn.execute("SELECT duplicate_of FROM articles WHERE id = ?", (article_id,)).fetchone()
    return None if row is None else row[0] or article_id


def _fallback_headline(event: ImportedEvent) -> str:
    """The fallback headline: the first article's title (or the opening of its text)."""
    first = event.documents[0]
    return first.article.title or first.text[:200]
