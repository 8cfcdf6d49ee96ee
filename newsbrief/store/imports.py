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
twice changes nothing. The import ends by rebuilding the brief of every stale event its
events lead to (joined ones, and those the run gave no brief), so a re-run after a kill,
which finds every event stored, still rebuilds the briefs the killed run left stale.
Articles already in the store (same URL, or same content not provably from another outlet:
:func:`newsbrief.store.urls.already_stored`) are skipped and reported, as ingest skips them;
the event keeps its other articles. The same text from another outlet is stored, a copy.

An imported event some of whose own articles the store holds already (same id, and same
content or URL: a later, overlapping run re-imported, or articles ingested before) is that
stored event: its other articles join it (the stored event holding most of them, the first
of them on a tie; stored events are never merged by an import), its id leads there as a
merged event's id does, and the stored event's brief is rebuilt from its stored articles
once the import ends; its id leads there also when none of its articles is new. An article
the store holds under its id with other content and URL is another article: this one is
stored renamed (``id~hash``, as ingest renames it), and that name counts as its own when the
run is imported again. An exact copy stored under another id is only skipped: it does not
make its event the imported one's, unless the imported event has nothing else (no new
article, none of its own stored): then its id leads to the stored event holding most of its
copies, so that every id of a run's tables leads somewhere.

Links follow the store's rule that a copy points at its group's original (the first stored):
an article the import links to none but that copies an article stored before is linked to
it, a link to an original stored before (or skipped as one) leads to that original, and only
the articles that end up originals get LSH bands. A link names the run's id of the original:
it leads to the stored article that id became in this import, and an original the import
has not reached yet is not looked up by id (the store may hold another article under it):
the copy keeps what its MinHash lookup found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newsbrief.clean import nothing_left
from newsbrief.cluster import extract_features, parse_day
from newsbrief.cluster_vectors import EventState, _top
from newsbrief.models import Brief, Document, Problem
from newsbrief.store.db import now_text
from newsbrief.store.models import IngestReport
from newsbrief.store.neardup import band_keys, signature
from newsbrief.store.reopen import clustered_span
from newsbrief.store.rows import DUPLICATE_THRESHOLD, pack_brief
from newsbrief.store.urls import already_stored, canonical_url, content_hash, outlet_key

if TYPE_CHECKING:
    from newsbrief.store.store import Store

__all__ = ["ImportedEvent", "import_events"]

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ImportedEvent:
    """One precomputed event: ``documents`` in input order (as cleaned for the brief; one
    without sentences is skipped as a problem), ``duplicate_of`` maps members that are copies
    to their originals, ``brief`` is stored as the event's first version (``None``: the event
    is briefed from its stored articles when the import ends)."""

    id: str
    documents: tuple[Document, ...]
    duplicate_of: Mapping[str, str] = field(default_factory=dict)
    brief: Brief | None = None


def import_events(
    store: Store, events: Iterable[ImportedEvent], *, progress: Progress | None = None
) -> IngestReport:
    """Store ``events`` as they are (see the module docstring); returns what was done.

    ``report.added`` lists ``(article, event)``, ``events_created`` the events stored now,
    ``events_updated`` the stored events that gained articles, ``merged`` ``(imported id,
    stored event)`` for each imported event that joined a stored one (its id now leads
    there), ``skipped`` the events stored before and the articles the store already had.
    Every stale event the run's events lead to (those that gained articles of another
    imported event, those without a run brief, those a killed import left stale) gets its
    brief rebuilt at the end (``briefs_refreshed``).
    """
    report = IngestReport()
    # Every stored event this run's events lead to (created, joined, or stored before): a
    # run killed after committing some of them left their briefs stale, and running it
    # again, which finds them stored, must still rebuild those briefs.
    reached: set[str] = set()
    # Each imported article id seen in this call -> the id of the stored article it is
    # (renamed on a clash, or stored before under another id): copy links name the run's
    # ids. Small beside the run's tables, which the reader holds whole.
    stored_as: dict[str, str] = {}
    batch: list[ImportedEvent] = []
    size = 0
    for event in events:
        batch.append(event)
        size += len(event.documents)
        if size >= store.batch_size:
            _import_batch(store, batch, report, progress, reached, stored_as)
            batch, size = [], 0
    if batch:
        _import_batch(store, batch, report, progress, reached, stored_as)
    # The joined events' briefs (a stored one, or the run's over part of their articles) no
    # longer cover every article, and an event the run gave no brief has none: rebuilt from
    # the stored articles, as ingest rebuilds them. Every stale event the run reached, not
    # only those joined now, so a re-run after a kill finishes what the killed run left.
    stale = {row[0] for row in store.conn.execute(
        "SELECT id FROM events WHERE brief_stale = 1 AND merged_into IS NULL")}
    if stale & reached:
        report.briefs_refreshed += store.refresh_briefs(sorted(stale & reached),
                                                        problems=report.problems)
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
                f"article {article.id} of event {event.id}: {nothing_left(article.text)}"))
            continue
        out.append(_Member(
            document, signature(article.title, document.text),
            extract_features(article.title, document.text, store.cluster_config),
            content_hash(article), canonical_url(article.url) if article.url else None,
        ))
    return out


@dataclass(slots=True)
class _Target:
    """A stored event getting articles in this batch: created now (``created``: the imported
    event it is made from, whose brief becomes version 1) or stored before (``None``)."""

    id: str
    created: ImportedEvent | None
    # (stored id, id as given, features, day, the copy links of its imported event)
    stored: list[tuple[str, str, Any, float | None, Mapping[str, str]]] = field(
        default_factory=list)
    joined: bool = False  # got articles of an imported event other than its own
    own: int = 0  # articles stored from ``created`` (those its brief is over)


def _stored_row(conn: Any, member: _Member) -> tuple[str, str | None, str] | None:
    """``(id, event, content hash)`` of the stored article this one is, by the rule ingest
    follows (:func:`newsbrief.store.urls.already_stored`: the same URL, or the same content
    not provably from another outlet), if any: of several with its content, the one stored
    under its id, else the first of its outlet, else the first."""
    article = member.document.article
    rows = conn.execute("SELECT id, event_id, content_hash, outlet FROM articles "
                        "WHERE content_hash = ? ORDER BY seq", (member.digest,)).fetchall()
    if rows and already_stored(article.outlet, [r[3] for r in rows], False):
        mine = outlet_key(article.outlet)
        row = next((r for r in rows if _is_own(r, article.id)), None) or next(
            (r for r in rows if outlet_key(r[3]) == mine), rows[0])
        return row[:3]
    if member.url:
        return conn.execute("SELECT id, event_id, content_hash FROM articles "
                            "WHERE canonical_url = ?", (member.url,)).fetchone()
    return None


def _is_own(row: tuple[str, str | None, str], article_id: str) -> bool:
    """Whether the stored article found by content or URL is this imported article itself:
    stored under its id, or under the name the store gives an id it already holds
    (``Store._unique_id``: ``id~`` and the first 8 characters of the content hash)."""
    return row[0] == article_id or row[0] == f"{article_id}~{row[2][:8]}"


def _import_batch(store: Store, batch: list[ImportedEvent], report: IngestReport,
                  progress: Progress | None, reached: set[str],
                  stored_as: dict[str, str]) -> None:
    # The store's private helpers are used on purpose: the same inserts, event rows and
    # search rows as ingest, so imported data is indistinguishable from ingested data.
    from newsbrief.store.events import fallback_headline, index_event, update_event_row

    planned = [(event, _members(store, event, report)) for event in batch]
    clusterer = store.clusterer
    config = store.cluster_config
    targets: dict[str, _Target] = {}
    with store._transaction() as conn:
        now = now_text()
        clusterer.now = now
        # The original the store's insert found for each article (None: it got LSH bands as
        # an original) with its signature, and those found among articles stored before this
        # batch: a copy of one of them keeps that link when the import gives it none.
        inserted: dict[str, tuple[str | None, Any]] = {}
        found: dict[str, str] = {}
        placed: dict[str, str] = {}  # article inserted in this batch -> its event
        for event, members in planned:
            known = conn.execute("SELECT 1 FROM events WHERE id = ?", (event.id,)).fetchone()
            if known:
                report.skipped.append((event.id, "event already stored"))
            # The event's own articles stored before (same id, and same content or URL: an
            # earlier, overlapping run's or an ingest's) say which stored event it is; a copy
            # stored under another id is only skipped. Most of them decide, the first of
            # them a tie.
            votes: dict[str, int] = {}
            copy_votes: dict[str, int] = {}  # the same, for copies stored under other ids
            fresh: list[tuple[str, _Member]] = []
            for member in members:
                article = member.document.article
                # Looked up one by one, after the articles before it are inserted: exact
                # copies within the run are stored once.
                row = _stored_row(conn, member)
                if row is None:
                    article_id, linked = store._insert(conn, member.document, member.values,
                                                       member.digest, member.url, now)
                    if linked is not None and linked not in inserted:
                        found[article_id] = linked
                    inserted[article_id] = (linked, member.values)
                    stored_as[article.id] = article_id
                    fresh.append((article_id, member))
                    continue
                stored_as[article.id] = row[0]
                if not known:
                    report.skipped.append((article.id, "already stored (same content or URL)"))
                home = row[1] if row[1] is not None else placed.get(row[0])
                if home is not None:
                    tally = votes if _is_own(row, article.id) else copy_votes
                    tally[home] = tally.get(home, 0) + 1
            if not votes and not fresh and not known:
                # Nothing new and nothing of its own: its id still has to lead somewhere,
                # and the stored event holding its texts is where they are.
                votes = copy_votes
            home = max(votes, key=votes.__getitem__) if votes else (
                store._live_id(event.id) if known else None)
            if home is not None or fresh:
                reached.add(home if home is not None else event.id)
            if progress:
                progress(len(event.documents))
            if home is not None and not known:
                # The run's tables name the event by its id: that id leads to the stored
                # event, as a merged event's id does, also when none of its articles is new
                # (a later run whose event the store holds whole under another id).
                conn.execute(
                    "INSERT INTO events (id, seq, created_at, updated_at, merged_into, "
                    "brief_stale) VALUES (?,?,?,?,?,0)",
                    (event.id, clusterer.next_id, now, now, home))
                clusterer.next_id += 1
                report.merged.append((event.id, home))
            if not fresh:
                continue
            if home is None:
                target = targets[event.id] = _Target(event.id, event)
                conn.execute(
                    "INSERT INTO events (id, seq, created_at, updated_at) VALUES (?,?,?,?)",
                    (event.id, clusterer.next_id, now, now))
                clusterer.next_id += 1
            else:
                target = targets.setdefault(home, _Target(home, None))
                target.joined = True
            for article_id, member in fresh:
                article = member.document.article
                placed[article_id] = target.id
                target.stored.append((article_id, article.id, member.features,
                                      parse_day(article.published), event.duplicate_of))
            if target.created is event:
                target.own = len(target.stored)
        # Document frequencies count the whole batch before its vectors are made, as the
        # incremental clusterer does for a batch of arrivals.
        for target in targets.values():
            for _, _, features, _, _ in target.stored:
                clusterer.observe(features)
        states = []
        for target in targets.values():
            state = EventState(target.id) if target.created else clusterer.event(target.id)
            for _, _, features, day, _ in target.stored:
                vector = clusterer.vectorize(features)
                state.add(vector, day)
                clusterer.index(target.id, _top(vector, config.query_terms * 2),
                                clusterer.bucket(day))
            clusterer.dirty_events.add(target.id)
            clusterer._remember(state)
            states.append(state)
            links = []
            for article_id, given, _, _, duplicate_of in target.stored:
                original = duplicate_of.get(given)
                copy_of = None
                named = stored_as.get(original) if original is not None else None
                if named is not None:
                    # A copy points at its group's original (the first stored): the given
                    # original may be a copy of a stored article itself, or have been
                    # skipped as stored before under another id (then that one's original).
                    # An original this call has not reached yet (a later batch) is not
                    # looked up by its id, which may be another article's, stored before:
                    # the copy keeps what its insert found, as ingest would link it.
                    copy_of = found.get(named) or (
                        named if named in inserted else _original_of(conn, named))
                if copy_of is None:
                    copy_of = found.get(article_id)
                _set_bands(conn, article_id, inserted[article_id], original=copy_of is None)
                links.append((target.id, copy_of, article_id))
                report.added.append((article_id, target.id))
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
        for target in targets.values():
            update_event_row(conn, target.id, now)  # marks its brief stale
            event = target.created
            headline = None
            if event is not None and event.brief is not None:
                first = event.documents[0]
                headline = event.brief.headline_text or fallback_headline(first.article.title,
                                                                          first.text)
                conn.execute(
                    "INSERT INTO briefs (event_id, version, created_at, article_count, brief) "
                    "VALUES (?,?,?,?,?)",
                    (event.id, 1, now, target.own, pack_brief(event.brief)),
                )
                conn.execute("UPDATE events SET headline = ? WHERE id = ?", (headline, event.id))
                if not target.joined:
                    conn.execute("UPDATE events SET brief_stale = 0 WHERE id = ?", (event.id,))
            index_event(conn, target.id, headline)
            if event is not None:
                report.events_created.add(event.id)
            else:
                report.events_updated.add(target.id)
    clusterer.committed()


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


